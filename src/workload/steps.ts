/**
 * A scenario's steps, carried out by its processes through the public Process API: each step is
 * the syscall (or /proc write, or memory access) it names, its simulated cost charged to the
 * clock (src/sim/cost.ts), and a timeline entry naming the kernel function that acted.
 *
 * A long touch runs in time slices: `runTouch` does up to one slice (COST.timeslice_ns of
 * simulated time) and returns, so the scheduler can give the CPU to another process. Sequential
 * touches go through `Process.touch` a run of pages at a time (the MMU walk goes table by table);
 * the other patterns fill a batch of addresses from their generator and go through
 * `Process.touchAddrs`. Both take faults, mlock faulted pages of VM_LOCKED mappings and deliver
 * signals the same way.
 *
 * A syscall that fails with an errno the step did not expect ends the process with exit code 1,
 * as a C program checking `if (p == MAP_FAILED) err(1, "mmap")` would; a step with
 * `expect_error` that succeeds is a failed expectation.
 */
import { COST, Errno, ProcessKilled, Prng, sysctlPath, type Machine, type Process, type Runnable, type Scheduler } from "../sim/index.js";
import { makeGenerator, PAGE_SIZE, type PageGenerator } from "./patterns.js";
import { fmtNs, fmtSize, type CaptureResult, type ExpectResult } from "./result.js";
import type { Scenario, Step } from "./schema.js";
import type { Timeline } from "./timeline.js";

/** One of the scenario's processes, as the runner tracks it. */
export interface ScenarioProcess extends Runnable {
  /** Its name in the scenario (a forked child's comm is still its parent's). */
  name: string;
  steps: Step[];
  /** The next step to run. */
  pc: number;
  /** Its named regions: name → [start address, length]. */
  regions: Map<string, { addr: number; len: number }>;
  /** The heap's start (initial break) for brk-named regions; 0 until the first brk. */
  heapStart: number;
  /** Its own PRNG for access patterns, so a pattern depends only on the seed and the process. */
  rng: Prng;
  /** The touch in progress, between time slices. */
  touch?: TouchState;
  /** The file read or write in progress, between time slices (issue 14). */
  fileIo?: FileIoState;
  state: "alive" | "exited" | "killed";
  exitCode?: number;
  signal?: string;
  error?: string;
  /** Set by the scenario for a top-level process: its oom_score_adj at spawn. */
  oomScoreAdj?: number;
  /** Set by the scenario for a top-level process: the cgroup it starts in ("/hs"). */
  cgroup?: string;
  /** Set by the scenario for a top-level process: its uid (a forked child keeps its parent's). */
  uid?: number;
  /** Its userfaultfd (the last `userfaultfd` step's descriptor), for `uffdio` steps. */
  uffd?: number;
  /**
   * Set on the handler thread of a `userfaultfd` step: a second runnable of the same process
   * (the model's tasks have one thread) that runs the handler loop instead of a program.
   */
  uffdHandler?: UffdHandler;
}

/** What a userfaultfd handler thread does (uffd_steps in steps.ts): its uffd, policy and state. */
export interface UffdHandler {
  fd: number;
  policy: "copy" | "zeropage" | "wake";
  /** Simulated ns between reading a fault and answering it (fetching the page from elsewhere). */
  latency: number;
  /** Pages filled per fault (UFFDIO_COPY length), clipped to the registered range. */
  pages: number;
  /** The registered range, to clip fills to. */
  start: number;
  end: number;
  /** The staging buffer UFFDIO_COPY copies from. */
  src: number;
  /** Messages read and not yet answered, oldest first: [address, flags] pairs. */
  queue: Array<{ address: number; wp: boolean; write: boolean }>;
  /** The process whose fault it serves. */
  owner: ScenarioProcess;
  handled: number;
}

/** The waitingFor of a task asleep in handle_userfault, and of a handler thread blocked in poll(). */
export const WAIT_USERFAULT = "userfaultfd (a page fault handled by its handler)";
export const WAIT_UFFD_POLL = "userfaultfd messages (poll)";

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
  opts: { write?: boolean; exec?: boolean };
  /** Sequential: the next page to visit, so runs of pages go in one Process.touch. */
  seqNext: number;
  /** The address batch for the other patterns. */
  addrs: Float64Array;
  /** THP counters when the touch began (thpCounters). */
  thp0: number[];
  /** The other patterns' batch in progress: its length (0: none) and the next address to replay. */
  batchLen: number;
  batchPos: number;
  /** Times the touch slept in handle_userfault. */
  uffdWaits: number;
}

/** Addresses generated and replayed per Process.touchAddrs call. */
const ADDR_BATCH = 256;
/** Pages of a sequential touch per Process.touch call: one page table's worth. */
const SEQ_RUN = 512;

/** A step that cannot run for a reason of the scenario's own (its region is gone). */
export class RunFailure extends Error {}

/** The kernel function each step stands for, for the timeline. */
export const STEP_WHERE: Partial<Record<Step["kind"], string>> = {
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
  mount: "path_mount(), fs/namespace.c",
  drop_caches: "drop_caches_sysctl_handler(), fs/drop_caches.c",
  sync: "ksys_sync(), fs/sync.c",
  msync: "sys_msync(), mm/msync.c",
  compact: "sysctl_compaction_handler(), mm/compaction.c",
  memfd: "memfd_create(), mm/memfd.c",
  cgroup: "cgroup_procs_write(), kernel/cgroup/cgroup.c",
  userfaultfd: "userfaultfd_register(), fs/userfaultfd.c",
  uffdio: "userfaultfd_ioctl(), fs/userfaultfd.c",
  kmalloc: "__kmalloc(), mm/slab_common.c",
  kfree: "kfree(), mm/slab_common.c",
  mkfiles: "do_sys_open(), fs/open.c",
  shm: "do_shmat(), ipc/shm.c",
};

/** A step in words, for messages: "mmap heap (128M)". */
export function describeStep(s: Step): string {
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
    case "msync":
      return `${s.kind} ${s.region}`;
    case "brk":
      return `brk +${fmtSize(s.grow)}`;
    case "write":
      return `write ${s.file}`;
    case "sysctl":
      return `sysctl ${s.key}`;
    case "mount":
      return `mount ${s.target}`;
    case "file":
      return `${s.op} ${s.file}`;
    default:
      return s.kind;
  }
}

/** "db[2]": a process as the timeline names it. */
export function who(p: ScenarioProcess): string {
  return `${p.name}[${p.proc?.pid ?? "-"}]`;
}

/** The state steps share: the machine, the timeline, the run queue and the run's tallies. */
export class StepContext {
  /** Each name's first process (a counted fork's first child). */
  readonly byName = new Map<string, ScenarioProcess>();
  /** Every process of each name: one, or a counted fork's children (every copy's). */
  readonly members = new Map<string, ScenarioProcess[]>();
  readonly captures: CaptureResult[] = [];
  /** Expectations the steps themselves failed (expect_error). */
  readonly expectFails: ExpectResult[] = [];
  /** Simulated operations: page accesses plus steps. */
  ops = 0;
  /** Work done, in the units of the run's work estimate (for progress). */
  workDone = 0;
  private readonly seedRng: Prng;

