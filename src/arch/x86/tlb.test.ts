/**
 * The TLB model against 6.1's rules (arch/x86/mm/tlb.c, mm/mmu_gather.c, mm/rmap.c): the
 * single-page ceiling, lazy CPUs skipped unless page tables were freed, mask bits across context
 * switches, one IPI per reclaim batch, the gather's flushes, and the debugfs file's answers.
 */
import { describe, expect, it } from "vitest";
import { start_kernel } from "../../kernel/start_kernel.js";
import type { Kernel } from "../../kernel/kernel.js";
import { spawnProcess, type Process } from "../../sim/process.js";
import { taskOf } from "../../api/internals.js";
import type { TraceRecord } from "../../kernel/trace.js";
import type { mm_struct } from "../../mm/mm_types.js";
import { procRead, procWrite } from "../../fs/proc/root.js";
import { follow_pte } from "../../mm/memory.js";
import { try_to_unmap, try_to_unmap_flush, TTU_BATCH_FLUSH } from "../../mm/rmap.js";
import { lru_add_drain } from "../../mm/swap.js";
import { add_to_swap } from "../../mm/swap_state.js";
import { sys_swapon } from "../../mm/swapfile.js";
import { MMU_GATHER_CAPACITY } from "../../mm/mmu_gather.js";
import {
  cpumask_list,
  enter_lazy_tlb,
  flush_tlb_mm_range,
  switch_mm_irqs_off,
  TLB_FLUSH_ALL,
  TLB_FLUSH_ON_TASK_SWITCH,
  TLB_LOCAL_MM_SHOOTDOWN,
  TLB_REMOTE_SEND_IPI,
  TLB_REMOTE_SHOOTDOWN,
} from "./tlb.js";

const MiB = 1 << 20;
const PAGE = 4096;

/** A kernel of `cpus` CPUs and a process whose exec ran on `cpu` (its mm loaded there). */
function machine(cpus: number, cpu = 0): { k: Kernel; p: Process; mm: mm_struct } {
  const k = start_kernel({ memory: 256 * MiB, cpus });
  k.cpu = cpu;
  const p = spawnProcess(k, { comm: "t", image: null });
  return { k, p, mm: taskOf(p).mm! };
}

/** Records tlb_flush events as [cpu, reason, pages]. */
function record(k: Kernel): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  k.trace.on("tlb_flush", (r: TraceRecord) => out.push([r.cpu, Number(r.fields.reason), Number(r.fields.pages)]));
  return out;
}

describe("flush_tlb_mm_range's ceiling", () => {
  it("flushes 33 pages one by one and 34 whole (tlb_single_page_flush_ceiling = 33)", () => {
    const { k, mm } = machine(1);
    const ev = record(k);
    const a = 0x10000000;
    flush_tlb_mm_range(k, mm, a, a + 33 * PAGE, 12, false);
    flush_tlb_mm_range(k, mm, a, a + 34 * PAGE, 12, false);
    expect(ev).toEqual([
      [0, TLB_LOCAL_MM_SHOOTDOWN, 33],
      [0, TLB_LOCAL_MM_SHOOTDOWN, TLB_FLUSH_ALL],
    ]);
  });

  it("counts the range in entries of the stride: 4 MiB at PMD stride is 2 entries", () => {
    const { k, mm } = machine(1);
    const ev = record(k);
    flush_tlb_mm_range(k, mm, 0x40000000, 0x40000000 + 4 * MiB, 21, false);
    expect(ev).toEqual([[0, TLB_LOCAL_MM_SHOOTDOWN, 2]]);
  });

  it("munmap of 33 pages inside a mapping flushes 33, of 34 flushes everything", () => {
    const { k, p } = machine(1);
    const a = p.mmap(256 * PAGE, { prot: "rw", flags: "private|anonymous" });
    p.madvise(a, 256 * PAGE, "nohugepage");
    p.write(a, 256 * PAGE);
    const ev = record(k);
    p.munmap(a + 16 * PAGE, 33 * PAGE);
    p.munmap(a + 128 * PAGE, 34 * PAGE);
    expect(ev.map((e) => e[2])).toEqual([33, TLB_FLUSH_ALL]);
  });

  it("a munmap that frees a PTE table flushes the PTEs at the VMA's end, then the table", () => {
    // Two 4-page VMAs at 8 GiB and 8 GiB + 2 MiB; page 3 of the second is written. Unmapping the
    // second zaps [a + 3 pages, a + 4 pages): tlb_end_vma flushes that page. free_pgtables then
    // frees its PTE table (pte_free_tlb at a, the PMD-aligned start: the range [a, a + 4K) with
    // only cleared_pmds, so the stride is PMD_SHIFT and (4096 >> 21) = 0 entries), flushed at
    // tlb_finish_mmu with freed_tables. The first VMA keeps the PMD table.
    const { k, p } = machine(1);
    const lo = p.mmap(4 * PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: 8 * 1024 * MiB });
    const a = p.mmap(4 * PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: 8 * 1024 * MiB + 2 * MiB });
    p.write(lo, PAGE);
    p.write(a + 3 * PAGE, PAGE);
    const ev = record(k);
    p.munmap(a, 4 * PAGE);
    expect(ev).toEqual([
      [0, TLB_LOCAL_MM_SHOOTDOWN, 1],
      [0, TLB_LOCAL_MM_SHOOTDOWN, 0],
    ]);
  });

  it("follows the debugfs ceiling: at 0 every range is flushed whole", () => {
    const { k, mm } = machine(1);
    procWrite(k, "/sys/kernel/debug/x86/tlb_single_page_flush_ceiling", "0");
    const ev = record(k);
    flush_tlb_mm_range(k, mm, 0x10000000, 0x10000000 + PAGE, 12, false);
    expect(ev).toEqual([[0, TLB_LOCAL_MM_SHOOTDOWN, TLB_FLUSH_ALL]]);
  });
});

