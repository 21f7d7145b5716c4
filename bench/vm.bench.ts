/**
 * Page-fault, copy-on-write and fork speed of the model, each beside the same operation on this
 * machine's real kernel (bench/native/vmbench.c, built and run by bench/native.ts when there is a `cc`) and
 * as a model/native ratio. Targets from issue 3: ≥ 10 M first-touch faults/s, ≥ 5 M CoW faults/s,
 * fork with 1 GiB touched ≤ 5 ms.
 *
 * What is timed in the model: access_range over a fresh private anonymous mapping (one
 * handle_mm_fault per 4 KiB page, buddy allocation, rmap, counters), a forked child writing every
 * shared page (do_wp_page → wp_page_copy), and kernel_clone (dup_mmap + copy_page_range) of a
 * process with 1 GiB mapped. Best of five runs after one warm-up (the THP row: best of 20 after
 * 100, its runs being 512 faults): every run does the same work,
 * and on this shared 2-vCPU host any single run can come out up to 2× slow; the JIT also needs
 * the first two or three runs. The native side is timed best of three. The 4 KiB rows boot with
 * THP "never" (a ≥ 512 MiB machine otherwise boots "always" and maps these regions with huge
 * pages), as the native program's MADV_NOHUGEPAGE does; the THP row boots "always".
 */
import { kernel_clone } from "../src/kernel/fork.js";
import { start_kernel } from "../src/kernel/start_kernel.js";
import { ACCESS_READ, ACCESS_WRITE, access_addrs, access_range } from "../src/arch/x86/mmu.js";
import { THP_FAULT_ALLOC } from "../src/mm/vmstat_items.js";
import { type Bench, rowCpuFigure } from "./bench.js";
import { exit, mmap, spawn, timedFirstTouch, timedWrite } from "./task.js";
import { FigureCache, runNative, withNativeNote } from "./native.js";

const MiB = 1 << 20;

function best(runs: number, f: () => number, higherIsBetter: boolean, warmups = 1): number {
  for (let i = 0; i < warmups; i++) f();
  let b = higherIsBetter ? 0 : Infinity;
  for (let i = 0; i < runs; i++) {
    const v = f();
    b = higherIsBetter ? Math.max(b, v) : Math.min(b, v);
  }
  return b;
}

/**
 * First-touch write faults per second over 512 MiB. The row's CPU figure is the best run by this
 * process's CPU time over the same access_range call (not the whole row's CPU share, which
 * counts the boot and the warm-up), so it reads against the CPU figure `mmsim run` prints.
 */
function modelTouch(): number {
  const k = start_kernel({ memory: 2048 * MiB, thp: "never" });
  let bestCpu = 0;
  const rate = best(5, () => {
    const [wall, cpu] = timedFirstTouch(k, 512 * MiB);
    bestCpu = Math.max(bestCpu, cpu);
    return wall;
  }, true);
  rowCpuFigure.value = bestCpu > 0 ? bestCpu : null;
  return rate;
}

/** Untimed runs before the THP row's 20 timed ones (see modelThpTouch). */
const THP_WARMUP_RUNS = 100;

/**
 * THP first-touch: huge pages mapped per second writing 1 GiB of 2 MiB-aligned anonymous memory
 * under THP always (one do_huge_pmd_anonymous_page per 2 MiB: allocation of an order-9 block, a
 * deposited PTE table, 512 content tokens). Target from issue 17: ≥ 1 M huge pages/s.
 */
function modelThpTouch(): number {
  const k = start_kernel({ memory: 2048 * MiB, thp: "always" });
  // The row's CPU-clock figure: the best run by this process's CPU time (a 512-fault run is
  // about a millisecond, so 20 runs; process.cpuUsage counts microseconds). The warm-up is
  // THP_WARMUP_RUNS runs, not one: the other rows' single warm-up run is 131,072 faults, this
  // row's is 512, and the huge-fault path is still being compiled and re-compiled through the
  // first tens of runs. Per-run medians in one fresh process (issue 17, session 9, load 5; wall
  // and CPU clock, M huge pages/s): runs 0-9 0.07 and 0.32, runs 10-19 0.48 and 0.37, runs
  // 20-49 0.77 and 0.68, runs 100-199 0.86 and 0.84. 100 runs are 51,200 faults, about 0.1 s.
  let bestCpu = 0;
  let run = 0;
  const rate = best(20, () => {
    const t = spawn(k);
    const len = 1024 * MiB;
    const raw = mmap(k, t, len + 2 * MiB);
    const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    const before = k.vm_events[THP_FAULT_ALLOC];
    const { wall: dt, cpu } = timedWrite(k, t, a, len);
    const huge = k.vm_events[THP_FAULT_ALLOC] - before;
    if (huge !== len / (2 * MiB)) throw new Error(`THP touch: ${huge} huge faults`);
    exit(k, t);
    run++;
    if (cpu > 0 && run > THP_WARMUP_RUNS) bestCpu = Math.max(bestCpu, huge / cpu);
    return huge / dt;
  }, true, THP_WARMUP_RUNS);
  rowCpuFigure.value = bestCpu > 0 ? bestCpu : null;
  return rate;
}

