/**
 * Runs a scenario on a Machine: boots it, runs the processes' programs interleaved by a
 * deterministic scheduler on the simulated clock, records a timeline of what the kernel did
 * (each entry naming the kernel function that acted), captures files when asked, and checks
 * the expectations at the end. Same scenario and seed, same result, byte for byte.
 *
 * The scheduler: one run queue ordered by (ready time, then the order processes were created).
 * The chosen process runs one quantum — one step, or up to one time slice of a long touch
 * (src/sim/cost.ts) — and the clock advances by what that work cost. A process that has just run
 * has the latest ready time, so busy processes take turns round-robin, as CFS would give two
 * CPU-bound tasks alternate slices; a sleeping process is ready again when its sleep ends; if
 * every process sleeps the clock jumps forward (the CPU idles). Every clock move goes through
 * Machine.advance, so kernel threads get their turn at the same points.
 *
 * A program that ends without `exit` leaves its process alive, holding its memory (as a program
 * blocked in pause() would) until the end of the run. A syscall that fails with an errno the step
 * did not expect ends the process with exit code 1, as a C program checking `if (p ==
 * MAP_FAILED) err(1, "mmap")` would; a step with `expect_error` that succeeds is a failed
 * expectation.
 *
 * Simplified: every process runs on CPU 0 whatever `cpus:` says (one run queue, no parallelism);
 * no preemption inside a step other than a touch's time slices.
 * @kernel kernel/sched/fair.c sched_slice (the time slice the quanta approximate)
 */
import type { Machine } from "../sim/machine.js";
import { Machine as MachineClass, sysctlPath } from "../sim/machine.js";
import { Errno } from "../kernel/errno.js";
import { Prng } from "../kernel/random.js";
import { formatTraceLine, type TraceRecord } from "../kernel/trace.js";
import { ProcessKilled, type Process } from "../sim/process.js";
import { KernelPanic } from "../kernel/panic.js";
import { get_mm_rss, get_mm_counter, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES } from "../mm/mm_types.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, access_addrs } from "../arch/x86/mmu.js";
import { do_exit } from "../kernel/exit.js";
import { psi_enqueue, psi_task_switch, TSK_ONCPU, TSK_RUNNING } from "../kernel/psi.js";
import { zone_names, MAX_NR_ZONES } from "../mm/mmzone.js";
import { COST } from "../sim/cost.js";
import { makeGenerator, PAGE_SIZE, type PageGenerator } from "./patterns.js";
import { sysctlPositions } from "./parse.js";
import { ScenarioError, type Expectation, type Scenario, type Step } from "./schema.js";

/** One line of the timeline. */
export interface TimelineEntry {
  /** Simulated ns since boot. */
  t_ns: number;
  /** "db[2]" — the process (or kernel thread) on whose behalf it happened. */
  who: string;
  /** A key expectations can count: a tracepoint name or a runner event (fork, exit, killed, …). */
  event: string;
  text: string;
  /** The kernel function and file that acted: "wakeup_kswapd(), mm/vmscan.c". */
  where?: string;
}

export interface ProcessSummary {
  name: string;
  pid: number;
  ppid: number;
  state: "alive" | "exited" | "killed";
  exit_code?: number;
  signal?: string;
  /** Resident set now (0 once gone), and its peak, in kB. */
  rss_kb: number;
  anon_kb: number;
  file_kb: number;
  shmem_kb: number;
  vm_kb: number;
  hwm_kb: number;
  minflt: number;
  majflt: number;
  /** The error that ended it or a step's unexpected failure. */
  error?: string;
}

export interface CaptureResult {
  label: string;
  path: string;
  t_ns: number;
  by: string;
  text: string;
}

export interface ExpectResult {
  path: string;
  line: number;
  /** What was asserted, in words. */
  what: string;
  ok: boolean;
  expected: string;
  actual: string;
}

export interface RunResult {
  scenario: { name: string; description: string; file: string; seed: number };
  machine: {
    memory_kb: number;
    cpus: number;
    nodes: number;
    thp: string;
    zones: Array<{ node: number; zone: string; present_pages: number; managed_pages: number }>;
    sysctl: Record<string, string>;
  };
  timeline: TimelineEntry[];
  /** Timeline entries not kept (past the cap). */
  timeline_dropped: number;
  processes: ProcessSummary[];
  captures: CaptureResult[];
  /** Files asked for with --cat, read at the end. */
  files: Array<{ path: string; text: string }>;
  expectations: ExpectResult[];
  /** Simulated operations: page accesses plus syscalls and other steps. */
  ops: number;
  /** Simulated time the run took, ns (from the end of boot). */
  sim_ns: number;
  /** Simulated time since boot at the end. */
  end_ns: number;
  /** Why the kernel panicked and halted the machine (vm.panic_on_oom, nothing killable), if it did. */
  panic?: string;
  ok: boolean;
}

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
  /** Timeline cap (default 1000 entries). */
  timelineCap?: number;
  /** Use this machine instead of booting one (tests). */
  machine?: Machine;
  /** Called with the machine right after boot (the CLI keeps it for free/vmstat/pmap/smem). */
  onMachine?: (m: Machine) => void;
}

/**
 * Tracepoints the timeline shows, with the kernel function that emits them and how to say
 * what happened. Frequent ones (mm_page_alloc, mm_page_free) are never on this list: listening
 * would make every allocation pay for the record.
 */
