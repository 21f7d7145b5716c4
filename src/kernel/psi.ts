/**
 * Pressure stall information: how much of the time tasks were stalled on memory, I/O or CPU,
 * as /proc/pressure/{memory,io,cpu} report it ("some" = at least one task stalled, "full" = no
 * task making progress).
 *
 * Each task carries psi_flags (TSK_IOWAIT, TSK_MEMSTALL, TSK_RUNNING, TSK_MEMSTALL_RUNNING,
 * TSK_ONCPU). A change of a task's flags updates its CPU's task counts in the group
 * (psi_group_change); the counts decide, through test_state exactly as 6.1 has it, which states
 * the CPU is in, and record_times charges the time since the last change (k.now_ns) to the
 * states it was in. The aggregator (collect_percpu_times) folds the per-CPU u32 time buckets
 * into total[] weighting each CPU by its non-idle jiffies, and update_averages feeds one sample
 * per PSI_FREQ period (2 s + 1 tick = 501 jiffies at HZ=250 = 2.004 s) into the avg10/avg60/avg300
 * running averages with calc_load's fixed-point EXP_10s/EXP_60s/EXP_300s, filling missed
 * periods with zeroes (calc_load_n).
 *
 * The aggregator runs when the kernel runs it. In 6.1 it is a delayed work (avgs_work), armed by
 * the first task change after an idle spell for PSI_FREQ jiffies later and re-armed by itself
 * for as long as the group is busy; psi_show also aggregates when the file is read. The model
 * has no timer queue, so the work is kept as an expiry instant and run lazily: before any task
 * change and before any read, every expiry that has passed is run at its own instant. Between
 * two task changes the state is constant, so evaluating the work late, at its own `now`, gives
 * exactly what the timer would have. This matters: which instants sample the averages changes
 * avg10, and the u32 time buckets are only exact while they are folded at least every 4.29 s.
 * The expiry is rounded as the timer wheel rounds it (calc_wheel_index: a 501-jiffy delay lands
 * in level 1, granularity 8 jiffies, so the work runs up to 32 ms after avg_next_update).
 *
 * Kernel threads are counted like any task: psi_task_change skips only pid 0 (the idle task),
 * and kswapd and kcompactd bracket their work with psi_memstall_enter/leave in 6.1. The model's
 * kernel threads have no entry in the task table, so each gets an accounting task here
 * (kthread_current), runnable exactly while it is inside such a bracket.
 *
 * Groups: psi_system is the root cgroup's (/proc/pressure and the root's *.pressure files); every
 * other cgroup has its own psi_group (psi_cgroup_alloc at mkdir, cgroup.psi) whose parent is its
 * parent cgroup's, and a task's change is applied to its cgroup's group and each ancestor's up to
 * psi_system (psi_task_change), a context switch walking next's groups up to the first one that
 * is already on the CPU and prev's up to that common ancestor (psi_task_switch), a move between
 * cgroups taking the task's flags out of the old chain and into the new (cgroup_move_task).
 * So a group's memory.pressure counts the stalls of its own tasks and its descendants' only: a
 * group whose pages are reclaimed by someone else's allocation shows no pressure.
 *
 * Simplified: The per-CPU state exists for each of the machine's CPUs and is
 * aggregated as 6.1 aggregates it, but the simulation executes on one CPU, so every task is
 * accounted on CPU 0 (task_cpu) and the others stay idle, weighing nothing. The aggregation
 * worker is not itself a task, so its own wakeups are not counted (in 6.1 they add a little
 * CPU and non-idle time, and the re-arm test counts it as the one running task: "> 1" here
 * becomes "> 0"). No triggers: a write is parsed and validated as psi_trigger_create does, but
 * nothing polls (the model has no poll()). No PSI_IRQ (CONFIG_IRQ_TIME_ACCOUNTING is off in
 * Debian's 6.1), no psi= boot switch, no delay accounting.
 * @kernel kernel/sched/psi.c psi_init, group_init, test_state, get_recent_times, calc_avgs,
 *   collect_percpu_times, update_averages, psi_avgs_work, record_times, psi_group_change,
 *   psi_flags_change, psi_task_change, psi_task_switch, psi_memstall_enter, psi_memstall_leave,
 *   psi_show, psi_trigger_create, psi_proc_init, psi_cgroup_alloc, task_psi_group
 * @kernel kernel/sched/stats.h psi_enqueue, psi_dequeue
 * @kernel include/linux/psi_types.h enum psi_task_count, enum psi_res, enum psi_states
 * @kernel include/linux/sched/loadavg.h calc_load, FIXED_1, LOAD_INT, LOAD_FRAC
 * @kernel kernel/sched/loadavg.c fixed_power_int, calc_load_n
 * @kernel kernel/time/timer.c calc_index, calc_wheel_index
 */
