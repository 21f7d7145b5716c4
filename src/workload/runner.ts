/**
 * Runs a scenario on a Machine: boots it, runs the processes' programs interleaved by the
 * deterministic scheduler (src/sim/sched.ts) on the simulated clock, records a timeline of what
 * the kernel did (src/workload/timeline.ts), captures files when asked, and checks the
 * expectations at the end (src/workload/expect.ts). Same scenario and seed, same result, byte
 * for byte.
 *
 * A run can be driven a quantum at a time — `startScenario` returns a `ScenarioRun` whose
 * `step()` runs one scheduler quantum, for the explorer's Web Worker — or to the end at once:
 * `runScenario` is the loop `while (!run.done) run.step()`.
 *
 * A program that ends without `exit` leaves its process alive, holding its memory (as a program
 * blocked in pause() would) until the end of the run. What each step does is in steps.ts.
 *
 * Everything here goes through the public Machine and Process API (src/sim/index.ts); nothing
 * in src/workload reaches the kernel's objects.
 */
import { COST, Errno, KernelPanic, Machine, type MachineConfig, Scheduler, sysctlPath, machineRegistry, restoreGraph, snapshotGraph, type GraphSnapshot, type SnapshotRegistry } from "../sim/index.js";
import { checkExpectation, type ProcessOutcome } from "./expect.js";
import { fmtNs, type MachineSummary, type ProcessSummary, type RunResult } from "./result.js";
import { ScenarioError, WORK_BUDGET, type Scenario, type Step } from "./schema.js";
import { runProcessQuantum, StepContext, who, type ScenarioProcess } from "./steps.js";
import { Sequential, Stride, UniformRandom, Zipf } from "./patterns.js";
import { countedEvent, Timeline } from "./timeline.js";

export type { CaptureResult, ExpectResult, ProcessSummary, RunResult, TimelineEntry } from "./result.js";

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Tracepoints to stream (ftrace text lines to onTrace); "*" for all. */
  trace?: string[];
  onTrace?: (line: string) => void;
  /** Files to read at the end of the run. */
  cat?: string[];
  /** Called now and then with the fraction of the estimated work done (0..1). */
  onProgress?: (fraction: number) => void;
  /**
   * Called before every move of the simulated clock the run makes — between operations (a
   * syscall, a batch of page accesses, an idle stretch), many per scheduler quantum — with the
   * time before the move: the explorer samples its charts here. It may read the machine (files,
   * src/api/inspect), never change it.
   */
  onClock?: (now: number) => void;
  /** Timeline cap (default 1000 entries). */
  timelineCap?: number;
  /** Use this machine instead of booting one (tests). */
  machine?: Machine;
  /**
   * Run even when the work estimate is above WORK_BUDGET (`mmsim run --force`). Without it,
   * such a scenario is refused with a ScenarioError before the machine boots.
   */
  force?: boolean;
}

/**
 * A scenario run in progress, driven one scheduler quantum at a time.
 * @example
 * const run = startScenario(parseScenario(text, "s.yaml"));
 * while (!run.done) {
 *   run.runUntil(run.now + 10e6); // 10 ms of simulated time
 *   postMessage({ t: run.now, meminfo: run.machine.read("/proc/meminfo") });
 * }
 * const report = formatReport(run.result());
 */
export interface ScenarioRun {
  /** The machine the scenario runs on: read its files, listen to its tracepoints. */
  readonly machine: Machine;
  /** True once no process can run any more, the time limit is reached or the kernel panicked. */
  readonly done: boolean;
  /** Simulated time since boot, ns. */
  readonly now: number;
  /** Runs one scheduler quantum (idling the CPU first if nothing is ready yet). */
  step(): void;
  /**
   * Runs quanta until simulated time (ns since boot) reaches `untilNs` or the run is done. When
   * the next process is ready only after `untilNs`, the CPU idles up to it and no further.
   */
  runUntil(untilNs: number): void;
  /** The result; the run must be done (throws Error otherwise). The same object every call. */
  result(): RunResult;
  /**
   * The whole run as plain data: the machine, the programs' counters, the run queue, the
   * access patterns' PRNG states, the timeline and captures so far. `restoreRun` continues from
   * it to the byte-identical end. Callbacks (onTrace, onProgress) are not in it.
   */
  snapshot(): RunSnapshot;
}

