import { describe, expect, it } from "vitest";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_SOFT_DIRTY,
  _PAGE_SPECIAL,
  _PAGE_USER,
  pte_offset_map,
} from "../arch/x86/pgtable.js";
import { kernel_clone, mmput } from "../kernel/fork.js";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { task_struct } from "../kernel/sched.js";
import { checkMm } from "../sim/invariants/mm.js";
import { MADV_DONTNEED, MADV_DONTFORK, MADV_WIPEONFORK, do_madvise } from "./madvise.js";
import { SEGV_ACCERR, SEGV_MAPERR } from "../arch/x86/fault.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, access_addrs, access_range } from "../arch/x86/mmu.js";
import { follow_pte, is_zero_pfn } from "./memory.js";
import { MM_ANONPAGES, type mm_struct, VM_GROWSDOWN } from "./mm_types.js";
import { spawnProcess } from "../sim/process.js";
import { folio_referenced } from "./rmap.js";
import { do_mmap, do_munmap, type DoMmapResult, MAP_ANONYMOUS, MAP_PRIVATE, mm_alloc, PROT_READ } from "./mmap.js";
import { global_node_page_state, global_zone_page_state } from "./vmstat.js";
import { NR_ANON_MAPPED, NR_FREE_PAGES, NR_PAGETABLE, NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B, PGFAULT, PGREUSE } from "./vmstat_items.js";
import { taskOf } from "../api/internals.js";

const MiB = 1 << 20;
const PROT_WRITE = 0x2;
const PROT_EXEC = 0x4;
const PROT_NONE = 0;

/**
 * Pages the page allocator holds or the slab keeps for reuse: free on the buddy lists, on the
 * per-CPU lists, and in slab pages (the VMA, anon_vma and mm objects of a torn-down process go
 * back to their slabs, which SLUB keeps as CPU and node partials rather than freeing).
 */
function unusedPages(k: Kernel): number {
  let pcp = 0;
  for (const z of k.zones) for (const p of z.per_cpu_pageset) pcp += p.count;
  return global_zone_page_state(k, NR_FREE_PAGES) + pcp + global_node_page_state(k, NR_SLAB_RECLAIMABLE_B) + global_node_page_state(k, NR_SLAB_UNRECLAIMABLE_B);
}

function boot(): Kernel {
  return start_kernel({ memory: 512 * MiB });
}

function spawn(k: Kernel): task_struct {
  const t = new task_struct(k.tasks.alloc_pid(), "t", 0, 1, null, k.now_ns);
  k.tasks.byPid.set(t.pid, t);
  t.mm = mm_alloc(k, t);
  t.mm.owner = t.pid;
  return t;
}

function mmap(k: Kernel, t: task_struct, len: number, prot = PROT_READ | PROT_WRITE): number {
  const out = { populate: 0 } as DoMmapResult;
  const addr = do_mmap(k, t, null, 0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, 0, out);
  if (addr < 0) throw new Error(`mmap failed ${addr}`);
  return addr;
}

function mm(t: task_struct): mm_struct {
  if (t.mm === null) throw new Error("no mm");
  return t.mm;
}

