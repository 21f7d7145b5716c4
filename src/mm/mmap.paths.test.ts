/**
 * mmap.ts's branches the broader tests do not pin down, each against the Linux 6.1 function it
 * models (mm/mmap.c unless named): the rlimit and mlock checks (may_expand_vm,
 * mlock_future_check, can_do_mlock), do_mmap's flag handling, get_unmapped_area's checks of the
 * answer, the bottom-up and MAP_32BIT searches, brk, the growsdown stack, and the VMA
 * accounting of each (total_vm, data_vm, stack_vm, exec_vm, locked_vm, Committed_AS). Written
 * for issue 12 (StrykerJS on mmap.ts): each test does its work inside `it`, where a mutant is
 * switched on. Expected values come from the kernel source, cited beside each.
 */
import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import type { Kernel } from "../kernel/kernel.js";
import { ADDR_NO_RANDOMIZE, PF_RANDOMIZE, RLIMIT_DATA } from "../kernel/sched.js";
import { spawnProcess, type Process, type SpawnOptions } from "../sim/process.js";
import { taskOf } from "../api/internals.js";
import { MiB } from "./types.js";
import { procWrite } from "../fs/proc/root.js";
import { errnoValues } from "../kernel/errno.js";
import { shmem_file_setup } from "./shmem.js";
import { global_zone_page_state } from "./vmstat.js";
import { NR_MLOCK } from "./vmstat_items.js";
import {
  type file,
  FMODE_READ,
  FMODE_WRITE,
  MMF_OOM_SKIP,
  VM_MAYSHARE,
  VM_READ,
  VM_SYNC,
  VM_ACCOUNT,
  VM_EXEC,
  VM_LOCKED,
  VM_MAYWRITE,
  VM_NORESERVE,
  VM_SHARED,
  TASK_SIZE,
  type mm_struct,
} from "./mm_types.js";
import { arch_align_stack, MAP_NORESERVE, find_vma, find_vma_intersection, randomize_page, randomize_stack_top, find_vma_prev, vma_lookup, thp_get_unmapped_area, vm_brk_flags, MAP_32BIT, MAP_ANONYMOUS, MAP_PRIVATE, READ_IMPLIES_EXEC, stack_guard_gap, OVERCOMMIT_NEVER } from "./mmap.js";

const PAGE = 4096;

function boot(): Kernel {
  return start_kernel({ memory: 256 * MiB });
}

/** A process with an empty address space (no image: no VMAs, every counter 0). */
function bare(k: Kernel, opts: SpawnOptions = {}): { p: Process; mm: mm_struct } {
  const p = spawnProcess(k, { comm: "t", image: null, ...opts });
  return { p, mm: taskOf(p).mm! };
}

