import { describe, expect, it } from "vitest";
import { _PAGE_ACCESSED, huge_pmd_lookup, pte_offset_map } from "../arch/x86/pgtable.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { spawnProcess } from "../sim/process.js";
import { MM_ANONPAGES, MM_SWAPENTS, VM_LOCKED, VM_WRITE } from "./mm_types.js";
import { split_huge_pmd_address } from "./huge_memory.js";
import { find_vma } from "./mmap.js";
import { follow_pte } from "./memory.js";
import { folio_mapcount, folio_mapped, folio_referenced, PageAnonExclusive, rmap_walk, try_to_unmap } from "./rmap.js";
import { lru_add_drain } from "./swap.js";
import { add_to_swap } from "./swap_state.js";
import { __swap_count, sys_swapon } from "./swapfile.js";
import { swp_offset } from "./swapops.js";
import { taskOf } from "../api/internals.js";

const MiB = 1 << 20;

function forked() {
  const k = start_kernel({ memory: 256 * MiB });
  const p = spawnProcess(k, { comm: "rmap", image: null });
  const a = p.mmap(4 * 4096, { prot: "rw", flags: "private|anonymous" });
  p.write(a, 4 * 4096);
  const c = p.fork();
  const pfn = follow_pte(k, taskOf(p).mm!, a)?.pfn ?? -1;
  return { k, p, c, a, pfn };
}

describe("anonymous rmap", () => {
  it("finds both the parent's and the forked child's mapping of a shared page", () => {
    const { k, p, c, a, pfn } = forked();
    const seen: Array<[number, number]> = [];
    rmap_walk(k, pfn, (vma, addr) => {
      seen.push([vma.vm_mm === taskOf(p).mm ? p.pid : vma.vm_mm === taskOf(c).mm ? c.pid : -1, addr]);
      return true;
    });
    expect(seen.sort()).toEqual([[p.pid, a], [c.pid, a]].sort());
    expect(PageAnonExclusive(k, pfn)).toBe(false);
  });

  it("finds only the child for a page the child copied on write", () => {
    const { k, c, a } = forked();
    c.write(a, 4096);
    const cp = follow_pte(k, taskOf(c).mm!, a)?.pfn ?? -1;
    const owners: number[] = [];
    rmap_walk(k, cp, (vma) => {
      owners.push(vma.vm_mm === taskOf(c).mm ? c.pid : -1);
      return true;
    });
    expect(owners).toEqual([c.pid]);
    expect(PageAnonExclusive(k, cp)).toBe(true);
  });

  it("counts young mappings and ages them (folio_referenced clears the accessed bits)", () => {
    const { k, p, c, a, pfn } = forked();
    // fork left the child's PTE old; the parent's is young.
    expect(folio_referenced(k, pfn)).toBe(1);
    c.read(a, 4096);
    p.read(a, 4096);
    expect(folio_referenced(k, pfn)).toBe(2);
    expect(folio_referenced(k, pfn)).toBe(0);
  });

  it("finds a page's PTE after the page tables of its region were freed and built again elsewhere", () => {
    // pte_table_lookup remembers which PTE table covers each 2 MiB region, and the rmap walks
    // use it; freeing a table must make it forget, or a walk would read the old table's slot.
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "rmap", image: null });
    const a = p.mmap(2 * MiB, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 4096);
    const first = follow_pte(k, taskOf(p).mm!, a)?.pfn ?? -1;
    expect(folio_referenced(k, first)).toBe(1);
    p.munmap(a, 2 * MiB);
    // Another region takes the freed table slots, so the region at `a` gets new ones.
    const other = p.mmap(8 * MiB, { prot: "rw", flags: "private|anonymous" });
    for (let off = 0; off < 8 * MiB; off += 2 * MiB) p.write(other + off, 4096);
    expect(p.mmap(2 * MiB, { prot: "rw", flags: "private|anonymous|fixed", addr: a })).toBe(a);
    p.write(a, 4096);
    const second = follow_pte(k, taskOf(p).mm!, a)?.pfn ?? -1;
    expect(folio_referenced(k, second)).toBe(1);
    const seen: number[] = [];
    rmap_walk(k, second, (_vma, addr) => seen.push(addr) > 0);
    expect(seen).toEqual([a]);
  });

  it("unmaps every mapping of a swap-cache page into its swap entry, one swap_map count each", () => {
    const { k, p, c, a, pfn } = forked();
    expect(sys_swapon(k, taskOf(p), "/dev/vda", { size: 64 * MiB })).toBe(0);
    lru_add_drain(k);
    k.mem_map._refcount[pfn]++; // the isolating caller's reference
    expect(add_to_swap(k, pfn)).toBe(true);
    const entry = k.mem_map.private[pfn];
    expect(try_to_unmap(k, pfn)).toBe(true);
    expect(k.mem_map.mapcount[pfn]).toBe(0);
    for (const t of [p, c]) {
      expect(taskOf(t).mm!.rss_stat[MM_SWAPENTS]).toBe(1);
      expect(taskOf(t).mm!.rss_stat[MM_ANONPAGES]).toBe(3);
      const i = pte_offset_map(k, taskOf(t).mm!.pgd, a);
      expect(k.pgtables.ent_pfn[i]).toBe(swp_offset(entry));
    }
    expect(__swap_count(k, entry)).toBe(2); // two PTEs (the cache holds SWAP_HAS_CACHE on top)
    // The page is still cached with the caller's and the cache's references.
    expect(k.mem_map._refcount[pfn]).toBe(2);
  });
});

