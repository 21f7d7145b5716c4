/**
 * The TLB as x86-64 Linux 6.1 keeps it coherent: which CPUs may hold an mm's translations
 * (mm_cpumask, set and cleared by switch_mm_irqs_off), each CPU's loaded mm and lazy-TLB state
 * (cpu_tlbstate, cpu_tlbstate_shared.is_lazy), the per-mm flush generation (mm->context.tlb_gen)
 * against each CPU's (cpu_tlbstate.ctxs[].tlb_gen), and the flushes: flush_tlb_mm_range with its
 * single-page ceiling (tlb_single_page_flush_ceiling = 33: a range of more pages is flushed
 * whole), flush_tlb_func run locally or by IPI on the other CPUs of the mask (flush_tlb_multi,
 * which skips lazy CPUs unless page tables were freed), reclaim's batched flush
 * (arch_tlbbatch_add_mm / arch_tlbbatch_flush behind mm/rmap.c's tlb_ubc), and
 * flush_tlb_kernel_range for vmalloc's purge.
 *
 * What a user can see, as on the real machine (Debian's 6.1 has no CONFIG_DEBUG_TLBFLUSH, so no
 * nr_tlb_* lines in /proc/vmstat): the TLB row of /proc/interrupts (irq_tlb_count, bumped by each
 * flush_tlb_func a remote CPU runs), the CAL row (irq_call_count: every function-call IPI), the
 * tlb:tlb_flush tracepoint, and /sys/kernel/debug/x86/tlb_single_page_flush_ceiling.
 *
 * Worked numbers: munmap of 1 page of a larger VMA flushes [addr, addr + 4K): (4096 >> 12) = 1 ≤
 * 33 pages, so flush_tlb_func invalidates 1 page (trace "pages:1"); munmap of 64 pages gives
 * 64 > 33: start = 0, end = TLB_FLUSH_ALL, a full flush ("pages:-1").
 *
 * Simplified: no PCID (choose_new_asid always answers ASID 0 and need_flush, as on a CPU
 * without X86_FEATURE_PCID): every switch to another mm flushes, and one ctxs[] slot per CPU;
 * no TLB contents are modelled (a flush is bookkeeping and events: the MMU model reads the page
 * tables directly, so a stale translation never serves an access); IPIs are delivered at once
 * and in CPU order, remote CPUs first, then the initiator's own flush_tlb_func
 * (smp_call_function_many_cond's order), and a remote flush's trace record carries the remote
 * CPU but the initiating task's pid and comm; trim_cpumask (should_trim_cpumask) is not
 * modelled: since switch_mm_irqs_off clears the previous mm's bit, a CPU is in an mm's mask
 * only while that mm is loaded there (perhaps lazily), where should_flush_tlb's other tests
 * decide first; flush_tlb_all (no caller in the model).
 * @kernel arch/x86/mm/tlb.c switch_mm_irqs_off, enter_lazy_tlb, flush_tlb_func,
 *   should_flush_tlb, native_flush_tlb_multi, flush_tlb_multi, get_flush_tlb_info,
 *   flush_tlb_mm_range, flush_tlb_kernel_range, arch_tlbbatch_flush,
 *   tlbflush_read_file, tlbflush_write_file
 * @kernel arch/x86/include/asm/tlbflush.h flush_tlb_mm, flush_tlb_range, flush_tlb_page,
 *   inc_mm_tlb_gen, arch_tlbbatch_add_mm, pte_needs_flush, pte_flags_need_flush
 * @kernel include/trace/events/tlb.h tlb_flush
 */
import { shr } from "../../lib/bitops.js";
import { errnoValues } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import { kstrtoint } from "../../lib/kstrtox.js";
import type { mm_struct, vm_area_struct } from "../../mm/mm_types.js";
import { PAGE_SHIFT, PAGE_SIZE } from "../../mm/types.js";
import { _PAGE_DIRTY, _PAGE_GLOBAL, _PAGE_NX, _PAGE_PCD, _PAGE_PRESENT, _PAGE_PSE, _PAGE_PWT, _PAGE_RW, _PAGE_USER } from "./pgtable.js";