describe("may_expand_vm (RLIMIT_AS, RLIMIT_DATA)", () => {
  it("RLIMIT_AS: total_vm + npages may equal the limit in pages, not exceed it", () => {
    const k = boot();
    const { p, mm } = bare(k, { rlimits: { as: 16 * PAGE } });
    expect(mm.total_vm).toBe(0);
    // mm->total_vm + npages > rlimit(RLIMIT_AS) >> PAGE_SHIFT → false: 16 > 16 is not.
    const a = p.mmap(16 * PAGE, { prot: "r" });
    expect(mm.total_vm).toBe(16);
    expect(() => p.mmap(PAGE, { prot: "r" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    expect(() => p.mmap(PAGE)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    p.munmap(a, PAGE);
    expect(p.mmap(PAGE)).toBeGreaterThan(0);
  });

  it("mmap_region: MAP_FIXED over mapped pages counts them as freed (count_vma_pages_range), and only those", () => {
    const k = boot();
    const { p, mm } = bare(k, { rlimits: { as: 16 * PAGE } });
    const a = p.mmap(16 * PAGE, { prot: "r" });
    // All 16 pages replace mapped ones: 16 - 16 = 0 new pages.
    expect(p.mmap(16 * PAGE, { addr: a, prot: "r", flags: "private|anonymous|fixed" })).toBe(a);
    // 4 pages over [a + 14 pages, a + 18 pages): 2 mapped, 2 new → 18 > 16: ENOMEM.
    expect(() => p.mmap(4 * PAGE, { addr: a + 14 * PAGE, prot: "r", flags: "private|anonymous|fixed" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    // The same below the mapping: [a - 2 pages, a + 2 pages).
    expect(() => p.mmap(4 * PAGE, { addr: a - 2 * PAGE, prot: "r", flags: "private|anonymous|fixed" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    // Inside it: 4 mapped of 4.
    expect(p.mmap(4 * PAGE, { addr: a + 6 * PAGE, prot: "r", flags: "private|anonymous|fixed" })).toBe(a + 6 * PAGE);
    p.munmap(a, 2 * PAGE);
    // Now 2 pages free: [a - 0, a + 4): 2 mapped (a+2, a+3) and 2 not → 14 + 2 = 16: fits.
    expect(p.mmap(4 * PAGE, { addr: a, prot: "r", flags: "private|anonymous|fixed" })).toBe(a);
    expect(mm.total_vm).toBe(16);
  });

  it("RLIMIT_DATA limits private writable mappings only (is_data_mapping)", () => {
    const k = boot();
    const { p, mm } = bare(k, { rlimits: { data: 8 * PAGE } });
    p.mmap(8 * PAGE); // data_vm 8: 8 > 8 is not
    expect(mm.data_vm).toBe(8);
    expect(() => p.mmap(PAGE)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    // Read-only, shared writable and growsdown (VM_STACK) mappings are not data.
    p.mmap(PAGE, { prot: "r" });
    p.mmap(PAGE, { flags: "shared|anonymous" });
    p.mmap(PAGE, { flags: "private|anonymous|growsdown" });
    expect(mm.data_vm).toBe(8);
    expect(mm.total_vm).toBe(11);
  });

  it("the Valgrind workaround: a zero RLIMIT_DATA soft limit defers to the hard limit", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const t = taskOf(p);
    t.signal.rlim_cur[RLIMIT_DATA] = 0;
    t.signal.rlim_max[RLIMIT_DATA] = 4 * PAGE;
    // rlimit(RLIMIT_DATA) == 0 && data_vm + npages <= rlimit_max >> PAGE_SHIFT → true
    p.mmap(4 * PAGE);
    expect(mm.data_vm).toBe(4);
    expect(() => p.mmap(PAGE)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    // A non-zero soft limit does not defer: 1 page soft, 4 hard, data_vm 4 already.
    t.signal.rlim_cur[RLIMIT_DATA] = PAGE;
    t.signal.rlim_max[RLIMIT_DATA] = 64 * PAGE;
    expect(() => p.mmap(PAGE)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
  });
});

describe("vm_stat_account: total_vm and the exec / stack / data split", () => {
  it("counts each kind of mapping in its own counter", () => {
    const k = boot();
    const { p, mm } = bare(k);
    p.mmap(2 * PAGE, { prot: "rx" }); // is_exec_mapping: EXEC, not WRITE, not STACK
    p.mmap(3 * PAGE, { prot: "rwx" }); // writable: data, not exec
    p.mmap(5 * PAGE, { prot: "rw", flags: "private|anonymous|growsdown" }); // VM_STACK
    p.mmap(7 * PAGE, { prot: "rw", flags: "shared|anonymous" }); // shared: none of the three
    p.mmap(11 * PAGE, { prot: "r" }); // read-only private: none
    expect([mm.total_vm, mm.exec_vm, mm.data_vm, mm.stack_vm]).toEqual([28, 2, 3, 5]);
    // munmap takes them back out (remove_mt: vm_stat_account with -nrpages).
    for (const v of mm.mm_mt.toArray()) p.munmap(v.vm_start, v.vm_end - v.vm_start);
    expect([mm.total_vm, mm.exec_vm, mm.data_vm, mm.stack_vm]).toEqual([0, 0, 0, 0]);
  });
});

describe("MAP_LOCKED: can_do_mlock and mlock_future_check", () => {
  it("an unprivileged task may lock up to RLIMIT_MEMLOCK, not a page more (-EAGAIN)", () => {
    const k = boot();
    const { p, mm } = bare(k, { uid: 1000, rlimits: { memlock: 8 * PAGE } });
    // locked = len >> PAGE_SHIFT + mm->locked_vm; locked > lock_limit && !capable → -EAGAIN
    const a = p.mmap(8 * PAGE, { flags: "private|anonymous|locked" });
    expect(mm.locked_vm).toBe(8);
    expect(find_vma(mm, a)!.vm_flags & VM_LOCKED).toBe(VM_LOCKED);
    // VM_LOCKED sets *populate = len: every page is faulted in.
    expect(p.status().vmRssKb).toBe(32);
    expect(() => p.mmap(PAGE, { flags: "private|anonymous|locked" })).toThrow(expect.objectContaining({ code: "EAGAIN" }));
    // Without MAP_LOCKED nothing is checked.
    p.mmap(PAGE);
    expect(mm.locked_vm).toBe(8);
    // munmap gives the locked pages back (do_mas_align_munmap's locked_vm).
    p.munmap(a, 3 * PAGE);
    expect(mm.locked_vm).toBe(5);
  });

  it("RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK: -EPERM (can_do_mlock); root may lock past any limit", () => {
    const k = boot();
    const user = bare(k, { uid: 1000, rlimits: { memlock: 0 } });
    expect(() => user.p.mmap(PAGE, { flags: "private|anonymous|locked" })).toThrow(expect.objectContaining({ code: "EPERM" }));
    const root = bare(k, { rlimits: { memlock: 0 } });
    root.p.mmap(4 * PAGE, { flags: "private|anonymous|locked" });
    expect(root.mm.locked_vm).toBe(4);
  });
});

describe("do_mmap's flags", () => {
  it("READ_IMPLIES_EXEC adds PROT_EXEC to a readable mapping only", () => {
    const k = boot();
    const { p, mm } = bare(k);
    taskOf(p).personality |= READ_IMPLIES_EXEC;
    const r = p.mmap(PAGE, { prot: "r" });
    const w = p.mmap(PAGE, { prot: "w" });
    expect(find_vma(mm, r)!.vm_flags & VM_EXEC).toBe(VM_EXEC);
    expect(find_vma(mm, w)!.vm_flags & VM_EXEC).toBe(0);
  });

  it("MAP_FIXED_NOREPLACE maps exactly at a free address (it implies MAP_FIXED), EEXIST over a mapping", () => {
    const k = boot();
    const { p } = bare(k);
    const at = 0x50000000;
    expect(p.mmap(2 * PAGE, { addr: at, flags: "private|anonymous|fixed_noreplace" })).toBe(at);
    // Overlapping only its last page still intersects.
    expect(() => p.mmap(2 * PAGE, { addr: at - PAGE, flags: "private|anonymous|fixed_noreplace" })).toThrow(expect.objectContaining({ code: "EEXIST" }));
    // Ending where the mapping starts does not.
    expect(p.mmap(PAGE, { addr: at - PAGE, flags: "private|anonymous|fixed_noreplace" })).toBe(at - PAGE);
  });

  it("a free hint is taken as given, rounded down to its page (round_hint_to_min)", () => {
    const k = boot();
    const { p } = bare(k);
    expect(p.mmap(PAGE, { addr: 0x60000123 })).toBe(0x60000000);
    // A hint whose range is taken is dropped: the top-down search answers below mmap_base.
    expect(p.mmap(PAGE, { addr: 0x60000000 })).toBe(taskOf(p).mm!.mmap_base - PAGE);
  });

  it("MAP_NORESERVE gives VM_NORESERVE and no charge, unless overcommit is strict (OVERCOMMIT_NEVER)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const c0 = k.vm_committed_as;
    const a = p.mmap(8 * PAGE, { flags: "private|anonymous|noreserve" });
    expect(find_vma(mm, a)!.vm_flags & (VM_NORESERVE | VM_ACCOUNT)).toBe(VM_NORESERVE);
    expect(k.vm_committed_as).toBe(c0);
    k.vm.overcommit_memory = OVERCOMMIT_NEVER;
    const b = p.mmap(8 * PAGE, { prot: "r", flags: "private|anonymous|noreserve" });
    expect(find_vma(mm, b)!.vm_flags & VM_NORESERVE).toBe(0);
    const c = p.mmap(4 * PAGE, { addr: 0x70000000, flags: "private|anonymous|noreserve" });
    expect(find_vma(mm, c)!.vm_flags & (VM_NORESERVE | VM_ACCOUNT)).toBe(VM_ACCOUNT);
    expect(k.vm_committed_as).toBe(c0 + 4);
  });

  it("MAP_POPULATE faults the range in; with MAP_NONBLOCK it does not ((flags & (POPULATE|NONBLOCK)) == POPULATE)", () => {
    const k = boot();
    const { p } = bare(k);
    p.mmap(4 * PAGE, { flags: "private|anonymous|populate" });
    expect(p.status().vmRssKb).toBe(16);
    p.mmap(4 * PAGE, { flags: "private|anonymous|populate|nonblock" });
    expect(p.status().vmRssKb).toBe(16);
    p.mmap(4 * PAGE);
    expect(p.status().vmRssKb).toBe(16);
  });

  it("shared anonymous memory: VM_SHARED, pgoff 0, charged by shmem, not by mmap_region (accountable_mapping)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const c0 = k.vm_committed_as;
    const a = p.mmap(4 * PAGE, { addr: 0x50000000, flags: "shared|anonymous" });
    const v = find_vma(mm, a)!;
    // No VM_ACCOUNT: shmem_zero_setup's shmem_acct_size charges the 4 pages to the file instead.
    expect(v.vm_flags & (VM_SHARED | VM_MAYWRITE | VM_ACCOUNT)).toBe(VM_SHARED | VM_MAYWRITE);
    expect(v.vm_pgoff).toBe(0);
    expect(k.vm_committed_as).toBe(c0 + 4);
    // A private one takes pgoff = addr >> PAGE_SHIFT and is charged by mmap_region.
    const b = p.mmap(4 * PAGE, { addr: 0x60000000 });
    expect(find_vma(mm, b)!.vm_pgoff).toBe(0x60000);
    expect(find_vma(mm, b)!.vm_flags & VM_ACCOUNT).toBe(VM_ACCOUNT);
    expect(k.vm_committed_as).toBe(c0 + 8);
  });

  it("anonymous MAP_SHARED_VALIDATE is no type do_mmap accepts for anonymous memory: EINVAL", () => {
    const k = boot();
    const { p } = bare(k);
    expect(() => p.mmap(PAGE, { flags: "shared_validate|anonymous" })).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});

describe("get_unmapped_area's checks of the answer", () => {
  it("MAP_FIXED may end exactly at TASK_SIZE, not past it (addr > TASK_SIZE - len → ENOMEM)", () => {
    const k = boot();
    const { p } = bare(k);
    expect(p.mmap(2 * PAGE, { addr: TASK_SIZE - 2 * PAGE, flags: "private|anonymous|fixed" })).toBe(TASK_SIZE - 2 * PAGE);
    expect(() => p.mmap(2 * PAGE, { addr: TASK_SIZE - PAGE, flags: "private|anonymous|fixed" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
  });

  it("an unaligned MAP_FIXED address is EINVAL (offset_in_page)", () => {
    const k = boot();
    const { p } = bare(k);
    expect(() => p.mmap(PAGE, { addr: 0x50000800, flags: "private|anonymous|fixed" })).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("MAP_32BIT searches bottom-up in [1 GiB, 2 GiB) (find_start_end), even in the top-down layout", () => {
    const k = boot();
    const { p } = bare(k, { randomize: false });
    const flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT;
    expect(p.mmap(PAGE, { flags, prot: "r" })).toBe(0x40000000);
    expect(p.mmap(PAGE, { flags, prot: "rw" })).toBe(0x40001000);
    // The bottom-up path takes a free hint below end - len; one above 2 GiB is not taken.
    expect(p.mmap(PAGE, { flags, prot: "r", addr: 0x60000000 })).toBe(0x60000000);
    expect(p.mmap(PAGE, { flags, prot: "r", addr: 0x7ffff000 })).toBe(0x7ffff000);
    expect(p.mmap(PAGE, { flags, prot: "rw", addr: 0x90000000 })).toBe(0x40002000);
    // 1 GiB no longer fits in [0x40003000, 0x60000000) or [0x60001000, 0x7ffff000).
    expect(() => p.mmap(0x20000000, { flags, prot: "r" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    expect(p.mmap(0x1fffd000, { flags, prot: "r" })).toBe(0x40003000);
  });
});

describe("brk", () => {
  it("growing stops a page short of the next mapping's guard gap; a non-growsdown mapping has none", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    const cur = p.brk();
    // A mapping 8 pages above the break: the break may reach 1 page below it (newbrk + PAGE_SIZE > vm_start_gap(next) refuses).
    p.mmap(PAGE, { addr: cur + 8 * PAGE, prot: "r", flags: "private|anonymous|fixed" });
    expect(p.brk(cur + 8 * PAGE)).toBe(cur);
    expect(p.brk(cur + 7 * PAGE)).toBe(cur + 7 * PAGE);
    expect(mm.brk).toBe(cur + 7 * PAGE);
  });

  it("a growsdown mapping above keeps stack_guard_gap plus a page free", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const cur = p.brk();
    const s = cur + 16 * PAGE + stack_guard_gap;
    p.mmap(PAGE, { addr: s, flags: "private|anonymous|fixed|growsdown" });
    // vm_start_gap = s - stack_guard_gap = cur + 16 pages: the break may reach cur + 15 pages.
    expect(p.brk(cur + 16 * PAGE)).toBe(cur);
    expect(p.brk(cur + 15 * PAGE)).toBe(cur + 15 * PAGE);
  });

  it("below start_brk, or past RLIMIT_DATA (check_data_rlimit), the old break comes back", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    const cur = p.brk();
    expect(p.brk(mm.start_brk - 1)).toBe(cur);
    // A binary with a 4 MiB data segment, so that check_data_rlimit, not may_expand_vm's
    // data_vm (about 42 pages here), is the limit that binds.
    mm.end_data = mm.start_data + 4 * MiB;
    // brk - start_brk + (end_data - start_data) > rlimit(RLIMIT_DATA) → out.
    const data = mm.end_data - mm.start_data;
    p.setRlimit("data", cur - mm.start_brk + data + 3 * PAGE);
    expect(p.brk(cur + 3 * PAGE)).toBe(cur + 3 * PAGE);
    expect(p.brk(cur + 3 * PAGE + 1)).toBe(cur + 3 * PAGE);
    // Shrinking is allowed whatever the limit.
    p.setRlimit("data", 0);
    expect(p.brk(cur)).toBe(cur + 3 * PAGE);
  });

  it("a break moved within its page changes mm->brk and no VMA", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    const cur = p.brk();
    const n = mm.map_count;
    // The heap VMA [0x4af000, cur) grows in place by the one page (do_brk_flags' expansion).
    expect(p.brk(cur + 100)).toBe(cur + 100);
    expect(mm.brk).toBe(cur + 100);
    expect(find_vma(mm, cur)!.vm_end).toBe(cur + PAGE);
    // oldbrk == newbrk: only mm->brk moves.
    expect(p.brk(cur + PAGE)).toBe(cur + PAGE);
    expect(p.brk(cur + 1)).toBe(cur + 1);
    expect(mm.brk).toBe(cur + 1);
    expect(find_vma(mm, cur)!.vm_end).toBe(cur + PAGE);
    expect(mm.map_count).toBe(n);
  });

  it("grows the heap by whole pages, counting total_vm and data_vm, and charging Committed_AS", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    const cur = p.brk();
    const [tv, dv, c0] = [mm.total_vm, mm.data_vm, k.vm_committed_as];
    p.brk(cur + 5 * PAGE + 1);
    expect([mm.total_vm - tv, mm.data_vm - dv, k.vm_committed_as - c0]).toEqual([6, 6, 6]);
    expect(find_vma(mm, cur)!.vm_flags & VM_ACCOUNT).toBe(VM_ACCOUNT);
    p.brk(cur + 2 * PAGE);
    expect([mm.total_vm - tv, mm.data_vm - dv, k.vm_committed_as - c0]).toEqual([2, 2, 2]);
  });

  it("after mlockall(MCL_FUTURE) the heap's growth is locked and populated", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    p.mlockall("future");
    const cur = p.brk();
    const l0 = mm.locked_vm;
    const rss0 = p.status().vmRssKb;
    p.brk(cur + 4 * PAGE);
    expect(mm.locked_vm - l0).toBe(4);
    expect(p.status().vmRssKb - rss0).toBe(16);
  });
});

describe("expand_downwards and expand_stack", () => {
  it("a fault below a VMA that does not grow down is a SIGSEGV (-EFAULT in expand_downwards)", () => {
    const k = boot();
    const { p } = bare(k);
    const a = p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed" });
    expect(() => p.touch(a - PAGE, PAGE)).toThrow();
  });

  it("a growsdown VMA's growth is counted in stack_vm and locked_vm and keeps pgoff in step", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const s = p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown|locked" });
    const v = find_vma(mm, s)!;
    const pg = v.vm_pgoff;
    p.touch(s - 3 * PAGE + 5, 1, { write: true });
    expect(v.vm_start).toBe(s - 3 * PAGE);
    expect(v.vm_pgoff).toBe(pg - 3);
    expect([mm.stack_vm, mm.locked_vm, mm.total_vm]).toEqual([4, 4, 4]);
  });

  it("a growsdown VMA below another keeps no gap to it; an inaccessible one below needs none either", () => {
    const k = boot();
    const { p, mm } = bare(k);
    // PROT_NONE below: not "accessible", so the stack may grow right up to it.
    const low = p.mmap(PAGE, { addr: 0x50000000, prot: "none", flags: "private|anonymous|fixed" });
    const s = p.mmap(PAGE, { addr: low + 3 * PAGE, flags: "private|anonymous|fixed|growsdown" });
    p.touch(low + PAGE, PAGE, { write: true });
    expect(find_vma(mm, s)!.vm_start).toBe(low + PAGE);
  });

  it("RLIMIT_STACK bounds the stack's whole size, vm_end - address", () => {
    const k = boot();
    const { p, mm } = bare(k, { rlimits: { stack: 4 * PAGE } });
    const s = p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown" });
    // size = vm_end - address = 4 pages: not > rlimit(RLIMIT_STACK).
    p.touch(s - 3 * PAGE, PAGE, { write: true });
    expect(find_vma(mm, s)!.vm_start).toBe(s - 3 * PAGE);
    expect(() => p.touch(s - 4 * PAGE, PAGE, { write: true })).toThrow();
  });

  it("growth below mmap_min_addr is refused (-EPERM)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    // The effective floor is 64K (CONFIG_LSM_MMAP_MIN_ADDR): root may map at 0x11000 but the stack may not grow below 0x10000.
    const s = p.mmap(PAGE, { addr: 0x11000, flags: "private|anonymous|fixed|growsdown" });
    p.touch(0x10000, PAGE, { write: true });
    expect(find_vma(mm, s)!.vm_start).toBe(0x10000);
    expect(() => p.touch(0xf000, PAGE, { write: true })).toThrow();
  });
});

/** A shmem file of `pages` pages, opened read-write unless `mode` says otherwise. */
function shmemFile(k: Kernel, pages: number, mode?: number): file {
  const f = shmem_file_setup(k, null, "paths", pages * PAGE, 0) as file;
  if (mode !== undefined) f.f_mode = mode;
  return f;
}

describe("file mappings: do_mmap's checks, i_mmap and i_mmap_writable", () => {
  it("a shared writable mapping counts in i_mmap_writable (is_shared_maywrite) until unmapped; a private or read-only-file one does not", () => {
    const k = boot();
    const { p } = bare(k);
    const f = shmemFile(k, 16);
    const mapping = f.f_inode.i_mapping;
    const a = p.mmap(4 * PAGE, { file: f, flags: "shared" });
    expect([mapping.i_mmap.size, mapping.i_mmap_writable]).toEqual([1, 1]);
    const b = p.mmap(4 * PAGE, { file: f, flags: "private" });
    expect([mapping.i_mmap.size, mapping.i_mmap_writable]).toEqual([2, 1]);
    // Splitting the shared one (a partial munmap) links the new part too, and unlinks the gone one.
    p.munmap(a + PAGE, PAGE);
    expect([mapping.i_mmap.size, mapping.i_mmap_writable]).toEqual([3, 2]);
    p.munmap(a, 4 * PAGE);
    p.munmap(b, 4 * PAGE);
    expect([mapping.i_mmap.size, mapping.i_mmap_writable]).toEqual([0, 0]);
    // A file opened read-only: MAP_SHARED keeps VM_MAYSHARE but drops VM_SHARED and VM_MAYWRITE.
    const ro = shmemFile(k, 16, FMODE_READ);
    const c = p.mmap(4 * PAGE, { file: ro, flags: "shared", prot: "r" });
    expect(find_vma(taskOf(p).mm!, c)!.vm_flags & (VM_SHARED | VM_MAYSHARE | VM_MAYWRITE)).toBe(VM_MAYSHARE);
    expect([ro.f_inode.i_mapping.i_mmap.size, ro.f_inode.i_mapping.i_mmap_writable]).toEqual([1, 0]);
  });

  it("fork links the child's file VMAs into i_mmap (dup_mmap), and exit unlinks them (exit_mmap)", () => {
    const k = boot();
    const { p } = bare(k);
    const f = shmemFile(k, 16);
    const mapping = f.f_inode.i_mapping;
    p.mmap(4 * PAGE, { file: f, flags: "shared" });
    const c = p.fork();
    expect([mapping.i_mmap.size, mapping.i_mmap_writable]).toEqual([2, 2]);
    c.exit(0);
    expect([mapping.i_mmap.size, mapping.i_mmap_writable]).toEqual([1, 1]);
    p.exit(0);
    expect([mapping.i_mmap.size, mapping.i_mmap_writable]).toEqual([0, 0]);
  });

  it("MAP_SHARED drops flags outside LEGACY_MAP_MASK silently (MAP_SYNC); MAP_SHARED_VALIDATE refuses them", () => {
    const k = boot();
    const { p } = bare(k);
    const f = shmemFile(k, 4);
    expect(p.mmap(PAGE, { file: f, flags: "shared|sync" })).toBeGreaterThan(0);
    expect(() => p.mmap(PAGE, { file: f, flags: "shared_validate|sync" })).toThrow(expect.objectContaining({ code: "EOPNOTSUPP" }));
    // MAP_SHARED_VALIDATE with legacy flags only is a plain shared mapping.
    const v = p.mmap(PAGE, { file: f, flags: "shared_validate" });
    expect(find_vma(taskOf(p).mm!, v)!.vm_flags & VM_SHARED).toBe(VM_SHARED);
  });

  it("a file not open for reading cannot be mapped, shared or private (EACCES)", () => {
    const k = boot();
    const { p } = bare(k);
    const wo = shmemFile(k, 4, FMODE_WRITE);
    expect(() => p.mmap(PAGE, { file: wo, flags: "private", prot: "r" })).toThrow(expect.objectContaining({ code: "EACCES" }));
    expect(() => p.mmap(PAGE, { file: wo, flags: "shared", prot: "r" })).toThrow(expect.objectContaining({ code: "EACCES" }));
    // A type that is neither shared nor private (0) is EINVAL for a file too.
    expect(() => p.mmap(PAGE, { file: shmemFile(k, 4), flags: 0, prot: "r" })).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("file_mmap_ok: offset + length must stay within MAX_LFS_FILESIZE (2^63 - 1), else EOVERFLOW", () => {
    const k = boot();
    const { p } = bare(k);
    const f = shmemFile(k, 4);
    // maxsize = 2^63 - 1 - len; pgoff > maxsize >> PAGE_SHIFT fails. For len = 1 page the last
    // pgoff allowed is (2^63 - 4096 - 1) >> 12 = 2^51 - 2: its byte offset is 2^63 - 8192.
    expect(p.mmap(PAGE, { file: f, flags: "private", prot: "r", offset: 2 ** 63 - 2 * PAGE })).toBeGreaterThan(0);
    expect(() => p.mmap(PAGE, { file: f, flags: "private", prot: "r", offset: 2 ** 63 - PAGE })).toThrow(expect.objectContaining({ code: "EOVERFLOW" }));
    expect(() => p.mmap(2 * PAGE, { file: f, flags: "private", prot: "r", offset: 2 ** 63 - 2 * PAGE })).toThrow(expect.objectContaining({ code: "EOVERFLOW" }));
  });

  it("a file whose ->mmap fails: the error comes back, the file reference and the charge are dropped", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const f = shmemFile(k, 4);
    f.f_op = { name: "failing", mmap: () => -errnoValues.ENODEV };
    const [c0, n0, count0] = [k.vm_committed_as, mm.map_count, f.f_count];
    // Private writable: accountable, so charged before ->mmap and unaccounted after its failure.
    expect(() => p.mmap(4 * PAGE, { file: f, flags: "private", prot: "rw" })).toThrow(expect.objectContaining({ code: "ENODEV" }));
    expect([k.vm_committed_as, mm.map_count, f.f_count, mm.total_vm]).toEqual([c0, n0, count0, 0]);
  });

  it("a private writable file mapping is charged to Committed_AS (accountable_mapping), a shared one is not", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const f = shmemFile(k, 16);
    const c0 = k.vm_committed_as;
    const a = p.mmap(4 * PAGE, { file: f, flags: "private", prot: "rw" });
    expect(k.vm_committed_as - c0).toBe(4);
    expect(find_vma(mm, a)!.vm_flags & VM_ACCOUNT).toBe(VM_ACCOUNT);
    p.mmap(4 * PAGE, { file: f, flags: "shared", prot: "rw" });
    p.mmap(4 * PAGE, { file: f, flags: "private", prot: "r" });
    expect(k.vm_committed_as - c0).toBe(4);
    p.munmap(a, 4 * PAGE);
    expect(k.vm_committed_as - c0).toBe(0);
  });
});

describe("hugetlb VMAs (vm_ops->may_split, accountable_mapping)", () => {
  it("split only at a huge page boundary (munmap and mprotect: EINVAL), and never charged to Committed_AS", () => {
    const k = boot();
    const { p, mm } = bare(k);
    procWrite(k, "/proc/sys/vm/nr_hugepages", "4\n");
    const c0 = k.vm_committed_as;
    const a = p.mmap(4 * MiB, { flags: "private|anonymous|hugetlb" });
    expect(a % (2 * MiB)).toBe(0);
    expect(k.vm_committed_as).toBe(c0);
    expect(find_vma(mm, a)!.vm_flags & VM_ACCOUNT).toBe(0);
    // Start inside a huge page, and end inside one: both refused before anything is unmapped.
    expect(() => p.munmap(a + PAGE, 2 * MiB)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => p.munmap(a, 2 * MiB + PAGE)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => p.mprotect(a, PAGE, "r")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(mm.map_count).toBe(1);
    expect(find_vma(mm, a)!.vm_end).toBe(a + 4 * MiB);
    p.munmap(a + 2 * MiB, 2 * MiB);
    expect(find_vma(mm, a)!.vm_end).toBe(a + 2 * MiB);
    expect(mm.total_vm).toBe(512);
  });
});

describe("split_vma and max_map_count", () => {
  it("mprotect may split a VMA only below vm.max_map_count (split_vma: map_count >= max → ENOMEM)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const a = p.mmap(4 * PAGE);
    k.vm.max_map_count = mm.map_count;
    expect(() => p.mprotect(a, PAGE, "r")).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    expect(mm.map_count).toBe(1);
    k.vm.max_map_count = mm.map_count + 1;
    p.mprotect(a, PAGE, "r");
    expect(mm.map_count).toBe(2);
  });

  it("munmap of a VMA's head or tail needs no room (no new VMA); of its middle, one more", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const a = p.mmap(8 * PAGE);
    k.vm.max_map_count = 1;
    p.munmap(a, PAGE); // head: the VMA shrinks
    p.munmap(a + 7 * PAGE, PAGE); // tail
    expect(mm.map_count).toBe(1);
    expect(() => p.munmap(a + 3 * PAGE, PAGE)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    k.vm.max_map_count = 2;
    p.munmap(a + 3 * PAGE, PAGE);
    expect(mm.map_count).toBe(2);
  });
});

describe("exit_mmap", () => {
  it("gives back Committed_AS, locked pages and every VMA, and marks the mm MMF_OOM_SKIP", () => {
    const k = boot();
    const c0 = k.vm_committed_as;
    const { p, mm } = bare(k);
    p.mmap(8 * PAGE);
    p.mmap(4 * PAGE, { flags: "private|anonymous|locked" });
    p.touch(p.mmap(4 * PAGE), 4 * PAGE, { write: true });
    expect(k.vm_committed_as - c0).toBe(16);
    const mlocked0 = global_zone_page_state(k, NR_MLOCK);
    p.exit(0);
    expect(k.vm_committed_as).toBe(c0);
    expect(mm.map_count).toBe(0);
    expect(mm.mm_mt.toArray()).toEqual([]);
    expect(mm.flags & (1 << MMF_OOM_SKIP)).not.toBe(0);
    expect(mlocked0 - global_zone_page_state(k, NR_MLOCK)).toBe(4);
  });

  it("an mm without VMAs is left as it is (the early return when mas_find finds none)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    p.exit(0);
    expect(mm.flags & (1 << MMF_OOM_SKIP)).toBe(0);
  });
});

describe("thp_get_unmapped_area (ext2's get_unmapped_area)", () => {
  it("pads a mapping holding a whole 2 MiB of the file and aligns it to the file offset modulo 2 MiB", () => {
    const k = boot();
    const { mm } = bare(k, { randomize: false });
    const base = mm.mmap_base; // 0x7ffff7fff000: no mapping yet
    // len 4 MiB, pgoff 0: the padded search answers base - 6 MiB = 0x7ffff79ff000; + (0 - ret) & (2 MiB - 1) = 0x1000.
    expect(thp_get_unmapped_area(mm, null, 0, 4 * MiB, 0, 0)).toBe(0x7ffff7a00000);
    expect(base - 6 * MiB).toBe(0x7ffff79ff000);
    // pgoff 1: the address is 4096 past a 2 MiB boundary, as the offset is.
    expect(thp_get_unmapped_area(mm, null, 0, 4 * MiB, 1, 0) % (2 * MiB)).toBe(PAGE);
    // Exactly one whole 2 MiB of the file (pgoff 0, 2 MiB): padded too.
    expect(thp_get_unmapped_area(mm, null, 0, 2 * MiB, 0, 0) % (2 * MiB)).toBe(0);
    // No whole aligned 2 MiB in [off, off + len): no padding, the plain top-down answer.
    expect(thp_get_unmapped_area(mm, null, 0, 2 * MiB - PAGE, 0, 0)).toBe(base - 2 * MiB + PAGE);
    expect(thp_get_unmapped_area(mm, null, 0, 2 * MiB, 1, 0)).toBe(base - 2 * MiB);
  });

  it("keeps a free hint as it is, and retries without the padding when only that fails", () => {
    const k = boot();
    const { p, mm } = bare(k, { randomize: false });
    expect(thp_get_unmapped_area(mm, null, 0x50001000, 4 * MiB, 0, 0)).toBe(0x50001000);
    // MAP_32BIT's window [1 GiB, 2 GiB) with only 4 MiB free at its bottom: 6 MiB does not fit.
    p.mmap(0x40000000 - 4 * MiB, { addr: 0x40000000 + 4 * MiB, prot: "none", flags: "private|anonymous|fixed|noreserve" });
    expect(thp_get_unmapped_area(mm, null, 0, 4 * MiB, 0, MAP_32BIT)).toBe(0x40000000);
  });
});

describe("brk: shrinking", () => {
  it("a shrink whose range holds no heap VMA any more returns the old break", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    const cur = p.brk();
    p.brk(cur + 4 * PAGE);
    p.munmap(cur, 4 * PAGE);
    // mas_find(newbrk .. oldbrk) finds nothing: goto out.
    expect(p.brk(cur)).toBe(cur + 4 * PAGE);
    expect(mm.brk).toBe(cur + 4 * PAGE);
    // A shrink that leaves the heap VMA's head in place.
    p.munmap(cur - PAGE, PAGE);
    p.mmap(4 * PAGE, { addr: cur, flags: "private|anonymous|fixed" });
    expect(p.brk(cur + 2 * PAGE)).toBe(cur + 2 * PAGE);
    expect(find_vma(mm, cur)!.vm_end).toBe(cur + 2 * PAGE);
  });

  it("a shrink that would split a VMA at vm.max_map_count fails and keeps mm->brk (do_mas_align_munmap's -ENOMEM)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    const cur = p.brk();
    p.brk(cur + 4 * PAGE);
    // A mapping right after the break with the heap's flags merges into the heap VMA, so the
    // shrink's range [cur + PAGE, cur + 4 pages) is the middle of one VMA.
    p.mmap(4 * PAGE, { addr: cur + 4 * PAGE, flags: "private|anonymous|fixed" });
    expect(find_vma(mm, cur)!.vm_end).toBe(cur + 8 * PAGE);
    k.vm.max_map_count = mm.map_count;
    expect(p.brk(cur + PAGE)).toBe(cur + 4 * PAGE);
    expect(mm.brk).toBe(cur + 4 * PAGE);
    k.vm.max_map_count = mm.map_count + 1;
    expect(p.brk(cur + PAGE)).toBe(cur + PAGE);
    expect(find_vma(mm, cur + PAGE)!.vm_start).toBe(cur + 4 * PAGE);
  });

  it("growing past vm.max_map_count fails when a new VMA is needed (do_brk_flags: map_count > max)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const mm = taskOf(p).mm!;
    const cur = p.brk();
    // Make the heap VMA unmergeable (read-only), so the next growth needs a VMA of its own.
    p.brk(cur + PAGE);
    p.mprotect(mm.start_brk, cur + PAGE - mm.start_brk, "r");
    k.vm.max_map_count = mm.map_count - 1;
    expect(p.brk(cur + 2 * PAGE)).toBe(cur + PAGE);
    k.vm.max_map_count = mm.map_count;
    expect(p.brk(cur + 2 * PAGE)).toBe(cur + 2 * PAGE);
  });
});

describe("vm_brk_flags (the ELF loader's bss)", () => {
  it("maps [addr, addr + PAGE_ALIGN(len)) replacing what was there; 0 for a zero length; EINVAL for flags other than VM_EXEC", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const t = taskOf(p);
    expect(vm_brk_flags(k, t, 0x600000, 0, 0)).toBe(0);
    expect(mm.map_count).toBe(0);
    expect(vm_brk_flags(k, t, 0x600000, PAGE, VM_READ)).toBe(-errnoValues.EINVAL);
    p.mmap(2 * PAGE, { addr: 0x601000, prot: "r", flags: "private|anonymous|fixed" });
    expect(vm_brk_flags(k, t, 0x600000, 2 * PAGE + 1, VM_EXEC)).toBe(0);
    const v = find_vma(mm, 0x600000)!;
    expect([v.vm_start, v.vm_end]).toEqual([0x600000, 0x603000]);
    expect(v.vm_flags & (VM_EXEC | VM_ACCOUNT)).toBe(VM_EXEC | VM_ACCOUNT);
    expect(mm.map_count).toBe(1);
    expect(mm.data_vm).toBe(3);
    // Unaligned: get_unmapped_area's offset_in_page check.
    expect(vm_brk_flags(k, t, 0x700800, PAGE, 0)).toBe(-errnoValues.EINVAL);
  });
});

describe("the stack's guard gap and pgoff", () => {
  it("a growsdown VMA below is no obstacle (only a non-growsdown accessible one keeps the gap)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const low = p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown" });
    const s = p.mmap(PAGE, { addr: low + 3 * PAGE, flags: "private|anonymous|fixed|growsdown" });
    p.touch(low + PAGE, PAGE, { write: true });
    expect(find_vma(mm, s)!.vm_start).toBe(low + PAGE);
  });

  it("a stack grows by at most vm_pgoff pages (grow <= vma->vm_pgoff)", () => {
    const k = boot();
    // A growsdown VMA made at 0x11000 (pgoff 0x11), faulted (so it has an anon_vma and keeps its
    // pgoff when moved), then moved by mremap to 0x50000000.
    const at = 0x50000000;
    const moved = (): { p: Process; mm: mm_struct } => {
      const r = bare(k);
      const s = r.p.mmap(PAGE, { addr: 0x11000, flags: "private|anonymous|fixed|growsdown" });
      r.p.touch(s, PAGE, { write: true });
      expect(r.p.mremap(s, PAGE, PAGE, { fixed: at })).toBe(at);
      expect(find_vma(r.mm, at)!.vm_pgoff).toBe(0x11);
      return r;
    };
    const a = moved();
    a.p.touch(at - 0x11 * PAGE, PAGE, { write: true });
    expect(find_vma(a.mm, at)!.vm_start).toBe(at - 0x11 * PAGE);
    expect(find_vma(a.mm, at)!.vm_pgoff).toBe(0);
    const b = moved();
    expect(() => b.p.touch(at - 0x12 * PAGE, PAGE, { write: true })).toThrow();
    expect(b.p.alive).toBe(false);
  });
});

describe("the gap searches step over a growsdown VMA's guard gap", () => {
  it("top-down: the gap right below a stack is skipped, the search goes on below its guard gap", () => {
    const k = boot();
    const { p, mm } = bare(k, { randomize: false });
    const base = mm.mmap_base;
    p.mmap(PAGE, { addr: base - PAGE, flags: "private|anonymous|fixed|growsdown" });
    // vm_start_gap = base - PAGE - 1 MiB: the highest page that fits ends there.
    expect(p.mmap(PAGE, { prot: "r" })).toBe(base - PAGE - stack_guard_gap - PAGE);
  });

  it("bottom-up: a gap that reaches into a stack's guard gap is passed over (vm_start_gap < gap + length - 1)", () => {
    const k = boot();
    k.vm.legacy_va_layout = 1;
    const { p, mm } = bare(k, { randomize: false });
    const base = mm.mmap_legacy_base;
    p.mmap(PAGE, { addr: base + 2 * MiB, flags: "private|anonymous|fixed|growsdown" });
    // 1 MiB from base ends where the guard gap begins: it fits.
    expect(p.mmap(MiB, { prot: "r" })).toBe(base);
    p.munmap(base, MiB);
    // One page more reaches into the gap: the search restarts above the stack.
    expect(p.mmap(MiB + PAGE, { prot: "r" })).toBe(base + 2 * MiB + PAGE);
  });

  it("bottom-up with a hint: taken when free and below TASK_SIZE - len (end - len >= addr)", () => {
    const k = boot();
    k.vm.legacy_va_layout = 1;
    const { p, mm } = bare(k, { randomize: false });
    expect(p.mmap(2 * PAGE, { addr: 0x50000000, prot: "r" })).toBe(0x50000000);
    // Taken: the hint's range overlaps the mapping → the first fit from mmap_legacy_base.
    expect(p.mmap(2 * PAGE, { addr: 0x50001000, prot: "r" })).toBe(mm.mmap_legacy_base);
    // A hint ending exactly at TASK_SIZE is valid.
    expect(p.mmap(2 * PAGE, { addr: TASK_SIZE - 2 * PAGE, prot: "r" })).toBe(TASK_SIZE - 2 * PAGE);
    // One ending past it is not.
    expect(p.mmap(2 * PAGE, { addr: TASK_SIZE - 3 * PAGE, prot: "rw" })).toBe(mm.mmap_legacy_base + 2 * PAGE);
    // A hint just below a growsdown VMA's guard gap: refused by vm_start_gap (addr + len <= vm_start_gap).
    const s = 0x60000000 + stack_guard_gap;
    p.mmap(PAGE, { addr: s, flags: "private|anonymous|fixed|growsdown" });
    expect(p.mmap(PAGE, { addr: 0x60000000 - PAGE, prot: "r" })).toBe(0x60000000 - PAGE);
    expect(p.mmap(PAGE, { addr: 0x60000000, prot: "r" })).not.toBe(0x60000000);
  });

  it("top-down with a hint: a range straddling nothing, ending at TASK_SIZE, is taken; past it, the search answers", () => {
    const k = boot();
    const { p, mm } = bare(k, { randomize: false });
    expect(p.mmap(2 * PAGE, { addr: TASK_SIZE - 2 * PAGE, prot: "r" })).toBe(TASK_SIZE - 2 * PAGE);
    expect(p.mmap(2 * PAGE, { addr: TASK_SIZE - PAGE, prot: "r" })).toBe(mm.mmap_base - 2 * PAGE);
    // A hint whose end touches a growsdown VMA's guard gap exactly is taken; one page higher is not.
    const s = 0x60000000 + stack_guard_gap;
    p.mmap(PAGE, { addr: s, flags: "private|anonymous|fixed|growsdown" });
    expect(p.mmap(PAGE, { addr: 0x60000000 - PAGE, prot: "rw" })).toBe(0x60000000 - PAGE);
    expect(p.mmap(PAGE, { addr: 0x60000000, prot: "r" })).toBe(mm.mmap_base - 3 * PAGE);
  });
});

describe("arch_pick_mmap_layout: mmap_base's gap (arch/x86/mm/mmap.c mmap_base)", () => {
  /** mmap_base of a fresh process with this stack rlimit, no randomisation. */
  function baseFor(stack: number): number {
    const k = boot();
    return bare(k, { randomize: false, rlimits: { stack } }).mm.mmap_base;
  }
  it("gap = RLIMIT_STACK + stack_guard_gap, at least 128 MiB, at most TASK_SIZE / 6 * 5; unlimited takes the maximum", () => {
    expect(baseFor(8 * MiB)).toBe(TASK_SIZE - 128 * MiB);
    // 127 MiB + 4 KiB + 1 MiB: just above the minimum.
    expect(baseFor(127 * MiB + PAGE)).toBe(TASK_SIZE - 128 * MiB - PAGE);
    expect(baseFor(1024 * MiB)).toBe(TASK_SIZE - 1025 * MiB);
    // gap_max = (task_size / 6) * 5 in unsigned longs, then PAGE_ALIGN(task_size - gap).
    const gapMax = Math.floor(TASK_SIZE / 6) * 5;
    expect(baseFor(Infinity)).toBe(Math.ceil((TASK_SIZE - gapMax) / PAGE) * PAGE);
    expect(baseFor(gapMax)).toBe(Math.ceil((TASK_SIZE - gapMax) / PAGE) * PAGE);
  });

  it("legacy layout: mmap_base is TASK_UNMAPPED_BASE (+ arch_rnd), and the first mapping lands there", () => {
    const k = boot();
    k.vm.legacy_va_layout = 1;
    const { p, mm } = bare(k, { randomize: false });
    expect(mm.topdown).toBe(false);
    expect(mm.mmap_base).toBe(0x2aaaaaaab000);
    expect(mm.mmap_legacy_base).toBe(0x2aaaaaaab000);
    expect(p.mmap(PAGE)).toBe(0x2aaaaaaab000);
  });

  it("arch_rnd draws mmap_rnd_bits bits of pages: all 32 when the sysctl says 32", () => {
    const k = boot();
    k.randomize_va_space = 2;
    k.vm.mmap_rnd_bits = 32;
    const gap = 8 * MiB + 0x3fffff * PAGE + stack_guard_gap;
    const rnds = [0, 1, 2, 3, 4, 5, 6, 7].map(() => (TASK_SIZE - gap - bare(k).mm.mmap_base) / PAGE);
    for (const r of rnds) {
      expect(Number.isInteger(r)).toBe(true);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(2 ** 32);
    }
    // Eight draws below 2^28 pages would be a 2^-32 chance with 32 random bits.
    expect(Math.max(...rnds)).toBeGreaterThanOrEqual(2 ** 28);
    k.vm.mmap_rnd_bits = 8;
    for (let i = 0; i < 8; i++) expect((TASK_SIZE - gap - bare(k).mm.mmap_base) / PAGE).toBeLessThan(256);
  });
});

describe("merging (is_mergeable_vma, is_mergeable_anon_vma, vma_merge, vma_expand)", () => {
  it("a new mapping does not merge with a forked copy that has pages (its anon_vma_chain is not singular)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const a = p.mmap(4 * PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed" });
    const b = p.mmap(4 * PAGE, { addr: 0x60000000, flags: "private|anonymous|fixed" });
    p.touch(a, PAGE, { write: true }); // a has an anon_vma; b has none
    const c = p.fork();
    const cmm = taskOf(c).mm!;
    const n = cmm.map_count;
    // In the child: next to the copy of a (chain of two: its own anon_vma and the parent's), no merge.
    c.mmap(PAGE, { addr: a + 4 * PAGE, flags: "private|anonymous|fixed" });
    expect(cmm.map_count).toBe(n + 1);
    // Next to the copy of b (no anon_vma, no chain): it merges.
    c.mmap(PAGE, { addr: b + 4 * PAGE, flags: "private|anonymous|fixed" });
    expect(cmm.map_count).toBe(n + 1);
    expect(find_vma(cmm, b)!.vm_end).toBe(b + 5 * PAGE);
    // In the parent, a's chain is singular: the same mapping merges.
    p.mmap(PAGE, { addr: a + 4 * PAGE, flags: "private|anonymous|fixed" });
    expect(find_vma(mm, a)!.vm_end).toBe(a + 5 * PAGE);
  });

  it("a middle VMA made like both neighbours joins only the previous one when their anon_vmas differ", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(PAGE, { addr: A, flags: "private|anonymous|fixed" });
    p.mmap(PAGE, { addr: A + 2 * PAGE, flags: "private|anonymous|fixed" });
    p.touch(A, PAGE, { write: true });
    p.touch(A + 2 * PAGE, PAGE, { write: true }); // two VMAs, two anon_vmas
    p.mmap(PAGE, { addr: A + PAGE, prot: "r", flags: "private|anonymous|fixed" });
    expect(mm.map_count).toBe(3);
    // vma_merge: merge_prev and merge_next, but is_mergeable_anon_vma(prev's, next's, NULL) fails.
    p.mprotect(A + PAGE, PAGE, "rw");
    expect(mm.map_count).toBe(2);
    expect(find_vma(mm, A)!.vm_end).toBe(A + 2 * PAGE);
    expect(find_vma(mm, A + 2 * PAGE)!.vm_start).toBe(A + 2 * PAGE);
  });

  it("mmap between two compatible neighbours makes one VMA of the three (vma_expand swallowing next)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(PAGE, { addr: A, flags: "private|anonymous|fixed" });
    p.mmap(PAGE, { addr: A + 2 * PAGE, flags: "private|anonymous|fixed" });
    p.touch(A + 2 * PAGE, PAGE, { write: true }); // only next has an anon_vma: prev takes it (anon_vma_clone)
    const c0 = k.vm_committed_as;
    p.mmap(PAGE, { addr: A + PAGE, flags: "private|anonymous|fixed" });
    expect(mm.map_count).toBe(1);
    const v = find_vma(mm, A)!;
    expect([v.vm_start, v.vm_end, v.vm_pgoff]).toEqual([A, A + 3 * PAGE, A / PAGE]);
    expect(v.anon_vma).not.toBeNull();
    expect(k.vm_committed_as - c0).toBe(1);
    expect(mm.total_vm).toBe(3);
    // The page the next VMA had is still there, reached through the merged VMA.
    expect(p.touch(A + 2 * PAGE, PAGE).minflt).toBe(0);
  });

  it("a mapping ending where a compatible one starts grows it down (merge with next only)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(2 * PAGE, { addr: A + 2 * PAGE, flags: "private|anonymous|fixed" });
    p.mmap(2 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
    expect(mm.map_count).toBe(1);
    const v = find_vma(mm, A)!;
    expect([v.vm_start, v.vm_end, v.vm_pgoff]).toEqual([A, A + 4 * PAGE, A / PAGE]);
    // Not with a different pgoff: a file mapping of the same file at a non-contiguous offset.
    const f = shmemFile(k, 16);
    const B = 0x60000000;
    p.mmap(2 * PAGE, { addr: B + 2 * PAGE, file: f, flags: "shared|fixed", offset: 2 * PAGE });
    p.mmap(2 * PAGE, { addr: B, file: f, flags: "shared|fixed", offset: 8 * PAGE });
    expect(mm.map_count).toBe(3);
    p.mmap(2 * PAGE, { addr: B - 2 * PAGE, file: f, flags: "shared|fixed", offset: 6 * PAGE });
    expect(mm.map_count).toBe(3);
    expect(find_vma(mm, B - 2 * PAGE)!.vm_end).toBe(B + 2 * PAGE);
  });

  it("a neighbour registered with userfaultfd does not merge (vm_userfaultfd_ctx differs)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(4 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
    const uffd = p.userfaultfd("nonblock");
    p.uffdApi(uffd);
    p.uffdRegister(uffd, A, 4 * PAGE, "missing");
    p.mmap(PAGE, { addr: A + 4 * PAGE, flags: "private|anonymous|fixed" });
    expect(mm.map_count).toBe(2);
    expect(find_vma(mm, A)!.vm_end).toBe(A + 4 * PAGE);
  });

  it("hugetlb VMAs are VM_SPECIAL (VM_DONTEXPAND): mprotect back does not merge them, and MAP_LOCKED is dropped", () => {
    const k = boot();
    const { p, mm } = bare(k);
    procWrite(k, "/proc/sys/vm/nr_hugepages", "4\n");
    const a = p.mmap(4 * MiB, { flags: "private|anonymous|hugetlb" });
    p.mprotect(a, 2 * MiB, "r");
    p.mprotect(a, 2 * MiB, "rw");
    expect(mm.map_count).toBe(2);
    // mmap_region: VM_LOCKED on a VM_SPECIAL VMA is cleared and not counted in locked_vm.
    const b = p.mmap(2 * MiB, { flags: "private|anonymous|hugetlb|locked" });
    expect(find_vma(mm, b)!.vm_flags & VM_LOCKED).toBe(0);
    expect(mm.locked_vm).toBe(0);
  });
});

