/**
 * The OOM killer: when the page allocator's slow path has given up on reclaim and compaction it
 * calls out_of_memory, which picks the task whose death frees the most memory (oom_badness:
 * rss + swap entries + page-table pages, plus oom_score_adj thousandths of the memory the
 * allocation could use), prints the report (dump_header: the trigger line, the stack, show_mem,
 * the task table, the one-line summary), sends it SIGKILL, gives it access to the memory reserves
 * (mark_oom_victim → ALLOC_OOM in the allocator) and queues the oom_reaper, which strips its
 * anonymous memory two seconds later if it has not exited on its own by then.
 *
 * Worked numbers, w3a (256 MiB, no swap, totalpages 52688 = totalram_pages): memA rss 10378,
 * pgtables 110592 B (27 pages), adj 500 → 10378 + 27 + 500 * (52688 / 1000 = 52) = 36405;
 * memC rss 18496 + 43 = 18539; memA is chosen although memC is bigger. /proc/PID/oom_score
 * scales the same badness into 0..2000: (1000 + 36405 * 1000 / 52688) * 2 / 3 = 1126.
 *
 * @kernel mm/oom_kill.c out_of_memory, oom_badness, constrained_alloc, oom_evaluate_task, select_bad_process
 * @kernel mm/oom_kill.c dump_task, dump_tasks, dump_oom_summary, dump_header, mark_oom_victim, task_will_free_mem
 * @kernel mm/oom_kill.c __oom_kill_process, oom_kill_process, check_panic_on_oom, queue_oom_reaper, wake_oom_reaper
 * @kernel mm/oom_kill.c oom_reap_task, oom_reap_task_mm, __oom_reap_task_mm, oom_init
 * @kernel include/trace/events/oom.h mark_victim, wake_reaper, start_task_reaping, finish_task_reaping, skip_task_reaping
 * @kernel kernel/panic.c panic
 * @kernel lib/dump_stack.c dump_stack_lvl, dump_stack_print_info
 *
 * How time and tasks behave in the model (the kernel runs these concurrently; the model is one
 * deterministic thread):
 * - A killed task that is not the allocating one is asleep between its syscalls (every model
 *   process is), so SIGKILL wakes it and it exits at once: out_of_memory runs its do_exit right
 *   after the report, before the allocator retries — on one CPU the kernel's allocator yields in
 *   __alloc_pages_may_oom/should_reclaim_retry and the victim runs first. Its exit_mmap sets
 *   MMF_OOM_SKIP, so the reaper then has nothing to do (as in w3a, whose dmesg has no
 *   "oom_reaper:" line).
 * - When the allocating task itself is chosen, its allocation completes from the reserves
 *   (ALLOC_OOM) and the MMU model stops its access right after that fault, as the pending SIGKILL
 *   is delivered on the way back to user mode (memory.ts asks fatal_signal_pending). Inside a
 *   syscall that faults pages in (MAP_POPULATE, MADV_POPULATE_*, mlock, a locked brk) the
 *   populate loop stops at the pending SIGKILL with -EINTR (mm/gup.c __get_user_pages), fork
 *   gives up its child (copy_process), and the task dies as the syscall returns to user mode
 *   (sim/process.ts syscallExit): exit_mmap frees its memory. A victim inside the kernel on
 *   another path (a kernel allocation on its behalf outside a syscall the Process API runs)
 *   stays marked until the OOM killer next sees it outside its own allocation, when it is made
 *   to exit, or until the oom_reaper strips its memory.
 * - A kernel thread's OOM kill (kswapd's lru_gen_age_node when min_ttl protects every generation)
 *   runs at a scheduling point inside some task's own work (cond_resched in its reclaim, say):
 *   that task (k.kthread_interrupted_pid) is still in its fault below the kthread, so when it is
 *   the victim it is treated as the allocating one above, not made to exit under its own fault.
 * - The oom_reaper's 2 s timer (OOM_REAPER_DELAY) runs on the simulated clock: `oom_reaper_run`
 *   does the work whose timer has expired; it is called on every out_of_memory entry and by
 *   Machine.advance, which is what moves the clock.
 * - panic (vm.panic_on_oom, or no killable task) logs the panic lines, halts the machine
 *   (every later out_of_memory throws again) and throws `KernelPanic` out of the operation.
 *
 * A memcg OOM (oc.memcg, from mem_cgroup_out_of_memory) selects among the memcg's tasks with its
 * limit as totalpages, prints the memcg's usage and memory.stat instead of show_mem, and may kill
 * the victim's whole memory.oom.group.
 * Simplified: one thread per process, every task in the root cpuset (CONSTRAINT_CPUSET is a seam);
 * no oom notifier chain; the unreclaimable-slab dump is not printed (no slab caches modelled).
 * The stack dump is the real stack of the allocating path (anonymous fault, copy-on-write,
 * swap-in, page table, populate from mmap/mlock/madvise/brk…, fork), from arch/x86/dumpstack.ts.
 */
