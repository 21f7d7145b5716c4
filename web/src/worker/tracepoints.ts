/**
 * The tracepoints the explorer records for its Events view, and the kernel function that fires
 * each one in 6.1 (where its trace_*() call sits), for the link to the source.
 * Frequent events (mm_page_alloc, mm_page_free, page_fault_user) are left out: listening to them
 * would make every allocation and fault pay for a record; their counts are in the counters.
 */
export const TRACEPOINT_FN: Readonly<Record<string, string>> = {
  mm_vmscan_wakeup_kswapd: "wakeup_kswapd",
  mm_vmscan_kswapd_wake: "kswapd",
  mm_vmscan_kswapd_sleep: "kswapd_try_to_sleep",
  mm_vmscan_direct_reclaim_begin: "try_to_free_pages",
  mm_vmscan_direct_reclaim_end: "try_to_free_pages",
  mm_vmscan_lru_isolate: "isolate_lru_folios",
  mm_page_alloc_extfrag: "__rmqueue_fallback",
  mark_victim: "mark_oom_victim",
  wake_reaper: "wake_oom_reaper",
  start_task_reaping: "oom_reap_task_mm",
  finish_task_reaping: "oom_reap_task_mm",
  skip_task_reaping: "oom_reap_task_mm",
  oom_score_adj_update: "__set_oom_adj",
  mm_compaction_begin: "compact_zone",
};

export const TRACEPOINTS: readonly string[] = Object.keys(TRACEPOINT_FN);

/** Events of one tracepoint kept per run (reclaim's recur by the thousand). */
export const MAX_PER_TRACEPOINT = 2000;

/** "wakeup_kswapd(), mm/vmscan.c" → "wakeup_kswapd"; the runner's `where` strings. */
export function timelineFunction(where: string | undefined): string | null {
  if (where === undefined) return null;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\(\w*\))?\(\)/.exec(where) ?? /^(SYSCALL_DEFINE\d\(\w+\))/.exec(where);
  return m ? m[1] : null;
}