describe("anonymous faults", () => {
  it("maps a zeroed, writable, dirty page on a first write and builds PUD, PMD and PTE tables", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 64 * 1024);
    const pt0 = global_node_page_state(k, NR_PAGETABLE);
    const anon0 = global_node_page_state(k, NR_ANON_MAPPED);
    const pgf0 = k.vm_events[PGFAULT];
    const r = access_range(k, t, a, 4096, ACCESS_WRITE);
    expect(r).toMatchObject({ pages: 1, minflt: 1, majflt: 0, signal: null });
    expect(t.min_flt).toBe(1);
    expect(k.vm_events[PGFAULT] - pgf0).toBe(1);
    expect(mm(t).rss_stat[MM_ANONPAGES]).toBe(1);
    expect(global_node_page_state(k, NR_ANON_MAPPED) - anon0).toBe(1);
    // One PUD, one PMD and one PTE table: 3 pages in pgtables_bytes, 2 in NR_PAGETABLE.
    expect(mm(t).pgtables_bytes).toBe(3 * 4096);
    expect(global_node_page_state(k, NR_PAGETABLE) - pt0).toBe(2);
    const pte = follow_pte(k, mm(t), a);
    expect(pte).not.toBeNull();
    const want = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SOFT_DIRTY | _PAGE_NX;
    expect((pte?.flags ?? 0) >>> 0).toBe(want >>> 0);
    expect(k.mem_map.mapcount[pte?.pfn ?? 0]).toBe(1);
    checkMm(k);
  });

  it("maps the shared zero page read-only on a read, then copies it on the first write", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 8 * 4096);
    access_range(k, t, a, 8 * 4096, ACCESS_READ);
    const z = follow_pte(k, mm(t), a);
    expect(z && is_zero_pfn(k, z.pfn)).toBe(true);
    expect((z?.flags ?? 0) & (_PAGE_RW | _PAGE_SPECIAL)).toBe(_PAGE_SPECIAL);
    expect(mm(t).rss_stat[MM_ANONPAGES]).toBe(0);
    expect(follow_pte(k, mm(t), a + 4096)?.pfn).toBe(z?.pfn);
    const reuse0 = k.vm_events[PGREUSE];
    const r = access_range(k, t, a, 4096, ACCESS_WRITE);
    expect(r.minflt).toBe(1);
    const p = follow_pte(k, mm(t), a);
    expect(p && is_zero_pfn(k, p.pfn)).toBe(false);
    expect((p?.flags ?? 0) & _PAGE_RW).toBe(_PAGE_RW);
    expect(mm(t).rss_stat[MM_ANONPAGES]).toBe(1);
    expect(k.vm_events[PGREUSE]).toBe(reuse0);
    expect(t.min_flt).toBe(9);
    checkMm(k);
  });

  it("takes no fault on a mapped page and sets accessed and dirty like the MMU", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 4096);
    access_range(k, t, a, 4096, ACCESS_WRITE);
    const pfn = follow_pte(k, mm(t), a)?.pfn ?? -1;
    // Reclaim's aging clears the young bit through rmap; writeback would clear dirty.
    expect(folio_referenced(k, pfn)).toBe(1);
    expect(folio_referenced(k, pfn)).toBe(0);
    const pool = k.pgtables;
    const i = pte_offset_map(k, mm(t).pgd, a);
    pool.ent_flags[i] &= ~_PAGE_DIRTY;
    const faults = t.min_flt;
    expect(access_range(k, t, a, 4096, ACCESS_READ).minflt).toBe(0);
    expect(pool.ent_flags[i] & (_PAGE_ACCESSED | _PAGE_DIRTY)).toBe(_PAGE_ACCESSED);
    expect(access_range(k, t, a, 4096, ACCESS_WRITE).minflt).toBe(0);
    expect(pool.ent_flags[i] & _PAGE_DIRTY).toBe(_PAGE_DIRTY);
    expect(t.min_flt).toBe(faults);
  });

  it("touches 256 MiB with one fault per page and frees everything on munmap", () => {
    const k = boot();
    const t = spawn(k);
    const free0 = unusedPages(k);
    const len = 256 * MiB;
    const a = mmap(k, t, len);
    const r = access_range(k, t, a, len, ACCESS_WRITE);
    expect(r.minflt).toBe(len / 4096);
    expect(mm(t).rss_stat[MM_ANONPAGES]).toBe(len / 4096);
    checkMm(k);
    expect(do_munmap(k, mm(t), a, len)).toBe(0);
    expect(mm(t).rss_stat[MM_ANONPAGES]).toBe(0);
    // The PTE and PMD tables went back; the PUD stays while the PGD entry is shared with the stack
    // region only if mapped, and here the mm has no other VMA, so everything but the PGD is freed.
    checkMm(k);
    mmput(k, mm(t));
    expect(unusedPages(k)).toBe(free0);
  });

  it("madvise(MADV_DONTNEED) zaps the pages and a later read sees the zero page", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 16 * 4096);
    access_range(k, t, a, 16 * 4096, ACCESS_WRITE);
    expect(do_madvise(k, t, a, 16 * 4096, MADV_DONTNEED)).toBe(0);
    expect(mm(t).rss_stat[MM_ANONPAGES]).toBe(0);
    access_range(k, t, a, 4096, ACCESS_READ);
    const z = follow_pte(k, mm(t), a);
    expect(z && is_zero_pfn(k, z.pfn)).toBe(true);
    checkMm(k);
  });
});