  constructor(
    readonly sc: Scenario,
    readonly m: Machine,
    readonly tl: Timeline,
    readonly sched: Scheduler<ScenarioProcess>,
    seed: number,
  ) {
    this.seedRng = new Prng(seed ^ 0x5ce7a410);
  }

  /** Adds a process to the run queue: a scenario's top-level one (proc null) or a forked child. */
  newProcess(name: string, steps: Step[], readyAt: number, proc: Process | null, parent?: ScenarioProcess): ScenarioProcess {
    const p: ScenarioProcess = {
      name,
      order: 0,
      steps,
      pc: 0,
      readyAt,
      proc,
      regions: parent ? new Map([...parent.regions].map(([n, r]) => [n, { ...r }])) : new Map(),
      heapStart: parent?.heapStart ?? 0,
      rng: new Prng(this.seedRng.get_random_u32()),
      done: false,
      state: "alive",
    };
    this.sched.add(p);
    const all = this.members.get(name);
    if (all === undefined) {
      this.byName.set(name, p);
      this.members.set(name, [p]);
    } else all.push(p);
    return p;
  }

  /**
   * Whether p's wait is over: a task asleep in handle_userfault is woken (or gone); a handler
   * thread in poll() has a message to read (or its process has gone); `wait: name` is over when
   * every process of that name (all of a counted fork's children) has ended.
   */
  waitOver(p: ScenarioProcess): boolean {
    const w = p.waitingFor;
    if (w === undefined) return true;
    if (w === WAIT_USERFAULT) return !p.proc?.alive || p.proc.userfaultWait === null;
    if (w === WAIT_UFFD_POLL) {
      const h = p.uffdHandler;
      if (h === undefined || !p.proc?.alive || h.owner.done) return true;
      try {
        return p.proc.uffdPending(h.fd) > 0;
      } catch (e) {
        if (e instanceof Errno) return true; // the uffd was closed: the thread's poll returns
        throw e;
      }
    }
    return this.ended(w);
  }

  /** Whether `wait: name` is over: every process of that name (all of a counted fork's children) has ended. */
  ended(name: string): boolean {
    const all = this.members.get(name);
    if (all === undefined) return false;
    for (const p of all) if (!p.done || p.state === "alive") return false;
    return true;
  }

  /** Lets simulated time pass for work done. */
  spend(ns: number): void {
    this.sched.spend(ns);
  }

  /** Reads a file for a capture or --cat; a missing one reads as cat's error line. */
  readFile(p: ScenarioProcess | null, path: string): string {
    let resolved = path.replace(/^\/proc\/self\//, `/proc/${p?.proc?.pid ?? "self"}/`);
    resolved = resolved.replace(/\{([A-Za-z0-9_.+-]+)\}/g, (all, n: string) => String(this.byName.get(n)?.proc?.pid ?? all));
    try {
      return this.m.read(resolved);
    } catch (e) {
      if (e instanceof Errno) return `cat: ${resolved}: ${e.code === "ENOENT" ? "No such file or directory" : e.code}\n`;
      throw e;
    }
  }

  /** Takes the captures a step asks for, now. */
  doCaptures(p: ScenarioProcess, s: Step): void {
    for (const c of s.capture ?? []) {
      this.spend(COST.proc_file_ns);
      this.captures.push({ label: c.label, path: c.path, t_ns: this.m.now, by: who(p), text: this.readFile(p, c.path) });
    }
  }

  /** Ends a process's program: it runs nothing more. */
  finishProcess(p: ScenarioProcess, state: ScenarioProcess["state"], how: string, event: string, where?: string): void {
    p.done = true;
    p.state = state;
    p.touch = undefined;
    p.fileIo = undefined;
    this.tl.note({ t_ns: this.m.now, who: who(p), event, text: how, ...(where ? { where } : {}) });
  }

  /** Notices when the kernel ended a process behind the program's back (the OOM killer). */
  reapIfDead(p: ScenarioProcess): boolean {
    // A handler thread ends with its process, silently: the process's own entry says how.
    if (p.uffdHandler !== undefined) {
      if (!p.done && !p.proc?.alive) {
        p.done = true;
        p.waitingFor = undefined;
      }
      return false;
    }
    // A process holding its memory (program ended) can still be killed by the kernel.
    if (p.state !== "alive" || !p.proc || p.proc.alive) return false;
    const sig = p.proc.status().killedBy;
    p.signal = sig ?? undefined;
    this.finishProcess(p, sig ? "killed" : "exited", sig ? `killed by ${sig}` : "exited", sig ? "killed" : "exit");
    return true;
  }
}

function proc(p: ScenarioProcess): Process {
  return p.proc as Process;
}

/** Resident pages of a process now. */
function rssPages(pr: Process): number {
  return pr.status().vmRssKb / (PAGE_SIZE / 1024);
}

function region(p: ScenarioProcess, s: { region: string; offset: number; length?: number }): { addr: number; len: number } {
  const r = p.regions.get(s.region);
  if (!r) throw new RunFailure(`no mapping "${s.region}" (its mmap failed or it was unmapped)`);
  const len = s.length ?? r.len - s.offset;
  return { addr: r.addr + s.offset, len };
}

function beginTouch(c: StepContext, p: ScenarioProcess, s: Extract<Step, { kind: "touch" }>): void {
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
    startNs: c.m.now,
    opts: s.access === "write" ? { write: true } : s.access === "exec" ? { exec: true } : {},
    seqNext: 0,
    addrs: new Float64Array(s.pattern.kind === "sequential" ? 0 : ADDR_BATCH),
    thp0: thpCounters(c.m),
    batchLen: 0,
    batchPos: 0,
    uffdWaits: 0,
  };
}

