/**
 * A machine built to replay a trace of page requests through Linux's own page reclaim (the
 * classic two-list LRU, or the multi-gen LRU): `mmsim replay --policy linux,mglru`
 * (src/replay/policy/linux.ts). Each of the trace's keys is one page of one anonymous mapping of
 * one process, and the memory that can hold those pages is the cache size — made exact by
 * calibration, since the kernel's own footprint, the watermarks, the per-CPU lists and the page
 * tables all take their share of the RAM.
 *
 * Built through the public API (Machine, Process): boot, a swap area as large as the keys, the
 * mapping, then:
 * 1. Page tables first: one page written and dropped (MADV_DONTNEED) per 2 MiB of the mapping,
 *    so the PTE, PMD and PUD tables every key will need exist before the cache is measured and
 *    are not taken from it as the replay goes.
 * 2. A ballast process mlocks pages so that what is left holds exactly `cachePages` of the
 *    trace's pages. The number is found by calibration: the trace's mapping is written page after
 *    page (one new page per access, the allocation pressure a miss makes), and the most pages of
 *    it resident at once (its RSS peak) is the cache size; the ballast and, if needed, the RAM
 *    are adjusted and the machine booted again until that peak is the size asked for. The model
 *    is deterministic, so the machine the replay gets behaves exactly as the calibrated one.
 *    Once reclaim runs, kswapd keeps free memory between its low and high watermarks, so the
 *    resident count moves below the peak by up to the gap (8 to 16 pages here): the cache is
 *    "at most `cachePages`", as a classic policy's is.
 * 3. The calibration pages are dropped again (MADV_DONTNEED frees them and their swap slots) and
 *    the counters' baseline is taken: the replay starts with an empty cache.
 *
 * Settings, each to let the replay measure the replacement policy and nothing else:
 * vm.page-cluster = 0 (no swap readahead: a miss reads its one page), vm.watermark_scale_factor
 * = 1 and vm.min_free_kbytes = 128 (the narrowest watermarks, so the resident count stays within
 * a few pages of the cache size), vm.watermark_boost_factor = 0 (no boosts from fragmentation),
 * THP off, and a swap device with no latency and a bandwidth of 1 TB/s, so writeback completes
 * at once and no page waits on it (a slow device makes reclaim sort pages under writeback and
 * lets kswapd fall behind, which is I/O, not replacement). The first request for a key writes
 * its page (an anonymous page read before it is written maps the shared zero page, which is
 * never evicted); later requests read unless the trace marks them as writes.
 */
import { Errno } from "../kernel/errno.js";
import { KernelBug } from "../kernel/bug.js";
import { COST } from "./cost.js";
import { Machine } from "./machine.js";
import { ProcessKilled, type Process } from "./process.js";

const PAGE = 4096;
const MiB = 2 ** 20;
const PMD_BYTES = 2 * MiB;

/** What to build. */
export interface ReplayMachineOptions {
  /** Pages the trace's keys may hold in memory at once: the cache size, at least 1. */
  cachePages: number;
  /** The trace's distinct keys: pages of the mapping. */
  keys: number;
  /** Which LRU reclaims: the classic active/inactive lists, or the multi-gen LRU. */
  lru: "classic" | "mglru";
  /** The machine's seed (default 1). */
  seed?: number;
}

/** How the machine was sized. */
export interface ReplayMachineInfo {
  /** RAM booted, bytes. */
  memory: number;
  /** Pages the ballast process holds mlocked. */
  ballastPages: number;
  /** The trace's resident peak in the calibration pass: the cache size. */
  cachePages: number;
  /** Boots it took to calibrate. */
  boots: number;
}

/** The most boots calibration may take (it usually converges in 2 to 6). */
const MAX_BOOTS = 16;
/** The trace's mapping starts here (no other mapping is near). */
const KEYS_AT = 0x100000000;
/** The most keys a replay machine maps: the replay's own limit on distinct keys (src/replay/trace.ts). */
const MAX_KEYS = 2 ** 25;
/** Calibration's scratch mapping starts here, above the largest trace mapping (4 GiB + 128 GiB). */
const SCRATCH_AT = 0x4000000000;
/** Calibration stops once the resident count has not grown for this many writes. */
const STALL_PAGES = 256;