import type { Kernel } from "../kernel/kernel.js";
import { KernelPanic } from "../kernel/panic.js";
import { do_exit } from "../kernel/exit.js";
import { KERN_EMERG, KERN_ERR, KERN_INFO, KERN_WARNING } from "../kernel/printk.js";
import { OOM_SCORE_ADJ_MIN, PF_EXITING, PF_KTHREAD, SIGNAL_GROUP_EXIT, TIF_MEMDIE, type task_struct } from "../kernel/sched.js";
import type { oom_control as alloc_oom_control } from "./alloc_hooks.js";
import { ___ratelimit, DEFAULT_RATELIMIT_BURST, DEFAULT_RATELIMIT_INTERVAL_NS, ratelimit_state } from "../lib/ratelimit.js";
import { __GFP_ACCOUNT, __GFP_COMP, __GFP_FS, __GFP_MOVABLE, __GFP_THISNODE, __GFP_ZERO, format_gfp_flags, gfp_zone } from "./gfp.js";
import { NO_SYSCALL, oom_call_trace, user_regs, type AllocPath, type TraceHead } from "../arch/x86/dumpstack.js";
import { swap_use_vma_readahead } from "./swap_state.js";
import { unmap_single_vma } from "./memory.js";
import { tlb_finish_mmu, tlb_gather_mmu } from "./mmu_gather.js";
import {
  get_mm_counter,
  get_mm_rss,
  MM_ANONPAGES,
  MM_FILEPAGES,
  MM_SHMEMPAGES,
  MM_SWAPENTS,
  mm_pgtables_bytes,
  MMF_OOM_SKIP,
  MMF_UNSTABLE,
  type mm_struct,
  VM_HUGETLB,
  VM_PFNMAP,
  VM_SHARED,
  vma_is_anonymous,
} from "./mm_types.js";
import { nodemask_pbl, totalram_pages } from "./page_alloc.js";
import { __show_mem, SHOW_MEM_FILTER_NODES } from "./show_mem.js";
import { count_vm_event } from "./vmstat.js";
import {
  get_mem_cgroup_from_mm,
  mem_cgroup_from_task,
  mem_cgroup_get_max,
  mem_cgroup_get_oom_group,
  mem_cgroup_is_root,
  mem_cgroup_path,
  mem_cgroup_print_oom_meminfo,
  mem_cgroup_scan_tasks,
  memcg_memory_event,
  MEMCG_OOM_GROUP_KILL,
  MEMCG_OOM_KILL,
} from "./memcontrol.js";
import { NR_ACTIVE_ANON, NR_ACTIVE_FILE, NR_INACTIVE_ANON, NR_INACTIVE_FILE, NR_ISOLATED_ANON, NR_ISOLATED_FILE, NR_SLAB_UNRECLAIMABLE_B, NR_UNEVICTABLE, OOM_KILL } from "./vmstat_items.js";
import { dump_unreclaimable_slab } from "./slab_common.js";

/** enum oom_constraint. */
export const CONSTRAINT_NONE = 0;
export const CONSTRAINT_CPUSET = 1;
export const CONSTRAINT_MEMORY_POLICY = 2;
export const CONSTRAINT_MEMCG = 3;
/** oom_constraint_text[]. */
export const oom_constraint_text = Object.freeze(["CONSTRAINT_NONE", "CONSTRAINT_CPUSET", "CONSTRAINT_MEMORY_POLICY", "CONSTRAINT_MEMCG"] as const);

/** MMF_OOM_REAP_QUEUED: the mm was queued for the oom_reaper (include/linux/sched/coredump.h). */
export const MMF_OOM_REAP_QUEUED = 25;
/** OOM_REAPER_DELAY: 2 * HZ, the victim's grace period to exit on its own before it is reaped. */
export const OOM_REAPER_DELAY_NS = 2e9;
/** LONG_MIN: oom_badness's "never kill". */
export const LONG_MIN = Number.MIN_SAFE_INTEGER;
/** LONG_MAX: oom_task_origin's score. */
const LONG_MAX = Number.MAX_SAFE_INTEGER;
/** The scan found a victim already on its way out: oc->chosen = (void *)-1UL. */
export const OOM_SCAN_ABORTED = "aborted" as const;

/** The kernel's release and build strings, as dump_stack_print_info prints them (w3a). */
export const UTS_RELEASE = "6.1.0-56-amd64";
export const UTS_VERSION_SHORT = "#1  Debian 6.1.192-2";
/** dmi_get_system_info's "Hardware name:" of QEMU's i440FX machine with Debian's SeaBIOS. */
export const DUMP_STACK_ARCH_DESC = "QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014";

/**
 * What out_of_memory works with: the allocator's request plus the scan's results.
 * @kernel include/linux/oom.h struct oom_control
 */
export interface oom_control extends alloc_oom_control {
  /** Memory the allocation could use: totalram + swap (or the nodes of its mempolicy). */
  totalpages: number;
  constraint: number;
  chosen: task_struct | null | typeof OOM_SCAN_ABORTED;
  chosen_points: number;
}

/**
 * The OOM killer's statics (mm/oom_kill.c): one machine's `k.oom`. What the kernel keeps per
 * task is in the task: TIF_MEMDIE in thread_flags, signal->oom_mm, SIGNAL_GROUP_EXIT.
 */
export class oom_state {
  /** Tasks killed but not yet exited, in kill order. */
  readonly pending: task_struct[] = [];
  /** The oom_reaper_timer of each queued victim. */
  readonly timers: Array<{ tsk: task_struct; mm: mm_struct; expires_ns: number }> = [];
  /** oom_victims: victims in flight. */
  oom_victims = 0;
  /** oom_kill_process's report rate limit. */
  readonly oom_rs = new ratelimit_state(DEFAULT_RATELIMIT_INTERVAL_NS, DEFAULT_RATELIMIT_BURST);
  /** Set by panic(): the machine is halted. */
  panicked: string | null = null;
}


function current(k: Kernel): task_struct | undefined {
  return k.tasks.find(k.currentPid);
}

function test_bit(nr: number, flags: number): boolean {
  return (flags & (1 << nr)) !== 0;
}

/** tsk_is_oom_victim: the task was marked (signal->oom_mm set). @kernel include/linux/oom.h */
export function tsk_is_oom_victim(tsk: task_struct): boolean {
  return tsk.signal.oom_mm !== null;
}