/** A scenario run's state as plain data (ScenarioRun.snapshot); structuredClone-able, encodeSnapshot for bytes. */
export type RunSnapshot = GraphSnapshot;

/** What a restored run calls: the callbacks of RunOptions, which a snapshot does not hold. */
export type RunCallbacks = Pick<RunOptions, "onTrace" | "onProgress" | "onClock">;

/**
 * Work units of a scenario, for the progress bar and the budget: one per step, one per page
 * access a touch makes. A duration touch counts the accesses that fit in its duration if each
 * were a page-table hit (COST.access_ns), the most it can make: its real count depends on how
 * many fault.
 */
export function estimateWork(sc: Scenario): { total: number; biggest?: Step; biggestWork: number } {
  let biggest: Step | undefined;
  let biggestWork = 0;
  const steps = (list: Step[]): number =>
    list.reduce((a, s) => {
      if (s.kind === "fork") return a + s.count * (1 + steps(s.run));
      if (s.kind === "file") {
        const w = fileWork(s);
        if (w > biggestWork) {
          biggestWork = w;
          biggest = s;
        }
        return a + w;
      }
      if (s.kind === "touch") {
        const w = s.duration !== undefined ? s.duration / COST.access_ns : (s.count ?? s.window_pages) * s.repeat;
        if (w > biggestWork) {
          biggestWork = w;
          biggest = s;
        }
        return a + w;
      }
      return a + 1;
    }, 0);
  const total = sc.processes.reduce((a, p) => a + steps(p.run), 0);
  return { total, biggest, biggestWork };
}

/**
 * Work units of a file step: the pages its reads or writes cover (window_pages per pass, or
 * count calls of bs bytes), as far as the scenario says the file's size. At least one.
 */
function fileWork(s: Extract<Step, { kind: "file" }>): number {
  if (s.op !== "read" && s.op !== "write" && s.op !== "create") return 1;
  const pagesPerCall = Math.max(1, Math.ceil(s.bs / 4096));
  const perPass = s.count !== undefined ? s.count * pagesPerCall : s.window_pages;
  return Math.max(1, perPass * (s.op === "create" ? 1 : s.repeat));
}

/**
 * `machine.disks`: each disk attached as Machine.addDisk does, its ext2 filesystem made with
 * its files. A disk the library refuses (files that do not fit) is the scenario's mistake, located
 * at the disk.
 */
function attachDisks(sc: Scenario, m: Machine): void {
  for (const d of sc.machine.disks ?? []) {
    try {
      m.addDisk(d.dev, {
        size: d.size,
        ...(d.latency !== undefined ? { latency: d.latency } : {}),
        ...(d.bandwidth !== undefined ? { bandwidth: d.bandwidth } : {}),
        ...(d.rotational !== undefined ? { rotational: d.rotational } : {}),
        ...(d.read_ahead_kb !== undefined ? { readAheadKb: d.read_ahead_kb } : {}),
        ...(d.fs === "ext2" ? { ext2: { ...(d.block_size !== undefined ? { blockSize: d.block_size } : {}), files: d.files } } : {}),
      });
    } catch (e) {
      if (e instanceof RangeError || e instanceof Errno) throw new ScenarioError(sc.file, d.pos.line, d.pos.col, d.path, e.message);
      throw e;
    }
  }
}

/**
 * `cgroups:`: each group made as `mkdir -p` would under /sys/fs/cgroup, with `+memory` written to
 * each parent's cgroup.subtree_control that lacks it (so the group has the memory files), then
 * its files written in order. A value the kernel refuses is the scenario's mistake, located at
 * the value, with the kernel's errno.
 */
