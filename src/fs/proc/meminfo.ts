/**
 * /proc/meminfo, every line Debian's 6.1 x86-64 build prints, in order and format, computed from
 * the counters as fs/proc/meminfo.c computes them: MemAvailable by si_mem_available, CommitLimit
 * by vm_commit_limit, the HugePages_* block by hugetlb_report_meminfo and the DirectMap lines by
 * arch_report_meminfo.
 *
 * Lines of mechanisms that come later (Cached, Shmem, Slab, SwapTotal, VmallocUsed, Percpu …)
 * read their counters, which stay 0 until those mechanisms keep them.
 *
 * Simplified: the direct map is derived from the memory ranges as init_mem_mapping maps them
 * (4 KiB pages for the ISA range and the unaligned heads and tails, 2 MiB pages between), minus
 * the 2 MiB mappings the boot splits into 4 KiB ones when it sets kernel-text and rodata
 * permissions. That split count is taken from the real 6.1 samples (10 on one node, 2 more per
 * extra node: w0*, w0-numa2) rather than modelled page by page.
 * @kernel fs/proc/meminfo.c meminfo_proc_show, show_val_kb
 * @kernel mm/page_alloc.c si_mem_available, si_meminfo
 * @kernel mm/util.c vm_commit_limit, vm_memory_committed
 * @kernel mm/hugetlb.c hugetlb_report_meminfo, hugetlb_total_pages
 * @kernel arch/x86/mm/pat/set_memory.c arch_report_meminfo, direct_pages_count
 * @kernel arch/x86/mm/init.c init_mem_mapping, split_mem_range
 */
import type { Kernel } from "../../kernel/kernel.js";
import { nr_blockdev_pages } from "../../block/bdev.js";
import { hugetlb_total_pages } from "../../mm/hugetlb.js";
import { low_wmark_pages } from "../../mm/mmzone.js";
import { totalram_pages } from "../../mm/page_alloc.js";
import { vm_commit_limit } from "../../mm/util.js";
import { K, PAGE_SHIFT } from "../../mm/types.js";
import { node_page_state_pages, totalreserve_pages } from "../../mm/vmstat_show.js";
import {
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_ANON_MAPPED,
  NR_ANON_THPS,
  NR_BOUNCE,
  NR_FILE_DIRTY,
  NR_FILE_MAPPED,
  NR_FILE_PAGES,
  NR_FILE_PMDMAPPED,
  NR_FILE_THPS,
  NR_FREE_PAGES,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_KERNEL_MISC_RECLAIMABLE,
  NR_KERNEL_STACK_KB,
  NR_MLOCK,
  NR_PAGETABLE,
  NR_SECONDARY_PAGETABLE,
  NR_SHMEM,
  NR_SHMEM_PMDMAPPED,
  NR_SHMEM_THPS,
  NR_SLAB_RECLAIMABLE_B,
  NR_SLAB_UNRECLAIMABLE_B,
  NR_SWAPCACHE,
  NR_UNEVICTABLE,
  NR_WRITEBACK,
  NR_WRITEBACK_TEMP,
} from "../../mm/vmstat_items.js";

/** The ISA range below 1 MiB, always mapped with 4 KiB pages: 256 pages. */
const ISA_END_PFN = 0x100000 >> PAGE_SHIFT;
/** 2 MiB in pages. */
const PMD_NR = 512;
/**
 * 4-level paging: VMALLOC_SIZE_TB = 32, VMALLOC_TOTAL = 32 TiB - 1 byte, printed in kB.
 * @kernel arch/x86/include/asm/pgtable_64_types.h VMALLOC_SIZE_TB
 */
const VMALLOC_TOTAL_KB = Math.floor((32 * 2 ** 40 - 1) / 1024);

function global_node(k: Kernel, item: number): number {
  let sum = 0;
  for (const pgdat of k.node_data) sum += node_page_state_pages(pgdat, item);
  return sum;
}

function global_zone(k: Kernel, item: number): number {
  let sum = 0;
  for (const z of k.zones) sum += z.vm_stat[item];
  return sum < 0 ? 0 : sum;
}

/**
 * How much could be allocated without swapping: free pages above the reserves, plus the half of
 * the page cache and of reclaimable slab that is above the low watermarks. w0: 108488 free - 1443
 * reserved + 0 cache + (2201 - min(1100, 843)) slab = 108403 pages = 433612 kB.
 * @kernel mm/page_alloc.c si_mem_available
 */
export function si_mem_available(k: Kernel): number {
  let wmark_low = 0;
  for (const z of k.zones) wmark_low += low_wmark_pages(z);
  let available = global_zone(k, NR_FREE_PAGES) - totalreserve_pages(k);
  let pagecache = global_node(k, NR_ACTIVE_FILE) + global_node(k, NR_INACTIVE_FILE);
  pagecache -= Math.min(Math.floor(pagecache / 2), wmark_low);
  available += pagecache;
  const reclaimable = global_node(k, NR_SLAB_RECLAIMABLE_B) + global_node(k, NR_KERNEL_MISC_RECLAIMABLE);
  available += reclaimable - Math.min(Math.floor(reclaimable / 2), wmark_low);
  return available < 0 ? 0 : available;
}

