/**
 * The run's timeline: what the kernel did, in words, each entry naming the kernel function that
 * acted. Entries come from three places: the kernel's tracepoints (the `NOTABLE` table), its log
 * (`DMESG_NOTABLE`: the OOM killer's report, allocation failures, swapon) and the runner's own
 * events (spawn, mmap, fork, exit, killed, …). Every event is counted, whether or not its entry
 * is kept, so expectations can count events past the timeline's cap.
 */
import { formatTraceLine, zone_names, type Machine, type TraceRecord } from "../sim/index.js";
import type { TimelineEntry } from "./result.js";

/** Migratetype names by number (enum migratetype, CONFIG_CMA and CONFIG_MEMORY_ISOLATION on). */
const MIGRATETYPE_NAMES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"];

/** "zone DMA32" for a zone index field, "a zone" when the event does not carry one. */
function zoneOf(zid: number | string | undefined): string {
  return zid === undefined ? "a zone" : `zone ${zone_names[Number(zid)] ?? zid}`;
}

function mtName(mt: number | string): string {
  return MIGRATETYPE_NAMES[Number(mt)] ?? `mt${mt}`;
}

/**
 * Tracepoints the timeline shows, with the kernel function that emits them and how to say
 * what happened. Frequent ones (mm_page_alloc, mm_page_free) are never on this list: listening
 * would make every allocation pay for the record.
 */
export const NOTABLE: Record<string, { where: string; text: (f: TraceRecord["fields"], r: TraceRecord) => string; limit?: number }> = {
  mm_vmscan_wakeup_kswapd: {
    where: "wakeup_kswapd(), mm/vmscan.c",
    // zid is the allocation's highest_zoneidx. With no GFP flags the wakeup is rmqueue's for a
    // zone whose watermark a fallback boosted (ZONE_BOOSTED_WATERMARK; zid is that zone):
    // kswapd reclaims the boost back.
    text: (f) =>
      f.gfp_flags === "none"
        ? `woke kswapd${f.nid}: ${zoneOf(f.zid)}'s watermark was boosted (an allocation fell back to another migratetype's pageblock)`
        : `woke kswapd${f.nid}: the zones an allocation may use (up to ${zoneOf(f.zid)}) are below their low watermark (order ${f.order}${f.gfp_flags !== undefined ? `, ${f.gfp_flags}` : ""})`,
    limit: 5,
  },
  mm_vmscan_kswapd_wake: { where: "kswapd(), mm/vmscan.c", text: (f) => `kswapd${f.nid} woke to balance node ${f.nid} up to ${zoneOf(f.zid)} (order ${f.order})`, limit: 5 },
  mm_vmscan_kswapd_sleep: { where: "kswapd_try_to_sleep(), mm/vmscan.c", text: (f) => `kswapd${f.nid} went back to sleep: every zone is above its high watermark`, limit: 5 },
  mm_vmscan_direct_reclaim_begin: { where: "try_to_free_pages(), mm/vmscan.c", text: (f) => `direct reclaim: the allocation found no zone above its min watermark (order ${f.order})`, limit: 5 },
  // A writer past the freerun ceiling: its pause on the clock (0 when it is under the setpoint's rate).
  balance_dirty_pages: {
    where: "balance_dirty_pages(), mm/page-writeback.c",
    text: (f) => `${Number(f.pause) > 0 ? `writer paused ${f.pause} ms` : "writer past the freerun ceiling, not paused"}: ${f.dirty} pages dirty against a limit of ${f.limit} (setpoint ${f.setpoint})`,
    limit: 5,
  },
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
  // THP (hp2): a collapse by khugepaged or MADV_COLLAPSE; faults and splits have no tracepoint
  // in 6.1 (steps.ts's noteThp names them from their counters).
  mm_collapse_huge_page: {
    where: "collapse_huge_page(), mm/khugepaged.c",
    text: (f) => (Number(f.isolated) ? "collapsed 512 small pages into a huge page" : `huge page collapse failed: ${f.status}`),
    limit: 20,
  },
};

/**
 * Tracepoints counted for expectations but never shown: too frequent for the timeline (every
 * munmap, fork and context switch to another mm flushes). Each record is counted under its name
 * and under the names `keys` gives it, and listened to only when a scenario's expectation names
 * it, so other runs pay nothing.
 */
export const COUNTED: Record<string, { keys: (f: TraceRecord["fields"]) => string[] }> = {
  // tlb:tlb_flush by reason, and by reason and pages: "tlb_flush:TLB_REMOTE_SHOOTDOWN",
  // "tlb_flush:TLB_LOCAL_MM_SHOOTDOWN:pages=-1" (a full flush) (include/trace/events/tlb.h).
  tlb_flush: {
    keys: (f) => {
      const reason = TLB_REASON_NAMES[Number(f.reason)] ?? String(f.reason);
      return [`tlb_flush:${reason}`, `tlb_flush:${reason}:pages=${f.pages}`];
    },
  },
};

