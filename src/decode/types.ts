/**
 * The JSON schema of `mmsim decode --json`: what each reader returns. Every result carries
 * `kind`, the fields it could read, and `missing`/`warnings` saying what it could not. Units are
 * in the field names: `_kB` (1024 bytes, as the kernel prints), `_pages` (4 KiB pages),
 * `_bytes`. Kernel names are kept verbatim where the text printed them (`active_anon`,
 * `lowmem_reserve`, `oom_score_adj`).
 *
 * @kernel mm/oom_kill.c dump_header, dump_tasks, dump_oom_summary, __oom_kill_process
 * @kernel mm/page_alloc.c __show_free_areas, show_migration_types
 * @kernel mm/memcontrol.c mem_cgroup_print_oom_context, mem_cgroup_print_oom_meminfo
 * @kernel fs/proc/meminfo.c meminfo_proc_show; mm/vmstat.c frag_show, pagetypeinfo_show, zoneinfo_show
 */
import type { DecodedGfp } from "./gfp_eras.js";

/** Every kind of text the decoder reads. */
export type DecodeKind =
  | "oom"
  | "meminfo"
  | "buddyinfo"
  | "pagetypeinfo"
  | "zoneinfo"
  | "vmstat"
  | "status"
  | "smaps"
  | "smaps_rollup"
  | "swaps"
  | "pressure"
  | "memory.stat"
  | "memory.events"
  | "unknown";

/** A note on input the decoder could not use, with where it was. */
export interface Problem {
  /** Short machine-readable part name ("tasks", "zone:DMA32", "line"). */
  part: string;
  message: string;
  line?: number;
}

interface Base {
  kind: DecodeKind;
  /** Parts the decoder looked for and did not find. */
  missing: Problem[];
  /** Things found but damaged, inconsistent or unrecognised. */
  warnings: Problem[];
}

// ---------------------------------------------------------------- OOM reports

/** Kernel version evidence. `version` is major*1000+minor when a banner printed it. */
export interface KernelInfo {
  release?: string;
  version?: number;
  /** Oldest and newest version the report's format allows (major*1000+minor). */
  range: [number, number];
  /** Format features that set the range, in words. */
  evidence: string[];
  arch?: "x86_64" | "i386" | "arm64" | "other";
}

export interface OomTrigger {
  comm?: string;
  pid?: number;
  gfp?: DecodedGfp;
  order?: number;
  /** 2^order pages, in bytes. */
  requestBytes?: number;
  oom_score_adj?: number;
  /** Printed by 2.6.36–3.x as well. */
  oom_adj?: number;
  /** nodemask= on the trigger line (4.9–4.18 printed it there). */
  nodemask?: string;
  cpuset?: string;
  mems_allowed?: string;
  line?: number;
}

export interface ZoneReport {
  node?: number;
  name: string;
  /** All key:value fields of the zone line, in kB where the kernel printed kB. */
  fields: Record<string, number>;
  free_kB?: number;
  min_kB?: number;
  low_kB?: number;
  high_kB?: number;
  managed_kB?: number;
  present_kB?: number;
  all_unreclaimable?: boolean;
  /** lowmem_reserve[] in pages, indexed by zone type of the allocation. */
  lowmem_reserve?: number[];
  /** Free blocks per order from the buddy line, and their migratetype letters. */
  buddy?: { counts: number[]; types: string[]; total_kB?: number; blockSize_kB: number[] };
}

export interface MemcgInfo {
  /** memory: usage/limit/failcnt (kB). */
  usage_kB?: number;
  limit_kB?: number;
  failcnt?: number;
  swap_usage_kB?: number;
  swap_limit_kB?: number;
  memsw_usage_kB?: number;
  memsw_limit_kB?: number;
  kmem_usage_kB?: number;
  kmem_limit_kB?: number;
  /** Path the stats were printed for. */
  statsPath?: string;
  /** memory.stat keys as printed (bytes for v2 keys, kB for the old inline v1 form). */
  stats: Record<string, number>;
  /** v1 "Task in A killed as a result of limit of B". */
  taskCgroup?: string;
  limitCgroup?: string;
  version?: 1 | 2;
}

export interface TaskRow {
  pid: number;
  uid?: number;
  tgid?: number;
  total_vm_pages?: number;
  rss_pages?: number;
  rss_anon_pages?: number;
  rss_file_pages?: number;
  rss_shmem_pages?: number;
  pgtables_bytes?: number;
  nr_ptes?: number;
  nr_pmds?: number;
  swapents?: number;
  oom_score_adj?: number;
  oom_adj?: number;
  name: string;
  /** Columns the decoder does not know, by header name. */
  extra?: Record<string, number>;
  line?: number;
}

export interface OomContext {
  constraint?: string;
  nodemask?: string;
  cpuset?: string;
  mems_allowed?: string;
  global_oom?: boolean;
  oom_memcg?: string;
  task_memcg?: string;
  task?: string;
  pid?: number;
  uid?: number;
  line?: number;
}

