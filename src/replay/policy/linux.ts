/**
 * Linux's own page replacement as replay policies: the trace drives a simulated machine
 * (src/sim/replay_machine.ts) whose memory for the trace's pages is the cache size, each key one
 * page of an anonymous mapping, and the model's reclaim decides what stays — the classic
 * active/inactive lists of mm/vmscan.c (`linux`) or 6.1's multi-gen LRU (`mglru`,
 * src/mm/lru_gen.ts). Nothing here re-implements a policy: a request is a load or store the
 * model's MMU executes (`Process.touchAddrs`), and a miss is what the model's counters say.
 *
 * A miss is a request that needed a page from outside memory: the key's first request (a new
 * page is allocated and zeroed: a first fault) or a major fault (the page had been reclaimed to
 * swap and is read back in: a refault). A request that finds its page mapped, or still in the
 * swap cache after reclaim unmapped it (a minor fault: the page never left memory), is a hit.
 * The first request for a key writes its page (a read of a never-written anonymous page would
 * map the shared zero page, which is never reclaimed); later requests read, or write when the
 * trace marks them as writes (lackey's stores, the model's recorded writes) — a dirty page costs
 * reclaim a swap write, a clean one that still has its swap slot does not.
 *
 * Requests go to the MMU as the scenario runner issues a program's accesses
 * (src/workload/steps.ts runTouch): in batches of up to 256 (`Process.touchAddrs`; a batch also
 * ends where the kind changes between read and write), each followed by the simulated time the
 * cost table gives it (COST.access_ns per access, minor_fault_ns and major_fault_ns per fault),
 * so kswapd, the swap I/O completions and the aging run between batches as they do in a
 * scenario. (MGLRU's page-table walk skips an mm not switched in since its last walk,
 * lru_gen_use_mm; the model switches the task in at each batch, so the batch size is part of
 * the replay's definition: one access per batch gives MGLRU different counts.)
 *
 * Simplified: as anonymous pages only. The issue's other variant, keys as file pages read
 * through the page cache (mark_page_accessed's two-touch activation, workingset refaults on
 * file pages), is not built yet (docs/replay.md says what it needs).
 */
import { COST, ReplayMachine, type Process } from "../../sim/index.js";
import { KEY_WRITE } from "../readers.js";
import { checkGeometry, type Policy } from "./policy.js";

/** Requests handed to the MMU in one call at most: the scenario runner's batch (ADDR_BATCH). */
const BATCH = 256;
const PAGE = 4096;
/** touchAddrs' options, made once (not an object per batch). */
const WRITE = Object.freeze({ write: true });
const READ = Object.freeze({ write: false });
/** pagemap's "page present" flag (bit 63; bit 15 of the top 16 flag bits Process.pagemap returns). */
const PM_PRESENT = 1 << 15;

/** Which of the model's LRUs a `LinuxPolicy` runs. */
export type LinuxLru = "classic" | "mglru";

export class LinuxPolicy implements Policy {
  readonly name: string;
  /** The machine, booted and calibrated for the cache size (its `info` says how). */
  readonly rm: ReplayMachine;
  /**
   * Bit `id & 31` of word `id >>> 5` is set once key `id`'s page has been written. A bit, not a
   * byte, per key: at 1M keys the set is 128 KiB and stays in the CPU's cache, where a byte per
   * key (1 MiB) made this test one of the run's hottest lines (a cache miss per request, 1.5%).
   */
  private readonly seen: Uint32Array;
  private readonly addrs = new Float64Array(BATCH);

  constructor(
    readonly capacity: number,
    nKeys: number,
    lru: LinuxLru,
    seed = 1,
  ) {
    const name = lru === "classic" ? "Linux" : "MGLRU";
    checkGeometry(name, capacity, nKeys);
    this.name = name;
    this.rm = ReplayMachine.boot({ cachePages: capacity, keys: nKeys, lru, seed });
    this.seen = new Uint32Array(Math.ceil(nKeys / 32));
  }

  /** The trace's pages resident now. */
  get size(): number {
    return this.rm.process.status().vmRssKb / (PAGE / 1024);
  }

  /** Whether `id`'s page is in memory: mapped, per /proc/PID/pagemap. */
  has(id: number): boolean {
    if ((this.seen[id >>> 5] & (1 << (id & 31))) === 0) return false;
    const e = this.rm.process.pagemap(this.rm.base + id * PAGE, 1);
    return (e.flags[0] & PM_PRESENT) !== 0;
  }

  access(id: number, isWrite = false): boolean {
    const one = new Int32Array([id]);
    const w = isWrite ? new Uint8Array([KEY_WRITE]) : null;
    return this.run(one, 0, 1, w) === 0;
  }

  /** Runs the first `n` addresses as one batch and spends its simulated time; returns its major faults. */
  private batch(p: Process, n: number, write: boolean): number {
    const r = p.touchAddrs(this.addrs, n, write ? WRITE : READ);
    this.rm.machine.advance(n * COST.access_ns + r.minflt * COST.minor_fault_ns + r.majflt * COST.major_fault_ns);
    return r.majflt;
  }

  run(ids: Int32Array, from: number, to: number, writes: Uint8Array | null = null): number {
    const { process: p, base } = this.rm;
    const seen = this.seen;
    const addrs = this.addrs;
    let misses = 0;
    let n = 0;
    let batchWrite = false;
    for (let i = from; i < to; i++) {
      const id = ids[i];
      let w = writes !== null && (writes[i] & KEY_WRITE) !== 0;
      const bit = 1 << (id & 31);
      if ((seen[id >>> 5] & bit) === 0) {
        seen[id >>> 5] |= bit;
        misses++;
        w = true;
      }
      if (n === BATCH || (n > 0 && w !== batchWrite)) {
        misses += this.batch(p, n, batchWrite);
        n = 0;
      }
      batchWrite = w;
      addrs[n++] = base + id * PAGE;
    }
    if (n > 0) misses += this.batch(p, n, batchWrite);
    return misses;
  }
}
