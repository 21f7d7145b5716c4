/**
 * Swap areas: struct swap_info_struct per device with its swap_map of use counts, the
 * priority-ordered lists the allocator walks, slot allocation (scan_swap_map_slots: the linear
 * cluster scan for rotational devices, the per-CPU cluster allocator for SSDs), the reference
 * counting of entries (swap_duplicate, swap_free, put_swap_folio, free_swap_and_cache), swapon and
 * swapoff (with try_to_unuse swapping every entry back in), and /proc/swaps.
 *
 * swap_map[offset], as 6.1 reads it: the low 6 bits count the references to the slot (PTEs,
 * shmem), SWAP_HAS_CACHE (0x40) says a swap-cache page owns it, COUNT_CONTINUED (0x80) says the
 * count overflowed SWAP_MAP_MAX (0x3e) into continuation pages; 0 is free; SWAP_MAP_BAD (0x3f)
 * marks the header slot 0. Counts here: a slot mapped by 3 PTEs with its page in the swap cache
 * reads 0x43.
 *
 * The statics of swapfile.c and swap_state.c (swap_info[], the priority lists, the readahead
 * statics) are the machine's `k.swap` (swap_globals); k.total_swap_pages and k.nr_swap_pages
 * are the kernel's globals that meminfo, overcommit and the OOM killer read.
 *
 * Simplified:
 * - COUNT_CONTINUED: the continuation pages (one digit of SWAP_CONT_MAX per page) are one number
 *   per slot in a Map, counting multiples of SWAP_MAP_MAX + 1, the same arithmetic without the
 *   extra pages; swap_duplicate never fails with ENOMEM for want of a continuation page.
 * - No swap_slots.c per-CPU slot cache: entries are allocated and freed one at a time. The kernel
 *   takes 64 at a time into each CPU's cache once more than 320 pages per CPU are free, so its
 *   /proc/swaps "Used" runs up to 128 pages per CPU above the model's.
 * - One swap_avail list for all nodes (swap_avail_heads[nid] orders local devices first only
 *   when the device's node is known, which it is not for the virtio disks modelled here).
 * - No discard, no THP swap (SWAPFILE_CLUSTER-sized allocations), no shmem swap (shmem_unuse),
 *   no memcg swap accounting, no hibernation, no frontswap/zswap (the "FS" of the swapon
 *   message is printed because 6.1's Debian build allocates the frontswap map).
 * - No filesystem: the swap area's path names the device; swapoff of a path that is not an
 *   active swap area is EINVAL (the kernel says ENOENT when the path does not exist at all).
 * - swapoff does not make itself the OOM killer's first choice (set_current_oom_origin).
 * @kernel mm/swapfile.c scan_swap_map_slots, scan_swap_map_try_ssd_cluster, get_swap_pages,
 *   swap_range_alloc, swap_range_free, __swap_duplicate, swap_duplicate, swapcache_prepare,
 *   swap_free, put_swap_folio, free_swap_and_cache, __try_to_reclaim_swap, folio_free_swap,
 *   __swap_count, swp_swapcount, si_swapinfo, setup_swap_info, _enable_swap_info, swapon,
 *   swapoff, try_to_unuse, unuse_pte, unuse_pte_range, swap_show, read_swap_header,
 *   setup_swap_map_and_extents
 * @kernel mm/swap_slots.c folio_alloc_swap
 * @kernel include/linux/swap.h vm_swap_full, get_nr_swap_pages, SWAP_HAS_CACHE, SWAP_MAP_MAX
 */
import { mem_cgroup_try_charge_swap, mem_cgroup_uncharge_swap } from "./memcontrol.js";
import { _PAGE_ACCESSED, _PAGE_PRESENT, _PAGE_PROTNONE, _PAGE_SOFT_DIRTY, NO_TABLE, PMD_SIZE, pte_index, pte_table_lookup, set_pte_at } from "../arch/x86/pgtable.js";
import { KernelBug } from "../kernel/bug.js";
import type { xarray } from "../lib/xarray.js";
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { KERN_INFO, KERN_WARNING } from "../kernel/printk.js";
import type { task_struct } from "../kernel/sched.js";
import { blk_add_disk, blk_lookup_path, type block_device, VIRTIO_DISK_BANDWIDTH, VIRTIO_DISK_LATENCY_NS } from "../block/blk.js";
import { F, PG_dirty, PG_locked, PG_swapcache, PG_uptodate, PG_writeback } from "./memmap.js";
import { MM_ANONPAGES, MM_SWAPENTS, type mm_struct, type vm_area_struct } from "./mm_types.js";
import { page_add_anon_rmap } from "./rmap.js";
import { put_page } from "./swap.js";
import { folio_wait_locked, folio_wait_writeback } from "./page_io.js";
import {
  delete_from_swap_cache,
  exit_swap_address_space,
  init_swap_address_space,
  swap_cache_slot_update,
  swap_cache_get_folio,
  swapin_readahead,
} from "./swap_state.js";
import { MAX_SWAPFILES, pte_swp_exclusive, pte_swp_soft_dirty, pte_to_swp_entry, swp_entry, swp_offset, swp_type, SWP_OFFSET_MASK } from "./swapops.js";
import { __vm_enough_memory, vm_unacct_memory } from "./util.js";
import { NO_PFN } from "./types.js";
import { GFP_HIGHUSER_MOVABLE } from "./gfp.js";
import { shmem_unuse } from "./shmem.js";

// ---- swap_map values (include/linux/swap.h) ----
/** The slot's page is in the swap cache. */
export const SWAP_HAS_CACHE = 0x40;
/** The count overflowed into continuation pages. */
export const COUNT_CONTINUED = 0x80;
/** The most references the map byte itself counts. */
export const SWAP_MAP_MAX = 0x3e;
/** A slot that must never be used (the header). */
export const SWAP_MAP_BAD = 0x3f;
/** The most one continuation digit counts. */
export const SWAP_CONT_MAX = 0x7f;

// ---- swap_info_struct.flags ----
export const SWP_USED = 1 << 0;
export const SWP_WRITEOK = 1 << 1;
export const SWP_DISCARDABLE = 1 << 2;
export const SWP_SOLIDSTATE = 1 << 4;
export const SWP_CONTINUED = 1 << 5;
export const SWP_BLKDEV = 1 << 6;
export const SWP_ACTIVATED = 1 << 7;
export const SWP_FS_OPS = 1 << 8;
export const SWP_STABLE_WRITES = 1 << 11;
export const SWP_SYNCHRONOUS_IO = 1 << 12;
export const SWP_SCANNING = 1 << 14;

/** SWAPFILE_CLUSTER: HPAGE_PMD_NR (512) with CONFIG_THP_SWAP, as Debian builds x86-64. */
export const SWAPFILE_CLUSTER = 512;
/** The run of slots block_used counts (a model-only speed-up, see swap_info_struct.block_used). */
const USED_BLOCK_SHIFT = 8;
const USED_BLOCK = 1 << USED_BLOCK_SHIFT;
/** Slots between cond_resched() breaks of the scan; also how far a fragmented scan looks on. */
export const LATENCY_LIMIT = 256;
/** SWAP_BATCH: the most entries one get_swap_pages call hands out. */
export const SWAP_BATCH = 64;
/** One swapper_space covers 2^14 slots: SWAP_ADDRESS_SPACE_SHIFT. */
export const SWAP_ADDRESS_SPACE_SHIFT = 14;
export const SWAP_ADDRESS_SPACE_PAGES = 1 << SWAP_ADDRESS_SPACE_SHIFT;
/** SWAP_CLUSTER_COLS: clusters of one swapper_space, 16384 / 512 = 32. */
export const SWAP_CLUSTER_COLS = Math.max(1, SWAP_ADDRESS_SPACE_PAGES / SWAPFILE_CLUSTER);
/** The swapon flag saying the priority was given. */
export const SWAP_FLAG_PREFER = 0x8000;
export const SWAP_FLAG_PRIO_MASK = 0x7fff;
/** mkswap refuses areas under 10 pages ("swap area needs to be at least 40 KiB"). */
export const MIN_SWAP_PAGES = 10;

// __try_to_reclaim_swap's flags.
/** Reclaim the swap-cache page whatever its state. */
export const TTRS_ANYWAY = 0x1;
/** Reclaim it if no process maps it. */
export const TTRS_UNMAPPED = 0x2;
/** Reclaim it if swap is more than half full. */
export const TTRS_FULL = 0x4;

/** The default block-device model: a virtio disk in QEMU (block/blk.ts). */
export { VIRTIO_DISK_BANDWIDTH, VIRTIO_DISK_LATENCY_NS };

/** How a user describes a swap area at swapon. */
export interface SwapAreaConfig {
  /** Size of the device or file in bytes (page 0 becomes the header). */
  size: number;
  /** Priority 0..32767, or undefined for the kernel's next negative default (-2, -3, …). */
  priority?: number;
  /** A block device ("partition", as /proc/swaps says) or a regular file. Default "partition". */
  kind?: "partition" | "file";
  /** false for an SSD (SWP_SOLIDSTATE, cluster allocation, VMA readahead). Default true. */
  rotational?: boolean;
  /** Per-request latency in ns (default VIRTIO_DISK_LATENCY_NS). */
  latency?: number;
  /** Transfer rate in bytes per second (default VIRTIO_DISK_BANDWIDTH). */
  bandwidth?: number;
}

