/**
 * The kernel's own memory after boot, beyond what the model's mechanisms allocate for
 * themselves: what the rest of a real 6.1 kernel (drivers, sysfs and kernfs, ACPI, networking,
 * crypto, BPF, the initramfs' shell) holds when user space starts, derived from the real kernel's
 * own numbers (test/realkernel/data/sl-boot-*, whose sizes and CPU counts they are scaled
 * between) and placed where the kernel places it:
 *
 * - the slab caches 6.1 creates at boot, in its order, with their geometry (slab_boot.ts), and
 *   each cache topped up to the objects it holds after boot (BOOT_OBJECTS: with 1, 2 and 4 CPUs,
 *   a second node, and per 128 MiB memory block for kernfs' nodes), less what the model's own
 *   tasks, mms and VMAs already took from it;
 * - kmalloc allocations above 8 KiB (counted in Slab, in no cache);
 * - the boot hash tables alloc_large_system_hash sizes from memory (dentry and inode early from
 *   memblock; mount, futex, IP, TCP, MPTCP and UDP from the page allocator, or vmalloc when
 *   hashdist spreads them over NUMA nodes);
 * - the vmalloc, vmap and ioremap areas of boot that the model's mechanisms do not make (each
 *   CPU's IRQ stack, ACPI and HPET mappings, BPF's JIT pack, the compression scratch buffers),
 *   with the call sites /proc/vmallocinfo names;
 * - the rest of the per-CPU allocator's dynamic area (the first chunk's 28 KiB full, three
 *   pages of a second chunk populated: Percpu is 65 pages per CPU in every capture).
 *
 * The unpacked initramfs is not here: fs/initramfs.ts unpacks it into the rootfs tmpfs
 * (populate_rootfs, before boot_topup), as Shmem and Cached.
 *
 * Simplified: the objects stand for allocations whose owners the model does not have; they are
 * never freed (the kernel's boot dentries and inodes stay pinned through drop_caches too:
 * sl-dcache). The counts are interpolated between the captured CPU counts and extrapolated
 * linearly beyond four CPUs. The order of /proc/vmallocinfo's lines differs from a real boot's,
 * where kernel stacks interleave with the rest.
 * @kernel init/main.c start_kernel, kernel_init_freeable, do_initcalls
 * @kernel arch/x86/kernel/irq_64.c irq_init_percpu_irqstack
 * @kernel drivers/acpi/osl.c acpi_os_map_iomem
 * @kernel kernel/bpf/core.c bpf_prog_pack_alloc, bpf_prog_alloc_no_stats
 * @kernel crypto/scompress.c crypto_scomp_init_tfm
 * @kernel fs/namespace.c mnt_init
 * @kernel kernel/futex/core.c futex_init
 * @kernel net/ipv4/tcp.c tcp_init
 */
import { GFP_ATOMIC, GFP_KERNEL, GFP_NOWAIT, __GFP_DMA, __GFP_DMA32, __GFP_NOWARN, __GFP_ZERO, show_gfp_flags } from "../mm/gfp.js";
import { ZONE_DMA } from "../mm/mmzone.js";
import { alloc_large_system_hash, HASH_ZERO } from "../mm/mm_init.js";
import { __alloc_pages, __free_pages, alloc_pages, split_page, totalram_pages } from "../mm/page_alloc.js";
import { global_zone_page_state } from "../mm/vmstat.js";
import { NR_FREE_PAGES } from "../mm/vmstat_items.js";
import { pcpu_alloc, __alloc_percpu } from "../mm/percpu.js";
import { BOOT_CACHES, BOOT_KMALLOC_LARGE_PAGES, BOOT_OBJECTS } from "../mm/slab_boot.js";
import { SLAB_PANIC, type kmem_cache } from "../mm/slab.js";
import { kmalloc, kmem_cache_alloc, kmem_cache_create } from "../mm/slab_common.js";
import { get_order, get_slabinfo } from "../mm/slub.js";
import { MAX_ORDER, MAX_ORDER_NR_PAGES, NO_PFN, PAGE_SIZE, PAGES_PER_SECTION } from "../mm/types.js";
import { __vmalloc, module_alloc, VM_IOREMAP, VM_MAP, vmap_range, vmalloc } from "../mm/vmalloc.js";
import { KERN_INFO } from "./printk.js";
import { copy_process_objects, CLONE_VM } from "./fork.js";
import type { Kernel } from "./kernel.js";
import { task_struct } from "./sched.js";

/**
 * Creates the boot caches in 6.1's order and finds the ones the model's objects come from.
 * @kernel mm/slab_common.c kmem_cache_create
 */
