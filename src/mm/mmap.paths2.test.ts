/**
 * More of mmap.ts's branches, for the second half of the file (from __split_vma on: split_vma,
 * munmap, mmap_region, the anonymous fast paths, do_mmap, brk, the stack, exit_mmap, copy_vma and
 * the boot-time reserves), each against the Linux 6.1 function it models (mm/mmap.c unless
 * named). Written for issue 12 (StrykerJS on mmap.ts, session 9) after the first run over lines
 * 838-1592: each test aims at a mutant that survived it, does its work inside `it`, and takes
 * its expected values from the kernel source, cited beside them.
 */
import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import type { Kernel } from "../kernel/kernel.js";
import { spawnProcess, type Process, type SpawnOptions } from "../sim/process.js";
import { taskOf } from "../api/internals.js";
import { GiB, MiB } from "./types.js";
import { global_zone_page_state } from "./vmstat.js";
import { NR_FREE_PAGES, NR_MLOCK, UNEVICTABLE_PGCLEARED, UNEVICTABLE_PGMUNLOCKED } from "./vmstat_items.js";
import { procWrite } from "../fs/proc/root.js";
import { OVERCOMMIT_NEVER } from "./mmap.js";
import { type file, get_mm_rss, type mm_struct, TASK_SIZE, VM_ACCOUNT, VM_NORESERVE } from "./mm_types.js";
import { shmem_file_setup } from "./shmem.js";
import { expand_downwards, expand_stack, find_vma, init_admin_reserve, init_user_reserve, stack_guard_gap, vm_brk_flags } from "./mmap.js";
import { errnoValues } from "../kernel/errno.js";

const PAGE = 4096;

function boot(memory = 256 * MiB): Kernel {
  return start_kernel({ memory });
}

/** A process with an empty address space (no image: no VMAs, every counter 0). */
function bare(k: Kernel, opts: SpawnOptions = {}): { p: Process; mm: mm_struct } {
  const p = spawnProcess(k, { comm: "t", image: null, ...opts });
  return { p, mm: taskOf(p).mm! };
}

/** A shmem file of `pages` pages, opened read-write. */
function shmemFile(k: Kernel, pages: number): file {
  return shmem_file_setup(k, null, "paths2", pages * PAGE, 0) as file;
}

describe("init_user_reserve and init_admin_reserve (1/32 of free memory, capped)", () => {
  it("below the caps: free kB / 32, rounded down (min(free_kbytes / 32, 1 << 17) and 1 << 13)", () => {
    const k = boot(128 * MiB);
    init_user_reserve(k);
    init_admin_reserve(k);
    // free_kbytes = global_zone_page_state(NR_FREE_PAGES) << (PAGE_SHIFT - 10)
    const free_kbytes = global_zone_page_state(k, NR_FREE_PAGES) * 4;
    expect(free_kbytes).toBeLessThan(8192 * 32);
    expect(k.vm.user_reserve_kbytes).toBe(Math.floor(free_kbytes / 32));
    expect(k.vm.admin_reserve_kbytes).toBe(Math.floor(free_kbytes / 32));
  });

  it("the caps: 128 MiB for the user reserve, 8 MiB for the admin reserve", () => {
    const k = boot(5 * GiB);
    init_user_reserve(k);
    init_admin_reserve(k);
    expect(global_zone_page_state(k, NR_FREE_PAGES) * 4).toBeGreaterThan(131072 * 32);
    expect(k.vm.user_reserve_kbytes).toBe(131072);
    expect(k.vm.admin_reserve_kbytes).toBe(8192);
  });
});

