/**
 * The cost table: how much simulated time each thing a program does takes. The scenario
 * scheduler advances the clock by these amounts, so "touch for 100ms" and the timeline's
 * timestamps mean something, and two processes interleave in proportion to the work they do.
 *
 * The figures are orders of magnitude from a current x86-64 machine, not measurements of any one
 * CPU: a syscall round trip is ~100 ns; an anonymous page fault, including clear_page() of 4 KiB
 * at ~10 GB/s (≈ 400 ns) and the fault path itself, is ~0.7 µs, so touching 128 MiB (32768
 * faults) costs ≈ 23 ms; fork of a small process is tens of µs plus ~20 ns per PTE copied.
 *
 * Simplified: one flat price per operation; no caches, TLB misses, NUMA distance or CPU frequency.
 * Reclaim, compaction and swap I/O will charge their own costs when they land (their owners add
 * rows here).
 */

/** Costs in simulated nanoseconds. */
export const COST = {
  /** Entering and leaving the kernel for any syscall. */
  syscall_ns: 100,
  /** mmap/mprotect/mremap/brk/madvise/mlock bookkeeping beyond the entry (VMA lookup, split, merge). */
  vma_op_ns: 1000,
  /** Zapping one present PTE (munmap, MADV_DONTNEED, exit): unmap, rmap, free to pcp. */
  zap_pte_ns: 30,
  /** One page-granular access whose PTE is already right (a TLB/page-table hit). */
  access_ns: 10,
  /** A minor fault: handle_mm_fault, a page allocated and zeroed (or the zero page mapped), PTE set. */
  minor_fault_ns: 700,
  /** A major fault that needs I/O (swap-in, file read); devices add their latency when they exist. */
  major_fault_ns: 5000,
  /** fork: copying the task, mm and VMAs. */
  fork_ns: 30_000,
  /** fork: copy_pte_range, per present PTE copied (write-protected for CoW). */
  fork_pte_ns: 20,
  /** exit: tearing down the task beyond zapping its pages. */
  exit_ns: 10_000,
  /**
   * read(2)/write(2) of a file, per 4 KiB page copied between the page cache and the user's
   * buffer (copy_page_to_iter / copy_page_from_iter at ~10 GB/s, plus the page cache lookup):
   * a warm 64 MiB read costs ≈ 6.6 ms. Waiting for the disk is the block layer's clock, not this.
   */
  file_page_ns: 400,
  /** Reading or writing a /proc or /sys file (seq_file rendering). */
  proc_file_ns: 5_000,
  /**
   * The scheduler's time slice: a long touch yields after this much simulated time so processes
   * interleave. 6.1's CFS gives each of a few runnable tasks about sysctl_sched_latency (6 ms)
   * divided among them, never below sysctl_sched_min_granularity (0.75 ms); 4 ms is a round
   * figure between the two for the 1-4 processes scenarios usually run.
   * @kernel kernel/sched/fair.c sched_slice
   */
  timeslice_ns: 4_000_000,
} as const;

export type CostTable = typeof COST;