/** CoW faults per second: the child of a 256 MiB parent writes every page. */
function modelCow(): number {
  const k = start_kernel({ memory: 2048 * MiB, thp: "never" });
  return best(5, () => {
    const p = spawn(k);
    const len = 256 * MiB;
    const a = mmap(k, p, len);
    access_range(k, p, a, len, ACCESS_WRITE);
    const c = kernel_clone(k, p);
    if (typeof c === "number") throw new Error(`fork: ${c}`);
    const t0 = performance.now();
    const r = access_range(k, c, a, len, ACCESS_WRITE);
    const dt = (performance.now() - t0) / 1e3;
    exit(k, c);
    exit(k, p);
    return r.minflt / dt;
  }, true);
}

/** Milliseconds for fork() of a process with 1 GiB touched. */
function modelFork(): number {
  const k = start_kernel({ memory: 4096 * MiB, thp: "never" });
  const p = spawn(k);
  const len = 1024 * MiB;
  const a = mmap(k, p, len);
  access_range(k, p, a, len, ACCESS_WRITE);
  // A fork is one long copy loop: give the JIT a few rounds (best of 5 after a warm-up).
  return best(5, () => {
    const t0 = performance.now();
    const c = kernel_clone(k, p);
    const ms = performance.now() - t0;
    if (typeof c === "number") throw new Error(`fork: ${c}`);
    exit(k, c);
    return ms;
  }, false);
}

/** Accesses per second replaying a random trace of 4 M addresses over 256 MiB already mapped. */
function modelReplay(): number {
  const k = start_kernel({ memory: 1024 * MiB, thp: "never" });
  const t = spawn(k);
  const len = 256 * MiB;
  const a = mmap(k, t, len);
  access_range(k, t, a, len, ACCESS_WRITE);
  const n = 4 * 1024 * 1024;
  const addrs = new Float64Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0; // a fixed LCG: the same trace every run
    addrs[i] = a + (x % (len / 4096)) * 4096;
  }
  return best(3, () => {
    const t0 = performance.now();
    const r = access_addrs(k, t, addrs, ACCESS_READ);
    const dt = (performance.now() - t0) / 1e3;
    if (r.signal !== null) throw new Error(`replay: ${r.signal}`);
    return r.pages / dt;
  }, true);
}

// ---- native (bench/native.ts) ----
const figures = new FigureCache();
const once = (key: string, f: () => number | null): number | null => figures.once(key, f);
const ratio = (ka: string, fa: () => number | null, kb: string, fb: () => number | null): number | null => figures.ratio(ka, fa, kb, fb);
const nTouch = (): number | null => runNative("touch", 512);
const nCow = (): number | null => runNative("cow", 256);
const nFork = (): number | null => runNative("fork", 1024);
const withNote = withNativeNote;

export const benches: Bench[] = [
  { name: "vm: first-touch faults (model)", unit: "faults/s", run: () => once("touch.model", modelTouch) },
  { name: "vm: THP first-touch, 1 GiB aligned (model)", unit: "huge pages/s", run: () => once("thp.model", modelThpTouch) },
  withNote({ name: "vm: first-touch faults (native)", unit: "faults/s", run: () => once("touch.native", nTouch) }),
  withNote({ name: "vm: first-touch faults model/native", unit: "ratio", run: () => ratio("touch.model", modelTouch, "touch.native", nTouch) }),
  { name: "vm: CoW faults after fork (model)", unit: "faults/s", run: () => once("cow.model", modelCow) },
  withNote({ name: "vm: CoW faults after fork (native)", unit: "faults/s", run: () => once("cow.native", nCow) }),
  withNote({ name: "vm: CoW faults model/native", unit: "ratio", run: () => ratio("cow.model", modelCow, "cow.native", nCow) }),
  { name: "vm: fork with 1 GiB touched (model)", unit: "ms", run: () => once("fork.model", modelFork) },
  withNote({ name: "vm: fork with 1 GiB touched (native)", unit: "ms", run: () => once("fork.native", nFork) }),
  // Lower is better for a time, so this ratio is native ms / model ms: above 1 the model is faster.
  withNote({ name: "vm: fork speed model/native (native ms / model ms)", unit: "ratio", run: () => ratio("fork.native", nFork, "fork.model", modelFork) }),
  { name: "vm: MMU replay of a random trace, pages mapped (model)", unit: "accesses/s", run: () => once("replay.model", modelReplay) },
];
