/**
 * Tracepoints: mechanisms emit events under the kernel's tracepoint names (mm_page_alloc,
 * mm_vmscan_kswapd_wake, …) and listeners get them as records with ftrace's text line. An event
 * nobody listens to costs one property read: callers test `trace.enabled(name)` before building
 * the fields, as the kernel's static keys skip a disabled tracepoint.
 * @kernel include/linux/tracepoint.h
 * @kernel kernel/trace/trace_output.c trace_print_context
 */
export type TraceFields = Readonly<Record<string, number | string>>;

export interface TraceRecord {
  readonly event: string;
  /** Simulated nanoseconds since boot. */
  readonly ts_nsec: number;
  readonly cpu: number;
  readonly pid: number;
  readonly comm: string;
  readonly fields: TraceFields;
  /** The TP_printk part, as the kernel formats it. */
  readonly message: string;
}

export type TraceListener = (r: TraceRecord) => void;

/**
 * Where a record's context comes from: the Kernel's clock, CPU and current task (the fields
 * trace_print_context prints). Read as fields, not through callbacks, so the bus holds data
 * and a machine's snapshot can copy it (src/sim/snapshot.ts).
 */
export interface TraceContext {
  readonly now_ns: number;
  readonly cpu: number;
  readonly currentPid: number;
  readonly currentComm: string;
}

/**
 * Events emitted for every page allocated, freed, refilled, drained or faulted. Listening to one
 * of them (or to "*") sets `pageEvents`; until then the page paths pay nothing for tracing, even
 * while other events are listened to — a scenario's timeline listens to a dozen rarer ones. The
 * fast paths also skip code that emits two of these (the fault shortcuts in arch/x86/fault.ts and mmu.ts go around
 * do_user_addr_fault's page_fault_user; rmqueue_bulk's order-0 refill around
 * __rmqueue_smallest's mm_page_alloc_zone_locked), so they step aside while `pageEvents` is set.
 */
export const PER_PAGE_EVENTS: readonly string[] = Object.freeze([
  "page_fault_user",
  "mm_page_alloc",
  "mm_page_free",
  "mm_page_alloc_zone_locked",
  "mm_page_pcpu_drain",
  "mm_filemap_add_to_page_cache",
  "mm_filemap_delete_from_page_cache",
]);

export class TraceBus {
  private readonly listeners = new Map<string, TraceListener[]>();
  private readonly all: TraceListener[] = [];
  /** True when anyone listens to anything: the one test hot paths make. */
  active = false;
  /** True when anyone listens to a PER_PAGE_EVENTS event or to every event: the page paths' one test. */
  pageEvents = false;

  constructor(private readonly ctx: TraceContext) {}

  /** Listens to one event, or to every event with "*". Returns the unsubscribe function. */
  on(event: string, fn: TraceListener): () => void {
    const list = event === "*" ? this.all : (this.listeners.get(event) ?? []);
    list.push(fn);
    if (event !== "*") this.listeners.set(event, list);
    this.active = true;
    this.pageEvents = this.listensPerPage();
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
      this.active = this.all.length > 0 || [...this.listeners.values()].some((l) => l.length > 0);
      this.pageEvents = this.listensPerPage();
    };
  }

  private listensPerPage(): boolean {
    return this.all.length > 0 || PER_PAGE_EVENTS.some((e) => (this.listeners.get(e)?.length ?? 0) > 0);
  }

  enabled(event: string): boolean {
    return this.active && (this.all.length > 0 || (this.listeners.get(event)?.length ?? 0) > 0);
  }

  /** Delivers an event; `message` is its TP_printk text. */
  emit(event: string, fields: TraceFields, message: string): void {
    const r: TraceRecord = {
      event,
      ts_nsec: this.ctx.now_ns,
      cpu: this.ctx.cpu,
      pid: this.ctx.currentPid,
      comm: this.ctx.currentComm,
      fields,
      message,
    };
    for (const fn of this.listeners.get(event) ?? []) fn(r);
    for (const fn of this.all) fn(r);
  }
}

/**
 * One line as /sys/kernel/tracing/trace prints it (trace_print_context with the default
 * irq-info flag, then the event's TP_printk text):
 * `            bash-1234    [000] .....    12.345678: mm_page_alloc: page=…`.
 * The comm is right-aligned in 16 columns and the pid left-aligned in 7 ("%16s-%-7d "), so the
 * CPU column lines up whatever the pid's width; the timestamp is ns2usecs' rounded microseconds
 * printed " %5lu.%06lu". The five irq/preempt flag columns are "....." (the model records no
 * irqs-off, need-resched, hardirq/softirq, preempt-count or migrate-disable state).
 * @kernel kernel/trace/trace_output.c trace_print_context, trace_print_time, trace_print_lat_fmt
 * @kernel kernel/trace/trace.c ns2usecs
 */