describe("the anonymous fast path (mmap_anon_fast, mmap_region_anon_fast) and the general path alike", () => {
  /** Both paths: the fast path on (a plain private anonymous request takes it) and off. */
  const both = [true, false];

  it("a request at vm.max_map_count is still made; one past it is ENOMEM (do_mmap: map_count > max)", () => {
    for (const fast of both) {
      const k = boot();
      k.fastPaths = fast;
      const { p, mm } = bare(k);
      p.mmap(PAGE, { prot: "r" });
      p.mmap(PAGE, { prot: "rw" }); // differing flags: no merge, two VMAs
      expect(mm.map_count).toBe(2);
      k.vm.max_map_count = 2;
      // 2 > 2 is not: a third VMA is made, past the limit (6.1 checks before adding).
      p.mmap(PAGE, { prot: "r" });
      expect(mm.map_count).toBe(3);
      expect(() => p.mmap(PAGE, { prot: "rw" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
      expect(mm.map_count).toBe(3);
    }
  });

  it("root may be given an address below mmap_min_addr (cap_mmap_addr: capable(CAP_SYS_RAWIO)), a user not", () => {
    for (const fast of both) {
      const k = boot();
      k.fastPaths = fast;
      const root = bare(k);
      // Everything from 64K up to mmap_base taken: the top-down search (low_limit PAGE_SIZE) answers 64K - len.
      root.p.mmap(root.mm.mmap_base - 0x10000, { addr: 0x10000, prot: "none", flags: "private|anonymous|fixed|noreserve" });
      expect(root.p.mmap(2 * PAGE)).toBe(0x10000 - 2 * PAGE);
      expect(root.mm.total_vm).toBe((root.mm.mmap_base - 0x10000) / PAGE + 2);
      const user = bare(k, { uid: 1000 });
      user.p.mmap(user.mm.mmap_base - 0x10000, { addr: 0x10000, prot: "none", flags: "private|anonymous|fixed|noreserve" });
      expect(() => user.p.mmap(2 * PAGE)).toThrow(expect.objectContaining({ code: "EPERM" }));
    }
  });

  it("a mapping placed against the one above merges into it, with that one's pgoff less its length (vma_merge's case 2)", () => {
    for (const fast of both) {
      const k = boot();
      k.fastPaths = fast;
      const { p, mm } = bare(k);
      const base = mm.mmap_base;
      expect(p.mmap(2 * PAGE)).toBe(base - 2 * PAGE);
      expect(p.mmap(3 * PAGE)).toBe(base - 5 * PAGE);
      // One VMA [base - 5 pages, base): private anonymous pgoff is vm_start >> PAGE_SHIFT.
      const v = find_vma(mm, base - 5 * PAGE)!;
      expect([mm.map_count, v.vm_start, v.vm_end, v.vm_pgoff]).toEqual([1, base - 5 * PAGE, base, (base - 5 * PAGE) / PAGE]);
      expect(mm.total_vm).toBe(5);
    }
  });

  it("a mapping filling a hole exactly merges with both neighbours into one VMA; against only the one below, into that one", () => {
    for (const fast of both) {
      const k = boot();
      k.fastPaths = fast;
      const { p, mm } = bare(k);
      const base = mm.mmap_base;
      const top = p.mmap(PAGE); // [base - 1 page, base)
      const mid = p.mmap(PAGE, { prot: "r" }); // not mergeable with either
      const low = p.mmap(PAGE); // [base - 3 pages, base - 2 pages)
      expect([top, mid, low]).toEqual([base - PAGE, base - 2 * PAGE, base - 3 * PAGE]);
      p.munmap(mid, PAGE);
      // The highest gap that fits is the hole: prev (low) and next (top) both merge (vma_expand removes next).
      expect(p.mmap(PAGE)).toBe(mid);
      expect(mm.map_count).toBe(1);
      const v = find_vma(mm, low)!;
      expect([v.vm_start, v.vm_end, v.vm_pgoff]).toEqual([low, base, low / PAGE]);
      // Unmap the top page: the next request goes back there, with only prev adjacent (no next VMA).
      p.munmap(base - PAGE, PAGE);
      expect(p.mmap(PAGE)).toBe(base - PAGE);
      expect(mm.map_count).toBe(1);
      expect([v.vm_start, v.vm_end, v.vm_pgoff, mm.total_vm]).toEqual([low, base, low / PAGE, 3]);
    }
  });
});

describe("exit_mmap", () => {
  it("unhooks file VMAs from i_mmap and drops their file references (remove_vma's fput)", () => {
    const k = boot();
    const { p } = bare(k);
    const f = shmemFile(k, 8);
    const mapping = f.f_inode.i_mapping;
    const count = f.f_count;
    p.mmap(4 * PAGE, { file: f, flags: "shared" });
    p.mmap(2 * PAGE, { file: f, flags: "private", offset: 4 * PAGE });
    expect([mapping.i_mmap.size, mapping.i_mmap_writable, f.f_count]).toEqual([2, 1, count + 2]);
    p.exit(0);
    expect([mapping.i_mmap.size, mapping.i_mmap_writable, f.f_count]).toEqual([0, 0, count]);
  });

  it("munlocks the pages of VM_LOCKED VMAs, as page_remove_rmap does in the zap (unevictable_pgs_munlocked, not _cleared)", () => {
    const k = boot();
    const { p } = bare(k);
    p.mmap(4 * PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|locked" });
    p.touch(p.mmap(4 * PAGE, { addr: 0x60000000, flags: "private|anonymous|fixed" }), 4 * PAGE, { write: true });
    const [m0, u0, c0] = [global_zone_page_state(k, NR_MLOCK), k.vm_events[UNEVICTABLE_PGMUNLOCKED], k.vm_events[UNEVICTABLE_PGCLEARED]];
    p.exit(0);
    expect([m0 - global_zone_page_state(k, NR_MLOCK), k.vm_events[UNEVICTABLE_PGMUNLOCKED] - u0, k.vm_events[UNEVICTABLE_PGCLEARED] - c0]).toEqual([4, 4, 0]);
  });

  it("gives back only the VM_ACCOUNT VMAs' pages to Committed_AS", () => {
    const k = boot();
    const { p } = bare(k);
    const c0 = k.vm_committed_as;
    p.mmap(8 * PAGE);
    p.mmap(4 * PAGE, { prot: "r" });
    p.mmap(2 * PAGE, { flags: "private|anonymous|noreserve" });
    expect(k.vm_committed_as - c0).toBe(8);
    p.exit(0);
    expect(k.vm_committed_as).toBe(c0);
  });

  it("flushes the TLB once, at the end (tlb_gather_mmu_fullmm: tlb_end_vma does not flush per VMA)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    for (const a of [0x50000000, 0x60000000, 0x70000000]) p.touch(p.mmap(4 * PAGE, { addr: a, flags: "private|anonymous|fixed" }), 4 * PAGE, { write: true });
    const gen = mm.context.tlb_gen;
    p.exit(0);
    expect(mm.context.tlb_gen - gen).toBe(1);
  });

  it("zaps every page and frees every page table (unmap_vmas over 0..TASK_SIZE, free_pgtables)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const a = p.mmap(8 * PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed" });
    const b = p.mmap(4 * PAGE, { addr: 0x7f0000000000, flags: "private|anonymous|fixed" });
    p.touch(a, 8 * PAGE, { write: true });
    p.touch(b, 4 * PAGE, { write: true });
    expect(get_mm_rss(mm)).toBe(12);
    expect(mm.pgtables_bytes).toBeGreaterThan(0);
    p.exit(0);
    expect(get_mm_rss(mm)).toBe(0);
    expect(mm.pgtables_bytes).toBe(0);
  });
});

