/**
 * The policies by name: the classic ones (each file states its definition and where simulators
 * differ; docs/replay.md collects them with the comparison against libCacheSim) and Linux's own,
 * run through the model (./linux.ts).
 */
import type { DenseTrace } from "../trace.js";
import { Arc } from "./arc.js";
import { Clock } from "./clock.js";
import { Fifo } from "./fifo.js";
import { Lfu } from "./lfu.js";
import { Lirs } from "./lirs.js";
import { LinuxPolicy } from "./linux.js";
import { Lru } from "./lru.js";
import { Opt, nextUses } from "./opt.js";
import type { Policy } from "./policy.js";
import { RandomPolicy } from "./random.js";
import { S3Fifo } from "./s3fifo.js";
import { Sieve } from "./sieve.js";
import { TwoQ } from "./twoq.js";

/** The classic policies' names as the CLI and `createPolicy` take them, in the order results are listed (`--policy all`). */
export const POLICY_NAMES = Object.freeze(["lru", "fifo", "clock", "random", "lfu", "arc", "2q", "lirs", "s3fifo", "sieve", "opt"] as const);
/** Linux's policies, run through the model (./linux.ts): the classic two-list LRU and the multi-gen LRU. */
export const LINUX_POLICY_NAMES = Object.freeze(["linux", "mglru"] as const);
export type ClassicPolicyName = (typeof POLICY_NAMES)[number];
export type PolicyName = ClassicPolicyName | (typeof LINUX_POLICY_NAMES)[number];

/** Other spellings simulators use. */
const ALIASES: Readonly<Record<string, PolicyName>> = Object.freeze({
  "s3-fifo": "s3fifo",
  twoq: "2q",
  belady: "opt",
  min: "opt",
  "second-chance": "clock",
  "linux-classic": "linux",
  "lru_gen": "mglru",
  "lru-gen": "mglru",
});

/** The policy a user's spelling names (case-insensitive, with aliases), or null. */
export function policyName(s: string): PolicyName | null {
  const k = s.trim().toLowerCase();
  if ((POLICY_NAMES as readonly string[]).includes(k) || (LINUX_POLICY_NAMES as readonly string[]).includes(k)) return k as PolicyName;
  return ALIASES[k] ?? null;
}

/** What some policies need beyond the cache size. */
export interface PolicyOptions {
  /** Random's seed, and the Linux policies' machine seed (default 1). */
  seed?: number;
  /** OPT: nextUses(trace) when already computed (it is the same for every cache size). */
  nextUse?: Int32Array;
  /** LIRS: add libCacheSim's extra demotion on hits in Q (./lirs.ts), to reproduce its figures. */
  libCacheSimLirs?: boolean;
}

/** A fresh `name` policy of `capacity` objects for `trace`. */
export function createPolicy(name: PolicyName, capacity: number, trace: DenseTrace, opts: PolicyOptions = {}): Policy {
  const n = trace.nKeys;
  switch (name) {
    case "lru":
      return new Lru(capacity, n);
    case "fifo":
      return new Fifo(capacity, n);
    case "clock":
      return new Clock(capacity, n);
    case "random":
      return new RandomPolicy(capacity, n, opts.seed ?? 1);
    case "lfu":
      return new Lfu(capacity, n);
    case "arc":
      return new Arc(capacity, n);
    case "2q":
      return new TwoQ(capacity, n);
    case "lirs":
      return new Lirs(capacity, n, opts.libCacheSimLirs === true);
    case "s3fifo":
      return new S3Fifo(capacity, n);
    case "sieve":
      return new Sieve(capacity, n);
    case "opt":
      return new Opt(capacity, n, trace.ids, opts.nextUse ?? nextUses(trace.ids, trace.n, n));
    case "linux":
      return new LinuxPolicy(capacity, n, "classic", opts.seed ?? 1);
    case "mglru":
      return new LinuxPolicy(capacity, n, "mglru", opts.seed ?? 1);
  }
}

export { Arc, Clock, Fifo, Lfu, Lirs, LinuxPolicy, Lru, Opt, RandomPolicy, S3Fifo, Sieve, TwoQ, nextUses };
export type { Policy };
