/**
 * The walkers that meet huge PMDs (mlock_pte_range, madvise_cold_or_pageout_pte_range,
 * madvise_free_pte_range/madvise_free_huge_pmd, pagemap_pmd_range), the two THP shrinkers
 * (deferred split, huge zero page) under reclaim and drop_caches, and khugepaged's background
 * scan on the simulated clock. Each expectation is a count 6.1's code gives for the case: a
 * PMD-mapped THP counts 512 in Mlocked, pgdeactivate and pglazyfree; a partial range splits it
 * (thp_split_page 1).
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { run_kthreads_until } from "../kernel/kthread.js";
import { meminfo_proc_show } from "../fs/proc/meminfo.js";
import { procWrite } from "../fs/proc/root.js";
import { PM_FILE, PM_MMAP_EXCLUSIVE, PM_PRESENT } from "../fs/proc/task_mmu.js";
import { checkMm } from "../sim/invariants/mm.js";
import { checkLru } from "../sim/invariants/lru.js";
import { spawnProcess, type Process } from "../sim/process.js";
import { vmstat_show } from "./vmstat_show.js";
import { shrink_slab } from "./shrinker.js";
import { GFP_KERNEL } from "./gfp.js";
import { folio_activate, folio_putback_lru, lru_add_drain } from "./swap.js";
import { folio_isolate_lru, isolate_lru_folios, reclaim_stat, scan_control, shrink_folio_list } from "./vmscan.js";
import { folio_lruvec } from "./mm_inline.js";
import { LRU_INACTIVE_ANON, MAX_NR_ZONES } from "./mmzone.js";
import { NO_PFN } from "./types.js";
import { F, PG_lru, PG_referenced } from "./memmap.js";
import { folio_mapped, folio_referenced } from "./rmap.js";

const MiB = 1 << 20;
const HP = 2 * MiB;

function meminfo(k: Kernel, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(meminfo_proc_show(k));
  if (m === null) throw new Error(`no ${key}`);
  return Number(m[1]);
}
function ev(k: Kernel, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, "m").exec(vmstat_show(k));
  if (m === null) throw new Error(`no ${key}`);
  return Number(m[1]);
}

/** A 1 GiB machine (THP always) and a process holding `nhp` huge pages at a 2 MiB-aligned address. */
function withThps(nhp: number): { k: Kernel; p: Process; a: number } {
  const k = start_kernel({ memory: 1024 * MiB });
  const p = spawnProcess(k, { comm: "thp" });
  const raw = p.mmap((nhp + 1) * HP, { prot: "rw", flags: "private|anonymous" });
  const a = Math.ceil(raw / HP) * HP;
  // Keep only the aligned huge pages: the rest goes, so every page of the VMA is in a THP.
  if (a > raw) p.munmap(raw, a - raw);
  if (raw + (nhp + 1) * HP > a + nhp * HP) p.munmap(a + nhp * HP, raw + (nhp + 1) * HP - (a + nhp * HP));
  p.write(a, nhp * HP);
  expect(meminfo(k, "AnonHugePages")).toBe(nhp * 2048);
  return { k, p, a };
}

describe("mlock of a PMD-mapped THP (mlock_pte_range's huge branch)", () => {
  it("locks the whole folio: Mlocked and Unevictable 2048 kB each, and gives it back on munlock", () => {
    const { k, p, a } = withThps(2);
    const mlocked = ev(k, "unevictable_pgs_mlocked");
    p.mlock(a, HP);
    expect(meminfo(k, "Mlocked")).toBe(2048);
    expect(meminfo(k, "Unevictable")).toBe(2048);
    expect(ev(k, "unevictable_pgs_mlocked") - mlocked).toBe(512);
    // mlock of 4 KiB inside the second THP: mlock_fixup splits the VMA there, which splits the
    // huge PMD (vma_adjust_trans_huge); mlock_pte_range then skips the PTE-mapped THP's subpages
    // (PageTransCompound), so nothing more is locked until reclaim meets the VM_LOCKED mapping.
    p.mlock(a + HP, 4096);
    expect(meminfo(k, "Mlocked")).toBe(2048);
    expect(meminfo(k, "AnonHugePages")).toBe(2048);
    expect(ev(k, "thp_split_pmd")).toBe(1);
    checkMm(k);
    checkLru(k);
    p.munlock(a, 2 * HP);
    expect(meminfo(k, "Mlocked")).toBe(0);
    expect(meminfo(k, "Unevictable")).toBe(0);
    expect(ev(k, "unevictable_pgs_munlocked")).toBe(512);
    checkLru(k);
  });

  it("a THP faulted into a locked VMA is mlocked whole, and munmap unlocks it", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "thp" });
    const raw = p.mmap(4 * HP, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / HP) * HP;
    p.mlock(raw, 4 * HP, { onFault: true });
    p.write(a, HP);
    expect(meminfo(k, "AnonHugePages")).toBe(2048);
    expect(meminfo(k, "Mlocked")).toBe(2048);
    p.munmap(raw, 4 * HP);
    expect(meminfo(k, "Mlocked")).toBe(0);
    checkLru(k);
  });
});