/** A booted replay machine: write pages through `process` at `base + key * 4096`. */
export class ReplayMachine {
  private constructor(
    readonly machine: Machine,
    readonly process: Process,
    /** Address of key 0. */
    readonly base: number,
    readonly info: ReplayMachineInfo,
  ) {}

  /**
   * Boots and calibrates a machine for `opts` (see the header). Deterministic: the same options
   * give the same machine.
   * @throws RangeError for a cache size or key count that is not a whole number ≥ 1, or a cache
   *   larger than the keys.
   */
  static boot(opts: ReplayMachineOptions): ReplayMachine {
    const { cachePages, keys } = opts;
    if (!Number.isInteger(cachePages) || cachePages < 1) throw new RangeError(`cache size must be a whole number of pages ≥ 1, got ${cachePages}`);
    if (!Number.isInteger(keys) || keys < 1) throw new RangeError(`key count must be a whole number ≥ 1, got ${keys}`);
    if (cachePages > keys) throw new RangeError(`cache of ${cachePages} pages is larger than the ${keys} keys`);
    if (keys > MAX_KEYS) throw new RangeError(`${keys} keys are more than the ${MAX_KEYS} pages a replay machine maps`);
    // RAM: the cache, its page tables, and room for the kernel image and boot reservations.
    const tables = Math.ceil(keys / 512) + Math.ceil(keys / 512 / 512) + 4;
    let memory = roundUp(Math.max(80 * MiB, (cachePages + tables) * PAGE + 48 * MiB), PMD_BYTES);
    let boots = 0;
    type Measured = Built & { peak: number };
    const measure = (ballast: number): Measured | null => {
      boots++;
      const r = build(opts, memory, ballast);
      if (r === null) return null;
      const peak = calibrate(r.machine, r.process, memory);
      // Too large a ballast leaves reclaim nothing to free: the OOM killer ends the ballast
      // (the largest task) or the replay process. Such a machine is not a calibration.
      return peak === null || (r.ballast !== null && !r.ballast.alive) ? null : { ...r, peak };
    };
    // With no ballast the trace must be able to hold at least the cache: grow the RAM until so.
    let r = measure(0);
    if (r === null) throw new KernelBug("replay machine: the trace's process was killed with no ballast");
    while (r.peak < cachePages) {
      if (boots >= MAX_BOOTS) throw new Error(`replay machine: ${boots} boots could not make room for ${cachePages} pages`);
      memory = roundUp(memory + (cachePages - r.peak) * PAGE + 8 * MiB, PMD_BYTES);
      r = measure(0);
      if (r === null) throw new KernelBug("replay machine: the trace's process was killed with no ballast");
    }
    // The peak falls as the ballast grows, nearly page for page but in steps of up to a few
    // pages (what reclaim frees at once, and the per-CPU free lists the watermarks cannot see,
    // move with the layout), so some sizes cannot be hit exactly. Search the ballast: secant
    // steps, then bisection between the largest ballast known to leave too much (peak > cache)
    // and the smallest known to leave too little; if they are adjacent, the latter wins (the
    // cache is then a page or a few smaller than asked, and info.cachePages says so).
    // A ballast too large to mlock (the kernel answers EAGAIN when it cannot fault every page
    // in) counts as "too little left"; it is never returned.
    let over: { ballast: number; built: Measured } = { ballast: 0, built: r };
    let under: { ballast: number; built: Measured | null } | null = null;
    let ballast = r.peak - cachePages;
    let found: Measured | null = r.peak === cachePages ? r : null;
    while (found === null && boots < MAX_BOOTS) {
      if (ballast <= over.ballast || (under !== null && ballast >= under.ballast)) {
        if (under === null) ballast = over.ballast + 1;
        else if (under.ballast - over.ballast <= 1) break;
        else ballast = Math.floor((over.ballast + under.ballast) / 2);
      }
      const m = measure(ballast);
      const peak = m === null ? -1 : m.peak;
      if (m !== null && peak === cachePages) {
        found = m;
        break;
      }
      if (m !== null && peak > cachePages) over = { ballast, built: m };
      else if (under === null || ballast < under.ballast) under = { ballast, built: m };
      // After a ballast that could not be locked, back off by a reclaim batch's worth and more.
      ballast += m === null ? -64 : peak - cachePages;
    }
    if (found === null) {
      if (under !== null && under.built !== null) {
        found = under.built;
        ballast = under.ballast;
      } else if (under !== null && under.ballast - over.ballast <= 1) {
        throw new RangeError(`a replay machine cannot hold as few as ${cachePages} pages (reclaim needs some to work with): the closest above it found is ${over.built.peak}`);
      } else {
        throw new Error(`replay machine: no calibration gave a cache of ${cachePages} pages in ${MAX_BOOTS} boots`);
      }
    }
    return new ReplayMachine(found.machine, found.process, found.base, { memory, ballastPages: ballast, cachePages: found.peak, boots });
  }
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** A booted machine with the trace's mapping. */
interface Built {
  machine: Machine;
  process: Process;
  base: number;
  ballast: Process | null;
}

/** Boots the machine, maps the keys with their page tables, and mlocks `ballast` pages; null when they cannot all be locked. */
function build(opts: ReplayMachineOptions, memory: number, ballast: number): Built | null {
  const m = Machine.boot({
    memory,
    seed: opts.seed ?? 1,
    thp: "never",
    initrd: 0,
    sysctl: { "vm.page-cluster": 0, "vm.watermark_scale_factor": 1, "vm.min_free_kbytes": 128, "vm.watermark_boost_factor": 0 },
  });
  if (opts.lru === "mglru") m.write("/sys/kernel/mm/lru_gen/enabled", "y");
  const p = m.spawn({ comm: "replay", image: null });
  p.swapon("/dev/vda", { size: roundUp((opts.keys + 4 * STALL_PAGES) * PAGE, MiB), latency: 0, bandwidth: 1e12 });
  const len = opts.keys * PAGE;
  const base = p.mmap(len, { addr: KEYS_AT, flags: "private|anonymous|fixed" });
  for (let a = base; a < base + len; a += PMD_BYTES) {
    p.write(a, PAGE);
    p.madvise(a, PAGE, "dontneed");
  }
  let b: Process | null = null;
  if (ballast > 0) {
    b = m.spawn({ comm: "ballast", image: null });
    // MAP_NORESERVE as the scratch mapping: with a few keys the swap area is small, and the
    // heuristic overcommit check would refuse a ballast of nearly all the RAM.
    const at = b.mmap(ballast * PAGE, { flags: "private|anonymous|noreserve" });
    try {
      b.mlock(at, ballast * PAGE);
    } catch (e) {
      // EAGAIN when not every page can be faulted in, or the OOM killer's SIGKILL while mlock
      // populates: either way the ballast is too large.
      if (e instanceof Errno || e instanceof ProcessKilled) return null;
      throw e;
    }
  }
  return { machine: m, process: p, base, ballast: b };
}

/**
 * Writes the pages of a scratch mapping one by one (one new page per access, the allocation
 * pressure a miss makes) until the process's resident count has stopped growing for
 * `STALL_PAGES` writes: reclaim is holding it at the most the LRU keeps. Returns that peak, and
 * unmaps the scratch mapping (its pages and swap slots are freed; the trace's page tables stay).
 */
function calibrate(m: Machine, p: Process, memory: number): number | null {
  const pages = memory / PAGE;
  // MAP_NORESERVE: the heuristic overcommit check would refuse a mapping as large as the RAM when
  // the swap area is small (a few keys); only the pages written count.
  const at = p.mmap(pages * PAGE, { addr: SCRATCH_AT, flags: "private|anonymous|fixed|noreserve" });
  let peak = 0;
  for (let i = 0; i < pages && i - peak < STALL_PAGES; i++) {
    try {
      // As the replay spends it (src/replay/policy/linux.ts): kswapd runs as the clock moves.
      const r = p.write(at + i * PAGE, PAGE);
      m.advance(COST.access_ns + r.minflt * COST.minor_fault_ns + r.majflt * COST.major_fault_ns);
    } catch (e) {
      if (e instanceof ProcessKilled) return null;
      throw e;
    }
    const rss = p.status().vmRssKb / 4;
    if (rss > peak) peak = rss;
  }
  p.munmap(at, pages * PAGE);
  return peak;
}
