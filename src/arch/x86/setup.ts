/**
 * The memory part of x86-64 setup_arch and of the early start_kernel steps that still allocate
 * from memblock: the e820 map and its edits, memblock population, every boot reservation in the
 * order the kernel makes it (kernel image, first 64 KiB then first 1 MiB, initrd, brk, direct-map
 * page tables, NUMA node data, the sparse memmap, per-cpu areas, boot hash tables, swiotlb), NUMA
 * discovery (SRAT as QEMU builds it, or a faked single node), and the boot-log lines each step
 * prints. Split from kernel/start_kernel.ts so that the steps before the buddy allocator exists
 * can be run and tested on their own.
 * @kernel arch/x86/kernel/setup.c setup_arch, early_reserve_memory, reserve_brk, reserve_initrd
 * @kernel arch/x86/realmode/init.c reserve_real_mode
 * @kernel arch/x86/mm/numa.c numa_init, numa_register_memblks, alloc_node_data, dummy_numa_init
 * @kernel arch/x86/mm/init.c init_mem_mapping
 * @kernel mm/sparse.c sparse_init, sparse_buffer_init
 * @kernel arch/x86/kernel/setup_percpu.c setup_per_cpu_areas
 * @kernel kernel/dma/swiotlb.c swiotlb_init_remap
 * @kernel drivers/acpi/numa/srat.c acpi_numa_memory_affinity_init
 *
 * Every memblock allocation that fails does what its 6.1 caller does: most panic (boot_panic:
 * Machine.boot throws KernelPanic), swiotlb warns and goes on, the per-cpu first chunk falls back
 * to pages; none is ignored.
 *
 * Simplified: ACPI tables live in the e820-reserved top 128 KiB and cost no RAM; small early
 * allocations are lumped (memblock.ts EARLY_SMALL_ALLOCS, BRK_USED); no crashkernel, no KASLR,
 * no memory hotplug, no log buffer growth for many CPUs.
 */
import type { Kernel } from "../../kernel/kernel.js";
import { KERN_INFO, KERN_WARNING } from "../../kernel/printk.js";
import { boot_panic } from "../../kernel/panic.js";
import { pcpu_embed_first_chunk, pcpu_page_first_chunk } from "../../mm/percpu.js";
import {
  BRK_USED,
  EARLY_SMALL_ALLOCS_ANY,
  EARLY_SMALL_ALLOCS_NODE0,
  INIT_PGT_BUF_PAGES,
  IO_TLB_DEFAULT_SIZE,
  IO_TLB_SLOTS_SIZE,
  type KernelImage,
  kernel_image_layout,
  MAX_DMA_ADDRESS,
  Memblock,
  memblock_add,
  memblock_alloc_range_nid,
  memblock_alloc_try_nid,
  memblock_phys_free,
  memblock_reserve,
  memblock_set_node,
  NODE_DATA_SIZE,
  NUMA_NO_NODE,
  SMP_CACHE_BYTES,
  SPARSE_USAGE_PER_EXTRA_NODE,
  STRUCT_PAGE_SIZE,
  for_each_mem_pfn_range,
} from "../../mm/memblock.js";
import { GiB, MiB, PAGE_SHIFT, PAGE_SIZE, PAGES_PER_SECTION } from "../../mm/types.js";
import {
  e820__end_of_low_ram_pfn,
  e820__end_of_ram_pfn,
  e820__print_table,
  e820__update_table,
  memparse,
  parse_memmap_one,
  e820_pram_ranges,
  e820_ram_ranges,
  type e820_table,
  hex10,
  hex18,
  MAX_ARCH_PFN,
  SEABIOS_HIGH_TABLE_SIZE,
  SZ_4G,
  trim_bios_range,
} from "./e820.js";

/** One NUMA node as the firmware (QEMU's SRAT) describes it. */
export interface NumaNodeSpec {
  /** Bytes of RAM in this node (QEMU -numa node,memdev=… of this size). */
  size: number;
  /** CPUs on this node. */
  cpus: number[];
}