export function formatTraceLine(r: TraceRecord): string {
  const task = `${r.comm.padStart(16)}-${String(r.pid).padEnd(7)}`;
  const cpu = String(r.cpu).padStart(3, "0");
  // ns2usecs: (nsec + 500) / 1000, then do_div by USEC_PER_SEC into seconds and remainder.
  const usecs = Math.floor((r.ts_nsec + 500) / 1000);
  const secs = Math.floor(usecs / 1e6);
  const ts = `${String(secs).padStart(5)}.${String(usecs - secs * 1e6).padStart(6, "0")}`;
  return `${task} [${cpu}] ..... ${ts}: ${r.event}: ${r.message}`;
}

/**
 * The tracepoints the model emits, as /sys/kernel/tracing/available_events lists them
 * ("system:event"): what `--trace` and `Machine.trace.on` can usefully name. A test scans the
 * sources for emitted names and fails on one missing here. The events are defined in
 * include/trace/events/kmem.h, vmscan.h, huge_memory.h, compaction.h, migrate.h,
 * page_isolation.h, oom.h, filemap.h, writeback.h and tlb.h, and
 * arch/x86/include/asm/trace/exceptions.h.
 */
export const available_events: ReadonlyArray<readonly [system: string, event: string]> = Object.freeze([
  Object.freeze<[string, string]>(["kmem", "mm_page_alloc"]),
  Object.freeze<[string, string]>(["kmem", "mm_page_free"]),
  Object.freeze<[string, string]>(["kmem", "mm_page_alloc_zone_locked"]),
  Object.freeze<[string, string]>(["kmem", "mm_page_pcpu_drain"]),
  Object.freeze<[string, string]>(["kmem", "mm_page_alloc_extfrag"]),
  Object.freeze<[string, string]>(["kmem", "kmalloc"]),
  Object.freeze<[string, string]>(["kmem", "kfree"]),
  Object.freeze<[string, string]>(["kmem", "kmem_cache_alloc"]),
  Object.freeze<[string, string]>(["kmem", "kmem_cache_free"]),
  Object.freeze<[string, string]>(["vmscan", "mm_vmscan_kswapd_sleep"]),
  Object.freeze<[string, string]>(["vmscan", "mm_vmscan_kswapd_wake"]),
  Object.freeze<[string, string]>(["vmscan", "mm_vmscan_wakeup_kswapd"]),
  Object.freeze<[string, string]>(["vmscan", "mm_vmscan_direct_reclaim_begin"]),
  Object.freeze<[string, string]>(["vmscan", "mm_vmscan_direct_reclaim_end"]),
  Object.freeze<[string, string]>(["vmscan", "mm_vmscan_lru_isolate"]),
  Object.freeze<[string, string]>(["vmscan", "mm_vmscan_lru_shrink_inactive"]),
  Object.freeze<[string, string]>(["vmscan", "mm_vmscan_lru_shrink_active"]),
  Object.freeze<[string, string]>(["vmscan", "mm_shrink_slab_start"]),
  Object.freeze<[string, string]>(["vmscan", "mm_shrink_slab_end"]),
  Object.freeze<[string, string]>(["huge_memory", "mm_khugepaged_scan_pmd"]),
  Object.freeze<[string, string]>(["huge_memory", "mm_collapse_huge_page"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_isolate_migratepages"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_isolate_freepages"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_migratepages"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_begin"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_end"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_suitable"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_finished"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_kcompactd_sleep"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_wakeup_kcompactd"]),
  Object.freeze<[string, string]>(["compaction", "mm_compaction_kcompactd_wake"]),
  Object.freeze<[string, string]>(["migrate", "mm_migrate_pages"]),
  Object.freeze<[string, string]>(["page_isolation", "test_pages_isolated"]),
  Object.freeze<[string, string]>(["oom", "oom_score_adj_update"]),
  Object.freeze<[string, string]>(["oom", "mark_victim"]),
  Object.freeze<[string, string]>(["oom", "wake_reaper"]),
  Object.freeze<[string, string]>(["oom", "start_task_reaping"]),
  Object.freeze<[string, string]>(["oom", "finish_task_reaping"]),
  Object.freeze<[string, string]>(["oom", "skip_task_reaping"]),
  Object.freeze<[string, string]>(["exceptions", "page_fault_user"]),
  Object.freeze<[string, string]>(["filemap", "mm_filemap_delete_from_page_cache"]),
  Object.freeze<[string, string]>(["filemap", "mm_filemap_add_to_page_cache"]),
  Object.freeze<[string, string]>(["writeback", "writeback_dirty_folio"]),
  Object.freeze<[string, string]>(["writeback", "writeback_queue"]),
  Object.freeze<[string, string]>(["writeback", "writeback_exec"]),
  Object.freeze<[string, string]>(["writeback", "writeback_start"]),
  Object.freeze<[string, string]>(["writeback", "writeback_written"]),
  Object.freeze<[string, string]>(["writeback", "writeback_pages_written"]),
  Object.freeze<[string, string]>(["writeback", "writeback_wake_background"]),
  Object.freeze<[string, string]>(["writeback", "bdi_dirty_ratelimit"]),
  Object.freeze<[string, string]>(["writeback", "balance_dirty_pages"]),
  Object.freeze<[string, string]>(["tlb", "tlb_flush"]),
]);