/** end = TLB_FLUSH_ALL: flush everything (the kernel's -1UL, printed by the tracepoint as -1). */
export const TLB_FLUSH_ALL = -1;
/** No generation to check against (kernel and batched flushes). */
export const TLB_GENERATION_INVALID = 0;

/** enum tlb_flush_reason (include/linux/mm_types.h). */
export const TLB_FLUSH_ON_TASK_SWITCH = 0;
export const TLB_REMOTE_SHOOTDOWN = 1;
export const TLB_LOCAL_SHOOTDOWN = 2;
export const TLB_LOCAL_MM_SHOOTDOWN = 3;
export const TLB_REMOTE_SEND_IPI = 4;
/** TLB_FLUSH_REASON's strings, by reason (include/trace/events/tlb.h). */
export const TLB_FLUSH_REASON: readonly string[] = Object.freeze(["flush on task switch", "remote shootdown", "local shootdown", "local mm shootdown", "remote ipi send"]);

/** The model's NR_CPUS (scenarios allow 1 to 256 CPUs): an mm_cpumask is 8 words of 32 bits. */
export const NR_CPUS = 256;
export const CPUMASK_WORDS = NR_CPUS / 32;

/** The default tlb_single_page_flush_ceiling: 33 pages (Documentation/x86/tlb.rst). */
export const TLB_SINGLE_PAGE_FLUSH_CEILING = 33;

/**
 * struct flush_tlb_info: what one flush asks of each CPU. The kernel keeps one per CPU
 * (get_flush_tlb_info); one per machine suffices here, since nothing initiates a flush while
 * another is in flight (no interrupts inside the model's flushes).
 */
export class flush_tlb_info {
  /** The mm to flush, or null for a kernel or batched flush (f->mm == NULL). */
  mm: mm_struct | null = null;
  start = 0;
  end = 0;
  /** new_tlb_gen: the mm's generation this flush brings a CPU to (TLB_GENERATION_INVALID: none). */
  new_tlb_gen = TLB_GENERATION_INVALID;
  stride_shift = PAGE_SHIFT;
  /** Page tables were freed: lazy CPUs must flush too. */
  freed_tables = false;
  initiating_cpu = 0;
}

/**
 * The machine's TLB state: the per-CPU columns of cpu_tlbstate, cpu_tlbstate_shared and
 * irq_stat that the kernel keeps per CPU, the ceiling, and current->tlb_ubc (one for the
 * machine: shrink_page_list flushes its batch before it returns, and nothing runs in between
 * in the model, so no two tasks' batches are ever pending at once).
 */
export class tlb_state {
  /** cpu_tlbstate.loaded_mm by CPU; null is &init_mm (the kernel's own page tables). */
  readonly loaded_mm: Array<mm_struct | null> = new Array<mm_struct | null>(NR_CPUS).fill(null);
  /** cpu_tlbstate_shared.is_lazy: a kernel thread runs on the CPU over the mm it borrowed. */
  readonly is_lazy = new Uint8Array(NR_CPUS);
  /** cpu_tlbstate.ctxs[0].tlb_gen: the loaded mm's generation this CPU's TLB has caught up to. */
  readonly ctx_tlb_gen = new Float64Array(NR_CPUS);
  /** irq_stat.irq_tlb_count: flush_tlb_func runs this CPU did for another (the TLB row). */
  readonly irq_tlb_count = new Float64Array(NR_CPUS);
  /** irq_stat.irq_call_count: function-call IPIs this CPU took (the CAL row). */
  readonly irq_call_count = new Float64Array(NR_CPUS);
  /** tlb_single_page_flush_ceiling, in pages (debugfs x86/tlb_single_page_flush_ceiling). */
  tlb_single_page_flush_ceiling = TLB_SINGLE_PAGE_FLUSH_CEILING;
  /** init_mm.context.tlb_gen (switches to init_mm read it). */
  init_mm_tlb_gen = 0;
  /** The flush in progress (get_flush_tlb_info's per-CPU object). */
  readonly info = new flush_tlb_info();
  /** tlb_ubc.arch.cpumask: the CPUs a batched unmap must flush. */
  readonly ubc_cpumask = new Uint32Array(CPUMASK_WORDS);
  /** tlb_ubc.flush_required / writable. */
  ubc_flush_required = false;
  ubc_writable = false;
  /** The CPU whose task's quantum is in progress (sim/sched.ts), -1 between quanta. */
  quantum_cpu = -1;
  /** mmu_gathers by nesting depth (the kernel's live on the stack), reused: a zap allocates nothing. */
  readonly gathers: mmu_gather[] = [];
  gatherDepth = 0;
}

