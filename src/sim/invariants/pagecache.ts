/**
 * The page cache's invariants, checked from scratch over the whole machine (what 6.1's
 * CONFIG_DEBUG_VM checks piecemeal in page_cache_delete, __filemap_add_folio, filemap_unaccount_folio):
 * - every folio in an address_space's i_pages has that mapping's id in its `mapping` column and
 *   its slot's index in its `index` column, holds a reference (the cache's), and is not free;
 * - nrpages equals the folios in i_pages; i_pages' xa_node count is the tree's 6.1 holds for its
 *   indices (lib/xarray.ts xa_nodes_expected), and the shadow_nodes lists hold exactly the leaves
 *   with a node and only value entries of mappings that are not shmem, WORKINGSET_NODES counting them;
 * - a tmpfs file's value entries are its swapped pages: info->swapped counts them and
 *   info->alloced is at least nrpages + swapped (the rest is what shmem_recalc_inode will find
 *   freed behind the file's back);
 * - NR_FILE_PAGES − NR_SWAPCACHE equals the folios of every live mapping (a folio counted once),
 *   and NR_SHMEM the swap-backed ones;
 * - every page-cache folio is on an LRU list or waits in a per-CPU lru_add batch (no folio is
 *   lost to reclaim: between operations nothing stays isolated);
 * - a page whose `mapping` column names a file mapping is in that mapping's i_pages;
 * - i_mmap holds exactly the VMAs of live mms that map the file (vm_file's mapping);
 * - writeback (part B): no free page is dirty or under writeback; in a mapping that writes back,
 *   the DIRTY tag is set exactly on the PG_dirty folios; NR_FILE_DIRTY equals those folios and
 *   each disk's WB_RECLAIMABLE its own; NR_WRITEBACK equals the PG_writeback pages of the
 *   machine (file and swap) and each disk's WB_WRITEBACK its file pages; an inode on a writeback
 *   list is on the one its i_io_list names, once;
 * - buffer heads: every buffer_head object the machine keeps belongs to a page-cache page with
 *   buffers attached (PG_private), and every such page that is not shmem has its first block's.
 * @kernel mm/filemap.c page_cache_delete, __filemap_add_folio, filemap_unaccount_folio
 * @kernel mm/page-writeback.c folio_account_dirtied, __folio_start_writeback, __folio_end_writeback
 */
import { is_zone_device_page } from "../../mm/memremap.js";
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { F, PG_buddy, PG_dirty, PG_lru, PG_private, PG_slab, PG_swapbacked, PG_writeback } from "../../mm/memmap.js";
import { mapping_can_writeback, PAGECACHE_TAG_DIRTY } from "../../mm/page-writeback.js";
import { WB_RECLAIMABLE, WB_WRITEBACK } from "../../block/blk.js";
import { IO_LIST_DIRTY, IO_LIST_IO, IO_LIST_MORE_IO } from "../../fs/fs-writeback.js";
import { global_node_page_state } from "../../mm/vmstat.js";
import { NR_FILE_DIRTY, NR_FILE_PAGES, NR_SHMEM, NR_SWAPCACHE, NR_WRITEBACK, WORKINGSET_NODES } from "../../mm/vmstat_items.js";
import { PAGEVEC_SIZE } from "../../mm/swap.js";
import type { vm_area_struct } from "../../mm/mm_types.js";
import { XA_CHUNK_SIZE, xa_get_mark, xa_leaf_shadow_only, xa_nodes_expected } from "../../lib/xarray.js";
import { S_IFMT, S_IFREG } from "../../fs/fs.js";
import { SHMEM_I } from "../../mm/shmem.js";
import { bh_object_pages, nr_buffer_heads, page_bh_objects } from "../../fs/buffer.js";

const LRU = F(PG_lru);
const BUDDY = F(PG_buddy);
const SWAPBACKED = F(PG_swapbacked);
const DIRTY = F(PG_dirty);
const WRITEBACK = F(PG_writeback);
const PRIVATE = F(PG_private);