/** A SRAT memory affinity entry: [start, end) bytes on node nid. */
export interface SratMemblk {
  start: number;
  end: number;
  nid: number;
}

/**
 * The SRAT QEMU builds for -numa nodes of the given sizes: each node takes the next `size`
 * bytes of guest RAM, which runs below 4 GiB up to `below4g` and continues at 4 GiB; node 0's
 * first entry stops at 640 KiB and resumes at 1 MiB (w0-numa2: Node 0 [0-0x9ffff],
 * [0x100000-0x1fffffff], Node 1 [0x20000000-0x3fffffff]).
 * @kernel hw/i386/acpi-build.c build_srat (QEMU), as Linux's SRAT parser logs it
 */
export function qemu_srat(nodes: NumaNodeSpec[], below4g: number): SratMemblk[] {
  const out: SratMemblk[] = [];
  let offset = 0;
  for (let nid = 0; nid < nodes.length; nid++) {
    let len = nodes[nid].size;
    while (len > 0) {
      let start: number;
      let room: number;
      if (offset < below4g) {
        start = offset;
        room = below4g - offset;
      } else {
        start = SZ_4G + (offset - below4g);
        room = Infinity;
      }
      const take = Math.min(len, room);
      if (start === 0 && take > 0xa0000) {
        out.push({ start: 0, end: 0xa0000, nid });
        out.push({ start: 0x100000, end: take, nid });
      } else out.push({ start, end: start + take, nid });
      offset += take;
      len -= take;
    }
  }
  return out;
}

/** Boot configuration setup_arch needs (a slice of BootParams). */
export interface SetupArchParams {
  e820: e820_table;
  nodes: NumaNodeSpec[];
  /** Whether the firmware gave a SRAT (QEMU -numa): otherwise one node is faked. */
  numa: boolean;
  image: KernelImage;
  initrd: number;
  /** `memmap=` values of the command line, in order (only `nn!ss` is modelled: e820.ts parse_memmap_one). */
  memmap?: readonly string[];
}

/** What setup_arch leaves for the rest of boot. */
export interface SetupArchResult {
  mb: Memblock;
  max_pfn: number;
  /** Where the initrd sits (RAMDISK: […]), 0 size when none. */
  initrd_start: number;
  initrd_size: number;
  /** Sections with a memmap, per node. */
  sections_per_node: number[];
  below4g: number;
}

/** Bytes of RAM below 4 GiB in the e820 map, up to the top of the highest low RAM entry + SeaBIOS tables. */
function below_4g_end(table: e820_table): number {
  let end = 0;
  for (const e of table.entries) if (e.type === 1 && e.addr < SZ_4G) end = Math.max(end, e.addr + e.size);
  return end + SEABIOS_HIGH_TABLE_SIZE;
}

/**
 * setup_arch's memory steps up to (not including) paging_init's free_area_init.
 * Prints the BIOS-e820 table, the e820 edits, last_pfn, RAMDISK, the NUMA lines and NODE_DATA.
 */
