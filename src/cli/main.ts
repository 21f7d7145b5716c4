/**
 * The `mmsim` command: argv in, text out, exit code back. Each subcommand lives in
 * src/cli/commands/<name>.ts and exports `register<Name>(program, io)`; add a line to
 * `buildProgram` to wire a new one. The shell calls only the public API (src/api).
 *
 * Exit codes: 0 success, 1 a failure while running (a file that cannot be read…), 2 a usage
 * error (unknown option, bad value), reported on one line.
 */
import { Command, CommanderError } from "commander";
import { registerBoot } from "./commands/boot.js";
import { registerDecode } from "./commands/decode.js";
import { registerExplore } from "./commands/explore.js";
import { registerReplay } from "./commands/replay.js";
import { registerRun } from "./commands/run.js";
import { registerScenarios } from "./commands/scenarios.js";
import { registerTools } from "./commands/tools.js";
import { registerValidate } from "./commands/validate.js";

/** Where a command writes; tests pass buffers, main passes the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** A usage error found after parsing (conflicting options…): exit code 2, one line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The program with every subcommand registered, writing to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("mmsim")
    .description("The Linux 6.1 memory manager, made runnable: a faithful, deterministic model")
    .showSuggestionAfterError(false)
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  registerBoot(program, io);
  registerDecode(program, io);
  registerExplore(program, io);
  registerReplay(program, io);
  registerRun(program, io);
  registerScenarios(program, io);
  registerTools(program, io);
  registerValidate(program, io);
  for (const c of program.commands) {
    c.showSuggestionAfterError(false)
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
      .exitOverride();
  }
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version are exits, not errors; help shown for a missing command is a usage error
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT_OK;
      if (e.code === "commander.help") return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      if (e.code === "commander.executeSubCommandAsync") return EXIT_FAILURE;
      // commander has already printed its one-line "error: …"
      return EXIT_USAGE;
    }
    // A value the model rejects as impossible (a machine too small for the kernel image, NUMA
    // sizes that do not add up) is a usage error too: the fix is in the command line.
    if (e instanceof UsageError || e instanceof RangeError) {
      io.err(`error: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`error: ${msg.split("\n")[0]}\n`);
    return EXIT_FAILURE;
  }
}

