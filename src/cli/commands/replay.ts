/**
 * `mmsim replay TRACE [--format F] --policy P[,P…] --cache SIZE[,SIZE…] [--warmup N] [--json]
 * [--plot mrc.svg] [--mrc]`: replays a trace through page-replacement policies and prints, for
 * each policy and cache size, the miss ratio, requests, misses and requests per second. The
 * file is read here, streaming (gzip and zstd inputs are recognised by their magic bytes and
 * decompressed as they stream); src/replay does the rest without I/O. docs/replay.md has the
 * formats, the policies' definitions and the comparison with libCacheSim.
 *
 * Exit codes: 0 done; 2 a mistake in the command line or the trace (a malformed record, an
 * empty trace, a cache size of 0 or above the trace's distinct keys), on one line naming the
 * file and the byte offset or line; 1 a file that cannot be read for another reason.
 *
 * The table's requests/s column (and --json's requestsPerSecond) is wall-clock speed, so it
 * differs run to run; every other figure is the same for the same trace and options.
 */
import { createReadStream, existsSync, statSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { basename } from "node:path";
import { Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { InvalidArgumentError, Option, type Command } from "commander";
import {
  createTraceReader,
  describeGenerator,
  detectFormat,
  generateKeys,
  lineChartSvg,
  logSizes,
  lruMissRatioCurve,
  nextUses,
  parseGeneratorSpec,
  policyName,
  POLICY_NAMES,
  LINUX_POLICY_NAMES,
  resolveCacheSize,
  saveTrace,
  shardsMissRatioCurve,
  simulate,
  TRACE_FORMATS,
  TraceBuilder,
  TraceError,
  traceFromKeys,
  type ChartSeries,
  type DenseTrace,
  type MissRatioCurve,
  type PolicyName,
  type SaveFormat,
  type TraceFormat,
} from "../../api/index.js";
import { UsageError, type CliIo } from "../main.js";

interface ReplayOptions {
  format?: TraceFormat;
  generate?: string;
  policy: string;
  cache: string;
  warmup?: number;
  json?: boolean;
  plot?: string;
  mrc?: boolean;
  keyColumn?: number;
  header?: boolean;
  seed?: number;
  limit?: number;
  sample?: number;
  saveTrace?: string;
}

/** One row of the result. */
interface Row {
  policy: string;
  cache: number;
  cacheSpec: string;
  requests: number;
  misses: number;
  missRatio: number;
  requestsPerSecond: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function wholeNumber(what: string, min: number): (v: string) => number {
  return (v: string) => {
    const t = v.trim().replace(/_/g, "");
    if (!/^\d+$/.test(t) || Number(t) < min || !Number.isSafeInteger(Number(t))) throw new InvalidArgumentError(`${what} must be a whole number${min > 0 ? ` ≥ ${min}` : ""}`);
    return Number(t);
  };
}

/** Adds the `replay` subcommand to `program`. */
export function registerReplay(program: Command, io: CliIo): void {
  program
    .command("replay")
    .description("replay a trace through page-replacement policies (LRU, ARC, LIRS, S3-FIFO, OPT, …) and print their miss ratios")
    .argument("[trace]", "trace file (- for standard input; .gz and .zst are decompressed)")
    .addOption(new Option("--format <format>", "trace format (default: from the file's name and first bytes)").choices(TRACE_FORMATS as unknown as string[]))
    .option("--generate <spec>", "a synthetic trace instead of a file: zipf,alpha=1,keys=1M,requests=10M,seed=1 or loop,loop=20k,hot=1k,hot-fraction=0.5,requests=1M,seed=1")
    .requiredOption("--policy <list>", `policies, comma-separated, or all (the classic ones): ${POLICY_NAMES.join(", ")}; Linux's through the model: ${LINUX_POLICY_NAMES.join(", ")}`)
    .requiredOption("--cache <list>", "cache sizes, comma-separated: objects (10000), a percentage of the trace's distinct keys (1%) or a fraction (0.01)")
    .option("--warmup <n>", "requests that warm the caches without being counted", wholeNumber("--warmup", 0))
    .option("--json", "print the results as JSON")
    .option("--plot <file>", "draw the miss-ratio curves (every policy at the given sizes, exact LRU at every size) as SVG")
    .option("--mrc", "also print LRU's exact miss-ratio curve (every size, one pass)")
    .option("--key-column <n>", "csv/txt: the 1-based column holding the key (default 1)", wholeNumber("--key-column", 1))
    .option("--header", "csv/txt: the first line is a header")
    .option("--seed <n>", "seed of the Random policy and of the linux/mglru machines (default 1)", wholeNumber("--seed", 0))
    .option("--limit <n>", "replay only the first N requests", wholeNumber("--limit", 1))
    .option("--sample <rate>", "SHARDS spatial sampling at this rate in (0, 1]: policies run miniature caches (size × rate) on the sampled keys", (v) => {
      const r = Number(v);
      if (!(r > 0 && r <= 1)) throw new InvalidArgumentError("--sample must be a rate in (0, 1]");
      return r;
    })
    .option("--save-trace <file>", "write the trace read (after --limit/--sample) as .u32, .u64 or an oracleGeneral file (name containing oracleGeneral), for other simulators")
    .action(async (file: string | undefined, opts: ReplayOptions) => {
      await replayCommand(file, opts, io);
    });
}

async function replayCommand(file: string | undefined, opts: ReplayOptions, io: CliIo): Promise<void> {
  if ((file === undefined) === (opts.generate === undefined)) throw new UsageError("give a trace file or --generate SPEC (one of them)");
  const policies = parsePolicies(opts.policy);
  const sampleRate = opts.sample ?? 1;
  let trace: DenseTrace;
  let label: string;
  let format: string;
  const t0 = performance.now();
  try {
    if (opts.generate !== undefined) {
      const spec = parseGeneratorSpec(opts.generate);
      label = describeGenerator(spec);
      format = "generated";
      let keys = generateKeys(spec);
      if (opts.limit !== undefined && opts.limit < keys.length) keys = keys.subarray(0, opts.limit);
      trace = traceFromKeys(keys, { sampleRate });
    } else {
      label = file === "-" ? "(standard input)" : (file as string);
      const read = await readTrace(file as string, opts, sampleRate, policies.some((p) => (LINUX_POLICY_NAMES as readonly string[]).includes(p)));
      trace = read.trace;
      format = read.format;
    }
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError(`${opts.generate !== undefined ? "--generate" : file}: ${e.message}`);
    throw e;
  }
  const readSeconds = (performance.now() - t0) / 1000;

  if (opts.saveTrace !== undefined) writeTrace(trace, opts.saveTrace);

  // With sampling, sizes refer to the full trace: its distinct keys are estimated as sampled / R.
  const distinct = sampleRate < 1 ? Math.round(trace.nKeys / sampleRate) : trace.nKeys;
  const sizes = opts.cache.split(",").map((s) => {
    try {
      return resolveCacheSize(s, distinct);
    } catch (e) {
      if (e instanceof TraceError) throw new UsageError(`--cache: ${e.message}`);
      throw e;
    }
  });
  const warmup = opts.warmup ?? 0;
  if (warmup >= trace.n) throw new UsageError(`--warmup ${warmup} leaves none of the trace's ${trace.n.toLocaleString("en-US")} requests to measure`);

  const rows: Row[] = [];
  const nextUse = policies.includes("opt") ? nextUses(trace.ids, trace.n, trace.nKeys) : undefined;
  for (const p of policies) {
    for (const size of sizes) {
      const capacity = Math.max(1, Math.round(size.capacity * sampleRate));
      const s0 = performance.now();
      let r: ReturnType<typeof simulate>;
      try {
        r = simulate(trace, p, capacity, { warmup, seed: opts.seed, nextUse });
      } catch (e) {
        // The Linux policies' machines refuse a cache smaller than reclaim can keep (about 10 pages).
        if (e instanceof RangeError && (LINUX_POLICY_NAMES as readonly string[]).includes(p)) throw new UsageError(`--cache ${size.spec} for ${p}: ${e.message}`);
        throw e;
      }
      const seconds = Math.max((performance.now() - s0) / 1000, 1e-9);
      rows.push({ policy: r.policy, cache: size.capacity, cacheSpec: size.spec, requests: r.requests, misses: r.misses, missRatio: r.missRatio, requestsPerSecond: trace.n / seconds });
    }
  }

  const wantCurve = opts.mrc === true || opts.plot !== undefined;
  const curve = wantCurve ? (sampleRate < 1 ? shardsMissRatioCurve(trace) : lruMissRatioCurve(trace, warmup)) : null;
  const curvePoints = curve === null ? [] : logSizes(1, distinct, Math.min(distinct, 200)).map((s) => [s, curve.at(s)] as [number, number]);

  if (opts.plot !== undefined) writePlot(opts.plot, label, rows, curvePoints, sampleRate);

  const info = { source: label, format, requests: trace.n, readRequests: trace.totalRequests, distinctKeys: distinct, sampleRate, warmup };
  if (opts.json) {
    const out: Record<string, unknown> = { trace: info, results: rows };
    if (opts.mrc) out.lruCurve = curvePoints;
    io.out(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  io.out(formatTable(info, rows, readSeconds, opts.mrc === true && curve !== null ? curveTable(curve, distinct, sampleRate) : ""));
}

function parsePolicies(list: string): PolicyName[] {
  const out: PolicyName[] = [];
  for (const part of list.split(",")) {
    if (part.trim().toLowerCase() === "all") {
      for (const p of POLICY_NAMES) if (!out.includes(p)) out.push(p);
      continue;
    }
    const p = policyName(part);
    if (p === null) throw new UsageError(`--policy: unknown policy "${part.trim()}" (${[...POLICY_NAMES, ...LINUX_POLICY_NAMES].join(", ")}, or all)`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** Reads a trace file (or standard input) streaming into a dense trace. */
async function readTrace(file: string, opts: ReplayOptions, sampleRate: number, keepWrites: boolean): Promise<{ trace: DenseTrace; format: TraceFormat }> {
  if (file !== "-") {
    if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
    if (statSync(file).isDirectory()) throw new UsageError(`${file}: is a directory, not a trace`);
  }
  // The Linux policies store what the trace marks as writes (a dirty page costs reclaim a swap write).
  const builder = new TraceBuilder({ limit: opts.limit, sampleRate, keepWrites });
  let reader: ReturnType<typeof createTraceReader> | null = null;
  let format: TraceFormat | undefined = opts.format;
  for await (const chunk of decompress(rawChunks(file), file)) {
    if (reader === null) {
      format ??= detectFormat(file === "-" ? "" : basename(file), chunk) ?? undefined;
      if (format === undefined) throw new UsageError(`${file}: cannot tell the trace's format from its name or first bytes; give --format (${TRACE_FORMATS.join(", ")})`);
      reader = createTraceReader(format, builder, { keyColumn: opts.keyColumn, header: opts.header });
    }
    if (chunk.length > 0) reader.push(chunk);
    if (builder.full) break;
  }
  if (reader === null) throw new TraceError("the trace is empty (0 bytes)", 0);
  if (!builder.full) reader.end();
  return { trace: builder.finish(), format: format as TraceFormat };
}

async function* rawChunks(file: string): AsyncGenerator<Uint8Array> {
  const stream = file === "-" ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const c of stream) yield c as Uint8Array;
  } finally {
    if (file !== "-") (stream as ReturnType<typeof createReadStream>).destroy();
  }
}

function startsWith(b: Uint8Array, magic: number[]): boolean {
  return b.length >= magic.length && magic.every((m, i) => b[i] === m);
}

/** The input's bytes, gunzipped or zstd-decompressed when its first bytes say so. */
async function* decompress(src: AsyncGenerator<Uint8Array>, file: string): AsyncGenerator<Uint8Array> {
  const first = await src.next();
  if (first.done) return;
  const head = first.value;
  async function* all(): AsyncGenerator<Uint8Array> {
    yield head;
    yield* src;
  }
  if (startsWith(head, GZIP_MAGIC)) {
    const gunzip = createGunzip();
    pipeline(Readable.from(all()), gunzip, () => {});
    try {
      for await (const c of gunzip) yield c as Uint8Array;
    } catch (e) {
      throw new UsageError(`${file}: gzip: ${e instanceof Error ? e.message : String(e)}`);
    }
    return;
  }
  if (startsWith(head, ZSTD_MAGIC)) {
    const out: Uint8Array[] = [];
    const z = new Decompress((chunk) => {
      out.push(chunk.slice());
    });
    try {
      for await (const c of all()) {
        z.push(c);
        while (out.length > 0) yield out.shift() as Uint8Array;
      }
      z.push(new Uint8Array(0), true);
    } catch (e) {
      if (e instanceof TraceError || e instanceof UsageError) throw e;
      throw new UsageError(`${file}: zstd: ${e instanceof Error ? e.message : String(e)}`);
    }
    while (out.length > 0) yield out.shift() as Uint8Array;
    return;
  }
  yield* all();
}

/** --save-trace: the format from the name (.u32, .u64, or a name holding "oracleGeneral"). */
function writeTrace(trace: DenseTrace, path: string): void {
  const n = path.toLowerCase();
  const format: SaveFormat | null = n.includes("oraclegeneral") ? "oracleGeneral" : n.endsWith(".u32") ? "u32" : n.endsWith(".u64") ? "u64" : null;
  if (format === null) throw new UsageError(`--save-trace ${path}: name it *.u32, *.u64 or *.oracleGeneral.bin to choose the format`);
  const fd = openSync(path, "w");
  try {
    saveTrace(trace, format, (b) => writeSync(fd, b));
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError(`--save-trace: ${e.message}`);
    throw e;
  } finally {
    closeSync(fd);
  }
}

function writePlot(path: string, label: string, rows: Row[], curve: [number, number][], sampleRate: number): void {
  const series: ChartSeries[] = [];
  if (curve.length > 0) series.push({ label: sampleRate < 1 ? `LRU, every size (SHARDS R=${sampleRate})` : "LRU, every size (exact)", points: curve, dashed: true, colour: "#555555" });
  const byPolicy = new Map<string, [number, number][]>();
  for (const r of rows) {
    const pts = byPolicy.get(r.policy) ?? [];
    pts.push([r.cache, r.missRatio]);
    byPolicy.set(r.policy, pts);
  }
  for (const [policy, pts] of byPolicy) series.push({ label: policy, points: pts.sort((a, b) => a[0] - b[0]), markers: true });
  // A file is named by its base name; a long name is cut at the end, where it says least.
  const name = label.includes("(") ? label : basename(label);
  const svg = lineChartSvg(series, { title: `Miss ratio: ${name.length > 80 ? `${name.slice(0, 79)}…` : name}`, xLabel: "cache size (objects)", yLabel: "miss ratio", xLog: true, yMin: 0, yMax: 1 });
  writeFileSync(path, svg);
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

function rate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)} M` : r >= 1e3 ? `${(r / 1e3).toFixed(1)} k` : r.toFixed(0);
}

function formatTable(info: { source: string; format: string; requests: number; readRequests: number; distinctKeys: number; sampleRate: number; warmup: number }, rows: Row[], readSeconds: number, curve: string): string {
  const lines: string[] = [];
  const sampled = info.sampleRate < 1 ? `, SHARDS sample at R=${info.sampleRate} (${fmt(info.requests)} of ${fmt(info.readRequests)} requests kept; distinct keys estimated)` : "";
  lines.push(`trace: ${info.source} (${info.format}): ${fmt(info.readRequests)} requests, ${fmt(info.distinctKeys)} distinct keys${sampled}; read in ${readSeconds.toFixed(2)} s`);
  if (info.warmup > 0) lines.push(`warmup: the first ${fmt(info.warmup)} requests are not counted`);
  const header = ["policy", "cache", "miss ratio", "requests", "misses", "requests/s"];
  const table = rows.map((r) => [r.policy, r.cacheSpec.endsWith("%") || r.cacheSpec.startsWith("0.") || r.cacheSpec.startsWith(".") ? `${fmt(r.cache)} (${r.cacheSpec})` : fmt(r.cache), r.missRatio.toFixed(6), fmt(r.requests), fmt(r.misses), rate(r.requestsPerSecond)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  lines.push(line(header));
  for (const row of table) lines.push(line(row));
  return `${lines.join("\n")}\n${curve}`;
}

/** --mrc as text: miss ratios at 20 sizes spread on a log scale. */
function curveTable(curve: MissRatioCurve, distinct: number, sampleRate: number): string {
  const sizes = logSizes(1, distinct, Math.min(distinct, 20));
  const lines = [`LRU miss-ratio curve (${sampleRate < 1 ? `SHARDS estimate, R=${sampleRate}` : "exact, every size in one pass"}):`, `${"cache".padStart(12)}  miss ratio`];
  for (const s of sizes) lines.push(`${fmt(s).padStart(12)}  ${curve.at(s).toFixed(6)}`);
  return `${lines.join("\n")}\n`;
}