export function setup_arch(k: Kernel, p: SetupArchParams, advance: (us: number) => void): SetupArchResult {
  const log = (s: string): void => k.log.printk(KERN_INFO, s);
  const table = p.e820;
  log("BIOS-provided physical RAM map:");
  for (const l of e820__print_table(table, "BIOS-e820")) log(l);
  advance(3250);
  // QEMU placed the initrd by the firmware's map, before the kernel read its command line.
  const fw_below4g = below_4g_end(table);
  // parse_early_param → parse_memmap_opt, then e820__finish_early_params: the user-defined map.
  if (p.memmap !== undefined && p.memmap.length > 0) {
    let userdef = false;
    // parse_memmap_opt: comma-separated values, each parsed on its own, the result ignored (a
    // malformed one is silently dropped); userdef is set once a size parsed, even if the rest is bad
    for (const v of p.memmap.flatMap((x) => x.split(","))) {
      if (memparse(v) !== null) userdef = true;
      parse_memmap_one(table, v);
    }
    if (userdef) {
      e820__update_table(table);
      log("user-defined physical RAM map:");
      for (const l of e820__print_table(table, "user")) log(l);
    }
  }
  for (const l of trim_bios_range(table)) log(l);
  k.e820 = table;
  const max_pfn = e820__end_of_ram_pfn(table);
  advance(1180);
  log(`last_pfn = ${hex(max_pfn)} max_arch_pfn = ${hex(MAX_ARCH_PFN)}`);
  // max_low_pfn: e820_end_pfn prints its line again for the RAM below 4 GiB (an 8 GiB guest's
  // "last_pfn = 0xbffe0").
  if (max_pfn > 2 ** (32 - PAGE_SHIFT)) log(`last_pfn = ${hex(e820__end_of_low_ram_pfn(table))} max_arch_pfn = ${hex(MAX_ARCH_PFN)}`);

  const mb = new Memblock();
  k.memblock = mb;
  for (const r of e820_ram_ranges(table)) memblock_add(mb, r.base, r.size);

  // early_reserve_memory: the kernel image, the first 64 KiB, the initrd the loader placed.
  memblock_reserve(mb, p.image.phys_start, p.image.reserve_size, "kernel image (_text.._end of bss)");
  memblock_reserve(mb, 0, 64 * 1024, "first 64 KiB (BIOS corruption guard)");
  // QEMU loads the initrd at the top of low RAM below its ACPI area (hw/i386/x86.c
  // x86_load_linux): the bzImage sets XLF_CAN_BE_LOADED_ABOVE_4G, so QEMU ignores its 2 GiB
  // initrd_addr_max and takes UINT32_MAX, cut to the RAM below 4 GiB (an 8 GiB guest's
  // "RAMDISK: [mem 0xbfd56000-0xbffdffff]").
  const below4g = fw_below4g;
  const initrd_max = below4g - SEABIOS_HIGH_TABLE_SIZE;
  const initrd_start = p.initrd ? Math.floor((initrd_max - p.initrd) / PAGE_SIZE) * PAGE_SIZE : 0;
  // A machine too small for Debian's ~45 MiB image (loaded at 16 MiB) plus the initrd cannot
  // boot: QEMU refuses an initrd that does not fit below initrd_max, and a kernel whose image
  // runs into the initrd or past RAM dies before printk. Say so, as a configuration error.
  const image_end = p.image.phys_start + p.image.reserve_size;
  const first_free = p.initrd ? initrd_start : below4g;
  if (image_end > first_free || (p.initrd && initrd_start < 0)) {
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
    throw new RangeError(
      `memory too small to boot: the kernel image occupies ${mib(p.image.phys_start)}-${mib(image_end)}` +
        (p.initrd ? ` and the ${mib(p.initrd)} initrd must sit below ${mib(initrd_max)}` : ` but RAM ends at ${mib(below4g)}`) +
        `; give the machine more memory (or initrd: 0)`,
    );
  }
  // memmap=nn!ss over the kernel image or the initrd turns the memory they sit in into PRAM: 6.1
  // would run on (or relocate the initrd) into trouble the model does not follow. A
  // configuration error, like a machine too small to boot.
  for (const r of e820_pram_ranges(table)) {
    const over = (a: number, b: number): boolean => r.base < b && a < r.base + r.size;
    if (over(p.image.phys_start, image_end) || (p.initrd && over(initrd_start, initrd_start + p.initrd)) || over(0, 1 << 20)) {
      throw new RangeError(`memmap=${r.size}!${r.base} (bytes) covers the first MiB, the kernel image (${p.image.phys_start}-${image_end}) or the initrd (${initrd_start}-${initrd_start + p.initrd}): the model cannot boot with it`);
    }
  }
  if (p.initrd) memblock_reserve(mb, initrd_start, Math.ceil(p.initrd / PAGE_SIZE) * PAGE_SIZE, "initrd");
  // reserve_brk: the used part of the brk area right after the image.
  const layout = kernel_image_layout(p.image);
  memblock_reserve(mb, layout.end, BRK_USED, "brk (early page tables, dmi)");
  // reserve_real_mode: the trampoline goes below 1 MiB and the whole first MiB is reserved.
  memblock_reserve(mb, 0, 1024 * 1024, "first 1 MiB (real-mode trampoline, BIOS)");

  // init_mem_mapping: the direct map's page tables, from brk's pgt_buf while it lasts, then from
  // memblock (an 8 GiB guest: three pages at the top of RAM, 0x23fffd000-0x23fffffff).
  const mapped = max_pfn * PAGE_SIZE;
  init_mem_mapping(k, mb, mapped, layout.end);
  mb.current_limit = mapped;
  advance(15300);
  if (p.initrd) log(`RAMDISK: [mem ${hex10(initrd_start)}-${hex10(initrd_start + Math.ceil(p.initrd / PAGE_SIZE) * PAGE_SIZE - 1)}]`);
  advance(3200);

  // initmem_init → x86_numa_init
  const nrNodes = p.numa ? p.nodes.length : 1;
  if (p.numa) {
    const srat = qemu_srat(p.nodes, below4g);
    for (let nid = 0; nid < p.nodes.length; nid++)
      for (const c of p.nodes[nid].cpus) log(`SRAT: PXM ${nid} -> APIC ${"0x" + c.toString(16).padStart(2, "0")} -> Node ${nid}`);
    for (const m of srat) log(`ACPI: SRAT: Node ${m.nid} PXM ${m.nid} [mem ${hex10(m.start)}-${hex10(m.end - 1)}]`);
    // numa_cleanup_meminfo merges a node's blocks when no other node lies between them.
    const merged: SratMemblk[] = [];
    for (const m of srat) {
      const last = merged[merged.length - 1];
      if (last && last.nid === m.nid) {
        log(`NUMA: Node ${m.nid} [mem ${hex10(last.start)}-${hex10(last.end - 1)}] + [mem ${hex10(m.start)}-${hex10(m.end - 1)}] -> [mem ${hex10(last.start)}-${hex10(m.end - 1)}]`);
        last.end = m.end;
      } else merged.push({ ...m });
    }
    for (const m of merged) memblock_set_node(mb, m.start, m.end - m.start, m.nid);
  } else {
    log("No NUMA configuration found");
    log(`Faking a node at [mem ${hex18(0)}-${hex18(max_pfn * PAGE_SIZE - 1)}]`);
    memblock_set_node(mb, 0, Number.MAX_SAFE_INTEGER, 0);
  }
  for (let nid = 0; nid < nrNodes; nid++) {
    const pa = memblock_alloc_range_nid(mb, NODE_DATA_SIZE, SMP_CACHE_BYTES, 0, 0, nid, false, `NODE_DATA(${nid})`);
    // Simplified: 6.1's alloc_node_data only logs this and returns, and boot dies at the first
    // use of the missing node data; the model stops here.
    if (pa < 0) boot_panic(k, `Cannot find ${NODE_DATA_SIZE} bytes in any node (initial node: ${nid})`);
    log(`NODE_DATA(${nid}) allocated [mem ${hex10(pa)}-${hex10(pa + NODE_DATA_SIZE - 1)}]`);
  }
  advance(3900);

  // paging_init → sparse_init: each node's memmap in one 2 MiB-aligned buffer, 2 MiB per
  // present section; the mem_section roots and other small allocations; vmemmap page tables
  // beyond the first PMD/PUD pages; one usemap page per extra node.
  const sections_per_node = new Array<number>(nrNodes).fill(0);
  for (let nid = 0; nid < nrNodes; nid++) {
    const secs = new Set<number>();
    for (const r of for_each_mem_pfn_range(mb, nid))
      for (let s = Math.floor(r.start / PAGES_PER_SECTION); s <= Math.floor((r.end - 1) / PAGES_PER_SECTION); s++) secs.add(s);
    sections_per_node[nid] = secs.size;
  }
  // memblock_alloc's callers panic when it fails ("%s: Failed to allocate %lu bytes align=0x%lx").
  const alloc = (size: number, nid: number, what: string, caller: string): void => {
    if (memblock_alloc_try_nid(mb, size, PAGE_SIZE, nid, what) < 0) boot_panic(k, `${caller}: Failed to allocate ${size} bytes align=0x${PAGE_SIZE.toString(16)} nid=${nid}`);
  };
  alloc(EARLY_SMALL_ALLOCS_NODE0, 0, "small node-0 allocations (mem_section root, vmemmap tables, usemap)", "sparse_index_alloc");
  alloc(EARLY_SMALL_ALLOCS_ANY, NUMA_NO_NODE, "small early allocations (command line, e820 resources, percpu/ACPI metadata)", "memblock_alloc");
  const vmemmapBytes = max_pfn * STRUCT_PAGE_SIZE;
  const extraVmemmapPt = Math.ceil(vmemmapBytes / GiB) - 1 + Math.ceil(max_pfn / (PAGES_PER_SECTION * 256)) - 1;
  if (extraVmemmapPt > 0) alloc(extraVmemmapPt * PAGE_SIZE, 0, "vmemmap page tables, mem_section roots", "vmemmap_alloc_block");
  for (let nid = 0; nid < nrNodes; nid++) {
    if (nid > 0) alloc(SPARSE_USAGE_PER_EXTRA_NODE, nid, `usemap node ${nid}`, "sparse_init_nid");
    const size = sections_per_node[nid] * PAGES_PER_SECTION * STRUCT_PAGE_SIZE;
    // Simplified: when the node's memmap buffer does not fit, 6.1 tries each section alone and
    // marks the ones that still do not fit absent ("memory map backing failed. Some memory will
    // not be available."); the model stops with that message.
    // memmap_alloc → memblock_alloc_internal: above MAX_DMA_ADDRESS, else anywhere in the node.
    if (size && memblock_alloc_range_nid(mb, size, 2 * MiB, MAX_DMA_ADDRESS, 0, nid, true, `memmap node ${nid}`) < 0 && memblock_alloc_range_nid(mb, size, 2 * MiB, 0, 0, nid, true, `memmap node ${nid}`) < 0)
      boot_panic(k, `sparse_init_nid: node[${nid}] memory map backing failed. Some memory will not be available.`);
  }
  return { mb, max_pfn, initrd_start, initrd_size: p.initrd, sections_per_node, below4g };
}