describe("folio_referenced of a THP (folio_referenced_one's PMD branch)", () => {
  /** A 1 GiB machine (THP always) with one PMD-mapped THP at a 2 MiB-aligned address. */
  function thp() {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "thp" });
    const raw = p.mmap(4 * MiB, { prot: "rw", flags: "private|anonymous" });
    const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    p.write(a, 2 * MiB);
    const mm = taskOf(p).mm!;
    const pmdi = huge_pmd_lookup(k, mm.pgd, a);
    expect(pmdi).toBeGreaterThanOrEqual(0);
    const head = k.pgtables.ent_pfn[pmdi];
    // The per-page column of a PMD-mapped THP is 0: only page[1].private counts the PMD.
    expect(k.mem_map.mapcount[head]).toBe(0);
    return { k, p, a, head, pmdi };
  }

  it("sees a young huge PMD, clears its accessed bit, and sees it again after the next access", () => {
    const { k, p, a, head, pmdi } = thp();
    expect(folio_mapped(k, head)).toBe(true);
    const flags = new Int32Array(1);
    expect(folio_referenced(k, head, flags)).toBe(1);
    expect(flags[0] & VM_WRITE).toBe(VM_WRITE);
    expect(k.pgtables.ent_flags[pmdi] & _PAGE_ACCESSED).toBe(0);
    expect(folio_referenced(k, head)).toBe(0);
    p.read(a + 4096 * 100, 8);
    expect(folio_referenced(k, head)).toBe(1);
  });

  it("counts a VMA once however many PTEs of a split PMD were young, and each forked VMA", () => {
    const { k, p, a, head } = thp();
    const vma = find_vma(taskOf(p).mm!, a)!;
    split_huge_pmd_address(k, vma, a);
    expect(huge_pmd_lookup(k, taskOf(p).mm!.pgd, a)).toBe(-1);
    expect(folio_mapcount(k, head)).toBe(512);
    expect(folio_referenced(k, head)).toBe(1);
    expect(folio_referenced(k, head)).toBe(0);
    const c = p.fork();
    p.read(a, 8);
    c.read(a + 2 * MiB - 8, 8);
    expect(folio_referenced(k, head)).toBe(2);
  });

  it("reports VM_LOCKED for an mlocked PMD mapping, as reclaim needs to keep the folio", () => {
    const { k, p, a, head } = thp();
    p.mlock(a, 2 * MiB);
    const flags = new Int32Array(1);
    expect(folio_referenced(k, head, flags)).toBe(0);
    expect(flags[0] & VM_LOCKED).toBe(VM_LOCKED);
  });
});
