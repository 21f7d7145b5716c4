/**
 * The model's Web Worker. The page starts three: a recorder (runs the scenario once, streaming
 * counter samples, page maps and events as it goes), an inspector (replays to the paused time and
 * answers questions about that machine: a page, its rmap, a walk, a process's VMAs), and a helper
 * for the editor and the decoder (parse as you type, decode pasted text). All three are this
 * script; the first message says what to do. Only the public API (src/api) is used.
 */
/// <reference lib="webworker" />
import { decode, explain, formatReport, ScenarioError, type Machine } from "../../../src/api/index.js";
import * as inspect from "../../../src/api/inspect.js";
import { located, recordRun, Replayer, scenarioOf } from "./run.js";
import { PAGE_MAP_LIMIT, PAGE_WINDOW_LIMIT, type EventItem, type GridRect, type FromWorker, type MapFrame, type RunSpec, type ToWorker } from "./protocol.js";
import { MAX_PER_TRACEPOINT, TRACEPOINT_FN, TRACEPOINTS, timelineFunction } from "./tracepoints.js";

declare const self: DedicatedWorkerGlobalScope;

/** Milliseconds since the epoch, comparable with the page's clock (WorkerTiming). */
const epochMs = (): number => performance.timeOrigin + performance.now();
/** When this script finished evaluating: fetched, compiled, imports run. */
const evaluatedAt = epochMs();

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

/** Budget for recorded page maps (bytes): the page keeps every frame it is sent. */
const MAP_BUDGET = 160 * 2 ** 20;
/** Samples per chunk posted to the page. */
const CHUNK = 512;
/** Events kept per run: the first ones tell the story; counts are in the counters. */
const MAX_EVENTS = 20_000;

/**
 * The per-VMA sample (inspect.vmaUsage: smaps' walk of every PTE of every process) costs CPU in
 * proportion to the pages mapped or swapped (Rss + swap of every process: ~10-20 ns each; tour
 * has ~56 000 at a map, ~3 M over its 54 maps, which at every map made its recording 15-30 %
 * slower). A map carries one only while the pages so walked stay within a budget that grows with
 * the run's own work so far: VMA_PAGES_PER_MOVE per clock move (a move costs 25-650 µs of CPU,
 * by scenario) plus VMA_PAGES_PER_PAGE_OP per page allocated, freed, scanned or faulted (one
 * costs 17-430 ns). Measured by CPU time inside the calls against the rest of the recording
 * (warm runs, node, the recorder's loop): tour 10 of 54 maps, +6-7 %; thrash 4 of 11, +1-5 %
 * (docs/explorer.md). Counts decide, not the wall clock, so the same run records the same
 * points; the last map and the inspector's exact frame always carry one.
 */
export const VMA_PAGES_PER_MOVE = 125;
export const VMA_PAGES_PER_PAGE_OP = 0.25;
/** The vm events counted as the run's page operations for that budget. */
const PAGE_OPS = ["pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgfree", "pgscan_kswapd", "pgscan_direct", "pgfault"];

/** The class bytes a frame of this machine carries: one per page, or none above PAGE_MAP_LIMIT. */
function classesFor(m: Machine): Uint8Array {
  const max = inspect.machineLayout(m).maxPfn;
  return new Uint8Array(max > PAGE_MAP_LIMIT ? 0 : max);
}

function frameOf(m: Machine, classes: Uint8Array, withVmas = true): MapFrame {
  const lay = inspect.machineLayout(m);
  const nb = (lay.maxPfn + (1 << lay.pageblockOrder) - 1) >> lay.pageblockOrder;
  const pbZone = new Uint8Array(nb);
  const pbMt = new Uint8Array(nb);
  const large = lay.maxPfn > PAGE_MAP_LIMIT;
  const summary = new Uint16Array(large ? nb * inspect.SUMMARY_KINDS : 0);
  if (large) inspect.fillPageblockSummary(m, summary);
  else inspect.fillPageClasses(m, classes);
  inspect.fillPageblocks(m, pbZone, pbMt);
  return { t: m.now, classes, summary, pbZone, pbMt, zones: inspect.zoneDetails(m), procs: inspect.processes(m), vmas: withVmas ? inspect.vmaUsage(m) : null };
}

function transfers(f: MapFrame): Transferable[] {
  return [f.classes.buffer, f.summary.buffer, f.pbZone.buffer, f.pbMt.buffer];
}