/** is_global_init / kernel threads: never chosen. @kernel mm/oom_kill.c oom_unkillable_task */
export function oom_unkillable_task(k: Kernel, p: task_struct): boolean {
  // Stryker disable next-line all: equivalent in the model, where init and the kernel threads have no mm, so find_lock_task_mm's NULL already excludes them
  return p.pid === 1 || p === k.tasks.init || (p.flags & PF_KTHREAD) !== 0;
}

/** find_lock_task_mm: the task (its only thread) if it still has an mm. */
function find_lock_task_mm(p: task_struct): task_struct | null {
  return p.mm ? p : null;
}

/**
 * The badness of a task: LONG_MIN for tasks never to kill (init, kthreads, oom_score_adj -1000,
 * already reaped, no mm), else rss + swap entries + page-table pages + adj * (totalpages / 1000),
 * with C's integer division.
 * @kernel mm/oom_kill.c oom_badness
 */
export function oom_badness(k: Kernel, p: task_struct, totalpages: number): number {
  // Stryker disable next-line all: equivalent in the model, where init and the kernel threads have no mm, so find_lock_task_mm's NULL already excludes them
  if (oom_unkillable_task(k, p)) return LONG_MIN;
  const t = find_lock_task_mm(p);
  if (!t || !t.mm) return LONG_MIN;
  let adj = t.signal.oom_score_adj;
  // in_vfork is never true: the model has no vfork.
  if (adj === OOM_SCORE_ADJ_MIN || test_bit(MMF_OOM_SKIP, t.mm.flags)) return LONG_MIN;
  let points = get_mm_rss(t.mm) + get_mm_counter(t.mm, MM_SWAPENTS) + Math.trunc(mm_pgtables_bytes(t.mm) / 4096);
  adj *= Math.trunc(totalpages / 1000);
  points += adj;
  return points;
}

/**
 * Which memory the failed allocation was limited to. Global OOMs: everything (totalram + swap).
 * A truncated nodemask means a mempolicy: only its nodes' present pages count.
 * A memcg OOM counts the memcg's limit plus the swap it may use (mem_cgroup_get_max).
 * Simplified: every task is in the root cpuset, so CONSTRAINT_CPUSET never arises.
 * @kernel mm/oom_kill.c constrained_alloc
 */
export function constrained_alloc(k: Kernel, oc: oom_control): number {
  if (oc.memcg !== null) {
    oc.totalpages = mem_cgroup_get_max(k, oc.memcg) || 1;
    return CONSTRAINT_MEMCG;
  }
  oc.totalpages = totalram_pages(k) + k.total_swap_pages;
  if (oc.zonelist.length === 0) return CONSTRAINT_NONE;
  if (oc.gfp_mask & __GFP_THISNODE) return CONSTRAINT_NONE;
  if (oc.nodemask !== null) {
    // Stryker disable next-line all: equivalent in the model: every node has memory (boot gives each at least 16M), so no memoryless node is left out
    const withMemory = k.node_data.filter((p) => p.node_present_pages > 0).map((p) => p.node_id);
    const mask = oc.nodemask;
    if (!withMemory.every((nid) => mask.includes(nid))) {
      oc.totalpages = k.total_swap_pages;
      // Stryker disable next-line all: equivalent in the model: its nodemasks come from its own callers (hugetlb's per-node pools), all naming nodes that exist, so node_data[nid] is defined
      for (const nid of new Set(mask)) oc.totalpages += k.node_data[nid]?.node_present_pages ?? 0;
      return CONSTRAINT_MEMORY_POLICY;
    }
  }
  return CONSTRAINT_NONE;
}

/**
 * oom_cpuset_eligible: with a mempolicy-constrained OOM, only tasks whose memory may be on those
 * nodes are candidates. Simplified: no task has a mempolicy or cpuset of its own, so every task
 * may hold memory anywhere and is eligible.
 */
function oom_cpuset_eligible(_k: Kernel, _task: task_struct, _oc: oom_control): boolean {
  return true;
}

/**
 * One candidate: skip the unkillable, abort the scan when a victim is already on its way out
 * (unless its mm was reaped), keep the highest badness (ties: the later task in the list wins,
 * as `points < chosen_points` only skips strictly lower scores).
 * @kernel mm/oom_kill.c oom_evaluate_task
 */
export function oom_evaluate_task(k: Kernel, task: task_struct, oc: oom_control): boolean {
  // Stryker disable all: equivalent in the model: init and kthreads have no mm (oom_badness gives them LONG_MIN), and every task is in the root cpuset (oom_cpuset_eligible is true)
  if (oom_unkillable_task(k, task)) return false;
  if (!oom_cpuset_eligible(k, task, oc)) return false;
  // Stryker restore all
  const is_sysrq = oc.order === -1;
  if (!is_sysrq && tsk_is_oom_victim(task)) {
    const mm = task.signal.oom_mm;
    if (mm && test_bit(MMF_OOM_SKIP, mm.flags)) return false;
    oc.chosen = OOM_SCAN_ABORTED;
    return true;
  }
  // oom_task_origin (swapoff, ksm unmerge) is never set in the model.
  const points = oom_badness(k, task, oc.totalpages);
  if (points === LONG_MIN || points < oc.chosen_points) return false;
  oc.chosen = task;
  // Stryker disable next-line all: equivalent: the kernel's `points == LONG_MAX ? LONG_MAX : points` is the identity on numbers
  oc.chosen_points = points === LONG_MAX ? LONG_MAX : points;
  return false;
}

