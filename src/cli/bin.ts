#!/usr/bin/env node
/**
 * The `mmsim` executable. It always runs the CLI: npx, npm link and global installs start it
 * through a symlink or shim, so comparing its own path with process.argv[1] would silently do
 * nothing there (that bug once made the README's main command print nothing).
 */
import { runCli, type CliIo } from "./main.js";

const io: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  stdin: process.stdin,
  tty: { stdin: process.stdin.isTTY, stdout: process.stdout.isTTY, stderr: process.stderr.isTTY },
  env: process.env,
};
process.exitCode = await runCli(process.argv.slice(2), io);
