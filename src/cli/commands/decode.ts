/**
 * `mmsim decode [FILE|-] [--json] [--kind KIND] [--zoneinfo FILE] [--pid PID]`: explains an OOM report or a
 * /proc or cgroup memory file from a real system. The file is read here; src/decode does the
 * rest without I/O. A file that cannot be read is exit code 1, an unknown --kind 2 (commander).
 */
import { readFileSync } from "node:fs";
import { InvalidArgumentError, Option, type Command } from "commander";
import { decode, explain, DECODE_KINDS, type DecodeKind, type DecodeOptions } from "../../api/index.js";

/** Where the command writes (the CLI's io, or the process streams). */
export interface DecodeIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: DecodeIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };

/** Reads FILE, or standard input for "-" or no FILE. */
function readInput(file: string | undefined): string {
  return readFileSync(file === undefined || file === "-" ? 0 : file, "utf8");
}

/** Adds the `decode` subcommand to `program`. */
export function registerDecode(program: Command, io: DecodeIo = processIo): void {
  program
    .command("decode")
    .description("explain an OOM-killer report (dmesg, journalctl, syslog; kernels 3.10–6.x) or a /proc or cgroup memory file")
    .argument("[file]", "file to read, or - for standard input (the default)")
    .option("--json", "print the structured result (schema in docs/decode.md)")
    .addOption(new Option("--kind <kind>", "read the input as this kind instead of detecting it").choices(DECODE_KINDS as string[]))
    .option("--pid <pid>", "for OOM reports: the oom_score_adj that would have spared (or doomed) this pid", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("a pid is a non-negative integer");
      return n;
    })
    .option("--zoneinfo <file>", "a /proc/zoneinfo of the same moment: exact MemAvailable for meminfo, watermark checks for buddyinfo")
    .action((file: string | undefined, opts: { json?: boolean; kind?: string; zoneinfo?: string; pid?: number }) => {
      // A file that cannot be read throws; the CLI prints it on one line and exits 1.
      const text = readInput(file);
      const dopts: DecodeOptions = {};
      if (opts.zoneinfo !== undefined) dopts.zoneinfoText = readFileSync(opts.zoneinfo, "utf8");
      if (opts.kind !== undefined) dopts.kind = opts.kind as DecodeKind;
      const res = decode(text, dopts);
      io.out(opts.json ? `${JSON.stringify(res, (_k, v: unknown) => (v === Number.NEGATIVE_INFINITY ? null : v), 2)}\n` : `${explain(res, opts.pid !== undefined ? { pid: opts.pid } : {})}\n`);
    });
}