/** for_each_process: every task in creation order, init first. */
function for_each_process(k: Kernel): task_struct[] {
  return k.tasks.all();
}

/** The task with the highest badness, or OOM_SCAN_ABORTED, or null. @kernel mm/oom_kill.c select_bad_process */
export function select_bad_process(k: Kernel, oc: oom_control): void {
  oc.chosen_points = LONG_MIN;
  if (oc.memcg !== null) {
    mem_cgroup_scan_tasks(k, oc.memcg, (p) => oom_evaluate_task(k, p, oc));
    return;
  }
  for (const p of for_each_process(k)) if (oom_evaluate_task(k, p, oc)) break;
}

/** One row of the task table. @kernel mm/oom_kill.c dump_task */
export function dump_task(k: Kernel, p: task_struct, oc: oom_control): string | null {
  // Stryker disable all: equivalent in the model: init and kthreads have no mm, every task is in the root cpuset, and an exited task leaves the task list at once, so find_lock_task_mm's answer alone decides
  if (oom_unkillable_task(k, p)) return null;
  if (!oom_cpuset_eligible(k, p, oc)) return null;
  const t = find_lock_task_mm(p);
  if (!t || !t.mm) return null;
  // Stryker restore all
  const mm = t.mm;
  return (
    `[${String(t.pid).padStart(7)}] ${String(t.uid).padStart(5)} ${String(t.tgid).padStart(5)} ` +
    `${String(mm.total_vm).padStart(8)} ${String(get_mm_rss(mm)).padStart(8)} ${String(mm_pgtables_bytes(mm)).padStart(8)} ` +
    `${String(get_mm_counter(mm, MM_SWAPENTS)).padStart(8)}         ${String(t.signal.oom_score_adj).padStart(5)} ${t.comm}`
  );
}

/** "Tasks state (memory values in pages):", the header and one row per eligible task. @kernel mm/oom_kill.c dump_tasks */
export function dump_tasks(k: Kernel, oc: oom_control): string[] {
  const out = ["Tasks state (memory values in pages):", "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"];
  if (oc.memcg !== null) {
    mem_cgroup_scan_tasks(k, oc.memcg, (p) => {
      const row = dump_task(k, p, oc);
      if (row !== null) out.push(row);
      return false;
    });
    return out;
  }
  for (const p of for_each_process(k)) {
    const row = dump_task(k, p, oc);
    if (row !== null) out.push(row);
  }
  return out;
}

/** The nodes with memory, as cpuset_print_current_mems_allowed prints the root cpuset's mems. */
function mems_allowed(k: Kernel): number[] {
  // Stryker disable next-line all: equivalent in the model: every node has memory (boot gives each at least 16M), so no memoryless node is left out
  return k.node_data.filter((p) => p.node_present_pages > 0).map((p) => p.node_id);
}

/**
 * The one-line summary: constraint, nodemask, cpuset, memcg context, victim.
 * @kernel mm/oom_kill.c dump_oom_summary
 * @kernel kernel/cgroup/cpuset.c cpuset_print_current_mems_allowed
 * @kernel mm/memcontrol.c mem_cgroup_print_oom_context
 */
export function dump_oom_summary(k: Kernel, oc: oom_control, victim: task_struct): string {
  return (
    `oom-kill:constraint=${oom_constraint_text[oc.constraint]},nodemask=${nodemask_pbl(oc.nodemask)}` +
    `,cpuset=/,mems_allowed=${nodemask_pbl(mems_allowed(k))}` +
    (oc.memcg !== null ? `,oom_memcg=${mem_cgroup_path(oc.memcg)}` : ",global_oom") +
    `,task_memcg=${mem_cgroup_path(mem_cgroup_from_task(k, victim))}` +
    `,task=${victim.comm},pid=${victim.pid},uid=${victim.uid}`
  );
}

/**
 * The path that made the allocation, for the call trace: the gfp_mask and order say most of it
 * (a page-table page is GFP_PGTABLE_USER, order 1 for a pgd with PTI; an anonymous fault's page
 * is zeroed; a copy-on-write copy is not; the model's shmem pages are zeroed but not compound),
 * k.inSwapin the rest. Simplified: a copy-on-write of the zero page shows as an anonymous fault
 * (its zeroed copy has the same mask), and every page-table level as a PTE page.
 */
function alloc_path(k: Kernel, gfp_mask: number, order: number, memcg: boolean): AllocPath {
  if (memcg) return "memcg_anon";
  if (gfp_mask & __GFP_ACCOUNT && !(gfp_mask & __GFP_MOVABLE)) return order > 0 ? "pgd" : "pte";
  if (k.inSwapin) return swap_use_vma_readahead(k) ? "swapin_vma" : "swapin";
  if (gfp_mask & __GFP_ZERO) return gfp_mask & __GFP_COMP ? "anon" : "shmem";
  return "cow";
}

/**
 * dump_stack as the OOM report prints it: the task banner, the hardware name, the call trace
 * of the allocation (`head`: who on the way out of out_of_memory called it) and the user
 * registers of the task's entry into the kernel.
 * @kernel lib/dump_stack.c dump_stack_lvl, dump_stack_print_info
 * @kernel arch/x86/kernel/dumpstack.c show_trace_log_lvl, show_regs (user mode part)
 */