/**
 * One swap area. Fields keep the kernel's names; the swap cache (swap_state.ts) and the block
 * device model (page_io.ts) hang their typed arrays and queue state here too, since both are per
 * device in the kernel (swapper_spaces[type], si->bdev).
 * @kernel include/linux/swap.h struct swap_info_struct
 */
export class swap_info_struct {
  flags = 0;
  /** Priority: higher is used first; negative values are the kernel's defaults. */
  prio = 0;
  /** Index in swap_info[] and the type of its entries. */
  readonly type: number;
  /** The path swapon was given (seq_file_path of swap_file). */
  swap_file = "";
  /** Usable slots: max - 1 (the header) - bad slots. */
  pages = 0;
  /** Slots in the area, header included: offsets 0 .. max-1. */
  max = 0;
  /** Slots in use (count or cache). */
  inuse_pages = 0;
  /** Lowest and highest offsets that may be free (the scan's bounds); highest 0 = full. */
  lowest_bit = 0;
  highest_bit = 0;
  /** Rotational devices: where the next scan starts, and the slots left in the current cluster. */
  cluster_next = 0;
  cluster_nr = 0;
  /** swap_map: use counts, SWAP_HAS_CACHE, COUNT_CONTINUED, by offset. */
  swap_map: Uint8Array = new Uint8Array(0);
  /**
   * swap_cgroup: the memcg id each slot is charged to (0: none or the root), mm/swap_cgroup.c's
   * map, made at swapon.
   */
  swap_cgroup: Uint16Array = new Uint16Array(0);
  /** Continuation counts (multiples of SWAP_MAP_MAX + 1) of slots with COUNT_CONTINUED. */
  readonly swap_cont = new Map<number, number>();

  // SSD cluster allocator (cluster_info != NULL).
  /** Per cluster: slots in use (cluster_count); null for rotational devices. */
  cluster_info: Uint16Array | null = null;
  /** Per cluster: CLUSTER_FLAG_FREE (1) when on free_clusters. */
  cluster_flags: Uint8Array = new Uint8Array(0);
  /** free_clusters as a doubly linked list through these columns (-1 ends it). */
  cluster_next_link: Int32Array = new Int32Array(0);
  cluster_prev_link: Int32Array = new Int32Array(0);
  free_head = -1;
  free_tail = -1;
  /** percpu_cluster: per CPU, the cluster being filled (-1 none) and the next offset in it. */
  percpu_cluster_index: Int32Array = new Int32Array(0);
  percpu_cluster_next: Int32Array = new Int32Array(0);
  /** cluster_next_cpu: per CPU scan base on SSDs. */
  cluster_next_cpu: Int32Array = new Int32Array(0);
  /**
   * Slots in use per aligned run of USED_BLOCK slots (not a kernel field): lets the rotational
   * search for a free cluster step over runs that are all in use instead of reading each slot,
   * with the same result.
   */
  block_used: Uint16Array = new Uint16Array(0);

  // The swap cache of this device (swap_state.ts).
  /** Page in the swap cache at each offset, or -1. */
  cache_pfn: Int32Array = new Int32Array(0);
  /** The shadow entry workingset left when the page was evicted (0 = none). */
  cache_shadow: Float64Array = new Float64Array(0);
  /** swapper_space nrpages summed over the device's spaces. */
  cache_nrpages = 0;
  /**
   * swapper_spaces[type]: one xarray per SWAP_ADDRESS_SPACE_PAGES slots, holding a value entry
   * wherever the slot holds a page or a shadow, so its xa_nodes are 6.1's (radix_tree_node
   * objects, not memcg-charged) — the index itself is cache_pfn/cache_shadow (swap_state.ts).
   */
  swapper_spaces: xarray[] = [];

  /** The block device the area is on (block/blk.ts): its queue serves the area's I/O. */
  bdev!: block_device;

  constructor(type: number) {
    this.type = type;
  }

  /** The full reference count of a slot, continuation included (swp_swapcount for one slot). */
  count(offset: number): number {
    const m = this.swap_map[offset];
    let n = m & SWAP_MAP_BAD;
    if ((m & COUNT_CONTINUED) !== 0) n += (this.swap_cont.get(offset) ?? 0) * (SWAP_MAP_MAX + 1);
    return n;
  }
}

/** The kernel's statics of swapfile.c and swap_state.c: one machine's `k.swap`. */
export class swap_globals {
  /** swap_info[type], growing up to nr_swapfiles. */
  readonly swap_info: Array<swap_info_struct | null> = [];
  /** Default priorities count down from -1: the first area gets -2. */
  least_priority = -1;
  /** swap_active_head: every enabled area, highest priority first. */
  swap_active_head: swap_info_struct[] = [];
  /** swap_avail_head: enabled areas that still have free slots, highest priority first. */
  swap_avail_head: swap_info_struct[] = [];
  /** Areas on rotational devices; any at all disables VMA readahead. */
  nr_rotate_swap = 0;
  /** /sys/kernel/mm/swap/vma_ra_enabled. */
  enable_vma_readahead = true;
  // swapin_nr_pages' statics (swap_state.c).
  swapin_readahead_hits = 4;
  prev_offset = 0;
  last_readahead_pages = 0;
  /**
   * folio_alloc_swap's one-entry array for get_swap_pages (the kernel's `swp_entry_t entry` on
   * its stack), kept here so swapping a page out allocates nothing.
   */
  readonly slot_out = new Int32Array(1);
  /** __read_swap_cache_async's `bool *new_page_allocated`, as a one-byte out-parameter. */
  readonly new_page_allocated = new Uint8Array(1);
}

/** The area an entry's type names, or null. @kernel mm/swapfile.c swp_swap_info, swap_type_to_swap_info */
export function swp_swap_info(k: Kernel, entry: number): swap_info_struct | null {
  return k.swap.swap_info[swp_type(entry)] ?? null;
}

/**
 * The area of a valid entry (in use, offset inside it), or null — what get_swap_device checks
 * before anyone touches swap_map.
 * @kernel mm/swapfile.c get_swap_device
 */
export function get_swap_device(k: Kernel, entry: number): swap_info_struct | null {
  if (entry === 0) return null;
  const si = swp_swap_info(k, entry);
  if (si === null || (si.flags & SWP_USED) === 0) return null;
  if (swp_offset(entry) >= si.max) return null;
  return si;
}

/** Swap more than half full: free swap-cache copies eagerly. @kernel include/linux/swap.h vm_swap_full */
export function vm_swap_full(k: Kernel): boolean {
  return k.nr_swap_pages * 2 < k.total_swap_pages;
}

/** Free swap slots across all areas. @kernel include/linux/swap.h get_nr_swap_pages */
export function get_nr_swap_pages(k: Kernel): number {
  return k.nr_swap_pages;
}

/** SwapFree and SwapTotal in pages, as sysinfo and /proc/meminfo report them. @kernel mm/swapfile.c si_swapinfo */
export function si_swapinfo(k: Kernel): { freeswap: number; totalswap: number } {
  return { freeswap: k.nr_swap_pages, totalswap: k.total_swap_pages };
}

/** Swap-cache pages across all areas. @kernel mm/swap_state.c total_swapcache_pages */
export function total_swapcache_pages(k: Kernel): number {
  let n = 0;
  for (const si of k.swap.swap_info) if (si !== null && (si.flags & SWP_USED) !== 0) n += si.cache_nrpages;
  return n;
}

// ---------------------------------------------------------------------------------------------
// The priority lists (plists in the kernel: ascending -prio, FIFO among equals)
// ---------------------------------------------------------------------------------------------

/** plist_add: after every area of the same or higher priority. */
function plist_add(list: swap_info_struct[], si: swap_info_struct): void {
  let i = 0;
  while (i < list.length && list[i].prio >= si.prio) i++;
  list.splice(i, 0, si);
}

function plist_del(list: swap_info_struct[], si: swap_info_struct): void {
  const i = list.indexOf(si);
  if (i >= 0) list.splice(i, 1);
}

/** plist_requeue: behind the other areas of its priority, so equal areas take turns. */
function plist_requeue(list: swap_info_struct[], si: swap_info_struct): void {
  const i = list.indexOf(si);
  if (i < 0) return;
  // Shift the equal-priority areas after it up by one, in place (no splice: this runs per slot).
  let j = i;
  while (j + 1 < list.length && list[j + 1].prio === si.prio) {
    list[j] = list[j + 1];
    j++;
  }
  list[j] = si;
}

function del_from_avail_list(k: Kernel, si: swap_info_struct): void {
  plist_del(k.swap.swap_avail_head, si);
}

function add_to_avail_list(k: Kernel, si: swap_info_struct): void {
  const s = k.swap;
  if (s.swap_avail_head.includes(si)) throw new KernelBug("add_to_avail_list: already listed", { type: si.type });
  plist_add(s.swap_avail_head, si);
}

// ---------------------------------------------------------------------------------------------
// SSD clusters
// ---------------------------------------------------------------------------------------------