/**
 * struct mmu_gather: the range and kinds of entries a zap, munmap, exit or mprotect has cleared,
 * and how many pages wait in its batches to be freed after the flush. Lives in arch/x86 beside
 * the flush it ends in; mm/mmu_gather.ts holds its functions.
 * @kernel include/asm-generic/tlb.h struct mmu_gather
 */
export class mmu_gather {
  mm: mm_struct | null = null;
  /** The whole address space goes (exit_mmap): one full flush at the end. */
  fullmm = false;
  need_flush_all = false;
  /**
   * The kernel's bitfield word: freed_tables, cleared_ptes, cleared_pmds, cleared_puds and
   * cleared_p4ds as the TLB_* bits below, so a reset is one store and "anything to flush?"
   * one test.
   */
  cleared = 0;
  start = 0;
  end = 0;
  /** Pages held in the batches (tlb->local, then tlb->active's chain), freed by tlb_flush_mmu. */
  nr_pages = 0;
}

/** mmu_gather.cleared's bits (struct mmu_gather's freed_tables and cleared_* bitfields). */
export const TLB_FREED_TABLES = 1;
export const TLB_CLEARED_PTES = 2;
export const TLB_CLEARED_PMDS = 4;
export const TLB_CLEARED_PUDS = 8;
export const TLB_CLEARED_P4DS = 16;

// ---- cpumask helpers (include/linux/cpumask.h) on an 8-word Uint32Array ----

/** cpumask_set_cpu. */
export function cpumask_set_cpu(cpu: number, mask: Uint32Array): void {
  mask[cpu >>> 5] |= 1 << (cpu & 31);
}

/** cpumask_clear_cpu. */
export function cpumask_clear_cpu(cpu: number, mask: Uint32Array): void {
  mask[cpu >>> 5] &= ~(1 << (cpu & 31));
}

/** cpumask_test_cpu. */
export function cpumask_test_cpu(cpu: number, mask: Uint32Array): boolean {
  return (mask[cpu >>> 5] & (1 << (cpu & 31))) !== 0;
}

/** cpumask_any_but(mask, cpu) < nr_cpu_ids: does the mask hold a CPU other than `cpu`? */
export function cpumask_any_but(mask: Uint32Array, cpu: number): boolean {
  for (let w = 0; w < CPUMASK_WORDS; w++) {
    const bits = w === cpu >>> 5 ? mask[w] & ~(1 << (cpu & 31)) : mask[w];
    if (bits !== 0) return true;
  }
  return false;
}

/** cpumask_weight: how many CPUs the mask holds. */
export function cpumask_weight(mask: Uint32Array): number {
  let n = 0;
  for (let w = 0; w < CPUMASK_WORDS; w++) {
    let b = mask[w];
    while (b !== 0) {
      b &= b - 1;
      n++;
    }
  }
  return n;
}

/** The CPUs of a mask, ascending ("0,2,3"), for messages and tests. */
export function cpumask_list(mask: Uint32Array): number[] {
  const out: number[] = [];
  for (let cpu = 0; cpu < NR_CPUS; cpu++) if (cpumask_test_cpu(cpu, mask)) out.push(cpu);
  return out;
}