function failed(e: unknown): void {
  if (e instanceof ScenarioError) post({ type: "failed", error: located(e), message: e.message });
  else post({ type: "failed", error: null, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}

function record(spec: RunSpec): void {
  const received = epochMs();
  let sc;
  try {
    sc = scenarioOf(spec);
  } catch (e) {
    failed(e);
    return;
  }
  const parsed = epochMs();
  const wall0 = performance.now();
  let stride = 0;
  let buf = new Float64Array(0);
  let n = 0;
  let nextSample = 0;
  let interval = 20_000;
  let samples = 0;
  let maxMaps = 4;
  let nextMap = 0;
  let mapInterval = 100_000;
  let maps = 0;
  /** Clock moves since the last map, and how many must pass between maps (see below). */
  let sinceMap = Infinity;
  let mapEvery = 1;
  let startNs = 0;
  let events: EventItem[] = [];
  let nEvents = 0;
  let slices: number[] = [];
  /** Block devices announced so far (a swapon adds one mid-run). */
  let nDisks = 0;
  let blkCount = 0;
  /** Memory cgroups announced so far: the list is sent again when their count or the last id changes. */
  let memcgsSeen = 0;
  let memcgsLast = 0;
  let memcgCount = 0;
  let memcgLast = 0;
  let lastFlush = wall0;
  const flush = (): void => {
    if (n > 0) {
      const data = buf.slice(0, n * stride);
      post({ type: "samples", data, count: n }, [data.buffer]);
      n = 0;
    }
    if (slices.length > 0) {
      const times = Float64Array.from(slices);
      post({ type: "slices", times }, [times.buffer]);
      slices = [];
    }
    if (events.length > 0) {
      post({ type: "events", items: events });
      events = [];
    }
    lastFlush = performance.now();
  };
  const sample = (m: Machine): void => {
    inspect.sampleCounters(m, buf, n * stride);
    if (buf[n * stride + blkCount] !== nDisks) {
      nDisks = buf[n * stride + blkCount];
      post({ type: "disks", disks: inspect.blockDevices(m) });
    }
    if (buf[n * stride + memcgCount] !== memcgsSeen || buf[n * stride + memcgLast] !== memcgsLast) {
      memcgsSeen = buf[n * stride + memcgCount];
      memcgsLast = buf[n * stride + memcgLast];
      post({ type: "memcgs", memcgs: inspect.memcgs(m) });
    }
    n++;
    samples++;
    // Dense at first, sparser as the run goes on: at most ~4000 samples per doubling.
    if (samples % 4000 === 0) interval *= 2;
    if (n === CHUNK) flush();
  };
  /** What the maps cost the recording (the summary's `costs`). */
  const costs = { maps: 0, mapMs: 0, vmaSamples: 0, vmaPages: 0, vmaMs: 0 };
  /** Clock moves so far, and the pages of address space the per-VMA samples have walked. */
  let moves = 0;
  let vmaPages = 0;
  let opsBuf = new Float64Array(0);
  let opsIdx: number[] = [];
  const map = (m: Machine, last = false): void => {
    let vm = 0;
    for (const p of inspect.processes(m)) vm += p.rss + p.swap;
    let ops = 0;
    if (stride > 0) {
      inspect.sampleCounters(m, opsBuf);
      for (const j of opsIdx) ops += opsBuf[j];
    }
    const withVmas = last || vmaPages + vm <= VMA_PAGES_PER_MOVE * moves + VMA_PAGES_PER_PAGE_OP * ops;
    if (withVmas) vmaPages += vm;
    const t0 = performance.now();
    const vmas = withVmas ? inspect.vmaUsage(m) : null;
    const t1 = performance.now();
    const f = frameOf(m, classesFor(m), false);
    f.vmas = vmas;
    costs.vmaMs += t1 - t0;
    costs.mapMs += performance.now() - t1;
    if (withVmas) {
      costs.vmaSamples++;
      costs.vmaPages += vm;
    }
    post({ type: "map", frame: f }, transfers(f));
    maps++;
    costs.maps++;
    if (maps % Math.max(2, Math.floor(maxMaps / 6)) === 0) mapInterval *= 2;
  };
  try {
    const { result, machine } = recordRun(
      sc,
      spec.seed ?? sc.seed,
      (m) => {
        const booted = epochMs();
        const lay = inspect.machineLayout(m);
        const sl = inspect.sampleLayout(m);
        stride = sl.names.length;
        blkCount = sl.index["blk.count"];
        memcgCount = sl.index["memcg.count"];
        memcgLast = sl.index["memcg.last"];
        opsBuf = new Float64Array(stride);
        opsIdx = PAGE_OPS.map((n) => sl.index[n]);
        buf = new Float64Array(CHUNK * stride);
        // A frame costs a byte per page, or above PAGE_MAP_LIMIT 20 bytes per pageblock.
        const mapBytes = lay.maxPfn > PAGE_MAP_LIMIT ? (lay.maxPfn >> lay.pageblockOrder) * 2 * inspect.SUMMARY_KINDS : lay.maxPfn;
        maxMaps = Math.max(4, Math.min(1000, Math.floor(MAP_BUDGET / Math.max(1, mapBytes))));
        // A map costs ~3 ns a page (0.4 ms for 512 MiB, 12 ms for 16 GiB); the work between two
        // clock moves ~25 µs. At most one map per maxPfn / 2000 moves keeps the maps' share of the
        // recording near a fifth, deterministically (clock moves, not the wall clock, decide).
        mapEvery = Math.max(1, Math.ceil(lay.maxPfn / 2000));
        startNs = m.now;
        post({ type: "meta", layout: lay, sampleNames: sl.names, startNs, name: sc.name, description: sc.description, timing: { origin: performance.timeOrigin, evaluated: evaluatedAt, received, parsed, booted } });
        for (const name of TRACEPOINTS) {
          let seen = 0;
          m.trace.on(name, (r) => {
            if (++seen > MAX_PER_TRACEPOINT || ++nEvents > MAX_EVENTS) return;
            events.push({ t: r.ts_nsec, event: r.event, who: `${r.comm}-${r.pid}`, pid: r.pid, text: r.message, fn: TRACEPOINT_FN[r.event] ?? null, source: "tracepoint" });
          });
        }
      },
      (m) => {
        if (m.now >= nextSample) {
          sample(m);
          nextSample = m.now + interval;
        }
        sinceMap++;
        moves++;
        if (m.now >= nextMap && sinceMap >= mapEvery && maps < maxMaps) {
          map(m);
          sinceMap = 0;
          nextMap = m.now + mapInterval;
        }
        if (performance.now() - lastFlush > 100) flush();
      },
      (m) => {
        if (slices.length === 0 || slices[slices.length - 1] !== m.now) slices.push(m.now);
      },
    );
    sample(machine);
    map(machine, true);
    // The runner's own story lines (with the kernel function that acted) and the kernel log.
    for (const e of result.timeline) {
      if (e.event.startsWith("mm_") || e.event === "mark_victim" || e.event === "oom_score_adj_update") continue;
      events.push({ t: e.t_ns, event: e.event, who: e.who, pid: Number(/\[(\d+)\]$/.exec(e.who)?.[1] ?? 0), text: e.text, fn: timelineFunction(e.where), source: e.who === "kernel" ? "dmesg" : "timeline" });
    }
    const dmesg = machine.dmesg();
    flush();
    const hasOom = dmesg.includes("invoked oom-killer");
    const wallMs = performance.now() - wall0;
    post({
      type: "done",
      summary: {
        ok: result.ok,
        report: formatReport(result),
        dmesg,
        oomExplanation: hasOom ? explain(decode(dmesg, { kind: "oom" })) : "",
        oomVictims: result.processes.filter((p) => p.state === "killed" && p.signal === "SIGKILL").map((p) => `${p.name}[${p.pid}]`),
        startNs,
        endNs: result.end_ns,
        ops: result.ops,
        wallMs,
        opsPerSec: result.ops / Math.max(1e-3, wallMs / 1000),
        panic: result.panic ?? null,
        costs,
      },
    });
  } catch (e) {
    flush();
    failed(e);
  }
}

/**
 * The class bytes of a rectangle of the grid, row by row ((r1 - r0) × (c1 - c0) bytes): each row's
 * run of pfns read from the memmap columns by inspect.fillPageClasses over just that range (plus
 * the per-CPU lists), so a window costs its own pages, not the machine's.
 */
function classWindow(m: Machine, g: GridRect): Uint8Array | { error: string } {
  const max = inspect.machineLayout(m).maxPfn;
  const cols = g.c1 - g.c0;
  const rows = g.r1 - g.r0;
  const ok = [g.perRow, g.r0, g.r1, g.c0, g.c1].every((v) => Number.isSafeInteger(v) && v >= 0) && g.perRow > 0 && cols > 0 && rows > 0 && g.c1 <= g.perRow;
  if (!ok || cols * rows > PAGE_WINDOW_LIMIT) return { error: `not a window of at most ${PAGE_WINDOW_LIMIT} pages of the grid` };
  const out = new Uint8Array(rows * cols);
  for (let r = g.r0; r < g.r1; r++) {
    const from = r * g.perRow + g.c0;
    if (from >= max) break;
    inspect.fillPageClasses(m, out.subarray((r - g.r0) * cols, (r - g.r0 + 1) * cols), from, Math.min(max, from + cols));
  }
  return out;
}

// ---- inspector ----
/** The replayer of the spec last asked about (its snapshots stay while the spec does). */
let replayer: { key: string; r: Replayer } | null = null;
/** The time the replayer was last asked to reach: questions are answered there. */
let current: { machine: Machine } | null = null;
/** Bumped by every goto: an older one still under way gives up at its next pause. */
let gotoSeq = 0;
/** Lets the worker's message queue run (a newer goto arrives) between pieces of a replay. */
const pause = (): Promise<void> => new Promise((ok) => setTimeout(ok, 0));

function specKey(spec: RunSpec): string {
  return JSON.stringify([spec.yaml, spec.file, spec.seed, spec.sysctl, spec.cgroup]);
}

async function goto(spec: RunSpec, t: number, req: number): Promise<void> {
  const mine = ++gotoSeq;
  current = null;
  try {
    const key = specKey(spec);
    if (replayer === null || replayer.key !== key) {
      const sc = scenarioOf(spec);
      replayer = { key, r: new Replayer(sc, spec.seed ?? sc.seed) };
    }
    const r = replayer.r;
    const reached = await r.goto(t, () => mine !== gotoSeq, pause);
    if (!reached) {
      post({ type: "reply", req, data: null });
      return;
    }
    current = { machine: r.machine };
  } catch (e) {
    replayer = null;
    failed(e);
    return;
  }
  const m = current.machine;
  const frame = frameOf(m, classesFor(m));
  let meminfo = "";
  try {
    meminfo = m.read("/proc/meminfo");
  } catch {
    meminfo = "";
  }
  post({ type: "at", req, t: m.now, done: replayer.r.done, frame, meminfo, layout: inspect.machineLayout(m), replay: replayer.r.stats() }, transfers(frame));
}

function reply(req: number, f: (m: Machine) => unknown): void {
  if (current === null) {
    post({ type: "reply", req, data: null });
    return;
  }
  let data: unknown;
  try {
    data = f(current.machine);
  } catch (e) {
    data = { error: e instanceof Error ? e.message : String(e) };
  }
  if (data instanceof Uint8Array) post({ type: "reply", req, data }, [data.buffer]);
  else post({ type: "reply", req, data });
}

self.onmessage = (ev: MessageEvent<ToWorker>): void => {
  const msg = ev.data;
  switch (msg.type) {
    case "record":
      record(msg.spec);
      return;
    case "goto":
      void goto(msg.spec, msg.t, msg.req);
      return;
    case "page":
      reply(msg.req, (m) => inspect.describePage(m, msg.pfn));
      return;
    case "rmap":
      reply(msg.req, (m) => inspect.rmapOf(m, msg.pfn));
      return;
    case "walk":
      reply(msg.req, (m) => inspect.pageWalk(m, msg.pid, msg.addr));
      return;
    case "vmas":
      reply(msg.req, (m) => inspect.processVmas(m, msg.pid));
      return;
    case "owners":
      reply(msg.req, (m) => {
        if (inspect.machineLayout(m).maxPfn > PAGE_MAP_LIMIT) return { error: "not on a machine this large: a byte per page would not fit (PAGE_MAP_LIMIT)" };
        const out = new Uint8Array(inspect.machineLayout(m).maxPfn);
        const legend = inspect.fillPageOwners(m, out);
        return { out, legend };
      });
      return;
    case "ages":
      reply(msg.req, (m) => {
        if (inspect.machineLayout(m).maxPfn > PAGE_MAP_LIMIT) return { error: "not on a machine this large: a byte per page would not fit (PAGE_MAP_LIMIT)" };
        const out = new Uint8Array(inspect.machineLayout(m).maxPfn);
        inspect.fillPageAges(m, out);
        return out;
      });
      return;
    case "memcgs":
      reply(msg.req, (m) => {
        if (inspect.machineLayout(m).maxPfn > PAGE_MAP_LIMIT) return { error: "not on a machine this large: a byte per page would not fit (PAGE_MAP_LIMIT)" };
        const out = new Uint8Array(inspect.machineLayout(m).maxPfn);
        const legend = inspect.fillPageMemcgs(m, out);
        return { out, legend };
      });
      return;
    case "classes":
      reply(msg.req, (m) => classWindow(m, msg));
      return;
    case "read":
      reply(msg.req, (m) => m.read(msg.path));
      return;
    case "parse": {
      try {
        const sc = scenarioOf({ yaml: msg.yaml, file: msg.file, seed: 1, sysctl: {}, cgroup: {} });
        post({ type: "parsed", req: msg.req, error: null, name: sc.name, description: sc.description });
      } catch (e) {
        if (e instanceof ScenarioError) post({ type: "parsed", req: msg.req, error: located(e), name: "", description: "" });
        else post({ type: "parsed", req: msg.req, error: { file: msg.file, line: 1, col: 1, field: "", message: String(e), text: String(e) }, name: "", description: "" });
      }
      return;
    }
    case "decode": {
      const r = decode(msg.text);
      const missing = "missing" in r ? r.missing.map((x) => `${x.part}: ${x.message}`) : [];
      post({ type: "decoded", req: msg.req, kind: r.kind, explanation: explain(r), unrecognised: missing });
      return;
    }
  }
};
