/**
 * Booting a machine: the memory-relevant part of init/main.c start_kernel and the initcalls after
 * it, in the kernel's order, producing a Kernel whose zones, free lists, watermarks and boot log
 * are what Linux 6.1 gives a QEMU i440FX guest of the same shape.
 *
 *   setup_arch            e820 → memblock → reservations → NUMA → sparse memmap
 *   paging_init           zone_sizes_init → free_area_init (zones, memmap_init)
 *   setup_per_cpu_areas   per-cpu first chunk
 *   build_all_zonelists   "Fallback order", "Built N zonelists … Total pages", "Policy zone"
 *   vfs_caches_init_early dentry/inode hash tables (memblock, unless NUMA hashdist)
 *   mm_init → mem_init    swiotlb, memblock_free_all (deferred part skipped), vmalloc PUDs,
 *                         mem_init_print_info ("Memory: …K/…K available (…)")
 *   setup_per_cpu_pageset pcp high/batch
 *   alternatives          "Freeing SMP alternatives memory: 36K"
 *   proc_root_init        the /proc and /sys files (fs/proc/init.ts)
 *   page_alloc_init_late  deferred struct pages freed ("node N deferred pages initialised")
 *   postcore initcall     init_per_zone_wmark_min (min_free_kbytes, watermarks, lowmem_reserve)
 *                         and the vm table's page allocator handlers
 *   subsys initcall       init_user_reserve, init_admin_reserve (1/32 of free memory, capped),
 *                         hugepage_init (THP off below 512 MiB; khugepaged raises min_free_kbytes)
 *   rootfs initcall       populate_rootfs (the initramfs into the rootfs tmpfs), "Freeing initrd memory"
 *   free_initmem, mark_rodata_ro  the image's init, decrypted and gap pages
 *
 * Time: k.now_ns advances by fixed amounts between the steps, chosen to resemble the real
 * TCG boot's timestamps (w0/dmesg: e820 edits at ~3 ms, Memory: at ~61 ms, initrd freed at
 * ~0.95 s, initmem at ~1.35 s), so the log's timestamps increase and are deterministic.
 *
 * @kernel init/main.c start_kernel, mm_init, kernel_init_freeable, kernel_init
 * @kernel arch/x86/mm/init_64.c paging_init, mem_init, preallocate_vmalloc_pages
 * @kernel mm/page_alloc.c mem_init_print_info, page_alloc_init_late, free_reserved_area
 * @kernel arch/x86/mm/init.c free_initmem, free_kernel_image_pages
 * @kernel arch/x86/mm/init_64.c mark_rodata_ro
 * @kernel init/initramfs.c free_initrd_mem
 *
 * Simplified: only memory-related steps and log lines exist; the other ~300 lines of a real boot
 * log (ACPI, PCI, drivers) are not printed. The kernel allocations of the rest of boot (slab
 * caches, ftrace's records, the DMA pools, hash tables) are kernel/footprint.ts's.
 */