const NOTABLE: Record<string, { where: string; text: (f: TraceRecord["fields"], r: TraceRecord) => string; limit?: number }> = {
  mm_vmscan_wakeup_kswapd: {
    where: "wakeup_kswapd(), mm/vmscan.c",
    text: (f) => `woke kswapd${f.nid}: ${zoneOf(f.zid)} below its low watermark (order ${f.order}${f.gfp_flags !== undefined ? `, ${f.gfp_flags}` : ""})`,
    limit: 5,
  },
  mm_vmscan_kswapd_wake: { where: "kswapd(), mm/vmscan.c", text: (f) => `kswapd${f.nid} woke to balance node ${f.nid} up to ${zoneOf(f.zid)} (order ${f.order})`, limit: 5 },
  mm_vmscan_kswapd_sleep: { where: "kswapd_try_to_sleep(), mm/vmscan.c", text: (f) => `kswapd${f.nid} went back to sleep: every zone is above its high watermark`, limit: 5 },
  mm_vmscan_direct_reclaim_begin: { where: "try_to_free_pages(), mm/vmscan.c", text: (f) => `direct reclaim: the allocation found no zone above its min watermark (order ${f.order})`, limit: 5 },
  mm_compaction_wakeup_kcompactd: { where: "wakeup_kcompactd(), mm/compaction.c", text: (f) => `woke kcompactd${f.nid} for order ${f.order}` },
  mm_compaction_kcompactd_wake: { where: "kcompactd_do_work(), mm/compaction.c", text: (f) => `kcompactd${f.nid} compacting for order ${f.order}` },
  mm_compaction_begin: { where: "compact_zone(), mm/compaction.c", text: () => `compaction started` },
  mm_page_alloc_extfrag: {
    where: "__rmqueue_fallback(), mm/page_alloc.c",
    text: (f) => `fallback: an order-${f.alloc_order} ${mtName(f.alloc_migratetype)} allocation took an order-${f.fallback_order} ${mtName(f.fallback_migratetype)} block${f.change_ownership ? " and claimed its pageblock" : ""}`,
  },
  mark_victim: {
    where: "mark_oom_victim(), mm/oom_kill.c",
    text: (f) => `OOM killer chose ${f.comm !== undefined ? `${f.comm} (pid ${f.pid})` : `pid ${f.pid}`} as its victim${f.anon_rss !== undefined ? `: anon-rss ${f.anon_rss}kB, oom_score_adj ${f.oom_score_adj}` : ""}`,
  },
  wake_reaper: { where: "wake_oom_reaper(), mm/oom_kill.c", text: (f) => `oom_reaper woken for pid ${f.pid}` },
  oom_score_adj_update: { where: "__set_oom_adj(), fs/proc/base.c", text: (f) => `oom_score_adj of ${f.comm} set to ${f.oom_score_adj}` },
  reclaim_retry_zone: { where: "should_reclaim_retry(), mm/page_alloc.c", text: (f) => `allocation retry check on node ${f.node}` },
};

/** Kernel log lines the timeline shows, with the function that prints them. */
const DMESG_NOTABLE: Array<{ re: RegExp; event: string; where: string }> = [
  { re: /invoked oom-killer/, event: "oom", where: "out_of_memory(), mm/oom_kill.c" },
  { re: /^Out of memory: Killed process|^Memory cgroup out of memory: Killed process/, event: "oom_kill", where: "__oom_kill_process(), mm/oom_kill.c" },
  { re: /^oom_reaper: reaped process/, event: "oom_reaped", where: "oom_reap_task_mm(), mm/oom_kill.c" },
  { re: /page allocation failure/, event: "alloc_failure", where: "warn_alloc(), mm/page_alloc.c" },
  { re: /^__vm_enough_memory:/, event: "overcommit_refused", where: "__vm_enough_memory(), mm/util.c" },
  { re: /drop_caches/, event: "drop_caches", where: "drop_caches_sysctl_handler(), fs/drop_caches.c" },
  { re: /^Adding \d+k swap/, event: "swapon", where: "SYSCALL_DEFINE2(swapon), mm/swapfile.c" },
];

/** "zone DMA32" for a zone index field, "a zone" when the event does not carry one. */
function zoneOf(zid: number | string | undefined): string {
  return zid === undefined ? "a zone" : `zone ${zone_names[Number(zid)] ?? zid}`;
}

function mtName(mt: number | string): string {
  return ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"][Number(mt)] ?? `mt${mt}`;
}

interface Proc {
  name: string;
  order: number;
  steps: Step[];
  pc: number;
  readyAt: number;
  proc: Process | null;
  /** Process slot's region table: name → [start address, length]. */
  regions: Map<string, { addr: number; len: number }>;
  /** The heap's start (initial break) for brk-named regions. */
  heapStart: number;
  rng: Prng;
  done: boolean;
  waitingFor?: string;
  touch?: TouchState;
  state: "alive" | "exited" | "killed";
  exitCode?: number;
  signal?: string;
  error?: string;
  parentName?: string;
}

interface TouchState {
  step: Extract<Step, { kind: "touch" }>;
  addr: number;
  nPages: number;
  gen: PageGenerator;
  remaining: number;
  /** For duration mode: simulated ns still to spend. */
  timeLeft: number;
  faults: number;
  accesses: number;
  startNs: number;
  kind: "read" | "write" | "exec";
  /** Sequential: the next page to visit, so runs of pages go in one access_range. */
  seqNext: number;
  /** The address batch for the other patterns. */
  addrs: Float64Array;
}

/** Addresses generated and replayed per access_addrs call. */
const ADDR_BATCH = 256;

class RunFailure extends Error {}

