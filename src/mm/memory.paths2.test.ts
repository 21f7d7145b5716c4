/**
 * More of memory.ts's paths held to 6.1's mm/memory.c (and mm/mmap.c's anon_vma reuse), written
 * for issue 12's mutation score (docs/architecture.md, "Mutation testing") after the first
 * Stryker runs on memory.ts: find_mergeable_anon_vma's compatibility rules as the fault path's
 * anon_vma_prepare meets them; handle_mm_fault's and handle_mm_fault_in_table's counting (memcg
 * events, mm_account_fault, the multi-gen LRU's in_lru_fault), the zero page and the PMD level;
 * do_swap_page's exclusivity, LRU drain and should_try_to_free_swap; do_wp_page's reuse bounds;
 * file faults past EOF, their return values and the dirty throttle (wp_page_shared's, a fix);
 * set_page_dirty and unmap_mapping_range's window; zap and fork of huge PMDs, PTE-mapped THPs,
 * the zero page, swap entries under a punched hole and tables never made. Each test builds its
 * machine inside `it`; expected values come from the 6.1 function named beside them, never from
 * running the model.
 */
import { describe, expect, it } from "vitest";
import { kernelOf, taskOf } from "../api/internals.js";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { checkMm } from "../sim/invariants/mm.js";
import { Machine } from "../sim/machine.js";
import { ext2FileSetup } from "./filemap.testutil.js";
import { fault, swapSetup } from "./memory.testutil.js";
import { spawnProcess, type Process } from "../sim/process.js";
import { FAULT_FLAG_USER, FAULT_FLAG_WRITE, follow_pte, VM_FAULT_ERROR, VM_FAULT_MAJOR, VM_FAULT_SIGBUS, VM_FAULT_WRITE } from "./memory.js";
import { find_vma } from "./mmap.js";
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, type vm_area_struct } from "./mm_types.js";
import type { TraceRecord } from "../kernel/trace.js";
import { folio_account_cleaned } from "./page-writeback.js";
import { F, page_content, PG_active, PG_dirty, PG_locked, PG_referenced, PG_anon_exclusive, PG_lru, PG_reserved, PG_uptodate, PG_writeback } from "./memmap.js";
import { procMkdir, procWrite } from "../fs/proc/root.js";
import { cgroup_attach_task, cgroup_lookup } from "../kernel/cgroup/cgroup.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_RW, _PAGE_SPECIAL, NO_TABLE, pmd_offset, pmd_trans_huge, pte_index, pte_table_lookup } from "../arch/x86/pgtable.js";
import { lru_add_drain } from "./swap.js";
import { swp_swapcount, sys_swapon, SWP_STABLE_WRITES } from "./swapfile.js";
import { evict, unmapToSwap } from "./swapfile.testutil.js";
import { lookup_swap_cache_pfn } from "./swap_state.js";
import { PageAnonExclusive } from "./rmap.js";
import { NR_FILE_DIRTY, PGFAULT, PGMAJFAULT, PGREUSE } from "./vmstat_items.js";
import { global_node_page_state } from "./vmstat.js";
import { fget } from "../fs/file_table.js";
import { xa_load_folio } from "../lib/xarray.js";

const MiB = 1 << 20;
const PAGE = 4096;
/** A free, PTE-table-aligned address away from everything the process maps itself. */
const X = 0x4000_0000;

function boot(): { k: Kernel; p: Process } {
  const k = start_kernel({ memory: 128 * MiB });
  const p = spawnProcess(k, { comm: "t", image: null });
  return { k, p };
}

function vmaAt(p: Process, addr: number): vm_area_struct {
  const v = find_vma(taskOf(p).mm!, addr);
  if (v === null || v.vm_start > addr) throw new Error(`no vma at ${addr.toString(16)}`);
  return v;
}

/** The page-table entry index of `addr` in `p`. */
function pte_offset(k: Kernel, p: Process, addr: number): number {
  return pte_table_lookup(k, taskOf(p).mm!.pgd, addr) * 512 + pte_index(addr);
}

const has = (k: Kernel, pfn: number, bit: number): boolean => (k.mem_map.flags[pfn] & F(bit)) !== 0;