/** Throws KernelBug with context on the first broken page-cache invariant. */
export function checkPageCache(k: Kernel): void {
  const mem = k.mem_map;
  const inBatch = new Set<number>();
  const b = k.lru_batches;
  if (b !== null) for (let slot = 0; slot < b.nr.length; slot++) for (let i = 0; i < b.nr[slot]; i++) inBatch.add(b.pfns[slot * PAGEVEC_SIZE + i]);
  let folios = 0;
  let shmem = 0;
  let dirty = 0;
  const wbDirty = new Map<unknown, number>();
  const wbWriteback = new Map<unknown, number>();
  const cached = new Uint8Array(mem.max_pfn);
  for (const [id, mapping] of k.vfs.mappings) {
    if (mapping.id !== id) throw new KernelBug("mapping filed under another id", { id, mapping: mapping.id });
    let n = 0;
    for (const [nr, c] of mapping.i_pages.chunks) {
      for (let s = 0; s < XA_CHUNK_SIZE; s++) {
        const e = c[s];
        if (e <= 0) continue;
        const pfn = e - 1;
        const index = nr * XA_CHUNK_SIZE + s;
        n++;
        if (cached[pfn]) throw new KernelBug("folio in the page cache twice", { pfn, mapping: id, index });
        cached[pfn] = 1;
        if (mem.mapping[pfn] !== id) throw new KernelBug("page cache folio names another mapping", { pfn, mapping: id, column: mem.mapping[pfn] });
        if (mem.index[pfn] !== index) throw new KernelBug("page cache folio at the wrong index", { pfn, index, column: mem.index[pfn] });
        const f = mem.flags[pfn];
        if (f & BUDDY || mem._refcount[pfn] <= 0) throw new KernelBug("free page in the page cache", { pfn, mapping: id, index, refcount: mem._refcount[pfn] });
        if (mem._refcount[pfn] < 1 + Math.max(0, mem.mapcount[pfn])) throw new KernelBug("page cache folio with fewer references than the cache and its mappings hold", { pfn, refcount: mem._refcount[pfn], mapcount: mem.mapcount[pfn] });
        if ((f & LRU) === 0 && !inBatch.has(pfn)) throw new KernelBug("page cache folio on no LRU list and in no batch", { pfn, mapping: id, index, flags: f });
        if (f & SWAPBACKED) shmem++;
        if (mapping_can_writeback(mapping)) {
          const isDirty = (f & DIRTY) !== 0;
          if (isDirty !== xa_get_mark(mapping.i_pages, index, PAGECACHE_TAG_DIRTY)) throw new KernelBug("DIRTY tag differs from PG_dirty", { pfn, mapping: id, index, dirty: isDirty });
          const host = mapping.host;
          const wb = host === null ? null : (host.i_bdev ?? host.i_sb.s_bdev)?.bdi.wb;
          if (isDirty) {
            dirty++;
            wbDirty.set(wb, (wbDirty.get(wb) ?? 0) + 1);
          }
          if (f & WRITEBACK) wbWriteback.set(wb, (wbWriteback.get(wb) ?? 0) + 1);
        }
      }
    }
    if (n !== mapping.nrpages) throw new KernelBug("nrpages differs from i_pages", { mapping: id, nrpages: mapping.nrpages, counted: n });
    const nodes = xa_nodes_expected(mapping.i_pages);
    if (nodes !== mapping.i_pages.nr_nodes) throw new KernelBug("i_pages' xa_node count differs from its tree's", { mapping: id, nr_nodes: mapping.i_pages.nr_nodes, expected: nodes });
    const host = mapping.host;
    if (host !== null && host.shmem && (host.i_mode & S_IFMT) === S_IFREG) {
      const info = SHMEM_I(host);
      const values = mapping.i_pages.nr_entries - n;
      if (info.swapped !== values) throw new KernelBug("tmpfs swapped differs from its swap entries", { mapping: id, swapped: info.swapped, entries: values });
      // Clean folios (holes read or faulted in, never written) may leave behind the file's back
      // (drop_caches, fadvise): alloced keeps them until shmem_recalc_inode next runs.
      if (info.alloced < n + values) throw new KernelBug("tmpfs alloced below its pages and swap entries", { mapping: id, alloced: info.alloced, nrpages: n, swapped: values });
    }
    folios += n;
    for (const vma of mapping.i_mmap) {
      if (vma.vm_file === null || vma.vm_file.f_mapping !== mapping) throw new KernelBug("VMA in the i_mmap of a file it does not map", { mapping: id, start: vma.vm_start });
    }
  }
  // The shadow-node lists: exactly the shadow-only leaves of the mappings that track them.
  const listed = new Map<Int32Array, number>();
  k.workingset.shadow_nodes.forEach((list, nid) => {
    for (const c of list.keys()) listed.set(c, nid);
  });
  for (const pgdat of k.node_data) {
    const n = k.workingset.shadow_nodes[pgdat.node_id]?.size ?? 0;
    if (pgdat.vm_stat[WORKINGSET_NODES] !== n) throw new KernelBug("WORKINGSET_NODES differs from the shadow_nodes list", { nid: pgdat.node_id, stat: pgdat.vm_stat[WORKINGSET_NODES], listed: n });
  }
  let shadow_only = 0;
  for (const [id, mapping] of k.vfs.mappings) {
    if (!mapping.i_pages.update_node) continue;
    for (const [nr, c] of mapping.i_pages.chunks) {
      if (!xa_leaf_shadow_only(c)) continue;
      shadow_only++;
      if (!listed.has(c)) throw new KernelBug("shadow-only xa_node missing from shadow_nodes", { mapping: id, nr });
    }
  }
  if (shadow_only !== listed.size) throw new KernelBug("shadow_nodes holds nodes that are not shadow-only leaves of a live mapping", { listed: listed.size, counted: shadow_only });
  for (let pfn = 0; pfn < mem.max_pfn; pfn++) {
    const m = mem.mapping[pfn];
    // A slab's head page keeps its cache's id in the column (page->slab_cache shares the word);
    // a device-dax page names the file it is mapped from (dax_set_mapping) without being cached.
    if (m > 0 && !cached[pfn] && (mem.flags[pfn] & (BUDDY | F(PG_slab))) === 0 && mem._refcount[pfn] > 0 && !is_zone_device_page(k, pfn)) {
      if (k.vfs.mappings.has(m)) throw new KernelBug("page names a mapping whose i_pages does not hold it", { pfn, mapping: m });
    }
  }
  // Buffer heads (fs/buffer.ts): each buffer_head object belongs to a page-cache page with buffers
  // attached, and each such page of a block filesystem or block device has its block 0's object.
  if (k.slab.cachep.bh_cachep !== null) {
    let total = 0;
    for (const [pfn, n] of bh_object_pages(k)) {
      if (!cached[pfn] || (mem.flags[pfn] & PRIVATE) === 0) throw new KernelBug("buffer_head object of a page without buffers", { pfn, objects: n });
      total += n;
    }
    if (total !== nr_buffer_heads(k)) throw new KernelBug("buffer_head chunk counts differ from their objects", { counted: total, chunks: nr_buffer_heads(k) });
    for (let pfn = 0; pfn < mem.max_pfn; pfn++) {
      if (cached[pfn] && (mem.flags[pfn] & (PRIVATE | SWAPBACKED)) === PRIVATE && page_bh_objects(k, pfn) === 0) throw new KernelBug("page with buffers but no buffer_head objects", { pfn });
    }
  }
  let writeback = 0;
  for (let pfn = 0; pfn < mem.max_pfn; pfn++) {
    const f = mem.flags[pfn];
    if (f & BUDDY && f & (DIRTY | WRITEBACK)) throw new KernelBug("free page dirty or under writeback", { pfn, flags: f });
    if (f & WRITEBACK) writeback++;
  }
  const nr_dirty = global_node_page_state(k, NR_FILE_DIRTY);
  if (nr_dirty !== dirty) throw new KernelBug("NR_FILE_DIRTY differs from the dirty folios", { stat: nr_dirty, counted: dirty });
  const nr_wb = global_node_page_state(k, NR_WRITEBACK);
  if (nr_wb !== writeback) throw new KernelBug("NR_WRITEBACK differs from the PG_writeback pages", { stat: nr_wb, counted: writeback });
  for (const d of k.blk.disks) {
    const wb = d.bdi.wb;
    if (wb.stat[WB_RECLAIMABLE] !== (wbDirty.get(wb) ?? 0)) throw new KernelBug("WB_RECLAIMABLE differs from the disk's dirty folios", { disk: d.disk_name, stat: wb.stat[WB_RECLAIMABLE], counted: wbDirty.get(wb) ?? 0 });
    if (wb.stat[WB_WRITEBACK] !== (wbWriteback.get(wb) ?? 0)) throw new KernelBug("WB_WRITEBACK differs from the disk's folios under writeback", { disk: d.disk_name, stat: wb.stat[WB_WRITEBACK], counted: wbWriteback.get(wb) ?? 0 });
    const lists = [
      [d.bdi.b_dirty, IO_LIST_DIRTY],
      [wb.b_io, IO_LIST_IO],
      [wb.b_more_io, IO_LIST_MORE_IO],
    ] as const;
    const seen = new Set<unknown>();
    for (const [l, which] of lists) {
      for (const ino of l) {
        if (seen.has(ino)) throw new KernelBug("inode on two writeback lists", { disk: d.disk_name, ino: ino.i_ino });
        seen.add(ino);
        if (ino.i_io_list !== which) throw new KernelBug("inode's i_io_list names another list", { disk: d.disk_name, ino: ino.i_ino, i_io_list: ino.i_io_list, on: which });
      }
    }
  }
  const nr_file = global_node_page_state(k, NR_FILE_PAGES) - global_node_page_state(k, NR_SWAPCACHE);
  if (nr_file !== folios) throw new KernelBug("NR_FILE_PAGES differs from the page cache", { stat: nr_file, counted: folios });
  const nr_shmem = global_node_page_state(k, NR_SHMEM);
  if (nr_shmem !== shmem) throw new KernelBug("NR_SHMEM differs from the swap-backed page cache", { stat: nr_shmem, counted: shmem });
  // i_mmap complete: every file VMA of every live mm is in its mapping's i_mmap.
  const live = new Set<vm_area_struct>();
  for (const t of k.tasks.all()) {
    const mm = t.mm;
    if (mm === null) continue;
    for (const vma of mm.mm_mt) {
      if (vma.vm_file === null) continue;
      live.add(vma);
      if (!vma.vm_file.f_mapping.i_mmap.has(vma)) throw new KernelBug("file VMA missing from its mapping's i_mmap", { pid: t.pid, start: vma.vm_start });
    }
  }
  for (const mapping of k.vfs.mappings.values()) {
    for (const vma of mapping.i_mmap) if (!live.has(vma)) throw new KernelBug("i_mmap holds a VMA no live mm has", { mapping: mapping.id, start: vma.vm_start });
  }
}