export function boot_caches_init(k: Kernel): void {
  for (const [name, size, flags, ctor, usersize] of BOOT_CACHES) {
    kmem_cache_create(k, name, { size, flags: flags | SLAB_PANIC, ctor, usersize });
  }
  const find = (name: string): kmem_cache => {
    for (const s of k.slab.slab_caches) if (s.alias_names.includes(name)) return s;
    throw new Error(`boot cache ${name} missing`);
  };
  const c = k.slab.cachep;
  c.vmap_area_cachep = find("vmap_area");
  c.mm_cachep = find("mm_struct");
  c.maple_node_cache = find("maple_node");
  c.radix_tree_node_cachep = find("radix_tree_node");
  c.bh_cachep = find("buffer_head");
  c.task_struct_cachep = find("task_struct");
  c.vm_area_cachep = find("vm_area_struct");
  c.anon_vma_cachep = find("anon_vma");
  c.anon_vma_chain_cachep = find("anon_vma_chain");
  c.sighand_cachep = find("sighand_cache");
  c.signal_cachep = find("signal_cache");
  c.files_cachep = find("files_cache");
  c.fs_cachep = find("fs_cache");
  c.cred_jar = find("cred_jar");
  c.pid_cachep = find("pid");
  c.names_cachep = find("names_cache");
  c.dentry_cache = find("dentry");
  c.inode_cachep = find("inode_cache");
  c.shmem_inode_cachep = find("shmem_inode_cache");
  c.lsm_inode_cache = find("lsm_inode_cache");
  c.filp_cachep = find("filp");
}

/**
 * Room for the stand-ins: true while more than a third of the machine's memory is free. Every
 * captured machine ends boot with over 70% free, so this never binds there; on a machine far
 * smaller than its CPU count (sim/config.ts admits 84M with 16 CPUs, 256M with 256) the
 * per-CPU stand-ins (the compression buffers, 264 KiB a CPU) and the rootfs stop short rather
 * than leave the machine no memory to run anything.
 * Simplified: the real kernel's footprint there was not captured.
 */
function standin_room(k: Kernel): boolean {
  return global_zone_page_state(k, NR_FREE_PAGES) > totalram_pages(k) / 3;
}

/** A value at `cpus` from the captured 1, 2 and 4 CPU values: linear between, the 2→4 slope beyond. */
function interp(c1: number, c2: number, c4: number, cpus: number): number {
  if (cpus <= 1) return c1;
  if (cpus <= 2) return c2;
  if (cpus <= 4) return c2 + ((c4 - c2) * (cpus - 2)) / 2;
  return c4 + ((c4 - c2) * (cpus - 4)) / 2;
}

/** The machine's 128 MiB memory blocks (each a /sys/devices/system/memory/memoryN directory). */
function nr_memory_blocks(k: Kernel): number {
  let present = 0;
  for (const p of k.node_data) present += p.node_present_pages;
  return Math.ceil(present / PAGES_PER_SECTION);
}

/**
 * The per-CPU structures of the page allocator: each zone's pageset and zone stats, each node's
 * node stats (struct per_cpu_pages with its 13 list heads; per_cpu_zonestat; per_cpu_nodestat).
 * @kernel mm/page_alloc.c setup_zone_pageset, setup_per_cpu_pageset
 */
export function pcpu_pagesets(k: Kernel): void {
  for (const z of k.zones) {
    if (!z.managed_zone()) continue;
    __alloc_percpu(k, 232, 8);
    __alloc_percpu(k, 64, 8);
  }
  for (let i = 0; i < k.node_data.length; i++) __alloc_percpu(k, 48, 8);
}

/**
 * A later boot hash table's memory: vmalloc under hashdist, else the page allocator's exact
 * pages (the order's block split, its unused tail given back). @kernel mm/page_alloc.c alloc_pages_exact
 */
function hash_memory(k: Kernel): { memblock(b: number): boolean; vmalloc(b: number): boolean; pages(b: number): boolean } {
  return {
    memblock: () => false,
    // GFP_ATOMIC, as alloc_large_system_hash's: no reclaim, no OOM kill; a table that does not
    // fit is halved (4096 CPUs' futex table, 64 MiB, on a small machine).
    vmalloc: (bytes) => __vmalloc(k, bytes, GFP_ATOMIC | __GFP_ZERO, "alloc_large_system_hash+0x197/0x27c") !== 0,
    pages: (bytes) => {
      const order = get_order(bytes);
      const pfn = __alloc_pages(k, GFP_ATOMIC | __GFP_ZERO, order, 0, null);
      if (pfn === NO_PFN) return false;
      if (order) split_page(k, pfn, order);
      const used = Math.ceil(bytes / PAGE_SIZE);
      for (let i = used; i < 2 ** order; i++) __free_pages(k, pfn + i, 0);
      return true;
    },
  };
}

