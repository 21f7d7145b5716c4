/**
 * Legacy persistent memory as device-dax: what a machine booted with `memmap=512M!1G` shows once
 * its pmem range is a devdax namespace (`ndctl create-namespace -m devdax -M mem -a 4K`, whose
 * info block on the media makes every later boot come up the same way):
 *
 *   e820 PRAM entry → arch/x86/kernel/pmem.c registers the "e820_pmem" platform device →
 *   nd_e820 makes one region per "Persistent Memory (legacy)" resource → the namespace's pfn
 *   info block (nd_pfn_init: the data start aligned to memremap_compat_align, 2 MiB, past the 8 KiB
 *   info block: offset 2 MiB) → dax_pmem makes dax region N with the data range and a static
 *   dev_pagemap over the whole namespace (MEMORY_DEVICE_GENERIC; -M mem: struct pages in RAM) →
 *   device_dax's dev_dax_probe → devm_memremap_pages (mm/memremap.ts) → /dev/daxN.0.
 *
 * So memmap=512M!1G gives /dev/dax0.0 of 510 MiB (the first 2 MiB are the info block and
 * padding), whose page offset p is physical address 1 GiB + 2 MiB + p × 4 KiB
 * (dax_pgoff_to_phys), and ZONE_DEVICE spans all 131072 pages of the namespace.
 *
 * mmap (dax_mmap): only shared mappings (check_vma: a private one is -EINVAL with "fail, attempted
 * private mapping" in the log), aligned to the device's alignment; the VMA gets VM_HUGEPAGE and
 * nothing else (no VM_PFNMAP/VM_MIXEDMAP/VM_IO: smaps VmFlags `rd wr sh mr mw me ms hg`).
 * A fault (dev_dax_huge_fault → __dev_dax_pte_fault) maps the pfn with vmf_insert_mixed — a devmap
 * PTE, no reference, no LRU, no page cache, no memcg charge, no rss (vm_normal_page is NULL for
 * it, so smaps Rss and status VmRSS stay 0) — and dax_set_mapping points the page's mapping and
 * index at the file, as memory-failure needs. munmap and exit clear the PTEs and free nothing.
 *
 * Simplified: alignment 4 KiB only (`-a 4K`: no PMD or PUD faults; 6.1's default 2 MiB would map
 * 2 MiB at a time through __dev_dax_pmd_fault); the modules are bound at the end of boot, as udev's
 * autoload would do early in user space, with no log lines but memmap_init_zone_device's (the
 * real ones of nd_pmem/dax_pmem were not captured); a PRAM range not 2 MiB aligned gets no device
 * (ndctl would refuse to create the namespace; raw /dev/pmemN, a block device, is not modelled);
 * /dev/daxN.0 is a node of the rootfs, not of devtmpfs; no daxctl reconfigure-device
 * (dev_dax_kmem, system-ram mode); no /proc/iomem, no /sys/bus/dax.
 * @kernel drivers/dax/device.c dax_mmap, check_vma, dev_dax_huge_fault, __dev_dax_pte_fault,
 *   dax_pgoff_to_phys, dax_set_mapping, dev_dax_probe
 * @kernel drivers/dax/pmem.c __dax_pmem_probe
 * @kernel drivers/nvdimm/pfn_devs.c nd_pfn_init
 * @kernel drivers/nvdimm/e820.c e820_pmem_probe
 * @kernel arch/x86/kernel/pmem.c register_e820_pmem
 */
import { e820_pram_ranges } from "../../arch/x86/e820.js";
import { S_IFCHR, S_IFMT, S_IFREG, type file, type file_operations, type inode } from "../../fs/fs.js";
import { mkdir_p, vfs_create } from "../../fs/namei.js";
import type { Kernel } from "../../kernel/kernel.js";
import { KERN_ERR, KERN_INFO } from "../../kernel/printk.js";
import { vmf_insert_mixed, type vm_fault } from "../../mm/memory.js";
import { dev_pagemap, MEMORY_DEVICE_GENERIC, memremap_pages, SUBSECTION_SIZE } from "../../mm/memremap.js";
import { VM_HUGEPAGE, VM_MAYSHARE, type vm_area_struct } from "../../mm/mm_types.js";
import { PAGE_SIZE } from "../../mm/types.js";

const EINVAL = -22;
/** VM_FAULT_SIGBUS. */
const VM_FAULT_SIGBUS = 0x000002;
/** The pfn info block at the start of a namespace (SZ_8K), padded to memremap_compat_align. */
const PFN_INFO_SIZE = 8 * 1024;

/** One device-dax instance: /dev/daxN.0 over the data range of region N. */
export class dev_dax {
  constructor(
    /** N of daxN.0 (the region id). */
    readonly id: number,
    /** The data range's physical start (the namespace start + the 2 MiB offset) and size. */
    readonly phys_start: number,
    readonly size: number,
    /** dev_dax->align: the mapping and fault granule (4 KiB in the model). */
    readonly align: number,
    readonly pgmap: dev_pagemap,
    /** The device node's path, /dev/daxN.0. */
    readonly path: string,
  ) {}
  get name(): string {
    return `dax${this.id}.0`;
  }
}

/** The dev_dax behind a file opened on a /dev/daxN.0 node. */
function dax_of(k: Kernel, f: file): dev_dax | undefined {
  return k.dev_daxes.find((d) => d.path === f.f_path);
}