function makeCgroups(sc: Scenario, m: Machine): void {
  const CG = "/sys/fs/cgroup";
  for (const g of sc.cgroups) {
    let at = "";
    for (const seg of g.group.slice(1).split("/")) {
      const parent = CG + at;
      const dir = `${parent}/${seg}`;
      try {
        if (!/\bmemory\b/.test(m.read(`${parent}/cgroup.subtree_control`))) m.write(`${parent}/cgroup.subtree_control`, "+memory");
        if (!m.list(parent).includes(seg)) m.mkdir(dir);
      } catch (e) {
        if (e instanceof Errno) throw new ScenarioError(sc.file, g.pos.line, g.pos.col, `${g.path}.path`, `mkdir ${dir}: the kernel refused it (${e.code})`);
        throw e;
      }
      at += `/${seg}`;
    }
    for (const f of g.files) {
      try {
        m.write(`${CG}${g.group}/${f.name}`, f.value);
      } catch (e) {
        if (e instanceof Errno) throw new ScenarioError(sc.file, f.pos.line, f.pos.col, `${g.path}.files.${f.name}`, `the kernel refused ${JSON.stringify(f.value)} (${e.code})`);
        throw e;
      }
    }
  }
}

/** The progress bar's estimate: as estimateWork, but a duration touch at one minor fault per access. */
function progressWork(sc: Scenario): number {
  const steps = (list: Step[]): number =>
    list.reduce((a, s) => {
      if (s.kind === "fork") return a + s.count * (1 + steps(s.run));
      if (s.kind === "file") return a + fileWork(s);
      if (s.kind === "touch") {
        if (s.duration !== undefined) return a + s.duration / COST.minor_fault_ns;
        return a + (s.count ?? s.window_pages) * s.repeat;
      }
      return a + 1;
    }, 0);
  return sc.processes.reduce((a, p) => a + steps(p.run), 0);
}

/** Refuses a scenario whose work estimate is above the budget, at its heaviest touch. */
function checkBudget(sc: Scenario): void {
  const w = estimateWork(sc);
  // A run cannot outlast its time limit: every access costs at least COST.access_ns.
  const total = Math.min(w.total, sc.time_limit / COST.access_ns);
  if (total <= WORK_BUDGET) return;
  const s = w.biggest;
  const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
  const detail = `the run is estimated at ${fmt(total)} page accesses, above the budget of ${fmt(WORK_BUDGET)} (a few minutes of real time at the model's 5-20 million accesses a second): lower count, repeat or duration, or run it anyway with --force`;
  if (s) throw new ScenarioError(sc.file, s.pos.line, s.pos.col, `${s.path}.${s.kind}`, detail);
  throw new ScenarioError(sc.file, 1, 1, "", detail);
}

/** The COUNTED tracepoints (timeline.ts) the scenario's expectations count. */
function countedEvents(sc: Scenario): Set<string> {
  const out = new Set<string>();
  for (const e of sc.expect) {
    if (e.kind !== "event") continue;
    const ev = countedEvent(e.event);
    if (ev !== undefined) out.add(ev);
  }
  return out;
}

class Run implements ScenarioRun {
  readonly machine: Machine;
  /** The options as data (no callbacks, no machine), so the run can be snapshotted. */
  private readonly opts: Omit<RunOptions, "onTrace" | "onProgress" | "onClock" | "machine">;
  /** The user's callbacks: not state, left out of a snapshot and given again to restoreRun. */
  private callbacks: RunCallbacks;
  private readonly seed: number;
  private readonly tl: Timeline;
  private readonly sched: Scheduler<ScenarioProcess>;
  private readonly c: StepContext;
  private readonly machineInfo: MachineSummary;
  private readonly startNs: number;
  private readonly limitNs: number;
  private readonly totalWork: number;
  private lastProgress = -1;
  private timedOut = false;
  private panic: string | undefined;
  private finished: RunResult | null = null;