describe("copy_vma (mremap's move)", () => {
  it("an unfaulted anonymous VMA takes the new address's pgoff, so it merges there; a faulted one keeps its own", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    const B = 0x60000000;
    p.mmap(PAGE, { addr: B, flags: "private|anonymous|fixed" });
    const src = p.mmap(PAGE, { addr: A, flags: "private|anonymous|fixed" });
    p.mremap(src, PAGE, PAGE, { fixed: B + PAGE });
    expect(mm.map_count).toBe(1);
    expect(find_vma(mm, B)!.vm_end).toBe(B + 2 * PAGE);
    const src2 = p.mmap(PAGE, { addr: A, flags: "private|anonymous|fixed" });
    p.touch(src2, PAGE, { write: true });
    p.mremap(src2, PAGE, PAGE, { fixed: B + 2 * PAGE });
    expect(mm.map_count).toBe(2);
    expect(find_vma(mm, B + 2 * PAGE)!.vm_pgoff).toBe(A / PAGE);
    expect(find_vma(mm, B + 2 * PAGE)!.vm_start).toBe(B + 2 * PAGE);
  });
});

describe("find_vma's last-hit cache (mm->cache) never outlives an unmapped VMA", () => {
  it("after munmap of several VMAs (do_mas_align_munmap) and of one whole VMA (the fast path) the range faults", () => {
    const k = boot();
    const A = 0x50000000;
    for (const whole of [false, true]) {
      const { p, mm } = bare(k);
      p.mmap(2 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
      p.mmap(2 * PAGE, { addr: A + 2 * PAGE, prot: "r", flags: "private|anonymous|fixed" });
      p.touch(A + 2 * PAGE, PAGE); // the last hit: the second VMA
      expect(find_vma(mm, A + 2 * PAGE)!.vm_start).toBe(A + 2 * PAGE);
      // do_munmap's own find_vma(start) makes the first VMA of the range the last hit.
      const start = whole ? A + 2 * PAGE : A;
      p.munmap(start, A + 4 * PAGE - start);
      expect(vma_lookup(mm, start)).toBeNull();
      expect(find_vma(mm, A + 3 * PAGE)).toBeNull();
      expect(() => p.touch(start, PAGE)).toThrow();
    }
  });

  it("find_vma at a VMA's end answers the next VMA, not the cached one", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(2 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
    p.mmap(2 * PAGE, { addr: A + 4 * PAGE, prot: "r", flags: "private|anonymous|fixed" });
    p.touch(A, PAGE);
    expect(find_vma(mm, A + PAGE)!.vm_start).toBe(A);
    expect(find_vma(mm, A + 2 * PAGE)!.vm_start).toBe(A + 4 * PAGE);
    expect(find_vma(mm, A - 1)!.vm_start).toBe(A);
    expect(find_vma_intersection(mm, A + 2 * PAGE, A + 4 * PAGE)).toBeNull();
    expect(find_vma_intersection(mm, A + 2 * PAGE, A + 4 * PAGE + 1)!.vm_start).toBe(A + 4 * PAGE);
    expect(find_vma_prev(mm, A + 4 * PAGE).prev!.vm_start).toBe(A);
    expect(find_vma_prev(mm, A + 3 * PAGE).vma!.vm_start).toBe(A + 4 * PAGE);
  });
});

describe("unmap_region and remove_mt: page tables, peaks, mlocked pages", () => {
  it("free_pgtables keeps a PTE table a neighbour still uses (floor = prev->vm_end, ceiling = next->vm_start)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const X = 0x50000000; // 2 MiB aligned: one PTE table covers [X, X + 2 MiB)
    for (const a of [X, X + 8 * PAGE, X + 16 * PAGE]) {
      p.mmap(PAGE, { addr: a, prot: a === X + 8 * PAGE ? "r" : "rw", flags: "private|anonymous|fixed" });
      p.touch(a, PAGE);
    }
    expect(mm.map_count).toBe(3);
    const tables = mm.pgtables_bytes;
    expect(tables).toBeGreaterThan(0);
    // The middle one has both neighbours in its table; then the first has only a next; the last none.
    p.munmap(X + 8 * PAGE, PAGE);
    expect(mm.pgtables_bytes).toBe(tables);
    expect(p.touch(X, PAGE).minflt + p.touch(X + 16 * PAGE, PAGE).minflt).toBe(0);
    p.munmap(X, PAGE);
    expect(mm.pgtables_bytes).toBe(tables);
    expect(p.touch(X + 16 * PAGE, PAGE).minflt).toBe(0);
    p.munmap(X + 16 * PAGE, PAGE);
    // Nothing is left below or above: every table under the pgd goes (floor 0, ceiling 0).
    expect(mm.pgtables_bytes).toBe(0);
  });

  it("munmap records the peaks first (update_hiwater_rss, update_hiwater_vm)", () => {
    const k = boot();
    for (const whole of [true, false]) {
      const { p, mm } = bare(k);
      const a = p.mmap(8 * PAGE);
      p.touch(a, 8 * PAGE, { write: true });
      expect([mm.hiwater_vm, mm.hiwater_rss]).toEqual([0, 0]);
      p.munmap(whole ? a : a + PAGE, whole ? 8 * PAGE : 7 * PAGE);
      expect([mm.hiwater_vm, mm.hiwater_rss]).toEqual([8, 8]);
    }
  });

  it("munmap of mlocked memory munlocks its pages (Mlocked falls) and lowers locked_vm", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const m0 = global_zone_page_state(k, NR_MLOCK);
    const a = p.mmap(8 * PAGE, { flags: "private|anonymous|locked" });
    expect(global_zone_page_state(k, NR_MLOCK) - m0).toBe(8);
    p.munmap(a, 8 * PAGE);
    expect(global_zone_page_state(k, NR_MLOCK) - m0).toBe(0);
    expect(mm.locked_vm).toBe(0);
  });
});