describe("lazy TLB", () => {
  /** mm loaded on CPU 1 (the initiator), CPU 2 (lazily: a kthread borrowed it) and CPU 3 (running). */
  function spread() {
    const m = machine(4, 1);
    const { k, mm } = m;
    for (const cpu of [2, 3]) {
      k.cpu = cpu;
      switch_mm_irqs_off(k, mm);
    }
    k.cpu = 2;
    enter_lazy_tlb(k);
    k.cpu = 1;
    return m;
  }

  it("skips a lazy CPU when no page tables were freed: it flushes at its next switch", () => {
    const { k, mm } = spread();
    const ev = record(k);
    flush_tlb_mm_range(k, mm, 0x10000000, 0x10000000 + PAGE, 12, false);
    expect([...k.tlb.irq_tlb_count.slice(0, 4)]).toEqual([0, 0, 0, 1]);
    expect(cpumask_list(mm.cpu_bitmap)).toEqual([1, 2, 3]);
    expect(ev).toEqual([
      [1, TLB_REMOTE_SEND_IPI, 1],
      [3, TLB_REMOTE_SHOOTDOWN, 1],
      [1, TLB_LOCAL_MM_SHOOTDOWN, 1],
    ]);
    // CPU 2 switches back to the mm: a flush went by while it was lazy, so it flushes all.
    ev.length = 0;
    k.cpu = 2;
    switch_mm_irqs_off(k, mm);
    expect(ev).toEqual([[2, TLB_FLUSH_ON_TASK_SWITCH, TLB_FLUSH_ALL]]);
  });

  it("sends the IPI to a lazy CPU when page tables were freed: it drops the mm for init_mm", () => {
    const { k, mm } = spread();
    const ev = record(k);
    flush_tlb_mm_range(k, mm, 0x10000000, 0x10000000 + PAGE, 12, true);
    expect([...k.tlb.irq_tlb_count.slice(0, 4)]).toEqual([0, 0, 1, 1]);
    expect(k.tlb.loaded_mm[2]).toBe(null);
    expect(k.tlb.is_lazy[2]).toBe(0);
    expect(cpumask_list(mm.cpu_bitmap)).toEqual([1, 3]);
    expect(ev).toContainEqual([2, TLB_FLUSH_ON_TASK_SWITCH, TLB_FLUSH_ALL]);
    expect(ev.filter((e) => e[1] === TLB_REMOTE_SHOOTDOWN)).toEqual([[3, TLB_REMOTE_SHOOTDOWN, 1]]);
  });

  it("a lazy CPU that missed no flush switches back without flushing", () => {
    const { k, mm } = spread();
    const ev = record(k);
    k.cpu = 2;
    switch_mm_irqs_off(k, mm);
    expect(ev).toEqual([]);
    expect(k.tlb.is_lazy[2]).toBe(0);
  });
});