  constructor(
    private readonly sc: Scenario,
    opts: RunOptions,
  ) {
    const { onTrace, onProgress, onClock, ...data } = opts;
    delete data.machine;
    this.opts = data;
    this.callbacks = { onTrace, onProgress, onClock };
    if (!opts.force) checkBudget(sc);
    this.seed = opts.seed ?? sc.seed;
    try {
      // Disks are attached once the machine is up (attachDisks), as QEMU's virtio disks probe.
      this.machine = opts.machine ?? Machine.boot({ ...sc.machine, sysctl: undefined, disks: undefined, seed: this.seed } as MachineConfig);
    } catch (e) {
      if (e instanceof RangeError) throw new ScenarioError(sc.file, 1, 1, "machine", e.message);
      throw e;
    }
    const m = this.machine;
    // A machine given by the caller (the validation's calibrated one) gets the disks too.
    attachDisks(sc, m);
    // Machine sysctls: a value the kernel rejects is the user's mistake, located at the value.
    for (const [key, value] of Object.entries(sc.machine.sysctl ?? {})) {
      const text = Array.isArray(value) ? value.join(" ") : String(value);
      try {
        m.write(sysctlPath(key), text);
      } catch (e) {
        const p = sc.sysctl_pos[key] ?? { line: 1, col: 1 };
        if (e instanceof Errno) throw new ScenarioError(sc.file, p.line, p.col, `machine.sysctl.${key}`, e.code === "ENOENT" ? `no such sysctl (${sysctlPath(key)} does not exist)` : `the kernel refused ${JSON.stringify(text)} (${e.code})`);
        throw e;
      }
    }
    makeCgroups(sc, m);
    const sysctlShown: Record<string, string> = {};
    for (const key of Object.keys(sc.machine.sysctl ?? {})) sysctlShown[key] = m.read(sysctlPath(key)).trim();
    const info = m.info();
    this.machineInfo = {
      memory_kb: Number(/MemTotal:\s+(\d+)/.exec(m.read("/proc/meminfo"))?.[1] ?? 0),
      cpus: info.cpus,
      nodes: info.nodes,
      thp: thpMode(m),
      zones: info.zones.map((z) => ({ node: z.node, zone: z.zone, present_pages: z.presentPages, managed_pages: z.managedPages })),
      sysctl: sysctlShown,
    };
    this.tl = new Timeline(m, opts.timelineCap ?? 1000);
    this.tl.listen(opts.trace, onTrace, countedEvents(sc));
    this.startNs = m.now;
    this.limitNs = this.startNs + sc.time_limit;
    this.sched = new Scheduler<ScenarioProcess>(m);
    this.sched.beforeSpend = onClock;
    this.c = new StepContext(sc, m, this.tl, this.sched, this.seed);
    for (const ps of sc.processes) {
      const sp = this.c.newProcess(ps.name, ps.run, this.startNs + ps.start, null);
      sp.oomScoreAdj = ps.oom_score_adj;
      if (ps.cgroup !== undefined) sp.cgroup = ps.cgroup;
      if (ps.uid !== undefined) sp.uid = ps.uid;
      if (ps.cpu !== undefined) sp.cpu = ps.cpu;
    }
    this.totalWork = progressWork(sc);
  }

  get done(): boolean {
    return this.finished !== null;
  }

  get now(): number {
    return this.machine.now;
  }

  /** Log lines to the timeline; waiters whose target has gone wake; kills behind our back noticed. */
  private settle(): void {
    const c = this.c;
    this.tl.scanLog();
    for (const p of this.sched.entities) {
      if (p.waitingFor !== undefined && c.waitOver(p)) {
        p.waitingFor = undefined;
        p.readyAt = Math.max(p.readyAt, this.machine.now);
      }
      c.reapIfDead(p);
    }
  }