describe("the counters a run of write faults leaves (anon_write_run)", () => {
  it("counts per page what handle_mm_fault, mm_account_fault, do_anonymous_page, wp_page_copy and wp_page_reuse count", () => {
    // mm/memory.c: handle_mm_fault count_vm_event(PGFAULT); mm_account_fault current->min_flt++;
    // do_anonymous_page inc_mm_counter_fast(MM_ANONPAGES); page_add_new_anon_rmap NR_ANON_MAPPED;
    // wp_page_copy leaves rss alone (the new page replaces the old), wp_page_reuse counts PGREUSE.
    const k = boot();
    expect(k.fastPaths).toBe(true);
    const p = spawnProcess(k, { comm: "w", image: null });
    const a = p.mmap(64 * 4096);
    const ev = (): number[] => [k.vm_events[PGFAULT], k.vm_events[PGREUSE], global_node_page_state(k, NR_ANON_MAPPED)];
    let e0 = ev();
    p.write(a, 64 * 4096); // 64 do_anonymous_page
    let e1 = ev();
    expect([e1[0] - e0[0], e1[1] - e0[1], e1[2] - e0[2]]).toEqual([64, 0, 64]);
    expect(taskOf(p).min_flt).toBe(64);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(64);
    const c = p.fork();
    e0 = ev();
    c.write(a, 64 * 4096); // 64 wp_page_copy: new pages, the old ones back to one mapping each
    e1 = ev();
    expect([e1[0] - e0[0], e1[1] - e0[1], e1[2] - e0[2]]).toEqual([64, 0, 64]);
    expect(taskOf(c).min_flt).toBe(64);
    expect(taskOf(c).mm!.rss_stat[MM_ANONPAGES]).toBe(64);
    e0 = ev();
    p.write(a, 64 * 4096); // 64 wp_page_reuse: the parent's pages are its own again
    e1 = ev();
    expect([e1[0] - e0[0], e1[1] - e0[1], e1[2] - e0[2]]).toEqual([64, 64, 0]);
    expect(taskOf(p).min_flt).toBe(128);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(64);
    checkMm(k);
  });
});

describe("SIGSEGV", () => {
  it("reports SEGV_MAPERR outside every VMA and counts no fault", () => {
    const k = boot();
    const t = spawn(k);
    const pgf0 = k.vm_events[PGFAULT];
    const r = access_range(k, t, 0x10000000, 4096, ACCESS_READ);
    expect(r).toMatchObject({ signal: "SIGSEGV", si_code: SEGV_MAPERR, addr: 0x10000000, pages: 0 });
    expect(k.vm_events[PGFAULT]).toBe(pgf0);
  });

  it("reports SEGV_ACCERR for a write to a read-only mapping and any access to PROT_NONE", () => {
    const k = boot();
    const t = spawn(k);
    const ro = mmap(k, t, 4 * 4096, PROT_READ);
    expect(access_range(k, t, ro, 4 * 4096, ACCESS_READ).signal).toBeNull();
    const w = access_range(k, t, ro + 4096, 4096, ACCESS_WRITE);
    expect(w).toMatchObject({ signal: "SIGSEGV", si_code: SEGV_ACCERR, addr: ro + 4096 });
    const none = mmap(k, t, 4096, PROT_NONE);
    expect(access_range(k, t, none, 1, ACCESS_READ)).toMatchObject({ signal: "SIGSEGV", si_code: SEGV_ACCERR });
  });

  it("stops part-way through a range at the first page it may not touch", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 4 * 4096);
    const r = access_range(k, t, a, 8 * 4096, ACCESS_WRITE);
    expect(r).toMatchObject({ signal: "SIGSEGV", addr: a + 4 * 4096, pages: 4, minflt: 4 });
  });

  it("refuses to execute a page without PROT_EXEC after faulting it in, and runs one with it", () => {
    const k = boot();
    const t = spawn(k);
    const nx = mmap(k, t, 4096);
    const r = access_range(k, t, nx, 4096, ACCESS_EXEC);
    expect(r).toMatchObject({ signal: "SIGSEGV", si_code: SEGV_ACCERR, minflt: 1 });
    const x = mmap(k, t, 4096, PROT_READ | PROT_EXEC);
    expect(access_range(k, t, x, 4096, ACCESS_EXEC).signal).toBeNull();
  });
});