import type { Kernel } from "./kernel.js";
import { KERN_ERR } from "./printk.js";
import { HZ } from "./sysctl.js";
import { asDoubles } from "./shape.js";
import { PF_KTHREAD, task_struct } from "./sched.js";

// enum psi_task_count
export const NR_IOWAIT = 0;
export const NR_MEMSTALL = 1;
export const NR_RUNNING = 2;
/** Running tasks that are memstalled (reclaimers): running, yet not productive. */
export const NR_MEMSTALL_RUNNING = 3;
export const NR_PSI_TASK_COUNTS = 4;

// Task state bitmasks (task_struct.psi_flags)
export const TSK_IOWAIT = 1 << NR_IOWAIT;
export const TSK_MEMSTALL = 1 << NR_MEMSTALL;
export const TSK_RUNNING = 1 << NR_RUNNING;
export const TSK_MEMSTALL_RUNNING = 1 << NR_MEMSTALL_RUNNING;
/** Only one task per CPU can be on it, so this flag has no task count. */
export const TSK_ONCPU = 1 << NR_PSI_TASK_COUNTS;

// enum psi_res
export const PSI_IO = 0;
export const PSI_MEM = 1;
export const PSI_CPU = 2;
export const NR_PSI_RESOURCES = 3;

// enum psi_states (without PSI_IRQ_FULL: CONFIG_IRQ_TIME_ACCOUNTING is not set)
export const PSI_IO_SOME = 0;
export const PSI_IO_FULL = 1;
export const PSI_MEM_SOME = 2;
export const PSI_MEM_FULL = 3;
export const PSI_CPU_SOME = 4;
export const PSI_CPU_FULL = 5;
/** Per-CPU only: weighs the CPU in the aggregate. */
export const PSI_NONIDLE = 6;
export const NR_PSI_STATES = 7;
/** TSK_ONCPU's bit in the state mask. */
const PSI_ONCPU = 1 << NR_PSI_STATES;
/** get_recent_times asks the avgs work to re-arm. */
const PSI_STATE_RESCHEDULE = 1 << (NR_PSI_STATES + 1);
const NS = NR_PSI_STATES - 1;

/** TICK_NSEC = NSEC_PER_SEC / HZ = 4 ms at Debian's CONFIG_HZ=250 (sysctl.ts's HZ). */
const TICK_NSEC = 1e9 / HZ;
/** PSI_FREQ: 2*HZ+1 jiffies, "2 sec intervals". */
export const PSI_FREQ = 2 * HZ + 1;
/** psi_period: jiffies_to_nsecs(PSI_FREQ) = 2,004,000,000 ns. */
export const psi_period = PSI_FREQ * TICK_NSEC;
/** 1/exp(2s/10s), 1/exp(2s/60s), 1/exp(2s/300s) in 11-bit fixed point. */
export const EXP_10s = 1677;
export const EXP_60s = 1981;
export const EXP_300s = 2034;
/** FSHIFT bits of fraction; FIXED_1 is 1.0. */
export const FSHIFT = 11;
export const FIXED_1 = 1 << FSHIFT;
// Trigger window limits (µs).
const WINDOW_MIN_US = 500000;
const WINDOW_MAX_US = 10000000;

/** The one CPU the simulation executes on: every task is accounted there. */
const PSI_EXEC_CPU = 0;

/**
 * struct psi_group with its per-CPU struct psi_group_cpu split into columns indexed by cpu
 * (tasks, state_mask, times, state_start, times_prev). The time buckets are u32 as in 6.1 and
 * wrap the same way.
 */
export class psi_group {
  readonly nr_cpus: number;
  enabled = true;
  /** tasks[cpu * NR_PSI_TASK_COUNTS + t]. */
  readonly tasks: Uint32Array;
  /** state_mask[cpu]: the states (and PSI_ONCPU) the CPU is in since state_start. */
  readonly state_mask: Uint32Array;
  /** times[cpu * NR_PSI_STATES + s]: ns spent in each state, u32, wrapping. */
  readonly times: Uint32Array;
  /** state_start[cpu]: the time of the CPU's last change. */
  readonly state_start: Float64Array;
  /** times_prev[cpu * NR_PSI_STATES + s]: the PSI_AVGS aggregator's last snapshot. */
  readonly times_prev: Uint32Array;
  /** avg_total[s]: the part of total[] already sampled into the averages. */
  readonly avg_total = new Float64Array(NS);
  avg_last_update = 0;
  avg_next_update = psi_period;
  /** total[PSI_AVGS][s], ns. */
  readonly total = new Float64Array(NS);
  /** avg[s * 3 + w]: avg10, avg60, avg300, fixed point (FIXED_1 = 1.0 %). */
  readonly avg = new Float64Array(NS * 3);
  /** avgs_work: whether it is queued, and the instant its timer fires. */
  avgs_work_pending = false;
  avgs_work_expires = 0;
  /** The parent cgroup's group; null for psi_system. */
  parent: psi_group | null = null;