describe("do_munmap and do_mas_align_munmap", () => {
  it("a range with nothing mapped in it returns before anything is done: no peak is recorded (do_mas_munmap: vma->vm_start >= end → 0)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(8 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
    p.touch(A, 8 * PAGE, { write: true });
    // Ending exactly where the VMA starts, and ending below it.
    p.munmap(A - 2 * PAGE, 2 * PAGE);
    p.munmap(A - 8 * PAGE, 4 * PAGE);
    // update_hiwater_rss / update_hiwater_vm run only in unmap_region / remove_mt.
    expect([mm.hiwater_rss, mm.hiwater_vm, mm.total_vm, mm.map_count]).toEqual([0, 0, 8, 1]);
    p.munmap(A + 6 * PAGE, 2 * PAGE);
    expect([mm.hiwater_rss, mm.hiwater_vm]).toEqual([8, 8]);
  });

  it("cutting a VMA's tail keeps the original vm_area_struct for the part below (__split_vma(mm, vma, start, 0))", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(8 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
    const v = find_vma(mm, A)!;
    p.munmap(A + 5 * PAGE, 3 * PAGE);
    expect(find_vma(mm, A)).toBe(v);
    expect([v.vm_start, v.vm_end, v.vm_pgoff]).toEqual([A, A + 5 * PAGE, A / PAGE]);
    // Cutting its head: the new VMA (detached) is the lower part; v keeps the upper one and its pgoff moves.
    p.munmap(A, 2 * PAGE);
    expect(find_vma(mm, A)).toBe(v);
    expect([v.vm_start, v.vm_end, v.vm_pgoff]).toEqual([A + 2 * PAGE, A + 5 * PAGE, A / PAGE + 2]);
  });

  it("only VMAs the range ends inside are asked whether they may be split at its end (a hugetlb VMA above or inside is not)", () => {
    const k = boot();
    procWrite(k, "/proc/sys/vm/nr_hugepages", "2\n");
    const { p, mm } = bare(k);
    const X = 0x50000000;
    const H = X + 2 * MiB;
    p.mmap(8 * PAGE, { addr: X, flags: "private|anonymous|fixed" });
    p.mmap(2 * MiB, { addr: H, flags: "private|anonymous|fixed|hugetlb" });
    p.mmap(8 * PAGE, { addr: H + 2 * MiB, flags: "private|anonymous|fixed" });
    // The range ends 4 pages into the first VMA; the hugetlb VMA above it is not touched.
    p.munmap(X, 4 * PAGE);
    expect(find_vma(mm, X)!.vm_start).toBe(X + 4 * PAGE);
    // The range covers the whole hugetlb VMA and ends 4 pages into the VMA above it: only that one is split.
    p.munmap(H, 2 * MiB + 4 * PAGE);
    expect(find_vma(mm, H)!.vm_start).toBe(H + 2 * MiB + 4 * PAGE);
    expect(mm.map_count).toBe(2);
    // An end inside the hugetlb VMA is refused (hugetlb_vm_op_split) before anything goes.
    p.mmap(2 * MiB, { addr: H, flags: "private|anonymous|fixed|hugetlb" });
    expect(() => p.munmap(X + 4 * PAGE, H - X + PAGE)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(mm.map_count).toBe(3);
  });

  it("unmapping mlocked pages munlocks them (page_remove_rmap → munlock_vma_page: unevictable_pgs_munlocked), those of the range only", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(8 * PAGE, { addr: A, flags: "private|anonymous|fixed|locked" });
    const [m0, u0, c0] = [global_zone_page_state(k, NR_MLOCK), k.vm_events[UNEVICTABLE_PGMUNLOCKED], k.vm_events[UNEVICTABLE_PGCLEARED]];
    p.munmap(A + 2 * PAGE, 3 * PAGE);
    expect([m0 - global_zone_page_state(k, NR_MLOCK), k.vm_events[UNEVICTABLE_PGMUNLOCKED] - u0, k.vm_events[UNEVICTABLE_PGCLEARED] - c0]).toEqual([3, 3, 0]);
    expect(mm.locked_vm).toBe(5);
    // Several VMAs at once, one of them not locked.
    p.mmap(3 * PAGE, { addr: A + 2 * PAGE, prot: "r", flags: "private|anonymous|fixed|populate" });
    p.munmap(A, 8 * PAGE);
    expect([m0 - global_zone_page_state(k, NR_MLOCK), k.vm_events[UNEVICTABLE_PGMUNLOCKED] - u0, k.vm_events[UNEVICTABLE_PGCLEARED] - c0]).toEqual([8, 8, 0]);
    expect(mm.locked_vm).toBe(0);
  });

  it("a child's unlocked copy of a parent's mlocked VMA munlocks nothing when it goes (dup_mmap drops VM_LOCKED; only a VM_LOCKED VMA munlocks)", () => {
    const k = boot();
    const { p } = bare(k);
    const A = 0x50000000;
    p.mmap(4 * PAGE, { addr: A, flags: "private|anonymous|fixed|locked" });
    const [m0, u0] = [global_zone_page_state(k, NR_MLOCK), k.vm_events[UNEVICTABLE_PGMUNLOCKED]];
    const c = p.fork(); // shares the four pages copy-on-write
    c.munmap(A, 2 * PAGE);
    c.exit(0);
    expect([global_zone_page_state(k, NR_MLOCK) - m0, k.vm_events[UNEVICTABLE_PGMUNLOCKED] - u0]).toEqual([0, 0]);
    p.munmap(A, 4 * PAGE);
    expect([m0 - global_zone_page_state(k, NR_MLOCK), k.vm_events[UNEVICTABLE_PGMUNLOCKED] - u0]).toEqual([4, 4]);
  });

  it("the general path gives back only VM_ACCOUNT pages (remove_mt's nr_accounted)", () => {
    const k = boot();
    const { p } = bare(k);
    const A = 0x50000000;
    const c0 = k.vm_committed_as;
    p.mmap(8 * PAGE, { addr: A, flags: "private|anonymous|fixed|noreserve" });
    p.mmap(8 * PAGE, { addr: A + 8 * PAGE, prot: "r", flags: "private|anonymous|fixed" });
    p.mmap(8 * PAGE, { addr: A + 16 * PAGE, flags: "private|anonymous|fixed" });
    expect(k.vm_committed_as - c0).toBe(8);
    // Parts of the unaccounted and read-only VMAs: nothing back.
    p.munmap(A + 4 * PAGE, 8 * PAGE);
    expect(k.vm_committed_as - c0).toBe(8);
    // 4 read-only pages and 2 accounted ones.
    p.munmap(A + 12 * PAGE, 6 * PAGE);
    expect(k.vm_committed_as - c0).toBe(6);
  });
});