export function dump_stack(k: Kernel, oc: Pick<oom_control, "gfp_mask" | "order"> & { memcg?: unknown }, head: TraceHead): string[] {
  const cur = current(k);
  const orig_ax = cur?.orig_ax ?? NO_SYSCALL;
  const out = [
    `CPU: ${k.cpu} PID: ${k.currentPid} Comm: ${k.currentComm.slice(0, 20)} Not tainted ${UTS_RELEASE} ${UTS_VERSION_SHORT}`,
    `Hardware name: ${DUMP_STACK_ARCH_DESC}`,
    "Call Trace:",
    " <TASK>",
    ...oom_call_trace(head, alloc_path(k, oc.gfp_mask, oc.order, oc.memcg !== undefined && oc.memcg !== null), orig_ax).map((f) => ` ${f}`),
  ];
  const mm = cur?.mm;
  if (mm) {
    // The newest anonymous mmap region (top-down: the lowest one above the heap) stands for the
    // buffer being written.
    const anon = mm.mm_mt.filter((v) => vma_is_anonymous(v) && v.vm_start >= mm.brk && v.vm_end <= mm.mmap_base);
    out.push(...user_regs(orig_ax, anon.length ? anon[0].vm_start : 0));
  }
  out.push(" </TASK>");
  return out;
}

function printLines(k: Kernel, level: number, lines: readonly string[]): void {
  for (const l of lines) k.log.printk(level, l);
}

/**
 * The report's head: who invoked the killer with which request, the stack, show_mem filtered to
 * the allowed nodes and zones, the task table (vm.oom_dump_tasks), and the summary line when a
 * victim is known.
 * @kernel mm/oom_kill.c dump_header
 */
export function dump_header(k: Kernel, oc: oom_control, p: task_struct | null, head: TraceHead = p ? "oom_kill" : "no_victim"): void {
  const cur = current(k);
  k.log.printk(
    KERN_WARNING,
    `${k.currentComm} invoked oom-killer: gfp_mask=${format_gfp_flags(oc.gfp_mask)}, order=${oc.order}, oom_score_adj=${cur ? cur.signal.oom_score_adj : 0}`,
  );
  // CONFIG_COMPACTION=y in Debian's config: no "COMPACTION is disabled!!!" line.
  printLines(k, KERN_WARNING, dump_stack(k, oc, head));
  if (oc.memcg !== null) printLines(k, KERN_INFO, mem_cgroup_print_oom_meminfo(k, oc.memcg));
  else {
    printLines(k, KERN_INFO, __show_mem(k, SHOW_MEM_FILTER_NODES, oc.nodemask, gfp_zone(oc.gfp_mask)));
    if (should_dump_unreclaim_slab(k)) dump_unreclaimable_slab(k);
  }
  if (k.vm.oom_dump_tasks) printLines(k, KERN_INFO, dump_tasks(k, oc));
  if (p) k.log.printk(KERN_INFO, dump_oom_summary(k, oc, p));
}

/**
 * The report lists the unreclaimable caches when unreclaimable slab outweighs every page on the
 * LRU lists (a kernel leak rather than a user one).
 * @kernel mm/oom_kill.c should_dump_unreclaim_slab
 */
export function should_dump_unreclaim_slab(k: Kernel): boolean {
  let nr_lru = 0;
  let slab = 0;
  for (const pgdat of k.node_data) {
    const v = pgdat.vm_stat;
    nr_lru += v[NR_ACTIVE_ANON] + v[NR_INACTIVE_ANON] + v[NR_ACTIVE_FILE] + v[NR_INACTIVE_FILE] + v[NR_ISOLATED_ANON] + v[NR_ISOLATED_FILE] + v[NR_UNEVICTABLE];
    slab += v[NR_SLAB_UNRECLAIMABLE_B];
  }
  return slab > nr_lru;
}

/**
 * Marks a task as an OOM victim: TIF_MEMDIE, signal->oom_mm, and from now on the allocator gives
 * it ALLOC_OOM (half the min watermark's reserve) through the tsk_is_oom_victim hook.
 * @kernel mm/oom_kill.c mark_oom_victim
 */
export function mark_oom_victim(k: Kernel, tsk: task_struct): void {
  if (tsk.thread_flags & (1 << TIF_MEMDIE)) return;
  tsk.thread_flags |= 1 << TIF_MEMDIE;
  const mm = tsk.mm;
  // Stryker disable next-line all: equivalent in the model: a victim always has an mm (it was chosen through find_lock_task_mm, or is current in a fault)
  if (mm && tsk.signal.oom_mm === null) tsk.signal.oom_mm = mm;
  k.oom.oom_victims++;
  // Stryker disable next-line all: equivalent in the model: a victim always has an mm (it was chosen through find_lock_task_mm, or is current in a fault)
  if (mm && k.trace.enabled("mark_victim")) {
    const f = {
      pid: tsk.pid,
      comm: tsk.comm,
      total_vm: mm.total_vm * 4,
      anon_rss: get_mm_counter(mm, MM_ANONPAGES) * 4,
      file_rss: get_mm_counter(mm, MM_FILEPAGES) * 4,
      shmem_rss: get_mm_counter(mm, MM_SHMEMPAGES) * 4,
      uid: tsk.uid,
      pgtables: mm_pgtables_bytes(mm) >> 10,
      oom_score_adj: tsk.signal.oom_score_adj,
    };
    k.trace.emit(
      "mark_victim",
      f,
      `pid=${f.pid} comm=${f.comm} total-vm=${f.total_vm}kB anon-rss=${f.anon_rss}kB file-rss:${f.file_rss}kB shmem-rss:${f.shmem_rss}kB uid=${f.uid} pgtables=${f.pgtables}kB oom_score_adj=${f.oom_score_adj}`,
    );
  }
}