  constructor(nr_cpus: number, now: number) {
    this.nr_cpus = nr_cpus;
    this.tasks = new Uint32Array(nr_cpus * NR_PSI_TASK_COUNTS);
    this.state_mask = new Uint32Array(nr_cpus);
    this.times = new Uint32Array(nr_cpus * NR_PSI_STATES);
    this.state_start = new Float64Array(nr_cpus);
    this.times_prev = new Uint32Array(nr_cpus * NR_PSI_STATES);
    // group_init: the first period starts at boot.
    this.avg_last_update = now;
    this.avg_next_update = now + psi_period;
    // Nanosecond times: doubles from the start, so passing 2^31 ns mid-run does not change the
    // group's shape and deoptimise the PSI code (shape.ts).
    asDoubles<psi_group>(this, "avg_last_update", "avg_next_update", "avgs_work_expires");
  }
}

/** One machine's PSI state (k.psi): psi_system, the task on the CPU (rq->curr), psi_bug. */
export class psi_state {
  /** psi_system: the root group /proc/pressure reports. */
  readonly system: psi_group;
  /** rq->curr of the CPU the simulation runs on. */
  curr: task_struct | null = null;
  /** psi_bug: the "inconsistent task state" report was printed once. */
  psi_bug = false;
  /**
   * The kernel threads' task_structs for accounting (kswapd…): the model's kthreads have no
   * entry in the task table, but 6.1 counts their memory stalls (balance_pgdat brackets itself).
   */
  readonly kthreads = new Map<string, task_struct>();
  constructor(nr_cpus: number) {
    // psi_init runs from sched_init, before anything else is timed: the clock reads 0.
    this.system = new psi_group(Math.max(1, nr_cpus), 0);
  }
}

/**
 * Sets up PSI for the machine's CPUs, as sched_init does before anything is timed. start_kernel
 * calls it once the CPU count is known; a kernel built by hand gets it on first use.
 * @kernel kernel/sched/psi.c psi_init
 */
export function psi_init(k: Kernel): psi_state {
  k.psi = new psi_state(k.nr_cpu_ids);
  return k.psi;
}

function psiState(k: Kernel): psi_state {
  return k.psi ?? psi_init(k);
}

/** The system-wide group (psi_system), which /proc/pressure reports. */
export function psi_system(k: Kernel): psi_group {
  return psiState(k).system;
}

/**
 * A new cgroup's group, started now, under its parent cgroup's (`parent` null: psi_system).
 * @kernel kernel/sched/psi.c psi_cgroup_alloc
 */
export function psi_cgroup_alloc(k: Kernel, parent: psi_group | null): psi_group {
  const st = psiState(k);
  const g = new psi_group(st.system.nr_cpus, sched_clock(k));
  g.parent = parent ?? st.system;
  return g;
}

/**
 * The group a task's changes start at: its cgroup's (cgroup_psi; the root cgroup's is
 * psi_system).
 * @kernel kernel/sched/psi.c task_psi_group
 */
export function task_psi_group(st: psi_state, t: task_struct): psi_group {
  return t.cgroups?.psi ?? st.system;
}

/** task_cpu: the CPU a task is accounted on. Simplified: the one the simulation executes on. */
function task_cpu(_t: task_struct): number {
  return PSI_EXEC_CPU;
}

/** sched_clock / cpu_clock: the simulated clock in whole nanoseconds. */
function sched_clock(k: Kernel): number {
  return Math.floor(k.now_ns);
}

/** nsecs_to_jiffies: whole ticks in `ns`. */
function nsecs_to_jiffies(ns: number): number {
  return Math.floor(ns / TICK_NSEC);
}

/**
 * Whether the task counts put the CPU in `state`; `oncpu` is whether a task is on it.
 * Memory is FULL when every running task is a memstalled one (a reclaimer is running but not
 * productive); CPU is SOME when more tasks are runnable than on the CPU.
 * @kernel kernel/sched/psi.c test_state
 */