describe("vma_merge with a userfaultfd context (is_mergeable_vm_userfaultfd_ctx)", () => {
  it("registering the rest of a range merges with the registered part (same context); unregistering merges all back", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(8 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
    const uffd = p.userfaultfd("nonblock");
    p.uffdApi(uffd);
    p.uffdRegister(uffd, A, 4 * PAGE, "missing");
    expect(mm.map_count).toBe(2);
    p.uffdRegister(uffd, A + 4 * PAGE, 4 * PAGE, "missing");
    expect(mm.map_count).toBe(1);
    // A different mode is a different VM_UFFD_* flag: no merge.
    p.uffdUnregister(uffd, A + 4 * PAGE, 4 * PAGE);
    expect(mm.map_count).toBe(2);
    p.uffdRegister(uffd, A + 4 * PAGE, 4 * PAGE, "wp");
    expect(mm.map_count).toBe(2);
    p.uffdUnregister(uffd, A, 8 * PAGE);
    expect(mm.map_count).toBe(1);
    expect(find_vma(mm, A)!.vm_end).toBe(A + 8 * PAGE);
  });
});

describe("brk: check_brk_limits", () => {
  it("after mlockall(MCL_FUTURE), growth is refused past RLIMIT_MEMLOCK (mlock_future_check with def_flags)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", uid: 1000, rlimits: { memlock: 8 * PAGE } });
    const mm = taskOf(p).mm!;
    p.mlockall("future");
    const cur = p.brk();
    expect(p.brk(cur + 8 * PAGE)).toBe(cur + 8 * PAGE);
    expect(mm.locked_vm).toBe(8);
    expect(p.brk(cur + 9 * PAGE)).toBe(cur + 8 * PAGE);
  });

  it("a break past TASK_SIZE is refused by get_unmapped_area (MAP_FIXED semantics)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const cur = p.brk();
    expect(p.brk(TASK_SIZE + PAGE)).toBe(cur);
    expect(taskOf(p).mm!.brk).toBe(cur);
  });
});