import { oom_init, oom_reaper_next, oom_reaper_run } from "../mm/oom_kill.js";
import { LOCAL_DISTANCE, REMOTE_DISTANCE } from "../arch/x86/numa.js";
import { PgtablePool } from "../arch/x86/pgtable.js";
import { type e820_entry, type e820_table, e820_pram_ranges, MAX_ARCH_PFN, qemu_i440fx_e820 } from "../arch/x86/e820.js";
import { pmem_legacy_init } from "../drivers/dax/device.js";
import { type NumaNodeSpec, setup_arch, setup_per_cpu_areas, swiotlb_init } from "../arch/x86/setup.js";
import { GFP_KERNEL } from "../mm/gfp.js";
import { hugepage_init, setup_transparent_hugepage, type ThpMode } from "../mm/huge_memory.js";
import { DEBIAN_6_1_IMAGE, type KernelImage, kernel_image_layout, memblock_phys_free, PFN_DOWN } from "../mm/memblock.js";
import { F, MemMap, PG_reserved } from "../mm/memmap.js";
import {
  alloc_large_system_hash,
  build_all_zonelists,
  deferred_init_memmap,
  HASH_EARLY,
  HASH_ZERO,
  free_area_init,
  type FreePagesCore,
  MAX_DMA32_PFN,
  memblock_find_dma_reserve,
  memblock_free_all,
  mm_init_state,
  zone_sizes_init_limits,
} from "../mm/mm_init.js";
import { pglist_data } from "../mm/mmzone.js";
import { __free_pages, __free_pages_core, alloc_pages, setup_per_cpu_pageset, totalram_pages } from "../mm/page_alloc.js";
import { swap_io_next, swap_io_run } from "../mm/page_io.js";
import { kswapd_init } from "../mm/vmscan.js";
import { compaction_init } from "../mm/compaction.js";
import { workingset_init } from "../mm/workingset.js";
import { page_writeback_init } from "../mm/page-writeback.js";
import { boot_kthreads, kthread_run } from "./kthread.js";
import { psi_init } from "./psi.js";
import { pid_idr_init } from "./sched.js";
import { K, MiB, PAGE_SIZE } from "../mm/types.js";
import { global_zone_page_state } from "../mm/vmstat.js";
import { NR_FREE_PAGES } from "../mm/vmstat_items.js";
import { init_admin_reserve, init_user_reserve } from "../mm/mmap.js";
import { start_stop_khugepaged } from "../mm/khugepaged.js";
import { gather_bootmem_gigantic, hugetlb_alloc_bootmem_gigantic, hugetlb_boot_pools, hugetlb_init } from "../mm/hugetlb.js";
import { init_per_zone_wmark_min, page_alloc_sysctl_init } from "../mm/watermark.js";
import { proc_root_init } from "../fs/proc/init.js";
import { type InitramfsEntry, populate_rootfs, REALKERNEL_INITRAMFS } from "../fs/initramfs.js";
import { drop_caches_init } from "../fs/drop_caches.js";
import { Kernel } from "./kernel.js";
import { KERN_INFO } from "./printk.js";
import { memblock_alloc_try_nid, NUMA_NO_NODE, SMP_CACHE_BYTES } from "../mm/memblock.js";
import { kmem_cache_init } from "../mm/slub.js";
import { slab_sysfs_init } from "../mm/slab_common.js";
import { vmalloc_init } from "../mm/vmalloc.js";
import { CLONE_FS, copy_process_objects, NR_CACHED_STACKS } from "./fork.js";
import { boot_caches_init, boot_topup, dma_atomic_pool_init, ftrace_init, boot_vmalloc_areas, idle_tasks, initcall_hash_tables, pcpu_pagesets, vfs_hash_tables } from "./footprint.js";
import { SEABIOS_HIGH_TABLE_SIZE } from "../arch/x86/e820.js";

/** How to build the machine. Every field has a default matching the realkernel QEMU runs. */
export interface BootParams {
  /** RAM in bytes (QEMU -m). Default 512 MiB. */
  memory?: number;
  /** CPUs (QEMU -smp). Default 1, or one per NUMA node when nodes are given without cpus. */
  cpus?: number;
  /**
   * NUMA nodes (QEMU -numa node,memdev=…): sizes must add up to `memory`; cpus per node default
   * to one each in order. Omitted: no SRAT, the kernel fakes one node.
   */
  numa?: { nodes: Array<{ size: number; cpus?: number[] }>; distance?: number[][] };
  /** An explicit e820 map instead of QEMU's (entries in bytes). */
  e820?: e820_entry[];
  /** transparent_hugepage= on the command line; default: the compiled-in "always". */
  thp?: ThpMode;
  /** Kernel image sizes; default Debian 6.1.0-56-amd64. */
  image?: Partial<KernelImage>;
  /** initrd size in bytes; default the realkernel initramfs (2596 KiB); 0 for none. */
  initrd?: number;
  /**
   * What the initramfs unpacks into the rootfs (fs/initramfs.ts): default the realkernel base
   * initramfs of the stored captures (6832 kB), none when `initrd` is 0.
   */
  initramfs?: readonly InitramfsEntry[];
  /** kernelcore= / movablecore=: bytes, or "N%" of memory. */
  kernelcore?: number | string;
  movablecore?: number | string;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Test-only: false links boot's free blocks eagerly instead of when first reached (Kernel.deferredLinking). */
  deferredLinking?: boolean;
  /**
   * hugepagesz=SIZE hugepages=N on the command line: boot-time hugetlb pools, in bytes per page
   * (2 MiB, or 1 GiB with `gbpages`).
   */
  hugepages?: Array<{ size: number; count: number }>;
  /** The CPU has 1 GiB pages (X86_FEATURE_GBPAGES); qemu64, the captures' CPU, has not. */
  gbpages?: boolean;
  /**
   * `memmap=` values of the command line ("512M!1G": 512 MiB of legacy persistent memory at 1 GiB,
   * E820_TYPE_PRAM); each PRAM range becomes a device-dax device at the end of boot
   * (drivers/dax/device.ts). Malformed values are ignored, as parse_memmap_opt ignores them.
   */
  memmap?: readonly string[];
}