export interface Victim {
  pid: number;
  comm?: string;
  total_vm_kB?: number;
  anon_rss_kB?: number;
  file_rss_kB?: number;
  shmem_rss_kB?: number;
  uid?: number;
  pgtables_kB?: number;
  oom_score_adj?: number;
  /** "Out of memory" or "Memory cgroup out of memory". */
  reason?: string;
  line?: number;
}

/** The pre-5.1 "Kill process P (comm) score S or sacrifice child" selection line. */
export interface Selection {
  pid: number;
  comm: string;
  /** points * 1000 / totalpages as the old kernels printed it. */
  score?: number;
  sacrificeChild: boolean;
  memcg: boolean;
  line?: number;
}

export interface BadnessRow {
  pid: number;
  name: string;
  /** rss + swapents + page-table pages, before the adjustment. */
  base_pages: number;
  /** What oom_score_adj added, in pages (adj * (totalpages / 1000)). */
  adj_pages: number;
  /** Root bonus subtracted (kernels before 5.9). */
  root_bonus_pages: number;
  /** The badness; −Infinity (JSON null) for a task that is not eligible (oom_score_adj −1000). */
  points: number;
  /** points as /proc/PID/oom_score would show it: 1000 + points*1000/totalpages, halved (6.1). */
  oom_score?: number;
  eligible: boolean;
  rank?: number;
  /**
   * For the chosen task: the largest oom_score_adj that would have spared it. For the others:
   * the smallest oom_score_adj that would have made it the victim (absent if even 1000 would not).
   */
  pivotAdj?: number;
}

export interface BadnessResult {
  totalpages?: number;
  totalpagesBasis: string;
  /** Formula used, in words, with the era. */
  formula: string;
  rows: BadnessRow[];
  chosen?: { pid: number; name: string; points: number };
  runnerUp?: { pid: number; name: string; points: number };
  /** Largest oom_score_adj at which the chosen task would not have been chosen. */
  spareAdj?: number;
  /** Does the recomputation agree with the process the kernel picked? */
  agrees?: boolean;
  /** Why it may not agree, or why the ranking is uncertain. */
  notes: string[];
  /** The table looks complete (header and at least one row, no gap in the log). */
  tableComplete: boolean;
}

export interface ZoneVerdict {
  zone: string;
  node?: number;
  allowed: boolean;
  free_kB?: number;
  min_kB?: number;
  high_kB?: number;
  reserve_kB?: number;
  /** free > min + lowmem_reserve[classzone] (the slowpath watermark). */
  aboveMin?: boolean;
  /** free > high + lowmem_reserve[classzone] (the last get_page_from_freelist before OOM). */
  aboveHigh?: boolean;
  /** Free blocks at or above the requested order. */
  blocksAtOrder?: number;
  why: string;
}

export interface MemoryPicture {
  anon_kB?: number;
  file_kB?: number;
  shmem_kB?: number;
  slab_reclaimable_kB?: number;
  slab_unreclaimable_kB?: number;
  pagetables_kB?: number;
  unevictable_kB?: number;
  free_kB?: number;
  kernel_stack_kB?: number;
  swap_total_kB?: number;
  swap_free_kB?: number;
  swap_used_kB?: number;
  ram_pages?: number;
  reserved_pages?: number;
  /** pages RAM − pages reserved: the totalram_pages the badness normalises by. */
  totalram_pages?: number;
}

export interface OomReport extends Base {
  kind: "oom";
  /** First and last input line of this report. */
  lines: [number, number];
  kernel: KernelInfo;
  trigger: OomTrigger;
  /** "global", "memcg", "cpuset", "mempolicy", or the printed constraint name. */
  constraint: string;
  constraintName?: string;
  meminfo: Record<string, number>;
  nodes: Array<{ node: number; fields: Record<string, number>; all_unreclaimable?: boolean }>;
  zones: ZoneReport[];
  /** Scalars after the buddy lines: pagecache, swap cache, swap, RAM, reserved. */
  totals: Record<string, number>;
  memcg?: MemcgInfo;
  tasksHeader?: string[];
  tasks: TaskRow[];
  context?: OomContext;
  selection?: Selection;
  victim?: Victim;
  reaped: Array<{ pid: number; comm: string; anon_rss_kB?: number; file_rss_kB?: number; shmem_rss_kB?: number }>;
  oomGroup?: string;
  panic?: string;
  picture: MemoryPicture;
  zoneVerdicts: ZoneVerdict[];
  badness: BadnessResult;
  /** One-paragraph answer to "why was this process killed". */
  summary: string[];
  /** Where the task `decode(…, { pid })` asks about stood in this report (`--pid`). */
  pidQuery?: PidQuery;
}

/** A task's place in one report's ranking, and the oom_score_adj that would change the outcome. */
export interface PidQuery {
  pid: number;
  /** The task is a row of the report's table. */
  inTable: boolean;
  name?: string;
  /** False for oom_score_adj -1000 (never a candidate). */
  eligible?: boolean;
  /** The recomputed top scorer. */
  chosen?: boolean;
  rank?: number;
  points?: number;
  /**
   * For the top scorer, the highest oom_score_adj that would have spared it; for another task,
   * the lowest that would have made it the victim; absent when none would.
   */
  pivotAdj?: number;
  /** The same in a sentence, as `explain` prints it. */
  text: string;
}