/** The pfn ranges of RAM init_mem_mapping maps above the ISA range. */
export interface PfnRange {
  start: number;
  end: number;
}

/**
 * Pages of the kernel's direct map by page size: [4K, 2M, 1G]. Each RAM range is mapped with
 * 4 KiB pages up to its first 2 MiB boundary and after its last, 2 MiB pages between; the ISA
 * range adds 256 4 KiB pages. QEMU's qemu64 CPU has no gbpages, so there are no 1 GiB mappings.
 * w0 (max_pfn 0x1ffe0): 4K = 256 + 256 + 480 + 10 * 512 splits = 6112 pages = 24448 kB,
 * 2M = 254 - 10 = 244 = 499712 kB.
 * @kernel arch/x86/mm/init.c init_mem_mapping, split_mem_range
 */
export function direct_pages_count(ranges: readonly PfnRange[], nr_nodes: number): [number, number, number] {
  let p4k = ISA_END_PFN;
  let p2m = 0;
  for (const r of ranges) {
    const start = Math.max(r.start, ISA_END_PFN);
    const end = r.end;
    if (start >= end) continue;
    const bigStart = Math.ceil(start / PMD_NR) * PMD_NR;
    const bigEnd = Math.floor(end / PMD_NR) * PMD_NR;
    if (bigStart >= bigEnd) {
      p4k += end - start;
      continue;
    }
    p4k += bigStart - start + (end - bigEnd);
    p2m += (bigEnd - bigStart) / PMD_NR;
  }
  // Simplified: boot-time splits of 2 MiB mappings (see the module comment).
  const splits = Math.min(p2m, 10 + 2 * Math.max(0, nr_nodes - 1));
  return [p4k + splits * PMD_NR, p2m - splits, 0];
}

/**
 * The RAM ranges init_mem_mapping walks (for_each_mem_pfn_range: memblock.memory, PFN_UP of the
 * base to PFN_DOWN of the end), merged where they touch: the direct map is set up before NUMA
 * splits memblock at node boundaries. Without memblock (a hand-built state), the zones' spans.
 */
