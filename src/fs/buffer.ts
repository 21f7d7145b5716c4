/**
 * Buffer heads (fs/buffer.c): a disk's metadata blocks — superblock, group descriptors, inode
 * tables, directory blocks, indirect blocks — are read through the page cache of the block device
 * inode (block/bdev.ts), block by block: a page of that cache holds 4096 / block size blocks,
 * each with its buffer head. Those pages are what /proc/meminfo's Buffers counts
 * (nr_blockdev_pages), and they live on the file LRU: touch_buffer marks a page accessed on every
 * lookup, so an indirect block consulted by many reads becomes active, as w6's 1 MB of metadata
 * does (Active(file) 1004 kB after one read of the file).
 *
 * A buffer's state is no JS object: a page's buffer heads are packed in its `private` column —
 * per block an uptodate bit (bits 0-7) and a dirty bit (bits 8-15), and the sum of the blocks'
 * b_count (bits 16-30) — with PG_private set while they are attached; attaching takes a page
 * reference, as attach_page_private does. A buffer head is named by `pfn * 8 + block index in the
 * page`. What the kernel's slab holds for them is modelled too: one object of the `buffer_head`
 * cache per block (alloc_page_buffers), its address kept in k.vfs.bh_chunks by page and block, freed
 * with the buffers (free_buffer_head), so Slab and SReclaimable grow by 104 bytes a block.
 *
 * Reads are synchronous (__bread waits for the block: wait_on_buffer), one bio per block. A
 * buffer can be freed (try_to_free_buffers, for reclaim and invalidation) only when none is held
 * (b_count) or dirty. Dirty buffers go back with their page (blkdev_writepages), or one at a time
 * for fsync (sync_dirty_buffer, sync_mapping_buffers: a file's own indirect blocks are on its
 * mapping's private list, kept as block numbers).
 * Simplified: blocks of 512 to 4096 bytes; no buffer locks (the model waits on the request); no
 * per-buffer b_blocknr (a bdev page's blocks are its index's, a file page's come from get_block).
 * @kernel fs/buffer.c __find_get_block, __getblk_gfp, __bread_gfp, grow_dev_page, grow_buffers,
 *   create_empty_buffers, touch_buffer, brelse, __brelse, end_buffer_read_sync, submit_bh,
 *   mark_buffer_dirty, try_to_free_buffers, block_invalidate_folio, block_dirty_folio,
 *   mark_buffer_dirty_inode, sync_dirty_buffer, sync_mapping_buffers, alloc_page_buffers,
 *   alloc_buffer_head, free_buffer_head
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { type block_device, blk_wait_until, END_BH_READ, REQ_OP_READ, submit_bio } from "../block/blk.js";
import { bdev_inode } from "../block/bdev.js";
import { GFP_NOFS, __GFP_ACCOUNT, __GFP_FS, __GFP_MOVABLE, __GFP_NOFAIL, __GFP_ZERO } from "../mm/gfp.js";
import { kmem_cache_alloc, kmem_cache_free } from "../mm/slab_common.js";
import { page_memcg, set_active_memcg } from "../mm/memcontrol.js";
import { F, PG_locked, PG_private, PG_uptodate } from "../mm/memmap.js";
import { filemap_add_folio, filemap_alloc_folio } from "../mm/filemap.js";
import { folio_mark_accessed, put_page } from "../mm/swap.js";
import { NO_PFN } from "../mm/types.js";
import { xa_load_folio } from "../lib/xarray.js";
import type { address_space } from "./fs.js";
import { filemap_dirty_folio, filemap_write_and_wait_range } from "../mm/page-writeback.js";

const PRIVATE = F(PG_private);
/** b_count's place in the packed word, and its unit. */
const COUNT_SHIFT = 16;
const COUNT_ONE = 1 << COUNT_SHIFT;
const UPTODATE_MASK = 0xff;
const DIRTY_SHIFT = 8;

/** The page of a buffer head handle (pfn * 8 + block). */
export function bh_page(bh: number): number {
  return Math.floor(bh / 8);
}

/** The block's index in its page. */
export function bh_index(bh: number): number {
  return bh % 8;
}

/** Does the page have buffer heads attached? @kernel include/linux/buffer_head.h page_has_buffers */
export function page_has_buffers(k: Kernel, pfn: number): boolean {
  return (k.mem_map.flags[pfn] & PRIVATE) !== 0;
}

/** Pages per chunk of k.vfs.bh_chunks, slots per page, and where a chunk keeps its count. */
const BH_CHUNK_SHIFT = 9;
const BH_CHUNK_PAGES = 1 << BH_CHUNK_SHIFT;
const BH_SLOTS = 8;
const BH_COUNT = BH_CHUNK_PAGES * BH_SLOTS;