/** Runs up to one time slice of the current touch; true when the touch is finished. */
export function runTouch(c: StepContext, p: ScenarioProcess): boolean {
  const t = p.touch as TouchState;
  const pr = proc(p);
  let slice = COST.timeslice_ns;
  while (slice > 0 && t.remaining > 0 && t.timeLeft > 0) {
    // The kernel moves the clock too while the accesses run (waits for swap-in, reclaim's own
    // work, kthreads that preempt): the batch took whatever passed, plus the cost table's CPU.
    const t0 = c.m.now;
    let accesses: number;
    let r;
    if (t.step.pattern.kind === "sequential") {
      // A run of consecutive pages is one Process.touch: the MMU walk goes table by table.
      accesses = Math.min(t.remaining, SEQ_RUN, t.nPages - t.seqNext);
      r = pr.touch(t.addr + t.seqNext * PAGE_SIZE, accesses * PAGE_SIZE, t.opts);
      // A fault that went to a userfaultfd stopped the run at r.pages: the rest waits.
      if (r.blocked) accesses = r.pages;
      t.seqNext = (t.seqNext + accesses) % t.nPages;
    } else {
      // A batch of generated addresses goes through the MMU in one Process.touchAddrs call: the
      // buffer is the touch's own, so no allocation per access. A batch a userfault stopped is
      // finished (from where it stopped) before the next is generated.
      const buf = t.addrs;
      if (t.batchLen === 0) {
        t.batchLen = Math.min(t.remaining, ADDR_BATCH);
        t.batchPos = 0;
        for (let i = 0; i < t.batchLen; i++) buf[i] = t.addr + t.gen.next() * PAGE_SIZE;
      }
      accesses = t.batchLen - t.batchPos;
      r = t.batchPos === 0 ? pr.touchAddrs(buf, accesses, t.opts) : pr.touchAddrs(buf.subarray(t.batchPos, t.batchLen), accesses, t.opts);
      if (r.blocked) accesses = r.pages;
      t.batchPos += accesses;
      if (t.batchPos >= t.batchLen) t.batchLen = 0;
    }
    // The fault that went to the uffd cost its entry (a minor fault's CPU); the task sleeps now.
    c.spend(accesses * COST.access_ns + (r.minflt + (r.blocked ? 1 : 0)) * COST.minor_fault_ns + r.majflt * COST.major_fault_ns);
    const took = c.m.now - t0;
    slice -= took;
    t.timeLeft -= took;
    t.remaining -= accesses;
    t.accesses += accesses;
    t.faults += r.minflt + r.majflt;
    c.ops += accesses;
    c.workDone += accesses;
    if (!pr.alive) return true;
    if (r.blocked) {
      t.uffdWaits++;
      p.waitingFor = WAIT_USERFAULT;
      return false;
    }
  }
  return t.remaining <= 0 || t.timeLeft <= 0;
}