describe("find_mergeable_anon_vma: the first write fault's anon_vma_prepare reuses a neighbour's", () => {
  it("reuses the previous VMA's anon_vma when the two differ only in access flags (VM_EXEC)", () => {
    const { k, p } = boot();
    // Two adjacent private anonymous mappings, rw and rwx: vma_merge refuses them (the flags
    // differ), anon_vma_compatible accepts them (~(VM_ACCESS_FLAGS | VM_SOFTDIRTY) masks the
    // difference; pgoff is addr >> PAGE_SHIFT for both, so contiguous).
    p.mmap(PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
    p.mmap(PAGE, { prot: "rwx", flags: "private|anonymous|fixed", addr: X + PAGE });
    expect(vmaAt(p, X)).not.toBe(vmaAt(p, X + PAGE));
    p.write(X, 1);
    const av = vmaAt(p, X).anon_vma;
    expect(av).not.toBeNull();
    p.write(X + PAGE, 1);
    // find_mergeable_anon_vma: next (none) first, then prev = the rw VMA, singular chain.
    expect(vmaAt(p, X + PAGE).anon_vma).toBe(av);
    checkMm(k);
  });

  it("reuses the next VMA's anon_vma, and prefers it to the previous one's", () => {
    const { p } = boot();
    p.mmap(PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
    p.mmap(PAGE, { prot: "rwx", flags: "private|anonymous|fixed", addr: X + PAGE });
    p.mmap(PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X + 2 * PAGE });
    // The first and last each get an anon_vma of their own (their only neighbour, the middle
    // one, has none yet).
    p.write(X, 1);
    p.write(X + 2 * PAGE, 1);
    const prev = vmaAt(p, X).anon_vma;
    const next = vmaAt(p, X + 2 * PAGE).anon_vma;
    expect(prev).not.toBeNull();
    expect(next).not.toBeNull();
    expect(next).not.toBe(prev);
    // "Try next first": the middle VMA takes the next one's.
    p.write(X + PAGE, 1);
    expect(vmaAt(p, X + PAGE).anon_vma).toBe(next);
  });

  it("reuses the next VMA's when there is no previous one to take", () => {
    const { p } = boot();
    p.mmap(PAGE, { prot: "rwx", flags: "private|anonymous|fixed", addr: X });
    p.mmap(PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X + PAGE });
    p.write(X + PAGE, 1);
    const av = vmaAt(p, X + PAGE).anon_vma;
    p.write(X, 1);
    expect(vmaAt(p, X).anon_vma).toBe(av);
  });

  it("does not reuse across a gap, another flag (VM_LOCKED), or a forked neighbour's chain", () => {
    // A gap of one page: a->vm_end != b->vm_start.
    {
      const { p } = boot();
      p.mmap(PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
      p.mmap(PAGE, { prot: "rwx", flags: "private|anonymous|fixed", addr: X + 2 * PAGE });
      p.write(X, 1);
      p.write(X + 2 * PAGE, 1);
      expect(vmaAt(p, X + 2 * PAGE).anon_vma).not.toBe(vmaAt(p, X).anon_vma);
    }
    // VM_LOCKED on one side only: not masked, so not compatible (either order).
    for (const lockFirst of [true, false]) {
      const { p } = boot();
      p.mmap(PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
      p.mmap(PAGE, { prot: "rwx", flags: "private|anonymous|fixed", addr: X + PAGE });
      p.mlock(lockFirst ? X : X + PAGE, PAGE, { onFault: true });
      p.write(X, 1);
      p.write(X + PAGE, 1);
      expect(vmaAt(p, X + PAGE).anon_vma).not.toBe(vmaAt(p, X).anon_vma);
    }
    // A forked child's VMA chains the parent's anon_vma and its own: not list_is_singular, so a
    // neighbour of it in the child gets an anon_vma of its own.
    {
      const { p } = boot();
      p.mmap(PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
      p.mmap(PAGE, { prot: "rwx", flags: "private|anonymous|fixed", addr: X + PAGE });
      p.write(X, 1);
      const c = p.fork();
      const cav = vmaAt(c, X).anon_vma;
      expect(cav).not.toBeNull();
      expect(vmaAt(c, X + PAGE).anon_vma).toBeNull();
      c.write(X + PAGE, 1);
      const got = vmaAt(c, X + PAGE).anon_vma;
      expect(got).not.toBeNull();
      expect(got).not.toBe(cav);
      expect(got).not.toBe(vmaAt(p, X).anon_vma);
      // The parent's own neighbour still reuses its singular chain.
      p.write(X + PAGE, 1);
      expect(vmaAt(p, X + PAGE).anon_vma).toBe(vmaAt(p, X).anon_vma);
    }
  });

  it("on a file: the same struct file and contiguous pgoff reuse; another open of the file or a pgoff gap do not", () => {
    const m = Machine.boot({ memory: "128M" });
    m.addDisk("/dev/vdc", { size: "8M", ext2: { files: [{ path: "f", size: "1M" }] } });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "f", image: null });
    p.mkdir("/mnt/d");
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vdc" });
    const fd = p.open("/mnt/d/f", "rw");
    const fd2 = p.open("/mnt/d/f", "rw");
    // Private writable mappings; the first write of each is do_cow_fault, whose
    // anon_vma_prepare meets find_mergeable_anon_vma. Differ in VM_EXEC only, so not merged.
    const pair = (base: number, second: { fd: number; offset: number }): [vm_area_struct, vm_area_struct] => {
      p.mmap(PAGE, { prot: "rw", flags: "private|fixed", fd, addr: base, offset: 0 });
      p.mmap(PAGE, { prot: "rwx", flags: "private|fixed", fd: second.fd, addr: base + PAGE, offset: second.offset });
      p.write(base, 1);
      p.write(base + PAGE, 1);
      return [vmaAt(p, base), vmaAt(p, base + PAGE)];
    };
    // b->vm_pgoff == a->vm_pgoff + 1 (one page apart), the same file: compatible.
    const [a1, b1] = pair(X, { fd, offset: PAGE });
    expect(a1.anon_vma).not.toBeNull();
    expect(b1.anon_vma).toBe(a1.anon_vma);
    // pgoff 2 where 1 would be contiguous: not compatible.
    const [a2, b2] = pair(X + 2 * MiB, { fd, offset: 2 * PAGE });
    expect(b2.anon_vma).not.toBe(a2.anon_vma);
    // A second open of the same file is another struct file: a->vm_file != b->vm_file.
    const [a3, b3] = pair(X + 4 * MiB, { fd: fd2, offset: PAGE });
    expect(b3.vm_file).not.toBe(a3.vm_file);
    expect(b3.anon_vma).not.toBe(a3.anon_vma);
    checkMm(k);
  });
});

/** A machine whose process `p` sits in memcg "g" (no limit), with swap if asked. */
function bootInMemcg(swap: boolean) {
  const k = start_kernel({ memory: 128 * MiB });
  if (swap) expect(sys_swapon(k, k.tasks.init, "/dev/vda", { size: 64 * MiB })).toBe(0);
  procWrite(k, "/sys/fs/cgroup/cgroup.subtree_control", "+memory");
  procMkdir(k, "/sys/fs/cgroup/g");
  const p = spawnProcess(k, { comm: "t", image: null });
  const cg = cgroup_lookup(k, ["g"]);
  if (cg === undefined || cgroup_attach_task(k, cg, taskOf(p)) !== 0) throw new Error("attach");
  // The first group made after the root (memory.fastpath.test.ts reads it the same way).
  const g = k.memcg.byId[1];
  if (g === null || g === undefined) throw new Error("no memcg");
  /** The memcg's event count, pending and flushed. */
  const events = (item: number): number => g.events_pending[item] + g.events_local[item];
  return { k, p, events };
}

describe("handle_mm_fault's entry: memcg events, the multi-gen LRU's fault flag, the zero page", () => {
  it("counts PGFAULT in the task's memcg on every call, through handle_mm_fault and the MMU's handle_mm_fault_in_table", () => {
    const { k, p, events } = bootInMemcg(false);
    const a = p.mmap(4 * PAGE, { prot: "rw", flags: "private|anonymous" });
    const e0 = events(PGFAULT);
    // handle_mm_fault: count_vm_event(PGFAULT); count_memcg_event_mm(vma->vm_mm, PGFAULT).
    fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
    expect(events(PGFAULT) - e0).toBe(1);
    // The table exists now: a read of the next page goes fault_in_table → handle_mm_fault_in_table.
    const pg0 = k.vm_events[PGFAULT];
    p.read(a + PAGE, 1);
    expect(k.vm_events[PGFAULT] - pg0).toBe(1);
    expect(events(PGFAULT) - e0).toBe(2);
    expect(follow_pte(k, taskOf(p).mm!, a + PAGE)!.pfn).toBe(k.zero_pfn);
  });

  it("counts PGMAJFAULT in the memcg when do_swap_page reads the page", () => {
    const { k, p, events } = bootInMemcg(true);
    const a = p.mmap(2 * PAGE, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 2 * PAGE);
    lru_add_drain(k);
    const mm = taskOf(p).mm!;
    const pfn = follow_pte(k, mm, a)!.pfn;
    evict(k, pfn);
    const e0 = events(PGMAJFAULT);
    // do_swap_page: swapin_readahead → count_vm_event(PGMAJFAULT); count_memcg_event_mm(PGMAJFAULT).
    expect(fault(k, p, a, FAULT_FLAG_USER) & VM_FAULT_MAJOR).toBe(VM_FAULT_MAJOR);
    expect(events(PGMAJFAULT) - e0).toBe(1);
  });

  it("marks the fault's new pages hot for the multi-gen LRU (in_lru_fault) unless the VMA is VM_SEQ_READ or VM_RAND_READ, and clears the flag after", () => {
    for (const advice of [null, "sequential", "random"] as const) {
      const k = start_kernel({ memory: 128 * MiB });
      procWrite(k, "/sys/kernel/mm/lru_gen/enabled", "y");
      const p = spawnProcess(k, { comm: "t", image: null });
      const a = p.mmap(2 * PAGE, { prot: "rw", flags: "private|anonymous" });
      if (advice !== null) p.madvise(a, 2 * PAGE, advice);
      // do_anonymous_page → folio_add_lru: `if (lru_gen_enabled() && !folio_test_unevictable(folio)
      // && lru_gen_in_fault() && !(current->flags & PF_MEMALLOC)) folio_set_active(folio);`
      // (the flag is read as the folio sits in the lru_add batch, before lru_add_drain).
      fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
      const pfn = follow_pte(k, taskOf(p).mm!, a)!.pfn;
      expect(has(k, pfn, PG_active), String(advice)).toBe(advice === null);
      // lru_gen_exit_fault: in_lru_fault = false once handle_mm_fault returns.
      expect(k.in_lru_fault).toBe(false);
      // The MMU's entry (the table exists now): handle_mm_fault_in_table does the same.
      p.read(a + PAGE, 1);
      expect(k.in_lru_fault).toBe(false);
    }
  });

  it("maps one zero page, PG_reserved and uptodate, made on the first read fault and shared by every later one", () => {
    const { k, p } = boot();
    const a = p.mmap(2 * PAGE, { prot: "rw", flags: "private|anonymous" });
    const b = p.mmap(PAGE, { prot: "r", flags: "private|anonymous" });
    expect(fault(k, p, a, FAULT_FLAG_USER)).toBe(0);
    const zero = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    expect(zero).toBe(k.zero_pfn);
    expect(has(k, zero, PG_reserved)).toBe(true);
    expect(has(k, zero, PG_uptodate)).toBe(true);
    expect(fault(k, p, a + PAGE, FAULT_FLAG_USER)).toBe(0);
    expect(fault(k, p, b, FAULT_FLAG_USER)).toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, a + PAGE)!.pfn).toBe(zero);
    expect(follow_pte(k, taskOf(p).mm!, b)!.pfn).toBe(zero);
    // do_anonymous_page: pte_mkspecial(pfn_pte(my_zero_pfn(vmf->address), vma->vm_page_prot)):
    // special, so zap and fork see no page behind it (no rss, no mapcount).
    expect(follow_pte(k, taskOf(p).mm!, b)!.flags & _PAGE_SPECIAL).toBe(_PAGE_SPECIAL);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(0);
    expect(k.mem_map.mapcount[zero]).toBe(0);
  });
});

