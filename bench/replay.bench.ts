/**
 * `mmsim replay`'s policies on the issue's trace: Zipf α = 1.0 over 1 M keys, 10 M requests,
 * seed 1, generated here (src/replay/generate.ts) and remapped to dense ids once, outside the
 * timed part; cache 1% of the trace's distinct keys (the way `--cache 1%` and libCacheSim size
 * it). A row times `policy.run` over the whole trace for a freshly built policy: the policy's
 * own work per request, nothing of reading, remapping or building its arrays. The remap has its
 * own row (the KeyMap hashing a reader's keys to dense ids), and OPT's row excludes its first,
 * backward pass (nextUses), which has a row too.
 *
 * Linux's policies (src/replay/policy/linux.ts) run the trace on a simulated machine: their rows
 * boot and calibrate it outside the clock and time one pass over the trace's first 1 M requests
 * (the model does about a hundred thousand to a few hundred thousand requests a second, so 10 M
 * three times over would take minutes).
 *
 * Each row is the best of three full passes (the host is shared; see host.bench.ts) and its note
 * gives the same pass's CPU-time rate (process.cpuUsage, user + system), which another tenant
 * taking the CPU does not lower the way it lowers the wall-clock rate.
 */
import { rowCpuFigure, type Bench } from "./bench.js";
import { createPolicy, generateKeys, KeyMap, lruMissRatioCurve, nextUses, resolveCacheSize, traceFromKeys, type DenseTrace, type PolicyName } from "../src/replay/index.js";

const WINDOWS = 3;

let cached: { trace: DenseTrace; keys: Uint32Array; capacity: number; nextUse: Int32Array } | null = null;

/** The trace, built on first use (a module does no work at import). */
function setup(): { trace: DenseTrace; keys: Uint32Array; capacity: number; nextUse: Int32Array } {
  if (cached === null) {
    const keys = generateKeys({ kind: "zipf", alpha: 1, keys: 1_000_000, requests: 10_000_000, seed: 1 });
    const trace = traceFromKeys(keys);
    const capacity = resolveCacheSize("1%", trace.nKeys).capacity;
    cached = { trace, keys, capacity, nextUse: nextUses(trace.ids, trace.n, trace.nKeys) };
  }
  return cached;
}

/** Best wall-clock rate of WINDOWS passes of `pass` (each returns requests done), with that pass's CPU rate. */
function timed(pass: () => number): { wall: number; cpu: number } {
  let best = { wall: 0, cpu: 0 };
  for (let w = 0; w < WINDOWS; w++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const n = pass();
    const wall = n / ((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    const cpu = n / ((c.user + c.system) / 1e6);
    if (wall > best.wall) best = { wall, cpu };
  }
  return best;
}

/** A row whose note reports the CPU-time rate of its best pass. */
function row(name: string, what: string, pass: () => number): Bench {
  const b: Bench = {
    name,
    unit: "requests/s",
    run: () => {
      const r = timed(pass);
      b.note = `CPU time: ${(r.cpu / 1e6).toFixed(1)} M/s; ${what}`;
      return r.wall;
    },
  };
  return b;
}

const POLICY_ROWS: [PolicyName, string][] = [
  ["lru", "LRU"],
  ["fifo", "FIFO"],
  ["clock", "CLOCK"],
  ["sieve", "SIEVE"],
  ["random", "Random"],
  ["lfu", "LFU"],
  ["arc", "ARC"],
  ["2q", "2Q"],
  ["lirs", "LIRS"],
  ["s3fifo", "S3-FIFO"],
  ["opt", "OPT"],
];

export const benches: Bench[] = [
  ...POLICY_ROWS.map(([p, label]) =>
    row(`replay: ${label}, zipf 1.0, 1M keys, 10M requests, cache 1%`, "policy.run only (trace remapped beforehand)", () => {
      const { trace, capacity, nextUse } = setup();
      const policy = createPolicy(p, capacity, trace, { nextUse });
      policy.run(trace.ids, 0, trace.n);
      return trace.n;
    }),
  ),
  ...(
    [
      ["linux", "Linux (classic LRU through the model)"],
      ["mglru", "MGLRU (lru_gen through the model)"],
    ] as const
  ).map(([p, label]) => linuxRow(`replay: ${label}, zipf 1.0, 1M keys, first 1M requests, cache 1%`, p)),
  row("replay: LRU curve, every cache size, one pass (Mattson + Fenwick)", "histogram and curve, no policy", () => {
    const { trace } = setup();
    lruMissRatioCurve(trace);
    return trace.n;
  }),
  row("replay: OPT's next-use pass", "one backward pass over the trace", () => {
    const { trace } = setup();
    nextUses(trace.ids, trace.n, trace.nKeys);
    return trace.n;
  }),
  row("replay: key remap (KeyMap, u32 keys → dense ids)", "the hash table alone, 1M distinct keys", () => {
    const { keys } = setup();
    const map = new KeyMap();
    for (let i = 0; i < keys.length; i++) map.idOf(keys[i], 0);
    return keys.length;
  }),
];

/** Requests a Linux policy's row replays. */
const LINUX_REQUESTS = 1_000_000;

/** One timed pass of a Linux policy (booted outside the clock) over the trace's first LINUX_REQUESTS requests. */
function linuxRow(name: string, p: "linux" | "mglru"): Bench {
  const b: Bench = {
    name,
    unit: "requests/s",
    run: () => {
      const { trace, capacity } = setup();
      const policy = createPolicy(p, capacity, trace);
      const n = Math.min(LINUX_REQUESTS, trace.n);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const misses = policy.run(trace.ids, 0, n);
      const wall = n / ((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      rowCpuFigure.value = n / ((c.user + c.system) / 1e6);
      b.note = `one pass, boot and calibration not timed; miss ratio ${(misses / n).toFixed(4)}`;
      return wall;
    },
  };
  return b;
}