const CLUSTER_FLAG_FREE = 1;

function cluster_list_add_tail(si: swap_info_struct, idx: number): void {
  si.cluster_next_link[idx] = -1;
  si.cluster_prev_link[idx] = si.free_tail;
  if (si.free_tail >= 0) si.cluster_next_link[si.free_tail] = idx;
  else si.free_head = idx;
  si.free_tail = idx;
}

function cluster_list_del(si: swap_info_struct, idx: number): void {
  const n = si.cluster_next_link[idx];
  const p = si.cluster_prev_link[idx];
  if (p >= 0) si.cluster_next_link[p] = n;
  else si.free_head = n;
  if (n >= 0) si.cluster_prev_link[n] = p;
  else si.free_tail = p;
}

/**
 * A slot of cluster `idx` is taken: a free cluster leaves free_clusters (the kernel asserts it is
 * the list's first; the conflict check keeps that true, and a list that allows any removal is
 * the same then).
 * @kernel mm/swapfile.c inc_cluster_info_page, alloc_cluster
 */
function inc_cluster_info_page(si: swap_info_struct, offset: number): void {
  const ci = si.cluster_info;
  if (ci === null) return;
  const idx = Math.floor(offset / SWAPFILE_CLUSTER);
  if (si.cluster_flags[idx] === CLUSTER_FLAG_FREE) {
    cluster_list_del(si, idx);
    si.cluster_flags[idx] = 0;
    ci[idx] = 0;
  }
  if (ci[idx] >= SWAPFILE_CLUSTER) throw new KernelBug("inc_cluster_info_page: cluster overfull", { type: si.type, idx });
  ci[idx]++;
}

/** @kernel mm/swapfile.c dec_cluster_info_page, free_cluster */
function dec_cluster_info_page(si: swap_info_struct, offset: number): void {
  const ci = si.cluster_info;
  if (ci === null) return;
  const idx = Math.floor(offset / SWAPFILE_CLUSTER);
  if (ci[idx] === 0) throw new KernelBug("dec_cluster_info_page: count underflow", { type: si.type, idx });
  if (--ci[idx] === 0) {
    si.cluster_flags[idx] = CLUSTER_FLAG_FREE;
    cluster_list_add_tail(si, idx);
  }
}

/**
 * Would taking `offset` break up a free cluster other than the one the list hands out next?
 * Then this CPU drops its cluster and takes a new one.
 * @kernel mm/swapfile.c scan_swap_map_ssd_cluster_conflict
 */
function scan_swap_map_ssd_cluster_conflict(k: Kernel, si: swap_info_struct, offset: number): boolean {
  const idx = Math.floor(offset / SWAPFILE_CLUSTER);
  const conflict = si.free_head >= 0 && idx !== si.free_head && si.cluster_flags[idx] === CLUSTER_FLAG_FREE;
  if (!conflict) return false;
  si.percpu_cluster_index[k.cpu] = -1;
  return true;
}

/**
 * The next free slot of this CPU's cluster, taking a new cluster from free_clusters when it is
 * used up; -1 when there is no free cluster (the caller scans instead). The kernel returns true
 * and sets both its out-parameters *offset and *scan_base to the slot; here the slot is the
 * return value, and the caller sets both.
 * @kernel mm/swapfile.c scan_swap_map_try_ssd_cluster
 */
function scan_swap_map_try_ssd_cluster(k: Kernel, si: swap_info_struct): number {
  const cpu = k.cpu;
  for (;;) {
    if (si.percpu_cluster_index[cpu] < 0) {
      if (si.free_head < 0) return -1;
      si.percpu_cluster_index[cpu] = si.free_head;
      si.percpu_cluster_next[cpu] = si.free_head * SWAPFILE_CLUSTER;
    }
    let tmp = si.percpu_cluster_next[cpu];
    const max = Math.min(si.max, (si.percpu_cluster_index[cpu] + 1) * SWAPFILE_CLUSTER);
    while (tmp < max && si.swap_map[tmp] !== 0) tmp++;
    if (tmp >= max) {
      si.percpu_cluster_index[cpu] = -1;
      continue;
    }
    si.percpu_cluster_next[cpu] = tmp + 1;
    return tmp;
  }
}

// ---------------------------------------------------------------------------------------------
// Slot allocation
// ---------------------------------------------------------------------------------------------

/** Marks `nr` slots from `offset` used: the scan bounds and inuse_pages. @kernel mm/swapfile.c swap_range_alloc */
function swap_range_alloc(k: Kernel, si: swap_info_struct, offset: number, nr: number): void {
  const end = offset + nr - 1;
  for (let o = offset; o <= end; o++) si.block_used[o >>> USED_BLOCK_SHIFT]++;
  if (offset === si.lowest_bit) si.lowest_bit += nr;
  if (end === si.highest_bit) si.highest_bit -= nr;
  si.inuse_pages += nr;
  if (si.inuse_pages === si.pages) {
    si.lowest_bit = si.max;
    si.highest_bit = 0;
    del_from_avail_list(k, si);
  }
}

/**
 * Slots become free: the scan bounds widen, a full area rejoins swap_avail, nr_swap_pages grows,
 * and shadow entries of the range are dropped.
 * @kernel mm/swapfile.c swap_range_free
 */
function swap_range_free(k: Kernel, si: swap_info_struct, offset: number, nr: number): void {
  const end = offset + nr - 1;
  // One pass does block_used and clear_shadow_from_swap_cache: frees come one slot at a time,
  // for which a TypedArray fill call cost more than the store.
  const used = si.block_used;
  const shadow = si.cache_shadow;
  for (let o = offset; o <= end; o++) {
    used[o >>> USED_BLOCK_SHIFT]--;
    if (shadow[o] !== 0) {
      shadow[o] = 0;
      if (si.cache_pfn[o] < 0) swap_cache_slot_update(si, o, false);
    }
  }
  if (offset < si.lowest_bit) si.lowest_bit = offset;
  if (end > si.highest_bit) {
    const was_full = si.highest_bit === 0;
    si.highest_bit = end;
    if (was_full && (si.flags & SWP_WRITEOK) !== 0) add_to_avail_list(k, si);
  }
  k.nr_swap_pages += nr;
  si.inuse_pages -= nr;
}

/**
 * Where the slot-by-slot search above finds its first run of `len` free slots in [lo, hi], or -1:
 * the same answer from the per-block counts. A run of `len` ≥ 2 × USED_BLOCK - 1 free slots
 * always holds a whole free aligned block, so only the stretches of free slots around such
 * blocks, in ascending order, need reading; the first one `len` long (clipped to [lo, hi]) holds
 * the first run. For a fragmented area this reads a few slots where the scan reads them all.
 */
function first_free_run(si: swap_info_struct, lo: number, hi: number, len: number): number {
  const used = si.block_used;
  const map = si.swap_map;
  const lastBlock = ((hi + 1) >>> USED_BLOCK_SHIFT) - 1;
  for (let b = (lo + USED_BLOCK - 1) >>> USED_BLOCK_SHIFT; b <= lastBlock; b++) {
    if (used[b] !== 0) continue;
    let l = b << USED_BLOCK_SHIFT;
    while (l > lo && map[l - 1] === 0) l--;
    // Extend right only as far as the run needs: the kernel's loop stops at the slot that
    // completes the cluster (offset == last_in_cluster). Reading on to the end of the stretch
    // would walk the whole never-used tail of the area (~700 k slots on a 4 GiB swap) for every
    // cluster handed out, which made swap-out cost grow with the area.
    const need = l + len - 1;
    let r = (b << USED_BLOCK_SHIFT) + USED_BLOCK - 1;
    while (r < hi && r < need && map[r + 1] === 0) r++;
    if (r >= need) return l;
    b = r >>> USED_BLOCK_SHIFT; // the stretch ends inside block b: carry on after it
  }
  return -1;
}

/**
 * The first free slot in [lo, hi], or -1: the slot-by-slot search's answer, stepping over whole
 * blocks whose slots are all in use (block_used full) instead of reading each of their slots.
 * @kernel mm/swapfile.c scan_swap_map_slots (the scan: label's loops)
 */
function next_free_slot(si: swap_info_struct, lo: number, hi: number): number {
  const used = si.block_used;
  const map = si.swap_map;
  let o = lo;
  while (o <= hi) {
    const b = o >>> USED_BLOCK_SHIFT;
    const blockEnd = ((b + 1) << USED_BLOCK_SHIFT) - 1;
    if (used[b] === USED_BLOCK) {
      o = blockEnd + 1;
      continue;
    }
    const end = blockEnd < hi ? blockEnd : hi;
    for (; o <= end; o++) if (map[o] === 0) return o;
  }
  return -1;
}

/**
 * What `steps` turns of `if (--latency_ration < 0) { latency_ration = LATENCY_LIMIT;
 * scanned_many = true; }` leave in latency_ration, without taking them one by one: from r ≥ 0
 * the first reset comes at turn r + 1, then every LATENCY_LIMIT + 1 turns (r = 3, 5 turns:
 * 2 1 0 256 255). scanned_many is set exactly when a reset came: steps > max(r, 0).
 * @kernel mm/swapfile.c scan_swap_map_slots (latency_ration in the scan: label's loops)
 */