describe("handle_mm_fault_in_table: the MMU's entry for the second fault of one access", () => {
  it("counts PGFAULT, the memcg's PGFAULT and min_flt for each fault, and leaves in_lru_fault down", () => {
    const { k, p, events } = bootInMemcg(false);
    const t = taskOf(p);
    const a = p.mmap(4 * PAGE, { prot: "rw", flags: "private|anonymous" });
    fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE); // the PTE table exists from here
    const [pg0, e0, min0, maj0] = [k.vm_events[PGFAULT], events(PGFAULT), t.min_flt, t.maj_flt];
    // Two untouched pages in one access: the first fault takes do_user_addr_fault's
    // handle_mm_fault, the second (same VMA, table present) fault_in_table's
    // handle_mm_fault_in_table; each is one count_vm_event, count_memcg_event_mm and
    // mm_account_fault (a minor fault).
    p.read(a + PAGE, 2 * PAGE);
    expect(k.vm_events[PGFAULT] - pg0).toBe(2);
    expect(events(PGFAULT) - e0).toBe(2);
    expect([t.min_flt - min0, t.maj_flt - maj0]).toEqual([2, 0]);
    expect(k.in_lru_fault).toBe(false);
  });

  it("a swap-in on that entry: VM_FAULT_RETRY is not accounted, the retry (FAULT_FLAG_TRIED) is a major fault", () => {
    const { k, p, a, pfns } = swapSetup(3);
    const t = taskOf(p);
    // Page 1 swapped out (page-cluster 0: read synchronously, no readahead); page 2 unmapped
    // into the swap cache and its folio locked by someone else.
    procWrite(k, "/proc/sys/vm/page-cluster", "0");
    evict(k, pfns[1]);
    unmapToSwap(k, pfns[2]);
    k.mem_map.flags[pfns[2]] |= F(PG_locked);
    const [min0, maj0, pgmaj0] = [t.min_flt, t.maj_flt, k.vm_events[PGMAJFAULT]];
    // Page 0 hits. Page 1 (handle_mm_fault): read, VM_FAULT_MAJOR → maj_flt. Page 2
    // (handle_mm_fault_in_table): a cache hit whose folio_lock_or_retry fails on this first
    // attempt → VM_FAULT_RETRY, which mm_account_fault skips; the retry with FAULT_FLAG_TRIED
    // takes the lock and counts as major (`major = (ret & VM_FAULT_MAJOR) || (flags &
    // FAULT_FLAG_TRIED)`), though nothing was read for it.
    p.read(a, 3 * PAGE);
    expect(k.vm_events[PGMAJFAULT] - pgmaj0).toBe(1);
    expect([t.min_flt - min0, t.maj_flt - maj0]).toEqual([0, 2]);
    expect(follow_pte(k, t.mm!, a + 2 * PAGE)!.pfn).toBe(pfns[2]);
  });
});