describe("more of do_mmap and mmap_region", () => {
  it("MAP_SYNC becomes VM_SYNC (calc_vm_flag_bits), for anonymous memory and MAP_SHARED files alike", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const a = p.mmap(PAGE, { flags: "private|anonymous|sync" });
    expect(find_vma(mm, a)!.vm_flags & VM_SYNC).toBe(VM_SYNC);
    // MAP_SHARED drops MAP_SYNC from flags only after vm_flags were computed.
    const b = p.mmap(PAGE, { file: shmemFile(k, 4), flags: "shared|sync", prot: "r" });
    expect(find_vma(mm, b)!.vm_flags & VM_SYNC).toBe(VM_SYNC);
    expect(find_vma(mm, p.mmap(PAGE, { prot: "r" }))!.vm_flags & VM_SYNC).toBe(0);
  });

  it("an unprivileged mmap whose only room is below mmap_min_addr is EPERM (cap_mmap_addr), not a fallback", () => {
    const k = boot();
    const { p, mm } = bare(k, { uid: 1000 });
    p.mmap(mm.mmap_base - 0x10000, { addr: 0x10000, prot: "none", flags: "private|anonymous|fixed|noreserve" });
    expect(() => p.mmap(PAGE)).toThrow(expect.objectContaining({ code: "EPERM" }));
    expect(() => p.mmap(PAGE, { prot: "r", flags: "private|anonymous|noreserve" })).toThrow(expect.objectContaining({ code: "EPERM" }));
  });

  it("shared anonymous memory shmem cannot charge (strict overcommit) fails with its errno and leaves no VMA", () => {
    const k = boot();
    const { p, mm } = bare(k);
    k.vm.overcommit_memory = OVERCOMMIT_NEVER;
    const c0 = k.vm_committed_as;
    expect(() => p.mmap(1024 * MiB, { flags: "shared|anonymous" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    expect([mm.map_count, mm.total_vm, k.vm_committed_as]).toEqual([0, 0, c0]);
  });

  it("mremap moving a shared file mapping relinks it in i_mmap (copy_vma's vma_link)", () => {
    const k = boot();
    const { p } = bare(k);
    const f = shmemFile(k, 16);
    const mapping = f.f_inode.i_mapping;
    const a = p.mmap(4 * PAGE, { file: f, flags: "shared" });
    const count = f.f_count;
    const b = p.mremap(a, 4 * PAGE, 4 * PAGE, { fixed: 0x50000000 });
    expect(b).toBe(0x50000000);
    expect([mapping.i_mmap.size, mapping.i_mmap_writable, f.f_count]).toEqual([1, 1, count]);
    p.munmap(b, 4 * PAGE);
    expect([mapping.i_mmap.size, mapping.i_mmap_writable]).toEqual([0, 0]);
  });

  it("a file mapping filling the hole between two contiguous ones makes one VMA: next is unlinked and its file reference dropped", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const f = shmemFile(k, 16);
    const mapping = f.f_inode.i_mapping;
    const B = 0x60000000;
    p.mmap(2 * PAGE, { addr: B, file: f, flags: "shared|fixed", offset: 0 });
    p.mmap(2 * PAGE, { addr: B + 4 * PAGE, file: f, flags: "shared|fixed", offset: 4 * PAGE });
    const count = f.f_count;
    expect(mapping.i_mmap.size).toBe(2);
    p.mmap(2 * PAGE, { addr: B + 2 * PAGE, file: f, flags: "shared|fixed", offset: 2 * PAGE });
    expect(mm.map_count).toBe(1);
    expect([mapping.i_mmap.size, mapping.i_mmap_writable, f.f_count]).toEqual([1, 1, count - 1]);
  });
});

describe("hugetlb placement (hugetlb_get_unmapped_area: vm_unmapped_area_aligned)", () => {
  it("bottom-up in the legacy layout: the first 2 MiB boundary at or above TASK_UNMAPPED_BASE", () => {
    const k = boot();
    k.vm.legacy_va_layout = 1;
    const { p } = bare(k, { randomize: false });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "4\n");
    // low_limit 0x2aaaaaaab000; gap += (0 - gap) & (2 MiB - 4 KiB): 0x2aaaaac00000.
    expect(p.mmap(2 * MiB, { flags: "private|anonymous|hugetlb" })).toBe(0x2aaaaac00000);
  });

  it("a hint is aligned down to the huge page and taken when free; else top-down, then bottom-up when top-down is full", () => {
    const k = boot();
    const { p, mm } = bare(k, { randomize: false });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "4\n");
    expect(p.mmap(2 * MiB, { addr: 0x40100000, flags: "private|anonymous|hugetlb" })).toBe(0x40000000);
    // The same hint again: taken now, so top-down below mmap_base (0x7ffff7fff000), 2 MiB aligned.
    expect(p.mmap(2 * MiB, { addr: 0x40100000, flags: "private|anonymous|hugetlb" })).toBe(0x7ffff7c00000);
    // Fill [4 KiB, 0x40000000) and [0x40200000, 0x7ffff7c00000): nothing left below mmap_base.
    p.mmap(0x40000000 - PAGE, { addr: PAGE, prot: "none", flags: "private|anonymous|fixed|noreserve" });
    p.mmap(0x7ffff7c00000 - 0x40200000, { addr: 0x40200000, prot: "none", flags: "private|anonymous|fixed|noreserve" });
    // Bottom-up from mmap_legacy_base (0x2aaaaaaab000) up to TASK_SIZE: the first aligned gap
    // starts right above the second mapping and runs across mmap_base, which bottom-up ignores.
    expect(p.mmap(2 * MiB, { flags: "private|anonymous|hugetlb" })).toBe(0x7ffff7e00000);
    expect(mm.mmap_base).toBe(0x7ffff7fff000);
  });

  it("munmap of a private hugetlb mapping gives its unused reservations back (vm_ops->close)", () => {
    const k = boot();
    const { p } = bare(k);
    procWrite(k, "/proc/sys/vm/nr_hugepages", "4\n");
    const h = k.hugetlb.hstates.find((s) => s.order === 9)!;
    const a = p.mmap(4 * MiB, { flags: "private|anonymous|hugetlb" });
    expect(h.resv_huge_pages).toBe(2);
    p.munmap(a, 4 * MiB);
    expect(h.resv_huge_pages).toBe(0);
  });
});