/**
 * The struct buffer_heads of a page's `bpp` blocks, one object each from bh_cachep (kmem_cache_zalloc
 * with GFP_NOFS | __GFP_ACCOUNT | __GFP_NOFAIL: a file system's retry), charged to the memcg the
 * page is charged to (set_active_memcg(page_memcg(page)) around the loop), their addresses kept
 * in k.vfs.bh_chunks. 104 bytes each, in the reclaimable slab (SReclaimable): 256 MiB of an ext2
 * file written with 4 KiB blocks is 65 536 of them, 6.7 MB.
 * Simplified: the model's slab may still fail a __GFP_NOFAIL allocation; that block then has no
 * object (the buffer itself is the page's packed bits either way).
 * @kernel fs/buffer.c alloc_page_buffers, alloc_buffer_head
 */
function alloc_page_buffers(k: Kernel, pfn: number, bpp: number): void {
  const c = k.slab.cachep.bh_cachep;
  if (c === null) return;
  const chunks = k.vfs.bh_chunks;
  let chunk = chunks.get(pfn >>> BH_CHUNK_SHIFT);
  if (chunk === undefined) {
    chunk = new Float64Array(BH_COUNT + 1);
    chunks.set(pfn >>> BH_CHUNK_SHIFT, chunk);
  }
  const base = (pfn & (BH_CHUNK_PAGES - 1)) * BH_SLOTS;
  const old = set_active_memcg(k, page_memcg(k, pfn));
  for (let i = 0; i < bpp; i++) {
    const bh = kmem_cache_alloc(k, c, GFP_NOFS | __GFP_ACCOUNT | __GFP_NOFAIL | __GFP_ZERO, "alloc_buffer_head");
    if (bh === 0) continue;
    chunk[base + i] = bh;
    chunk[BH_COUNT]++;
  }
  set_active_memcg(k, old);
}

/** A page's buffer_head objects go back to bh_cachep. @kernel fs/buffer.c free_buffer_head */
function free_page_buffers(k: Kernel, pfn: number): void {
  const c = k.slab.cachep.bh_cachep;
  const chunks = k.vfs.bh_chunks;
  const chunk = chunks.get(pfn >>> BH_CHUNK_SHIFT);
  if (chunk === undefined || c === null) return;
  const base = (pfn & (BH_CHUNK_PAGES - 1)) * BH_SLOTS;
  for (let i = 0; i < BH_SLOTS; i++) {
    const bh = chunk[base + i];
    if (bh === 0) continue;
    chunk[base + i] = 0;
    kmem_cache_free(k, c, bh, "free_buffer_head");
    if (--chunk[BH_COUNT] === 0) chunks.delete(pfn >>> BH_CHUNK_SHIFT);
  }
}

/** The buffer_head objects a page holds (0 to 8). For the invariant checker and tests. */
export function page_bh_objects(k: Kernel, pfn: number): number {
  const chunk = k.vfs.bh_chunks.get(pfn >>> BH_CHUNK_SHIFT);
  if (chunk === undefined) return 0;
  const base = (pfn & (BH_CHUNK_PAGES - 1)) * BH_SLOTS;
  let n = 0;
  for (let i = 0; i < BH_SLOTS; i++) if (chunk[base + i] !== 0) n++;
  return n;
}

/** Every buffer_head object the machine holds, as [pfn, count] of each page with some. */
export function* bh_object_pages(k: Kernel): Generator<[number, number]> {
  for (const [nr, chunk] of k.vfs.bh_chunks) {
    for (let j = 0; j < BH_CHUNK_PAGES; j++) {
      let n = 0;
      for (let i = 0; i < BH_SLOTS; i++) if (chunk[j * BH_SLOTS + i] !== 0) n++;
      if (n !== 0) yield [nr * BH_CHUNK_PAGES + j, n];
    }
  }
}

/** The number of buffer_head objects the machine holds (each chunk's count). */
export function nr_buffer_heads(k: Kernel): number {
  let n = 0;
  for (const chunk of k.vfs.bh_chunks.values()) n += chunk[BH_COUNT];
  return n;
}

/**
 * Attaches empty buffer heads to a page, one per block of `bpp` (attach_page_private: PG_private
 * and a page reference).
 * @kernel fs/buffer.c create_empty_buffers
 */
export function create_empty_buffers(k: Kernel, pfn: number, bpp: number): void {
  const mem = k.mem_map;
  if ((mem.flags[pfn] & PRIVATE) !== 0) return;
  alloc_page_buffers(k, pfn, bpp);
  mem.flags[pfn] |= PRIVATE;
  mem.private[pfn] = 0;
  mem._refcount[pfn]++;
}