const PMD_SIZE = 2 * MiB;
const PUD_SIZE = GiB;
const P4D_SIZE = 512 * GiB;
/** ISA_END_ADDRESS: the first 1 MiB, always mapped. */
const ISA_END_ADDRESS = 0x100000;

/**
 * init_mem_mapping: map all RAM into the direct map with 2 MiB pages (qemu64 has no 1 GiB
 * pages) and 4 KiB pages at the 2 MiB-unaligned edges of each RAM range, top down in growing
 * steps (memory_map_top_down), taking each new page-table page from brk's pgt_buf (6 pages)
 * unless the range being mapped holds pgt_buf itself or the buffer is used up, else from memblock
 * within what is already mapped (alloc_low_pages). init_top_pgt's static level3_ident_pgt (the
 * first 512 GiB) and level2_ident_pgt (the first GiB) need no allocation (CONFIG_XEN_PV=y).
 * Worked numbers, 8 GiB (RAM [1M, 3G - 128K) and [4G, 9G)): the ISA map's PTE page and GiB 8's
 * PMD from brk; then [1M, 3G - 128K) holds pgt_buf, so GiB 1 and 2's PMDs and the PTE page of
 * its 4 KiB tail come from memblock (the real guest's three pages at 0x23fffd000); GiB 4–7's
 * PMDs use up brk. A 2 GiB guest needs 4 pages, all from brk.
 * @kernel arch/x86/mm/init.c init_mem_mapping, memory_map_top_down, init_range_memory_mapping,
 *   init_memory_mapping, split_mem_range, alloc_low_pages, get_new_step_size
 * @kernel arch/x86/mm/init_64.c kernel_physical_mapping_init, phys_pud_init, phys_pmd_init
 */
