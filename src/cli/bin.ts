#!/usr/bin/env node
/**
 * The `mmsim` executable. It always runs the CLI: npx, npm link and global installs start it
 * through a symlink or shim, so comparing its own path with process.argv[1] would silently do
 * nothing there (that bug once made the README's main command print nothing).
 */
import { setFlagsFromString } from "node:v8";
import type { CliIo } from "./main.js";

// V8 optimises a function with TurboFan once it has spent its interrupt budget three times
// (66 KiB of bytecode executed in V8 11, Node 20's; 132 KiB in later versions). A CLI run is
// short, and its process's CPU time counts the compiler threads: at the default budget,
// `mmsim run big-touch` had V8 compile over 200 functions while its steps ran (--trace-opt),
// many of them too little used afterwards to repay it (with --no-opt the steps took 104 ms of
// CPU against 225 ms). With a 512 KiB budget only the truly hot functions reach TurboFan: the
// steps of big-touch take 90-110 ms of CPU instead of 200-240, its boot 105-150 ms instead of
// 140-190, and the longer shipped scenarios (tour, thrash, w5-swap, refault) no more than
// before (docs/scenarios.md, "Determinism"). Set before the model's modules load.
setFlagsFromString("--interrupt-budget=524288");
const { runCli } = await import("./main.js");

const io: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  stdin: process.stdin,
  tty: { stdin: process.stdin.isTTY, stdout: process.stdout.isTTY, stderr: process.stderr.isTTY },
  env: process.env,
};
process.exitCode = await runCli(process.argv.slice(2), io);