// ---- tracing ----

/** trace_tlb_flush(reason, pages). */
function trace_tlb_flush(k: Kernel, reason: number, pages: number): void {
  if (!k.trace.active || !k.trace.enabled("tlb_flush")) return;
  k.trace.emit("tlb_flush", { reason, pages }, `pages:${pages} reason:${TLB_FLUSH_REASON[reason]} (${reason})`);
}

// ---- context switch ----

/**
 * Loads `next` (null: init_mm) on the current CPU: leaving lazy mode, clearing this CPU from the
 * previous mm's mask and setting it in the next's, and flushing when the TLB may hold another
 * mm's translations (no PCID: every real change of mm) or the same mm's out-of-date ones (back
 * from lazy mode after a flush this CPU skipped). 6.1's exact steps, without the ASID search.
 * @kernel arch/x86/mm/tlb.c switch_mm_irqs_off, choose_new_asid
 */
export function switch_mm_irqs_off(k: Kernel, next: mm_struct | null): void {
  const s = k.tlb;
  const cpu = k.cpu;
  const real_prev = s.loaded_mm[cpu];
  const was_lazy = s.is_lazy[cpu] !== 0;
  if (was_lazy) s.is_lazy[cpu] = 0;
  let next_tlb_gen: number;
  if (real_prev === next) {
    // Even in lazy mode the CPU stays in the mask (the shootdown code reads is_lazy instead).
    if (next !== null && !cpumask_test_cpu(cpu, next.cpu_bitmap)) cpumask_set_cpu(cpu, next.cpu_bitmap);
    // Another thread of the same process: nothing to flush.
    if (!was_lazy) return;
    next_tlb_gen = next === null ? s.init_mm_tlb_gen : next.context.tlb_gen;
    // Lazy, and no flush went by meanwhile: the TLB is up to date.
    if (s.ctx_tlb_gen[cpu] === next_tlb_gen) return;
  } else {
    // Stop remote flushes for the previous mm, start them for the next (never for init_mm).
    if (real_prev !== null) cpumask_clear_cpu(cpu, real_prev.cpu_bitmap);
    if (next !== null) cpumask_set_cpu(cpu, next.cpu_bitmap);
    next_tlb_gen = next === null ? s.init_mm_tlb_gen : next.context.tlb_gen;
  }
  // need_flush: without PCID, always; load_new_mm_cr3 with a flush.
  s.ctx_tlb_gen[cpu] = next_tlb_gen;
  trace_tlb_flush(k, TLB_FLUSH_ON_TASK_SWITCH, TLB_FLUSH_ALL);
  s.loaded_mm[cpu] = next;
}

/**
 * A kernel thread (or an exiting task, after exit_mm) runs on the current CPU over whatever mm
 * is loaded there: the CPU becomes lazy, keeping the mm loaded and its bit in the mask.
 * @kernel arch/x86/mm/tlb.c enter_lazy_tlb
 */
export function enter_lazy_tlb(k: Kernel): void {
  const cpu = k.cpu;
  if (k.tlb.loaded_mm[cpu] === null) return;
  k.tlb.is_lazy[cpu] = 1;
}

// ---- flushing ----

/**
 * One CPU's part of a flush (the current CPU, k.cpu): on a remote CPU it counts the IPI
 * (irq_tlb_count) and ignores a flush of an mm it has not loaded; a lazy CPU switches to init_mm
 * instead (page tables were freed); otherwise it catches its TLB up to the mm's generation,
 * page by page when this flush is the only one it missed and has a range, else whole.
 * @kernel arch/x86/mm/tlb.c flush_tlb_func
 */