/** The realkernel initramfs as QEMU placed it: RAMDISK [0x1fd57000-0x1ffdffff] = 2596 KiB. */
export const DEFAULT_INITRD_SIZE = 0x289000;

/** How much the modelled boot clock moves for each step, in microseconds (see the header). */
function advancer(k: Kernel): (us: number) => void {
  return (us) => {
    k.now_ns += us * 1000;
  };
}

function parseCore(v: number | string | undefined): { pages: number; percent: number } {
  if (v === undefined) return { pages: 0, percent: 0 };
  if (typeof v === "string" && v.endsWith("%")) return { pages: 0, percent: Number(v.slice(0, -1)) };
  return { pages: Math.floor(Number(v) / PAGE_SIZE), percent: 0 };
}

/** Boot: the allocator pieces the memory init hands pages to (page_alloc.ts). */
const free_core: FreePagesCore = (k, pfn, order) => __free_pages_core(k, pfn, order);

/**
 * Boots a machine and returns its kernel, with the boot log in k.log.
 * @kernel init/main.c start_kernel
 */
export function start_kernel(params: BootParams = {}): Kernel {
  const memory = params.memory ?? 512 * MiB;
  const numaNodes = params.numa?.nodes;
  const nrNodes = numaNodes ? numaNodes.length : 1;
  if (numaNodes) {
    const sum = numaNodes.reduce((a, n) => a + n.size, 0);
    if (sum !== memory) throw new RangeError(`NUMA node sizes add up to ${sum} bytes, not the ${memory} bytes of memory`);
  }
  const cpus = params.cpus ?? (numaNodes ? numaNodes.length : 1);
  if (!Number.isInteger(cpus) || cpus < 1) throw new RangeError(`cpus must be a positive integer, got ${cpus}`);
  const nodes: NumaNodeSpec[] = numaNodes
    ? numaNodes.map((n, i) => ({ size: n.size, cpus: n.cpus ?? (i < cpus ? [i] : []) }))
    : [{ size: memory, cpus: Array.from({ length: cpus }, (_, i) => i) }];
  // CPUs not named by any node go to node 0, as cpus without SRAT affinity do. Array.from makes a
  // packed array: numa_node_id reads it on every allocation, and a holey one (new Array(n)) costs
  // a hole check there (~3% of an order-0 alloc+free pair).
  const cpuNodes = Array.from({ length: cpus }, () => 0);
  nodes.forEach((n, nid) => n.cpus.forEach((c) => c < cpus && (cpuNodes[c] = nid)));

  const k = new Kernel(params.seed ?? 1);
  k.deferredLinking = params.deferredLinking ?? true;
  // subsys_initcall(oom_init): the OOM killer takes the allocator's out_of_memory seam.
  oom_init(k);
  const advance = advancer(k);
  const image: KernelImage = { ...DEBIAN_6_1_IMAGE, ...params.image };
  const initrd = params.initrd ?? DEFAULT_INITRD_SIZE;
  k.nr_cpu_ids = cpus;
  k.cpu_to_node = cpuNodes;
  // sched_init → psi_init, before anything is timed.
  psi_init(k);
  k.numa_distance =
    params.numa?.distance ??
    Array.from({ length: nrNodes }, (_, a) => Array.from({ length: nrNodes }, (_, b) => (a === b ? LOCAL_DISTANCE : REMOTE_DISTANCE)));
  if (params.thp) setup_transparent_hugepage(k, params.thp);

  // ---- setup_arch ----
  const table: e820_table = params.e820 ? { entries: params.e820.map((e) => ({ ...e })) } : qemu_i440fx_e820(memory);
  const sa = setup_arch(k, { e820: table, nodes, numa: !!numaNodes, image, initrd, ...(params.memmap ? { memmap: params.memmap } : {}) }, advance);
  const mb = sa.mb;
  k.max_pfn = sa.max_pfn;
  const st = new mm_init_state();
  k.mm_init = st;
  const kc = parseCore(params.kernelcore);
  const mc = parseCore(params.movablecore);
  st.required_kernelcore = kc.pages;
  st.required_kernelcore_percent = kc.percent;
  st.required_movablecore = mc.pages;
  st.required_movablecore_percent = mc.percent;
  st.dma_reserve = memblock_find_dma_reserve(mb);

  // paging_init: the memmap exists from here on (sparse_init reserved it in setup_arch).
  // The memmap also covers legacy pmem past the end of RAM: memremap_pages gives those pfns struct
  // pages later (sparse sections hot-added in the kernel; one column set sized at boot here).
  const pram_end = e820_pram_ranges(table).reduce((m, r) => Math.max(m, Math.ceil((r.base + r.size) / PAGE_SIZE)), 0);
  k.mem_map = new MemMap(Math.max(sa.max_pfn, Math.min(pram_end, MAX_ARCH_PFN)));
  k.pgtables = new PgtablePool(sa.max_pfn);
  k.node_data = Array.from({ length: nrNodes }, (_, nid) => new pglist_data(nid));
  k.zones = k.node_data.flatMap((p) => p.node_zones);
  advance(3700);
  free_area_init(k, st, mb, zone_sizes_init_limits(sa.max_pfn));
  advance(9000);

  // ---- start_kernel ----
  // setup_per_cpu_areas → pcpu_embed_first_chunk → pcpu_setup_first_chunk (mm/percpu.ts).
  setup_per_cpu_areas(k, mb, cpuNodes, nrNodes);
  advance(1300);
  const hasCpus = k.node_data.map((p) => cpuNodes.includes(p.node_id));
  build_all_zonelists(k, st, k.numa_distance, hasCpus);
  advance(1800);
  // vfs_caches_init_early: hashdist (NUMA with more than one node) defers both tables to
  // vmalloc in vfs_caches_init, after mem_init.
  const hashdist = nrNodes > 1;
  if (!hashdist) {
    const early = { memblock: (b: number) => memblock_alloc_try_nid(mb, b, SMP_CACHE_BYTES, NUMA_NO_NODE, "hash table") >= 0, vmalloc: () => false, pages: () => false };
    alloc_large_system_hash(k, "Dentry cache", 8, 0, 13, HASH_EARLY | HASH_ZERO, 0, 0, early, false);
    alloc_large_system_hash(k, "Inode-cache", 8, 0, 14, HASH_EARLY | HASH_ZERO, 0, 0, early, false);
  }
  advance(8000);

  // ---- mm_init → mem_init ----
  if (sa.max_pfn > MAX_DMA32_PFN) swiotlb_init(k, mb);
  // hugepages= of a gigantic size: the pages come from memblock before the buddy allocator
  // takes the rest (alloc_bootmem_huge_page), and join the pool once the memmap is live.
  k.hugetlb.gbpages = params.gbpages ?? false;
  const gigantic = hugetlb_alloc_bootmem_gigantic(k, mb, params.hugepages ?? []);
  memblock_free_all(k, st, mb, free_core);
  // preallocate_vmalloc_pages: a PUD page for each of the 64 PGD entries of the 32 TiB vmalloc
  // area on 4-level paging, taken from the buddy allocator.
  for (let i = 0; i < 64; i++) alloc_pages(k, GFP_KERNEL, 0);
  mem_init_print_info(k, st, image);
  // kmem_cache_init, vmalloc_init (its vmap_area cache is the first boot cache), then the rest
  // of the caches 6.1 creates during boot, in its order (kernel/footprint.ts).
  kmem_cache_init(k);
  boot_caches_init(k);
  vmalloc_init(k);
  // start_kernel after mm_init: ftrace_init's records (poking_init's mm is not modelled).
  ftrace_init(k);
  k.cached_stacks.length = cpus * NR_CACHED_STACKS;
  k.cached_stacks.fill(0);
  advance(4600);

  setup_per_cpu_pageset(k);
  pcpu_pagesets(k);
  advance(220000);

  const layout = kernel_image_layout(image);
  const init_begin = Math.ceil((layout.sdata + image.rwdata) / PAGE_SIZE) * PAGE_SIZE + PAGE_SIZE;
  const smp_locks = init_begin + Math.ceil(image.init / PAGE_SIZE) * PAGE_SIZE;
  free_reserved_area(k, smp_locks, smp_locks + image.smp_alternatives, "SMP alternatives");
  // vfs_caches_init: the dentry and inode tables deferred by hashdist, then mnt_init's.
  vfs_hash_tables(k, hashdist);
  advance(10000);
  // proc_root_init, at the end of start_kernel: the /proc and /sys files (and, with them here,
  // the node devices driver_init registers).
  proc_root_init(k);
  advance(160000);

  // page_alloc_init_late, after smp_init
  const perNode = deferred_init_memmap(k, st, mb, free_core);
  perNode.forEach((n, nid) => {
    if (n) k.log.printk(KERN_INFO, `node ${nid} deferred pages initialised in ${Math.max(1, Math.round(n / 8192))}ms`);
  });
  advance(30000);

  // smp_init's idle tasks; the initcalls' hash tables and the rest of boot's kernel memory.
  idle_tasks(k);
  initcall_hash_tables(k, hashdist);
  boot_vmalloc_areas(k, (mb.memory.regions.length ? sa.below4g : 0) - SEABIOS_HIGH_TABLE_SIZE);

  // postcore_initcall (kernel/ links before mm/, so the DMA pools come first), subsys_initcall
  dma_atomic_pool_init(k);
  init_per_zone_wmark_min(k, cpus);
  // The vm table's page allocator handlers (min_free_kbytes, lowmem_reserve_ratio…).
  page_alloc_sysctl_init(k);
  init_user_reserve(k);
  init_admin_reserve(k);
  const thp = hugepage_init(k, totalram_pages(k));
  // rest_init's kthreadd and the kernel threads of the initcalls, with their pids (kthread.ts);
  // init (pid 1) is user_mode_thread(kernel_init, NULL, CLONE_FS).
  pid_idr_init(k.tasks, cpus);
  copy_process_objects(k, k.tasks.init, CLONE_FS);
  boot_kthreads(k, cpus, k.node_data.length, thp);
  // hugepage_init → start_stop_khugepaged: khugepaged (boot_kthreads made its task) and the
  // raised min_free_kbytes.
  if (thp) start_stop_khugepaged(k);
  // subsys_initcall(hugetlb_init): the hstates, their boot pools, the nr_hugepages effect.
  hugetlb_init(k, params.hugepages ?? []);
  // subsys_initcall(kcompactd_init): the compact_memory sysctl and direct compaction's seams.
  compaction_init(k);
  for (const pfn of gigantic) gather_bootmem_gigantic(k, pfn);
  hugetlb_boot_pools(k, params.hugepages ?? []);
  // module_init(kswapd_init), then the oom_reaper and the block layer's completion work (the
  // first worker of the unbound workqueue pool, number 2 per CPU).
  kswapd_init(k);
  kthread_run(k, { comm: "oom_reaper", pid: 0, next_ns: oom_reaper_next, run: oom_reaper_run });
  kthread_run(k, { comm: `kworker/u${2 * cpus}:0`, pid: 0, irq: true, next_ns: swap_io_next, run: swap_io_run });
  // page_writeback_init and default_bdi_init: ratelimit_pages, the dirty sysctls' effects, the
  // writeback workqueue's worker (the flusher of every disk).
  page_writeback_init(k, `kworker/u${2 * cpus}:1`);
  advance(274000);
  // module_init(workingset_init)
  workingset_init(k, totalram_pages(k));
  advance(106000);

  // rootfs_initcall (populate_rootfs): the initramfs unpacked into the rootfs tmpfs (its pages
  // stay as Shmem), then its memory freed; then kernel_init: free_initmem, mark_rodata_ro.
  populate_rootfs(k, params.initramfs ?? (initrd ? REALKERNEL_INITRAMFS : []));
  drop_caches_init(k);
  if (initrd) {
    free_reserved_area(k, sa.initrd_start, sa.initrd_start + Math.ceil(initrd / PAGE_SIZE) * PAGE_SIZE, "initrd");
    memblock_phys_free(mb, sa.initrd_start, Math.ceil(initrd / PAGE_SIZE) * PAGE_SIZE);
  }
  // late_initcall slab_sysfs_init; what the rest of the kernel holds when user space starts.
  slab_sysfs_init(k);
  boot_topup(k);
  advance(345000);
  free_reserved_area(k, layout.end - image.decrypted_unused, layout.end, "unused decrypted");
  advance(49000);
  free_reserved_area(k, init_begin, init_begin + image.init, "unused kernel image (initmem)");
  advance(2000);
  // __end_rodata_hpage_align: rodata rounded up to 2 MiB; 26624k for Debian's image.
  const rodataHpageEnd = Math.ceil(layout.rodata_end / (2 * MiB)) * 2 * MiB;
  k.log.printk(KERN_INFO, `Write protecting the kernel read-only data: ${(rodataHpageEnd - image.phys_start) / 1024}k`);
  free_reserved_area(k, layout.text_end, layout.rodata_start, "unused kernel image (text/rodata gap)");
  free_reserved_area(k, layout.rodata_end, layout.sdata, "unused kernel image (rodata/data gap)");
  // Early user space: udev loads nd_e820, nd_pmem, dax_pmem and device_dax for the PRAM ranges.
  pmem_legacy_init(k);
  return k;
}