export function test_state(tasks: Uint32Array, base: number, state: number, oncpu: boolean): boolean {
  switch (state) {
    case PSI_IO_SOME:
      return tasks[base + NR_IOWAIT] !== 0;
    case PSI_IO_FULL:
      return tasks[base + NR_IOWAIT] !== 0 && tasks[base + NR_RUNNING] === 0;
    case PSI_MEM_SOME:
      return tasks[base + NR_MEMSTALL] !== 0;
    case PSI_MEM_FULL:
      return tasks[base + NR_MEMSTALL] !== 0 && tasks[base + NR_RUNNING] === tasks[base + NR_MEMSTALL_RUNNING];
    case PSI_CPU_SOME:
      return tasks[base + NR_RUNNING] > (oncpu ? 1 : 0);
    case PSI_CPU_FULL:
      return tasks[base + NR_RUNNING] !== 0 && !oncpu;
    case PSI_NONIDLE:
      return tasks[base + NR_IOWAIT] !== 0 || tasks[base + NR_MEMSTALL] !== 0 || tasks[base + NR_RUNNING] !== 0;
    default:
      return false;
  }
}

/**
 * Fills `times` with each state's time on `cpu` since the aggregator's last look, counting the
 * state the CPU is in right now up to `now`. Returns the states that grew, with
 * PSI_STATE_RESCHEDULE when called from the avgs work and the CPU is busy.
 * @kernel kernel/sched/psi.c get_recent_times
 */
function get_recent_times(g: psi_group, cpu: number, now: number, times: Uint32Array, fromWork: boolean): number {
  let changed = 0;
  const mask = g.state_mask[cpu];
  const b = cpu * NR_PSI_STATES;
  for (let s = 0; s < NR_PSI_STATES; s++) {
    let t = g.times[b + s];
    // u32 arithmetic, as the buckets are u32: (t + now - state_start) mod 2^32
    if (mask & (1 << s)) t = (t + (now - g.state_start[cpu])) >>> 0;
    const delta = (t - g.times_prev[b + s]) >>> 0;
    g.times_prev[b + s] = t;
    times[s] = delta;
    if (delta) changed |= 1 << s;
  }
  if (fromWork) {
    // The work's own CPU is never idle while the work runs; 6.1 re-arms when another task
    // than the kworker is there (> 1). The kworker is not a task in the model, hence > 0 for
    // psi_system. A cgroup's group never counts the kworker (it lives in the root cgroup), so
    // there 6.1's "> 1" stands as written: a group whose one task sleeps in a memory stall stops
    // its clock, and the periods it misses are filled with zeroes (calc_avgs) — mc-high's group
    // throttled at memory.high shows avg10 about 50 with its total growing a second a second.
    const tb = cpu * NR_PSI_TASK_COUNTS;
    const others = g.parent === null ? 0 : 1;
    const reschedule = cpu === PSI_EXEC_CPU ? g.tasks[tb + NR_RUNNING] + g.tasks[tb + NR_IOWAIT] + g.tasks[tb + NR_MEMSTALL] > others : (changed & (1 << PSI_NONIDLE)) !== 0;
    if (reschedule) changed |= PSI_STATE_RESCHEDULE;
  }
  return changed;
}

/**
 * a1 = a0 * e + a * (1 - e) in 11-bit fixed point, rounding up when rising.
 * @kernel include/linux/sched/loadavg.h calc_load
 */
export function calc_load(load: number, exp: number, active: number): number {
  let newload = load * exp + active * (FIXED_1 - exp);
  if (active >= load) newload += FIXED_1 - 1;
  return Math.floor(newload / FIXED_1);
}

/**
 * x^n in fixed point with `frac_bits` of fraction, by squaring, rounding each product.
 * @kernel kernel/sched/loadavg.c fixed_power_int
 */
export function fixed_power_int(x: number, frac_bits: number, n: number): number {
  let result = 2 ** frac_bits;
  const half = 2 ** (frac_bits - 1);
  if (n) {
    for (;;) {
      if (n & 1) result = Math.floor((result * x + half) / 2 ** frac_bits);
      n = Math.floor(n / 2);
      if (!n) break;
      x = Math.floor((x * x + half) / 2 ** frac_bits);
    }
  }
  return result;
}

/** calc_load applied n times with the same `active`. @kernel kernel/sched/loadavg.c calc_load_n */
export function calc_load_n(load: number, exp: number, active: number, n: number): number {
  return calc_load(load, fixed_power_int(exp, FSHIFT, n), active);
}

/**
 * Decays the three averages over the periods nothing was sampled, then folds in the latest
 * sample: `time` ns stalled out of `period`, as a whole percentage.
 * @kernel kernel/sched/psi.c calc_avgs
 */
function calc_avgs(avg: Float64Array, o: number, missed_periods: number, time: number, period: number): void {
  if (missed_periods) {
    avg[o] = calc_load_n(avg[o], EXP_10s, 0, missed_periods);
    avg[o + 1] = calc_load_n(avg[o + 1], EXP_60s, 0, missed_periods);
    avg[o + 2] = calc_load_n(avg[o + 2], EXP_300s, 0, missed_periods);
  }
  const pct = Math.floor((time * 100) / period) * FIXED_1;
  avg[o] = calc_load(avg[o], EXP_10s, pct);
  avg[o + 1] = calc_load(avg[o + 1], EXP_60s, pct);
  avg[o + 2] = calc_load(avg[o + 2], EXP_300s, pct);
}