/** Carries out one step (a touch only starts here: runTouch does its slices). */
export function execStep(c: StepContext, p: ScenarioProcess, s: Step): void {
  const pr = proc(p);
  const w = who(p);
  const m = c.m;
  const note = (event: string, text: string): void => {
    c.tl.note({ t_ns: m.now, who: w, event, text, ...(STEP_WHERE[s.kind] ? { where: STEP_WHERE[s.kind] } : {}) });
  };
  c.spend(COST.syscall_ns);
  c.ops++;
  c.workDone++;
  switch (s.kind) {
    case "mmap": {
      c.spend(COST.vma_op_ns);
      if (s.file !== undefined) {
        mmapFile(c, p, s);
        note("mmap", `mmap ${s.name}: ${fmtSize(s.size)} of ${s.file}${s.offset ? ` from ${fmtSize(s.offset)}` : ""} ${s.prot} ${s.flags} at 0x${(p.regions.get(s.name)?.addr ?? 0).toString(16)}`);
        return;
      }
      const addr = pr.mmap(s.size, { prot: s.prot, flags: s.flags, ...(s.addr !== undefined ? { addr: s.addr } : {}) });
      p.regions.set(s.name, { addr, len: s.size });
      note("mmap", `mmap ${s.name}: ${fmtSize(s.size)} ${s.prot} ${s.flags} at 0x${addr.toString(16)}`);
      return;
    }
    case "munmap": {
      const r = region(p, s);
      const before = rssPages(pr);
      pr.munmap(r.addr, r.len);
      const freed = before - rssPages(pr);
      c.spend(COST.vma_op_ns + freed * COST.zap_pte_ns);
      const whole = r.addr === p.regions.get(s.region)?.addr && r.len >= (p.regions.get(s.region)?.len ?? 0);
      if (whole) p.regions.delete(s.region);
      note("munmap", `munmap ${s.region}${whole ? "" : ` +${fmtSize(s.offset)} ${fmtSize(r.len)}`}: ${freed} resident pages freed`);
      return;
    }
    case "mprotect": {
      const r = region(p, s);
      c.spend(COST.vma_op_ns);
      pr.mprotect(r.addr, r.len, s.prot);
      note("mprotect", `mprotect ${s.region} ${s.prot}`);
      return;
    }
    case "mremap": {
      const r = p.regions.get(s.region);
      if (!r) throw new RunFailure(`no mapping "${s.region}"`);
      c.spend(COST.vma_op_ns);
      const addr = pr.mremap(r.addr, r.len, s.size, { mayMove: s.may_move });
      note("mremap", `mremap ${s.region}: ${fmtSize(r.len)} → ${fmtSize(s.size)}${addr !== r.addr ? ` moved to 0x${addr.toString(16)}` : ""}`);
      p.regions.set(s.region, { addr, len: s.size });
      return;
    }
    case "brk": {
      c.spend(COST.vma_op_ns);
      if (p.heapStart === 0) p.heapStart = pr.status().startBrk;
      const old = pr.sbrk(s.grow);
      if (s.name) p.regions.set(s.name, { addr: p.heapStart, len: Math.ceil((old + s.grow - p.heapStart) / PAGE_SIZE) * PAGE_SIZE });
      note("brk", `brk +${fmtSize(s.grow)}: break 0x${old.toString(16)} → 0x${(old + s.grow).toString(16)}`);
      return;
    }
    case "madvise": {
      const r = region(p, s);
      const before = rssPages(pr);
      pr.madvise(r.addr, r.len, s.advice);
      const freed = Math.max(0, before - rssPages(pr));
      c.spend(COST.vma_op_ns + freed * COST.zap_pte_ns);
      note("madvise", `madvise ${s.region} ${s.advice}${freed ? `: ${freed} pages zapped` : ""}`);
      return;
    }
    case "mlock": {
      const r = region(p, s);
      const before = pr.status().minflt;
      pr.mlock(r.addr, r.len, { onFault: s.on_fault });
      const faults = pr.status().minflt - before;
      c.spend(COST.vma_op_ns + faults * COST.minor_fault_ns);
      note("mlock", `mlock${s.on_fault ? "2(MLOCK_ONFAULT)" : ""} ${s.region}`);
      return;
    }
    case "munlock": {
      const r = region(p, s);
      c.spend(COST.vma_op_ns);
      pr.munlock(r.addr, r.len);
      note("munlock", `munlock ${s.region}`);
      return;
    }
    case "touch":
      beginTouch(c, p, s);
      return;
    case "fork": {
      // A counted fork is the parent's loop of fork() calls (rkx's forkn): each child is made,
      // costed and noted in turn; a fork that fails ends the loop as the step's errno.
      for (let i = 0; i < s.count; i++) {
        const rss = rssPages(pr);
        const child = pr.fork();
        c.spend(COST.fork_ns + rss * COST.fork_pte_ns);
        const ch = c.newProcess(s.name, s.run, m.now, child, p);
        // The child runs on the fork's `cpu`, else its parent's.
        const cpu = s.cpu ?? p.cpu;
        if (cpu !== undefined) ch.cpu = cpu;
        if (s.oom_score_adj !== undefined) child.setOomScoreAdj(s.oom_score_adj);
        note("fork", `fork → ${s.name}[${child.pid}]: ${rss} resident pages now shared copy-on-write`);
        ch.readyAt = m.now;
      }
      return;
    }
    case "exit": {
      const rss = rssPages(pr);
      pr.exit(s.code);
      c.spend(COST.exit_ns + rss * COST.zap_pte_ns);
      p.exitCode = s.code;
      c.finishProcess(p, "exited", `exit(${s.code}): ${rss} resident pages released`, "exit", STEP_WHERE.exit);
      return;
    }
    case "sleep":
      p.readyAt = m.now + s.duration;
      return;
    case "oom_score_adj":
      c.spend(COST.proc_file_ns);
      pr.setOomScoreAdj(s.value);
      note("set_oom_score_adj", `oom_score_adj = ${s.value}`);
      return;
    case "write":
      c.spend(COST.proc_file_ns);
      pr.writeFile(s.file, s.value);
      note("write", `echo ${s.value} > ${s.file}`);
      return;
    case "sysctl":
      c.spend(COST.proc_file_ns);
      pr.writeFile(sysctlPath(s.key), s.value);
      note("sysctl", `sysctl ${s.key}=${s.value}`);
      return;
    case "swapon":
      c.spend(COST.proc_file_ns);
      pr.swapon(s.file, { size: s.size, priority: s.priority, kind: s.type, rotational: s.rotational, latency: s.latency, bandwidth: s.bandwidth });
      note("swapon", `swapon ${s.file} (${s.size / 1024}k${s.priority !== undefined ? `, priority ${s.priority}` : ""})`);
      return;
    case "swapoff": {
      const t0 = m.now;
      c.spend(COST.proc_file_ns);
      pr.swapoff(s.file);
      note("swapoff", `swapoff ${s.file} in ${fmtNs(m.now - t0)}`);
      return;
    }
    case "mount":
    case "file":
    case "drop_caches":
    case "sync":
    case "msync":
      execFileStep(c, p, s, note);
      return;
    case "compact": {
      // compact_nodes (or compact_store for one node) runs in the writer's context.
      const file = s.node === null ? "/proc/sys/vm/compact_memory" : `/sys/devices/system/node/node${s.node}/compact`;
      const moved0 = vmCounter(m, "pgmigrate_success");
      c.spend(COST.proc_file_ns);
      pr.writeFile(file, "1");
      note("compact", `echo 1 > ${file}: ${vmCounter(m, "pgmigrate_success") - moved0} pages migrated`);
      return;
    }
    case "kmalloc": {
      const t0 = m.now;
      const made = pr.kmalloc({ size: s.size, ...(s.cache !== null ? { cache: s.cache } : {}), count: s.count, gfp: s.gfp, leak: s.leak });
      const what = s.cache !== null ? `${s.cache} objects` : `kmalloc(${s.size})`;
      note("kmalloc", `${made} × ${what}, ${s.gfp}${s.leak ? ", leaked" : ""}${made < s.count ? ` (${s.count - made} failed)` : ""} in ${fmtNs(m.now - t0)}`);
      return;
    }
    case "mkfiles": {
      const t0 = m.now;
      for (let i = 0; i < s.count; i++) {
        pr.close(pr.open(`${s.dir}/f${String(i).padStart(6, "0")}`, "w|create|excl"));
        c.spend(2 * COST.syscall_ns);
      }
      note("mkfiles", `${s.count} files in ${s.dir} in ${fmtNs(m.now - t0)}`);
      return;
    }
    case "kfree": {
      const n = pr.kfree(s.count ?? undefined);
      note("kfree", `${n} objects freed`);
      return;
    }
    case "memfd": {
      c.spend(COST.vma_op_ns);
      const fd = pr.memfdCreate(s.name, s.seals ? "allow_sealing" : 0);
      try {
        pr.ftruncate(fd, s.size);
        if (s.seals) pr.addSeals(fd, s.seals);
        const addr = pr.mmap(s.size, { prot: s.prot, flags: s.flags, fd });
        p.regions.set(s.name, { addr, len: s.size });
        note("memfd", `memfd_create ${s.name}: ${fmtSize(s.size)}${s.seals ? `, sealed ${s.seals}` : ""}, mapped ${s.prot} ${s.flags} at 0x${addr.toString(16)}`);
      } finally {
        closeQuietly(pr, fd);
      }
      return;
    }
    case "cgroup": {
      const procs = `/sys/fs/cgroup${s.group === "/" ? "" : s.group}/cgroup.procs`;
      c.spend(COST.proc_file_ns);
      pr.writeFile(procs, String(pr.pid));
      note("cgroup", `echo ${pr.pid} > ${procs}`);
      return;
    }
    case "shm": {
      c.spend(COST.vma_op_ns);
      const id = pr.shmget(s.key === 0 ? "private" : s.key, s.size, s.create === "none" ? "" : s.create, s.mode);
      const addr = pr.shmat(id, { flags: s.rdonly ? "rdonly" : 0 });
      p.regions.set(s.name, { addr, len: Math.ceil(s.size / 4096) * 4096 });
      if (s.rmid) pr.shmctl(id, "rmid");
      const key = s.key === 0 ? "IPC_PRIVATE" : `key 0x${s.key.toString(16)}`;
      note("shm", `shmget ${key}: ${fmtSize(s.size)} segment ${id}, attached ${s.rdonly ? "read-only " : ""}at 0x${addr.toString(16)}${s.rmid ? ", removed (IPC_RMID: it goes at the last detach)" : ""}`);
      return;
    }
    case "userfaultfd":
      execUserfaultfd(c, p, s, note);
      return;
    case "uffdio":
      execUffdio(c, p, s, note);
      return;
    case "capture_only":
      return;
    case "wait": {
      if (!c.ended(s.process)) {
        p.waitingFor = s.process;
        p.pc--; // run this step again when woken
      }
      return;
    }
  }
}

/** A step that succeeded although its expect_error said it would fail: a failed expectation. */
function unexpectedSuccess(c: StepContext, p: ScenarioProcess, s: Step): void {
  c.expectFails.push({ path: s.path, line: s.pos.line, what: `${s.kind} fails with ${s.expect_error}`, ok: false, expected: s.expect_error ?? "", actual: "success" });
  c.tl.add({ t_ns: c.m.now, who: who(p), event: "unexpected_success", text: `${s.kind} succeeded but ${s.expect_error} was expected (${c.sc.file}:${s.pos.line})` });
}

/**
 * A step's syscall failed with errno e: as expected (noted; the program goes on), or not (the
 * program ends with exit(1), as `err(1, …)` would). True when the process has finished.
 */