describe("the stack helpers of exec (mm/util.c, arch/x86/kernel/process.c)", () => {
  it("randomize_page: an unaligned start moves up to its page and the range shrinks by as much; no whole page left → start", () => {
    const k = boot();
    expect(randomize_page(k, 0x1001, 0x2000)).toBe(0x2000); // range 0x1001: one page, offset 0
    expect(randomize_page(k, 0x1000, 0x800)).toBe(0x1000); // range >> PAGE_SHIFT == 0
    for (let i = 0; i < 16; i++) {
      const r = randomize_page(k, 0x100000, 16 * PAGE);
      expect(r % PAGE).toBe(0);
      expect(r).toBeGreaterThanOrEqual(0x100000);
      expect(r).toBeLessThan(0x100000 + 16 * PAGE);
    }
  });

  it("arch_align_stack: 16-byte aligned, up to 8 KiB lower when randomize_va_space is on and the personality allows", () => {
    const k = boot();
    const { p } = bare(k);
    const t = taskOf(p);
    expect(arch_align_stack(k, t, 0x7fff1237)).toBe(0x7fff1230);
    k.randomize_va_space = 2;
    const seen = new Set<number>();
    for (let i = 0; i < 16; i++) {
      const sp = arch_align_stack(k, t, 0x7fff1237);
      expect(sp % 16).toBe(0);
      expect(sp).toBeLessThanOrEqual(0x7fff1230);
      expect(sp).toBeGreaterThan(0x7fff1237 - 8192 - 16);
      seen.add(sp);
    }
    expect(seen.size).toBeGreaterThan(1);
    t.personality |= ADDR_NO_RANDOMIZE;
    expect(arch_align_stack(k, t, 0x7fff1237)).toBe(0x7fff1230);
  });

  it("randomize_stack_top: PAGE_ALIGN(stack_top) without PF_RANDOMIZE, less whole pages up to 16 GiB with it", () => {
    const k = boot();
    const { p } = bare(k);
    const t = taskOf(p);
    t.flags &= ~PF_RANDOMIZE;
    expect(randomize_stack_top(k, t, 0x7fff00000001)).toBe(0x7fff00001000);
    t.flags |= PF_RANDOMIZE;
    const seen = new Set<number>();
    for (let i = 0; i < 16; i++) {
      const top = randomize_stack_top(k, t, 0x7fff00000000);
      expect(top % PAGE).toBe(0);
      expect(top).toBeLessThanOrEqual(0x7fff00000000);
      expect(top).toBeGreaterThanOrEqual(0x7fff00000000 - 0x3fffff * PAGE);
      seen.add(top);
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe("do_munmap (do_mas_munmap) and its fast path", () => {
  it("checks its arguments: start beyond TASK_SIZE is EINVAL; a range ending at TASK_SIZE is fine; nothing mapped there is 0", () => {
    const k = boot();
    const { p, mm } = bare(k);
    expect(() => p.munmap(TASK_SIZE + PAGE, PAGE)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    p.munmap(TASK_SIZE - PAGE, PAGE);
    const A = 0x50000000;
    p.mmap(2 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
    // [A - 2 pages, A) ends where the VMA starts: nothing to do.
    p.munmap(A - 2 * PAGE, 2 * PAGE);
    expect([find_vma(mm, A)!.vm_start, mm.map_count, mm.total_vm]).toEqual([A, 1, 2]);
    // An unaligned length is rounded up: 1 byte unmaps the page.
    p.munmap(A, 1);
    expect([find_vma(mm, A)!.vm_start, mm.total_vm]).toEqual([A + PAGE, 1]);
  });

  it("munmap of whole VMAs gives back exactly the VM_ACCOUNT pages (fast and general paths)", () => {
    const k = boot();
    const { p } = bare(k);
    const c0 = k.vm_committed_as;
    const a = p.mmap(8 * PAGE);
    const b = p.mmap(4 * PAGE, { flags: "private|anonymous|noreserve" });
    const l = p.mmap(2 * PAGE, { flags: "private|anonymous|locked" });
    expect(k.vm_committed_as - c0).toBe(10);
    p.munmap(b, 4 * PAGE); // no VM_ACCOUNT: nothing back
    expect(k.vm_committed_as - c0).toBe(10);
    p.munmap(a, 8 * PAGE);
    expect(k.vm_committed_as - c0).toBe(2);
    p.munmap(l, 2 * PAGE); // VM_LOCKED: the general path
    expect(k.vm_committed_as - c0).toBe(0);
  });

  it("free_pgtables' floor and ceiling on the general path too (locked VMAs are not the fast path's)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const X = 0x50000000;
    for (const a of [X, X + 8 * PAGE, X + 16 * PAGE]) {
      p.mmap(PAGE, { addr: a, prot: a === X + 8 * PAGE ? "r" : "rw", flags: "private|anonymous|fixed|locked" });
    }
    const tables = mm.pgtables_bytes;
    p.munmap(X + 8 * PAGE, PAGE);
    expect(mm.pgtables_bytes).toBe(tables);
    expect(p.touch(X, PAGE).minflt + p.touch(X + 16 * PAGE, PAGE).minflt).toBe(0);
    p.munmap(X + 16 * PAGE, PAGE);
    expect(mm.pgtables_bytes).toBe(tables);
    expect(p.touch(X, PAGE).minflt).toBe(0);
    p.munmap(X, PAGE);
    expect(mm.pgtables_bytes).toBe(0);
  });

  it("MAP_FIXED over the middle of a VMA at vm.max_map_count: the unmap it needs fails, so mmap is ENOMEM", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const a = p.mmap(8 * PAGE);
    k.vm.max_map_count = mm.map_count;
    expect(() => p.mmap(PAGE, { addr: a + 4 * PAGE, prot: "r", flags: "private|anonymous|fixed" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    expect(mm.map_count).toBe(1);
    k.vm.max_map_count = mm.map_count + 1;
    expect(p.mmap(PAGE, { addr: a + 4 * PAGE, prot: "r", flags: "private|anonymous|fixed" })).toBe(a + 4 * PAGE);
    expect(mm.map_count).toBe(3);
    expect(mm.total_vm).toBe(8);
  });
});

describe("brk and the stack under the overcommit and lock limits", () => {
  it("brk growth is refused when strict overcommit cannot charge it (do_brk_flags' security_vm_enough_memory_mm)", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const cur = p.brk();
    k.vm.overcommit_memory = OVERCOMMIT_NEVER;
    const c0 = k.vm_committed_as;
    expect(p.brk(cur + 1024 * MiB)).toBe(cur);
    expect(k.vm_committed_as).toBe(c0);
    expect(p.brk(cur + PAGE)).toBe(cur + PAGE);
    expect(k.vm_committed_as).toBe(c0 + 1);
  });

  it("stack growth counts against RLIMIT_AS (acct_stack_growth's may_expand_vm)", () => {
    const k = boot();
    const { p, mm } = bare(k, { rlimits: { as: 4 * PAGE } });
    const s = p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown" });
    p.touch(s - 3 * PAGE, PAGE, { write: true });
    expect(mm.total_vm).toBe(4);
    expect(() => p.touch(s - 4 * PAGE, PAGE, { write: true })).toThrow();
  });

  it("a locked stack grows only within RLIMIT_MEMLOCK (acct_stack_growth's mlock_future_check)", () => {
    const k = boot();
    const { p, mm } = bare(k, { uid: 1000, rlimits: { memlock: 4 * PAGE } });
    const s = p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown|locked" });
    p.touch(s - 3 * PAGE, PAGE, { write: true });
    expect(mm.locked_vm).toBe(4);
    expect(() => p.touch(s - 4 * PAGE, PAGE, { write: true })).toThrow();
  });

  it("stack growth is charged to Committed_AS, and refused when strict overcommit cannot charge it", () => {
    const k = boot();
    const { p, mm } = bare(k, { rlimits: { stack: Infinity } });
    const s = p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown" });
    const c0 = k.vm_committed_as;
    p.touch(s - 2 * PAGE, PAGE, { write: true });
    expect(k.vm_committed_as - c0).toBe(2);
    k.vm.overcommit_memory = OVERCOMMIT_NEVER;
    // Growing by 160 MiB at once cannot be charged under mode 2 (CommitLimit: half of 256 MiB,
    // no swap); mode 0 refuses only more than RAM + swap, so it allows it. No RLIMIT_STACK here.
    const far = s - 2 * PAGE - 160 * MiB;
    expect(() => p.touch(far, PAGE, { write: true })).toThrow();
    expect(p.alive).toBe(false);
    const q = bare(k, { rlimits: { stack: Infinity } });
    q.p.mmap(PAGE, { addr: 0x50000000, flags: "private|anonymous|fixed|growsdown" });
    k.vm.overcommit_memory = 0;
    q.p.touch(far, PAGE, { write: true });
    expect(find_vma(q.mm, far)!.vm_start).toBe(far);
    expect(mm.map_count).toBe(0); // p's mm went with it (exit_mmap)
  });
});

describe("MAP_NORESERVE on hugetlbfs", () => {
  it("skips the pool reservation even under OVERCOMMIT_NEVER (do_mmap: file && is_file_hugepages → VM_NORESERVE)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    k.vm.overcommit_memory = OVERCOMMIT_NEVER;
    // No huge pages at all: a reserving mapping fails, a MAP_NORESERVE one is made (its faults would fail).
    expect(() => p.mmap(2 * MiB, { flags: "private|anonymous|hugetlb" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    const a = p.mmap(2 * MiB, { flags: "private|anonymous|hugetlb|noreserve" });
    expect(find_vma(mm, a)!.vm_flags & VM_NORESERVE).toBe(VM_NORESERVE);
    // Anonymous memory under OVERCOMMIT_NEVER keeps ignoring MAP_NORESERVE (tested above).
  });
});

describe("survivors of the first mutation run (lines 1-830)", () => {
  it("vm_brk_flags passes check_brk_limits' errno on: -EAGAIN past RLIMIT_MEMLOCK after mlockall(MCL_FUTURE), -ENOMEM past TASK_SIZE", () => {
    const k = boot();
    const { p } = bare(k, { uid: 1000, rlimits: { memlock: 2 * PAGE } });
    const t = taskOf(p);
    expect(vm_brk_flags(k, t, TASK_SIZE - PAGE, 2 * PAGE, 0)).toBe(-errnoValues.ENOMEM);
    expect(vm_brk_flags(k, t, 16 * PAGE, TASK_SIZE, 0)).toBe(-errnoValues.ENOMEM);
    p.mlockall("future");
    expect(vm_brk_flags(k, t, 0x600000, 4 * PAGE, 0)).toBe(-errnoValues.EAGAIN);
  });

  it("legacy layout with PF_RANDOMIZE: mmap_legacy_base = TASK_UNMAPPED_BASE + arch_rnd", () => {
    const k = boot();
    k.vm.legacy_va_layout = 1;
    k.randomize_va_space = 2;
    for (let i = 0; i < 4; i++) {
      const { mm } = bare(k);
      const rnd = mm.mmap_legacy_base - 0x2aaaaaaab000;
      expect(rnd % PAGE).toBe(0);
      expect(rnd).toBeGreaterThanOrEqual(0);
      expect(rnd).toBeLessThan(2 ** 28 * PAGE);
    }
  });

  it("randomize_page with an unaligned start stays inside [PAGE_ALIGN(start), start + range)", () => {
    const k = boot();
    for (let i = 0; i < 16; i++) {
      // range 0x1800 - 0xfff = 0x801 bytes: no whole page, so always PAGE_ALIGN(start).
      expect(randomize_page(k, 0x1001, 0x1800)).toBe(0x2000);
      const r = randomize_page(k, 0x100001, 16 * PAGE);
      expect(r % PAGE).toBe(0);
      expect(r).toBeGreaterThanOrEqual(0x101000);
      expect(r).toBeLessThan(0x100001 + 16 * PAGE);
    }
  });

  it("a hugetlb search needs len + align_mask of room: a 1 MiB hole under mmap_base is skipped", () => {
    const k = boot();
    const { p, mm } = bare(k, { randomize: false });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "4\n");
    const base = mm.mmap_base; // 0x7ffff7fff000
    p.mmap(3 * MiB, { addr: base - 4 * MiB, prot: "none", flags: "private|anonymous|fixed|noreserve" });
    // Highest gap of 4 MiB - 4 KiB ends at base - 4 MiB: gap = base - 6 MiB = 0x7ffff79ff000, aligned down 0x7ffff7800000.
    expect(p.mmap(2 * MiB, { flags: "private|anonymous|hugetlb" })).toBe(0x7ffff7800000);
  });

  it("top-down: a growsdown VMA whose guard gap reaches below low_limit ends the search (-ENOMEM), and bottom-up takes over", () => {
    const k = boot();
    const { p, mm } = bare(k, { randomize: false });
    const base = mm.mmap_base;
    p.mmap(PAGE, { addr: 0x10000, prot: "r", flags: "private|anonymous|fixed|growsdown" });
    p.mmap(base - 0x11000, { addr: 0x11000, prot: "none", flags: "private|anonymous|fixed|noreserve" });
    // The only gap below mmap_base is [4 KiB, 64 KiB), inside the stack's guard gap.
    expect(p.mmap(PAGE, { prot: "r" })).toBe(base);
  });

  it("MAP_32BIT longer than its 2 GiB end is ENOMEM at once (arch_get_unmapped_area: len > end)", () => {
    const k = boot();
    const { p } = bare(k);
    expect(() => p.mmap(3 * 1024 * MiB, { flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT | MAP_NORESERVE, prot: "none" })).toThrow(expect.objectContaining({ code: "ENOMEM" }));
  });

  it("thp_get_unmapped_area: padding that makes the length exceed TASK_SIZE fails, and so does the plain search", () => {
    const k = boot();
    const { mm } = bare(k);
    expect(thp_get_unmapped_area(mm, null, 0, TASK_SIZE - MiB, 0, 0)).toBe(-errnoValues.ENOMEM);
  });

  it("an anonymous mapping never merges with a file mapping, even with matching flags and pgoff (is_mergeable_vma: vm_file)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const X = 0x50000000;
    // File offset X: pgoff X >> 12 continues into the anonymous pgoff of X + 2 pages.
    p.mmap(2 * PAGE, { addr: X, file: shmemFile(k, 4), flags: "private|fixed", prot: "r", offset: X });
    p.mmap(2 * PAGE, { addr: X + 2 * PAGE, flags: "private|anonymous|fixed", prot: "r" });
    expect(mm.map_count).toBe(2);
  });

  it("__vma_adjust imports the anon_vma of the VMA it takes pages from (cases 4 and 5)", () => {
    const k = boot();
    const A = 0x50000000;
    {
      // Case 5: prev (made read-only by mprotect, so still VM_ACCOUNT; no pages) grows over the
      // head of next (written after the split: an anon_vma of its own).
      const { p, mm } = bare(k);
      p.mmap(4 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
      p.mprotect(A, 2 * PAGE, "r");
      p.touch(A + 2 * PAGE, 2 * PAGE, { write: true });
      const av = find_vma(mm, A + 2 * PAGE)!.anon_vma;
      expect(av).not.toBeNull();
      expect(find_vma(mm, A)!.anon_vma).toBeNull();
      p.mprotect(A + 2 * PAGE, PAGE, "r");
      expect(find_vma(mm, A)!.vm_end).toBe(A + 3 * PAGE);
      expect(find_vma(mm, A)!.anon_vma).toBe(av);
    }
    {
      // Case 4: next (read-only, no pages) grows down over the tail of prev (written).
      const { p, mm } = bare(k);
      p.mmap(4 * PAGE, { addr: A, flags: "private|anonymous|fixed" });
      p.mprotect(A + 2 * PAGE, 2 * PAGE, "r");
      p.touch(A, 2 * PAGE, { write: true });
      const av = find_vma(mm, A)!.anon_vma;
      expect(av).not.toBeNull();
      expect(find_vma(mm, A + 2 * PAGE)!.anon_vma).toBeNull();
      p.mprotect(A + PAGE, PAGE, "r");
      expect(find_vma(mm, A + PAGE)!.vm_start).toBe(A + PAGE);
      expect(find_vma(mm, A + PAGE)!.vm_end).toBe(A + 4 * PAGE);
      expect(find_vma(mm, A + PAGE)!.anon_vma).toBe(av);
    }
  });

  it("a hint beyond TASK_SIZE is not valid (mmap_address_hint_valid: TASK_SIZE - len < addr): the search answers", () => {
    const k = boot();
    const { p, mm } = bare(k, { randomize: false });
    expect(p.mmap(PAGE, { addr: TASK_SIZE + MiB, prot: "r" })).toBe(mm.mmap_base - PAGE);
  });

  it("case 6 with a middle VMA without pages: prev takes the anon_vma of next (exporter = next_next)", () => {
    const k = boot();
    const { p, mm } = bare(k);
    const A = 0x50000000;
    p.mmap(PAGE, { addr: A, flags: "private|anonymous|fixed" });
    p.mmap(PAGE, { addr: A + PAGE, prot: "r", flags: "private|anonymous|fixed" });
    p.mmap(PAGE, { addr: A + 2 * PAGE, flags: "private|anonymous|fixed" });
    p.touch(A + 2 * PAGE, PAGE, { write: true });
    const av = find_vma(mm, A + 2 * PAGE)!.anon_vma;
    expect(av).not.toBeNull();
    p.mprotect(A + PAGE, PAGE, "rw");
    expect(mm.map_count).toBe(1);
    expect(find_vma(mm, A)!.anon_vma).toBe(av);
  });
});