function flush_tlb_func(k: Kernel, f: flush_tlb_info): void {
  const s = k.tlb;
  const cpu = k.cpu;
  const loaded_mm = s.loaded_mm[cpu];
  const local = cpu === f.initiating_cpu;
  if (!local) {
    s.irq_tlb_count[cpu]++;
    if (f.mm !== null && f.mm !== loaded_mm) return;
  }
  if (loaded_mm === null) return; // init_mm: no user translations
  if (s.is_lazy[cpu] !== 0) {
    // The CPU runs a kernel thread over the mm: rather than flush for it, drop it.
    switch_mm_irqs_off(k, null);
    return;
  }
  const local_tlb_gen = s.ctx_tlb_gen[cpu];
  // An older flush already caught up with by a newer one.
  if (f.new_tlb_gen !== TLB_GENERATION_INVALID && f.new_tlb_gen <= local_tlb_gen) return;
  const mm_tlb_gen = loaded_mm.context.tlb_gen;
  let nr_invalidate = 0;
  if (local_tlb_gen !== mm_tlb_gen) {
    if (f.end !== TLB_FLUSH_ALL && f.new_tlb_gen === local_tlb_gen + 1 && f.new_tlb_gen === mm_tlb_gen) {
      // Partial flush: invlpg each page of the range (flush_tlb_one_user).
      nr_invalidate = shr(f.end - f.start, f.stride_shift);
    } else {
      nr_invalidate = TLB_FLUSH_ALL;
    }
    s.ctx_tlb_gen[cpu] = mm_tlb_gen;
  }
  trace_tlb_flush(k, !local ? TLB_REMOTE_SHOOTDOWN : f.mm === null ? TLB_LOCAL_SHOOTDOWN : TLB_LOCAL_MM_SHOOTDOWN, nr_invalidate);
}

/**
 * Would this CPU's TLB hold what the flush removes? Not when lazy (it flushes at its next
 * switch); yes for a kernel flush (no mm), or when the mm is loaded there.
 * @kernel arch/x86/mm/tlb.c should_flush_tlb
 */
function should_flush_tlb(k: Kernel, cpu: number, info: flush_tlb_info): boolean {
  const s = k.tlb;
  if (s.is_lazy[cpu] !== 0) return false;
  if (info.mm === null) return true;
  return s.loaded_mm[cpu] === info.mm;
}

/**
 * Runs flush_tlb_func on every CPU of `mask` (those should_flush_tlb picks, or all of them when
 * page tables were freed): an IPI to each other CPU (CAL and TLB rows), then the local one.
 * @kernel arch/x86/mm/tlb.c native_flush_tlb_multi, flush_tlb_multi
 * @kernel kernel/smp.c on_each_cpu_cond_mask, smp_call_function_many_cond
 */
function flush_tlb_multi(k: Kernel, mask: Uint32Array, info: flush_tlb_info): void {
  trace_tlb_flush(k, TLB_REMOTE_SEND_IPI, info.end === TLB_FLUSH_ALL ? TLB_FLUSH_ALL : Math.floor((info.end - info.start) / PAGE_SIZE));
  const s = k.tlb;
  const self = k.cpu;
  const nr = k.nr_cpu_ids;
  for (let cpu = 0; cpu < nr; cpu++) {
    if (cpu === self || !cpumask_test_cpu(cpu, mask)) continue;
    if (!info.freed_tables && !should_flush_tlb(k, cpu, info)) continue;
    // The IPI: generic_smp_call_function_interrupt runs flush_tlb_func on that CPU.
    s.irq_call_count[cpu]++;
    k.cpu = cpu;
    try {
      flush_tlb_func(k, info);
    } finally {
      k.cpu = self;
    }
  }
  if (cpumask_test_cpu(self, mask) && (info.freed_tables || should_flush_tlb(k, self, info))) flush_tlb_func(k, info);
}

/** get_flush_tlb_info: fills the machine's flush_tlb_info. */
function get_flush_tlb_info(k: Kernel, mm: mm_struct | null, start: number, end: number, stride_shift: number, freed_tables: boolean, new_tlb_gen: number): flush_tlb_info {
  const info = k.tlb.info;
  info.mm = mm;
  info.start = start;
  info.end = end;
  info.stride_shift = stride_shift;
  info.freed_tables = freed_tables;
  info.new_tlb_gen = new_tlb_gen;
  info.initiating_cpu = k.cpu;
  return info;
}