export function ration_after(latency_ration: number, steps: number): number {
  const first = (latency_ration > 0 ? latency_ration : 0) + 1;
  return steps < first ? latency_ration - steps : LATENCY_LIMIT - ((steps - first) % (LATENCY_LIMIT + 1));
}

/** Where the next scan starts; on SSDs a random trunk when crossing a swapper_space boundary. @kernel mm/swapfile.c set_cluster_next */
function set_cluster_next(k: Kernel, si: swap_info_struct, next: number): void {
  if ((si.flags & SWP_SOLIDSTATE) === 0) {
    si.cluster_next = next;
    return;
  }
  const prev = si.cluster_next_cpu[k.cpu];
  if (prev >>> SWAP_ADDRESS_SPACE_SHIFT !== next >>> SWAP_ADDRESS_SPACE_SHIFT) {
    if (si.highest_bit <= si.lowest_bit) return;
    next = si.lowest_bit + k.rng.below(si.highest_bit - si.lowest_bit + 1);
    next = next - (next % SWAP_ADDRESS_SPACE_PAGES);
    next = Math.max(next, si.lowest_bit);
  }
  si.cluster_next_cpu[k.cpu] = next;
}

/** Is the slot free, or (swap half full) held only by a swap-cache page worth reclaiming? */
function swap_offset_available(k: Kernel, si: swap_info_struct, offset: number): boolean {
  if (si.swap_map[offset] === 0) return true;
  return vm_swap_full(k) && si.swap_map[offset] === SWAP_HAS_CACHE;
}

/**
 * Finds up to `nr` free slots of one area and marks them `usage` (SWAP_HAS_CACHE for
 * add_to_swap). Rotational areas hand out SWAPFILE_CLUSTER slots in a row, then look from the
 * bottom for the first free run of that size (or fall back to first-free); SSD areas fill a
 * per-CPU cluster. Writes entries into `slots` from index 0; returns how many.
 * @kernel mm/swapfile.c scan_swap_map_slots
 */
export function scan_swap_map_slots(k: Kernel, si: swap_info_struct, usage: number, nr: number, slots: Int32Array): number {
  let latency_ration = LATENCY_LIMIT;
  let n_ret = 0;
  let scanned_many = false;
  const map = si.swap_map;
  // Stryker disable next-line AssignmentOperator: equivalent: nothing in the model reads SWP_SCANNING (bit 14), and a sum or difference of it leaves the flag bits below it as they were
  si.flags += SWP_SCANNING;
  let scan_base = (si.flags & SWP_SOLIDSTATE) !== 0 ? si.cluster_next_cpu[k.cpu] : si.cluster_next;
  let offset = scan_base;
  // The C function's gotos become states: CHECKS runs the checks at `offset`, SCAN looks for any
  // free slot after (then before) scan_base, DONE / NO_PAGE return.
  const CHECKS = 0;
  const SCAN = 1;
  const DONE = 2;
  const NO_PAGE = 3;
  let state = CHECKS;

  if (si.cluster_info !== null) {
    const slot = scan_swap_map_try_ssd_cluster(k, si);
    // Stryker disable next-line EqualityOperator: equivalent: slot 0 (the header) is in no free cluster, so no cluster hands it out
    if (slot >= 0) {
      offset = slot;
      scan_base = slot;
    } else {
      state = SCAN;
    }
  } else if (si.cluster_nr-- === 0) {
    if (si.pages - si.inuse_pages < SWAPFILE_CLUSTER) {
      si.cluster_nr = SWAPFILE_CLUSTER - 1;
    } else {
      // Seeks are expensive: look for the first empty (unaligned) cluster from the bottom, so the
      // area in use stays compact.
      scan_base = offset = si.lowest_bit;
      let found = false;
      // Stryker disable next-line ConditionalExpression: equivalent by design: both searches give the same slot and budget (swapfile.test.ts compares them); only their cost differs
      if (k.fastPaths) {
        // The loop below spends one latency_ration per slot it moves past (cond_resched when it
        // runs out; scanned_many is not set here), which a batch then has less of: from a fresh
        // area's lowest_bit, 511 turns leave 2, so the batch gets 3 slots. Found: it moved past
        // lowest_bit .. start + 510. Not found: it stopped after the first used slot u whose
        // last_in_cluster (u + 512) passed highest_bit, the first used slot from
        // highest_bit - 511 on (one must be there, or the run up to highest_bit would be free).
        // Its first test of `last_in_cluster <= highest_bit` always holds: the ≥ 512 free slots
        // all lie in [lowest_bit, highest_bit].
        const start = first_free_run(si, si.lowest_bit, si.highest_bit, SWAPFILE_CLUSTER);
        let steps = 0;
        // Stryker disable next-line EqualityOperator: equivalent: a run starts at lowest_bit or above, never at slot 0
        if (start >= 0) {
          offset = start;
          si.cluster_next = offset;
          si.cluster_nr = SWAPFILE_CLUSTER - 1;
          found = true;
          steps = start + SWAPFILE_CLUSTER - 1 - si.lowest_bit;
        } else {
          let u = si.highest_bit - SWAPFILE_CLUSTER + 1;
          while (map[u] === 0) u++; // ends by highest_bit, as said above
          steps = u - si.lowest_bit + 1;
        }
        latency_ration = ration_after(latency_ration, steps);
      } else {
        let last_in_cluster = offset + SWAPFILE_CLUSTER - 1;
        for (; last_in_cluster <= si.highest_bit; offset++) {
          if (map[offset] !== 0) last_in_cluster = offset + SWAPFILE_CLUSTER;
          else if (offset === last_in_cluster) {
            offset -= SWAPFILE_CLUSTER - 1;
            si.cluster_next = offset;
            si.cluster_nr = SWAPFILE_CLUSTER - 1;
            found = true;
            break;
          }
          if (--latency_ration < 0) latency_ration = LATENCY_LIMIT;
        }
      }
      if (!found) {
        offset = scan_base;
        si.cluster_nr = SWAPFILE_CLUSTER - 1;
      }
    }
  }

  for (;;) {
    if (state === CHECKS) {
      // Stryker disable next-line ConditionalExpression: equivalent: without cluster_info there is no free cluster (free_head -1), so the conflict test below is false
      if (si.cluster_info !== null) {
        let toScan = false;
        let toDone = false;
        // Unreachable in the model, kept as 6.1 writes them (one CPU, nothing freed during the
        // scan): a conflict means a free cluster is listed, so scan_swap_map_try_ssd_cluster
        // takes the list's head and finds a slot; and once a slot is taken, CHECKS sees only
        // slots of the cluster it came from (off the list now) or of the head, never a conflict.
        // Stryker disable ConditionalExpression,BlockStatement,BooleanLiteral,EqualityOperator: unreachable, as said above
        while (scan_swap_map_ssd_cluster_conflict(k, si, offset)) {
          if (n_ret) {
            toDone = true;
            break;
          }
          const slot = scan_swap_map_try_ssd_cluster(k, si);
          if (slot < 0) {
            toScan = true;
            break;
          }
          offset = slot;
          scan_base = slot;
        }
        if (toDone) {
          state = DONE;
          continue;
        }
        if (toScan) {
          state = SCAN;
          continue;
        }
      }
      // Stryker restore ConditionalExpression,BlockStatement,BooleanLiteral,EqualityOperator
      // (A full area's highest_bit 0 test is a shortcut: its lowest_bit is max, so the checks
      // and the scan below would find nothing either.)
      if ((si.flags & SWP_WRITEOK) === 0 || si.highest_bit === 0) {
        state = NO_PAGE;
        continue;
      }
      if (offset > si.highest_bit) scan_base = offset = si.lowest_bit;
      // Reuse the slot of a cache-only swap page if swap is half full.
      if (vm_swap_full(k) && map[offset] === SWAP_HAS_CACHE) {
        if (__try_to_reclaim_swap(k, si, offset, TTRS_ANYWAY)) continue; // freed: check it again
        state = SCAN;
        continue;
      }
      if (map[offset] !== 0) {
        state = n_ret ? DONE : SCAN;
        continue;
      }
      map[offset] = usage;
      inc_cluster_info_page(si, offset);
      swap_range_alloc(k, si, offset, 1);
      slots[n_ret++] = swp_entry(si.type, offset);
      // Stryker disable next-line EqualityOperator: equivalent: taking the slot at highest_bit lowers highest_bit below it (or to 0), and any other slot taken lies below highest_bit, so offset never equals it here
      if (n_ret === nr || offset >= si.highest_bit) {
        state = DONE;
        continue;
      }
      if (--latency_ration < 0) {
        // Stryker disable next-line ConditionalExpression: equivalent: a slot was just taken, so n_ret ≥ 1 here and the reset below (6.1's cond_resched) is never reached
        if (n_ret) {
          state = DONE;
          continue;
        }
        latency_ration = LATENCY_LIMIT;
      }
      // More slots in this cluster?
      if (si.cluster_info !== null) {
        const slot = scan_swap_map_try_ssd_cluster(k, si);
        // Stryker disable next-line EqualityOperator: equivalent, as at the top: never slot 0
        if (slot >= 0) {
          offset = slot;
          scan_base = slot;
          continue;
        }
      } else if (si.cluster_nr !== 0 && map[++offset] === 0) {
        --si.cluster_nr;
        continue;
      }
      // Fragmented: look a little further while the lock is held.
      if (!scanned_many) {
        // Stryker disable next-line ConditionalExpression: equivalent to always highest_bit in the model: below scan_base only after the scan wrapped, when every slot above scan_base was read busy and nothing is freed meanwhile, so a look-ahead that reaches scan_base finds only busy slots past it — and then the area is full and `done` came first
        const scan_limit = offset < scan_base ? scan_base : si.highest_bit;
        let hit = false;
        for (; offset <= scan_limit && --latency_ration > 0; offset++) {
          if (map[offset] === 0) {
            hit = true;
            break;
          }
        }
        if (hit) continue;
      }
      state = DONE;
      continue;
    }
    // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent by design: the loops below give the same slot, budget and flag (swapfile.test.ts compares them)
    if (state === SCAN && k.fastPaths && !vm_swap_full(k)) {
      // Swap not half full: only slots with a zero map byte are available, so whole blocks in
      // use can be stepped over (next_free_slot); the cond_resched budget is worked out from
      // how many slots the loop below would have read. The same offset, budget and flag result.
      // No slot at all: `goto no_page` returns at once (the scan is entered only before the
      // first slot, n_ret 0), and nothing reads the budget, the flag or the offset again.
      let found = next_free_slot(si, offset + 1, si.highest_bit);
      let steps: number;
      // Stryker disable next-line EqualityOperator: equivalent: never slot 0 (the header is in use)
      if (found >= 0) steps = found - offset;
      else {
        found = next_free_slot(si, si.lowest_bit, scan_base - 1);
        if (found < 0) {
          state = NO_PAGE;
          continue;
        }
        // The first loop's turns (none when an SSD's scan base is past highest_bit), then the
        // second's, the found slot's included.
        steps = Math.max(si.highest_bit - offset, 0) + found - si.lowest_bit + 1;
      }
      // latency_ration is not negative here: it goes below 0 only on the way to done.
      // Stryker disable next-line EqualityOperator: equivalent: steps == latency_ration leaves it 0, so the first slot ends the batch and scanned_many is not read
      if (steps > latency_ration) scanned_many = true;
      latency_ration = ration_after(latency_ration, steps);
      offset = found;
      state = CHECKS;
      continue;
    }
    if (state === SCAN) {
      let hit = false;
      while (++offset <= si.highest_bit) {
        if (--latency_ration < 0) {
          latency_ration = LATENCY_LIMIT;
          scanned_many = true;
        }
        // Stryker disable next-line ConditionalExpression: equivalent: CHECKS makes the same test (takes a free slot, tries a cache-only one when swap is half full, sends any other back here at the next offset) at the same latency_ration
        if (swap_offset_available(k, si, offset)) {
          hit = true;
          break;
        }
      }
      if (!hit) {
        offset = si.lowest_bit;
        while (offset < scan_base) {
          if (--latency_ration < 0) {
            latency_ration = LATENCY_LIMIT;
            scanned_many = true;
          }
          if (swap_offset_available(k, si, offset)) {
            hit = true;
            break;
          }
          offset++;
        }
      }
      state = hit ? CHECKS : NO_PAGE;
      continue;
    }
    if (state === DONE) set_cluster_next(k, si, offset + 1);
    // Stryker disable next-line AssignmentOperator: equivalent, as at the top of this function
    si.flags -= SWP_SCANNING;
    return n_ret;
  }
}