function init_mem_mapping(k: Kernel, mb: Memblock, end: number, pgt_buf_start: number): void {
  const pgt_buf_top = pgt_buf_start + INIT_PGT_BUF_PAGES * PAGE_SIZE;
  let pgt_buf_end = pgt_buf_start;
  let can_use_brk_pgt = true;
  let min_pfn_mapped = 0;
  let max_pfn_mapped = 0;
  const puds = new Set<number>([0]); // 512 GiB slots with a PUD table
  const pmds = new Set<number>([0]); // GiBs with a PMD table
  const ptes = new Set<number>(); // 2 MiB regions mapped through a PTE table
  const alloc_low_page = (): void => {
    if (pgt_buf_end + PAGE_SIZE > pgt_buf_top || !can_use_brk_pgt) {
      let ret = -1;
      if (min_pfn_mapped < max_pfn_mapped)
        ret = memblock_alloc_range_nid(mb, PAGE_SIZE, PAGE_SIZE, min_pfn_mapped * PAGE_SIZE, max_pfn_mapped * PAGE_SIZE, NUMA_NO_NODE, false, "direct-map page tables");
      // Simplified: extend_brk past pgt_buf is not modelled (brk's reservation is calibrated).
      if (ret < 0 && !can_use_brk_pgt) boot_panic(k, "alloc_low_pages: can not alloc memory");
    } else pgt_buf_end += PAGE_SIZE;
  };
  // kernel_physical_mapping_init of [start, end) with one page size: each missing PUD, then
  // PMD, then (4 KiB pages) PTE table, in address order.
  const map = (start: number, stop: number, small: boolean): void => {
    for (let a = start; a < stop; ) {
      if (!puds.has(Math.floor(a / P4D_SIZE))) {
        puds.add(Math.floor(a / P4D_SIZE));
        alloc_low_page();
      }
      if (!pmds.has(Math.floor(a / PUD_SIZE))) {
        pmds.add(Math.floor(a / PUD_SIZE));
        alloc_low_page();
      }
      const gibEnd = Math.min(stop, (Math.floor(a / PUD_SIZE) + 1) * PUD_SIZE);
      if (small) {
        for (let b = a; b < gibEnd; b = (Math.floor(b / PMD_SIZE) + 1) * PMD_SIZE) {
          if (!ptes.has(Math.floor(b / PMD_SIZE))) {
            ptes.add(Math.floor(b / PMD_SIZE));
            alloc_low_page();
          }
        }
      }
      a = gibEnd;
    }
  };
  // init_memory_mapping: split_mem_range's 4 KiB head, 2 MiB middle and 4 KiB tail.
  const init_memory_mapping = (start: number, stop: number): void => {
    const headEnd = Math.min(stop, Math.ceil(start / PMD_SIZE) * PMD_SIZE);
    const midEnd = Math.max(headEnd, Math.floor(stop / PMD_SIZE) * PMD_SIZE);
    if (start < headEnd) map(start, headEnd, true);
    if (headEnd < midEnd) map(headEnd, midEnd, false);
    if (midEnd < stop) map(midEnd, stop, true);
    max_pfn_mapped = Math.max(max_pfn_mapped, stop / PAGE_SIZE);
  };
  const init_range_memory_mapping = (r_start: number, r_end: number): number => {
    let mapped_ram_size = 0;
    for (const r of for_each_mem_pfn_range(mb)) {
      const start = Math.min(Math.max(r.start * PAGE_SIZE, r_start), r_end);
      const stop = Math.min(Math.max(r.end * PAGE_SIZE, r_start), r_end);
      if (start >= stop) continue;
      // A range holding pgt_buf itself takes its tables from memblock.
      can_use_brk_pgt = Math.max(start, pgt_buf_end) >= Math.min(stop, pgt_buf_top);
      init_memory_mapping(start, stop);
      mapped_ram_size += stop - start;
      can_use_brk_pgt = true;
    }
    return mapped_ram_size;
  };

  // The ISA range is always mapped regardless of memory holes.
  init_memory_mapping(0, ISA_END_ADDRESS);
  // memory_map_top_down(ISA_END_ADDRESS, end): start at the top-most free 2 MiB block.
  const probe = memblock_alloc_range_nid(mb, PMD_SIZE, PMD_SIZE, ISA_END_ADDRESS, end, NUMA_NO_NODE, false, "init_mem_mapping probe");
  if (probe < 0) boot_panic(k, "alloc_low_pages: can not alloc memory");
  memblock_phys_free(mb, probe, PMD_SIZE);
  const real_end = probe + PMD_SIZE;
  let step_size = PMD_SIZE;
  max_pfn_mapped = 0;
  min_pfn_mapped = real_end / PAGE_SIZE;
  let last_start = real_end;
  let mapped_ram_size = 0;
  while (last_start > ISA_END_ADDRESS) {
    let start: number;
    if (last_start > step_size) start = Math.max(ISA_END_ADDRESS, Math.floor((last_start - 1) / step_size) * step_size);
    else start = ISA_END_ADDRESS;
    mapped_ram_size += init_range_memory_mapping(start, last_start);
    last_start = start;
    min_pfn_mapped = last_start / PAGE_SIZE;
    // get_new_step_size: step_size << (PMD_SHIFT - PAGE_SHIFT - 1)
    if (mapped_ram_size >= step_size) step_size *= 256;
  }
  if (real_end < end) init_range_memory_mapping(real_end, end);
}