/**
 * Folds every CPU's recent times into total[], each CPU weighted by its non-idle jiffies
 * (an idle CPU weighs nothing; less than one jiffy of non-idle time also weighs nothing, and
 * that CPU's recent stall time is then dropped, as in 6.1). Returns the changed states.
 * @kernel kernel/sched/psi.c collect_percpu_times
 */
function collect_percpu_times(g: psi_group, now: number, fromWork: boolean): number {
  // The kernel's locals: u32 times[NR_PSI_STATES] per CPU, u64 deltas[NR_PSI_STATES - 1]. The
  // aggregator runs once per PSI_FREQ (2 s) of simulated time or per read: allocating is fine.
  const times = new Uint32Array(NR_PSI_STATES);
  const deltas = new Float64Array(NS);
  let nonidle_total = 0;
  let changed = 0;
  for (let cpu = 0; cpu < g.nr_cpus; cpu++) {
    changed |= get_recent_times(g, cpu, now, times, fromWork);
    const nonidle = nsecs_to_jiffies(times[PSI_NONIDLE]);
    nonidle_total += nonidle;
    for (let s = 0; s < PSI_NONIDLE; s++) deltas[s] += times[s] * nonidle;
  }
  const div = Math.max(nonidle_total, 1);
  for (let s = 0; s < NS; s++) g.total[s] += Math.floor(deltas[s] / div);
  return changed;
}

/**
 * Samples total[] growth since the last update into the averages, counting whole missed
 * periods as idle; returns the next update's due time (kept on a fixed grid of psi_period).
 * @kernel kernel/sched/psi.c update_averages
 */
function update_averages(g: psi_group, now: number): number {
  let missed_periods = 0;
  const expires = g.avg_next_update;
  if (now - expires >= psi_period) missed_periods = Math.floor((now - expires) / psi_period);
  const avg_next_update = expires + (1 + missed_periods) * psi_period;
  const period = now - (g.avg_last_update + missed_periods * psi_period);
  g.avg_last_update = now;
  for (let s = 0; s < NS; s++) {
    // u32 sample; time that slipped past the period is carried into the next one
    let sample = (g.total[s] - g.avg_total[s]) >>> 0;
    if (sample > period) sample = period;
    g.avg_total[s] += sample;
    calc_avgs(g.avg, s * 3, missed_periods, sample, period);
  }
  return avg_next_update;
}

/**
 * The instant a delayed work armed at `now` for `delay` jiffies runs: jiffies + delay, rounded
 * up to its timer wheel level's granularity (8 jiffies for delays of 63 to 503).
 * @kernel kernel/time/timer.c calc_wheel_index, calc_index
 */
function delayed_work_expiry(now: number, delay: number): number {
  const clk = nsecs_to_jiffies(now);
  const expires = clk + delay;
  let lvl = 0;
  // LVL_START(n) = 63 << ((n - 1) * 3); LVL_DEPTH 9 at HZ=250
  while (lvl < 8 && delay >= 63 * 2 ** (lvl * 3)) lvl++;
  const bucket_expiry = (Math.floor(expires / 2 ** (lvl * 3)) + 1) * 2 ** (lvl * 3);
  return bucket_expiry * TICK_NSEC;
}

function schedule_avgs_work(g: psi_group, now: number, delay: number): void {
  g.avgs_work_pending = true;
  g.avgs_work_expires = delayed_work_expiry(now, delay);
}

/**
 * The periodic aggregator, run at `now`: fold the per-CPU times, sample the averages when a
 * period is due, and re-arm while the group is busy (an idle group stops the clock; the
 * averages catch up with missed_periods when it restarts).
 * @kernel kernel/sched/psi.c psi_avgs_work
 */
function psi_avgs_work(g: psi_group, now: number): void {
  const changed = collect_percpu_times(g, now, true);
  if (now >= g.avg_next_update) g.avg_next_update = update_averages(g, now);
  if (changed & PSI_STATE_RESCHEDULE) schedule_avgs_work(g, now, nsecs_to_jiffies(g.avg_next_update - now) + 1);
}

/** Runs, each at its own instant, the avgs work expiries that passed before `now`. */
function psi_avgs_catch_up(g: psi_group, now: number): void {
  while (g.avgs_work_pending && g.avgs_work_expires <= now) {
    g.avgs_work_pending = false;
    psi_avgs_work(g, g.avgs_work_expires);
  }
}

/**
 * Charges the time since the CPU's last change to the states it was in.
 * @kernel kernel/sched/psi.c record_times
 */
