import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Errno } from "../kernel/errno.js";
import { Machine } from "../sim/machine.js";
import { kernelOf, taskOf } from "../api/internals.js";
import { checkMm } from "../sim/invariants/mm.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, huge_pmd_lookup, pte_index, pte_table_lookup } from "../arch/x86/pgtable.js";
import { F, LRU_GEN_MASK, LRU_REFS_MASK, PG_active, PG_dirty, PG_workingset } from "./memmap.js";
import { follow_pte } from "./memory.js";
import { folio_lru_gen, hash_64_30, lru_gen_from_seq, lru_tier_from_refs } from "./lru_gen.js";
import { lru_gen_index } from "./mmzone.js";
import { deferred_split_scan } from "./huge_memory.js";
import { lru_add_drain_all } from "./swap.js";
import { NR_ACTIVE_ANON, NR_ACTIVE_FILE, NR_INACTIVE_ANON, NR_FILE_DIRTY, NR_INACTIVE_FILE, NR_SHMEM, PGDEACTIVATE, PGSTEAL_DIRECT, PSWPIN, THP_SPLIT_PAGE, THP_SWPOUT_FALLBACK, WORKINGSET_REFAULT_ANON, WORKINGSET_REFAULT_FILE, WORKINGSET_RESTORE_ANON } from "./vmstat_items.js";

const MiB = 2 ** 20;
const PAGE = 4096;
const LRU_GEN = "/sys/kernel/mm/lru_gen";
const DEBUG = "/sys/kernel/debug/lru_gen";

function errno(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof Errno) return e.code;
    throw e;
  }
  return "none";
}

/** The seq lines of the debugfs file: [seq, age_ms, anon, file]. */
function gens(m: Machine): number[][] {
  return m
    .read(DEBUG)
    .split("\n")
    .filter((l) => /^ +\d+ +\d+ +\d+ +\d+ $/.test(l))
    .map((l) => l.trim().split(/ +/).map(Number));
}

function machineWith(pages: number, swap = true): { m: Machine; p: ReturnType<Machine["spawn"]>; base: number } {
  // No initrd: the tests count the process's own anon pages per generation, and the initramfs's
  // tmpfs pages (swapbacked, so LRU_GEN_ANON) would sit in the same generations. The file-page
  // test below keeps the initramfs.
  const m = Machine.boot({ memory: "256M", seed: 1, initrd: 0 });
  const p = m.spawn({ comm: "t", image: null });
  if (swap) p.swapon("/dev/vda", { size: 256 * MiB });
  const base = p.mmap(pages * PAGE);
  return { m, p, base };
}

describe("/sys/kernel/mm/lru_gen", () => {
  it("reads 0x0000 at boot, 0x0007 after y (LRU_GEN_CORE, MM_WALK, NONLEAF_YOUNG on x86) and takes masks, as 6.1's show_enabled/store_enabled", () => {
    const m = Machine.boot({ memory: "256M" });
    // Debian's 6.1: CONFIG_LRU_GEN=y, CONFIG_LRU_GEN_ENABLED unset (mg-thrash's lru_gen.enabled.boot).
    expect(m.read(`${LRU_GEN}/enabled`)).toBe(readFileSync("test/realkernel/data/mg-thrash/lru_gen.enabled.boot", "utf8"));
    m.write(`${LRU_GEN}/enabled`, "y\n");
    expect(m.read(`${LRU_GEN}/enabled`)).toBe(readFileSync("test/realkernel/data/mg-thrash/lru_gen.enabled", "utf8"));
    m.write(`${LRU_GEN}/enabled`, "n");
    expect(m.read(`${LRU_GEN}/enabled`)).toBe("0x0000\n");
    m.write(`${LRU_GEN}/enabled`, "5\n");
    expect(m.read(`${LRU_GEN}/enabled`)).toBe("0x0005\n");
    m.write(`${LRU_GEN}/enabled`, "0x2");
    expect(m.read(`${LRU_GEN}/enabled`)).toBe("0x0002\n");
    // tolower(*buf) == 'y' / 'n': only the first character counts.
    m.write(`${LRU_GEN}/enabled`, "Yes please");
    expect(m.read(`${LRU_GEN}/enabled`)).toBe("0x0007\n");
    m.write(`${LRU_GEN}/enabled`, "nope");
    expect(m.read(`${LRU_GEN}/enabled`)).toBe("0x0000\n");
    for (const bad of ["abc", "-1", "4294967296", "1 2", ""]) expect(errno(() => m.write(`${LRU_GEN}/enabled`, bad)), bad).toBe("EINVAL");
  });

  it("keeps min_ttl_ms in jiffies: msecs_to_jiffies rounds up to 4 ms at HZ=250", () => {
    const m = Machine.boot({ memory: "256M" });
    expect(m.read(`${LRU_GEN}/min_ttl_ms`)).toBe(readFileSync("test/realkernel/data/mg-thrash/lru_gen.min_ttl_ms", "utf8"));
    m.write(`${LRU_GEN}/min_ttl_ms`, "1000\n");
    expect(m.read(`${LRU_GEN}/min_ttl_ms`)).toBe("1000\n");
    m.write(`${LRU_GEN}/min_ttl_ms`, "1001");
    expect(m.read(`${LRU_GEN}/min_ttl_ms`)).toBe("1004\n");
    m.write(`${LRU_GEN}/min_ttl_ms`, "0x10");
    expect(m.read(`${LRU_GEN}/min_ttl_ms`)).toBe("16\n");
    expect(errno(() => m.write(`${LRU_GEN}/min_ttl_ms`, "1s"))).toBe("EINVAL");
  });
});