describe("__handle_mm_fault's PMD level (THP always; 6.1 needs 512 MiB for THP)", () => {
  const HP = 2 * MiB;
  /** A 1 GiB machine and a 2 MiB-aligned private anonymous VMA of `n` huge pages. */
  function thp(n: number) {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "thp", image: null });
    const a = p.mmap(n * HP, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
    return { k, p, a };
  }
  const pmdOf = (k: Kernel, p: Process, addr: number): { flags: number; pfn: number } => {
    const i = pmd_offset(k, taskOf(p).mm!.pgd, addr);
    return { flags: k.pgtables.ent_flags[i], pfn: k.pgtables.ent_pfn[i] };
  };

  it("a write fault on an empty PMD maps a THP (create_huge_pmd): no PTE table, MM_ANONPAGES 512", () => {
    const { k, p, a } = thp(1);
    expect(fault(k, p, a + 5 * PAGE, FAULT_FLAG_USER | FAULT_FLAG_WRITE) & VM_FAULT_ERROR).toBe(0);
    const mm = taskOf(p).mm!;
    expect(pte_table_lookup(k, mm.pgd, a)).toBe(NO_TABLE);
    const pmd = pmdOf(k, p, a);
    expect(pmd_trans_huge(pmd.flags)).toBe(true);
    expect(pmd.flags & _PAGE_RW).toBe(_PAGE_RW);
    expect(mm.rss_stat[MM_ANONPAGES]).toBe(512);
  });

  it("a fault on a file VMA never maps a THP there: create_huge_pmd is for anonymous VMAs only in the model", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "f", image: null });
    // tmpfs (shmem) file, 2 MiB, mapped private at an aligned address; the write is a CoW fault.
    p.mkdir("/tmp/t");
    p.mount("/tmp/t", { fstype: "tmpfs" });
    const fd = p.open("/tmp/t/s", "rw|create");
    p.ftruncate(fd, HP);
    p.mmap(HP, { prot: "rw", flags: "private|fixed", fd, addr: X });
    expect(fault(k, p, X, FAULT_FLAG_USER | FAULT_FLAG_WRITE) & VM_FAULT_ERROR).toBe(0);
    const mm = taskOf(p).mm!;
    expect(pte_table_lookup(k, mm.pgd, X)).not.toBe(NO_TABLE);
    expect(mm.rss_stat[MM_ANONPAGES]).toBe(1);
  });

  it("a fault on a present huge PMD marks it young, and dirty for a write to a writable one (huge_pmd_set_accessed)", () => {
    const { k, p, a } = thp(1);
    fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
    const i = pmd_offset(k, taskOf(p).mm!.pgd, a);
    const pool = k.pgtables;
    pool.ent_flags[i] &= ~(_PAGE_ACCESSED | _PAGE_DIRTY);
    const f0 = pool.ent_flags[i];
    expect(fault(k, p, a + PAGE, FAULT_FLAG_USER)).toBe(0);
    expect(pool.ent_flags[i]).toBe(f0 | _PAGE_ACCESSED);
    pool.ent_flags[i] = f0;
    expect(fault(k, p, a + PAGE, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(0);
    expect(pool.ent_flags[i] & (_PAGE_ACCESSED | _PAGE_DIRTY)).toBe(_PAGE_ACCESSED | _PAGE_DIRTY);
    expect(pte_table_lookup(k, taskOf(p).mm!.pgd, a)).toBe(NO_TABLE);
  });

  it("a write to a write-protected huge PMD: reused in place when exclusive; after fork split, and the PTE path copies one page", () => {
    // Exclusive (PageAnonExclusive): a write fault on the PMD made read-only by hand (as a
    // soft-dirty or uffd write-protect would leave it) reuses the THP in place
    // (do_huge_pmd_wp_page's reuse, VM_FAULT_WRITE), with no split.
    {
      const { k, p, a } = thp(1);
      fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
      const i = pmd_offset(k, taskOf(p).mm!.pgd, a);
      k.pgtables.ent_flags[i] &= ~_PAGE_RW;
      const pfn = k.pgtables.ent_pfn[i];
      expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
      expect(k.pgtables.ent_pfn[i]).toBe(pfn);
      expect(k.pgtables.ent_flags[i] & _PAGE_RW).toBe(_PAGE_RW);
      expect(pte_table_lookup(k, taskOf(p).mm!.pgd, a)).toBe(NO_TABLE);
    }
    // Shared with a child: do_huge_pmd_wp_page splits the PMD (VM_FAULT_FALLBACK), then
    // __handle_mm_fault goes on to the PTE level, where do_wp_page copies the written page.
    {
      const { k, p, a } = thp(1);
      fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
      const head = pmdOf(k, p, a).pfn;
      const c = p.fork();
      // A read of the write-protected PMD only marks it young: `if ((flags & (FAULT_FLAG_WRITE |
      // FAULT_FLAG_UNSHARE)) && !pmd_write(orig_pmd))` is false, so huge_pmd_set_accessed.
      expect(fault(k, p, a + 3 * PAGE, FAULT_FLAG_USER)).toBe(0);
      expect(pmd_trans_huge(pmdOf(k, p, a).flags)).toBe(true);
      expect(fault(k, p, a + 3 * PAGE, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
      const mm = taskOf(p).mm!;
      expect(pte_table_lookup(k, mm.pgd, a)).not.toBe(NO_TABLE);
      const w = follow_pte(k, mm, a + 3 * PAGE)!;
      expect(w.pfn).not.toBe(head + 3);
      expect(w.flags & _PAGE_RW).toBe(_PAGE_RW);
      // The rest of the split THP stays mapped read-only, page by page.
      const r = follow_pte(k, mm, a + 4 * PAGE)!;
      expect(r.pfn).toBe(head + 4);
      expect(r.flags & _PAGE_RW).toBe(0);
      expect(mm.rss_stat[MM_ANONPAGES]).toBe(512);
      expect(pmd_trans_huge(pmdOf(k, c, a).flags)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// do_swap_page and do_wp_page: the cases memory.paths.test.ts left to the first Stryker run
// ---------------------------------------------------------------------------------------------


describe("do_swap_page: exclusivity, the LRU drain, should_try_to_free_swap's refcount", () => {
  it("SWP_STABLE_WRITES alone does not take exclusivity away: a page not under writeback maps RMAP_EXCLUSIVE", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const pfn = pfns[0];
    // In the swap cache (unmapped, not written out): the fault is a cache hit.
    const entry = unmapToSwap(k, pfn);
    k.swap.swap_info[0]!.flags |= SWP_STABLE_WRITES;
    expect(has(k, pfn, PG_writeback)).toBe(false);
    // do_swap_page: `if (exclusive && folio_test_writeback(folio) && data_race(si->flags &
    // SWP_STABLE_WRITES)) exclusive = false;` — not under writeback, so the exclusive entry
    // keeps RMAP_EXCLUSIVE though the refcount is 2 (the cache's and ours) on this read fault.
    expect(fault(k, p, a, FAULT_FLAG_USER)).toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).toBe(pfn);
    expect(PageAnonExclusive(k, pfn)).toBe(true);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(pfn);
    // Bookkeeping: the read left the page in the cache and not mapped writable.
    expect(follow_pte(k, taskOf(p).mm!, a)!.flags & _PAGE_RW).toBe(0);
    check();
  });

  it("leaves the swap cache alone on a write fault whose folio has a third reference", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const entry = evict(k, pfns[0]);
    const c = p.fork();
    // The parent reads it back: the cache page is mapped by the parent, the child's PTE still
    // holds the entry (count 1 after the parent's swap_free).
    p.read(a, 1);
    const page = lookup_swap_cache_pfn(k, entry);
    expect(swp_swapcount(k, entry)).toBe(1);
    // The child's write: swap_free makes the count 0, and should_try_to_free_swap asks for
    // `folio_ref_count(folio) == 2` on a write — here 3 (the cache, the parent's mapping, the
    // child's lookup): no folio_free_swap. The page stays in the cache; do_wp_page copies it.
    expect(k.mem_map._refcount[page]).toBe(2);
    expect(fault(k, c, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE) & VM_FAULT_WRITE).toBe(VM_FAULT_WRITE);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(page);
    expect(follow_pte(k, taskOf(c).mm!, a)!.pfn).not.toBe(page);
    // And k.inSwapin (the OOM report's swap-in stack marker) is down again after a swap-in.
    expect(k.inSwapin).toBe(false);
    check();
  });

  it("with page-cluster 0 (no readahead, so no lru_add_drain there) drains the LRU batch for a write fault only", () => {
    for (const write of [false, true]) {
      const { k, p, a, pfns, check } = swapSetup(1);
      procWrite(k, "/proc/sys/vm/page-cluster", "0");
      const entry = evict(k, pfns[0]);
      // Not exclusive any more (the fork cleared _PAGE_SWP_EXCLUSIVE), count 1 again.
      p.fork().exit();
      const reuse0 = k.vm_events[PGREUSE];
      // swap_cluster_readahead with mask 0 goes straight to read_swap_cache_async: the new folio
      // sits in the lru_add batch (not PG_lru, the batch holding a reference).
      fault(k, p, a, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0));
      const pte = follow_pte(k, taskOf(p).mm!, a)!;
      if (!write) {
        // A read: no lru_add_drain in do_swap_page, the folio is still in the batch.
        expect(has(k, pte.pfn, PG_lru)).toBe(false);
        expect(lookup_swap_cache_pfn(k, entry)).toBe(pte.pfn);
      } else {
        // A write: `if ((vmf->flags & FAULT_FLAG_WRITE) && folio == swapcache && ... &&
        // !folio_test_lru(folio)) lru_add_drain();` → refcount 2 → should_try_to_free_swap →
        // folio_free_swap → refcount 1: mapped writable here, without do_wp_page (no PGREUSE).
        expect(has(k, pte.pfn, PG_lru)).toBe(true);
        expect(lookup_swap_cache_pfn(k, entry)).toBe(-1);
        expect(pte.flags & _PAGE_RW).toBe(_PAGE_RW);
        expect(k.vm_events[PGREUSE]).toBe(reuse0);
      }
      check();
    }
  });

  it("BUG_ON names the page: swap PTE of an exclusive page", () => {
    const { k, p, a, pfns } = swapSetup(1);
    const entry = evict(k, pfns[0]);
    const c = p.fork();
    p.read(a, 1);
    const page = lookup_swap_cache_pfn(k, entry);
    k.mem_map.flags[page] |= F(PG_anon_exclusive);
    expect(() => fault(k, c, a, FAULT_FLAG_USER)).toThrow(`do_swap_page: swap PTE of an exclusive page {"pfn":${page}}`);
  });
});

describe("do_wp_page's reuse test (wp_can_reuse_anon_page) and wp_page_copy", () => {
  it("reuses a swap-cache page that only the lru_add batch holds besides the cache and us: refcount 3, drained, freed from the cache", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    procWrite(k, "/proc/sys/vm/page-cluster", "0");
    const entry = evict(k, pfns[0]);
    p.fork().exit();
    // A read swap-in: mapped read-only, not exclusive, the folio in the lru_add batch.
    fault(k, p, a, FAULT_FLAG_USER);
    const page = lookup_swap_cache_pfn(k, entry);
    expect(has(k, page, PG_lru)).toBe(false);
    expect(k.mem_map._refcount[page]).toBe(3);
    const reuse0 = k.vm_events[PGREUSE];
    // do_wp_page: ref_count 3 is not > 3; !folio_test_lru → lru_add_drain → 2 = 1 + swapcache;
    // trylock; folio_free_swap; ref_count 1 → page_move_anon_rmap and reuse.
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).toBe(page);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(1);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(-1);
    check();
  });

  it("copies a swap-cache page held once more, and leaves it in the swap cache (no folio_free_swap past the refcount test)", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const entry = evict(k, pfns[0]);
    p.fork().exit();
    fault(k, p, a, FAULT_FLAG_USER);
    const page = lookup_swap_cache_pfn(k, entry);
    lru_add_drain(k);
    k.mem_map._refcount[page]++; // a GUP pin
    // ref_count 3 (cache, mapping, pin) > 1 + swapcache → copy, before trylock/folio_free_swap.
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).not.toBe(page);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(page);
    k.mem_map._refcount[page]--;
    check();
  });

  it("copies when folio_free_swap cannot free the slot (a child's swap PTE still holds it): ref_count stays 2", () => {
    const { k, p, a, pfns, check } = swapSetup(1);
    const entry = evict(k, pfns[0]);
    const c = p.fork();
    fault(k, p, a, FAULT_FLAG_USER);
    const page = lookup_swap_cache_pfn(k, entry);
    lru_add_drain(k);
    expect(k.mem_map._refcount[page]).toBe(2);
    // do_wp_page: 2 ≤ 1 + 1, trylock, folio_free_swap refuses (swap count 1: the child's PTE),
    // `folio_ref_count(folio) != 1` → copy. The child's later read must find the old contents.
    const reuse0 = k.vm_events[PGREUSE];
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).not.toBe(page);
    expect(k.vm_events[PGREUSE]).toBe(reuse0);
    expect(lookup_swap_cache_pfn(k, entry)).toBe(page);
    expect(swp_swapcount(k, entry)).toBe(1);
    void c;
    check();
  });

  it("gives CoW copies PG_uptodate and contents tokens of their own (fresh for the zero page, the source's for a copy)", () => {
    const { k, p, a, pfns } = swapSetup(1);
    const mm = taskOf(p).mm!;
    const c = p.fork();
    // A copy of an anonymous page (wp_page_copy, __SetPageUptodate, copy_user_highpage).
    expect(fault(k, c, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    const copy = follow_pte(k, taskOf(c).mm!, a)!.pfn;
    expect(copy).not.toBe(pfns[0]);
    expect(has(k, copy, PG_uptodate)).toBe(true);
    expect(page_content(k.mem_map, copy)).toBe(page_content(k.mem_map, pfns[0]));
    // Fresh pages (the MMU's first touch, do_anonymous_page, a zero-page copy) each get contents
    // no other page has: every token drawn from the one increasing sequence.
    const b = p.mmap(4 * PAGE, { prot: "rw", flags: "private|anonymous" });
    p.write(b, 1); // the MMU's run
    fault(k, p, b + PAGE, FAULT_FLAG_USER | FAULT_FLAG_WRITE); // do_anonymous_page
    fault(k, p, b + 2 * PAGE, FAULT_FLAG_USER); // the zero page
    fault(k, p, b + 2 * PAGE, FAULT_FLAG_USER | FAULT_FLAG_WRITE); // wp_page_copy of it
    p.write(b + 3 * PAGE, 1); // the MMU's run again
    const fresh = [0, 1, 2, 3].map((j) => follow_pte(k, mm, b + j * PAGE)!.pfn);
    for (const f of fresh) expect(has(k, f, PG_uptodate)).toBe(true);
    const tokens = fresh.map((f) => page_content(k.mem_map, f));
    expect(new Set([...tokens, page_content(k.mem_map, pfns[0])]).size).toBe(5);
  });
});

describe("the LRU drains of do_swap_page and do_wp_page happen only for a folio off the LRU", () => {
  it("a write fault on a swap-cache folio already on the LRU, and a reuse of one, leave another page's lru_add batch alone", () => {
    const { k, p, a, pfns, check } = swapSetup(2);
    const mm = taskOf(p).mm!;
    // do_swap_page: page 0 unmapped into the swap cache, still PG_lru (no drain for it).
    unmapToSwap(k, pfns[0]);
    expect(has(k, pfns[0], PG_lru)).toBe(true);
    const b = p.mmap(2 * PAGE, { prot: "rw", flags: "private|anonymous" });
    fault(k, p, b, FAULT_FLAG_USER | FAULT_FLAG_WRITE); // a new page, in the lru_add batch
    const fresh = follow_pte(k, mm, b)!.pfn;
    expect(has(k, fresh, PG_lru)).toBe(false);
    fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
    expect(follow_pte(k, mm, a)!.pfn).toBe(pfns[0]);
    expect(has(k, fresh, PG_lru)).toBe(false);
    // do_wp_page: page 1 made not exclusive (fork and exit), on the LRU; its reuse does not drain.
    p.fork().exit();
    lru_add_drain(k);
    fault(k, p, b + PAGE, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
    const fresh2 = follow_pte(k, mm, b + PAGE)!.pfn;
    expect(has(k, fresh2, PG_lru)).toBe(false);
    const reuse0 = k.vm_events[PGREUSE];
    expect(fault(k, p, a + PAGE, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(k.vm_events[PGREUSE] - reuse0).toBe(1);
    expect(follow_pte(k, mm, a + PAGE)!.pfn).toBe(pfns[1]);
    expect(has(k, fresh2, PG_lru)).toBe(false);
    check();
  });

  it("copies a folio with more than three references at once, without draining it onto the LRU", () => {
    const { k, p, a, pfns } = swapSetup(1);
    procWrite(k, "/proc/sys/vm/page-cluster", "0");
    const entry = evict(k, pfns[0]);
    p.fork().exit();
    fault(k, p, a, FAULT_FLAG_USER);
    const page = lookup_swap_cache_pfn(k, entry);
    // The cache, the mapping, the lru_add batch, and a pin: `folio_ref_count(folio) > 3` → copy,
    // before `if (!folio_test_lru(folio)) lru_add_drain();`.
    k.mem_map._refcount[page]++;
    expect(fault(k, p, a, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(follow_pte(k, taskOf(p).mm!, a)!.pfn).not.toBe(page);
    expect(has(k, page, PG_lru)).toBe(false);
    k.mem_map._refcount[page]--;
  });
});

// ---------------------------------------------------------------------------------------------
// File faults
// ---------------------------------------------------------------------------------------------

/** A machine with an ext2 disk holding /mnt/d/f (1 MiB, 256 pages), opened read-write. */
const fileSetup = () => ext2FileSetup();

/** The page cache page of the file behind `fd` at `index` (-1 if none). */
function lookupPage(p: Process, fd: number, index: number): number {
  const f = fget(taskOf(p), fd);
  if (f === null) throw new Error("no file");
  return xa_load_folio(f.f_mapping.i_pages, index);
}

/**
 * Arms the dirty throttle's CPU ratelimit for `p`: bdp_ratelimits past ratelimit_pages, so the
 * next balance_dirty_pages_ratelimited call (and only a call) resets it to 0.
 */
function armRatelimit(k: Kernel, p: Process): void {
  const t = taskOf(p);
  k.currentPid = t.pid;
  t.nr_dirtied = 0;
  t.nr_dirtied_pause = 1 << 20;
  k.wbg.bdp_ratelimits = k.wbg.ratelimit_pages + 10;
}

describe("file faults: errors from ->fault, return values, the dirty throttle", () => {
  it("a fault past the end of the file is SIGBUS for a read, a private write and a shared write, and maps nothing", () => {
    const { k, p, fd } = fileSetup();
    const mm = taskOf(p).mm!;
    // 2 pages of mapping over a 1 MiB file, from file page 256 on: filemap_fault's
    // `if (unlikely(index >= max_idx)) return VM_FAULT_SIGBUS;`.
    p.mmap(2 * PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X, offset: MiB });
    p.mmap(2 * PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X + 2 * MiB, offset: MiB });
    const anon0 = mm.rss_stat[MM_ANONPAGES];
    // do_read_fault: fault-around maps nothing past i_size, then ->fault fails.
    expect(fault(k, p, X, FAULT_FLAG_USER)).toBe(VM_FAULT_SIGBUS);
    // do_cow_fault: the copy allocated before ->fault goes back.
    expect(fault(k, p, X + PAGE, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_SIGBUS);
    // do_shared_fault.
    expect(fault(k, p, X + 2 * MiB, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_SIGBUS);
    for (const addr of [X, X + PAGE, X + 2 * MiB]) expect(follow_pte(k, mm, addr)!.flags).toBe(0);
    expect(mm.rss_stat[MM_ANONPAGES]).toBe(anon0);
    checkMm(k);
  });

  it("a write fault on a page not cached returns ->fault's VM_FAULT_MAJOR, private (do_cow_fault) or shared (do_shared_fault)", () => {
    const { k, p, fd } = fileSetup();
    p.mmap(PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X, offset: 100 * PAGE });
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X + 2 * MiB, offset: 200 * PAGE });
    // filemap_fault had to read the page (no readahead window yet): VM_FAULT_MAJOR, which
    // do_cow_fault / do_shared_fault keep: `ret |= finish_fault(vmf)`.
    const cow = fault(k, p, X, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
    expect(cow & (VM_FAULT_MAJOR | VM_FAULT_ERROR)).toBe(VM_FAULT_MAJOR);
    const copy = follow_pte(k, taskOf(p).mm!, X)!.pfn;
    expect(copy).not.toBe(lookupPage(p, fd, 100));
    // do_cow_fault's __SetPageUptodate of the copy.
    expect(has(k, copy, PG_uptodate)).toBe(true);
    const shared = fault(k, p, X + 2 * MiB, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
    expect(shared & (VM_FAULT_MAJOR | VM_FAULT_ERROR)).toBe(VM_FAULT_MAJOR);
    expect(follow_pte(k, taskOf(p).mm!, X + 2 * MiB)!.pfn).toBe(lookupPage(p, fd, 200));
  });

  it("do_shared_fault throttles after ->page_mkwrite even when the folio was dirty already (ext2), as fault_dirty_shared_page does", () => {
    const { k, p, fd } = fileSetup();
    // The folio is cached and dirty (a write(2)), not mapped.
    p.pwrite(fd, PAGE, 0);
    const page = lookupPage(p, fd, 0);
    expect(has(k, page, PG_dirty)).toBe(true);
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    armRatelimit(k, p);
    // set_page_dirty finds it dirty (dirtied = false), but page_mkwrite is set: `if ((dirtied ||
    // page_mkwrite) && mapping) balance_dirty_pages_ratelimited(mapping);`.
    expect(fault(k, p, X, FAULT_FLAG_USER | FAULT_FLAG_WRITE) & VM_FAULT_ERROR).toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, X)!.pfn).toBe(page);
    expect(k.wbg.bdp_ratelimits).toBe(0);
  });

  it("wp_page_shared throttles after ->page_mkwrite dirtied the folio, though set_page_dirty then dirties nothing", () => {
    const { k, p, fd } = fileSetup();
    p.pread(fd, PAGE, 0);
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    fault(k, p, X, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
    const page = lookupPage(p, fd, 0);
    // fsync: folio_mkclean write-protects the PTE and the folio is clean.
    p.fsync(fd);
    expect(follow_pte(k, taskOf(p).mm!, X)!.flags & _PAGE_RW).toBe(0);
    expect(has(k, page, PG_dirty)).toBe(false);
    armRatelimit(k, p);
    // wp_page_shared: do_page_mkwrite (filemap_page_mkwrite dirties the folio), then
    // fault_dirty_shared_page: set_page_dirty → false, but page_mkwrite → balance.
    expect(fault(k, p, X, FAULT_FLAG_USER | FAULT_FLAG_WRITE)).toBe(VM_FAULT_WRITE);
    expect(has(k, page, PG_dirty)).toBe(true);
    expect(k.wbg.bdp_ratelimits).toBe(0);
  });
});

describe("set_page_dirty and unmap_mapping_range's page window", () => {
  it("zapping a dirty PTE of an ext2 page dirties it through its mapping (NR_FILE_DIRTY); a tmpfs page only gets the flag", () => {
    const { k, p, fd } = fileSetup();
    p.pread(fd, PAGE, 0);
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd, addr: X });
    // With write notification (vma_wants_writenotify) the read fault maps the page read-only and
    // the write takes a write-protect fault whose page_mkwrite dirties the folio, so in 6.1
    // zap_pte_range finds an ext2 folio under a dirty PTE dirty already. To see set_page_dirty
    // go through the mapping, clean the folio by hand as folio_cancel_dirty does (the flag and
    // NR_FILE_DIRTY; the PTE stays dirty).
    p.read(X, 1);
    p.write(X, 1);
    const page = lookupPage(p, fd, 0);
    expect(has(k, page, PG_dirty)).toBe(true);
    k.mem_map.flags[page] &= ~F(PG_dirty);
    folio_account_cleaned(k, page);
    const dirty0 = global_node_page_state(k, NR_FILE_DIRTY);
    // zap_pte_range: `if (pte_dirty(ptent)) { force_flush = 1; set_page_dirty(page); }` →
    // the mapping's dirty_folio (filemap_dirty_folio) accounts NR_FILE_DIRTY.
    p.munmap(X, PAGE);
    expect(has(k, page, PG_dirty)).toBe(true);
    expect(global_node_page_state(k, NR_FILE_DIRTY) - dirty0).toBe(1);
    // tmpfs: shmem's dirty_folio is noop_dirty_folio — the flag, no NR_FILE_DIRTY.
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const sfd = p.open("/mnt/t/s", "rw|create");
    p.ftruncate(sfd, PAGE);
    p.mmap(PAGE, { prot: "rw", flags: "shared|fixed", fd: sfd, addr: X });
    p.read(X, 1);
    p.write(X, 1);
    const spage = lookupPage(p, sfd, 0);
    const dirty1 = global_node_page_state(k, NR_FILE_DIRTY);
    p.munmap(X, PAGE);
    expect(has(k, spage, PG_dirty)).toBe(true);
    expect(global_node_page_state(k, NR_FILE_DIRTY)).toBe(dirty1);
  });

  it("a hole punched inside a mapping that starts at file page 8 unmaps just the hole's pages of it", () => {
    const { k, p } = fileSetup();
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const fd = p.open("/mnt/t/s", "rw|create");
    p.pwrite(fd, 32 * PAGE, 0);
    // File pages 8..23 at X.
    p.mmap(16 * PAGE, { prot: "r", flags: "shared|fixed", fd, addr: X, offset: 8 * PAGE });
    p.read(X, 16 * PAGE);
    const mapped = (): number[] => Array.from({ length: 16 }, (_, j) => j).filter((j) => (follow_pte(k, taskOf(p).mm!, X + j * PAGE)!.flags & _PAGE_PRESENT) !== 0);
    expect(mapped()).toEqual(Array.from({ length: 16 }, (_, j) => j));
    // Punch file pages 10 and 11: unmap_mapping_range → zap_page_range_single over
    // vm_start + (10 - 8) pages to vm_start + (11 - 8 + 1) pages.
    p.fallocate(fd, 10 * PAGE, 2 * PAGE, "punch_hole|keep_size");
    expect(mapped()).toEqual([0, 1, ...Array.from({ length: 12 }, (_, j) => j + 4)]);
    // Holes that end on the VMA's first file page (7-8) and start on its last (23-24) take
    // those pages: unmap_mapping_range_tree's vba/vea overlap test is inclusive.
    p.fallocate(fd, 7 * PAGE, 2 * PAGE, "punch_hole|keep_size");
    p.fallocate(fd, 23 * PAGE, 2 * PAGE, "punch_hole|keep_size");
    expect(mapped()).toEqual([1, ...Array.from({ length: 11 }, (_, j) => j + 4)]);
    checkMm(k);
  });
});

// ---------------------------------------------------------------------------------------------
// Zap and fork of huge PMDs and PTE-mapped THPs
// ---------------------------------------------------------------------------------------------

describe("unmap_single_vma and copy_page_range on THPs", () => {
  const HP = 2 * MiB;
  function thpProc() {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "thp", image: null });
    const a = p.mmap(2 * HP, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
    p.write(a, 2 * HP);
    const pmd = (q: Process, addr: number): number => k.pgtables.ent_flags[pmd_offset(k, taskOf(q).mm!.pgd, addr)];
    expect(pmd_trans_huge(pmd(p, a))).toBe(true);
    expect(pmd_trans_huge(pmd(p, a + HP))).toBe(true);
    return { k, p, a, pmd };
  }

  it("munmap of a whole huge PMD zaps it in one (zap_huge_pmd); of part of one splits it first and zaps the PTEs", () => {
    const { k, p, a, pmd } = thpProc();
    const mm = taskOf(p).mm!;
    expect(mm.rss_stat[MM_ANONPAGES]).toBe(1024);
    // The second PMD whole: zap_pmd_range's `if (next - addr == HPAGE_PMD_SIZE) zap_huge_pmd`.
    p.munmap(a + HP, HP);
    expect(mm.rss_stat[MM_ANONPAGES]).toBe(512);
    // 3 pages out of the first: __split_huge_pmd, then zap_pte_range over the 3 PTEs.
    const head = k.pgtables.ent_pfn[pmd_offset(k, mm.pgd, a)];
    p.munmap(a + 4 * PAGE, 3 * PAGE);
    expect(pmd_trans_huge(pmd(p, a))).toBe(false);
    expect(mm.rss_stat[MM_ANONPAGES]).toBe(509);
    expect(follow_pte(k, mm, a + 3 * PAGE)!.pfn).toBe(head + 3);
    expect(follow_pte(k, mm, a + 5 * PAGE)!.flags).toBe(0);
    expect(follow_pte(k, mm, a + 7 * PAGE)!.pfn).toBe(head + 7);
    // The subpages' mapcounts: the zapped ones 0, the rest 1; the folio keeps one reference per
    // mapped subpage (6.1's page_remove_rmap / folio_put on each).
    expect(k.mem_map.mapcount[head + 5]).toBe(0);
    expect(k.mem_map.mapcount[head + 7]).toBe(1);
    checkMm(k);
  });

  it("fork copies a PTE-mapped THP's subpages: the folio's references, the subpages' mapcounts, exclusivity gone, both write-protected", () => {
    const { k, p, a } = thpProc();
    const mm = taskOf(p).mm!;
    // Split the first PMD by an mprotect of part of it (mprotect splits, the pages stay).
    p.mprotect(a, PAGE, "r");
    p.mprotect(a, PAGE, "rw");
    const head = follow_pte(k, mm, a)!.pfn;
    const ref0 = k.mem_map._refcount[head];
    const c = p.fork();
    const cm = taskOf(c).mm!;
    // copy_present_pte for each of 512 subpages: folio_get (the head's count), page_dup_rmap
    // (the subpage's mapcount), and the huge PMD copied whole (copy_huge_pmd) for the second.
    expect(k.mem_map._refcount[head] - ref0).toBe(512);
    expect(k.mem_map.mapcount[head + 9]).toBe(2);
    expect(PageAnonExclusive(k, head + 9)).toBe(false);
    expect(cm.rss_stat[MM_ANONPAGES]).toBe(1024);
    const pp = follow_pte(k, mm, a + 9 * PAGE)!;
    const cp = follow_pte(k, cm, a + 9 * PAGE)!;
    expect(cp.pfn).toBe(head + 9);
    expect(pp.flags & _PAGE_RW).toBe(0);
    expect(cp.flags & (_PAGE_RW | _PAGE_ACCESSED)).toBe(0);
    checkMm(k);
    // The child's exit gives every reference back.
    c.exit();
    expect(k.mem_map._refcount[head]).toBe(ref0);
    expect(k.mem_map.mapcount[head + 9]).toBe(1);
    checkMm(k);
  });
});

describe("zap_pte_range's details: the TLB range, the zero page, clean and old file PTEs, tables never made", () => {
  /** tlb_flush events' page counts (the tracepoint's `pages`: -1 for a full flush). */
  function flushes(k: Kernel): number[] {
    const out: number[] = [];
    k.trace.on("tlb_flush", (r: TraceRecord) => out.push(Number(r.fields.pages)));
    return out;
  }

  it("flushes from the first to the last present PTE it cleared (tlb_remove_tlb_entry's range), not the whole zap", () => {
    const { k, p } = boot();
    const a = p.mmap(16 * PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
    // Pages 3 and 6 touched, the rest never: the gather's range is [a + 3 pages, a + 7 pages):
    // 4 pages (≤ tlb_single_page_flush_ceiling 33), one flush_tlb_mm_range of 4 pages.
    p.write(a + 3 * PAGE, 1);
    p.write(a + 6 * PAGE, 1);
    const f = flushes(k);
    p.munmap(a, 16 * PAGE);
    expect(f).toContain(4);
    expect(f).not.toContain(16);
    checkMm(k);
  });

  it("a zero-page PTE goes with no rss, no mapcount, no reference; fork does not count it either", () => {
    const { k, p } = boot();
    const a = p.mmap(4 * PAGE, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
    p.read(a, PAGE);
    p.write(a + PAGE, 1); // an anon_vma, so fork copies the VMA's PTEs
    const zero = follow_pte(k, taskOf(p).mm!, a)!.pfn;
    expect(zero).toBe(k.zero_pfn);
    const ref0 = k.mem_map._refcount[zero];
    // copy_present_pte: vm_normal_page is NULL for the special PTE — no folio_get, no rmap, no rss.
    const c = p.fork();
    expect(follow_pte(k, taskOf(c).mm!, a)!.pfn).toBe(zero);
    expect(k.mem_map._refcount[zero]).toBe(ref0);
    expect(k.mem_map.mapcount[zero]).toBe(0);
    expect(taskOf(c).mm!.rss_stat[MM_ANONPAGES]).toBe(1);
    checkMm(k);
    // zap_pte_range: `page = vm_normal_page(...)`; NULL → only the PTE goes.
    c.exit();
    p.munmap(a, 4 * PAGE);
    expect(k.mem_map._refcount[zero]).toBe(ref0);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(0);
    expect(taskOf(p).mm!.rss_stat[MM_FILEPAGES]).toBe(0);
    checkMm(k);
  });

  it("a clean file PTE leaves its page clean, and an old one is not marked accessed", () => {
    const { k, p, fd } = fileSetup();
    p.pread(fd, 2 * PAGE, 0);
    lru_add_drain(k);
    p.mmap(2 * PAGE, { prot: "r", flags: "shared|fixed", fd, addr: X });
    p.read(X, 2 * PAGE);
    const pages = [lookupPage(p, fd, 0), lookupPage(p, fd, 1)];
    // Page 1's PTE made old (as reclaim's aging leaves it); page 0 stays young.
    const i1 = pte_offset(k, p, X + PAGE);
    k.pgtables.ent_flags[i1] &= ~_PAGE_ACCESSED;
    // pread marked both accessed once (PG_referenced); one more mark_page_accessed activates.
    expect(pages.map((pg) => has(k, pg, PG_referenced))).toEqual([true, true]);
    const dirty0 = global_node_page_state(k, NR_FILE_DIRTY);
    p.munmap(X, 2 * PAGE);
    lru_add_drain(k);
    // `if (pte_dirty(ptent))` only: neither page is dirtied.
    expect(pages.map((pg) => has(k, pg, PG_dirty))).toEqual([false, false]);
    expect(global_node_page_state(k, NR_FILE_DIRTY)).toBe(dirty0);
    // `if (pte_young(ptent) && likely(vma_has_recency(vma))) mark_page_accessed(page)`.
    expect(pages.map((pg) => has(k, pg, PG_active))).toEqual([true, false]);
  });

  it("zaps and forks a VMA whose second PMD never got a PTE table", () => {
    const { k, p } = boot();
    const a = p.mmap(4 * MiB, { prot: "rw", flags: "private|anonymous|fixed", addr: X });
    p.madvise(a, 4 * MiB, "nohugepage");
    p.write(a, 1);
    expect(pte_table_lookup(k, taskOf(p).mm!.pgd, a + 2 * MiB)).toBe(NO_TABLE);
    const c = p.fork();
    expect(taskOf(c).mm!.rss_stat[MM_ANONPAGES]).toBe(1);
    expect(pte_table_lookup(k, taskOf(c).mm!.pgd, a + 2 * MiB)).toBe(NO_TABLE);
    // copy_present_pte keeps a private PTE's dirty bit (`if (vm_flags & VM_SHARED) pte =
    // pte_mkclean(pte)` only), and makes it old.
    const cp = follow_pte(k, taskOf(c).mm!, a)!;
    expect(cp.flags & (_PAGE_DIRTY | _PAGE_ACCESSED)).toBe(_PAGE_DIRTY);
    checkMm(k);
    c.exit();
    p.munmap(a, 4 * MiB);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(0);
    expect(follow_pte(k, taskOf(p).mm!, a + 2 * MiB)).toBeNull();
    checkMm(k);
  });

  it("a punched hole leaves a private copy's swap entry (zap_details without even_cows), truncation drops it", () => {
    const { k, p } = fileSetup();
    expect(sys_swapon(k, k.tasks.init, "/dev/vda", { size: 16 * MiB })).toBe(0);
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const fd = p.open("/mnt/t/s", "rw|create");
    p.pwrite(fd, 4 * PAGE, 0);
    p.mmap(4 * PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X });
    p.write(X + PAGE, 1); // a CoW copy of file page 1
    const copy = follow_pte(k, taskOf(p).mm!, X + PAGE)!.pfn;
    lru_add_drain(k);
    const entry = evict(k, copy);
    expect(entry).not.toBe(0);
    const mm = taskOf(p).mm!;
    expect(mm.rss_stat[MM_SWAPENTS]).toBe(1);
    // zap_pte_range: a swap entry `if (!should_zap_cows(details)) continue;` — kept by a hole.
    p.fallocate(fd, 0, 4 * PAGE, "punch_hole|keep_size");
    expect(mm.rss_stat[MM_SWAPENTS]).toBe(1);
    expect(swp_swapcount(k, entry)).toBe(1);
    // Truncation (even_cows) takes it.
    p.ftruncate(fd, 0);
    expect(mm.rss_stat[MM_SWAPENTS]).toBe(0);
    expect(swp_swapcount(k, entry)).toBe(0);
    checkMm(k);
  });

  it("fork counts a private tmpfs mapping's file pages as MM_SHMEMPAGES in the child", () => {
    const { k, p } = fileSetup();
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const fd = p.open("/mnt/t/s", "rw|create");
    p.pwrite(fd, 4 * PAGE, 0);
    p.mmap(4 * PAGE, { prot: "rw", flags: "private|fixed", fd, addr: X });
    p.read(X, 4 * PAGE);
    p.write(X, 1); // one CoW copy: an anon_vma, so fork copies the PTEs
    const c = p.fork();
    const cm = taskOf(c).mm!;
    // copy_present_pte → rss[mm_counter(page)]++: shmem pages are MM_SHMEMPAGES.
    expect([cm.rss_stat[MM_SHMEMPAGES], cm.rss_stat[MM_FILEPAGES], cm.rss_stat[MM_ANONPAGES]]).toEqual([3, 0, 1]);
    checkMm(k);
  });

  it("munmap of a shared hugetlb mapping gives the huge page back to the pool and the rss", () => {
    const k = start_kernel({ memory: 128 * MiB });
    procWrite(k, "/proc/sys/vm/nr_hugepages", "2");
    const p = spawnProcess(k, { comm: "h", image: null });
    const a = p.mmap(2 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
    p.write(a, PAGE);
    const huge = (): string => /^HugetlbPages:.*$/m.exec(p.readFile("/proc/self/status"))![0];
    expect(huge()).toMatch(/\s2048 kB$/);
    const f = flushes(k);
    // __unmap_hugepage_range, and tlb_flush_pmd_range over what it unmapped.
    p.munmap(a, 2 * MiB);
    expect(huge()).toMatch(/\s0 kB$/);
    expect(f.length).toBeGreaterThan(0);
  });
});