describe("MADV_COLD / MADV_PAGEOUT on huge PMDs", () => {
  it("COLD over a whole THP deactivates it as one: pgdeactivate 512, no split", () => {
    const { k, p, a } = withThps(1);
    // New anonymous folios start inactive (lru_add_fn); make this one active first.
    const head = p.pagemap(a, 1).frame[0];
    folio_activate(k, head);
    lru_add_drain(k);
    expect(meminfo(k, "Active\\(anon\\)")).toBeGreaterThanOrEqual(2048);
    const active = meminfo(k, "Active\\(anon\\)");
    p.madvise(a, HP, "cold");
    expect(ev(k, "pgdeactivate")).toBe(512);
    expect(meminfo(k, "Active\\(anon\\)")).toBe(active - 2048);
    expect(ev(k, "thp_split_page")).toBe(0);
    expect(meminfo(k, "AnonHugePages")).toBe(2048);
    checkLru(k);
  });

  it("COLD over part of a THP splits it first (thp_split_page 1), then deactivates the small pages", () => {
    const { k, p, a } = withThps(1);
    p.madvise(a, HP / 2, "cold");
    expect(ev(k, "thp_split_page")).toBe(1);
    expect(meminfo(k, "AnonHugePages")).toBe(0);
    checkMm(k);
    checkLru(k);
  });

  it("PAGEOUT with swap writes the whole THP out (split before swap: thp_swpout_fallback 1)", () => {
    const { k, p, a } = withThps(1);
    p.swapon("/swap", { size: 64 * MiB });
    p.madvise(a, HP, "pageout");
    expect(ev(k, "thp_swpout_fallback")).toBe(1);
    expect(ev(k, "pswpout")).toBe(512);
    expect(meminfo(k, "AnonHugePages")).toBe(0);
    checkMm(k);
    checkLru(k);
  });
});

describe("MADV_FREE on huge PMDs (madvise_free_huge_pmd)", () => {
  it("a whole THP is made lazily freeable as one: pglazyfree 512, PMD cleaned, no split", () => {
    const { k, p, a } = withThps(1);
    const inactiveFile = meminfo(k, "Inactive\\(file\\)");
    p.madvise(a, HP, "free");
    expect(ev(k, "pglazyfree")).toBe(512);
    expect(ev(k, "thp_split_page")).toBe(0);
    // lru_lazyfree_fn: off the anon list, onto the inactive file list without PG_swapbacked.
    expect(meminfo(k, "Inactive\\(file\\)") - inactiveFile).toBe(2048);
    expect(meminfo(k, "AnonHugePages")).toBe(2048);
    checkLru(k);
  });

  it("part of a THP splits it, and only the advised pages become lazily freeable", () => {
    const { k, p, a } = withThps(1);
    p.madvise(a, 64 * 4096, "free");
    expect(ev(k, "thp_split_page")).toBe(1);
    expect(ev(k, "pglazyfree")).toBe(64);
    checkMm(k);
    checkLru(k);
  });

  it("a THP also mapped by a fork's child is left alone (total_mapcount 2)", () => {
    const { k, p, a } = withThps(1);
    const child = p.fork();
    p.madvise(a, HP, "free");
    expect(ev(k, "pglazyfree")).toBe(0);
    child.kill();
  });
});