/** Takes the buffer heads off a page and frees them (detach_page_private: the page reference goes). */
function detach_buffers(k: Kernel, pfn: number): void {
  const mem = k.mem_map;
  mem.flags[pfn] &= ~PRIVATE;
  mem.private[pfn] = 0;
  free_page_buffers(k, pfn);
  put_page(k, pfn);
}

/** Is block `i` of the page uptodate? @kernel include/linux/buffer_head.h buffer_uptodate */
export function buffer_uptodate(k: Kernel, pfn: number, i: number): boolean {
  return (k.mem_map.private[pfn] & (1 << i)) !== 0;
}

/** Marks block `i` of a buffer page uptodate (and the page, once all its blocks are). */
export function set_buffer_uptodate(k: Kernel, pfn: number, i: number, bpp: number): void {
  const mem = k.mem_map;
  mem.private[pfn] |= 1 << i;
  if ((mem.private[pfn] & UPTODATE_MASK) === (1 << bpp) - 1) mem.flags[pfn] |= F(PG_uptodate);
}

/** The sum of the page's buffers' b_count. */
export function page_bh_count(k: Kernel, pfn: number): number {
  return k.mem_map.private[pfn] >>> COUNT_SHIFT;
}

/** Any buffer of the page dirty? */
export function page_bh_dirty(k: Kernel, pfn: number): boolean {
  return ((k.mem_map.private[pfn] >>> DIRTY_SHIFT) & 0xff) !== 0;
}

/** A block read finished: the buffer is uptodate. @kernel fs/buffer.c end_buffer_read_sync */
export function end_buffer_read_sync(k: Kernel, bh: number): void {
  const pfn = bh_page(bh);
  const bdev = k.vfs.mappings.get(k.mem_map.mapping[pfn])?.host?.i_bdev ?? null;
  set_buffer_uptodate(k, pfn, bh_index(bh), bdev === null ? 1 : 4096 / bdev.bd_block_size);
}

/**
 * The buffer of block `block` of `bdev`, found or created in the device's page cache (grow_buffers:
 * a page added with its empty buffers), marked accessed (touch_buffer) and held (b_count + 1).
 * NO_PFN only if no page could be had (the kernel's __GFP_NOFAIL loops; the model gives up).
 * @kernel fs/buffer.c __getblk_gfp, __find_get_block, grow_dev_page, touch_buffer
 */
export function __getblk(k: Kernel, bdev: block_device, block: number): number {
  const size = bdev.bd_block_size;
  const bpp = 4096 / size;
  const index = Math.floor(block / bpp);
  const i = block % bpp;
  const mapping = bdev_inode(k, bdev).i_mapping;
  let pfn = xa_load_folio(mapping.i_pages, index);
  if (pfn < 0) {
    // grow_dev_page: the mapping's mask without __GFP_FS, with __GFP_MOVABLE (sb_bread) and __GFP_NOFAIL.
    const gfp = (mapping.gfp_mask & ~__GFP_FS) | __GFP_MOVABLE | __GFP_NOFAIL;
    pfn = filemap_alloc_folio(k, gfp);
    if (pfn === NO_PFN) return NO_PFN;
    if (filemap_add_folio(k, mapping, pfn, index, gfp) !== 0) throw new KernelBug("grow_dev_page: the page appeared", { index });
    k.mem_map.flags[pfn] &= ~F(PG_locked);
    create_empty_buffers(k, pfn, bpp);
    put_page(k, pfn); // the cache and the buffers hold it now
  } else if (!page_has_buffers(k, pfn)) {
    create_empty_buffers(k, pfn, bpp);
  }
  folio_mark_accessed(k, pfn);
  k.mem_map.private[pfn] += COUNT_ONE;
  return pfn * 8 + i;
}

/**
 * __bread: the buffer of `block`, read from the disk if it is not uptodate (the task waits for
 * the one-block bio), held for the caller, who releases it with brelse.
 * @kernel fs/buffer.c __bread_gfp, __bread_slow, submit_bh, wait_on_buffer
 */
export function __bread(k: Kernel, bdev: block_device, block: number): number {
  const bh = __getblk(k, bdev, block);
  if (bh === NO_PFN) return NO_PFN;
  const pfn = bh_page(bh);
  const i = bh_index(bh);
  if (!buffer_uptodate(k, pfn, i)) {
    const sectors = bdev.bd_block_size / 512;
    const done = submit_bio(k, bdev, REQ_OP_READ, k.blk.bio_one(bh), 0, 1, sectors, END_BH_READ);
    blk_wait_until(k, done);
  }
  return bh;
}

/** Releases a held buffer (b_count - 1). @kernel fs/buffer.c __brelse */
export function brelse(k: Kernel, bh: number): void {
  if (bh === NO_PFN) return;
  const pfn = bh_page(bh);
  if (k.mem_map.private[pfn] < COUNT_ONE) throw new KernelBug("brelse: buffer not held", { pfn });
  k.mem_map.private[pfn] -= COUNT_ONE;
}