describe("the debugfs files", () => {
  it("print lru_gen_full character for character as 6.1 does (the real mg-thrash capture's numbers put in the model's state)", () => {
    const real = readFileSync("test/realkernel/data/mg-thrash/lru_gen_full.holding", "utf8");
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    const lv = k.node_data[0].__lruvec;
    const g = lv.lrugen;
    const lines = real.split("\n");
    const seqLines = lines.filter((l) => /^ +\d+ +\d+ +\d+. +\d+.$/.test(l));
    const seqs = seqLines.map((l) => l.trim().split(/ +/).map((x) => parseInt(x, 10)));
    g.max_seq = seqs[seqs.length - 1][0];
    g.min_seq[0] = g.min_seq[1] = seqs[0][0];
    k.now_ns = 100_000 * 4_000_000; // jiffies 100000
    for (const [seq, age, anon, file] of seqs) {
      const gen = lru_gen_from_seq(seq);
      g.timestamps[gen] = 100_000 - age / 4;
      g.nr_pages[lru_gen_index(gen, 0, 1)] = anon;
      g.nr_pages[lru_gen_index(gen, 1, 1)] = file;
    }
    // the tier rows of the oldest generation (rep) and of the youngest (RT), and the walk stats
    const tierRows = (seq: number): number[][] => {
      const at = lines.findIndex((l) => new RegExp(`^ +${seq} +\\d+`).test(l));
      return lines.slice(at + 1, at + 5).map((l) => (l.match(/\d+/g) ?? []).map(Number));
    };
    tierRows(seqs[0][0]).forEach(([tier, r0, e0, p0, r1, e1, p1]) => {
      for (const [type, r, e, p] of [
        [0, r0, e0, p0],
        [1, r1, e1, p1],
      ]) {
        g.refaulted[type * 4 + tier] = r;
        g.evicted[type * 4 + tier] = e;
        if (tier) g.protected[type * 3 + tier - 1] = p;
      }
    });
    tierRows(g.max_seq).forEach(([tier, r0, t0, , r1, t1]) => {
      g.avg_refaulted[tier] = r0;
      g.avg_total[tier] = t0;
      g.avg_refaulted[4 + tier] = r1;
      g.avg_total[4 + tier] = t1;
    });
    const stats = (lines[lines.length - 2].match(/\d+/g) ?? []).map(Number);
    stats.forEach((v, i) => (lv.mm_state.stats[i] = v));
    expect(m.read("/sys/kernel/debug/lru_gen_full")).toBe(real);
    // the short file: from min_seq[anon], no tiers, no marks (captured a moment earlier: its
    // ages and sizes differ by a few, the layout not at all)
    const shape = (t: string): string => t.replace(/\d+/g, (d) => "#".repeat(d.length)).replace(/ +#/g, (s) => " ".repeat(s.length - 1) + "#");
    const realShort = readFileSync("test/realkernel/data/mg-thrash/lru_gen.holding", "utf8");
    expect(m.read(DEBUG).split("\n").length).toBe(realShort.split("\n").length);
    expect(shape(m.read(DEBUG)).replace(/#+/g, "#")).toBe(shape(realShort).replace(/#+/g, "#"));
    // and each line is as long as the kernel's: %10lu fields
    expect(m.read(DEBUG).split("\n").map((l) => l.length)).toEqual(realShort.split("\n").map((l) => l.length));
  });

  it("refuse what 6.1 refuses: writes to lru_gen_full, malformed commands, a memcg or node that does not exist", () => {
    const m = Machine.boot({ memory: "256M" });
    m.write(`${LRU_GEN}/enabled`, "y");
    expect(errno(() => m.write("/sys/kernel/debug/lru_gen_full", "+ 1 0 3"))).toBe("EINVAL");
    for (const bad of ["", "+", "+ 1 0", "+ 1 0 3 1 1 9", "* 1 0 3", "+ 2 0 3", "+ 1 1 3", "+ 1 0 x", "- 1 0 3 201"]) expect(errno(() => m.write(DEBUG, bad)), JSON.stringify(bad)).toBe("EINVAL");
    // seq 4 > max_seq 3: EINVAL; max_seq with MAX_NR_GENS already there and no force_scan: ERANGE
    expect(errno(() => m.write(DEBUG, "+ 1 0 4"))).toBe("EINVAL");
    expect(errno(() => m.write(DEBUG, "+ 1 0 3 1 0"))).toBe("ERANGE");
    // an older seq is a no-op
    m.write(DEBUG, "+ 1 0 2");
    expect(gens(m).map((r) => r[0])).toEqual([0, 1, 2, 3]);
  });
});

describe("generations", () => {
  it("moves the classic lists into generations and back (fill_evictable / drain_evictable), active pages to the youngest", () => {
    const { m, p, base } = machineWith(1024);
    const k = kernelOf(m);
    p.write(base, 1024 * PAGE);
    lru_add_drain_all(k);
    const vm = k.node_data[0].vm_stat;
    const before = vm[NR_INACTIVE_ANON] + vm[NR_ACTIVE_ANON];
    expect(before).toBe(1024);
    m.write(`${LRU_GEN}/enabled`, "y");
    checkMm(k);
    // Anon pages not in the swap cache go to max_seq - 1 (they cannot be evicted at once), so
    // with the boot's max_seq 3 every page is in gen 2, counted active (the two youngest).
    expect(gens(m)).toEqual([
      [0, expect.any(Number), 0, 0],
      [1, expect.any(Number), 0, 0],
      [2, expect.any(Number), 1024, 0],
      [3, expect.any(Number), 0, 0],
    ]);
    expect(vm[NR_ACTIVE_ANON]).toBe(1024);
    const pfn = follow_pte(k, taskOf(p).mm!, base)!.pfn;
    expect(folio_lru_gen(k.mem_map, pfn)).toBe(2);
    expect(k.mem_map.flags[pfn] & F(PG_active)).toBe(0);
    m.write(`${LRU_GEN}/enabled`, "n");
    checkMm(k);
    // Out of an active generation, back onto the active list.
    expect(k.mem_map.lru_gen_flags[pfn] & LRU_GEN_MASK).toBe(0);
    expect(k.mem_map.flags[pfn] & F(PG_active)).not.toBe(0);
    expect(vm[NR_ACTIVE_ANON]).toBe(1024);
  });

  it("puts a page faulted in with MGLRU on into the youngest generation (folio_add_lru in a fault marks it active)", () => {
    const { m, p, base } = machineWith(64);
    m.write(`${LRU_GEN}/enabled`, "y");
    p.write(base, 64 * PAGE);
    lru_add_drain_all(kernelOf(m));
    expect(gens(m)[3]).toEqual([3, expect.any(Number), 64, 0]);
    checkMm(kernelOf(m));
  });

  it("ages by walking the page tables: young pages are promoted to max_seq and their accessed bits cleared, idle ones stay", () => {
    const { m, p, base } = machineWith(2048);
    const k = kernelOf(m);
    p.write(base, 2048 * PAGE);
    lru_add_drain_all(k);
    m.write(`${LRU_GEN}/enabled`, "y"); // all in gen 2 (seq 2)
    // The aging needs an accessed bit set since the last look: clear them, then touch half.
    // force_scan: walks every mm and clears every young PTE, promoting its page to the walk's
    // max_seq, 3; then max_seq becomes 4 and, four generations being the most, min_seq 1.
    m.write(DEBUG, "+ 1 0 3 1 1");
    const mm = taskOf(p).mm!;
    expect(follow_pte(k, mm, base)!.flags & _PAGE_ACCESSED).toBe(0);
    expect(gens(m).map((r) => [r[0], r[2]])).toEqual([
      [1, 0],
      [2, 0],
      [3, 2048],
      [4, 0],
    ]);
    p.read(base, 1024 * PAGE); // the first half young again
    // four generations already: without force_scan this is ERANGE
    expect(errno(() => m.write(DEBUG, "+ 1 0 4 1 0"))).toBe("ERANGE");
    m.write(DEBUG, "+ 1 0 4 1 1");
    checkMm(k);
    // seq 4 holds the re-read half, seq 3 the idle half; seqs 2..5 now.
    expect(gens(m).map((r) => [r[0], r[2]])).toEqual([
      [2, 0],
      [3, 1024],
      [4, 1024],
      [5, 0],
    ]);
    expect(folio_lru_gen(k.mem_map, follow_pte(k, mm, base)!.pfn)).toBe(lru_gen_from_seq(4));
    expect(folio_lru_gen(k.mem_map, follow_pte(k, mm, base + 1024 * PAGE)!.pfn)).toBe(lru_gen_from_seq(3));
    // the walk's statistics for max_seq: the second walk saw 2048 leaves, 1024 young
    const stats = m.read("/sys/kernel/debug/lru_gen_full").trim().split("\n").pop()!;
    expect(stats).toMatch(/^ +\d+L +\d+O +\d+Y +\d+N +\d+F +\d+A$/);
  });

  it("evicts generations up to the one asked for (run_eviction), swapping their pages out, and keeps the younger ones", () => {
    const { m, p, base } = machineWith(2048);
    const k = kernelOf(m);
    m.write(`${LRU_GEN}/enabled`, "y");
    p.write(base, 1024 * PAGE);
    lru_add_drain_all(k);
    m.write(DEBUG, "+ 1 0 3 1 1"); // the first 1024 pages: seq 3
    m.write(DEBUG, "+ 1 0 4 1 1"); // nothing young: they stay in seq 3, seqs 1..5 → 2..5
    p.write(base + 1024 * PAGE, 1024 * PAGE); // faulted into max_seq 5
    lru_add_drain_all(k);
    const stolen = k.vm_events[PGSTEAL_DIRECT];
    expect(gens(m).map((r) => [r[0], r[2]])).toEqual([
      [2, 0],
      [3, 1024],
      [4, 0],
      [5, 1024],
    ]);
    m.write(DEBUG, "- 1 0 3 200");
    checkMm(k);
    // seq 3 emptied: its pages evicted (or, under writeback, moved up a generation to wait)
    expect(gens(m)[0][0]).toBeGreaterThan(3);
    expect(k.vm_events[PGSTEAL_DIRECT] - stolen).toBeGreaterThan(0);
    // the young half is untouched
    expect(gens(m).find((r) => r[0] === 5)?.[2]).toBe(1024);
    m.advance("100ms");
    checkMm(k);
  });

  it("ages and evicts THPs: a folio of 512 pages in one generation, promoted through its young huge PMD (walk_pmd_range), split before swap-out", () => {
    const m = Machine.boot({ memory: "256M", seed: 1, initrd: 0 });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "t", image: null });
    p.swapon("/dev/vda", { size: 256 * MiB });
    m.write("/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
    const HP = 512 * PAGE;
    const raw = p.mmap(5 * HP);
    const base = Math.ceil(raw / HP) * HP;
    p.madvise(base, 4 * HP, "hugepage");
    p.write(base, 2 * HP); // two THPs, on the classic lists
    const mm = taskOf(p).mm!;
    const pool = k.pgtables;
    const pmd0 = huge_pmd_lookup(k, mm.pgd, base);
    const pmd1 = huge_pmd_lookup(k, mm.pgd, base + HP);
    expect(pmd0).toBeGreaterThanOrEqual(0);
    expect(pmd1).toBeGreaterThanOrEqual(0);
    const h0 = pool.ent_pfn[pmd0];
    const h1 = pool.ent_pfn[pmd1];
    m.write(`${LRU_GEN}/enabled`, "y"); // fill_evictable: each THP moves as one folio of 512
    checkMm(k);
    expect(gens(m).reduce((n, r) => n + r[2], 0)).toBe(1024);
    // force_scan: the walk finds both huge PMDs young, clears them and promotes both to max_seq 3
    m.write(DEBUG, "+ 1 0 3 1 1");
    expect(pool.ent_flags[pmd0] & _PAGE_ACCESSED).toBe(0);
    expect(folio_lru_gen(k.mem_map, h0)).toBe(lru_gen_from_seq(3));
    expect(folio_lru_gen(k.mem_map, h1)).toBe(lru_gen_from_seq(3));
    p.read(base, PAGE); // one access through the first huge PMD makes all of it young
    m.write(DEBUG, "+ 1 0 4 1 1");
    checkMm(k);
    expect(folio_lru_gen(k.mem_map, h0)).toBe(lru_gen_from_seq(4));
    expect(folio_lru_gen(k.mem_map, h1)).toBe(lru_gen_from_seq(3));
    expect(gens(m).map((r) => [r[0], r[2]])).toEqual([
      [2, 0],
      [3, 512],
      [4, 512],
      [5, 0],
    ]);
    // MADV_DONTNEED of half of the young THP queues it for the deferred split; the shrinker
    // splits it in place and its mapped tails join its generation list (the rest are freed)
    p.madvise(base, 256 * PAGE, "dontneed");
    expect(deferred_split_scan(k, k.node_data[0], 16)).toBe(1);
    checkMm(k);
    expect(k.vm_events[THP_SPLIT_PAGE]).toBe(1);
    expect(folio_lru_gen(k.mem_map, h0 + 511)).toBe(lru_gen_from_seq(4));
    expect(gens(m).find((r) => r[0] === 4)?.[2]).toBe(256);
    // Evicting seq 3 takes the idle THP: split onto the reclaim list (thp_swpout_fallback), swapped
    const stolen = k.vm_events[PGSTEAL_DIRECT];
    m.write(DEBUG, "- 1 0 3 200");
    m.advance("100ms");
    checkMm(k);
    expect(k.vm_events[THP_SWPOUT_FALLBACK]).toBe(1);
    expect(k.vm_events[PGSTEAL_DIRECT] - stolen).toBeGreaterThan(0);
    expect(huge_pmd_lookup(k, mm.pgd, base + HP)).toBe(-1);
  });

  it("counts a refault only while the page's type still has the generation it was evicted from (lru_gen_refault)", () => {
    const { m, p, base } = machineWith(256);
    const k = kernelOf(m);
    const vm = k.node_data[0].vm_stat;
    m.write(`${LRU_GEN}/enabled`, "y");
    p.write(base, 256 * PAGE);
    lru_add_drain_all(k);
    m.write(DEBUG, "+ 1 0 3 1 1");
    m.write(DEBUG, "+ 1 0 4 1 1"); // seqs 2..5, all 256 pages in seq 3
    // Evict seq 3. Isolating its last pages empties it, so min_seq moves to 4 before that batch is
    // reclaimed: only the pages of the last batch leave a shadow with min_seq 4, the earlier ones
    // have min_seq 3 in theirs. Pages whose write is still in flight wait in seq 4.
    m.write(DEBUG, "- 1 0 3 200");
    m.advance("50ms");
    expect(gens(m)[0][0]).toBe(4);
    const pswpin0 = k.vm_events[PSWPIN];
    const r0 = vm[WORKINGSET_REFAULT_ANON];
    const restore0 = vm[WORKINGSET_RESTORE_ANON];
    p.read(base, 256 * PAGE);
    const swapins = k.vm_events[PSWPIN] - pswpin0;
    const counted = vm[WORKINGSET_REFAULT_ANON] - r0;
    expect(swapins).toBeGreaterThan(0);
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThan(swapins);
    // All in a fault: every counted refault is a restore, and comes back in the top tier.
    expect(vm[WORKINGSET_RESTORE_ANON] - restore0).toBe(counted);
    let topTier = 0;
    const mm = taskOf(p).mm!;
    for (let i = 0; i < 256; i++) {
      const pfn = follow_pte(k, mm, base + i * PAGE)!.pfn;
      if ((k.mem_map.flags[pfn] & F(PG_workingset)) !== 0 && (k.mem_map.lru_gen_flags[pfn] & LRU_REFS_MASK) === LRU_REFS_MASK) topTier++;
    }
    expect(topTier).toBe(counted);
    checkMm(k);
    // The classic LRU counts every swap-in that finds a shadow (w5: refaults = pswpin).
    const c = machineWith(256);
    c.p.write(c.base, 256 * PAGE);
    c.p.madvise(c.base, 256 * PAGE, "pageout");
    c.m.advance("50ms");
    const ck = kernelOf(c.m);
    const in0 = ck.vm_events[PSWPIN];
    c.p.read(c.base, 256 * PAGE);
    expect(ck.node_data[0].vm_stat[WORKINGSET_REFAULT_ANON]).toBe(ck.vm_events[PSWPIN] - in0);
  });

  it("ages and evicts page-cache pages: ext2 pages as LRU_GEN_FILE (clean, dropped, their shadows too old to count), tmpfs pages as LRU_GEN_ANON", () => {
    const m = Machine.boot({ memory: "256M", seed: 1 });
    const k = kernelOf(m);
    const vm = k.node_data[0].vm_stat;
    const p = m.spawn({ comm: "t", image: null });
    p.swapon("/dev/vdb", { size: 256 * MiB });
    m.addDisk("/dev/vda", { size: "32M", ext2: { files: [{ path: "f", size: "16M" }] } });
    p.mkdir("/mnt/d");
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda", readonly: true });
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const t = p.open("/mnt/t/s", "w|create");
    expect(p.writeFd(t, 4 * MiB)).toBe(4 * MiB);
    m.write(`${LRU_GEN}/enabled`, "y");
    checkMm(k);
    const file0 = gens(m).reduce((a, r) => a + r[3], 0);
    const anon0 = gens(m).reduce((a, r) => a + r[2], 0);
    const fd = p.open("/mnt/d/f", "r");
    while (p.readFd(fd, 128 << 10) > 0); // 16 MiB through the page cache: 4096 file pages
    lru_add_drain_all(k);
    checkMm(k);
    // The generations' file column holds the new pages; the anon one the tmpfs pages (Shmem).
    expect(gens(m).reduce((a, r) => a + r[3], 0) - file0).toBeGreaterThanOrEqual(4096);
    expect(gens(m).reduce((a, r) => a + r[3], 0)).toBe(vm[NR_ACTIVE_FILE] + vm[NR_INACTIVE_FILE]);
    const anon1 = gens(m).reduce((a, r) => a + r[2], 0);
    expect(anon1).toBe(vm[NR_ACTIVE_ANON] + vm[NR_INACTIVE_ANON]);
    expect(anon1).toBeGreaterThanOrEqual(anon0);
    expect(anon1).toBeGreaterThanOrEqual(vm[NR_SHMEM]);
    // Age twice with force_scan, then evict the oldest file generations with swappiness 0 (file
    // only): clean file pages are dropped from the page cache, leaving shadows.
    const max = () => gens(m)[gens(m).length - 1][0];
    m.write(DEBUG, `+ 1 0 ${max()} 0 1`);
    m.write(DEBUG, `+ 1 0 ${max()} 0 1`);
    const cached0 = vm[NR_ACTIVE_FILE] + vm[NR_INACTIVE_FILE];
    const stolen = k.vm_events[PGSTEAL_DIRECT];
    m.write(DEBUG, `- 1 0 ${max() - 2} 0`); // run_eviction: seq + MIN_NR_GENS <= max_seq
    checkMm(k);
    const evicted = cached0 - (vm[NR_ACTIVE_FILE] + vm[NR_INACTIVE_FILE]);
    expect(evicted).toBeGreaterThanOrEqual(4096);
    expect(k.vm_events[PGSTEAL_DIRECT] - stolen).toBe(evicted);
    // swappiness 0: no anon page left, the tmpfs file still whole
    expect(vm[NR_ACTIVE_ANON] + vm[NR_INACTIVE_ANON]).toBe(anon1);
    expect(vm[NR_SHMEM]).toBeGreaterThanOrEqual(1024);
    // Reading the file again finds the shadows, but the eviction emptied every generation they
    // were taken from and min_seq[LRU_GEN_FILE] has moved past them all: lru_gen_refault counts
    // none (the same rule as the anon test above; the classic LRU would count them).
    const r0 = vm[WORKINGSET_REFAULT_FILE];
    const cached1 = vm[NR_ACTIVE_FILE] + vm[NR_INACTIVE_FILE];
    p.lseek(fd, 0);
    while (p.readFd(fd, 128 << 10) > 0);
    lru_add_drain_all(k);
    checkMm(k);
    expect(vm[NR_ACTIVE_FILE] + vm[NR_INACTIVE_FILE] - cached1).toBeGreaterThanOrEqual(4096);
    expect(gens(m).reduce((a, r) => a + r[3], 0)).toBe(vm[NR_ACTIVE_FILE] + vm[NR_INACTIVE_FILE]);
    expect(vm[WORKINGSET_REFAULT_FILE] - r0).toBe(0);
    p.close(fd);
    p.close(t);
    m.write(`${LRU_GEN}/enabled`, "n");
    checkMm(k);
    // drain_evictable: every page back on the classic lists, the generations empty
    expect(gens(m).every((r) => r[2] === 0 && r[3] === 0)).toBe(true);
    expect(vm[NR_ACTIVE_FILE] + vm[NR_INACTIVE_FILE]).toBeGreaterThanOrEqual(4096);
  });

  it("marks a page dirty through its mapping when the aging walk finds a dirty PTE of a shared ext2 mapping (NR_FILE_DIRTY counted)", () => {
    const m = Machine.boot({ memory: "256M", seed: 1 });
    const k = kernelOf(m);
    const vm = k.node_data[0].vm_stat;
    const p = m.spawn({ comm: "t", image: null });
    m.addDisk("/dev/vda", { size: "32M", ext2: { files: [{ path: "f", size: "1M" }] } });
    p.mkdir("/mnt/d");
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
    m.write(`${LRU_GEN}/enabled`, "y");
    const fd = p.open("/mnt/d/f", "rw");
    const a = p.mmap(64 * PAGE, { fd, flags: "shared", prot: "rw" });
    p.read(a, 64 * PAGE);
    const mm = taskOf(p).mm!;
    // Dirty the PTEs alone, as the CPU's stores would without a write fault's folio_mark_dirty.
    const pool = k.pgtables;
    const dirty0 = vm[NR_FILE_DIRTY];
    for (let i = 0; i < 64; i++) {
      const addr = a + i * PAGE;
      expect(k.mem_map.flags[follow_pte(k, mm, addr)!.pfn] & F(PG_dirty)).toBe(0);
      pool.ent_flags[pte_table_lookup(k, mm.pgd, addr) * 512 + pte_index(addr)] |= _PAGE_DIRTY;
    }
    const max = gens(m)[gens(m).length - 1][0];
    m.write(DEBUG, `+ 1 0 ${max} 1 1`);
    checkMm(k);
    for (let i = 0; i < 64; i++) expect(k.mem_map.flags[follow_pte(k, mm, a + i * PAGE)!.pfn] & F(PG_dirty)).not.toBe(0);
    expect(vm[NR_FILE_DIRTY] - dirty0).toBe(64);
    p.close(fd);
  });

  it("deactivates MADV_COLD pages of any generation (deactivate_page's lru_gen_enabled() case), counting PGDEACTIVATE", () => {
    const { m, p, base } = machineWith(128);
    const k = kernelOf(m);
    m.write(`${LRU_GEN}/enabled`, "y");
    p.write(base, 128 * PAGE);
    lru_add_drain_all(k);
    const d0 = k.vm_events[PGDEACTIVATE];
    p.madvise(base, 128 * PAGE, "cold");
    expect(k.vm_events[PGDEACTIVATE] - d0).toBe(128);
    checkMm(k);
  });
});

describe("helpers", () => {
  it("computes tiers as order_base_2(refs + 1)", () => {
    expect([0, 1, 2, 3, 4].map(lru_tier_from_refs)).toEqual([0, 1, 2, 2, 3]);
  });

  it("hashes a PMD entry's address as hash_64(val, 30) does (golden ratio multiply, top bits)", () => {
    const GOLDEN_RATIO_64 = 0x61c8864680b583ebn;
    for (const v of [0n, 1n, 0xffff888000123008n, 0xffff88800fff0ff8n, 0x123456789abcdef0n, 0xffffffffffffffffn]) {
      const want = Number(((v * GOLDEN_RATIO_64) & 0xffffffffffffffffn) >> 34n);
      expect(hash_64_30(Number(v >> 32n), Number(v & 0xffffffffn))).toBe(want);
    }
  });
});