/** exit_oom_victim: the victim has exited. */
function exit_oom_victim(k: Kernel, tsk: task_struct): void {
  if ((tsk.thread_flags & (1 << TIF_MEMDIE)) === 0) return;
  tsk.thread_flags &= ~(1 << TIF_MEMDIE);
  k.oom.oom_victims--;
}

/** __task_will_free_mem: SIGKILL pending (SIGNAL_GROUP_EXIT) or exiting. No coredumps in the model. */
function __task_will_free_mem(task: task_struct): boolean {
  if (task.signal.flags & SIGNAL_GROUP_EXIT) return true;
  return (task.flags & PF_EXITING) !== 0;
}

/**
 * Whether a task is dying and will free its mm: every user of the mm must be dying too, and the
 * mm must not be reaped already.
 * @kernel mm/oom_kill.c task_will_free_mem
 */
export function task_will_free_mem(k: Kernel, task: task_struct): boolean {
  const mm = task.mm;
  if (!mm) return false;
  if (!__task_will_free_mem(task)) return false;
  if (test_bit(MMF_OOM_SKIP, mm.flags)) return false;
  // Stryker disable all: unreachable in the model: one thread per process and no CLONE_VM, so mm_users is 1 and no other task shares the mm
  if (mm.mm_users <= 1) return true;
  for (const p of for_each_process(k)) {
    if (p.mm !== mm || p === task) continue;
    if (!__task_will_free_mem(p)) return false;
  }
  // Stryker restore all
  return true;
}

/** do_send_sig_info(SIGKILL): the task has a fatal signal pending; it exits when it next runs. */
function send_sigkill(k: Kernel, p: task_struct): void {
  if (p.signal.flags & SIGNAL_GROUP_EXIT) return;
  p.signal.flags |= SIGNAL_GROUP_EXIT;
  k.oom.pending.push(p);
}

/**
 * Arms the victim's reaper timer, once per mm.
 * @kernel mm/oom_kill.c queue_oom_reaper
 */
export function queue_oom_reaper(k: Kernel, tsk: task_struct): void {
  const mm = tsk.signal.oom_mm;
  if (!mm) return;
  if (test_bit(MMF_OOM_REAP_QUEUED, mm.flags)) return;
  mm.flags |= 1 << MMF_OOM_REAP_QUEUED;
  k.oom.timers.push({ tsk, mm, expires_ns: k.now_ns + OOM_REAPER_DELAY_NS });
}

/**
 * Kills the victim: OOM_KILL event, SIGKILL, mark_oom_victim, the "Killed process" line, SIGKILL
 * to every other process sharing its mm (init pins it: no reaping then), and the reaper queued.
 * @kernel mm/oom_kill.c __oom_kill_process
 */
export function __oom_kill_process(k: Kernel, victim: task_struct, message: string): void {
  const p = find_lock_task_mm(victim);
  // Stryker disable all: unreachable in the model: oom_kill_process and the oom.group walk only kill tasks that have an mm
  if (!p || !p.mm) {
    k.log.printk(KERN_INFO, `${message}: OOM victim ${victim.pid} (${victim.comm}) is already exiting. Skip killing the task`);
    return;
  }
  // Stryker restore all
  const mm = p.mm;
  let can_oom_reap = true;
  count_vm_event(k, OOM_KILL);
  // memcg_memory_event_mm: the memcg of the victim's mm counts the kill.
  if (k.memcg.nr_memcgs !== 0) {
    const memcg = get_mem_cgroup_from_mm(k, mm);
    if (!mem_cgroup_is_root(memcg)) memcg_memory_event(memcg, MEMCG_OOM_KILL);
  }
  send_sigkill(k, victim);
  mark_oom_victim(k, victim);
  k.log.printk(
    KERN_ERR,
    `${message}: Killed process ${victim.pid} (${victim.comm}) total-vm:${mm.total_vm * 4}kB, anon-rss:${get_mm_counter(mm, MM_ANONPAGES) * 4}kB, ` +
      `file-rss:${get_mm_counter(mm, MM_FILEPAGES) * 4}kB, shmem-rss:${get_mm_counter(mm, MM_SHMEMPAGES) * 4}kB, UID:${victim.uid} ` +
      `pgtables:${mm_pgtables_bytes(mm) >> 10}kB oom_score_adj:${victim.signal.oom_score_adj}`,
  );
  for (const q of for_each_process(k)) {
    if (q.mm !== mm || q === victim) continue;
    // Stryker disable all: unreachable in the model: no other task shares a victim's mm (no CLONE_VM), so the loop never gets past its first test
    if (q.pid === 1) {
      can_oom_reap = false;
      mm.flags |= 1 << MMF_OOM_SKIP;
      k.log.printk(KERN_INFO, `oom killer ${victim.pid} (${victim.comm}) has mm pinned by ${q.pid} (${q.comm})`);
      continue;
    }
    if (q.flags & PF_KTHREAD) continue;
    // Stryker restore all
    // Stryker disable next-line all: unreachable in the model (see above)
    send_sigkill(k, q);
  }
  if (can_oom_reap) queue_oom_reaper(k, victim);
}

/**
 * Kills the chosen task, unless it is already exiting (then it only gets the reserves and the
 * reaper). The report is rate limited (10 per 5 s).
 * @kernel mm/oom_kill.c oom_kill_process
 */