  step(): void {
    if (this.finished) return;
    this.settle();
    const next = this.sched.pickNext();
    if (!next) return this.finish();
    // Idle until the next process is ready, but never past the time limit.
    if (!this.sched.idleUntilReady(next, this.limitNs)) {
      this.timedOut = true;
      return this.finish();
    }
    try {
      this.sched.runQuantum(next, () => runProcessQuantum(this.c, next));
    } catch (e) {
      // vm.panic_on_oom, or nothing left to kill: the machine has halted, as a real one would.
      if (!(e instanceof KernelPanic)) throw e;
      this.panic = e.reason;
      return this.finish();
    }
    const onProgress = this.callbacks.onProgress;
    if (onProgress && this.totalWork > 0) {
      const f = Math.min(1, this.c.workDone / this.totalWork);
      if (f - this.lastProgress >= 0.005) {
        this.lastProgress = f;
        onProgress(f);
      }
    }
  }

  runUntil(untilNs: number): void {
    while (!this.finished && this.machine.now < untilNs) {
      this.settle();
      const next = this.sched.pickNext();
      if (next && next.readyAt > untilNs && untilNs < this.limitNs) {
        this.sched.spend(untilNs - this.machine.now);
        return;
      }
      this.step();
    }
  }

  result(): RunResult {
    if (!this.finished) throw new Error("the scenario run has not finished: call step() until done");
    return this.finished;
  }

  snapshot(): RunSnapshot {
    return snapshotGraph(this, runRegistry(), "run");
  }

  /** After a restore: the caller's callbacks, and the timeline listening again if the run goes on. */
  attach(callbacks: RunCallbacks): void {
    this.callbacks = { onTrace: callbacks.onTrace, onProgress: callbacks.onProgress, onClock: callbacks.onClock };
    this.sched.beforeSpend = callbacks.onClock;
    if (!this.finished) this.tl.listen(this.opts.trace, callbacks.onTrace, countedEvents(this.sc));
  }

  /** The end of the run: last log lines and kills, closing entries, files, summaries, expectations. */
  private finish(): void {
    const { sc, c, tl, machine: m } = this;
    tl.scanLog();
    for (const p of this.sched.entities) c.reapIfDead(p);
    if (this.panic !== undefined) tl.add({ t_ns: m.now, who: "kernel", event: "panic", text: `Kernel panic - not syncing: ${this.panic}; the machine halted`, where: "panic(), kernel/panic.c" });
    if (this.timedOut) tl.add({ t_ns: m.now, who: "mmsim", event: "time_limit", text: `stopped at the time limit (${fmtNs(sc.time_limit)} of simulated time)` });
    // A userfaultfd handler thread is its process's second runnable, not a process: it waits in
    // poll() for ever, as a real one does, and has no summary of its own.
    const programs = this.sched.entities.filter((p) => p.uffdHandler === undefined);
    for (const p of programs) {
      if (p.waitingFor !== undefined) tl.add({ t_ns: m.now, who: who(p), event: "still_waiting", text: `still waiting for ${p.waitingFor} at the end` });
    }
    const files = (this.opts.cat ?? []).map((path) => ({ path, text: c.readFile(null, path) }));
    const processes = programs.map(summarize);
    const outcomes = new Map<string, ProcessOutcome[]>();
    for (const p of programs) {
      const o: ProcessOutcome = {
        started: p.proc !== null,
        state: p.state,
        ...(p.exitCode !== undefined ? { exitCode: p.exitCode } : {}),
        ...(p.signal !== undefined ? { signal: p.signal } : {}),
        ...(p.proc?.alive ? { livePid: p.proc.pid } : {}),
      };
      const all = outcomes.get(p.name);
      if (all === undefined) outcomes.set(p.name, [o]);
      else all.push(o);
    }
    const expectations = [...c.expectFails, ...sc.expect.map((e) => checkExpectation(e, { m, processes: outcomes, captures: c.captures, eventCounts: tl.counts }))];
    tl.close();
    this.finished = {
      scenario: { name: sc.name, description: sc.description, file: sc.file, seed: this.seed },
      machine: this.machineInfo,
      timeline: tl.entries,
      timeline_dropped: tl.dropped,
      processes,
      captures: c.captures,
      files,
      expectations,
      ops: c.ops,
      sim_ns: m.now - this.startNs,
      end_ns: m.now,
      ...(this.panic !== undefined ? { panic: this.panic } : {}),
      ok: expectations.every((e) => e.ok),
    };
  }
}