// ---------------------------------------------------------------- /proc and cgroup files

/**
 * A counter the kernel prints as a u64 (%llu, or %lu on 64-bit): a number while it fits in a
 * double exactly (below 2^53), a bigint beyond, so "hierarchical_memory_limit
 * 9223372036854771712" (cgroup v1's unlimited, PAGE_COUNTER_MAX pages in bytes) keeps its
 * digits. `toJson` writes bigints as plain JSON numbers.
 */
export type U64 = number | bigint;

export interface FieldDoc {
  key: string;
  value: U64;
  unit: "kB" | "pages" | "bytes" | "count" | "percent" | "us" | "";
  meaning?: string;
}

export interface MeminfoResult extends Base {
  kind: "meminfo";
  fields: Record<string, number>;
  docs: FieldDoc[];
  /** si_mem_available recomputed from the fields (and zone watermarks when given). */
  memAvailable?: {
    printed_kB?: number;
    computed_kB?: number;
    terms: Record<string, number>;
    /** wmark_low and totalreserve were known (from zoneinfo) or assumed 0. */
    watermarksKnown: boolean;
    note: string;
  };
  /** As procps-ng 4 `free` shows it (kB). */
  free?: { total: number; used: number; free: number; shared: number; buff_cache: number; available: number; swap_total: number; swap_used: number; swap_free: number };
}

export interface BuddyZone {
  node: number;
  zone: string;
  counts: number[];
  free_pages: number;
  /** unusable_free_index per order, 0..1000 (debugfs extfrag/unusable_index shows /1000). */
  unusable: number[];
  /** fragmentation index per order: -1000 when the order can be served, else 0..1000. */
  fragmentation: number[];
  /** Largest order with a free block now. */
  largestFreeOrder: number;
  /**
   * With a zoneinfo of the same moment: whether __zone_watermark_ok passes per order at the min
   * and low marks, for an allocation whose highest zone is this one (lowmem_reserve 0).
   */
  watermarkOk?: { min: boolean[]; low: boolean[] };
}

export interface BuddyinfoResult extends Base {
  kind: "buddyinfo";
  zones: BuddyZone[];
}

export interface PagetypeinfoResult extends Base {
  kind: "pagetypeinfo";
  pageblockOrder?: number;
  pagesPerBlock?: number;
  free: Array<{ node: number; zone: string; type: string; counts: number[] }>;
  blocks: Array<{ node: number; zone: string; byType: Record<string, number> }>;
  /** Free pages per zone per type, summed over orders. */
  freePagesByType: Array<{ node: number; zone: string; byType: Record<string, number> }>;
}

export interface ZoneinfoZone {
  node: number;
  zone: string;
  fields: Record<string, number>;
  protection?: number[];
  free?: number;
  min?: number;
  low?: number;
  high?: number;
  managed?: number;
  present?: number;
}

export interface ZoneinfoResult extends Base {
  kind: "zoneinfo";
  zones: ZoneinfoZone[];
  nodeStats: Array<{ node: number; fields: Record<string, number> }>;
  /** Sum of low watermarks and totalreserve_pages as calculate_totalreserve_pages does. */
  wmark_low_pages?: number;
  totalreserve_pages?: number;
}

export interface KeyValueResult extends Base {
  kind: "vmstat" | "memory.stat" | "memory.events" | "status";
  /** vmstat, memory.stat and memory.events values are u64 (see U64). */
  fields: Record<string, U64>;
  strings: Record<string, string>;
  docs: FieldDoc[];
}

/** /proc/PID/status: its figures are kB and counts that a double holds exactly. */
export interface StatusResult extends KeyValueResult {
  kind: "status";
  fields: Record<string, number>;
}

export interface SmapsResult extends Base {
  kind: "smaps" | "smaps_rollup";
  vmas: Array<{ start: string; end: string; perms: string; path: string; fields: Record<string, number> }>;
  totals: Record<string, number>;
  /** Resident, proportional and unique set sizes (kB). */
  rss_kB: number;
  pss_kB: number;
  uss_kB: number;
  swap_kB: number;
  swap_pss_kB?: number;
}

export interface SwapsResult extends Base {
  kind: "swaps";
  devices: Array<{ filename: string; type: string; size_kB: number; used_kB: number; priority: number }>;
  total_kB: number;
  used_kB: number;
}

export interface PressureResult extends Base {
  kind: "pressure";
  some?: { avg10: number; avg60: number; avg300: number; total_us?: number };
  full?: { avg10: number; avg60: number; avg300: number; total_us?: number };
}

export interface UnknownResult extends Base {
  kind: "unknown";
}

/** What `decode` returns for one input. An OOM log may hold several reports. */
export type DecodeResult =
  | { kind: "oom-log"; reports: OomReport[]; missing: Problem[]; warnings: Problem[] }
  | MeminfoResult
  | BuddyinfoResult
  | PagetypeinfoResult
  | ZoneinfoResult
  | KeyValueResult
  | SmapsResult
  | SwapsResult
  | PressureResult
  | UnknownResult;