export function oom_kill_process(k: Kernel, oc: oom_control, message: string): void {
  const victim = oc.chosen;
  // Stryker disable next-line all: unreachable: out_of_memory calls oom_kill_process only with a chosen task
  if (victim === null || victim === OOM_SCAN_ABORTED) return;
  if (task_will_free_mem(k, victim)) {
    mark_oom_victim(k, victim);
    queue_oom_reaper(k, victim);
    return;
  }
  if (___ratelimit(k, k.oom.oom_rs, "oom_kill_process")) dump_header(k, oc, victim);
  // The victim's memcg (or an ancestor up to the OOMing one) may want its whole group killed.
  const oom_group = k.memcg.nr_memcgs !== 0 ? mem_cgroup_get_oom_group(k, victim, oc.memcg) : null;
  __oom_kill_process(k, victim, message);
  if (oom_group !== null) {
    memcg_memory_event(oom_group, MEMCG_OOM_GROUP_KILL);
    k.log.printk(KERN_INFO, `Tasks in ${mem_cgroup_path(oom_group)} are going to be killed due to memory.oom.group set`);
    // oom_kill_memcg_member: every task of the group that may be killed, the victim included:
    // it still has its mm (the SIGKILL is only pending, the reaper is 2 s away), so 6.1 kills it
    // a second time — a second "Killed process" line and a second OOM_KILL/MEMCG_OOM_KILL count.
    mem_cgroup_scan_tasks(k, oom_group, (t) => {
      if (!oom_unkillable_task(k, t) && t.signal.oom_score_adj !== OOM_SCORE_ADJ_MIN) __oom_kill_process(k, t, message);
      return false;
    });
  }
}

/**
 * panic(): the panic line, the stack, and the end marker; the machine halts (see the header).
 * @kernel kernel/panic.c panic
 */
export function panic(k: Kernel, reason: string, oc: Pick<oom_control, "gfp_mask" | "order">, head: TraceHead): never {
  const st = k.oom;
  st.panicked = reason;
  k.log.printk(KERN_EMERG, `Kernel panic - not syncing: ${reason}`);
  printLines(k, KERN_EMERG, dump_stack(k, oc, head));
  k.log.printk(KERN_EMERG, "Kernel Offset: disabled");
  k.log.printk(KERN_EMERG, `---[ end Kernel panic - not syncing: ${reason} ]---`);
  throw new KernelPanic(reason);
}

/** vm.panic_on_oom: 1 panics on unconstrained OOMs, 2 on every OOM. @kernel mm/oom_kill.c check_panic_on_oom */
function check_panic_on_oom(k: Kernel, oc: oom_control): void {
  const v = k.vm.panic_on_oom;
  if (!v) return;
  if (v !== 2 && oc.constraint !== CONSTRAINT_NONE) return;
  if (oc.order === -1) return;
  dump_header(k, oc, null, "panic_on_oom");
  panic(k, `Out of memory: ${v === 2 ? "compulsory" : "system-wide"} panic_on_oom is enabled`, oc, "panic_on_oom_panic");
}

/**
 * Runs the exit of every killed task that is not the one on the CPU: a sleeping process woken by
 * SIGKILL exits before the allocator's retry (see the header). exit_mmap sets MMF_OOM_SKIP.
 */
export function oom_deliver_kills(k: Kernel): boolean {
  const st = k.oom;
  let exited = false;
  const savedPid = k.currentPid;
  const savedComm = k.currentComm;
  for (let i = 0; i < st.pending.length; ) {
    const t = st.pending[i];
    if (t.state === "X") {
      st.pending.splice(i, 1);
      exit_oom_victim(k, t);
      continue;
    }
    // The allocating task, or the task a kernel thread's OOM kill interrupted (kswapd's
    // lru_gen_age_node at a scheduling point inside that task's fault): its code is on the stack
    // below, so it takes the SIGKILL on its way back to user mode, as the allocating one does.
    if (t.pid === savedPid || (k.in_kthread > 0 && t.pid === k.kthread_interrupted_pid)) {
      i++;
      continue;
    }
    st.pending.splice(i, 1);
    const mm = t.mm;
    k.currentPid = t.pid;
    k.currentComm = t.comm;
    do_exit(k, t, 9);
    t.killedBy = 9;
    if (mm) mm.flags |= 1 << MMF_OOM_SKIP;
    exit_oom_victim(k, t);
    exited = true;
  }
  k.currentPid = savedPid;
  k.currentComm = savedComm;
  return exited;
}

/**
 * Unmaps the victim's private memory (anonymous and private file mappings), leaving shared and
 * hugetlb/PFN mappings.
 * @kernel mm/oom_kill.c __oom_reap_task_mm
 */
function __oom_reap_task_mm(k: Kernel, mm: mm_struct): boolean {
  mm.flags |= 1 << MMF_UNSTABLE;
  for (const vma of mm.mm_mt.slice()) {
    if (vma.vm_flags & (VM_HUGETLB | VM_PFNMAP)) continue;
    if (vma_is_anonymous(vma) || !(vma.vm_flags & VM_SHARED)) {
      // A gather per VMA (tlb_gather_mmu … unmap_page_range … tlb_finish_mmu).
      const tlb = tlb_gather_mmu(k, mm);
      unmap_single_vma(k, tlb, vma, vma.vm_start, vma.vm_end);
      tlb_finish_mmu(k, tlb);
    }
  }
  return true;
}

function trace_pid(k: Kernel, event: string, pid: number): void {
  if (k.trace.enabled(event)) k.trace.emit(event, { pid }, `pid=${pid}`);
}

/**
 * Reaps one victim: skipped if its mm is already gone (MMF_OOM_SKIP); else strips it and logs
 * "oom_reaper: reaped process …". mmap_read_trylock always succeeds (one thread). Sets
 * MMF_OOM_SKIP so the next OOM looks past this task.
 * @kernel mm/oom_kill.c oom_reap_task, oom_reap_task_mm
 */