/**
 * The per-cpu first chunk (mm/percpu.ts): embedded in 2 MiB atoms, one allocation per node's
 * CPUs (pcpu_embed_first_chunk); when that does not fit in memblock, "auto allocator failed
 * (-12), falling back to page size" and 4 KiB pages one by one (pcpu_page_first_chunk); when
 * those do not fit either, panic.
 * @kernel arch/x86/kernel/setup_percpu.c setup_per_cpu_areas
 */
export function setup_per_cpu_areas(k: Kernel, mb: Memblock, cpuNodes: number[], nrNodes: number): void {
  const ncpu = cpuNodes.length;
  k.log.printk(KERN_INFO, `setup_percpu: NR_CPUS:8192 nr_cpumask_bits:${ncpu} nr_cpu_ids:${ncpu} nr_node_ids:${nrNodes}`);
  let rc = pcpu_embed_first_chunk(k, mb, cpuNodes);
  if (rc < 0) {
    k.log.printk(KERN_WARNING, `setup_percpu: auto allocator failed (${rc}), falling back to page size`);
    rc = pcpu_page_first_chunk(k, mb, cpuNodes);
  }
  if (rc < 0) boot_panic(k, `cannot initialize percpu area (err=${rc})`);
}

/**
 * swiotlb's bounce buffer, set up by mem_init on machines with memory above 4 GiB (devices that
 * can only DMA below 4 GiB bounce through it): 64 MiB below 4 GiB plus its slot array.
 * @kernel arch/x86/kernel/pci-dma.c pci_iommu_alloc, pci_swiotlb_detect
 * @kernel kernel/dma/swiotlb.c swiotlb_init_remap, swiotlb_print_info
 */
export function swiotlb_init(k: Kernel, mb: Memblock): void {
  const base = memblock_alloc_range_nid(mb, IO_TLB_DEFAULT_SIZE, PAGE_SIZE, 0, SZ_4G, NUMA_NO_NODE, false, "swiotlb buffer");
  if (base < 0) {
    k.log.printk(KERN_WARNING, "software IO TLB: swiotlb_init_remap: failed to allocate tlb structure");
    return;
  }
  if (memblock_alloc_try_nid(mb, IO_TLB_SLOTS_SIZE, PAGE_SIZE, NUMA_NO_NODE, "swiotlb slots") < 0)
    boot_panic(k, `swiotlb_init_remap: Failed to allocate ${IO_TLB_SLOTS_SIZE} bytes align=0x${PAGE_SIZE.toString(16)}`);
  k.log.printk(KERN_INFO, `software IO TLB: mapped [mem ${hex18(base)}-${hex18(base + IO_TLB_DEFAULT_SIZE)}] (64MB)`);
}

function hex(x: number): string {
  return "0x" + x.toString(16);
}