function record_times(g: psi_group, cpu: number, now: number): void {
  const delta = (now - g.state_start[cpu]) >>> 0;
  g.state_start[cpu] = now;
  const mask = g.state_mask[cpu];
  const b = cpu * NR_PSI_STATES;
  // Uint32Array stores wrap modulo 2^32, as the u32 buckets do.
  if (mask & (1 << PSI_IO_SOME)) {
    g.times[b + PSI_IO_SOME] += delta;
    if (mask & (1 << PSI_IO_FULL)) g.times[b + PSI_IO_FULL] += delta;
  }
  if (mask & (1 << PSI_MEM_SOME)) {
    g.times[b + PSI_MEM_SOME] += delta;
    if (mask & (1 << PSI_MEM_FULL)) g.times[b + PSI_MEM_FULL] += delta;
  }
  if (mask & (1 << PSI_CPU_SOME)) {
    g.times[b + PSI_CPU_SOME] += delta;
    if (mask & (1 << PSI_CPU_FULL)) g.times[b + PSI_CPU_FULL] += delta;
  }
  if (mask & (1 << PSI_NONIDLE)) g.times[b + PSI_NONIDLE] += delta;
}

/**
 * Applies a task's flag change to the CPU's counts, concludes the time of the old state and
 * enters the new one; arms the averaging clock if it is stopped.
 * @kernel kernel/sched/psi.c psi_group_change
 */
function psi_group_change(k: Kernel, st: psi_state, g: psi_group, cpu: number, clear: number, set: number, wake_clock: boolean): void {
  const now = sched_clock(k);
  psi_avgs_catch_up(g, now);
  let state_mask: number;
  if (clear & TSK_ONCPU) {
    state_mask = 0;
    clear &= ~TSK_ONCPU;
  } else if (set & TSK_ONCPU) {
    state_mask = PSI_ONCPU;
    set &= ~TSK_ONCPU;
  } else {
    state_mask = g.state_mask[cpu] & PSI_ONCPU;
  }
  const tb = cpu * NR_PSI_TASK_COUNTS;
  for (let t = 0; t < NR_PSI_TASK_COUNTS; t++) {
    if (!(clear & (1 << t))) continue;
    if (g.tasks[tb + t]) g.tasks[tb + t]--;
    else if (!st.psi_bug) {
      const ts = g.tasks;
      k.log.printk(
        KERN_ERR,
        `psi: task underflow! cpu=${cpu} t=${t} tasks=[${ts[tb]} ${ts[tb + 1]} ${ts[tb + 2]} ${ts[tb + 3]}] clear=${clear.toString(16)} set=${set.toString(16)}`,
      );
      st.psi_bug = true;
    }
  }
  for (let t = 0; t < NR_PSI_TASK_COUNTS; t++) if (set & (1 << t)) g.tasks[tb + t]++;

  if (!g.enabled) {
    if (g.state_mask[cpu] & (1 << PSI_NONIDLE)) record_times(g, cpu, now);
    g.state_mask[cpu] = state_mask;
    return;
  }
  const oncpu = (state_mask & PSI_ONCPU) !== 0;
  for (let s = 0; s < NR_PSI_STATES; s++) if (test_state(g.tasks, tb, s, oncpu)) state_mask |= 1 << s;
  // A CPU busy reclaiming could run nothing productive even if something were runnable: FULL.
  if (oncpu && st.curr !== null && st.curr.in_memstall) state_mask |= 1 << PSI_MEM_FULL;
  record_times(g, cpu, now);
  g.state_mask[cpu] = state_mask;
  if (wake_clock && !g.avgs_work_pending) schedule_avgs_work(g, now, PSI_FREQ);
}

/**
 * Updates a task's psi_flags, reporting (once) a change that does not match them.
 * @kernel kernel/sched/psi.c psi_flags_change
 */
function psi_flags_change(k: Kernel, st: psi_state, t: task_struct, clear: number, set: number): void {
  if (((t.psi_flags & set) !== 0 || (t.psi_flags & clear) !== clear) && !st.psi_bug) {
    k.log.printk(
      KERN_ERR,
      `psi: inconsistent task state! task=${t.pid}:${t.comm} cpu=${task_cpu(t)} psi_flags=${t.psi_flags.toString(16)} clear=${clear.toString(16)} set=${set.toString(16)}`,
    );
    st.psi_bug = true;
  }
  t.psi_flags &= ~clear;
  t.psi_flags |= set;
}

/**
 * Clears and sets psi flags of a task (TSK_IOWAIT for an I/O wait, TSK_RUNNING…) and accounts
 * the change. The idle task (pid 0) is never accounted.
 * @kernel kernel/sched/psi.c psi_task_change
 */