/**
 * vfs_caches_init's tables: dentry and inode hashes when hashdist deferred them from
 * vfs_caches_init_early, then the mount and mountpoint hashes (mnt_init).
 * @kernel fs/dcache.c dcache_init
 * @kernel fs/inode.c inode_init
 * @kernel fs/namespace.c mnt_init
 */
export function vfs_hash_tables(k: Kernel, hashdist: boolean): void {
  const mem = hash_memory(k);
  if (hashdist) {
    alloc_large_system_hash(k, "Dentry cache", 8, 0, 13, HASH_ZERO, 0, 0, mem, hashdist);
    alloc_large_system_hash(k, "Inode-cache", 8, 0, 14, HASH_ZERO, 0, 0, mem, hashdist);
  }
  alloc_large_system_hash(k, "Mount-cache", 8, 0, 19, HASH_ZERO, 0, 0, mem, hashdist);
  alloc_large_system_hash(k, "Mountpoint-cache", 8, 0, 19, HASH_ZERO, 0, 0, mem, hashdist);
}

/**
 * The initcalls' tables: futex (256 buckets per possible CPU), dquot's page, IP idents, the TCP
 * listen, perturbation, established and bind tables, MPTCP's tokens, UDP and UDP-Lite, and the
 * established table's locks (vmalloc'd on NUMA machines, a kmalloc otherwise).
 * @kernel kernel/futex/core.c futex_init
 * @kernel fs/quota/dquot.c dquot_init
 * @kernel net/ipv4/route.c ip_rt_init
 * @kernel net/ipv4/tcp.c tcp_init
 * @kernel net/ipv4/inet_hashtables.c inet_hashinfo2_init, inet_ehash_locks_alloc
 * @kernel net/mptcp/token.c mptcp_token_init
 * @kernel net/ipv4/udp.c udp_table_init
 */
export function initcall_hash_tables(k: Kernel, hashdist: boolean): void {
  const mem = hash_memory(k);
  const futex = 2 ** Math.ceil(Math.log2(256 * k.nr_cpu_ids));
  alloc_large_system_hash(k, "futex", 64, futex, 0, 0, futex, futex, mem, hashdist);
  mem.pages(PAGE_SIZE);
  k.log.printk(KERN_INFO, "VFS: Dquot-cache hash table entries: 512 (order 0, 4096 bytes)");
  alloc_large_system_hash(k, "IP idents", 8, 0, 16, HASH_ZERO, 2048, 256 * 1024, mem, hashdist);
  alloc_large_system_hash(k, "tcp_listen_portaddr_hash", 16, 0, 21, 0, 0, 64 * 1024, mem, hashdist);
  alloc_large_system_hash(k, "Table-perturb", 4, 65536, 0, 0, 65536, 65536, mem, hashdist);
  const ehash = alloc_large_system_hash(k, "TCP established", 8, 0, 17, 0, 0, 512 * 1024, mem, hashdist);
  const bhash = alloc_large_system_hash(k, "TCP bind", 32, 2 ** ehash, 17, 0, 0, 64 * 1024, mem, hashdist);
  k.log.printk(KERN_INFO, `TCP: Hash tables configured (established ${2 ** ehash} bind ${2 ** bhash})`);
  if (hashdist) vmalloc(k, 2 * PAGE_SIZE, "inet_ehash_locks_alloc+0xe0/0x100");
  alloc_large_system_hash(k, "MPTCP token", 24, 0, 20, HASH_ZERO, 0, 64 * 1024, mem, hashdist);
  alloc_large_system_hash(k, "UDP", 32, 0, 21, 0, 256, 64 * 1024, mem, hashdist);
  alloc_large_system_hash(k, "UDP-Lite", 32, 0, 21, 0, 256, 64 * 1024, mem, hashdist);
}

/**
 * Each secondary CPU's idle task: a task_struct and a stack ("fork_idle+0x76/0x105" in
 * vmallocinfo), counted in KernelStack; no pid. @kernel kernel/fork.c fork_idle
 */
export function idle_tasks(k: Kernel): void {
  for (let cpu = 1; cpu < k.nr_cpu_ids; cpu++) {
    const t = new task_struct(0, `swapper/${cpu}`, 0, 0, null, k.now_ns);
    // (the same floor as kthread_create's, for machines with very many CPUs for their memory)
    if (global_zone_page_state(k, NR_FREE_PAGES) > totalram_pages(k) / 8) copy_process_objects(k, t, CLONE_VM, "fork_idle+0x76/0x105", false);
    k.idle_tasks.push(t);
  }
}