describe("/proc/PID/pagemap over a huge PMD (pagemap_pmd_range)", () => {
  it("reads each 4 KiB as its own subpage: consecutive frames, present and exclusive", () => {
    const { p, a } = withThps(1);
    const pm = p.pagemap(a, 512);
    for (let i = 0; i < 512; i++) {
      expect(pm.flags[i] & PM_PRESENT).toBe(PM_PRESENT);
      expect(pm.flags[i] & PM_MMAP_EXCLUSIVE).toBe(PM_MMAP_EXCLUSIVE);
      expect(pm.flags[i] & PM_FILE).toBe(0);
      expect(pm.frame[i]).toBe(pm.frame[0] + i);
    }
    expect(pm.frame[0] % 512).toBe(0);
    // A shared THP (after fork) is no longer exclusive.
    const child = p.fork();
    expect(p.pagemap(a, 1).flags[0] & PM_MMAP_EXCLUSIVE).toBe(0);
    child.kill();
  });

  it("shows the huge zero page as present and not anonymous (PM_FILE, as 6.1 reports it)", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "zero" });
    const raw = p.mmap(2 * HP, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / HP) * HP;
    p.read(a, HP);
    expect(ev(k, "thp_zero_page_alloc")).toBe(1);
    const pm = p.pagemap(a, 2);
    expect(pm.flags[0] & (PM_PRESENT | PM_FILE | PM_MMAP_EXCLUSIVE)).toBe(PM_PRESENT | PM_FILE);
    expect(pm.frame[1]).toBe(pm.frame[0] + 1);
  });
});

describe("THP shrinkers (deferred_split_scan, shrink_huge_zero_page_scan)", () => {
  it("drop_caches 2 splits a partly unmapped THP and frees its unmapped half", () => {
    const { k, p, a } = withThps(1);
    const head = p.pagemap(a, 1).frame[0];
    p.munmap(a, MiB);
    expect(ev(k, "thp_deferred_split_page")).toBe(1);
    expect(ev(k, "thp_split_page")).toBe(0);
    expect(k.mem_map._refcount[head]).toBeGreaterThan(0);
    procWrite(k, "/proc/sys/vm/drop_caches", "2");
    expect(ev(k, "thp_split_page")).toBe(1);
    // The 256 unmapped subpages are free now; the 256 still mapped keep one reference each.
    for (let i = 0; i < 512; i++) expect(k.mem_map._refcount[head + i], `subpage ${i}`).toBe(i < 256 ? 0 : 1);
    expect(k.node_data[0].deferred_split_queue.split_queue_len).toBe(0);
    expect(ev(k, "slabs_scanned")).toBeGreaterThan(0);
    checkMm(k);
    checkLru(k);
  });

  it("the huge zero page is freed once no mm holds it, and allocated again by the next read fault", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "zero" });
    const raw = p.mmap(2 * HP, { prot: "rw", flags: "private|anonymous" });
    p.read(Math.ceil(raw / HP) * HP, HP);
    expect(k.thp.huge_zero_refcount).toBe(2);
    // Held by an mm: the shrinker counts nothing.
    procWrite(k, "/proc/sys/vm/drop_caches", "2");
    expect(k.thp.huge_zero_refcount).toBe(2);
    p.kill();
    expect(k.thp.huge_zero_refcount).toBe(1);
    procWrite(k, "/proc/sys/vm/drop_caches", "2");
    expect(k.thp.huge_zero_refcount).toBe(0);
    const q = spawnProcess(k, { comm: "zero2" });
    const r2 = q.mmap(2 * HP, { prot: "rw", flags: "private|anonymous" });
    q.read(Math.ceil(r2 / HP) * HP, 4096);
    expect(ev(k, "thp_zero_page_alloc")).toBe(2);
  });

  it("memory pressure makes reclaim split the queued THPs (thp_split_page on kswapd's shrink_slab)", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "thp" });
    const n = 128;
    const raw = p.mmap((n + 1) * HP, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / HP) * HP;
    p.write(a, n * HP);
    for (let i = 0; i < n; i++) p.munmap(a + i * HP, HP / 2);
    expect(ev(k, "thp_deferred_split_page")).toBe(n);
    expect(ev(k, "thp_split_page")).toBe(0);
    // Another process takes all but 40 MiB: kswapd wakes, and its shrink_slab splits the queue
    // (freeable 128 needs a priority low enough, or enough deferred work, for a batch of 128).
    const free = meminfo(k, "MemFree");
    const q = spawnProcess(k, { comm: "hog" });
    const len = (free - 40 * 1024) * 1024;
    q.write(q.mmap(len, { prot: "rw", flags: "private|anonymous" }), len);
    expect(ev(k, "thp_split_page")).toBe(n);
    expect(ev(k, "slabs_scanned")).toBeGreaterThanOrEqual(n);
    expect(k.node_data[0].deferred_split_queue.split_queue_len).toBe(0);
    checkMm(k);
    checkLru(k);
  });

  it("follows do_shrink_slab's arithmetic: nothing at priority 12, the queue at priority 0", () => {
    const { k, p, a } = withThps(1);
    p.munmap(a, MiB);
    const pgdat = k.node_data[0];
    // freeable 1: delta (1 >> 12) * 4 / 2 = 0, total_scan 0 < freeable: no call.
    expect(shrink_slab(k, GFP_KERNEL, pgdat.node_id, 12)).toBe(0);
    expect(pgdat.deferred_split_queue.split_queue_len).toBe(1);
    // priority 0: delta 2, capped at 2 * freeable = 2 >= freeable: one scan of 2, splitting it.
    expect(shrink_slab(k, GFP_KERNEL, pgdat.node_id, 0)).toBe(1);
    expect(pgdat.deferred_split_queue.split_queue_len).toBe(0);
  });
});

