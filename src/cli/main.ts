/**
 * The `mmsim` command: argv in, text out, exit code back. Each subcommand lives in
 * src/cli/commands/<name>.ts and exports `register<Name>(program, io)`; add a line to
 * `buildProgram` to wire a new one. The shell calls only the public API (src/api).
 *
 * Exit codes (docs/cli.md): 0 success; 1 the simulated kernel refused something, an
 * expectation failed, or the input is not recognised; 2 a usage error (an unknown option, a bad
 * value, a path that is not a file, a mistake in a scenario), reported on one line.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerBoot } from "./commands/boot.js";
import { registerDecode } from "./commands/decode.js";
import { registerExplore } from "./commands/explore.js";
import { registerReplay } from "./commands/replay.js";
import { registerRun } from "./commands/run.js";
import { registerScenarios } from "./commands/scenarios.js";
import { registerTools } from "./commands/tools.js";
import { registerValidate } from "./commands/validate.js";

/** Where a command reads and writes; tests pass buffers, bin.ts the process's streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Standard input, as chunks (`mmsim decode`, `mmsim run -`); none when absent. */
  stdin?: AsyncIterable<Uint8Array | string>;
  /** Which standard streams are terminals: colour, the progress bar and decode's prompt depend on it. */
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /** The environment (NO_COLOR, TERM). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The package's version, from package.json beside dist/ (or src/). */
export function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const v: unknown = typeof pkg === "object" && pkg !== null ? Reflect.get(pkg, "version") : undefined;
    return typeof v === "string" ? v : "unknown";
  } catch {
    return "unknown";
  }
}

/** A usage error found after parsing (conflicting options…): exit code 2, one line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A failure the command already reported on stderr (a failed expectation, an unrecognised
 * input, a file the machine refused): exit code 1, nothing more printed.
 */
export class ReportedFailure extends Error {
  override readonly name = "ReportedFailure";
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The program with every subcommand registered, writing to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("mmsim")
    .description("The Linux 6.1 memory manager, made runnable: a faithful, deterministic model")
    .version(version(), "-V, --version", "print the version and exit")
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
    if (e instanceof ReportedFailure) return EXIT_FAILURE;
    if (e instanceof UsageError || e instanceof RangeError) {
      io.err(`error: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`error: ${msg.split("\n")[0]}\n`);
    return EXIT_FAILURE;
  }
}

