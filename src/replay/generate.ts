/**
 * Seeded synthetic traces for tests, benchmarks and `mmsim replay --generate`:
 *
 * - zipf: `requests` draws over `keys` keys, key k (1-based rank) with probability ∝ 1/k^alpha,
 *   by the scenario patterns' rejection-inversion sampler (src/workload/patterns.ts) on the
 *   machine's xoshiro128** generator (src/kernel/random.ts). Key values are the ranks, 1 … keys.
 * - loop: a hot set of `hot` keys requested uniformly with probability `hotFraction`, otherwise
 *   the next key of a loop over `loop` other keys (the scan that defeats LRU at any cache
 *   smaller than the loop). Hot keys are 1 … hot, loop keys hot+1 … hot+loop.
 *
 * The same spec and seed give the same trace byte for byte.
 */
import { Prng } from "../kernel/random.js";
import { Zipf } from "../workload/patterns.js";
import { TraceError } from "./errors.js";

/** A Zipf trace's parameters. */
export interface ZipfSpec {
  kind: "zipf";
  keys: number;
  requests: number;
  alpha: number;
  seed: number;
}

/** A loop-plus-hot-set trace's parameters. */
export interface LoopSpec {
  kind: "loop";
  loop: number;
  hot: number;
  hotFraction: number;
  requests: number;
  seed: number;
}

export type GeneratorSpec = ZipfSpec | LoopSpec;

/** Most requests a generated trace may have (as a read trace: MAX_TRACE_REQUESTS). */
const MAX_GENERATED = 2 ** 28;

/** The trace's keys (1-based), one per request. */
export function generateKeys(spec: GeneratorSpec): Uint32Array {
  const out = new Uint32Array(spec.requests);
  const rng = new Prng(spec.seed);
  if (spec.kind === "zipf") {
    const z = new Zipf(spec.keys, spec.alpha, rng);
    for (let i = 0; i < spec.requests; i++) out[i] = z.next() + 1;
  } else {
    let next = 0;
    for (let i = 0; i < spec.requests; i++) {
      if (rng.float() < spec.hotFraction) out[i] = rng.below(spec.hot) + 1;
      else {
        out[i] = spec.hot + next + 1;
        next = next + 1 === spec.loop ? 0 : next + 1;
      }
    }
  }
  return out;
}

/** A count with an optional decimal suffix: "10000", "10k", "1M", "1.5G" (k = 10^3). */
function parseCount(field: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(v.trim());
  if (!m) throw new TraceError(`--generate: ${field}=${v} is not a count (e.g. 1000, 10k, 1M)`);
  const mult = { "": 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase()] ?? 1;
  const n = Math.round(Number(m[1]) * mult);
  return n;
}

function parseReal(field: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new TraceError(`--generate: ${field}=${v} is not a number`);
  return n;
}

/**
 * Parses `zipf,alpha=1,keys=1M,requests=10M,seed=1` or
 * `loop,loop=20k,hot=1k,hot-fraction=0.5,requests=1M,seed=1` (every field has a default).
 */
export function parseGeneratorSpec(text: string): GeneratorSpec {
  const [kind, ...fields] = text.split(",").map((s) => s.trim());
  const kv = new Map<string, string>();
  for (const f of fields) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new TraceError(`--generate: "${f}" is not NAME=VALUE`);
    kv.set(f.slice(0, eq).trim().toLowerCase(), f.slice(eq + 1));
  }
  /** The field's value (or its default), parsed; a field read is a field known. */
  const field = (name: string, dflt: string, parse: (field: string, v: string) => number): number => {
    const v = kv.get(name) ?? dflt;
    kv.delete(name);
    return parse(name, v);
  };
  let spec: GeneratorSpec;
  if (kind === "zipf") {
    spec = {
      kind,
      alpha: field("alpha", "1", parseReal),
      keys: field("keys", "1M", parseCount),
      requests: field("requests", "10M", parseCount),
      seed: field("seed", "1", parseCount),
    };
    if (!(spec.alpha > 0 && spec.alpha <= 10)) throw new TraceError(`--generate: alpha must be in (0, 10], got ${spec.alpha}`);
    if (spec.keys < 1 || spec.keys > 2 ** 31) throw new TraceError(`--generate: keys must be 1 to 2^31, got ${spec.keys}`);
  } else if (kind === "loop") {
    spec = {
      kind,
      loop: field("loop", "20k", parseCount),
      hot: field("hot", "1k", parseCount),
      hotFraction: field("hot-fraction", "0.5", parseReal),
      requests: field("requests", "1M", parseCount),
      seed: field("seed", "1", parseCount),
    };
    if (spec.loop < 1 || spec.hot < 1 || spec.loop + spec.hot > 2 ** 31) throw new TraceError(`--generate: loop and hot must be at least 1 and sum to at most 2^31`);
    if (!(spec.hotFraction >= 0 && spec.hotFraction <= 1)) throw new TraceError(`--generate: hot-fraction must be in [0, 1], got ${spec.hotFraction}`);
  } else {
    throw new TraceError(`--generate: unknown generator "${kind}" (zipf or loop)`);
  }
  if (kv.size > 0) throw new TraceError(`--generate: unknown field ${[...kv.keys()].join(", ")} for ${kind}`);
  if (spec.requests < 1 || spec.requests > MAX_GENERATED) throw new TraceError(`--generate: requests must be 1 to 2^28, got ${spec.requests}`);
  if (spec.seed > 0xffffffff) throw new TraceError(`--generate: seed must be at most 4294967295`);
  return spec;
}

/** A short name for a generated trace ("zipf(alpha=1, keys=1000000, requests=10000000, seed=1)"). */
export function describeGenerator(spec: GeneratorSpec): string {
  if (spec.kind === "zipf") return `zipf(alpha=${spec.alpha}, keys=${spec.keys}, requests=${spec.requests}, seed=${spec.seed})`;
  return `loop(loop=${spec.loop}, hot=${spec.hot}, hot-fraction=${spec.hotFraction}, requests=${spec.requests}, seed=${spec.seed})`;
}