describe("khugepaged's background scan on the simulated clock", () => {
  /** 32 MiB of small pages that THP could back, in a VMA made eligible afterwards. */
  function smallPages(): { k: Kernel; p: Process; a: number } {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
    const p = spawnProcess(k, { comm: "kh" });
    const raw = p.mmap(17 * HP, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / HP) * HP;
    p.write(a, 16 * HP);
    expect(meminfo(k, "AnonHugePages")).toBe(0);
    return { k, p, a };
  }

  it("collapses pages_to_scan / 512 = 8 ranges per wakeup, one wakeup per scan_sleep_millisecs", () => {
    const { k, p, a } = smallPages();
    const t0 = k.now_ns;
    p.madvise(a, 16 * HP, "hugepage");
    // Registered: khugepaged runs at the next scheduling point and scans 4096 pages' worth.
    run_kthreads_until(k, t0 + 1e6);
    expect(ev(k, "thp_collapse_alloc")).toBe(8);
    expect(meminfo(k, "AnonHugePages")).toBe(8 * 2048);
    // Then it sleeps 10 s: nothing more until then.
    run_kthreads_until(k, t0 + 9.9e9);
    expect(ev(k, "thp_collapse_alloc")).toBe(8);
    run_kthreads_until(k, t0 + 10.1e9);
    expect(ev(k, "thp_collapse_alloc")).toBe(16);
    expect(k.khugepaged.pages_collapsed).toBe(16);
    // The third wakeup finds every range mapped by a PMD and finishes the pass: full_scans 1.
    run_kthreads_until(k, t0 + 20.1e9);
    expect(k.khugepaged.full_scans).toBeGreaterThanOrEqual(1);
    expect(ev(k, "thp_collapse_alloc")).toBe(16);
    checkMm(k);
    checkLru(k);
  });

  it("honours max_ptes_none: a range with more empty PTEs than allowed is counted and left", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none", "255");
    const p = spawnProcess(k, { comm: "kh" });
    const raw = p.mmap(3 * HP, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / HP) * HP;
    p.write(a, 256 * 4096); // 256 empty PTEs: within 255? no — 256 > 255
    p.write(a + HP, 257 * 4096); // 255 empty: collapses
    p.madvise(a, 2 * HP, "hugepage");
    run_kthreads_until(k, k.now_ns + 1e6);
    expect(ev(k, "thp_scan_exceed_none_pte")).toBe(1);
    expect(ev(k, "thp_collapse_alloc")).toBe(1);
    expect(meminfo(k, "AnonHugePages")).toBe(2048);
  });

  it("leaves hp-thp-madvise's workload alone, as the capture shows (thp_collapse_alloc 0 before MADV_COLLAPSE)", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
    const p = spawnProcess(k, { comm: "thp" });
    const raw = p.mmap(130 * MiB, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / HP) * HP;
    p.madvise(a, 64 * MiB, "hugepage");
    p.write(a, 128 * MiB);
    p.munmap(a, MiB);
    // The capture spends ~25 s; the model's khugepaged gets a minute.
    run_kthreads_until(k, k.now_ns + 60e9);
    expect(ev(k, "thp_collapse_alloc")).toBe(0);
    expect(meminfo(k, "AnonHugePages")).toBe(62 * 1024);
  });
});