describe("mmap_region", () => {
  it("strict overcommit refusing the charge is ENOMEM on the general path too, with nothing mapped (security_vm_enough_memory_mm)", () => {
    for (const fast of [true, false]) {
      const k = boot();
      k.fastPaths = fast;
      const { p, mm } = bare(k);
      k.vm.overcommit_memory = OVERCOMMIT_NEVER;
      const c0 = k.vm_committed_as;
      // A hint sends the request down the general path (mmap_anon_fast takes only addr 0).
      expect(() => p.mmap(1024 * MiB, { addr: 0x50000000 })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
      expect(() => p.mmap(1024 * MiB)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
      expect([mm.map_count, mm.total_vm, k.vm_committed_as]).toEqual([0, 0, c0]);
      expect(p.mmap(PAGE, { addr: 0x50000000 })).toBe(0x50000000);
      expect(k.vm_committed_as).toBe(c0 + 1);
    }
  });

  it("a file mapping does not merge with a VMA whose pgoff would follow on but which is not adjacent (next->vm_start == end)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const f = shmemFile(k, 8);
    const B = 0x60000000;
    // [B + 4 pages, B + 6 pages) maps file pages 2-3; [B, B + 2 pages) maps pages 0-1: pgoff + pglen == next->vm_pgoff.
    p.mmap(2 * PAGE, { addr: B + 4 * PAGE, file: f, flags: "shared|fixed", offset: 2 * PAGE });
    p.mmap(2 * PAGE, { addr: B, file: f, flags: "shared|fixed", offset: 0 });
    expect(mm.map_count).toBe(2);
    expect([find_vma(mm, B)!.vm_end, find_vma(mm, B + 2 * PAGE)!.vm_start]).toEqual([B + 2 * PAGE, B + 4 * PAGE]);
  });
});

describe("do_mmap's hint, length and fallbacks", () => {
  it("a non-zero hint below mmap_min_addr moves up to it (round_hint_to_min); no hint is no hint", () => {
    for (const fast of [true, false]) {
      const k = boot();
      k.fastPaths = fast;
      const { p, mm } = bare(k);
      // mmap_min_addr is 64K (CONFIG_LSM_MMAP_MIN_ADDR): a hint of 0x1000 becomes 0x10000, which is free.
      expect(p.mmap(PAGE, { addr: 0x1000 })).toBe(0x10000);
      expect(p.mmap(PAGE, { addr: 0x1000, prot: "r" })).toBe(mm.mmap_base - PAGE); // 0x10000 is taken now
      // Hint 0 is not rounded up to 64K: the top-down search answers, on the general path too
      // (shared anonymous memory, a file) as on the fast one.
      expect(p.mmap(PAGE, { flags: "shared|anonymous" })).toBe(mm.mmap_base - 2 * PAGE);
      expect(p.mmap(PAGE, { file: shmemFile(k, 1), flags: "private", prot: "r" })).toBe(mm.mmap_base - 3 * PAGE);
    }
  });

  it("the legacy (bottom-up) layout keeps a hint rounded down: round_hint_to_min's hint &= PAGE_MASK comes before arch_get_unmapped_area's PAGE_ALIGN", () => {
    const k = boot();
    k.vm.legacy_va_layout = 1;
    const { p } = bare(k);
    // Rounded up instead, 0x60000123 would be 0x60001000.
    expect(p.mmap(PAGE, { addr: 0x60000123 })).toBe(0x60000000);
  });

  it("a length is rounded up to whole pages (PAGE_ALIGN), on either path", () => {
    for (const fast of [true, false]) {
      const k = boot();
      k.fastPaths = fast;
      const { p, mm } = bare(k);
      expect(p.mmap(PAGE + 1)).toBe(mm.mmap_base - 2 * PAGE);
      expect(p.mmap(1, { prot: "r" })).toBe(mm.mmap_base - 3 * PAGE);
      expect([mm.total_vm, mm.map_count]).toEqual([3, 2]);
    }
  });

  it("when the top-down search finds no room it falls back to the bottom-up one (arch_get_unmapped_area_topdown's bottomup:)", () => {
    for (const fast of [true, false]) {
      const k = boot();
      k.fastPaths = fast;
      const { p, mm } = bare(k);
      // [64K, mmap_base) taken; [PAGE, 64K) is 60K: a 64K request does not fit below mmap_base.
      p.mmap(mm.mmap_base - 0x10000, { addr: 0x10000, prot: "none", flags: "private|anonymous|fixed|noreserve" });
      // Bottom-up from mmap_legacy_base (below mmap_base): the first fit is at mmap_base.
      expect(p.mmap(0x10000)).toBe(mm.mmap_base);
      expect(mm.total_vm).toBe((mm.mmap_base - 0x10000) / PAGE + 16);
    }
  });

  it("an unprivileged mapping may start exactly at mmap_min_addr (addr < mmap_min_addr refuses)", () => {
    for (const fast of [true, false]) {
      const k = boot();
      k.fastPaths = fast;
      const { p, mm } = bare(k, { uid: 1000 });
      p.mmap(mm.mmap_base - 0x10000 - 2 * PAGE, { addr: 0x10000 + 2 * PAGE, prot: "none", flags: "private|anonymous|fixed|noreserve" });
      expect(p.mmap(2 * PAGE)).toBe(0x10000);
    }
  });

  it("MAP_NORESERVE on a file that is not hugetlbfs is ignored under strict overcommit (a private writable one is charged)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    k.vm.overcommit_memory = OVERCOMMIT_NEVER;
    const c0 = k.vm_committed_as;
    const a = p.mmap(4 * PAGE, { file: shmemFile(k, 4), flags: "private|noreserve", prot: "rw" });
    expect(find_vma(mm, a)!.vm_flags & (VM_NORESERVE | VM_ACCOUNT)).toBe(VM_ACCOUNT);
    expect(k.vm_committed_as - c0).toBe(4);
  });
});