/**
 * Flushes [start, end) of `mm` (end TLB_FLUSH_ALL: all of it) wherever it may be cached: more
 * than tlb_single_page_flush_ceiling entries of 2^stride_shift bytes become a full flush; the
 * mm's generation moves on; other CPUs in its mask get IPIs (flush_tlb_multi), or only this CPU
 * flushes, when it has the mm loaded.
 * @kernel arch/x86/mm/tlb.c flush_tlb_mm_range
 * @kernel arch/x86/include/asm/tlbflush.h inc_mm_tlb_gen
 */
export function flush_tlb_mm_range(k: Kernel, mm: mm_struct, start: number, end: number, stride_shift: number, freed_tables: boolean): void {
  const s = k.tlb;
  const cpu = k.cpu;
  if (end === TLB_FLUSH_ALL || shr(end - start, stride_shift) > s.tlb_single_page_flush_ceiling) {
    start = 0;
    end = TLB_FLUSH_ALL;
  }
  const new_tlb_gen = ++mm.context.tlb_gen;
  const info = get_flush_tlb_info(k, mm, start, end, stride_shift, freed_tables, new_tlb_gen);
  if (cpumask_any_but(mm.cpu_bitmap, cpu)) flush_tlb_multi(k, mm.cpu_bitmap, info);
  else if (mm === s.loaded_mm[cpu]) flush_tlb_func(k, info);
}

/** flush_tlb_mm: all of the mm, as after fork's write-protection (freed_tables: every CPU). */
export function flush_tlb_mm(k: Kernel, mm: mm_struct): void {
  flush_tlb_mm_range(k, mm, 0, TLB_FLUSH_ALL, 0, true);
}

/**
 * flush_tlb_range: [start, end) of a VMA, in huge pages for hugetlb (huge_page_shift, 21 for
 * 2 MiB pages), else base pages. Debian's 6.1 passes freed_tables = true here (the stable fix
 * for flush_tlb_range zapping normal PMDs), so its IPIs reach lazy CPUs too. Also
 * flush_pmd_tlb_range (a THP's PMD: 512 base pages, past the ceiling: a full flush).
 */
export function flush_tlb_range(k: Kernel, vma: vm_area_struct, start: number, end: number, hugeShift = 0): void {
  flush_tlb_mm_range(k, vma.vm_mm, start, end, hugeShift !== 0 ? hugeShift : PAGE_SHIFT, true);
}

/** flush_tlb_page: one page of a VMA. */
export function flush_tlb_page(k: Kernel, vma: vm_area_struct, addr: number): void {
  flush_tlb_mm_range(k, vma.vm_mm, addr, addr + PAGE_SIZE, PAGE_SHIFT, false);
}

/**
 * Flushes kernel addresses [start, end) on every online CPU (vmalloc's purge): a full flush
 * (do_flush_tlb_all) past the ceiling, else invlpg per page. Both are function-call IPIs (the
 * CAL row) that neither count in the TLB row nor trace: do_flush_tlb_all and
 * do_kernel_range_flush do neither.
 * @kernel arch/x86/mm/tlb.c flush_tlb_kernel_range, do_flush_tlb_all, do_kernel_range_flush
 * @kernel kernel/smp.c on_each_cpu
 */
export function flush_tlb_kernel_range(k: Kernel, _start: number, _end: number): void {
  const self = k.cpu;
  for (let cpu = 0; cpu < k.nr_cpu_ids; cpu++) if (cpu !== self) k.tlb.irq_call_count[cpu]++;
}

// ---- reclaim's batched flush (CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH) ----

/**
 * arch_tlbbatch_add_mm: the mm's generation moves on and its CPUs join the batch.
 * @kernel arch/x86/include/asm/tlbflush.h arch_tlbbatch_add_mm
 */