/**
 * Up to `n_goal` (at most SWAP_BATCH) free slots from the highest-priority areas with room,
 * taking turns among areas of equal priority. nr_swap_pages drops by what is handed out.
 * @kernel mm/swapfile.c get_swap_pages
 */
export function get_swap_pages(k: Kernel, n_goal: number, slots: Int32Array): number {
  const s = k.swap;
  const avail_pgs = k.nr_swap_pages;
  // Stryker disable next-line EqualityOperator: equivalent: nr_swap_pages counts the free slots of the areas on swap_avail_head, so at 0 the list is empty and the walk below hands out nothing
  if (avail_pgs <= 0) return 0;
  n_goal = Math.min(n_goal, SWAP_BATCH, avail_pgs);
  k.nr_swap_pages -= n_goal;
  let n_ret = 0;
  // plist_for_each_entry_safe from the highest priority: each area tried goes behind its equals
  // first (so the next allocation starts at the next of them); a full or disabled area leaves
  // the list. Bounded by the areas present at the start.
  const list = s.swap_avail_head;
  let idx = 0;
  for (let tries = list.length; tries > 0 && idx < list.length; tries--) {
    const si = list[idx];
    plist_requeue(list, si);
    if (si.highest_bit === 0 || (si.flags & SWP_WRITEOK) === 0) {
      del_from_avail_list(k, si);
      continue;
    }
    n_ret = scan_swap_map_slots(k, si, SWAP_HAS_CACHE, n_goal, slots);
    if (n_ret) break;
    // This area had no slot after all: the next one (its successor now sits where it was,
    // unless it was the last of its priority and stayed put).
    if (list[idx] === si) idx++;
  }
  // Stryker disable next-line EqualityOperator: equivalent: at n_ret == n_goal the sum adds 0
  if (n_ret < n_goal) k.nr_swap_pages += n_goal - n_ret;
  return n_ret;
}

/**
 * A swap slot for a page about to enter the swap cache (its map byte is SWAP_HAS_CACHE), or 0
 * when swap is full or absent.
 * @kernel mm/swap_slots.c folio_alloc_swap
 */
export function folio_alloc_swap(k: Kernel, pfn: number): number {
  const entry = k.swap.slot_out;
  if (get_swap_pages(k, 1, entry) !== 1) return 0;
  // mem_cgroup_try_charge_swap: a memcg at memory.swap.max gets no slot.
  // Stryker disable next-line ConditionalExpression: equivalent: a shortcut; without memcgs no page has memcg_data, and mem_cgroup_try_charge_swap returns 0 for such a page
  if (k.memcg.nr_memcgs !== 0 && mem_cgroup_try_charge_swap(k, pfn, entry[0]) !== 0) {
    put_swap_folio(k, pfn, entry[0]);
    return 0;
  }
  return entry[0];
}

// ---------------------------------------------------------------------------------------------
// Reference counting
// ---------------------------------------------------------------------------------------------

/**
 * Adds `usage` (1 for a new PTE or SWAP_HAS_CACHE for the cache) to a slot. 0, or -EINVAL for an
 * entry of no area (get_swap_device failed) or a count past SWAP_MAP_MAX without continuation,
 * -ENOENT for a free slot or the header (swap_count == SWAP_MAP_BAD), -EEXIST when the cache
 * already has it.
 * @kernel mm/swapfile.c __swap_duplicate, add_swap_count_continuation
 */
function __swap_duplicate(k: Kernel, entry: number, usage: number): number {
  const si = get_swap_device(k, entry);
  if (si === null) return -errnoValues.EINVAL;
  const offset = swp_offset(entry);
  const m = si.swap_map[offset];
  if ((m & ~SWAP_HAS_CACHE) === SWAP_MAP_BAD) return -errnoValues.ENOENT; // swap_count(count)
  let count = m & ~SWAP_HAS_CACHE;
  let has_cache = m & SWAP_HAS_CACHE;
  if (count === 0 && has_cache === 0) return -errnoValues.ENOENT;
  if (usage === SWAP_HAS_CACHE) {
    // 6.1: set the cache bit if there is none and the entry is used, -EEXIST if someone else
    // added the cache, else -ENOENT; the last was returned above (no count, no cache).
    if (has_cache !== 0) return -errnoValues.EEXIST;
    has_cache = SWAP_HAS_CACHE;
  } else {
    const low = count & ~COUNT_CONTINUED;
    if (low < SWAP_MAP_MAX) count += usage;
    else if (low > SWAP_MAP_MAX) {
      // Stryker disable next-line UnaryOperator: equivalent: swap_duplicate, the one caller passing a count, drops the error
      return -errnoValues.EINVAL;
    } else {
      // The map byte is full: carry one into the continuation, the byte starts again from 0.
      si.swap_cont.set(offset, (si.swap_cont.get(offset) ?? 0) + 1);
      si.flags |= SWP_CONTINUED;
      count = COUNT_CONTINUED;
    }
  }
  si.swap_map[offset] = count | has_cache;
  return 0;
}

/**
 * One more PTE references the entry (fork, try_to_unmap of a page mapped several times).
 * Returns 0: 6.1 loops only while __swap_duplicate says -ENOMEM (no continuation page yet) and
 * returns add_swap_count_continuation's error, so its other errors (a free or bad slot) are
 * dropped; the model's continuation never fails, so neither does this.
 * @kernel mm/swapfile.c swap_duplicate
 */
export function swap_duplicate(k: Kernel, entry: number): number {
  __swap_duplicate(k, entry, 1);
  return 0;
}