function stepErrno(c: StepContext, p: ScenarioProcess, s: Step, e: Errno): boolean {
  const m = c.m;
  if (s.expect_error === e.code) {
    c.tl.note({ t_ns: m.now, who: who(p), event: "expected_error", text: `${describeStep(s)} failed with ${e.code}, as expected`, ...(STEP_WHERE[s.kind] ? { where: STEP_WHERE[s.kind] } : {}) });
    return false;
  }
  if (s.expect_error) c.expectFails.push({ path: s.path, line: s.pos.line, what: `${s.kind} fails with ${s.expect_error}`, ok: false, expected: s.expect_error, actual: e.code });
  p.error = `${describeStep(s)} failed: ${e.code} (${c.sc.file}:${s.pos.line})`;
  if (proc(p).alive) proc(p).exit(1);
  p.exitCode = 1;
  c.finishProcess(p, "exited", `${p.error}; exit(1)`, "syscall_failed", STEP_WHERE[s.kind]);
  return true;
}

/**
 * One quantum of process p: its first run spawns it (as init would); after that, the next slice
 * of its touch in progress, or its next step.
 */
export function runProcessQuantum(c: StepContext, p: ScenarioProcess): void {
  const m = c.m;
  if (p.proc === null) {
    // First run: the process is created (spawned by init, like a shell starting it).
    try {
      p.proc = m.spawn({ comm: p.name, ...(p.oomScoreAdj ? { oomScoreAdj: p.oomScoreAdj } : {}), ...(p.cgroup !== undefined && p.cgroup !== "/" ? { cgroup: p.cgroup } : {}), ...(p.uid ? { uid: p.uid } : {}) });
    } catch (e) {
      if (e instanceof Errno) {
        p.error = `spawn failed: ${e.code}`;
        c.finishProcess(p, "exited", p.error, "spawn_failed");
        return;
      }
      throw e;
    }
    c.spend(COST.fork_ns);
    const extra = [p.oomScoreAdj ? `oom_score_adj ${p.oomScoreAdj}` : "", p.uid ? `uid ${p.uid}` : "", p.cgroup !== undefined && p.cgroup !== "/" ? `in cgroup ${p.cgroup}` : ""].filter((x) => x !== "");
    c.tl.note({ t_ns: m.now, who: who(p), event: "spawn", text: `started${extra.length ? ` (${extra.join(", ")})` : ""}`, where: "kernel_clone(), kernel/fork.c" });
    p.readyAt = m.now;
    return;
  }
  if (p.uffdHandler) {
    runUffdHandler(c, p, p.uffdHandler);
    return;
  }
  if (c.reapIfDead(p)) return;
  try {
    if (p.fileIo) {
      const f = p.fileIo;
      let done: boolean;
      try {
        done = runFileIo(c, p);
      } catch (e) {
        if (!(e instanceof Errno)) throw e;
        // The write that found the filesystem full (or the read that failed): the program
        // stops its loop, closes the file, and the step has failed with that errno.
        p.fileIo = undefined;
        closeQuietly(proc(p), f.fd);
        if (!stepErrno(c, p, f.step, e)) c.doCaptures(p, f.step);
        p.readyAt = Math.max(p.readyAt, m.now);
        return;
      }
      if (done) {
        p.fileIo = undefined;
        if (!c.reapIfDead(p)) {
          finishFileIo(c, p, f);
          if (f.step.expect_error) unexpectedSuccess(c, p, f.step);
          c.doCaptures(p, f.step);
        }
      }
      p.readyAt = Math.max(p.readyAt, m.now);
      return;
    }
    if (p.touch) {
      if (runTouch(c, p)) {
        const t = p.touch;
        p.touch = undefined;
        const s = t.step;
        if (!c.reapIfDead(p)) {
          const pat = s.pattern.kind === "zipf" ? `zipf(${s.pattern.alpha})` : s.pattern.kind === "stride" ? `stride ${fmtSize(s.pattern.stride)}` : s.pattern.kind;
          const waits = t.uffdWaits > 0 ? `, ${t.uffdWaits} of them handled by its userfaultfd` : "";
          c.tl.note({ t_ns: m.now, who: who(p), event: "touch", text: `${s.access} ${s.region} ${pat}: ${t.accesses} accesses, ${t.faults} page faults${waits} in ${fmtNs(m.now - t.startNs)}`, where: "handle_mm_fault(), mm/memory.c" });
          noteThp(c, p, t.thp0);
          c.doCaptures(p, s);
        }
      }
      p.readyAt = Math.max(p.readyAt, m.now);
      return;
    }
    if (p.pc >= p.steps.length) {
      p.done = true; // holds its memory until the end (pause())
      return;
    }
    const s = p.steps[p.pc++];
    const thp0 = THP_STEPS.has(s.kind) ? thpCounters(m) : null;
    try {
      execStep(c, p, s);
      if (thp0 !== null) noteThp(c, p, thp0);
      // A file read or write in progress succeeds or fails when it ends (finishFileIo).
      if (s.expect_error && s.kind !== "touch" && !p.fileIo) unexpectedSuccess(c, p, s);
    } catch (e) {
      if (e instanceof Errno) {
        if (stepErrno(c, p, s, e)) return;
      } else if (e instanceof RunFailure) {
        p.error = `${describeStep(s)}: ${e.message}`;
        if (proc(p).alive) proc(p).exit(1);
        p.exitCode = 1;
        c.finishProcess(p, "exited", `${p.error}; exit(1)`, "step_failed");
        return;
      } else throw e;
    }
    // A touch (or a file read or write) captures when it finishes, not when it starts; a wait
    // when it is over, not when it blocks.
    if (!p.done && !p.touch && !p.fileIo && p.waitingFor === undefined) c.doCaptures(p, s);
    if (p.touch === undefined && s.kind !== "sleep" && p.waitingFor === undefined) p.readyAt = Math.max(p.readyAt, m.now);
  } catch (e) {
    if (e instanceof ProcessKilled) {
      p.signal = e.signal;
      c.finishProcess(p, "killed", `killed by ${e.signal}${e.addr >= 0 ? ` at 0x${e.addr.toString(16)}` : ""}`, "killed", e.signal === "SIGKILL" ? "out_of_memory(), mm/oom_kill.c" : "do_user_addr_fault(), arch/x86/mm/fault.c");
      return;
    }
    throw e;
  }
}

// ---- THP: the timeline's huge page events (hp2) -------------------------------------------
// 6.1 has no tracepoint for a THP fault, a fallback or a split (mm_collapse_huge_page, which
// collapses emit, is in timeline.ts's NOTABLE), so the runner reads their vmstat counters
// around each step that can move them and names what changed, with the function that counts it.

/** The counters followed, with the entry's event name, its words and the kernel function. */
const THP_EVENTS: ReadonlyArray<{ counter: string; event: string; text: (n: number) => string; where: string }> = Object.freeze([
  { counter: "thp_fault_alloc", event: "thp_fault", text: (n: number) => `${n} huge page fault${n === 1 ? "" : "s"}: 2 MiB mapped by one PMD each`, where: "do_huge_pmd_anonymous_page(), mm/huge_memory.c" },
  { counter: "thp_fault_fallback", event: "thp_fault_fallback", text: (n: number) => `${n} huge page fault${n === 1 ? "" : "s"} fell back to 4 KiB pages (no free order-9 block)`, where: "do_huge_pmd_anonymous_page(), mm/huge_memory.c" },
  { counter: "thp_split_pmd", event: "thp_split_pmd", text: (n: number) => `${n} huge PMD${n === 1 ? "" : "s"} split into 512 PTEs`, where: "__split_huge_pmd(), mm/huge_memory.c" },
  { counter: "thp_split_page", event: "thp_split_page", text: (n: number) => `${n} huge page${n === 1 ? "" : "s"} split into 4 KiB pages`, where: "split_huge_page_to_list(), mm/huge_memory.c" },
].map((e) => Object.freeze(e)));