/**
 * Boots the scenario's machine and returns the run, ready to step.
 * @throws ScenarioError for a mistake that only shows at run time (a sysctl the kernel rejects, a
 *   machine the model cannot boot) and for a run estimated above WORK_BUDGET without `force`.
 */
export function startScenario(sc: Scenario, opts: RunOptions = {}): ScenarioRun {
  return new Run(sc, opts);
}

/**
 * The registry of a run's graph: the machine's, and the run's own classes. Built when called,
 * as machineRegistry is.
 */
function runRegistry(): SnapshotRegistry {
  const m = machineRegistry();
  return {
    classes: {
      ...m.classes,
      Run: { ctor: Run, reset: { callbacks: () => ({}) } },
      StepContext: { ctor: StepContext },
      Timeline: { ctor: Timeline, reset: { unsubscribe: () => [] } },
      Scheduler: { ctor: Scheduler, reset: { beforeSpend: () => undefined } },
      Sequential: { ctor: Sequential },
      UniformRandom: { ctor: UniformRandom },
      Stride: { ctor: Stride },
      Zipf: { ctor: Zipf },
    },
    values: m.values,
  };
}

/**
 * A scenario run continued from a snapshot (ScenarioRun.snapshot): stepping it gives byte for
 * byte the /proc files, trace lines, timeline and report the snapshotted run would have given.
 * The snapshot is not consumed. `callbacks` are the run's onTrace, onProgress and onClock from now on
 * (the tracepoints streamed are the original run's `trace` option).
 * @throws SnapshotError for a snapshot of another format version or build of the model, or of
 *   a machine rather than a run.
 */
export function restoreRun(snapshot: RunSnapshot, callbacks: RunCallbacks = {}): ScenarioRun {
  const run = restoreGraph(snapshot, runRegistry(), "run");
  if (!(run instanceof Run)) throw new TypeError("the snapshot's root is not a scenario run");
  run.attach(callbacks);
  return run;
}

/**
 * Runs a validated scenario to the end: `startScenario` and steps until done.
 * @throws ScenarioError as startScenario.
 */
export function runScenario(sc: Scenario, opts: RunOptions = {}): RunResult {
  const run = startScenario(sc, opts);
  while (!run.done) run.step();
  return run.result();
}

/** The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled. */
function thpMode(m: Machine): string {
  try {
    return /\[(\w+)\]/.exec(m.read("/sys/kernel/mm/transparent_hugepage/enabled"))?.[1] ?? "";
  } catch {
    return "";
  }
}

function summarize(p: ScenarioProcess): ProcessSummary {
  const st = p.proc?.status();
  return {
    name: p.name,
    ...(st && st.comm !== p.name ? { comm: st.comm } : {}),
    pid: st?.pid ?? 0,
    ppid: st?.ppid ?? 0,
    state: p.state,
    ...(p.exitCode !== undefined ? { exit_code: p.exitCode } : {}),
    ...(p.signal ? { signal: p.signal } : {}),
    rss_kb: st?.vmRssKb ?? 0,
    anon_kb: st?.rssAnonKb ?? 0,
    file_kb: st?.rssFileKb ?? 0,
    shmem_kb: st?.rssShmemKb ?? 0,
    vm_kb: st?.vmSizeKb ?? 0,
    hwm_kb: st?.vmHwmKb ?? 0,
    minflt: st?.minflt ?? 0,
    majflt: st?.majflt ?? 0,
    ...(p.error ? { error: p.error } : {}),
  };
}