/**
 * Claims the cache for a slot about to be read in: -EEXIST if another page already holds it,
 * -ENOENT if the slot was freed meanwhile.
 * @kernel mm/swapfile.c swapcache_prepare
 */
export function swapcache_prepare(k: Kernel, entry: number): number {
  return __swap_duplicate(k, entry, SWAP_HAS_CACHE);
}

/**
 * Drops `usage` from a slot; returns what is left of its map byte (0 once it is free of both
 * references and cache; the byte then reads SWAP_HAS_CACHE until the slot is freed).
 * @kernel mm/swapfile.c __swap_entry_free_locked, swap_count_continued
 */
function __swap_entry_free_locked(si: swap_info_struct, offset: number, usage: number): number {
  let count = si.swap_map[offset];
  let has_cache = count & SWAP_HAS_CACHE;
  count &= ~SWAP_HAS_CACHE;
  if (usage === SWAP_HAS_CACHE) {
    if (has_cache === 0) throw new KernelBug("put_swap_folio: slot not cached", { type: si.type, offset });
    has_cache = 0;
  } else if ((count & ~COUNT_CONTINUED) <= SWAP_MAP_MAX) {
    if (count === COUNT_CONTINUED) {
      // Borrow from the continuation: the byte goes back to SWAP_MAP_MAX.
      const cont = (si.swap_cont.get(offset) ?? 0) - 1;
      if (cont > 0) {
        si.swap_cont.set(offset, cont);
        count = SWAP_MAP_MAX | COUNT_CONTINUED;
      } else {
        si.swap_cont.delete(offset);
        count = SWAP_MAP_MAX;
      }
    } else if (count === 0) {
      throw new KernelBug("swap_free: count underflow", { type: si.type, offset });
    } else {
      count--;
    }
  }
  const left = count | has_cache;
  si.swap_map[offset] = left !== 0 ? left : SWAP_HAS_CACHE;
  return left;
}

/**
 * The slot's last user is gone: free it.
 * @kernel mm/swapfile.c swap_entry_free, swapcache_free_entries
 */
function swap_entry_free(k: Kernel, si: swap_info_struct, offset: number): void {
  // Stryker disable next-line ConditionalExpression,StringLiteral,ObjectLiteral: unreachable: both callers come here only when __swap_entry_free_locked returned 0, after it wrote SWAP_HAS_CACHE into the slot
  if (si.swap_map[offset] !== SWAP_HAS_CACHE) throw new KernelBug("swap_entry_free: slot still referenced", { type: si.type, offset, map: si.swap_map[offset] });
  si.swap_map[offset] = 0;
  // mem_cgroup_uncharge_swap: the slot's charge goes with it.
  if (si.swap_cgroup[offset] !== 0) mem_cgroup_uncharge_swap(k, si, offset);
  dec_cluster_info_page(si, offset);
  swap_range_free(k, si, offset, 1);
}

/** Drops one reference; the slot is freed if nothing else holds it. Returns the map byte left. @kernel mm/swapfile.c __swap_entry_free */
function __swap_entry_free(k: Kernel, si: swap_info_struct, entry: number): number {
  const offset = swp_offset(entry);
  const usage = __swap_entry_free_locked(si, offset, 1);
  if (usage === 0) swap_entry_free(k, si, offset);
  return usage;
}

/**
 * A PTE stops referencing the entry (swap-in mapped the page).
 * @kernel mm/swapfile.c swap_free
 */
export function swap_free(k: Kernel, entry: number): void {
  const si = get_swap_device(k, entry);
  if (si === null) throw new KernelBug("swap_free: bad entry", { entry });
  __swap_entry_free(k, si, entry);
}

/**
 * The swap cache lets go of a slot (the page left the cache, or add_to_swap failed).
 * @kernel mm/swapfile.c put_swap_folio
 */
export function put_swap_folio(k: Kernel, _pfn: number, entry: number): void {
  const si = get_swap_device(k, entry);
  if (si === null) return;
  const offset = swp_offset(entry);
  if (__swap_entry_free_locked(si, offset, SWAP_HAS_CACHE) === 0) swap_entry_free(k, si, offset);
}

/**
 * A PTE holding the entry is zapped (munmap, exit): drop its reference, and if only the swap
 * cache still holds the slot, free the cache page too when no one maps it or swap is half full.
 * Returns true for a valid entry.
 * @kernel mm/swapfile.c free_swap_and_cache
 */
export function free_swap_and_cache(k: Kernel, entry: number): boolean {
  const si = get_swap_device(k, entry);
  if (si === null) return false;
  const offset = swp_offset(entry);
  if (si.swap_map[offset] === 0) throw new KernelBug("free_swap_and_cache: free slot", { entry });
  const count = __swap_entry_free(k, si, entry);
  // Stryker disable next-line ConditionalExpression: equivalent: with PTE references left folio_free_swap refuses (folio_swapped), and a freed slot has no cache page to find
  if (count === SWAP_HAS_CACHE) __try_to_reclaim_swap(k, si, offset, TTRS_UNMAPPED | TTRS_FULL);
  return true;
}

/**
 * Frees a cached slot's page from the swap cache if `flags` allow (TTRS_ANYWAY; TTRS_UNMAPPED and
 * the page unmapped; TTRS_FULL and swap half full) and its lock is free. 1 if it freed it.
 * @kernel mm/swapfile.c __try_to_reclaim_swap
 */
export function __try_to_reclaim_swap(k: Kernel, si: swap_info_struct, offset: number, flags: number): number {
  const pfn = si.cache_pfn[offset];
  // Stryker disable next-line EqualityOperator: equivalent: pfn 0 is never in the swap cache (setup_arch reserves the first 1 MiB)
  if (pfn < 0) return 0;
  const mem = k.mem_map;
  if ((mem.flags[pfn] & F(PG_locked)) !== 0) return 0; // folio_trylock failed
  let ret = 0;
  if ((flags & TTRS_ANYWAY) !== 0 || ((flags & TTRS_UNMAPPED) !== 0 && mem.mapcount[pfn] === 0) || ((flags & TTRS_FULL) !== 0 && vm_swap_full(k))) {
    // folio_get keeps the page alive across delete_from_swap_cache; the final put frees it if
    // the cache held the last reference.
    mem._refcount[pfn]++;
    mem.flags[pfn] |= F(PG_locked);
    ret = folio_free_swap(k, pfn) ? 1 : 0;
    mem.flags[pfn] &= ~F(PG_locked);
    put_page(k, pfn);
  }
  return ret;
}

/** References to the slot from PTEs, without the cache bit (swap_count of the map byte). @kernel mm/swapfile.c __swap_count */
export function __swap_count(k: Kernel, entry: number): number {
  const si = get_swap_device(k, entry);
  if (si === null) return 0;
  return si.swap_map[swp_offset(entry)] & ~SWAP_HAS_CACHE & ~COUNT_CONTINUED;
}

/** The full count of PTE references, continuation included. @kernel mm/swapfile.c swp_swapcount */
export function swp_swapcount(k: Kernel, entry: number): number {
  const si = get_swap_device(k, entry);
  if (si === null) return 0;
  return si.count(swp_offset(entry));
}

/** Is the slot of a swap-cache page still referenced by any PTE? @kernel mm/swapfile.c folio_swapped */
function folio_swapped(k: Kernel, pfn: number): boolean {
  return swp_swapcount(k, k.mem_map.private[pfn]) !== 0;
}

/**
 * Frees the swap slot of a swap-cache page no PTE refers to any more (the page stays, dirty,
 * as an ordinary anonymous page). False if it is not in the cache, under writeback, or swapped.
 * @kernel mm/swapfile.c folio_free_swap
 */
export function folio_free_swap(k: Kernel, pfn: number): boolean {
  const f = k.mem_map.flags[pfn];
  if ((f & F(PG_swapcache)) === 0) return false;
  if ((f & F(PG_writeback)) !== 0) return false;
  if (folio_swapped(k, pfn)) return false;
  delete_from_swap_cache(k, pfn);
  k.mem_map.flags[pfn] |= F(PG_dirty); // folio_set_dirty
  return true;
}
/** try_to_free_swap: the pre-folio name of folio_free_swap, which do_swap_page's callers know. */
export const try_to_free_swap = folio_free_swap;

// ---------------------------------------------------------------------------------------------
// swapon / swapoff
// ---------------------------------------------------------------------------------------------

/** capable(CAP_SYS_ADMIN): uid 0 stands for it in the model. */
function capable_sys_admin(t: task_struct): boolean {
  return t.uid === 0;
}

/**
 * Enables a swap area of `cfg.size` bytes at `path`: the header takes page 0, the rest become
 * slots. Returns 0 or -EPERM (not root, or MAX_SWAPFILES areas already), -EBUSY (the path is
 * already swap), -EINVAL (a bad priority or an area too small for mkswap).
 * @kernel mm/swapfile.c swapon, alloc_swap_info, claim_swapfile, read_swap_header,
 *   setup_swap_map_and_extents, enable_swap_info
 */