export function psi_task_change(k: Kernel, t: task_struct, clear: number, set: number): void {
  if (!t.pid) return;
  const st = psiState(k);
  psi_flags_change(k, st, t, clear, set);
  const cpu = task_cpu(t);
  for (let g: psi_group | null = task_psi_group(st, t); g !== null; g = g.parent) psi_group_change(k, st, g, cpu, clear, set, true);
}

/**
 * A context switch from `prev` to `next` (null is the idle task): TSK_ONCPU moves, and a
 * `prev` going to sleep stops running (and enters an I/O wait if it was in one).
 * @kernel kernel/sched/psi.c psi_task_switch
 * @kernel kernel/sched/stats.h psi_sched_switch
 */
export function psi_task_switch(k: Kernel, prev: task_struct | null, next: task_struct | null, sleep: boolean): void {
  const st = psiState(k);
  const cpu = PSI_EXEC_CPU;
  // rq->curr is next before __schedule calls psi_sched_switch.
  st.curr = next;
  let common: psi_group | null = null;
  if (next !== null && next.pid) {
    psi_flags_change(k, st, next, 0, TSK_ONCPU);
    // Set TSK_ONCPU on next's groups; where one already has prev's, prev and next share it and
    // its ancestors, so stop there.
    for (let g: psi_group | null = task_psi_group(st, next); g !== null; g = g.parent) {
      psi_avgs_catch_up(g, sched_clock(k));
      if (g.state_mask[cpu] & PSI_ONCPU) {
        common = g;
        break;
      }
      psi_group_change(k, st, g, cpu, 0, TSK_ONCPU, true);
    }
  }
  if (prev !== null && prev.pid) {
    let clear = TSK_ONCPU;
    let set = 0;
    if (sleep) {
      clear |= TSK_RUNNING;
      if (prev.in_memstall) clear |= TSK_MEMSTALL_RUNNING;
      if (prev.in_iowait) set |= TSK_IOWAIT;
    }
    psi_flags_change(k, st, prev, clear, set);
    let g: psi_group | null = task_psi_group(st, prev);
    for (; g !== null && g !== common; g = g.parent) psi_group_change(k, st, g, cpu, clear, set, true);
    // TSK_ONCPU is handled up to the common ancestor; any other difference between the two
    // tasks (prev going to sleep, only one of them memstalled) goes on up to the root. The idle
    // task (next null) has no flags.
    if ((prev.psi_flags ^ (next?.psi_flags ?? 0)) & ~TSK_ONCPU) {
      clear &= ~TSK_ONCPU;
      for (; g !== null; g = g.parent) psi_group_change(k, st, g, cpu, clear, set, true);
    }
  }
}

/**
 * A task put on the runqueue: TSK_RUNNING (and TSK_MEMSTALL_RUNNING if memstalled); a wakeup
 * ends an I/O wait, a requeue (not a wakeup) restores a memstall.
 * @kernel kernel/sched/stats.h psi_enqueue
 */
export function psi_enqueue(k: Kernel, t: task_struct, wakeup: boolean): void {
  let clear = 0;
  let set = TSK_RUNNING;
  if (t.in_memstall) set |= TSK_MEMSTALL_RUNNING;
  if (!wakeup) {
    if (t.in_memstall) set |= TSK_MEMSTALL;
  } else if (t.in_iowait) clear |= TSK_IOWAIT;
  psi_task_change(k, t, clear, set);
}

/**
 * A task taken off the runqueue. A sleep is left to psi_task_switch; any other dequeue (here:
 * the task's end) clears every flag it has.
 * @kernel kernel/sched/stats.h psi_dequeue
 */
export function psi_dequeue(k: Kernel, t: task_struct, sleep: boolean): void {
  if (sleep || !t.psi_flags) return;
  const st = psiState(k);
  if (st.curr === t) st.curr = null;
  psi_task_change(k, t, t.psi_flags, 0);
}

/**
 * Marks the current task (k.currentPid) as stalled on memory: reclaim, compaction, a refault
 * or swap-in of a workingset page. Returns the flags to hand back to psi_memstall_leave, which
 * make nested sections count once. Time is charged as k.now_ns advances between the two.
 * @kernel kernel/sched/psi.c psi_memstall_enter
 */
export function psi_memstall_enter(k: Kernel): number {
  const current = k.tasks.find(k.currentPid) ?? kthread_current(k);
  if (!current) return 0;
  const flags = current.in_memstall ? 1 : 0;
  if (flags) return flags;
  current.in_memstall = true;
  // A kernel thread is running exactly while it does this work (the model has no run queue for
  // kthreads): it enters and leaves TSK_RUNNING with the stall, so it counts toward SOME and, as
  // one more runnable task, keeps a productive user task from making it FULL.
  const running = k.in_kthread > 0 && (current.psi_flags & TSK_RUNNING) === 0 ? TSK_RUNNING : 0;
  psi_task_change(k, current, 0, running | TSK_MEMSTALL | TSK_MEMSTALL_RUNNING);
  return 0;
}