describe("switch_mm_irqs_off's mask bits", () => {
  it("moves the CPU's bit from the previous mm to the next (6.1 clears the previous one's)", () => {
    const k = start_kernel({ memory: 256 * MiB, cpus: 2 });
    k.cpu = 1;
    const p = spawnProcess(k, { comm: "p", image: null });
    const q = spawnProcess(k, { comm: "q", image: null });
    const pm = taskOf(p).mm!;
    const qm = taskOf(q).mm!;
    // q's exec ran last on CPU 1.
    expect(cpumask_list(pm.cpu_bitmap)).toEqual([]);
    expect(cpumask_list(qm.cpu_bitmap)).toEqual([1]);
    const ev = record(k);
    switch_mm_irqs_off(k, pm);
    expect(cpumask_list(pm.cpu_bitmap)).toEqual([1]);
    expect(cpumask_list(qm.cpu_bitmap)).toEqual([]);
    expect(k.tlb.loaded_mm[1]).toBe(pm);
    // Without PCID, every switch to another mm flushes; to the same one, nothing happens.
    switch_mm_irqs_off(k, pm);
    expect(ev).toEqual([[1, TLB_FLUSH_ON_TASK_SWITCH, TLB_FLUSH_ALL]]);
  });

  it("places scenario processes: each flush runs on its process's CPU", async () => {
    const { parseScenario, runScenario } = await import("../../api/index.js");
    const sc = parseScenario(
      `machine: { cpus: 3 }\nprocesses:\n  - name: a\n    cpu: 2\n    run:\n      - mmap: { name: b, size: 64K }\n      - touch: { region: b }\n      - munmap: { region: b, length: 20K }\nexpect:\n  - event: tlb_flush:TLB_LOCAL_MM_SHOOTDOWN:pages=5\n    equals: 1\n`,
    );
    const cpus = new Set<number>();
    const r = runScenario(sc, { trace: ["tlb_flush"], onTrace: (line) => cpus.add(Number(/\[(\d{3})\]/.exec(line)?.[1])) });
    expect(r.expectations.every((e) => e.ok)).toBe(true);
    expect([...cpus]).toEqual([2]);
  });
});

describe("reclaim's batched flush", () => {
  /** A process on CPU 1 with `n` anonymous pages in the swap cache, reclaimed from CPU 0. */
  function swapcache(n: number) {
    const m = machine(2, 1);
    const { k, p, mm } = m;
    expect(sys_swapon(k, taskOf(p), "/dev/vda", { size: 64 * MiB })).toBe(0);
    const a = p.mmap(n * PAGE, { prot: "rw", flags: "private|anonymous" });
    p.madvise(a, n * PAGE, "nohugepage");
    p.write(a, n * PAGE);
    lru_add_drain(k);
    const pfns: number[] = [];
    for (let i = 0; i < n; i++) {
      const pfn = follow_pte(k, mm, a + i * PAGE)?.pfn ?? -1;
      k.mem_map._refcount[pfn]++; // the isolating caller's reference
      expect(add_to_swap(k, pfn)).toBe(true);
      pfns.push(pfn);
    }
    k.cpu = 0; // kswapd's CPU
    return { ...m, pfns };
  }

  it("sends one IPI for a batch of unmaps of another CPU's mm (TTU_BATCH_FLUSH)", () => {
    const { k, pfns } = swapcache(8);
    for (const pfn of pfns) expect(try_to_unmap(k, pfn, TTU_BATCH_FLUSH)).toBe(true);
    expect(k.tlb.irq_tlb_count[1]).toBe(0);
    try_to_unmap_flush(k);
    expect(k.tlb.irq_tlb_count[1]).toBe(1);
    // Nothing pending: a second flush sends nothing.
    try_to_unmap_flush(k);
    expect(k.tlb.irq_tlb_count[1]).toBe(1);
  });

  it("sends one IPI per page without the flag (ptep_clear_flush)", () => {
    const { k, pfns } = swapcache(8);
    for (const pfn of pfns) try_to_unmap(k, pfn);
    expect(k.tlb.irq_tlb_count[1]).toBe(8);
  });

  it("does not defer a flush that stays local (the mm is loaded on this CPU only)", () => {
    const { k, pfns } = swapcache(4);
    k.cpu = 1;
    const ev = record(k);
    for (const pfn of pfns) try_to_unmap(k, pfn, TTU_BATCH_FLUSH);
    try_to_unmap_flush(k);
    expect(ev).toEqual(pfns.map(() => [1, TLB_LOCAL_MM_SHOOTDOWN, 1]));
    expect(k.tlb.irq_tlb_count[0] + k.tlb.irq_tlb_count[1]).toBe(0);
  });
});