/** enum tlb_flush_reason's names, by value. */
const TLB_REASON_NAMES = ["TLB_FLUSH_ON_TASK_SWITCH", "TLB_REMOTE_SHOOTDOWN", "TLB_LOCAL_SHOOTDOWN", "TLB_LOCAL_MM_SHOOTDOWN", "TLB_REMOTE_SEND_IPI"];

/** The COUNTED event an expectation's event name refers to ("tlb_flush" for "tlb_flush:TLB_REMOTE_SHOOTDOWN"), or undefined. */
export function countedEvent(name: string): string | undefined {
  const base = name.split(":")[0];
  return Object.hasOwn(COUNTED, base) ? base : undefined;
}

/** Kernel log lines the timeline shows, with the function that prints them. */
export const DMESG_NOTABLE: Array<{ re: RegExp; event: string; where: string }> = [
  { re: /invoked oom-killer/, event: "oom", where: "out_of_memory(), mm/oom_kill.c" },
  { re: /^Out of memory: Killed process|^Memory cgroup out of memory: Killed process/, event: "oom_kill", where: "__oom_kill_process(), mm/oom_kill.c" },
  { re: /^oom_reaper: reaped process/, event: "oom_reaped", where: "oom_reap_task_mm(), mm/oom_kill.c" },
  { re: /page allocation failure/, event: "alloc_failure", where: "warn_alloc(), mm/page_alloc.c" },
  { re: /^__vm_enough_memory:/, event: "overcommit_refused", where: "__vm_enough_memory(), mm/util.c" },
  { re: /drop_caches/, event: "drop_caches", where: "drop_caches_sysctl_handler(), fs/drop_caches.c" },
  { re: /^Adding \d+k swap/, event: "swapon", where: "SYSCALL_DEFINE2(swapon), mm/swapfile.c" },
];

/** The timeline of one run, and the count of every event seen. */
export class Timeline {
  readonly entries: TimelineEntry[] = [];
  /** Entries not kept: past the cap, or past an event's own limit. */
  dropped = 0;
  /** Every event seen, by name (kept or not). */
  readonly counts = new Map<string, number>();
  private readonly unsubscribe: Array<() => void> = [];
  private logSeen: number;

  constructor(
    private readonly m: Machine,
    /** Most entries kept. */
    private readonly cap: number,
  ) {
    this.logSeen = m.logCount;
  }

  /** Keeps an entry, unless the timeline is full. */
  add(e: TimelineEntry): void {
    if (this.entries.length < this.cap) this.entries.push(e);
    else this.dropped++;
  }

  /** Counts one occurrence of an event. */
  count(event: string): void {
    this.counts.set(event, (this.counts.get(event) ?? 0) + 1);
  }

  /** Counts an event and keeps its entry: the runner's own events. */
  note(e: TimelineEntry): void {
    this.count(e.event);
    this.add(e);
  }

  /**
   * Starts listening: the notable tracepoints become entries; with `trace`, those tracepoints
   * also go to `onTrace` as ftrace text lines ("*" for every one).
   */
  listen(trace?: string[], onTrace?: (line: string) => void, counted?: ReadonlySet<string>): void {
    for (const ev of counted ?? []) {
      const d = COUNTED[ev];
      this.unsubscribe.push(
        this.m.trace.on(ev, (r) => {
          this.count(ev);
          for (const key of d.keys(r.fields)) this.count(key);
        }),
      );
    }
    for (const [ev, d] of Object.entries(NOTABLE)) {
      this.unsubscribe.push(
        this.m.trace.on(ev, (r) => {
          this.count(ev);
          // Reclaim's events recur thousands of times under pressure: the first few tell the
          // story, the counts in the report give the rest.
          if (d.limit !== undefined && (this.counts.get(ev) ?? 0) > d.limit) {
            this.dropped++;
            return;
          }
          this.add({ t_ns: r.ts_nsec, who: `${r.comm}[${r.pid}]`, event: ev, text: d.text(r.fields, r), where: d.where });
        }),
      );
    }
    if (trace?.length && onTrace) {
      for (const ev of trace) this.unsubscribe.push(this.m.trace.on(ev, (r) => onTrace(formatTraceLine(r))));
    }
  }

  /** Stops listening to the kernel's tracepoints. */
  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
  }

  /** Turns the kernel log's new notable lines into entries. */
  scanLog(): void {
    if (this.m.logCount === this.logSeen) return;
    const recs = this.m.logRecords(this.logSeen);
    this.logSeen += recs.length;
    for (const r of recs) {
      for (const d of DMESG_NOTABLE) {
        if (d.re.test(r.text)) {
          this.note({ t_ns: r.ts_nsec, who: "kernel", event: d.event, text: r.text, where: d.where });
          break;
        }
      }
    }
  }
}