export function arch_tlbbatch_add_mm(k: Kernel, mm: mm_struct): void {
  mm.context.tlb_gen++;
  const b = k.tlb.ubc_cpumask;
  for (let w = 0; w < CPUMASK_WORDS; w++) b[w] |= mm.cpu_bitmap[w];
}

/**
 * Flushes every CPU the batch gathered, fully (no mm, no range, no generation): IPIs when any
 * CPU but this one is in it, else this CPU's own flush when it is.
 * @kernel arch/x86/mm/tlb.c arch_tlbbatch_flush
 */
export function arch_tlbbatch_flush(k: Kernel): void {
  const s = k.tlb;
  const cpu = k.cpu;
  const info = get_flush_tlb_info(k, null, 0, TLB_FLUSH_ALL, 0, false, TLB_GENERATION_INVALID);
  if (cpumask_any_but(s.ubc_cpumask, cpu)) flush_tlb_multi(k, s.ubc_cpumask, info);
  else if (cpumask_test_cpu(cpu, s.ubc_cpumask)) flush_tlb_func(k, info);
  s.ubc_cpumask.fill(0);
}

// ---- pte_needs_flush (mprotect) ----

/**
 * Does rewriting a PTE need a flush? Not when it was not present (nothing cached); yes when the
 * frame changes, when dirty or present is cleared (the accessed bit ignored, as pte_needs_flush
 * asks: a stale accessed bit only costs a little aging accuracy), or when RW, USER, the cache
 * bits, PSE, GLOBAL or NX change. Software bits (special, soft-dirty, uffd-wp) never matter.
 * Worked case: mprotect(PROT_READ) of a written page: RW|DIRTY|ACCESSED → DIRTY|ACCESSED, RW
 * changes: flush; mprotect(PROT_WRITE) of a read-only, clean page with can_change_pte_writable
 * false: the flags do not change at all: no flush.
 * @kernel arch/x86/include/asm/tlbflush.h pte_needs_flush, pte_flags_need_flush
 */
export function pte_needs_flush(oldflags: number, oldpfn: number, newflags: number, newpfn: number): boolean {
  if ((oldflags & _PAGE_PRESENT) === 0) return false;
  if (oldpfn !== newpfn) return true;
  const diff = oldflags ^ newflags;
  if ((diff & oldflags & (_PAGE_DIRTY | _PAGE_PRESENT)) !== 0) return true;
  // flush_on_change (the model's PTEs have no PAT or key bits). Read here, not at module load:
  // this file is in an import cycle with pgtable.ts, whose constants may not be set yet then.
  return (diff & (_PAGE_RW | _PAGE_USER | _PAGE_PWT | _PAGE_PCD | _PAGE_PSE | _PAGE_GLOBAL | _PAGE_NX)) !== 0;
}

// ---- debugfs: /sys/kernel/debug/x86/tlb_single_page_flush_ceiling ----

/** Reading the ceiling: "%ld\n". @kernel arch/x86/mm/tlb.c tlbflush_read_file */
export function tlbflush_read_file(k: Kernel): string {
  return `${k.tlb.tlb_single_page_flush_ceiling}\n`;
}

/**
 * Writing the ceiling: the first 31 bytes, kstrtoint base 0 (decimal, 0x hex, 0 octal, one
 * trailing newline); anything else, an int out of range, or a negative value is -EINVAL (the
 * kernel maps every kstrtoint error to -EINVAL). 0 flushes every range whole.
 * @kernel arch/x86/mm/tlb.c tlbflush_write_file
 */
export function tlbflush_write_file(k: Kernel, data: string): number {
  let buf = data.slice(0, 31);
  if (buf.endsWith("\n")) buf = buf.slice(0, -1);
  const v = kstrtoint(buf);
  if (typeof v !== "number" || v < 0) return -errnoValues.EINVAL;
  k.tlb.tlb_single_page_flush_ceiling = v;
  return 0;
}