describe("fork and copy-on-write", () => {
  it("shares pages write-protected, copies on the child's write, reuses on the parent's", () => {
    const k = boot();
    const p = spawn(k);
    const n = 32;
    const a = mmap(k, p, n * 4096);
    access_range(k, p, a, n * 4096, ACCESS_WRITE);
    const c = kernel_clone(k, p);
    if (typeof c === "number") throw new Error(`fork failed ${c}`);
    checkMm(k);
    const pp = follow_pte(k, mm(p), a);
    const cp = follow_pte(k, mm(c), a);
    expect(cp?.pfn).toBe(pp?.pfn);
    expect((pp?.flags ?? 0) & _PAGE_RW).toBe(0);
    expect((cp?.flags ?? 0) & (_PAGE_RW | _PAGE_ACCESSED)).toBe(0);
    expect(k.mem_map.mapcount[pp?.pfn ?? 0]).toBe(2);
    expect(k.mem_map._refcount[pp?.pfn ?? 0]).toBe(2);
    expect(mm(c).rss_stat[MM_ANONPAGES]).toBe(n);
    const anon0 = global_node_page_state(k, NR_ANON_MAPPED);
    // The child writes the first half: each write copies a page.
    const r = access_range(k, c, a, (n / 2) * 4096, ACCESS_WRITE);
    expect(r.minflt).toBe(n / 2);
    expect(c.min_flt).toBe(n / 2);
    expect(global_node_page_state(k, NR_ANON_MAPPED) - anon0).toBe(n / 2);
    expect(follow_pte(k, mm(c), a)?.pfn).not.toBe(pp?.pfn);
    expect(k.mem_map.mapcount[pp?.pfn ?? 0]).toBe(1);
    checkMm(k);
    // The parent writes everything: the first half is its alone now (reuse), the rest still shared (copy).
    const reuse0 = k.vm_events[PGREUSE];
    const anon1 = global_node_page_state(k, NR_ANON_MAPPED);
    access_range(k, p, a, n * 4096, ACCESS_WRITE);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(n / 2);
    expect(global_node_page_state(k, NR_ANON_MAPPED) - anon1).toBe(n / 2);
    expect(follow_pte(k, mm(p), a)?.pfn).toBe(pp?.pfn);
    checkMm(k);
    mmput(k, mm(c));
    c.mm = null;
    checkMm(k);
  });

  it("gives the child nothing for MADV_DONTFORK and empty memory for MADV_WIPEONFORK", () => {
    const k = boot();
    const p = spawn(k);
    const a = mmap(k, p, 4 * 4096);
    const b = mmap(k, p, 4 * 4096);
    access_range(k, p, a, 4 * 4096, ACCESS_WRITE);
    access_range(k, p, b, 4 * 4096, ACCESS_WRITE);
    expect(do_madvise(k, p, a, 4 * 4096, MADV_DONTFORK)).toBe(0);
    expect(do_madvise(k, p, b, 4 * 4096, MADV_WIPEONFORK)).toBe(0);
    const c = kernel_clone(k, p);
    if (typeof c === "number") throw new Error(`fork failed ${c}`);
    expect(mm(c).mm_mt.some((v) => v.vm_start <= a && a < v.vm_end)).toBe(false);
    expect(access_range(k, c, a, 1, ACCESS_READ).signal).toBe("SIGSEGV");
    expect(mm(c).rss_stat[MM_ANONPAGES]).toBe(0);
    access_range(k, c, b, 4096, ACCESS_READ);
    const z = follow_pte(k, mm(c), b);
    expect(z && is_zero_pfn(k, z.pfn)).toBe(true);
    checkMm(k);
  });

  it("tears a forked tree down to the free page count it started from", () => {
    const k = boot();
    const free0 = unusedPages(k);
    const vmalloc0 = k.nr_vmalloc_pages;
    const p = spawn(k);
    const a = mmap(k, p, 4 * MiB);
    access_range(k, p, a, 4 * MiB, ACCESS_WRITE);
    const c = kernel_clone(k, p);
    if (typeof c === "number") throw new Error(`fork failed ${c}`);
    access_range(k, c, a, 2 * MiB, ACCESS_WRITE);
    mmput(k, mm(p));
    p.mm = null;
    checkMm(k);
    mmput(k, mm(c));
    c.mm = null;
    checkMm(k);
    // The zero page is never freed; nothing else stays but the child's 16 KiB kernel stack
    // (four vmalloc'd pages): the child task itself is not reaped here, only its mm.
    expect(k.nr_vmalloc_pages - vmalloc0).toBe(4);
    expect(unusedPages(k) + 4).toBe(free0);
  });
});

