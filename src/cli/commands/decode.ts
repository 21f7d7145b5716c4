/**
 * `mmsim decode [FILE|-] [--json] [--kind KIND] [--zoneinfo FILE] [--pid PID] [--no-color]`:
 * explains an OOM report or a /proc or cgroup memory file from a real system. The input is read
 * here as a stream, in chunks, and pushed into src/decode's DecodeStream, so a log of any size
 * (or a never-ending pipe) takes bounded memory; src/decode does the rest without I/O.
 *
 * Exit codes: 0 the input was decoded; 1 it was not recognised (no OOM report in a log, a
 * /proc file the --kind reader found nothing in, binary data) or could not be read; 2 a usage
 * error (an unknown --kind, a bad --pid, a FILE that does not exist or is a directory).
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { InvalidArgumentError, Option, type Command } from "commander";
import { DecodeStream, explain, recognised, toJson, DECODE_KINDS, MAX_FILE_CHARS, type DecodeKind, type DecodeOptions } from "../../api/index.js";
import { ReportedFailure, UsageError, type CliIo } from "../main.js";
import { colourExplanation, palette, useColour } from "../colour.js";

/** Bytes at the start of the input checked for NUL: kernel text has none, binary data does. */
const BINARY_PROBE = 64 * 1024;

/** What the prompt says when standard input is a terminal and nothing was given. */
export const STDIN_PROMPT = "mmsim decode: reading standard input: paste an OOM report (dmesg, journalctl) or a /proc or cgroup file, then press Ctrl-D; mmsim decode --help for more\n";

/** FILE as chunks, after checking it is a file (a missing path or a directory is a usage error). */
function fileChunks(file: string): AsyncIterable<Uint8Array> {
  if (!existsSync(file)) throw new UsageError(`no such file: "${file}"`);
  if (statSync(file).isDirectory()) throw new UsageError(`"${file}" is a directory, not a file to decode`);
  return createReadStream(file);
}

/**
 * Pushes `src` into `ds` as UTF-8 text (invalid bytes become U+FFFD), stopping after `limit`
 * characters when given. Returns false when the input starts like binary data (a NUL byte in
 * its first 64 KiB: /dev/zero, an image), which is not read further.
 */
async function pump(src: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, push: (s: string) => void, limit = Infinity): Promise<boolean> {
  const td = new TextDecoder("utf-8");
  let seen = 0;
  let chars = 0;
  for await (const chunk of src) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    if (seen < BINARY_PROBE && bytes.subarray(0, BINARY_PROBE - seen).includes(0)) return false;
    seen += bytes.byteLength;
    const text = td.decode(bytes, { stream: true });
    push(chars + text.length > limit ? text.slice(0, limit - chars) : text);
    chars += text.length;
    if (chars >= limit) return true;
  }
  push(td.decode());
  return true;
}

interface DecodeCommandOptions {
  json?: boolean;
  kind?: string;
  zoneinfo?: string;
  pid?: number;
  color?: boolean;
}

/** Adds the `decode` subcommand to `program`. */
export function registerDecode(program: Command, io: CliIo): void {
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
    .option("--no-color", "no colour, even on a terminal (NO_COLOR in the environment does the same)")
    .addHelpText("after", "\nExit codes: 0 decoded, 1 not recognised (or unreadable), 2 a usage error.")
    .action(async (file: string | undefined, opts: DecodeCommandOptions) => {
      const fromStdin = file === undefined || file === "-";
      const src = fromStdin ? (io.stdin ?? []) : fileChunks(file);
      const dopts: DecodeOptions = {};
      if (opts.kind !== undefined) dopts.kind = opts.kind as DecodeKind;
      if (opts.pid !== undefined) dopts.pid = opts.pid;
      if (opts.zoneinfo !== undefined) {
        let zi = "";
        if (!(await pump(fileChunks(opts.zoneinfo), (s) => void (zi += s), MAX_FILE_CHARS))) throw new UsageError(`--zoneinfo "${opts.zoneinfo}" is binary data, not a /proc/zoneinfo`);
        dopts.zoneinfoText = zi;
      }
      if (fromStdin && io.tty?.stdin) io.err(STDIN_PROMPT);
      const ds = new DecodeStream(dopts);
      let text: boolean;
      try {
        text = await pump(src, (s) => void ds.push(s));
      } catch (e) {
        // A file that cannot be read (EACCES, EIO): exit 1, on one line.
        throw new Error(`cannot read ${fromStdin ? "standard input" : `"${file}"`}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (!text) {
        io.err(`mmsim decode: ${fromStdin ? "standard input" : `"${file}"`} is binary data (NUL bytes), not kernel text\n`);
        throw new ReportedFailure("binary input");
      }
      const res = ds.end();
      if (opts.json) io.out(`${toJson(res)}\n`);
      else io.out(`${colourExplanation(explain(res), palette(useColour(opts.color, io.tty?.stdout, io.env ?? {})))}\n`);
      if (!recognised(res)) {
        const what = res.kind === "oom-log" ? "no OOM report found in the input" : res.kind === "unknown" ? "the input is not an OOM log or a /proc or cgroup memory file (--kind names one)" : `nothing of a ${res.kind} file found in the input`;
        io.err(`mmsim decode: ${what}\n`);
        throw new ReportedFailure(what);
      }
    });
}