/** The steps whose work can fault, split or free a THP (a touch is followed from start to end). */
const THP_STEPS: ReadonlySet<string> = new Set(["madvise", "munmap", "mprotect", "mremap", "mlock", "munlock", "fork", "exit", "write", "sysctl"]);

/** One /proc/vmstat counter now. */
function vmCounter(m: Machine, name: string): number {
  const text = m.read("/proc/vmstat");
  const i = text.indexOf(`\n${name} `);
  return i < 0 ? 0 : parseInt(text.slice(i + name.length + 2), 10);
}

/** The THP_EVENTS counters now, from /proc/vmstat. */
function thpCounters(m: Machine): number[] {
  const text = m.read("/proc/vmstat");
  return THP_EVENTS.map((e) => {
    const i = text.indexOf(`\n${e.counter} `);
    return i < 0 ? 0 : parseInt(text.slice(i + e.counter.length + 2), 10);
  });
}

/** A timeline entry for each THP counter that moved since `before`. */
function noteThp(c: StepContext, p: ScenarioProcess, before: number[]): void {
  const now = thpCounters(c.m);
  for (let i = 0; i < THP_EVENTS.length; i++) {
    const n = now[i] - before[i];
    if (n > 0) c.tl.note({ t_ns: c.m.now, who: who(p), event: THP_EVENTS[i].event, text: THP_EVENTS[i].text(n), where: THP_EVENTS[i].where });
  }
}

// ---- Files and the page cache (issue 14): mount, file, drop_caches, mmap of a file ----------

type FileStep = Extract<Step, { kind: "file" }>;

/** A file read or write in progress (`file:` op read, write or create), between time slices. */
interface FileIoState {
  step: FileStep;
  fd: number;
  write: boolean;
  /** The window: bytes [base, end) of the file, in blocks of step.bs. */
  base: number;
  end: number;
  gen: PageGenerator;
  /** Calls still to make. */
  remaining: number;
  calls: number;
  bytes: number;
  startNs: number;
}

/** close(2) on a path where the step has already failed: a second error changes nothing. */
function closeQuietly(pr: Process, fd: number): void {
  try {
    if (pr.alive) pr.close(fd);
  } catch (e) {
    if (!(e instanceof Errno)) throw e;
  }
}

/** mkdir -p: each missing directory of `dir`, as the real harness's `mkdir -p /mnt/t` before mount. */
function mkdirP(c: StepContext, pr: Process, dir: string): void {
  let at = "";
  for (const part of dir.split("/").filter((x) => x !== "")) {
    at += "/" + part;
    c.spend(COST.syscall_ns);
    try {
      pr.mkdir(at);
    } catch (e) {
      if (!(e instanceof Errno) || e.code !== "EEXIST") throw e;
    }
  }
}

/** An mmap step with `file:`: open (read-write for a writable shared mapping), mmap, close. */
function mmapFile(c: StepContext, p: ScenarioProcess, s: Extract<Step, { kind: "mmap" }>): void {
  const pr = proc(p);
  const shared = /shared/i.test(s.flags);
  const fd = pr.open(s.file as string, shared && /w/i.test(s.prot) ? "rw" : "r");
  c.spend(COST.syscall_ns);
  try {
    const addr = pr.mmap(s.size, { prot: s.prot, flags: s.flags, fd, offset: s.offset ?? 0, ...(s.addr !== undefined ? { addr: s.addr } : {}) });
    p.regions.set(s.name, { addr, len: s.size });
  } finally {
    // The mapping holds the file; the descriptor is not needed any more.
    closeQuietly(pr, fd);
  }
}