function ramRanges(k: Kernel): PfnRange[] {
  const spans: PfnRange[] = [];
  if (k.memblock && k.memblock.memory.regions.length) {
    for (const r of k.memblock.memory.regions) {
      spans.push({ start: Math.ceil(r.base / 4096), end: Math.floor((r.base + r.size) / 4096) });
    }
  } else {
    for (const pgdat of k.node_data) {
      for (const z of pgdat.node_zones) {
        if (z.present_pages === 0) continue;
        spans.push({ start: z.zone_start_pfn, end: z.zone_end_pfn() });
      }
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: PfnRange[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  return merged;
}

/** `%8lu kB`-style line: the label (already padded by the caller), the number in 8 columns. */
function line(label: string, kb: number): string {
  return `${label}${String(kb).padStart(8)} kB\n`;
}

/** A page count in kB: show_val_kb's `num << (PAGE_SHIFT - 10)` in 8 columns. @kernel fs/proc/meminfo.c show_val_kb */
function show_val_kb(label: string, pages: number): string {
  return line(label, K(pages));
}

/** @kernel fs/proc/meminfo.c meminfo_proc_show */
export function meminfo_proc_show(k: Kernel): string {
  // si_meminfo / si_swapinfo
  const totalram = totalram_pages(k);
  const freeram = global_zone(k, NR_FREE_PAGES);
  const sharedram = global_node(k, NR_SHMEM);
  const bufferram = nr_blockdev_pages(k);
  const swapcache = global_node(k, NR_SWAPCACHE);
  let cached = global_node(k, NR_FILE_PAGES) - swapcache - bufferram;
  if (cached < 0) cached = 0;
  const active_anon = global_node(k, NR_ACTIVE_ANON);
  const inactive_anon = global_node(k, NR_INACTIVE_ANON);
  const active_file = global_node(k, NR_ACTIVE_FILE);
  const inactive_file = global_node(k, NR_INACTIVE_FILE);
  const sreclaimable = global_node(k, NR_SLAB_RECLAIMABLE_B);
  const sunreclaim = global_node(k, NR_SLAB_UNRECLAIMABLE_B);

  let out = "";
  out += show_val_kb("MemTotal:       ", totalram);
  out += show_val_kb("MemFree:        ", freeram);
  out += show_val_kb("MemAvailable:   ", si_mem_available(k));
  out += show_val_kb("Buffers:        ", bufferram);
  out += show_val_kb("Cached:         ", cached);
  out += show_val_kb("SwapCached:     ", swapcache);
  out += show_val_kb("Active:         ", active_anon + active_file);
  out += show_val_kb("Inactive:       ", inactive_anon + inactive_file);
  out += show_val_kb("Active(anon):   ", active_anon);
  out += show_val_kb("Inactive(anon): ", inactive_anon);
  out += show_val_kb("Active(file):   ", active_file);
  out += show_val_kb("Inactive(file): ", inactive_file);
  out += show_val_kb("Unevictable:    ", global_node(k, NR_UNEVICTABLE));
  out += show_val_kb("Mlocked:        ", global_zone(k, NR_MLOCK));
  out += show_val_kb("SwapTotal:      ", k.total_swap_pages);
  out += show_val_kb("SwapFree:       ", k.nr_swap_pages);
  out += line("Zswap:          ", Math.floor(k.zswap_pool_total_size / 1024));
  out += show_val_kb("Zswapped:       ", k.zswap_stored_pages);
  out += show_val_kb("Dirty:          ", global_node(k, NR_FILE_DIRTY));
  out += show_val_kb("Writeback:      ", global_node(k, NR_WRITEBACK));
  out += show_val_kb("AnonPages:      ", global_node(k, NR_ANON_MAPPED));
  out += show_val_kb("Mapped:         ", global_node(k, NR_FILE_MAPPED));
  out += show_val_kb("Shmem:          ", sharedram);
  out += show_val_kb("KReclaimable:   ", sreclaimable + global_node(k, NR_KERNEL_MISC_RECLAIMABLE));
  out += show_val_kb("Slab:           ", sreclaimable + sunreclaim);
  out += show_val_kb("SReclaimable:   ", sreclaimable);
  out += show_val_kb("SUnreclaim:     ", sunreclaim);
  // NR_KERNEL_STACK_KB is kept in kB already
  out += line("KernelStack:    ", global_node(k, NR_KERNEL_STACK_KB));
  out += show_val_kb("PageTables:     ", global_node(k, NR_PAGETABLE));
  out += show_val_kb("SecPageTables:  ", global_node(k, NR_SECONDARY_PAGETABLE));
  out += show_val_kb("NFS_Unstable:   ", 0);
  out += show_val_kb("Bounce:         ", global_zone(k, NR_BOUNCE));
  out += show_val_kb("WritebackTmp:   ", global_node(k, NR_WRITEBACK_TEMP));
  out += show_val_kb("CommitLimit:    ", vm_commit_limit(k));
  // vm_memory_committed: the percpu counter's sum, never negative
  out += show_val_kb("Committed_AS:   ", Math.max(0, k.vm_committed_as));
  out += line("VmallocTotal:   ", VMALLOC_TOTAL_KB);
  out += show_val_kb("VmallocUsed:    ", k.nr_vmalloc_pages);
  out += show_val_kb("VmallocChunk:   ", 0);
  out += show_val_kb("Percpu:         ", k.pcpu_nr_pages);
  // CONFIG_MEMORY_FAILURE: its own, narrower format
  out += `HardwareCorrupted: ${String(K(k.num_poisoned_pages)).padStart(5)} kB\n`;
  // CONFIG_TRANSPARENT_HUGEPAGE: these counters are in base pages
  out += show_val_kb("AnonHugePages:  ", global_node(k, NR_ANON_THPS));
  out += show_val_kb("ShmemHugePages: ", global_node(k, NR_SHMEM_THPS));
  out += show_val_kb("ShmemPmdMapped: ", global_node(k, NR_SHMEM_PMDMAPPED));
  out += show_val_kb("FileHugePages:  ", global_node(k, NR_FILE_THPS));
  out += show_val_kb("FilePmdMapped:  ", global_node(k, NR_FILE_PMDMAPPED));
  out += hugetlb_report_meminfo(k);
  out += arch_report_meminfo(k);
  return out;
}

/** @kernel mm/hugetlb.c hugetlb_report_meminfo */
export function hugetlb_report_meminfo(k: Kernel): string {
  const h = k.default_hstate;
  const p5 = (n: number): string => String(n).padStart(5);
  return (
    `HugePages_Total:   ${p5(h.nr_huge_pages)}\n` +
    `HugePages_Free:    ${p5(h.free_huge_pages)}\n` +
    `HugePages_Rsvd:    ${p5(h.resv_huge_pages)}\n` +
    `HugePages_Surp:    ${p5(h.surplus_huge_pages)}\n` +
    line("Hugepagesize:   ", 2048) +
    line("Hugetlb:        ", K(hugetlb_total_pages(k)))
  );
}

/** @kernel arch/x86/mm/pat/set_memory.c arch_report_meminfo */
export function arch_report_meminfo(k: Kernel): string {
  const [p4k, p2m] = direct_pages_count(ramRanges(k), k.node_data.length);
  // no direct_gbpages on the qemu64 CPU: no DirectMap1G line
  return line("DirectMap4k:    ", p4k * 4) + line("DirectMap2M:    ", p2m * 2048);
}