describe("reclaim that may not unmap (scan_control.may_unmap false) leaves a PMD-mapped THP alone", () => {
  // 6.1 tests folio_mapped(), which sees the PMD mapping (compound_mapcount); the head page's
  // own mapcount is 0 for a PMD-mapped THP, so a test of that would take the THP for unmapped.
  it("isolate_lru_folios rotates it instead of taking it", () => {
    const { k, p, a } = withThps(1);
    lru_add_drain(k);
    const head = p.pagemap(a, 1).frame[0];
    const lv = folio_lruvec(k, head);
    const pgdat = k.node_data[0];
    const sc = new scan_control();
    sc.may_unmap = false;
    sc.reclaim_idx = MAX_NR_ZONES - 1;
    const lists = new Int32Array(4).fill(NO_PFN);
    const scanned = new Float64Array(1);
    const before = lv.lists[LRU_INACTIVE_ANON];
    expect(before).not.toBe(NO_PFN);
    const taken = isolate_lru_folios(k, 1 << 20, lv, pgdat, lists, 0, scanned, sc, LRU_INACTIVE_ANON);
    // What is taken is unmapped: the rootfs's shmem pages (swap-backed, so on this list). The
    // THP, mapped by its PMD, stays on the LRU.
    const links = k.mem_map.lru;
    let n = 0;
    for (let q = lists[0]; q !== NO_PFN; q = links.list_next(lists, 0, q)) {
      expect(q).not.toBe(head);
      expect(folio_mapped(k, q)).toBe(false);
      n++;
    }
    expect(taken).toBe(n);
    expect(k.mem_map.flags[head] & F(PG_lru)).not.toBe(0);
    while (lists[0] !== NO_PFN) {
      const q = lists[0];
      links.list_del(lists, 0, q);
      folio_putback_lru(k, q);
    }
    lru_add_drain(k);
    checkLru(k);
  });

  it("shrink_folio_list keeps it mapped and whole (no split, no swap-out)", () => {
    const { k, p, a } = withThps(1);
    p.swapon("/swap", { size: 64 * MiB });
    lru_add_drain(k);
    const head = p.pagemap(a, 1).frame[0];
    expect(folio_isolate_lru(k, head)).toBe(true);
    const lists = new Int32Array(1).fill(NO_PFN);
    k.mem_map.lru.list_add(lists, 0, head);
    const sc = new scan_control();
    sc.may_unmap = false;
    sc.gfp_mask = GFP_KERNEL;
    // Old and unreferenced, so that only the may_unmap gate keeps it: folio_referenced clears the
    // PMD's young bit (a young PMD would activate it).
    expect(folio_referenced(k, head, new Int32Array(1))).toBe(1);
    k.mem_map.flags[head] &= ~F(PG_referenced);
    expect(shrink_folio_list(k, lists, 0, k.node_data[0], sc, new reclaim_stat())).toBe(0);
    expect(ev(k, "thp_swpout_fallback")).toBe(0);
    expect(ev(k, "pswpout")).toBe(0);
    // It comes back on the list, still the whole THP its PMD maps.
    expect(lists[0]).toBe(head);
    k.mem_map.lru.list_del(lists, 0, head);
    folio_putback_lru(k, head);
    expect(meminfo(k, "AnonHugePages")).toBe(2048);
    checkMm(k);
    checkLru(k);
  });
});