function oom_reap_task(k: Kernel, tsk: task_struct, mm: mm_struct): void {
  if (test_bit(MMF_OOM_SKIP, mm.flags)) {
    trace_pid(k, "skip_task_reaping", tsk.pid);
  } else {
    trace_pid(k, "start_task_reaping", tsk.pid);
    if (__oom_reap_task_mm(k, mm)) {
      k.log.printk(
        KERN_INFO,
        `oom_reaper: reaped process ${tsk.pid} (${tsk.comm}), now anon-rss:${get_mm_counter(mm, MM_ANONPAGES) * 4}kB, file-rss:${get_mm_counter(mm, MM_FILEPAGES) * 4}kB, shmem-rss:${get_mm_counter(mm, MM_SHMEMPAGES) * 4}kB`,
      );
    }
    trace_pid(k, "finish_task_reaping", tsk.pid);
  }
  mm.flags |= 1 << MMF_OOM_SKIP;
}

/**
 * The oom_reaper kthread's turn on the simulated clock: every victim whose 2 s timer has expired
 * is reaped, unless it terminated on its own (its exit_mmap ran: MMF_OOM_SKIP, or the mm has no
 * users left).
 * @kernel mm/oom_kill.c wake_oom_reaper, oom_reaper
 */
export function oom_reaper_run(k: Kernel): void {
  const st = k.oom;
  for (let i = 0; i < st.timers.length; ) {
    const tm = st.timers[i];
    if (tm.expires_ns > k.now_ns) {
      i++;
      continue;
    }
    st.timers.splice(i, 1);
    if (test_bit(MMF_OOM_SKIP, tm.mm.flags) || tm.mm.mm_users <= 0 || tm.tsk.state === "X") {
      tm.mm.flags |= 1 << MMF_OOM_SKIP;
      continue;
    }
    trace_pid(k, "wake_reaper", tm.tsk.pid);
    const savedPid = k.currentPid;
    const savedComm = k.currentComm;
    k.currentPid = 0;
    k.currentComm = "oom_reaper";
    oom_reap_task(k, tm.tsk, tm.mm);
    k.currentPid = savedPid;
    k.currentComm = savedComm;
  }
}

/** When the oom_reaper next has a victim to reap (Infinity: none queued). */
export function oom_reaper_next(k: Kernel): number {
  let t = Infinity;
  for (const tm of k.oom.timers) if (tm.expires_ns < t) t = tm.expires_ns;
  return t;
}

/**
 * The OOM killer: picks and kills a task so the allocation can go on. Returns true when it made
 * progress (a victim was killed, or one is already dying), which sends the allocator round again.
 * @kernel mm/oom_kill.c out_of_memory
 */
export function out_of_memory(k: Kernel, req: alloc_oom_control): boolean {
  const st = k.oom;
  if (st.panicked !== null) throw new KernelPanic(st.panicked);
  oom_reaper_run(k);
  // A victim that was waiting to run has now died and freed its memory: that is the progress a
  // concurrent allocator would see on its retry, so retry rather than pick another victim.
  if (oom_deliver_kills(k)) return true;
  const oc: oom_control = { ...req, totalpages: 0, constraint: CONSTRAINT_NONE, chosen: null, chosen_points: LONG_MIN };
  const cur = current(k);
  // oom_notify_list: no notifiers registered in the model.
  if (cur && task_will_free_mem(k, cur)) {
    mark_oom_victim(k, cur);
    queue_oom_reaper(k, cur);
    return true;
  }
  // The OOM killer does not compensate for IO-less reclaim (GFP_NOFS/GFP_NOIO).
  const is_memcg_oom = oc.memcg !== null;
  if (oc.gfp_mask && !(oc.gfp_mask & __GFP_FS) && !is_memcg_oom) return true;
  oc.constraint = constrained_alloc(k, oc);
  if (oc.constraint !== CONSTRAINT_MEMORY_POLICY) oc.nodemask = null;
  check_panic_on_oom(k, oc);

  if (!is_memcg_oom && k.vm.oom_kill_allocating_task && cur && cur.mm && !oom_unkillable_task(k, cur) && oom_cpuset_eligible(k, cur, oc) && cur.signal.oom_score_adj !== OOM_SCORE_ADJ_MIN) {
    oc.chosen = cur;
    oom_kill_process(k, oc, "Out of memory (oom_kill_allocating_task)");
    oom_deliver_kills(k);
    return true;
  }

  select_bad_process(k, oc);
  if (oc.chosen === null) {
    dump_header(k, oc, null);
    k.log.printk(KERN_WARNING, "Out of memory and no killable processes...");
    if (oc.order !== -1 && !is_memcg_oom) panic(k, "System is deadlocked on memory", oc, "deadlock_panic");
  }
  if (oc.chosen !== null && oc.chosen !== OOM_SCAN_ABORTED) {
    oom_kill_process(k, oc, is_memcg_oom ? "Memory cgroup out of memory" : "Out of memory");
    oom_deliver_kills(k);
  }
  return oc.chosen !== null;
}

/** tsk_is_oom_victim(current), for the allocator's ALLOC_OOM decision. */
export function current_is_oom_victim(k: Kernel): boolean {
  const cur = current(k);
  return cur !== undefined && tsk_is_oom_victim(cur);
}

/**
 * oom_init: the OOM killer takes the allocator's out_of_memory seam and answers its
 * tsk_is_oom_victim question (the oom_reaper "thread" is oom_reaper_run on the clock).
 * @kernel mm/oom_kill.c oom_init
 */
export function oom_init(k: Kernel): void {
  k.mmHooks.out_of_memory = out_of_memory;
  k.mmHooks.tsk_is_oom_victim = current_is_oom_victim;
}