describe("expand_downwards' guard gap", () => {
  it("the stack may come to exactly stack_guard_gap above an accessible VMA below, not a page nearer (address - prev->vm_end < stack_guard_gap)", () => {
    const k = boot();
    const { p, mm } = bare(k, { rlimits: { stack: Infinity } });
    const low = p.mmap(PAGE, { addr: 0x50000000, prot: "r", flags: "private|anonymous|fixed" });
    const floor = low + PAGE + stack_guard_gap;
    const s = p.mmap(PAGE, { addr: floor + 4 * PAGE, flags: "private|anonymous|fixed|growsdown" });
    p.touch(floor, PAGE, { write: true });
    expect(find_vma(mm, s)!.vm_start).toBe(floor);
    expect(() => p.touch(floor - PAGE, PAGE, { write: true })).toThrow();
  });
});

describe("brk's limits (sys_brk, check_brk_limits, do_brk_flags)", () => {
  /** A process with no image whose break starts at `at` (as if an ELF loader had put it there). */
  function heapAt(k: Kernel, at: number, opts: SpawnOptions = {}): { p: Process; mm: mm_struct } {
    const r = bare(k, opts);
    r.mm.start_brk = r.mm.brk = at;
    return r;
  }

  it("the break may come back down to start_brk itself (brk < mm->start_brk refuses)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    expect(p.brk(mm.start_brk + 4 * PAGE)).toBe(mm.start_brk + 4 * PAGE);
    expect(p.brk(mm.start_brk)).toBe(mm.start_brk);
    expect(mm.brk).toBe(mm.start_brk);
    // The heap's pages are gone with it.
    expect(find_vma(mm, mm.start_brk)?.vm_start ?? TASK_SIZE).toBeGreaterThanOrEqual(mm.start_brk + 4 * PAGE);
  });

  it("RLIMIT_AS bounds the heap's growth (do_brk_flags' may_expand_vm), and vm_brk_flags' too (-ENOMEM)", () => {
    const k = boot();
    const { p, mm } = heapAt(k, 0x600000, { rlimits: { as: 4 * PAGE } });
    expect(p.brk(0x600000 + 4 * PAGE)).toBe(0x600000 + 4 * PAGE);
    expect(p.brk(0x600000 + 5 * PAGE)).toBe(0x600000 + 4 * PAGE);
    expect(mm.total_vm).toBe(4);
    expect(vm_brk_flags(k, taskOf(p), 0x700000, PAGE, 0)).toBe(-errnoValues.ENOMEM);
    expect(mm.map_count).toBe(1);
  });

  it("a break high in the address space: check_brk_limits is asked about [oldbrk, newbrk) only", () => {
    const k = boot();
    const at = 0x500000000000; // above TASK_SIZE / 2: oldbrk + newbrk would be past TASK_SIZE
    const { p, mm } = heapAt(k, at);
    expect(p.brk(at + 2 * PAGE)).toBe(at + 2 * PAGE);
    expect(find_vma(mm, at)!.vm_end).toBe(at + 2 * PAGE);
    // Nothing above it: the break may reach TASK_SIZE less the page check_brk_limits' next test keeps, and no further.
    const top = heapAt(k, TASK_SIZE - 4 * PAGE);
    expect(top.p.brk(TASK_SIZE)).toBe(TASK_SIZE);
    expect(top.p.brk(TASK_SIZE + PAGE)).toBe(TASK_SIZE);
    expect(top.mm.total_vm).toBe(4);
  });

  it("a break below mmap_min_addr is refused to a user (get_unmapped_area's security_mmap_addr), granted to root", () => {
    const k = boot();
    const user = heapAt(k, 0x8000, { uid: 1000 });
    expect(user.p.brk(0x8000 + 2 * PAGE)).toBe(0x8000);
    expect(user.mm.map_count).toBe(0);
    const root = heapAt(k, 0x8000);
    expect(root.p.brk(0x8000 + 2 * PAGE)).toBe(0x8000 + 2 * PAGE);
    expect(root.mm.map_count).toBe(1);
    // Even a heap starting at 0 (check_brk_limits' get_unmapped_area answers 0, which is no error).
    const zero = heapAt(k, 0);
    expect(zero.p.brk(2 * PAGE)).toBe(2 * PAGE);
    expect(find_vma(zero.mm, 0)!.vm_end).toBe(2 * PAGE);
  });

  it("growth is populated only under mlockall(MCL_FUTURE), and only the new pages", () => {
    const k = boot();
    const { p, mm } = heapAt(k, 0x600000);
    // An untouched mapping above the heap, within twice the break: populating past newbrk would fault it.
    p.mmap(4 * PAGE, { addr: 0x600000 + 64 * PAGE, flags: "private|anonymous|fixed" });
    expect(p.brk(0x600000 + 4 * PAGE)).toBe(0x600000 + 4 * PAGE);
    expect(get_mm_rss(mm)).toBe(0);
    p.mlockall("future");
    expect(p.brk(0x600000 + 8 * PAGE)).toBe(0x600000 + 8 * PAGE);
    // mm_populate(oldbrk, newbrk - oldbrk): the 4 new pages.
    expect(get_mm_rss(mm)).toBe(4);
  });

  it("vm_brk_flags extends only an adjacent VMA: a moved one whose pgoff would follow on is left alone (vma->vm_end == addr)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const t = taskOf(p);
    const a = p.mmap(2 * PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed" });
    p.touch(a, 2 * PAGE, { write: true }); // an anon_vma: mremap keeps vm_pgoff 0x50000
    expect(p.mremap(a, 2 * PAGE, 2 * PAGE, { fixed: 0x40000000 })).toBe(0x40000000);
    expect(find_vma(mm, 0x40000000)!.vm_pgoff).toBe(0x50000);
    // pgoff 0x50000 + 2 pages == 0x50002000 >> PAGE_SHIFT, but [0x40000000, 0x40002000) does not end there.
    expect(vm_brk_flags(k, t, 0x50002000, PAGE, 0)).toBe(0);
    expect(mm.map_count).toBe(2);
    expect(find_vma(mm, 0x40000000)!.vm_end).toBe(0x40002000);
  });

  it("vm_brk_flags: the munmap of what was there failing (vm.max_map_count) is its error, nothing is mapped", () => {
    const k = boot();
    const { p, mm } = bare(k);
    p.mmap(8 * PAGE, { addr: 0x50000000, prot: "r", flags: "private|anonymous|fixed" });
    k.vm.max_map_count = 1;
    expect(vm_brk_flags(k, taskOf(p), 0x50000000 + 4 * PAGE, PAGE, 0)).toBe(-errnoValues.ENOMEM);
    expect(mm.map_count).toBe(1);
    expect(find_vma(mm, 0x50000000)!.vm_end).toBe(0x50000000 + 8 * PAGE);
  });

  it("vm_brk_flags at address 0 maps there for root (cap_mmap_addr lets CAP_SYS_RAWIO below mmap_min_addr)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    expect(vm_brk_flags(k, taskOf(p), 0, PAGE, 0)).toBe(0);
    expect(find_vma(mm, 0)!.vm_start).toBe(0);
  });
});