describe("the mmu_gather", () => {
  it("flushes once per VMA of a munmap (tlb_end_vma: no MMU_GATHER_MERGE_VMAS on x86)", () => {
    const { k, p } = machine(1);
    const a = p.mmap(64 * PAGE, { prot: "rw", flags: "private|anonymous" });
    p.madvise(a, 64 * PAGE, "nohugepage");
    p.write(a, 64 * PAGE);
    p.mprotect(a + 32 * PAGE, 32 * PAGE, "r"); // two VMAs now
    const ev = record(k);
    p.munmap(a + 30 * PAGE, 4 * PAGE); // 2 pages of each
    expect(ev).toEqual([
      [0, TLB_LOCAL_MM_SHOOTDOWN, 2],
      [0, TLB_LOCAL_MM_SHOOTDOWN, 2],
    ]);
  });

  it("flushes everything once at exit, and once more each time its page batches fill", () => {
    // Each flush_tlb_mm_range moves mm->context.tlb_gen on by one: 8 + 19 × 510 = 9698 pages
    // fill the batches once.
    for (const [pages, flushes] of [
      [MMU_GATHER_CAPACITY - 100, 1],
      [MMU_GATHER_CAPACITY + 100, 2],
    ]) {
      const { k, p, mm } = machine(1);
      const a = p.mmap(pages * PAGE, { prot: "rw", flags: "private|anonymous" });
      p.madvise(a, pages * PAGE, "nohugepage");
      p.write(a, pages * PAGE);
      const gen0 = mm.context.tlb_gen;
      const ev = record(k);
      p.exit(0);
      expect(mm.context.tlb_gen - gen0, `${pages} pages`).toBe(flushes);
      // exit_mm left the CPU lazy over the mm: the first flush drops it for init_mm instead.
      expect(ev).toEqual([[0, TLB_FLUSH_ON_TASK_SWITCH, TLB_FLUSH_ALL]]);
      expect(k.tlb.loaded_mm[0]).toBe(null);
      expect(cpumask_list(mm.cpu_bitmap)).toEqual([]);
    }
  });

  it("mprotect flushes only the PTEs whose change needs it (pte_needs_flush)", () => {
    const { k, p } = machine(1);
    const a = p.mmap(8 * PAGE, { prot: "rw", flags: "private|anonymous" });
    p.madvise(a, 8 * PAGE, "nohugepage");
    p.write(a, 4 * PAGE); // 4 present, writable PTEs
    const ev = record(k);
    p.mprotect(a, 8 * PAGE, "r"); // RW cleared on 4: a 4-page range
    expect(ev).toEqual([[0, TLB_LOCAL_MM_SHOOTDOWN, 4]]);
    ev.length = 0;
    p.mprotect(a, 8 * PAGE, "r"); // nothing changes: no flush
    expect(ev).toEqual([]);
  });
});

describe("/proc/interrupts and debugfs", () => {
  it("prints the CAL and TLB rows as arch_show_interrupts does (prec 3 below 1000 IRQs)", () => {
    const { k } = machine(2);
    k.tlb.irq_tlb_count[1] = 5;
    k.tlb.irq_call_count[1] = 7;
    expect(procRead(k, "/proc/interrupts")).toBe(
      "           CPU0       CPU1       \n" +
        "CAL:          0          7   Function call interrupts\n" +
        "TLB:          0          5   TLB shootdowns\n" +
        "ERR:          0\n" +
        "MIS:          0\n",
    );
  });

  it("answers the ceiling file as tlbflush_read_file / tlbflush_write_file do", () => {
    const { k } = machine(1);
    const f = "/sys/kernel/debug/x86/tlb_single_page_flush_ceiling";
    expect(procRead(k, f)).toBe("33\n");
    procWrite(k, f, "0x40\n");
    expect(procRead(k, f)).toBe("64\n");
    for (const bad of ["-1", "abc", "12 ", "4294967296", "", "1\n\n"]) {
      expect(() => procWrite(k, f, bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    }
    expect(procRead(k, f)).toBe("64\n");
  });
});