/**
 * Marks a buffer dirty, and its page, through the device mapping's dirty accounting (the
 * block device inode goes on its disk's dirty list). Writing it back is part B's.
 * @kernel fs/buffer.c mark_buffer_dirty
 */
export function mark_buffer_dirty(k: Kernel, bh: number, mapping: address_space): void {
  const pfn = bh_page(bh);
  k.mem_map.private[pfn] |= 1 << (DIRTY_SHIFT + bh_index(bh));
  filemap_dirty_folio(k, mapping, pfn);
}

/**
 * Marks a metadata buffer dirty on behalf of a file (an indirect block of its block map) and
 * puts its block on the file's private list, so that fsync writes it (sync_mapping_buffers).
 * @kernel fs/buffer.c mark_buffer_dirty_inode
 */
export function mark_buffer_dirty_inode(k: Kernel, bh: number, block: number, bdev_mapping: address_space, mapping: address_space): void {
  mark_buffer_dirty(k, bh, bdev_mapping);
  // The kernel's b_assoc_map test is O(1); here the list is checked at its tail only (a sequential
  // writer dirties the same indirect block for hundreds of allocations in a row), so a block may
  // appear twice (a double-indirect block between its children): sync_mapping_buffers writes a
  // buffer only while it is dirty, so the second entry costs a lookup, nothing more.
  const list = (mapping.private_list ??= []);
  if (list.length === 0 || list[list.length - 1] !== block) list.push(block);
}

/**
 * Writes one block's buffer to the disk now and waits for it, if it is dirty.
 * Simplified: the page holding the buffer is written whole (as blkdev_writepages writes the
 * buffer cache); with 4 KiB blocks the two are the same.
 * @kernel fs/buffer.c sync_dirty_buffer, __sync_dirty_buffer
 */
export function sync_dirty_buffer(k: Kernel, bdev: block_device, block: number): number {
  const bpp = 4096 / bdev.bd_block_size;
  const index = Math.floor(block / bpp);
  const mapping = bdev_inode(k, bdev).i_mapping;
  const pfn = xa_load_folio(mapping.i_pages, index);
  if (pfn < 0 || (k.mem_map.private[pfn] & (1 << (DIRTY_SHIFT + (block % bpp)))) === 0) return 0;
  return filemap_write_and_wait_range(k, mapping, index * 4096, index * 4096 + 4095);
}

/**
 * fsync's metadata half for a simple filesystem: the buffers on the file's private list are
 * written and waited for, and the list is emptied.
 * Simplified: each buffer is written with its page, one request each (the kernel's
 * write_dirty_buffer calls go under a plug and may merge adjacent blocks).
 * @kernel fs/buffer.c sync_mapping_buffers, fsync_buffers_list
 */
export function sync_mapping_buffers(k: Kernel, mapping: address_space): number {
  const list = mapping.private_list;
  const bdev = mapping.host?.i_sb.s_bdev ?? null;
  mapping.private_list = null;
  if (list === null || bdev === null) return 0;
  let err = 0;
  for (const block of list) {
    const e = sync_dirty_buffer(k, bdev, block);
    if (e < 0 && err === 0) err = e;
  }
  return err;
}

/** Marks every buffer of a page dirty (a file page's, written). @kernel fs/buffer.c block_dirty_folio */
export function mark_page_buffers_dirty(k: Kernel, pfn: number, bpp: number): void {
  k.mem_map.private[pfn] |= ((1 << bpp) - 1) << DIRTY_SHIFT;
}

/** Clears the dirty bits of a page's buffers: the page is being written whole. @kernel fs/mpage.c clean_buffers */
export function clean_page_buffers(k: Kernel, pfn: number): void {
  if (page_has_buffers(k, pfn)) k.mem_map.private[pfn] &= ~(0xff << DIRTY_SHIFT);
}

/**
 * Frees a page's buffer heads if none is held or dirty: true if the page has none left.
 * @kernel fs/buffer.c try_to_free_buffers, drop_buffers
 */
export function try_to_free_buffers(k: Kernel, pfn: number): boolean {
  if (!page_has_buffers(k, pfn)) return true;
  if (page_bh_count(k, pfn) !== 0 || page_bh_dirty(k, pfn)) return false;
  detach_buffers(k, pfn);
  return true;
}

/**
 * A page leaves the page cache by truncation: its buffers are dropped whatever their state
 * (dirty data that will never be written is discarded).
 * @kernel fs/buffer.c block_invalidate_folio
 */
export function block_invalidate_folio(k: Kernel, pfn: number): void {
  if (!page_has_buffers(k, pfn)) return;
  if (page_bh_count(k, pfn) !== 0) return; // held buffers stay (try_to_release later)
  detach_buffers(k, pfn);
}