/** The mount, file, drop_caches, sync and msync steps (a read or write only starts here: runFileIo does its slices). */
function execFileStep(c: StepContext, p: ScenarioProcess, s: Extract<Step, { kind: "mount" | "file" | "drop_caches" | "sync" | "msync" }>, note: (event: string, text: string) => void): void {
  const pr = proc(p);
  switch (s.kind) {
    case "sync": {
      const t0 = c.m.now;
      const w0 = vmCounter(c.m, "nr_written");
      pr.sync();
      note("sync", `sync: ${vmCounter(c.m, "nr_written") - w0} pages written in ${fmtNs(c.m.now - t0)}`);
      return;
    }
    case "msync": {
      const r = region(p, s);
      const t0 = c.m.now;
      const w0 = vmCounter(c.m, "nr_written");
      pr.msync(r.addr, r.len, s.flags);
      const whole = r.addr === p.regions.get(s.region)?.addr && r.len >= (p.regions.get(s.region)?.len ?? 0);
      const flags = s.flags.split("|").map((w) => `MS_${w.toUpperCase()}`).join("|");
      note("msync", `msync ${s.region}${whole ? "" : ` +${fmtSize(s.offset)} ${fmtSize(r.len)}`} ${flags}: ${vmCounter(c.m, "nr_written") - w0} pages written in ${fmtNs(c.m.now - t0)}`);
      return;
    }
    case "mount": {
      mkdirP(c, pr, s.target);
      c.spend(COST.vma_op_ns);
      pr.mount(s.target, {
        fstype: s.fstype,
        ...(s.source !== undefined ? { source: s.source } : {}),
        ...(s.size !== undefined ? { size: s.size } : {}),
        ...(s.nr_inodes !== undefined ? { nrInodes: s.nr_inodes } : {}),
        ...(s.huge !== undefined ? { huge: s.huge } : {}),
        ...(s.readonly ? { readonly: true } : {}),
      });
      const o = [s.readonly ? "ro" : "", s.size !== undefined ? `size=${typeof s.size === "number" ? fmtSize(s.size) : s.size}` : "", s.nr_inodes !== undefined ? `nr_inodes=${s.nr_inodes}` : "", s.huge ? `huge=${s.huge}` : ""].filter((x) => x !== "");
      note("mount", `mount -t ${s.fstype}${o.length ? ` -o ${o.join(",")}` : ""} ${s.source ?? s.fstype} ${s.target}`);
      return;
    }
    case "drop_caches":
      c.spend(COST.proc_file_ns);
      pr.writeFile("/proc/sys/vm/drop_caches", String(s.value));
      note("drop_caches", `echo ${s.value} > /proc/sys/vm/drop_caches`);
      return;
    case "file":
      break;
  }
  const where = {
    create: "ksys_write(), fs/read_write.c",
    read: "ksys_pread64(), fs/read_write.c",
    write: "ksys_pwrite64(), fs/read_write.c",
    truncate: "do_sys_ftruncate(), fs/open.c",
    unlink: "do_unlinkat(), fs/namei.c",
    fadvise: "generic_fadvise(), mm/fadvise.c",
    fsync: "do_fsync(), fs/sync.c",
    fdatasync: "do_fsync(), fs/sync.c",
  }[s.op];
  const fnote = (text: string): void => c.tl.note({ t_ns: c.m.now, who: who(p), event: "file", text, where });
  switch (s.op) {
    case "unlink":
      pr.unlink(s.file);
      fnote(`unlink ${s.file}`);
      return;
    case "truncate": {
      const fd = pr.open(s.file, "w");
      try {
        c.spend(COST.syscall_ns);
        pr.ftruncate(fd, s.size ?? 0);
      } finally {
        closeQuietly(pr, fd);
      }
      fnote(`truncate ${s.file} to ${fmtSize(s.size ?? 0)}`);
      return;
    }
    case "fadvise": {
      const fd = pr.open(s.file, "r");
      try {
        c.spend(COST.syscall_ns);
        pr.fadvise(fd, s.offset, s.length ?? 0, s.advice ?? "normal");
      } finally {
        closeQuietly(pr, fd);
      }
      fnote(`posix_fadvise ${s.file} ${s.advice?.toUpperCase()} +${fmtSize(s.offset)}${s.length ? ` ${fmtSize(s.length)}` : " to the end"}`);
      return;
    }
    case "fsync":
    case "fdatasync": {
      // fsync works on the inode: a descriptor opened for reading syncs what any writer dirtied.
      const fd = pr.open(s.file, "r");
      const t0 = c.m.now;
      const w0 = vmCounter(c.m, "nr_written");
      try {
        if (s.op === "fsync") pr.fsync(fd);
        else pr.fdatasync(fd);
      } finally {
        closeQuietly(pr, fd);
      }
      fnote(`${s.op} ${s.file}: ${vmCounter(c.m, "nr_written") - w0} pages written in ${fmtNs(c.m.now - t0)}`);
      return;
    }
    case "create":
    case "read":
    case "write":
      break;
  }
  const write = s.op !== "read";
  const flags = s.op === "create" ? "w|create|trunc" : `${write ? "w" : "r"}${s.direct ? "|direct" : ""}`;
  const fd = pr.open(s.file, flags);
  let base = 0;
  let end = 0;
  try {
    if (s.op === "create") end = s.size ?? 0;
    else {
      base = s.offset;
      end = s.length !== undefined ? base + s.length : Math.max(base, pr.fstat(fd).size);
    }
  } catch (e) {
    closeQuietly(pr, fd);
    throw e;
  }
  const nBlocks = Math.ceil((end - base) / s.bs);
  if (nBlocks === 0) {
    closeQuietly(pr, fd);
    fnote(s.op === "create" ? `create ${s.file}: empty` : `${s.op} ${s.file}: nothing to ${s.op} (the window is empty)`);
    return;
  }
  // The pattern picks blocks of bs bytes; a stride in bytes becomes one in blocks.
  const pat = s.pattern.kind === "stride" ? { kind: "stride" as const, stride: (s.pattern.stride / s.bs) * PAGE_SIZE } : s.pattern;
  const perPass = s.count ?? nBlocks;
  p.fileIo = { step: s, fd, write, base, end, gen: makeGenerator(pat, nBlocks, p.rng), remaining: perPass * s.repeat, calls: 0, bytes: 0, startNs: c.m.now };
}

/**
 * Runs up to one time slice of the file read or write in progress: one pread64/pwrite64 of bs
 * bytes per block the pattern names. The clock moves by what the kernel waited for (the disk,
 * on a cold read) plus the syscall and the copy. True when it is finished.
 * @throws Errno as the syscall fails (ENOSPC on a full filesystem, EINVAL for unaligned O_DIRECT).
 */
function runFileIo(c: StepContext, p: ScenarioProcess): boolean {
  const f = p.fileIo as FileIoState;
  const pr = proc(p);
  const bs = f.step.bs;
  let slice = COST.timeslice_ns;
  while (slice > 0 && f.remaining > 0) {
    const t0 = c.m.now;
    const off = f.base + f.gen.next() * bs;
    const n = Math.min(bs, f.end - off);
    const done = f.write ? pr.pwrite(f.fd, n, off) : pr.pread(f.fd, n, off);
    const pages = Math.ceil(done / PAGE_SIZE);
    c.spend(COST.syscall_ns + pages * COST.file_page_ns);
    slice -= c.m.now - t0;
    f.remaining--;
    f.calls++;
    f.bytes += done;
    c.ops++;
    c.workDone += Math.max(1, Math.ceil(n / PAGE_SIZE));
    if (!pr.alive) return true;
  }
  return f.remaining <= 0;
}

/** Closes the file of a finished read or write and says what it did. */
function finishFileIo(c: StepContext, p: ScenarioProcess, f: FileIoState): void {
  const pr = proc(p);
  closeQuietly(pr, f.fd);
  const s = f.step;
  const pat = s.pattern.kind === "zipf" ? `zipf(${s.pattern.alpha})` : s.pattern.kind === "stride" ? `stride ${fmtSize(s.pattern.stride)}` : s.pattern.kind;
  const verb = s.op === "create" ? "create" : `${s.op}${s.direct ? " O_DIRECT" : ""}`;
  c.tl.note({
    t_ns: c.m.now,
    who: who(p),
    event: "file",
    text: `${verb} ${s.file} ${pat}: ${f.calls} calls of ${fmtSize(s.bs)}, ${fmtSize(f.bytes)} in ${fmtNs(c.m.now - f.startNs)}`,
    where: f.write ? "generic_perform_write(), mm/filemap.c" : s.direct ? "generic_file_read_iter(), mm/filemap.c" : "filemap_read(), mm/filemap.c",
  });
}
// ---- end of files and the page cache ----------------------------------------------------------

// ---- userfaultfd (issue 18) --------------------------------------------------------------------

/**
 * The `userfaultfd` step: userfaultfd(2), UFFDIO_API, UFFDIO_REGISTER of the region, and — unless
 * handler: none — the handler thread: a staging buffer for UFFDIO_COPY (mmapped and written once,
 * as a real handler fills its page), and a second runnable of the process that runs the handler
 * loop (runUffdHandler) on the same scheduler.
 */