/**
 * The vmalloc, vmap and ioremap areas of a real boot that no mechanism of the model makes, in
 * sl-boot-m512's order: per CPU an IRQ stack mapping (16 KiB of static per-CPU pages, vmap);
 * the ACPI tables at the top of low RAM, the HPET and the BIOS area mapped; genalloc's and BPF's
 * pages; per CPU the two 128 KiB scratch buffers of the compression API; a tty's n_tty data;
 * and BPF's JIT pack (2 MiB per node, module space).
 */
export function boot_vmalloc_areas(k: Kernel, acpi_tables: number): void {
  for (let cpu = 0; cpu < k.nr_cpu_ids; cpu++) vmap_range(k, 16384, VM_MAP, 0, "irq_init_percpu_irqstack+0xf0/0x120");
  vmap_range(k, PAGE_SIZE, VM_IOREMAP, acpi_tables + PAGE_SIZE, "acpi_os_map_iomem+0x1b6/0x1d0");
  vmap_range(k, 2 * PAGE_SIZE, VM_IOREMAP, acpi_tables, "acpi_os_map_iomem+0x1b6/0x1d0");
  vmap_range(k, PAGE_SIZE, VM_IOREMAP, 0xfed00000, "hpet_enable+0xef/0x46d");
  for (let i = 0; i < 4; i++) vmalloc(k, PAGE_SIZE, "gen_pool_add_owner+0x3a/0xc0");
  vmalloc(k, PAGE_SIZE, "bpf_prog_alloc_no_stats+0x31/0x1f0");
  vmap_range(k, PAGE_SIZE, VM_IOREMAP, 0xfed00000, "acpi_os_map_iomem+0x1b6/0x1d0");
  vmap_range(k, PAGE_SIZE, VM_IOREMAP, 0xf5000, "memremap+0x159/0x210");
  for (let cpu = 0; cpu < k.nr_cpu_ids && standin_room(k); cpu++) {
    vmalloc(k, 32 * PAGE_SIZE, "crypto_scomp_init_tfm+0x75/0xe0");
    vmalloc(k, 32 * PAGE_SIZE, "crypto_scomp_init_tfm+0x93/0xe0");
  }
  vmalloc(k, 3 * PAGE_SIZE, "n_tty_open+0x14/0xa0");
  if (standin_room(k)) module_alloc(k, 512 * PAGE_SIZE * k.node_data.length, "bpf_prog_pack_alloc+0x292/0x3b0");
}

/** The dyn_ftrace records Debian's 6.1.192 vmlinux has: "ftrace: allocating 40521 entries in 159 pages". */
export const FTRACE_NR_ENTRIES = 40521;

/**
 * ftrace_init, right after mm_init: the dyn_ftrace record of every mcount call site of the
 * kernel image, 16 bytes each (ENTRIES_PER_PAGE 256), in page groups from the page allocator
 * that show in no meminfo counter. Each group is the largest power-of-two block that the
 * remaining records do not underfill (order fls(pages) - 1): for 40521 records 128 + 16 + 8 + 4
 * + 2 + 1 = 159 pages in 6 groups, the captures' "allocated 159 pages with 6 groups" (636 kB).
 * Simplified: the records of init text stay (ftrace_free_mem frees a tail group once all its
 * records are gone, a few pages at most); the ftrace_page headers (kzalloc) are in the boot
 * caches' top-up.
 * @kernel kernel/trace/ftrace.c ftrace_init, ftrace_process_locs, ftrace_allocate_pages, ftrace_allocate_records
 */
export function ftrace_init(k: Kernel): void {
  const ENTRIES_PER_PAGE = PAGE_SIZE / 16;
  let count = FTRACE_NR_ENTRIES;
  let pages = 0;
  let groups = 0;
  k.log.printk(KERN_INFO, `ftrace: allocating ${count} entries in ${Math.ceil(count / ENTRIES_PER_PAGE)} pages`);
  while (count > 0) {
    let order = 31 - Math.clz32(Math.ceil(count / ENTRIES_PER_PAGE));
    while (alloc_pages(k, GFP_KERNEL | __GFP_ZERO, order) === NO_PFN) if (order-- === 0) return;
    pages += 1 << order;
    groups++;
    count -= Math.min(count, (1 << order) * ENTRIES_PER_PAGE);
  }
  k.log.printk(KERN_INFO, `ftrace: allocated ${pages} pages with ${groups} groups`);
}