/** Runs a validated scenario. Throws ScenarioError for a mistake that only shows at run time (a sysctl the kernel rejects). */
export function runScenario(sc: Scenario, opts: RunOptions = {}): RunResult {
  const seed = opts.seed ?? sc.seed;
  const cap = opts.timelineCap ?? 1000;
  let m: Machine;
  const bootCfg = { ...sc.machine, sysctl: undefined, seed };
  try {
    m = opts.machine ?? MachineClass.boot(bootCfg);
  } catch (e) {
    if (e instanceof RangeError) throw new ScenarioError(sc.file, 1, 1, "machine", e.message);
    throw e;
  }
  opts.onMachine?.(m);
  const k = m.kernel;
  const timeline: TimelineEntry[] = [];
  let dropped = 0;
  const add = (e: TimelineEntry): void => {
    if (timeline.length < cap) timeline.push(e);
    else dropped++;
  };
  const eventCounts = new Map<string, number>();
  const count = (ev: string): void => {
    eventCounts.set(ev, (eventCounts.get(ev) ?? 0) + 1);
  };

  // Machine sysctls: a value the kernel rejects is the user's mistake, located at the value.
  const spos = sysctlPositions.get(sc);
  for (const [key, value] of Object.entries(sc.machine.sysctl ?? {})) {
    try {
      m.write(sysctlPath(key), Array.isArray(value) ? value.join(" ") : String(value));
    } catch (e) {
      const p = spos?.get(key) ?? { line: 1, col: 1 };
      if (e instanceof Errno) throw new ScenarioError(sc.file, p.line, p.col, `machine.sysctl.${key}`, e.code === "ENOENT" ? `no such sysctl (${sysctlPath(key)} does not exist)` : `the kernel refused ${JSON.stringify(Array.isArray(value) ? value.join(" ") : String(value))} (${e.code})`);
      throw e;
    }
  }
  const sysctlShown: Record<string, string> = {};
  for (const key of Object.keys(sc.machine.sysctl ?? {})) sysctlShown[key] = m.read(sysctlPath(key)).trim();

  const machineInfo: RunResult["machine"] = {
    memory_kb: Number(/MemTotal:\s+(\d+)/.exec(m.read("/proc/meminfo"))?.[1] ?? 0),
    cpus: k.nr_cpu_ids,
    nodes: k.node_data.length,
    thp: thpMode(m),
    zones: k.zones.flatMap((z, i) => (z.present_pages ? [{ node: Math.floor(i / MAX_NR_ZONES), zone: zone_names[i % MAX_NR_ZONES], present_pages: z.present_pages, managed_pages: z.managed_pages }] : [])),
    sysctl: sysctlShown,
  };

  // Notable tracepoints → timeline; --trace → ftrace lines.
  const unsub: Array<() => void> = [];
  for (const [ev, d] of Object.entries(NOTABLE)) {
    unsub.push(
      m.trace.on(ev, (r) => {
        count(ev);
        // Reclaim's events recur thousands of times under pressure: the first few tell the
        // story, the counts in the report give the rest.
        if (d.limit !== undefined && (eventCounts.get(ev) ?? 0) > d.limit) {
          dropped++;
          return;
        }
        add({ t_ns: r.ts_nsec, who: `${r.comm}[${r.pid}]`, event: ev, text: d.text(r.fields, r), where: d.where });
      }),
    );
  }
  if (opts.trace?.length && opts.onTrace) {
    const out = opts.onTrace;
    for (const ev of opts.trace) unsub.push(m.trace.on(ev, (r) => out(formatTraceLine(r))));
  }
  let logSeen = k.log.records.length;
  const scanLog = (): void => {
    const recs = k.log.records;
    for (; logSeen < recs.length; logSeen++) {
      const r = recs[logSeen];
      for (const d of DMESG_NOTABLE) {
        if (d.re.test(r.text)) {
          count(d.event);
          add({ t_ns: r.ts_nsec, who: "kernel", event: d.event, text: r.text, where: d.where });
          break;
        }
      }
    }
  };

  const startNs = k.now_ns;
  let ops = 0;
  const procs: Proc[] = [];
  const byName = new Map<string, Proc>();
  const captures: CaptureResult[] = [];
  const expectFails: ExpectResult[] = [];
  let order = 0;
  const seedRng = new Prng(seed ^ 0x5ce7a410);

  const newProc = (name: string, steps: Step[], readyAt: number, proc: Process | null, parent?: Proc): Proc => {
    const p: Proc = {
      name,
      order: order++,
      steps,
      pc: 0,
      readyAt,
      proc,
      regions: parent ? new Map([...parent.regions].map(([n, r]) => [n, { ...r }])) : new Map(),
      heapStart: parent?.heapStart ?? 0,
      rng: new Prng(seedRng.get_random_u32()),
      done: false,
      state: "alive",
      parentName: parent?.name,
    };
    procs.push(p);
    byName.set(name, p);
    return p;
  };
  for (const ps of sc.processes) newProc(ps.name, ps.run, startNs + ps.start, null).readyAt = startNs + ps.start;

  const totalWork = estimateWork(sc);
  let workDone = 0;
  const who = (p: Proc): string => `${p.name}[${p.proc?.pid ?? "-"}]`;
  const spend = (ns: number): void => {
    if (ns > 0) m.advance(ns);
  };
  const stepWhere: Partial<Record<Step["kind"], string>> = {
    mmap: "do_mmap(), mm/mmap.c",
    munmap: "do_munmap(), mm/mmap.c",
    mprotect: "do_mprotect_pkey(), mm/mprotect.c",
    mremap: "sys_mremap(), mm/mremap.c",
    brk: "sys_brk(), mm/mmap.c",
    madvise: "do_madvise(), mm/madvise.c",
    mlock: "do_mlock(), mm/mlock.c",
    munlock: "sys_munlock(), mm/mlock.c",
    fork: "kernel_clone(), kernel/fork.c",
    exit: "do_exit(), kernel/exit.c",
    oom_score_adj: "__set_oom_adj(), fs/proc/base.c",
    write: "proc_sys_call_handler(), fs/proc/proc_sysctl.c",
    sysctl: "proc_sys_call_handler(), fs/proc/proc_sysctl.c",
    swapon: "sys_swapon(), mm/swapfile.c",
    swapoff: "sys_swapoff(), mm/swapfile.c",
  };

  const readFile = (p: Proc | null, path: string): string => {
    let resolved = path.replace(/^\/proc\/self\//, `/proc/${p?.proc?.pid ?? "self"}/`);
    resolved = resolved.replace(/\{([A-Za-z0-9_.+-]+)\}/g, (all, n: string) => String(byName.get(n)?.proc?.pid ?? all));
    try {
      return m.read(resolved);
    } catch (e) {
      if (e instanceof Errno) return `cat: ${resolved}: ${e.code === "ENOENT" ? "No such file or directory" : e.code}\n`;
      throw e;
    }
  };
  const doCaptures = (p: Proc, s: Step): void => {
    for (const c of s.capture ?? []) {
      spend(COST.proc_file_ns);
      captures.push({ label: c.label, path: c.path, t_ns: k.now_ns, by: who(p), text: readFile(p, c.path) });
    }
  };

  const finishProcess = (p: Proc, state: Proc["state"], how: string, event: string, where?: string): void => {
    p.done = true;
    p.state = state;
    p.touch = undefined;
    count(event);
    add({ t_ns: k.now_ns, who: who(p), event, text: how, ...(where ? { where } : {}) });
  };

  /** Checks whether the kernel killed a process behind our back (the OOM killer). */
  const reapIfDead = (p: Proc): boolean => {
    // A process holding its memory (program ended) can still be killed by the kernel.
    if (p.state !== "alive" || !p.proc || p.proc.alive) return false;
    const sig = p.proc.task.killedBy;
    p.signal = sig === 9 ? "SIGKILL" : sig === 11 ? "SIGSEGV" : sig === 7 ? "SIGBUS" : undefined;
    finishProcess(p, sig ? "killed" : "exited", sig ? `killed by ${p.signal ?? `signal ${sig}`}` : "exited", sig ? "killed" : "exit");
    return true;
  };

  const region = (p: Proc, s: { region: string; offset: number; length?: number }): { addr: number; len: number } => {
    const r = p.regions.get(s.region);
    if (!r) throw new RunFailure(`no mapping "${s.region}" (its mmap failed or it was unmapped)`);
    const len = s.length ?? r.len - s.offset;
    return { addr: r.addr + s.offset, len };
  };

  const beginTouch = (p: Proc, s: Extract<Step, { kind: "touch" }>): void => {
    const r = region(p, s);
    const nPages = Math.ceil(r.len / PAGE_SIZE);
    const perPass = s.count ?? nPages;
    p.touch = {
      step: s,
      addr: r.addr,
      nPages,
      gen: makeGenerator(s.pattern, nPages, p.rng),
      remaining: s.duration !== undefined ? Infinity : perPass * s.repeat,
      timeLeft: s.duration ?? Infinity,
      faults: 0,
      accesses: 0,
      startNs: k.now_ns,
      kind: s.access,
      seqNext: 0,
      addrs: new Float64Array(s.pattern.kind === "sequential" ? 0 : ADDR_BATCH),
    };
  };

  /** Runs up to one time slice of the current touch; true when the touch is finished. */
  const runTouch = (p: Proc): boolean => {
    const t = p.touch as TouchState;
    const proc = p.proc as Process;
    const opts = t.kind === "write" ? { write: true } : t.kind === "exec" ? { exec: true } : {};
    let slice = COST.timeslice_ns;
    while (slice > 0 && t.remaining > 0 && t.timeLeft > 0) {
      // The kernel moves the clock too while the accesses run (waits for swap-in, reclaim's own
      // work, kthreads that preempt): the batch took whatever passed, plus the cost table's CPU.
      const t0 = k.now_ns;
      let accesses = 0;
      let faults = 0;
      let maj = 0;
      if (t.step.pattern.kind === "sequential") {
        // A run of consecutive pages is one access_range: the MMU walk goes table by table.
        const budgetPages = Math.min(t.remaining, 512, t.nPages - t.seqNext);
        const r = proc.touch(t.addr + t.seqNext * PAGE_SIZE, budgetPages * PAGE_SIZE, opts);
        accesses = budgetPages;
        faults = r.minflt;
        maj = r.majflt;
        t.seqNext = (t.seqNext + budgetPages) % t.nPages;
      } else {
        // A batch of generated addresses goes through the MMU in one access_addrs call: the
        // buffer is the touch's own, so no allocation per access.
        const n = Math.min(t.remaining, ADDR_BATCH);
        const buf = n === ADDR_BATCH ? t.addrs : new Float64Array(n);
        for (let i = 0; i < n; i++) buf[i] = t.addr + t.gen.next() * PAGE_SIZE;
        const r = access_addrs(k, proc.task, buf, t.kind === "write" ? ACCESS_WRITE : t.kind === "exec" ? ACCESS_EXEC : ACCESS_READ);
        faults = r.minflt;
        maj = r.majflt;
        accesses = r.signal === null ? n : r.pages;
        if (r.signal !== null) {
          // As Process.touch does: the signal kills the process (an unresolved OOM fault as SIGKILL).
          const sig = r.signal === "OOM" ? "SIGKILL" : r.signal;
          const code = sig === "SIGSEGV" ? 11 : sig === "SIGBUS" ? 7 : 9;
          do_exit(k, proc.task, code);
          proc.task.killedBy = code;
          throw new ProcessKilled(proc.pid, sig, r.addr, r.si_code);
        }
      }
      spend(accesses * COST.access_ns + faults * COST.minor_fault_ns + maj * COST.major_fault_ns);
      const took = k.now_ns - t0;
      slice -= took;
      t.timeLeft -= took;
      t.remaining -= accesses;
      t.accesses += accesses;
      t.faults += faults + maj;
      ops += accesses;
      workDone += accesses;
      if (!proc.alive) return true;
    }
    return t.remaining <= 0 || t.timeLeft <= 0;
  };

  const execStep = (p: Proc, s: Step): void => {
    const proc = p.proc as Process;
    const w = who(p);
    const note = (event: string, text: string): void => {
      count(event);
      add({ t_ns: k.now_ns, who: w, event, text, ...(stepWhere[s.kind] ? { where: stepWhere[s.kind] } : {}) });
    };
    spend(COST.syscall_ns);
    ops++;
    workDone++;
    switch (s.kind) {
      case "mmap": {
        spend(COST.vma_op_ns);
        const addr = proc.mmap(s.size, { prot: s.prot, flags: s.flags, ...(s.addr !== undefined ? { addr: s.addr } : {}) });
        p.regions.set(s.name, { addr, len: s.size });
        note("mmap", `mmap ${s.name}: ${fmtSize(s.size)} ${s.prot} ${s.flags} at 0x${addr.toString(16)}`);
        return;
      }
      case "munmap": {
        const r = region(p, s);
        const before = proc.mm ? get_mm_rss(proc.mm) : 0;
        proc.munmap(r.addr, r.len);
        const freed = before - (proc.mm ? get_mm_rss(proc.mm) : 0);
        spend(COST.vma_op_ns + freed * COST.zap_pte_ns);
        const whole = r.addr === p.regions.get(s.region)?.addr && r.len >= (p.regions.get(s.region)?.len ?? 0);
        if (whole) p.regions.delete(s.region);
        note("munmap", `munmap ${s.region}${whole ? "" : ` +${fmtSize(s.offset)} ${fmtSize(r.len)}`}: ${freed} resident pages freed`);
        return;
      }
      case "mprotect": {
        const r = region(p, s);
        spend(COST.vma_op_ns);
        proc.mprotect(r.addr, r.len, s.prot);
        note("mprotect", `mprotect ${s.region} ${s.prot}`);
        return;
      }
      case "mremap": {
        const r = p.regions.get(s.region);
        if (!r) throw new RunFailure(`no mapping "${s.region}"`);
        spend(COST.vma_op_ns);
        const addr = proc.mremap(r.addr, r.len, s.size, { mayMove: s.may_move });
        note("mremap", `mremap ${s.region}: ${fmtSize(r.len)} → ${fmtSize(s.size)}${addr !== r.addr ? ` moved to 0x${addr.toString(16)}` : ""}`);
        p.regions.set(s.region, { addr, len: s.size });
        return;
      }
      case "brk": {
        spend(COST.vma_op_ns);
        const mm = proc.mm;
        if (mm && p.heapStart === 0) p.heapStart = mm.start_brk;
        const old = proc.sbrk(s.grow);
        if (s.name) p.regions.set(s.name, { addr: p.heapStart, len: Math.ceil((old + s.grow - p.heapStart) / PAGE_SIZE) * PAGE_SIZE });
        note("brk", `brk +${fmtSize(s.grow)}: break 0x${old.toString(16)} → 0x${(old + s.grow).toString(16)}`);
        return;
      }
      case "madvise": {
        const r = region(p, s);
        const before = proc.mm ? get_mm_rss(proc.mm) : 0;
        proc.madvise(r.addr, r.len, s.advice);
        const freed = Math.max(0, before - (proc.mm ? get_mm_rss(proc.mm) : 0));
        spend(COST.vma_op_ns + freed * COST.zap_pte_ns);
        note("madvise", `madvise ${s.region} ${s.advice}${freed ? `: ${freed} pages zapped` : ""}`);
        return;
      }
      case "mlock": {
        const r = region(p, s);
        const before = proc.task.min_flt;
        proc.mlock(r.addr, r.len, { onFault: s.on_fault });
        const faults = proc.task.min_flt - before;
        spend(COST.vma_op_ns + faults * COST.minor_fault_ns);
        note("mlock", `mlock${s.on_fault ? "2(MLOCK_ONFAULT)" : ""} ${s.region}`);
        return;
      }
      case "munlock": {
        const r = region(p, s);
        spend(COST.vma_op_ns);
        proc.munlock(r.addr, r.len);
        note("munlock", `munlock ${s.region}`);
        return;
      }
      case "touch":
        beginTouch(p, s);
        return;
      case "fork": {
        const rss = proc.mm ? get_mm_rss(proc.mm) : 0;
        const child = proc.fork();
        spend(COST.fork_ns + rss * COST.fork_pte_ns);
        const c = newProc(s.name, s.run, k.now_ns, child, p);
        if (s.oom_score_adj !== undefined) child.setOomScoreAdj(s.oom_score_adj);
        note("fork", `fork → ${s.name}[${child.pid}]: ${rss} resident pages now shared copy-on-write`);
        c.readyAt = k.now_ns;
        return;
      }
      case "exit": {
        const rss = proc.mm ? get_mm_rss(proc.mm) : 0;
        proc.exit(s.code);
        spend(COST.exit_ns + rss * COST.zap_pte_ns);
        p.exitCode = s.code;
        finishProcess(p, "exited", `exit(${s.code}): ${rss} resident pages released`, "exit", stepWhere.exit);
        return;
      }
      case "sleep":
        p.readyAt = k.now_ns + s.duration;
        return;
      case "oom_score_adj":
        spend(COST.proc_file_ns);
        proc.setOomScoreAdj(s.value);
        note("set_oom_score_adj", `oom_score_adj = ${s.value}`);
        return;
      case "write":
        spend(COST.proc_file_ns);
        m.write(s.path, s.value);
        note("write", `echo ${s.value} > ${s.path}`);
        return;
      case "sysctl":
        spend(COST.proc_file_ns);
        m.write(sysctlPath(s.key), s.value);
        note("sysctl", `sysctl ${s.key}=${s.value}`);
        return;
      case "swapon":
        spend(COST.proc_file_ns);
        proc.swapon(s.path, { size: s.size, priority: s.priority, kind: s.type, rotational: s.rotational, latency: s.latency, bandwidth: s.bandwidth });
        note("swapon", `swapon ${s.path} (${s.size / 1024}k${s.priority !== undefined ? `, priority ${s.priority}` : ""})`);
        return;
      case "swapoff": {
        const t0 = k.now_ns;
        spend(COST.proc_file_ns);
        proc.swapoff(s.path);
        note("swapoff", `swapoff ${s.path} in ${fmtNs(k.now_ns - t0)}`);
        return;
      }
      case "capture_only":
        return;
      case "wait": {
        const target = byName.get(s.process);
        if (!target || !target.done) {
          p.waitingFor = s.process;
          p.pc--; // run this step again when woken
        }
        return;
      }
    }
  };

  /** One quantum of process p. */
  const runQuantum = (p: Proc): void => {
    if (p.proc === null) {
      // First run: the process is created (spawned by init, like a shell starting it).
      const spec = sc.processes.find((x) => x.name === p.name);
      // Started by init, as a shell or service manager would: trace and log lines say so.
      k.currentPid = 1;
      k.currentComm = "init";
      try {
        p.proc = m.spawn({ comm: p.name, ...(spec?.oom_score_adj ? { oomScoreAdj: spec.oom_score_adj } : {}) });
      } catch (e) {
        if (e instanceof Errno) {
          p.error = `spawn failed: ${e.code}`;
          finishProcess(p, "exited", p.error, "spawn_failed");
          return;
        }
        throw e;
      }
      spend(COST.fork_ns);
      count("spawn");
      add({ t_ns: k.now_ns, who: who(p), event: "spawn", text: `started${spec?.oom_score_adj ? ` (oom_score_adj ${spec.oom_score_adj})` : ""}`, where: "kernel_clone(), kernel/fork.c" });
      p.readyAt = k.now_ns;
      return;
    }
    if (reapIfDead(p)) return;
    k.currentPid = p.proc.pid;
    k.currentComm = p.proc.comm;
    try {
      if (p.touch) {
        if (runTouch(p)) {
          const t = p.touch;
          p.touch = undefined;
          const s = t.step;
          if (!reapIfDead(p)) {
            count("touch");
            const pat = s.pattern.kind === "zipf" ? `zipf(${s.pattern.alpha})` : s.pattern.kind === "stride" ? `stride ${fmtSize(s.pattern.stride)}` : s.pattern.kind;
            add({ t_ns: k.now_ns, who: who(p), event: "touch", text: `${s.access} ${s.region} ${pat}: ${t.accesses} accesses, ${t.faults} page faults in ${fmtNs(k.now_ns - t.startNs)}`, where: "handle_mm_fault(), mm/memory.c" });
            doCaptures(p, s);
          }
        }
        p.readyAt = Math.max(p.readyAt, k.now_ns);
        return;
      }
      if (p.pc >= p.steps.length) {
        p.done = true; // holds its memory until the end (pause())
        return;
      }
      const s = p.steps[p.pc++];
      try {
        execStep(p, s);
        if (s.expect_error && s.kind !== "touch") {
          expectFails.push({ path: s.path, line: s.pos.line, what: `${s.kind} fails with ${s.expect_error}`, ok: false, expected: s.expect_error, actual: "success" });
          add({ t_ns: k.now_ns, who: who(p), event: "unexpected_success", text: `${s.kind} succeeded but ${s.expect_error} was expected (${sc.file}:${s.pos.line})` });
        }
      } catch (e) {
        if (e instanceof Errno) {
          if (s.expect_error === e.code) {
            count("expected_error");
            add({ t_ns: k.now_ns, who: who(p), event: "expected_error", text: `${describeStep(s)} failed with ${e.code}, as expected`, ...(stepWhere[s.kind] ? { where: stepWhere[s.kind] } : {}) });
          } else {
            if (s.expect_error) expectFails.push({ path: s.path, line: s.pos.line, what: `${s.kind} fails with ${s.expect_error}`, ok: false, expected: s.expect_error, actual: e.code });
            p.error = `${describeStep(s)} failed: ${e.code} (${sc.file}:${s.pos.line})`;
            count("syscall_failed");
            if (proc(p).alive) proc(p).exit(1);
            p.exitCode = 1;
            finishProcess(p, "exited", `${p.error}; exit(1)`, "syscall_failed", stepWhere[s.kind]);
            return;
          }
        } else if (e instanceof RunFailure) {
          p.error = `${describeStep(s)}: ${e.message}`;
          if (proc(p).alive) proc(p).exit(1);
          p.exitCode = 1;
          finishProcess(p, "exited", `${p.error}; exit(1)`, "step_failed");
          return;
        } else throw e;
      }
      // A touch captures when it finishes, not when it starts.
      if (!p.done && !p.touch) doCaptures(p, s);
      if (p.touch === undefined && s.kind !== "sleep" && !p.waitingFor) p.readyAt = Math.max(p.readyAt, k.now_ns);
    } catch (e) {
      if (e instanceof ProcessKilled) {
        p.signal = e.signal;
        finishProcess(p, "killed", `killed by ${e.signal}${e.addr >= 0 ? ` at 0x${e.addr.toString(16)}` : ""}`, "killed", e.signal === "SIGKILL" ? "out_of_memory(), mm/oom_kill.c" : "do_user_addr_fault(), arch/x86/mm/fault.c");
        return;
      }
      throw e;
    }
  };

  // The scheduler loop.
  let lastProgress = -1;
  const limit = startNs + sc.time_limit;
  let timedOut = false;
  let panic: string | undefined;
  for (;;) {
    scanLog();
    // Wake waiters whose target is gone.
    for (const p of procs) {
      if (p.waitingFor && byName.get(p.waitingFor)?.done && byName.get(p.waitingFor)?.state !== "alive") {
        p.waitingFor = undefined;
        p.readyAt = Math.max(p.readyAt, k.now_ns);
      }
      reapIfDead(p);
    }
    let next: Proc | null = null;
    for (const p of procs) {
      if (p.done || p.waitingFor) continue;
      if (!next || p.readyAt < next.readyAt || (p.readyAt === next.readyAt && p.order < next.order)) next = p;
    }
    if (!next) break;
    // Idle until the next process is ready, but never past the time limit.
    if (next.readyAt > k.now_ns) spend(Math.min(next.readyAt, limit) - k.now_ns);
    if (k.now_ns >= limit) {
      timedOut = true;
      break;
    }
    // Pressure accounting: the picked process wakes if it slept (sleep, wait) and is on the CPU
    // for its quantum; it leaves the CPU asleep if it now sleeps or holds its memory in pause().
    const task = next.proc?.alive ? next.proc.task : null;
    if (task) {
      if (!(task.psi_flags & TSK_RUNNING)) psi_enqueue(k, task, true);
      psi_task_switch(k, null, task, false);
    }
    try {
      runQuantum(next);
    } catch (e) {
      // vm.panic_on_oom, or nothing left to kill: the machine has halted, as a real one would.
      if (!(e instanceof KernelPanic)) throw e;
      panic = e.reason;
      break;
    }
    if (task && task.psi_flags & TSK_ONCPU) psi_task_switch(k, task, null, next.done || next.waitingFor !== undefined || next.readyAt > k.now_ns);
    if (opts.onProgress && totalWork > 0) {
      const f = Math.min(1, workDone / totalWork);
      if (f - lastProgress >= 0.005) {
        lastProgress = f;
        opts.onProgress(f);
      }
    }
  }
  scanLog();
  for (const p of procs) reapIfDead(p);
  if (panic !== undefined) add({ t_ns: k.now_ns, who: "kernel", event: "panic", text: `Kernel panic - not syncing: ${panic}; the machine halted`, where: "panic(), kernel/panic.c" });
  if (timedOut) add({ t_ns: k.now_ns, who: "mmsim", event: "time_limit", text: `stopped at the time limit (${fmtNs(sc.time_limit)} of simulated time)` });
  for (const p of procs) {
    if (p.waitingFor) add({ t_ns: k.now_ns, who: who(p), event: "still_waiting", text: `still waiting for ${p.waitingFor} at the end` });
  }

  const files = (opts.cat ?? []).map((path) => ({ path, text: readFile(null, path) }));
  const summaries = procs.map((p) => summarize(p));
  const expectations = [...expectFails, ...sc.expect.map((e) => checkExpectation(e, { m, procs: byName, captures, eventCounts }))];
  for (const u of unsub) u();
  return {
    scenario: { name: sc.name, description: sc.description, file: sc.file, seed },
    machine: machineInfo,
    timeline,
    timeline_dropped: dropped,
    processes: summaries,
    captures,
    files,
    expectations,
    ops,
    sim_ns: k.now_ns - startNs,
    end_ns: k.now_ns,
    ...(panic !== undefined ? { panic } : {}),
    ok: expectations.every((e) => e.ok),
  };
}

/** The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled. */
function thpMode(m: Machine): string {
  try {
    return /\[(\w+)\]/.exec(m.read("/sys/kernel/mm/transparent_hugepage/enabled"))?.[1] ?? "";
  } catch {
    return "";
  }
}

function proc(p: Proc): Process {
  return p.proc as Process;
}

function summarize(p: Proc): ProcessSummary {
  const pr = p.proc;
  const mm = pr?.mm ?? null;
  const kb = (pages: number): number => pages * 4;
  return {
    name: p.name,
    pid: pr?.pid ?? 0,
    ppid: pr?.task.ppid ?? 0,
    state: p.state,
    ...(p.exitCode !== undefined ? { exit_code: p.exitCode } : {}),
    ...(p.signal ? { signal: p.signal } : {}),
    rss_kb: mm ? kb(get_mm_rss(mm)) : 0,
    anon_kb: mm ? kb(get_mm_counter(mm, MM_ANONPAGES)) : 0,
    file_kb: mm ? kb(get_mm_counter(mm, MM_FILEPAGES)) : 0,
    shmem_kb: mm ? kb(get_mm_counter(mm, MM_SHMEMPAGES)) : 0,
    vm_kb: mm ? kb(mm.total_vm) : 0,
    hwm_kb: mm ? kb(Math.max(mm.hiwater_rss, get_mm_rss(mm))) : 0,
    minflt: pr?.task.min_flt ?? 0,
    majflt: pr?.task.maj_flt ?? 0,
    ...(p.error ? { error: p.error } : {}),
  };
}

/** The value of `field` in /proc-style text: "Field:  123 kB" or "field 123". */
export function fieldOf(text: string, field: string): number | undefined {
  const esc = field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`^${esc}:?\\s+(-?\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

interface CheckCtx {
  m: Machine;
  procs: Map<string, Proc>;
  captures: CaptureResult[];
  eventCounts: Map<string, number>;
}

function boundsText(e: { min?: number; max?: number; equals?: number }, unit: string): string {
  const u = unit ? ` ${unit}` : "";
  if (e.equals !== undefined) return `= ${e.equals}${u}`;
  if (e.min !== undefined && e.max !== undefined) return `${e.min}..${e.max}${u}`;
  if (e.min !== undefined) return `≥ ${e.min}${u}`;
  return `≤ ${e.max}${u}`;
}

function inBounds(v: number, e: { min?: number; max?: number; equals?: number }): boolean {
  if (e.equals !== undefined) return v === e.equals;
  return (e.min === undefined || v >= e.min) && (e.max === undefined || v <= e.max);
}

function checkExpectation(e: Expectation, c: CheckCtx): ExpectResult {
  const base = { path: e.path, line: e.pos.line };
  const numeric = (what: string, v: number | undefined, unit: string, b: { min?: number; max?: number; equals?: number }, missing: string): ExpectResult => {
    const expected = boundsText(b, unit);
    if (v === undefined) return { ...base, what, ok: false, expected, actual: missing };
    return { ...base, what, ok: inBounds(v, b), expected, actual: `${Math.round(v * 1000) / 1000}${unit ? " " + unit : ""}` };
  };
  switch (e.kind) {
    case "process": {
      const p = c.procs.get(e.process);
      const what = `process ${e.process} is ${e.state}${e.signal ? ` by ${e.signal}` : ""}`;
      if (!p || !p.proc) return { ...base, what, ok: false, expected: e.state, actual: "never started" };
      const actual = p.state === "killed" ? `killed by ${p.signal ?? "a signal"}` : p.state === "exited" ? `exited(${p.exitCode ?? 0})` : "alive";
      const ok = p.state === e.state && (!e.signal || p.signal === e.signal);
      return { ...base, what, ok, expected: e.state + (e.signal ? ` by ${e.signal}` : ""), actual };
    }
    case "meminfo":
      return numeric(`meminfo ${e.field}`, fieldOf(c.m.read("/proc/meminfo"), e.field), "kB", e, "no such field in /proc/meminfo");
    case "vmstat":
      return numeric(`vmstat ${e.field}`, fieldOf(c.m.read("/proc/vmstat"), e.field), "", e, "no such counter in /proc/vmstat");
    case "capture": {
      const cap = c.captures.find((x) => x.label === e.label);
      const what = `capture ${e.label} ${e.field}${e.since ? ` since ${e.since}` : ""}`;
      if (!cap) return { ...base, what, ok: false, expected: boundsText(e, ""), actual: "never captured (the step did not run)" };
      let v = fieldOf(cap.text, e.field);
      if (v !== undefined && e.since) {
        const s = c.captures.find((x) => x.label === e.since);
        const sv = s ? fieldOf(s.text, e.field) : undefined;
        v = sv === undefined ? undefined : v - sv;
      }
      const unit = /\bkB\b/.test(new RegExp(`^${e.field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:?.*$`, "m").exec(cap.text)?.[0] ?? "") ? "kB" : "";
      return numeric(what, v, unit, e, `no field ${e.field} in ${cap.path}`);
    }
    case "capture_lines": {
      const cap = c.captures.find((x) => x.label === e.label);
      const what = `lines of ${e.label} matching /${e.matches}/`;
      if (!cap) return { ...base, what, ok: false, expected: boundsText(e, ""), actual: "never captured (the step did not run)" };
      const re = new RegExp(e.matches);
      return numeric(what, cap.text.split("\n").filter((l) => l !== "" && re.test(l)).length, "", e, "");
    }
    case "event":
      return numeric(`event ${e.event} count`, c.eventCounts.get(e.event) ?? 0, "", e, "");
    case "dmesg": {
      const log = c.m.dmesg();
      return { ...base, what: `dmesg contains "${e.contains}"`, ok: log.includes(e.contains), expected: "present", actual: log.includes(e.contains) ? "present" : "absent" };
    }
    case "status": {
      const p = c.procs.get(e.process);
      const what = `${e.process} status ${e.field}`;
      if (!p?.proc?.alive) return { ...base, what, ok: false, expected: boundsText(e, "kB"), actual: "process not alive at the end" };
      let text: string;
      try {
        text = c.m.read(`/proc/${p.proc.pid}/status`);
      } catch {
        text = "";
      }
      return numeric(what, fieldOf(text, e.field), /kB/.test(new RegExp(`^${e.field}:.*$`, "m").exec(text)?.[0] ?? "") ? "kB" : "", e, `no field ${e.field} in status`);
    }
  }
}

function describeStep(s: Step): string {
  switch (s.kind) {
    case "mmap":
      return `mmap ${s.name} (${fmtSize(s.size)})`;
    case "touch":
    case "munmap":
    case "mprotect":
    case "madvise":
    case "mlock":
    case "munlock":
    case "mremap":
      return `${s.kind} ${s.region}`;
    case "brk":
      return `brk +${fmtSize(s.grow)}`;
    case "write":
      return `write ${s.path}`;
    case "sysctl":
      return `sysctl ${s.key}`;
    default:
      return s.kind;
  }
}

/** Work units for the progress bar: one per step, one per page access. */
function estimateWork(sc: Scenario): number {
  const steps = (list: Step[]): number =>
    list.reduce((a, s) => {
      if (s.kind === "fork") return a + 1 + steps(s.run);
      if (s.kind === "touch") {
        if (s.duration !== undefined) return a + s.duration / COST.minor_fault_ns;
        return a + (s.count ?? s.window_pages) * s.repeat;
      }
      return a + 1;
    }, 0);
  return sc.processes.reduce((a, p) => a + steps(p.run), 0);
}

/** "128M", "4K", "1.5G": sizes in the report. */
export function fmtSize(b: number): string {
  for (const [u, f] of [["T", 2 ** 40], ["G", 2 ** 30], ["M", 2 ** 20], ["K", 2 ** 10]] as const) {
    if (b >= f) {
      const v = b / f;
      return `${Number.isInteger(v) ? v : v.toFixed(1)}${u}`;
    }
  }
  return `${b}`;
}

/** Simulated durations in the report: "23.4ms". */
export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)}s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)}ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)}µs`;
  return `${ns}ns`;
}