function execUserfaultfd(c: StepContext, p: ScenarioProcess, s: Extract<Step, { kind: "userfaultfd" }>, note: (event: string, text: string) => void): void {
  const pr = proc(p);
  const r = region(p, s);
  const fd = pr.userfaultfd(s.flags === "" ? 0 : s.flags);
  p.uffd = fd;
  c.spend(COST.syscall_ns);
  pr.uffdApi(fd, s.features === "" ? 0 : s.features);
  c.spend(COST.syscall_ns + COST.vma_op_ns);
  const ioctls = pr.uffdRegister(fd, r.addr, r.len, s.mode);
  let text = `userfaultfd → fd ${fd}; UFFDIO_API${s.features ? ` (${s.features})` : ""}; UFFDIO_REGISTER ${s.region} ${fmtSize(r.len)} ${s.mode}: ${ioctls.join(", ")}`;
  if (s.handler !== "none") {
    const pages = s.pages;
    const src = s.handler === "copy" ? pr.mmap(pages * PAGE_SIZE) : 0;
    if (src !== 0) {
      pr.touch(src, pages * PAGE_SIZE, { write: true });
      c.spend(COST.vma_op_ns + pages * COST.minor_fault_ns);
    }
    const h: UffdHandler = { fd, policy: s.handler, latency: s.latency, pages, start: r.addr, end: r.addr + r.len, src, queue: [], owner: p, handled: 0 };
    const t: ScenarioProcess = {
      name: `${p.name}:uffd`,
      order: 0,
      steps: [],
      pc: 0,
      readyAt: c.m.now,
      proc: p.proc,
      regions: p.regions,
      heapStart: p.heapStart,
      rng: p.rng,
      done: false,
      state: "alive",
      uffdHandler: h,
      waitingFor: WAIT_UFFD_POLL,
    };
    c.sched.add(t);
    text += `; handler thread: ${s.handler}${s.handler === "copy" ? ` ${pages} page${pages === 1 ? "" : "s"}` : ""} per fault after ${fmtNs(s.latency)}`;
  }
  note("userfaultfd", text);
}

/** The `uffdio` step: one ioctl on the process's userfaultfd over the region, or its close. */
function execUffdio(c: StepContext, p: ScenarioProcess, s: Extract<Step, { kind: "uffdio" }>, note: (event: string, text: string) => void): void {
  const pr = proc(p);
  if (p.uffd === undefined) throw new RunFailure("no userfaultfd: an earlier userfaultfd step must open one");
  const fd = p.uffd;
  if (s.op === "close") {
    pr.close(fd);
    p.uffd = undefined;
    note("uffdio", `close(${fd}): the userfaultfd is released, its ranges disarmed (userfaultfd_release)`);
    return;
  }
  const r = region(p, s);
  c.spend(COST.vma_op_ns);
  if (s.op === "writeprotect") pr.uffdWriteprotect(fd, r.addr, r.len, "wp");
  else if (s.op === "unprotect") pr.uffdWriteprotect(fd, r.addr, r.len, "");
  else if (s.op === "wake") pr.uffdWake(fd, r.addr, r.len);
  else pr.uffdUnregister(fd, r.addr, r.len);
  const name = s.op === "writeprotect" ? "UFFDIO_WRITEPROTECT (MODE_WP)" : s.op === "unprotect" ? "UFFDIO_WRITEPROTECT (0)" : s.op === "wake" ? "UFFDIO_WAKE" : "UFFDIO_UNREGISTER";
  note("uffdio", `${name} ${s.region} ${fmtSize(r.len)}`);
}

/**
 * One quantum of a handler thread: with no message in hand, read(2) the uffd (a read with none
 * pending puts the thread back in poll() until a fault comes); with one, the handling latency
 * passes (the thread sleeps: fetching the page), then the answer — UFFDIO_COPY from the staging
 * buffer, UFFDIO_ZEROPAGE or UFFDIO_WAKE for a missing fault, UFFDIO_WRITEPROTECT (0) for a
 * write-protect fault — which wakes the faulting task. The thread ends with its process.
 */
function runUffdHandler(c: StepContext, p: ScenarioProcess, h: UffdHandler): void {
  const m = c.m;
  const pr = p.proc;
  if (pr === null || !pr.alive || h.owner.done) {
    p.done = true;
    p.waitingFor = undefined;
    return;
  }
  const w = `${h.owner.name}[${pr.pid}]:uffd`;
  try {
    if (h.queue.length === 0) {
      c.spend(COST.syscall_ns);
      let msgs: ReturnType<Process["uffdRead"]> = [];
      try {
        msgs = pr.uffdRead(h.fd);
      } catch (e) {
        // Nothing pending on an O_NONBLOCK uffd: back to poll().
        if (!(e instanceof Errno) || e.code !== "EAGAIN") throw e;
      }
      if (msgs.length === 0) {
        p.waitingFor = WAIT_UFFD_POLL;
        return;
      }
      for (const msg of msgs) h.queue.push({ address: msg.address, wp: msg.wp, write: msg.write });
      // The answer to the first comes after the handling latency.
      p.readyAt = m.now + h.latency;
      return;
    }
    const msg = h.queue.shift() as UffdHandler["queue"][number];
    c.spend(COST.syscall_ns);
    const before = pr.userfaultWait;
    let what: string;
    if (msg.wp) {
      pr.uffdWriteprotect(h.fd, msg.address, PAGE_SIZE, "");
      what = `UFFDIO_WRITEPROTECT (0) 0x${msg.address.toString(16)}`;
    } else {
      // Clip the fill to the registered range: pages from the fault on.
      const len = Math.min(h.pages * PAGE_SIZE, h.end - msg.address);
      let bytes = 0;
      try {
        if (h.policy === "copy") bytes = pr.uffdCopy(h.fd, msg.address, h.src, len);
        else if (h.policy === "zeropage") bytes = pr.uffdZeropage(h.fd, msg.address, len);
        else pr.uffdWake(h.fd, msg.address, PAGE_SIZE);
      } catch (e) {
        // EEXIST: an earlier fill of several pages already covered this one; wake the fault.
        if (!(e instanceof Errno) || (e.code !== "EEXIST" && e.code !== "EAGAIN")) throw e;
        pr.uffdWake(h.fd, msg.address, PAGE_SIZE);
      }
      c.spend(bytes / PAGE_SIZE * COST.file_page_ns);
      const call = h.policy === "copy" ? "UFFDIO_COPY" : h.policy === "zeropage" ? "UFFDIO_ZEROPAGE" : "UFFDIO_WAKE";
      what = `${call} 0x${msg.address.toString(16)}${bytes > PAGE_SIZE ? ` (${bytes / PAGE_SIZE} pages)` : ""}`;
    }
    h.handled++;
    const woke = before !== null && pr.userfaultWait === null;
    c.tl.note({ t_ns: m.now, who: w, event: "uffd_handled", text: `${msg.wp ? "write-protect" : msg.write ? "write" : "read"} fault at 0x${msg.address.toString(16)}: ${what}${woke ? `, woke ${h.owner.name}` : ""}`, where: "userfaultfd_ioctl(), fs/userfaultfd.c" });
    p.readyAt = h.queue.length > 0 ? m.now + h.latency : m.now;
  } catch (e) {
    if (e instanceof Errno) {
      // The uffd is gone (closed) or the range changed: the thread's loop ends.
      c.tl.note({ t_ns: m.now, who: w, event: "uffd_handler_exit", text: `the handler thread stops: ${e.code}` });
      p.done = true;
      p.waitingFor = undefined;
      return;
    }
    throw e;
  }
}