/** The accounting task of the kernel thread running now (k.currentComm), or undefined. */
function kthread_current(k: Kernel): task_struct | undefined {
  if (k.in_kthread === 0) return undefined;
  const st = psiState(k);
  let t = st.kthreads.get(k.currentComm);
  if (t === undefined) {
    // Not in k.tasks (so never an OOM candidate or a /proc entry); a pid < 0 only keeps
    // psi_task_change's "pid 0 is the idle task" test from skipping it.
    t = new task_struct(-1 - st.kthreads.size, k.currentComm, 0, 2, null, k.now_ns);
    t.flags |= PF_KTHREAD;
    st.kthreads.set(k.currentComm, t);
  }
  return t;
}

/**
 * Ends the current task's memory stall section begun by psi_memstall_enter.
 * @kernel kernel/sched/psi.c psi_memstall_leave
 */
export function psi_memstall_leave(k: Kernel, flags: number): void {
  if (flags) return;
  const current = k.tasks.find(k.currentPid) ?? kthread_current(k);
  if (!current) return;
  current.in_memstall = false;
  // A kernel thread runs exactly while it does this work (see psi_memstall_enter).
  const running = current.flags & PF_KTHREAD ? TSK_RUNNING : 0;
  psi_task_change(k, current, running | TSK_MEMSTALL | TSK_MEMSTALL_RUNNING, 0);
}

/** LOAD_INT and LOAD_FRAC: "%lu.%02lu" of an 11-bit fixed-point value. */
function fixedText(x: number): string {
  const int = Math.floor(x / FIXED_1);
  const frac = Math.floor(((x % FIXED_1) * 100) / FIXED_1);
  return `${int}.${String(frac).padStart(2, "0")}`;
}

/**
 * The text of /proc/pressure/{io,memory,cpu} (psi_system) or a cgroup's {io,memory,cpu}.pressure
 * (its group): the "some" and "full" lines, averages in percent and total= in µs. The group is
 * brought up to date first. CPU "full" is undefined for the system and prints as zeroes there
 * (a cgroup's is printed).
 * @kernel kernel/sched/psi.c psi_show
 */
export function psi_show(k: Kernel, res: number, group: psi_group | null = null): string {
  const g = group ?? psi_system(k);
  const now = sched_clock(k);
  psi_avgs_catch_up(g, now);
  collect_percpu_times(g, now, false);
  if (now >= g.avg_next_update) g.avg_next_update = update_averages(g, now);
  let out = "";
  for (let full = 0; full < 2; full++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let total = 0;
    // CPU FULL is undefined at the system level
    if (!(g === psiState(k).system && res === PSI_CPU && full)) {
      const s = res * 2 + full;
      a0 = g.avg[s * 3];
      a1 = g.avg[s * 3 + 1];
      a2 = g.avg[s * 3 + 2];
      total = Math.floor(g.total[s] / 1000);
    }
    out += `${full ? "full" : "some"} avg10=${fixedText(a0)} avg60=${fixedText(a1)} avg300=${fixedText(a2)} total=${total}\n`;
  }
  return out;
}

/**
 * A write to a /proc/pressure file: a trigger "some|full <threshold µs> <window µs>", checked
 * as psi_trigger_create checks it (window 500 ms..10 s, threshold 1 µs..window; writers without
 * CAP_SYS_RESOURCE need a whole number of 2 s windows). Returns 0 or a negative errno.
 * Simplified: a valid trigger is accepted but not armed (nothing polls in the model), and the
 * one-trigger-per-open-file EBUSY rule does not apply (every write is a fresh open).
 * @kernel kernel/sched/psi.c psi_write, psi_trigger_create
 */
export function psi_write(data: string, privileged: boolean): number {
  const EINVAL = -22;
  if (data.length === 0) return EINVAL;
  // buf[31] = '\0': at most 31 characters are parsed
  const buf = data.slice(0, 31);
  // sscanf("some %u %u"): the literal, then two unsigned numbers after any whitespace
  const m = /^(some|full)\s*([+-]?\d+)(?!\d)\s*([+-]?\d+)/.exec(buf);
  if (!m) return EINVAL;
  const threshold_us = Number(m[2]) >>> 0;
  const window_us = Number(m[3]) >>> 0;
  if (window_us < WINDOW_MIN_US || window_us > WINDOW_MAX_US) return EINVAL;
  if (!privileged && window_us % 2000000) return EINVAL;
  if (threshold_us === 0 || threshold_us > window_us) return EINVAL;
  return 0;
}