describe("expand_downwards and expand_stack, called directly (their errnos)", () => {
  it("-EFAULT for a VMA that does not grow down; expand_stack answers a VMA containing the address as it is", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const a = p.mmap(2 * PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed" });
    const v = find_vma(mm, a)!;
    expect(expand_downwards(k, taskOf(p), v, a - PAGE)).toBe(-errnoValues.EFAULT);
    expect(v.vm_start).toBe(a);
    expect(expand_stack(k, taskOf(p), mm, a)).toBe(v);
    expect(expand_stack(k, taskOf(p), mm, a + PAGE + 5)).toBe(v);
    expect(expand_stack(k, taskOf(p), mm, a - PAGE)).toBeNull();
  });

  it("rounds the address down to its page; an address at or above vm_start changes nothing (0)", () => {
    const k = boot();
    const { p, mm } = bare(k, { rlimits: { stack: 2 * PAGE } });
    const t = taskOf(p);
    const s = p.mmap(4 * PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown" });
    const v = find_vma(mm, s)!;
    // Already bigger than RLIMIT_STACK: no growth is checked when there is none to make.
    expect(expand_downwards(k, t, v, s)).toBe(0);
    expect(expand_downwards(k, t, v, s + PAGE)).toBe(0);
    expect([v.vm_start, mm.stack_vm]).toEqual([s, 4]);
    p.setRlimit("stack", 8 * PAGE);
    expect(expand_downwards(k, t, v, s - 2 * PAGE + 5)).toBe(0);
    expect([v.vm_start, mm.stack_vm]).toEqual([s - 2 * PAGE, 6]);
  });

  it("-ENOMEM past RLIMIT_STACK, RLIMIT_AS, RLIMIT_MEMLOCK, overcommit, the guard gap or vm_pgoff, with nothing changed; -EPERM below mmap_min_addr", () => {
    const k = boot();
    const grow = (opts: SpawnOptions, flags = "private|anonymous|fixed|growsdown", at = 0x50000000): { r: number; mm: mm_struct } => {
      const { p, mm } = bare(k, opts);
      const s = p.mmap(PAGE, { addr: at, flags });
      const v = find_vma(mm, s)!;
      const r = expand_downwards(k, taskOf(p), v, s - 4 * PAGE);
      return { r, mm };
    };
    const ENOMEM = -errnoValues.ENOMEM;
    for (const opts of [{ rlimits: { stack: 4 * PAGE } }, { rlimits: { as: 4 * PAGE } }]) {
      const { r, mm } = grow(opts);
      expect(r).toBe(ENOMEM);
      expect([mm.total_vm, mm.stack_vm, find_vma(mm, 0x50000000)!.vm_start]).toEqual([1, 1, 0x50000000]);
    }
    expect(grow({ uid: 1000, rlimits: { memlock: 4 * PAGE } }, "private|anonymous|fixed|growsdown|locked").r).toBe(ENOMEM);
    expect(grow({ uid: 1000, rlimits: { memlock: 5 * PAGE } }, "private|anonymous|fixed|growsdown|locked").r).toBe(0);
    // Below mmap_min_addr (64K): -EPERM.
    expect(grow({}, "private|anonymous|fixed|growsdown", 0x12000).r).toBe(-errnoValues.EPERM);
    // An accessible VMA a page below: the guard gap.
    const g = bare(k);
    g.p.mmap(PAGE, { addr: 0x50000000 - 8 * PAGE, prot: "r", flags: "private|anonymous|fixed" });
    const gs = g.p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown" });
    expect(expand_downwards(k, taskOf(g.p), find_vma(g.mm, gs)!, gs - 4 * PAGE)).toBe(ENOMEM);
    // Strict overcommit with no room to charge.
    const o = bare(k, { rlimits: { stack: Infinity } });
    const os = o.p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown" });
    k.vm.overcommit_memory = OVERCOMMIT_NEVER;
    expect(expand_downwards(k, taskOf(o.p), find_vma(o.mm, os)!, os - 200 * MiB)).toBe(ENOMEM);
    expect(o.mm.total_vm).toBe(1);
    k.vm.overcommit_memory = 0;
    // vm_pgoff: a growsdown VMA moved up from 0x12000 (pgoff 0x12) grows by 0x12 pages at most.
    const m = bare(k);
    const ms = m.p.mmap(PAGE, { addr: 0x12000, flags: "private|anonymous|fixed|growsdown" });
    m.p.touch(ms, PAGE, { write: true });
    m.p.mremap(ms, PAGE, PAGE, { fixed: 0x50000000 });
    const mv = find_vma(m.mm, 0x50000000)!;
    expect(expand_downwards(k, taskOf(m.p), mv, 0x50000000 - 0x13 * PAGE)).toBe(ENOMEM);
    expect(mv.vm_start).toBe(0x50000000);
  });
});

describe("do_mmap at address 0", () => {
  it("root may map at 0 with MAP_FIXED (get_unmapped_area answers 0, which is no error), and MAP_POPULATE faults it in", () => {
    const k = boot();
    const { p, mm } = bare(k);
    expect(p.mmap(2 * PAGE, { addr: 0, flags: "private|anonymous|fixed|populate" })).toBe(0);
    expect(find_vma(mm, 0)!.vm_end).toBe(2 * PAGE);
    expect(get_mm_rss(mm)).toBe(2);
  });
});