/**
 * postcore_initcall(dma_atomic_pool_init): the three atomic DMA pools, each one block from the
 * page allocator that stays allocated for good and shows in no meminfo counter (the pools'
 * gen_pool chunk arrays are boot_vmalloc_areas' gen_pool_add_owner pages). Their size is 128K
 * per GiB of RAM, at least 128K and at most MAX_ORDER_NR_PAGES, rounded up to a power-of-two
 * block (atomic_pool_expand allocates and adds `1 << order` pages): 128 KiB each up to about
 * 2 GiB, 256 KiB at 2G, 1024 KiB at 8G, as the captures print. GFP_KERNEL's comes from the
 * highest zone, GFP_DMA's from ZONE_DMA (when it has managed pages), GFP_DMA32's from DMA32:
 * 96 pages below 2 GiB, 32 of them from ZONE_DMA (w0-m256's DMA nr_free_pages 3808 of 3840).
 * Simplified: no CMA (Debian's kernel has none reserved by default), no pool growth at run time
 * (atomic_pool_work_fn).
 * @kernel kernel/dma/pool.c dma_atomic_pool_init, __dma_atomic_pool_init, atomic_pool_expand
 */
export function dma_atomic_pool_init(k: Kernel): void {
  const pages = Math.min(Math.floor(totalram_pages(k) / ((1 << 30) / (128 << 10))), MAX_ORDER_NR_PAGES);
  const atomic_pool_size = Math.max(pages * PAGE_SIZE, 128 << 10);
  const has_managed_dma = k.node_data.some((pgdat) => pgdat.node_zones[ZONE_DMA].managed_pages > 0);
  const pools = [GFP_KERNEL, ...(has_managed_dma ? [GFP_KERNEL | __GFP_DMA] : []), GFP_KERNEL | __GFP_DMA32];
  for (const gfp of pools) {
    for (let order = Math.min(get_order(atomic_pool_size), MAX_ORDER - 1); order >= 0; order--) {
      if (alloc_pages(k, gfp | __GFP_NOWARN, order) === NO_PFN) continue;
      k.log.printk(KERN_INFO, `DMA: preallocated ${(PAGE_SIZE << order) >> 10} KiB ${show_gfp_flags(gfp)} pool for atomic allocations`);
      break;
    }
  }
}

/**
 * Tops the rest up to the real kernel's numbers: the per-CPU dynamic area, the large kmallocs,
 * and every boot cache's objects.
 */
export function boot_topup(k: Kernel): void {
  const cpus = k.nr_cpu_ids;
  const nodes = k.node_data.length;
  // The rest of boot's per-CPU allocations: until a second chunk has three pages populated.
  const pc = k.percpu;
  for (let guard = 0; guard < 1000 && standin_room(k); guard++) {
    const second = pc.chunks[1];
    if (second && second.populated.reduce((a, b) => a + b, 0) >= 3) break;
    if (!pcpu_alloc(k, 1024, 8, GFP_KERNEL)) break;
  }
  // Simplified: the stand-ins take memory without reclaim or the OOM killer (GFP_NOWAIT) and
  // stop where it runs out, so a machine smaller than the captured ones (the 80 MiB floor of
  // sim/config.ts) boots with what fits rather than panicking; every captured size fits whole.
  const gfp = GFP_NOWAIT | __GFP_NOWARN;
  const [l1, l2, l4, lnode] = BOOT_KMALLOC_LARGE_PAGES;
  const large = Math.round(interp(l1, l2, l4, cpus) + lnode * (nodes - 1));
  for (let i = 0; i < Math.floor(large / 4); i++) if (!standin_room(k) || !kmalloc(k, 16384, gfp, "boot")) return;
  const blocks = nr_memory_blocks(k);
  for (const [name, c1, c2, c4, per_node, per_block] of BOOT_OBJECTS) {
    const s = k.slab.slab_caches.find((x) => x.name === name);
    if (!s) continue;
    const target = Math.round(interp(c1, c2, c4, cpus) + per_node * (nodes - 1) + per_block * (blocks - 8));
    // The stand-ins of the dentry and inode caches count in dentry-state and inode-nr, as the
    // real boot's sysfs, proc and devtmpfs dentries and inodes do.
    const vfs_count = s === k.slab.cachep.dentry_cache ? 1 : s.name !== "lsm_inode_cache" && (s.name.endsWith("inode_cache") || s.name === "bdev_cache") ? 2 : 0;
    while (get_slabinfo(k, s).active_objs < target) {
      if (!standin_room(k) || !kmem_cache_alloc(k, s, gfp, "boot")) return;
      if (vfs_count === 1) k.vfs.nr_dentry++;
      else if (vfs_count === 2) k.vfs.nr_inodes++;
    }
  }
}