export function sys_swapon(k: Kernel, t: task_struct, path: string, cfg: SwapAreaConfig): number {
  if (!capable_sys_admin(t)) return -errnoValues.EPERM;
  const s = k.swap;
  const prio = cfg.priority;
  if (prio !== undefined && prio !== -1 && (!Number.isInteger(prio) || prio < 0 || prio > SWAP_FLAG_PRIO_MASK)) return -errnoValues.EINVAL;
  // alloc_swap_info: the first unused type.
  let type = 0;
  // Stryker disable next-line OptionalChaining: equivalent: swap_info[] only grows by one area at its end, so no entry below its length is null
  while (((s.swap_info[type]?.flags ?? 0) & SWP_USED) !== 0) type++;
  if (type >= MAX_SWAPFILES) return -errnoValues.EPERM;
  // claim_swapfile: a block device opened exclusively, or a file with S_SWAPFILE, is busy.
  // (An area swapoff left unused has swap_file "", which no path equals.)
  // Stryker disable next-line OptionalChaining: equivalent: swap_info[] holds no null (above)
  for (const other of s.swap_info) if (other?.swap_file === path) return -errnoValues.EBUSY;
  // blkdev_get_by_dev(FMODE_EXCL): a disk a filesystem is mounted on is busy too.
  const held = blk_lookup_path(k, path);
  // A disk swap holds already is busy too: another path naming it (vda for /dev/vda) is refused
  // as 6.1's exclusive open refuses a second holder.
  if (held !== null && held.bd_holder !== null) return -errnoValues.EBUSY;
  if (!Number.isFinite(cfg.size)) return -errnoValues.EINVAL;
  // read_swap_header: mkswap wrote last_page = pages - 1; fewer than 10 pages (a negative size
  // included) has no valid header.
  const devPages = Math.floor(cfg.size / 4096);
  if (devPages < MIN_SWAP_PAGES) return -errnoValues.EINVAL;
  let maxpages = devPages;
  if (maxpages > SWP_OFFSET_MASK + 1) {
    k.log.printk(KERN_WARNING, `Truncating oversized swap area, only using ${(SWP_OFFSET_MASK + 1) * 4}k out of ${devPages * 4}k`);
    maxpages = SWP_OFFSET_MASK + 1;
  }
  const si = new swap_info_struct(type);
  s.swap_info[type] = si;
  si.flags = SWP_USED;
  si.swap_file = path;
  if ((cfg.kind ?? "partition") === "partition") si.flags |= SWP_BLKDEV;
  // The device (mkswap + swapon): a disk the machine has, its model set from the area's
  // description, or a new one.
  let bdev = blk_lookup_path(k, path);
  if (bdev === null) bdev = blk_add_disk(k, path, { size: cfg.size, latency: cfg.latency, bandwidth: cfg.bandwidth, rotational: cfg.rotational });
  else {
    bdev.latency_ns = cfg.latency ?? VIRTIO_DISK_LATENCY_NS;
    bdev.bandwidth = cfg.bandwidth ?? VIRTIO_DISK_BANDWIDTH;
    bdev.busy_until = Math.max(bdev.busy_until, k.now_ns);
  }
  bdev.bd_holder = "swap";
  si.bdev = bdev;
  si.lowest_bit = 1;
  si.cluster_next = 1;
  si.cluster_nr = 0;
  si.highest_bit = maxpages - 1;
  si.swap_map = new Uint8Array(maxpages);
  si.swap_cgroup = new Uint16Array(maxpages); // swap_cgroup_swapon
  const rotational = cfg.rotational ?? true;
  if (!rotational) {
    si.flags |= SWP_SOLIDSTATE;
    const cpus = k.nr_cpu_ids;
    si.cluster_next_cpu = new Int32Array(cpus);
    for (let c = 0; c < cpus; c++) si.cluster_next_cpu[c] = 1 + k.rng.below(si.highest_bit);
    const nr_cluster = Math.ceil(maxpages / SWAPFILE_CLUSTER);
    si.cluster_info = new Uint16Array(nr_cluster);
    si.cluster_flags = new Uint8Array(nr_cluster);
    // Stryker disable next-line UnaryOperator: equivalent: cluster_list_add_tail writes both links of a cluster before any reads them
    si.cluster_next_link = new Int32Array(nr_cluster).fill(-1);
    // Stryker disable next-line UnaryOperator: equivalent, as the line above
    si.cluster_prev_link = new Int32Array(nr_cluster).fill(-1);
    si.percpu_cluster_index = new Int32Array(cpus).fill(-1);
    si.percpu_cluster_next = new Int32Array(cpus);
  } else {
    s.nr_rotate_swap++;
  }
  // setup_swap_map_and_extents: the tail of the last cluster and the header are not free.
  // Stryker disable next-line EqualityOperator: equivalent: one slot more is past the last cluster, where inc_cluster_info_page's typed-array stores are no-ops
  for (let i = maxpages; i < Math.ceil(maxpages / SWAPFILE_CLUSTER) * SWAPFILE_CLUSTER; i++) if (si.cluster_info !== null) inc_cluster_info_page(si, i);
  si.swap_map[0] = SWAP_MAP_BAD;
  inc_cluster_info_page(si, 0);
  // The header slot is in use; slots past the end count as used so a tail block can be full.
  // Stryker disable next-line ArithmeticOperator: equivalent: a longer array only adds counts no search reads (both stop at the last slot's block)
  si.block_used = new Uint16Array(Math.ceil(maxpages / USED_BLOCK));
  si.block_used[0] = 1;
  const tail = maxpages & (USED_BLOCK - 1);
  if (tail) si.block_used[si.block_used.length - 1] += USED_BLOCK - tail;
  si.max = maxpages;
  si.pages = maxpages - 1;
  if (si.cluster_info !== null) {
    const nr_clusters = si.cluster_info.length;
    // Stryker disable next-line ArithmeticOperator: equivalent: cluster_next is 1 here (set above, as 6.1's swapon leaves it), so col is 0 however it is computed
    const col = Math.floor(si.cluster_next / SWAPFILE_CLUSTER) % SWAP_CLUSTER_COLS;
    for (let kk = 0; kk < SWAP_CLUSTER_COLS; kk++) {
      // Stryker disable next-line ArithmeticOperator: equivalent: col is 0 (above)
      const j = (kk + col) % SWAP_CLUSTER_COLS;
      // Stryker disable next-line EqualityOperator: equivalent: one more row gives indexes past the last cluster, which the test below skips
      for (let i = 0; i < Math.ceil(nr_clusters / SWAP_CLUSTER_COLS); i++) {
        const idx = i * SWAP_CLUSTER_COLS + j;
        // Stryker disable next-line EqualityOperator: equivalent: at idx == nr_clusters, cluster_info[idx] is undefined, which is !== 0 too
        if (idx >= nr_clusters || si.cluster_info[idx] !== 0) continue;
        si.cluster_flags[idx] = CLUSTER_FLAG_FREE;
        cluster_list_add_tail(si, idx);
      }
    }
  }
  init_swap_address_space(k, si);
  // enable_swap_info → setup_swap_info, _enable_swap_info.
  si.prio = prio !== undefined && prio >= 0 ? prio : --s.least_priority;
  si.flags |= SWP_WRITEOK;
  k.nr_swap_pages += si.pages;
  k.total_swap_pages += si.pages;
  plist_add(s.swap_active_head, si);
  add_to_avail_list(k, si);
  const kb = si.pages * 4;
  k.log.printk(
    KERN_INFO,
    `Adding ${kb}k swap on ${path}.  Priority:${si.prio} extents:1 across:${kb}k ${(si.flags & SWP_SOLIDSTATE) !== 0 ? "SS" : ""}FS`,
  );
  return 0;
}

/**
 * Disables the swap area at `path`: its slots leave the totals, try_to_unuse brings every entry
 * back into memory, and areas with lower default priorities move up by one. Returns 0 or -EPERM,
 * -EINVAL (not an active swap area), -ENOMEM (the commit check fails, or memory ran out while
 * swapping in; the area is then re-enabled).
 * @kernel mm/swapfile.c swapoff, reinsert_swap_info
 */
export function sys_swapoff(k: Kernel, t: task_struct, path: string): number {
  if (!capable_sys_admin(t)) return -errnoValues.EPERM;
  const s = k.swap;
  const p = s.swap_active_head.find((si) => (si.flags & SWP_WRITEOK) !== 0 && si.swap_file === path);
  if (p === undefined) return -errnoValues.EINVAL;
  // security_vm_enough_memory_mm(current->mm, p->pages); the caller is CAP_SYS_ADMIN here.
  if (__vm_enough_memory(k, t.mm, p.pages, true) !== 0) return -errnoValues.ENOMEM;
  vm_unacct_memory(k, p.pages);
  del_from_avail_list(k, p);
  if (p.prio < 0) {
    const at = s.swap_active_head.indexOf(p);
    for (let i = at + 1; i < s.swap_active_head.length; i++) s.swap_active_head[i].prio++;
    s.least_priority++;
  }
  plist_del(s.swap_active_head, p);
  k.nr_swap_pages -= p.pages;
  k.total_swap_pages -= p.pages;
  p.flags &= ~SWP_WRITEOK;
  const err = try_to_unuse(k, p.type);
  if (err !== 0) {
    // reinsert_swap_info: back at its priority, slots counted again.
    p.flags |= SWP_WRITEOK;
    k.nr_swap_pages += p.pages;
    k.total_swap_pages += p.pages;
    plist_add(s.swap_active_head, p);
    if (p.highest_bit !== 0) add_to_avail_list(k, p);
    return err;
  }
  if ((p.flags & SWP_SOLIDSTATE) === 0) s.nr_rotate_swap--;
  // Everything is back in memory: nothing references the area any more.
  p.highest_bit = 0;
  exit_swap_address_space(k, p);
  p.swap_map = new Uint8Array(0);
  p.swap_cgroup = new Uint16Array(0); // swap_cgroup_swapoff
  p.cluster_info = null;
  p.swap_cont.clear();
  p.flags = 0;
  p.swap_file = "";
  p.bdev.bd_holder = null;
  return 0;
}

