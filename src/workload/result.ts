/**
 * What a scenario run produces: the `RunResult` the report, the JSON output and the explorer
 * read, and the small formatters its text uses. Every quantity here is simulated (no wall
 * clock), so the same scenario and seed give the same result, byte for byte.
 */

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
  /** The scenario's name for the process (its `name:` or its fork step's `name:`). */
  name: string;
  /**
   * The command name the kernel keeps (task->comm), present only when it differs from `name`: a
   * forked child keeps its parent's comm, as fork(2) does, so /proc/PID/status's Name:, dmesg and
   * trace lines call it by its parent's name.
   */
  comm?: string;
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

/** The machine as the report describes it. */
export interface MachineSummary {
  memory_kb: number;
  cpus: number;
  nodes: number;
  thp: string;
  zones: Array<{ node: number; zone: string; present_pages: number; managed_pages: number }>;
  sysctl: Record<string, string>;
}

export interface RunResult {
  scenario: { name: string; description: string; file: string; seed: number };
  machine: MachineSummary;
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