describe("checkMm", () => {
  it("catches an rss counter that disagrees with the page tables", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 4096);
    access_range(k, t, a, 4096, ACCESS_WRITE);
    mm(t).rss_stat[MM_ANONPAGES]++;
    expect(() => checkMm(k)).toThrow(/rss counter/);
  });

  it("catches a mapcount that disagrees with the PTEs", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 4096);
    access_range(k, t, a, 4096, ACCESS_WRITE);
    const p = follow_pte(k, mm(t), a);
    k.mem_map.mapcount[p?.pfn ?? 0]++;
    expect(() => checkMm(k)).toThrow(/mapcount/);
  });
});

describe("tracing", () => {
  it("emits page_fault_user with the address and x86 error code for each fault, and nothing on hits", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 2 * 4096);
    const seen: string[] = [];
    k.trace.on("page_fault_user", (r) => seen.push(r.message));
    access_range(k, t, a, 2 * 4096, ACCESS_WRITE);
    access_range(k, t, a, 2 * 4096, ACCESS_WRITE);
    // error_code 0x6 = X86_PF_USER | X86_PF_WRITE, PTE not present.
    expect(seen).toEqual([`address=0x${a.toString(16)} ip=0x0 error_code=0x6`, `address=0x${(a + 4096).toString(16)} ip=0x0 error_code=0x6`]);
  });
});

describe("the growsdown stack", () => {
  it("grows down to cover a fault below it and counts the new pages in VmStk", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "stk" });
    const stack = taskOf(p).mm?.mm_mt.find((v) => (v.vm_flags & VM_GROWSDOWN) !== 0);
    if (!stack) throw new Error("no stack VMA");
    const start = stack.vm_start;
    const stk0 = taskOf(p).mm?.stack_vm ?? 0;
    const r = p.write(start - 16 * 4096, 4096);
    expect(r.minflt).toBe(1);
    expect(stack.vm_start).toBe(start - 16 * 4096);
    expect((taskOf(p).mm?.stack_vm ?? 0) - stk0).toBe(16);
    checkMm(k);
  });

  it("refuses to grow into the 1 MiB guard gap above another mapping: SIGSEGV", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "stk" });
    const stack = taskOf(p).mm?.mm_mt.find((v) => (v.vm_flags & VM_GROWSDOWN) !== 0);
    if (!stack) throw new Error("no stack VMA");
    // A mapping ending 64 pages below the stack: growing by one page would leave less than
    // stack_guard_gap (256 pages) between them.
    const below = stack.vm_start - 64 * 4096 - 16 * 4096;
    p.mmap(16 * 4096, { prot: "rw", flags: "private|anonymous|fixed", addr: below });
    expect(() => p.write(stack.vm_start - 4096, 4096)).toThrow(/SIGSEGV/);
  });
});

describe("access traces", () => {
  it("replays addresses in any order with one fault per first touch and hits after", () => {
    const k = boot();
    const t = spawn(k);
    const n = 64;
    const a = mmap(k, t, n * 4096);
    const order = Array.from({ length: n }, (_, i) => a + ((i * 37) % n) * 4096 + 123);
    const r = access_addrs(k, t, order.concat(order), ACCESS_WRITE);
    expect(r).toMatchObject({ pages: 2 * n, minflt: n, signal: null });
    expect(mm(t).rss_stat[MM_ANONPAGES]).toBe(n);
    checkMm(k);
  });

  it("accesses only the first `count` addresses of the buffer (a reused batch buffer is not copied)", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 8 * 4096);
    const buf = new Float64Array(8);
    for (let i = 0; i < 8; i++) buf[i] = a + i * 4096;
    const r = access_addrs(k, t, buf, ACCESS_WRITE, 3);
    expect(r).toMatchObject({ pages: 3, minflt: 3, signal: null });
    expect(mm(t).rss_stat[MM_ANONPAGES]).toBe(3);
    // A stale address past `count` (here outside every mapping) is not read.
    buf[3] = 0x1000;
    expect(access_addrs(k, t, buf, ACCESS_READ, 3)).toMatchObject({ pages: 3, minflt: 0, signal: null });
    checkMm(k);
  });

  it("stops at the first address outside every mapping with SIGSEGV", () => {
    const k = boot();
    const t = spawn(k);
    const a = mmap(k, t, 4096);
    const r = access_addrs(k, t, [a, a, 0x1000, a], ACCESS_READ);
    expect(r).toMatchObject({ pages: 2, signal: "SIGSEGV", addr: 0x1000, si_code: SEGV_MAPERR });
  });
});