/**
 * Swaps every entry of area `type` back in: tmpfs pages first (shmem_unuse), then for each mm, each anonymous VMA's swap PTEs of this
 * type become present PTEs again (unuse_pte); then whatever is left only in the swap cache is
 * freed from it. -ENOMEM when a page cannot be allocated.
 * @kernel mm/swapfile.c try_to_unuse, unuse_mm, unuse_vma, unuse_pte_range, unuse_pte,
 *   find_next_to_unuse
 */
export function try_to_unuse(k: Kernel, type: number): number {
  const s = k.swap;
  const si = s.swap_info[type];
  // Stryker disable next-line ConditionalExpression: equivalent: the one caller, swapoff, passes the type of an area it found
  if (!si) return 0;
  // Stryker disable next-line UpdateOperator: equivalent: the first pass empties the area (every mm's swap PTEs, then the cache-only slots), so the loop never counts past 0
  for (let pass = 0; si.inuse_pages !== 0; pass++) {
    // Stryker disable next-line all: unreachable, as the line above: a guard against a model bug that would loop for ever
    if (pass > 3) throw new KernelBug("try_to_unuse: slots still in use after every mm was unused", { type, inuse: si.inuse_pages });
    const serr = shmem_unuse(k, type); // tmpfs pages on this area come back first
    if (serr !== 0) return serr;
    const seen = new Set<mm_struct>();
    for (const t of k.tasks.byPid.values()) {
      const mm = t.mm;
      if (mm === null || seen.has(mm)) continue;
      seen.add(mm);
      const err = unuse_mm(k, mm, type);
      if (err !== 0) return err;
      // Stryker disable next-line ConditionalExpression: equivalent when false: the mms left hold no entry of this area, so walking them changes nothing
      if (si.inuse_pages === 0) break;
    }
    // find_next_to_unuse: cache-only slots.
    for (let i = 1; i < si.max && si.inuse_pages !== 0; i++) {
      const pfn = si.cache_pfn[i];
      if (pfn < 0) continue;
      const mem = k.mem_map;
      mem._refcount[pfn]++;
      folio_wait_locked(k, pfn);
      folio_wait_writeback(k, pfn);
      mem.flags[pfn] |= F(PG_locked);
      folio_free_swap(k, pfn);
      mem.flags[pfn] &= ~F(PG_locked);
      put_page(k, pfn);
    }
  }
  return 0;
}

/** Every anonymous VMA of `mm`. @kernel mm/swapfile.c unuse_mm, unuse_vma */
function unuse_mm(k: Kernel, mm: mm_struct, type: number): number {
  // Stryker disable next-line ConditionalExpression: equivalent: pte_table_lookup finds no table under a NO_TABLE pgd, so the walk below skips every range
  if (mm.pgd === NO_TABLE) return 0;
  for (const vma of mm.mm_mt) {
    // Stryker disable next-line ConditionalExpression: equivalent: a VMA without an anon_vma has no anonymous page, so no swap PTE to find (shmem's swap is not in PTEs)
    if (vma.anon_vma === null) continue;
    const err = unuse_pte_range(k, vma, vma.vm_start, vma.vm_end, type);
    if (err !== 0) return err;
  }
  return 0;
}

function unuse_pte_range(k: Kernel, vma: vm_area_struct, start: number, end: number, type: number): number {
  const mm = vma.vm_mm;
  const si = k.swap.swap_info[type] as swap_info_struct;
  for (let a = start; a < end; ) {
    const next = Math.min(end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
    const table = pte_table_lookup(k, mm.pgd, a);
    if (table === NO_TABLE) {
      a = next;
      continue;
    }
    for (let addr = a; addr < next; addr += 4096) {
      const pool = k.pgtables;
      const i = table * 512 + pte_index(addr);
      const f = pool.ent_flags[i];
      const p = pool.ent_pfn[i];
      if ((f === 0 && p === 0) || (f & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0) continue; // not a swap PTE
      const entry = pte_to_swp_entry(f, p);
      if (swp_type(entry) !== type) continue;
      let pfn = swap_cache_get_folio(k, entry, vma, addr);
      if (pfn === NO_PFN) pfn = swapin_readahead(k, entry, GFP_HIGHUSER_MOVABLE, vma, addr);
      if (pfn === NO_PFN) {
        const m = si.swap_map[swp_offset(entry)];
        if (m === 0 || m === SWAP_MAP_BAD) continue;
        return -errnoValues.ENOMEM;
      }
      folio_wait_locked(k, pfn);
      folio_wait_writeback(k, pfn);
      const mem = k.mem_map;
      mem.flags[pfn] |= F(PG_locked);
      unuse_pte(k, vma, i, addr, entry, pfn);
      // Drop the cache copy now no PTE needs the slot (the kernel's folio_free_swap here).
      folio_free_swap(k, pfn);
      mem.flags[pfn] &= ~F(PG_locked);
      put_page(k, pfn);
    }
    a = next;
  }
  return 0;
}

/**
 * Replaces one swap PTE by the page read back: MM_SWAPENTS to MM_ANONPAGES, an old (not young)
 * PTE with the VMA's protection, exclusive if the swap PTE was.
 * @kernel mm/swapfile.c unuse_pte
 */
function unuse_pte(k: Kernel, vma: vm_area_struct, i: number, addr: number, entry: number, pfn: number): void {
  const pool = k.pgtables;
  const f = pool.ent_flags[i];
  // Stryker disable next-line ConditionalExpression: equivalent single-threaded: unuse_pte_range read this PTE just before, and nothing in between rewrites it
  if (pte_to_swp_entry(f, pool.ent_pfn[i]) !== entry) return;
  const mem = k.mem_map;
  const rss = vma.vm_mm.rss_stat;
  // Stryker disable next-line ConditionalExpression,BlockStatement,StringLiteral,ObjectLiteral: unreachable: the model's swap reads never fail, so a page read back is always uptodate
  if ((mem.flags[pfn] & F(PG_uptodate)) === 0) {
    // A read error: the kernel installs a swapin-error entry; the model's reads never fail.
    // Stryker disable next-line StringLiteral,ObjectLiteral: unreachable, as above
    throw new KernelBug("unuse_pte: page not uptodate", { pfn });
  }
  rss[MM_SWAPENTS]--;
  rss[MM_ANONPAGES]++;
  mem._refcount[pfn]++;
  page_add_anon_rmap(k, pfn, vma, addr, pte_swp_exclusive(f));
  let nf = vma.vm_page_prot & ~_PAGE_ACCESSED; // pte_mkold(mk_pte(page, vm_page_prot))
  if (pte_swp_soft_dirty(f)) nf |= _PAGE_SOFT_DIRTY;
  set_pte_at(pool, i, pfn, nf);
  swap_free(k, entry);
}

// ---------------------------------------------------------------------------------------------
// /proc/swaps
// ---------------------------------------------------------------------------------------------

/**
 * /proc/swaps: a header, then one line per area in swap_info[] order, the path padded to 40
 * columns, sizes in KiB with an extra tab below 10,000,000.
 * @kernel mm/swapfile.c swap_show, swap_start, swap_next
 */
export function swaps_proc_show(k: Kernel): string {
  let out = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
  for (const si of k.swap.swap_info) {
    // swap_start: areas in use (swapoff clears SWP_USED when it frees swap_map).
    // Stryker disable next-line ConditionalExpression: equivalent: swap_info[] holds no null
    if (si === null) continue;
    if ((si.flags & SWP_USED) === 0) continue;
    const bytes = si.pages * 4;
    const inuse = si.inuse_pages * 4;
    const len = si.swap_file.length;
    out +=
      si.swap_file +
      " ".repeat(len < 40 ? 40 - len : 1) +
      ((si.flags & SWP_BLKDEV) !== 0 ? "partition" : "file\t") +
      "\t" + bytes + "\t" + (bytes < 10000000 ? "\t" : "") +
      inuse + "\t" + (inuse < 10000000 ? "\t" : "") +
      si.prio + "\n";
  }
  return out;
}


/** The enabled areas, for the API and checkers: path, type, size and use in pages, priority. */
export function swapAreas(k: Kernel): swap_info_struct[] {
  // Stryker disable next-line OptionalChaining: equivalent: swap_info[] holds no null
  return k.swap.swap_info.filter((si): si is swap_info_struct => ((si?.flags ?? 0) & SWP_WRITEOK) !== 0);
}