/**
 * dax_pgoff_to_phys: the physical address of page offset `pgoff` (for `size` bytes), or -1 past the
 * device's end. One range per device in the model.
 */
export function dax_pgoff_to_phys(dev: dev_dax, pgoff: number, size: number): number {
  const phys = pgoff * PAGE_SIZE;
  if (phys + size > dev.size) return -1;
  return dev.phys_start + phys;
}

/**
 * check_vma: a live device, a shared mapping (VM_MAYSHARE), ends aligned to the device's
 * alignment. 0 or -EINVAL (with the kernel's rate-limited info line).
 */
function check_vma(k: Kernel, dev: dev_dax, vma: vm_area_struct, func: string): number {
  if ((vma.vm_flags & VM_MAYSHARE) !== VM_MAYSHARE) {
    k.log.printk(KERN_INFO, `device_dax ${dev.name}: ${k.currentComm}: ${func}: fail, attempted private mapping`);
    return EINVAL;
  }
  const mask = dev.align - 1;
  if (vma.vm_start % dev.align !== 0 || vma.vm_end % dev.align !== 0) {
    k.log.printk(KERN_INFO, `device_dax ${dev.name}: ${k.currentComm}: ${func}: fail, unaligned vma (0x${vma.vm_start.toString(16)} - 0x${vma.vm_end.toString(16)}, 0x${mask.toString(16)})`);
    return EINVAL;
  }
  return 0;
}

/** dax_mmap: check_vma, then dax_vm_ops and VM_HUGEPAGE. */
function dax_mmap(f: file, vma: vm_area_struct, k: Kernel): number {
  const dev = dax_of(k, f);
  if (dev === undefined) return -6; // -ENXIO: !dax_alive
  const rc = check_vma(k, dev, vma, "dax_mmap");
  if (rc) return rc;
  vma.vm_flags |= VM_HUGEPAGE;
  return 0;
}

/**
 * dev_dax_huge_fault(PE_SIZE_PTE) → __dev_dax_pte_fault: the pfn of the faulting page offset,
 * mapped by vmf_insert_mixed, then dax_set_mapping. SIGBUS past the device's end.
 */
function dev_dax_fault(k: Kernel, vmf: vm_fault): number {
  const f = vmf.vma.vm_file as file;
  const dev = dax_of(k, f);
  if (dev === undefined || check_vma(k, dev, vmf.vma, "__dev_dax_pte_fault")) return VM_FAULT_SIGBUS;
  const phys = dax_pgoff_to_phys(dev, vmf.pgoff, PAGE_SIZE);
  if (phys === -1) return VM_FAULT_SIGBUS;
  const pfn = phys / PAGE_SIZE;
  const ret = vmf_insert_mixed(k, vmf.vma, vmf.pte, pfn);
  // dax_set_mapping: the page remembers the file and offset it is mapped at (first mapping wins).
  const mem = k.mem_map;
  if (mem.mapping[pfn] === 0) {
    mem.mapping[pfn] = f.f_mapping.id;
    mem.index[pfn] = vmf.pgoff;
  }
  return ret;
}

/** device_dax's file operations (drivers/dax/device.c dax_fops). */
export const dax_fops: file_operations = Object.freeze({ name: "dax", mmap: dax_mmap, fault: dev_dax_fault });

/**
 * The pmem modules' probe for every PRAM entry of the e820 map, in address order: region N,
 * its devdax namespace, memremap_pages, /dev/daxN.0. A range the chain cannot take is logged and
 * skipped (see the header).
 */
export function pmem_legacy_init(k: Kernel): void {
  if (k.e820 === null) return;
  let id = 0;
  for (const r of e820_pram_ranges(k.e820)) {
    const region = id++;
    // nd_pfn_init: start aligned to memremap_compat_align, data after the info block.
    // (ndctl create-namespace refuses such a range, so it never has a devdax info block)
    if (r.base % SUBSECTION_SIZE !== 0 || r.size % SUBSECTION_SIZE !== 0 || r.size <= SUBSECTION_SIZE) continue;
    const offset = Math.ceil((r.base + PFN_INFO_SIZE) / SUBSECTION_SIZE) * SUBSECTION_SIZE - r.base;
    const pgmap = new dev_pagemap(k.dev_pagemaps.length + 1, r.base, r.base + r.size, MEMORY_DEVICE_GENERIC, 0);
    const rc = memremap_pages(k, pgmap);
    if (rc) {
      // call_driver_probe's report of dev_dax_probe's error
      k.log.printk(KERN_ERR, `device_dax dax${region}.0: probe with driver device_dax failed with error ${rc}`);
      continue;
    }
    const path = `/dev/dax${region}.0`;
    const dev = new dev_dax(region, r.base + offset, r.size - offset, PAGE_SIZE, pgmap, path);
    if (make_dax_node(k, path) < 0) continue;
    k.dev_daxes.push(dev);
  }
}

/** The character device node /dev/daxN.0 (mode 0600, major 252 minor N as a dynamic major). */
function make_dax_node(k: Kernel, path: string): number {
  const dir = mkdir_p(k, "/dev");
  if (typeof dir === "number") return dir;
  const d = vfs_create(k, dir, path.slice("/dev/".length), S_IFREG | 0o600);
  if (typeof d === "number") return d;
  const ino = d.d_inode as inode;
  ino.i_mode = (ino.i_mode & ~S_IFMT) | S_IFCHR;
  ino.i_fop = dax_fops;
  return 0;
}