/**
 * The "Memory:" line. `available` is nr_free_pages() at this point, which with
 * CONFIG_DEFERRED_STRUCT_PAGE_INIT counts only the non-deferred part (207548K on every
 * single-node w0 variant); `reserved` is physpages - totalram_pages, where totalram already
 * counts the deferred pages.
 * @kernel mm/page_alloc.c mem_init_print_info
 */
export function mem_init_print_info(k: Kernel, st: mm_init_state, img: KernelImage): void {
  let physpages = 0;
  for (const p of k.node_data) physpages += p.node_present_pages;
  const nr_free = global_zone_page_state(k, NR_FREE_PAGES);
  const kb = (b: number): number => Math.floor(b / 1024);
  k.log.printk(
    KERN_INFO,
    `Memory: ${K(nr_free)}K/${K(physpages)}K available (${kb(img.code)}K kernel code, ${kb(img.rwdata)}K rwdata, ${kb(img.rodata)}K rodata, ${kb(img.init)}K init, ${kb(img.bss)}K bss, ${K(physpages - st.totalram_pages)}K reserved, 0K cma-reserved)`,
  );
}

/**
 * Frees a reserved byte range page by page to the page allocator and counts the pages into the
 * zones' managed pages (adjust_managed_page_count), printing "Freeing <s> memory: NK".
 * @kernel mm/page_alloc.c free_reserved_area, free_reserved_page
 */
export function free_reserved_area(k: Kernel, start: number, end: number, s: string): number {
  const first = Math.ceil(start / PAGE_SIZE);
  const last = PFN_DOWN(end);
  let pages = 0;
  const reserved = F(PG_reserved);
  const mm = k.mem_map;
  for (let pfn = first; pfn < last; pfn++) {
    // free_reserved_page: ClearPageReserved, init_page_count, __free_page (through this CPU's
    // pcp list, where a real boot's freed init memory sits: 2568 pages at 1 GiB in w0-m1024's
    // zoneinfo), adjust_managed_page_count.
    mm.flags[pfn] &= ~reserved;
    mm._refcount[pfn] = 1;
    k.page_zone(pfn)!.managed_pages++;
    __free_pages(k, pfn, 0);
    pages++;
  }
  if (k.mm_init) k.mm_init.totalram_pages += pages;
  if (s) k.log.printk(KERN_INFO, `Freeing ${s} memory: ${K(pages)}K`);
  return pages;
}

