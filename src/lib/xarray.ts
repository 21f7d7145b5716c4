/**
 * The xarray the page cache indexes its folios with (address_space->i_pages): a sparse array from
 * a page index to an entry, with value entries and three marks.
 *
 * Layout. The kernel's xarray is a radix tree of xa_nodes of 64 slots (XA_CHUNK_SHIFT 6), each
 * node carrying `count` (present entries), `nr_values` (value entries among them) and three mark
 * bitmaps of 64 bits. Here the leaf nodes are kept and the upper levels are one Map from chunk
 * number (index >> 6) to the leaf, with the last leaf found cached on the xarray: a run of
 * lookups in one chunk (a read of consecutive pages, a readahead window, a fault-around window)
 * costs one Map probe per 64 pages. A leaf is one Int32Array of XA_CHUNK_WORDS:
 *   [0, 64)   the slots: 0 empty, pfn + 1 a folio, XA_VALUE a value entry
 *   64        count: present entries (folios and values)
 *   65        nr_values: value entries
 *   66..71    mark m's 64 bits as two 32-bit words at 66 + 2m (low) and 67 + 2m (high)
 * A value entry's value — a workingset shadow (pack_shadow's 47 bits) or, for shmem, a swap
 * entry — does not fit a slot, so it lives in the chunk's Float64Array of 64 values, made the
 * first time the chunk stores one. Per-mark totals make xa_marked (mapping_tagged) O(1).
 *
 * Worked example: index 1000 is chunk 1000 >> 6 = 15, slot 1000 & 63 = 40; storing pfn 7 there
 * writes 8 to chunks.get(15)[40] and raises chunks.get(15)[64] to 1.
 *
 * Simplified: no multi-index entries (no large folios in the model's page cache), no locking, no
 * RCU; indexes are below 2^31 (the memmap's index column is 32 bits), so a file holds at most
 * 2^31 pages.
 * @kernel lib/xarray.c xa_load, xa_store, xa_erase, xas_find, xas_find_marked, xa_set_mark,
 *   xa_clear_mark, xa_get_mark
 * @kernel include/linux/xarray.h xa_is_value, xa_mk_value, xa_to_value, xa_marked, XA_CHUNK_SHIFT
 */
import { KernelBug } from "../kernel/bug.js";

/** Slots per leaf: 1 << XA_CHUNK_SHIFT. */
export const XA_CHUNK_SHIFT = 6;
export const XA_CHUNK_SIZE = 1 << XA_CHUNK_SHIFT;
export const XA_CHUNK_MASK = XA_CHUNK_SIZE - 1;
/** Words of a leaf: 64 slots, count, nr_values, 3 marks × 2 words. */
export const XA_CHUNK_WORDS = XA_CHUNK_SIZE + 2 + 6;
const COUNT = XA_CHUNK_SIZE;
const NR_VALUES = XA_CHUNK_SIZE + 1;
const MARKS = XA_CHUNK_SIZE + 2;
/** A slot holding a value entry (its value is in the chunk's value array). */
export const XA_VALUE = -1;
/** XA_MARK_0..2: the page cache's PAGECACHE_TAG_DIRTY, _WRITEBACK and _TOWRITE. */
export const XA_MARK_0 = 0;
export const XA_MARK_1 = 1;
export const XA_MARK_2 = 2;
export const XA_MAX_MARKS = 3;
/** The largest index the model's xarray holds (the memmap's index column is an int32). */
export const XA_MAX_INDEX = 2 ** 31 - 1;

/** The index of one address_space's pages. */
export class xarray {
  /** Leaves by chunk number. */
  readonly chunks = new Map<number, Int32Array>();
  /** Value arrays by chunk number, for chunks that have held a value entry. */
  readonly values = new Map<number, Float64Array>();
  /** Entries marked with each mark, over all chunks (xa_marked is total > 0). */
  readonly mark_total = new Float64Array(XA_MAX_MARKS);
  /** Present entries, folios and values. */
  nr_entries = 0;
  /** The highest chunk number held (-1 none): bounds the searches of a range to the end of the file. */
  max_nr = -1;
  /** The last chunk looked up, and its number (-1 none): runs of lookups skip the Map. */
  last_nr = -1;
  last: Int32Array | null = null;
  /**
   * Where freed leaves go and new ones come from: the machine's xa_node_cache (vfs_state's,
   * shared by all its mappings; set by new_inode), or null to allocate and drop them. A cold read
   * of a 64 MiB file makes 256 leaves and drop_caches frees them again; taking them from a free
   * list instead of a fresh Int32Array (an off-heap buffer each) saves about 0.5 µs a leaf.
   */
  node_cache: Int32Array[] | null = null;
}

/**
 * The most free leaves a machine's xa_node_cache keeps: 1024 (288 KiB of host memory, the leaves
 * of 64 Ki pages, 256 MiB of page cache); beyond that a freed leaf is left to the garbage
 * collector, as a slab cache gives back empty slabs.
 */
export const XA_NODE_CACHE_MAX = 1024;

/** The leaf of chunk `nr`, or null. */
export function xa_chunk(xa: xarray, nr: number): Int32Array | null {
  if (nr === xa.last_nr) return xa.last;
  const c = xa.chunks.get(nr);
  if (c === undefined) return null;
  xa.last_nr = nr;
  xa.last = c;
  return c;
}

function chunk_create(xa: xarray, nr: number): Int32Array {
  let c = xa_chunk(xa, nr);
  if (c === null) {
    const cache = xa.node_cache;
    c = cache !== null && cache.length > 0 ? (cache.pop() as Int32Array) : new Int32Array(XA_CHUNK_WORDS);
    xa.chunks.set(nr, c);
    if (nr > xa.max_nr) xa.max_nr = nr;
    xa.last_nr = nr;
    xa.last = c;
  }
  return c;
}

function chunk_free(xa: xarray, nr: number): void {
  const c = xa.chunks.get(nr);
  const cache = xa.node_cache;
  // An empty leaf is already all zero (slot_empty clears a slot's marks with it); the fill makes
  // sure of it, so a leaf from the cache is as a new one.
  if (c !== undefined && cache !== null && cache.length < XA_NODE_CACHE_MAX) cache.push(c.fill(0));
  xa.chunks.delete(nr);
  xa.values.delete(nr);
  if (nr === xa.max_nr) {
    let m = -1;
    for (const k of xa.chunks.keys()) if (k > m) m = k;
    xa.max_nr = m;
  }
  if (xa.last_nr === nr) {
    xa.last_nr = -1;
    xa.last = null;
  }
}

function check_index(index: number): void {
  if (!(index >= 0 && index <= XA_MAX_INDEX) || index !== Math.floor(index)) throw new KernelBug("xarray index out of range", { index });
}

/**
 * The slot word at `index`: 0 (empty), pfn + 1 (a folio) or XA_VALUE.
 * @kernel lib/xarray.c xa_load
 */
export function xa_load(xa: xarray, index: number): number {
  const c = xa_chunk(xa, index >>> XA_CHUNK_SHIFT);
  return c === null ? 0 : c[index & XA_CHUNK_MASK];
}

/** The folio at `index`, or -1 (none, or a value entry). */
export function xa_load_folio(xa: xarray, index: number): number {
  const c = xa_chunk(xa, index >>> XA_CHUNK_SHIFT);
  if (c === null) return -1;
  const e = c[index & XA_CHUNK_MASK];
  return e > 0 ? e - 1 : -1;
}

/** The value of the value entry at `index`, or 0 if there is none. @kernel include/linux/xarray.h xa_to_value */
export function xa_load_value(xa: xarray, index: number): number {
  const nr = index >>> XA_CHUNK_SHIFT;
  const c = xa_chunk(xa, nr);
  if (c === null || c[index & XA_CHUNK_MASK] !== XA_VALUE) return 0;
  const v = xa.values.get(nr);
  return v === undefined ? 0 : v[index & XA_CHUNK_MASK];
}

/**
 * Empties slot `slot` of chunk `c` (number nr) without freeing the chunk: counts, the value and
 * the slot's marks go. Returns whether it held anything.
 */
function slot_empty(xa: xarray, c: Int32Array, nr: number, slot: number): boolean {
  const e = c[slot];
  if (e === 0) return false;
  c[slot] = 0;
  c[COUNT]--;
  xa.nr_entries--;
  if (e === XA_VALUE) {
    c[NR_VALUES]--;
    const v = xa.values.get(nr);
    if (v !== undefined) v[slot] = 0;
  }
  const w = MARKS + (slot >>> 5);
  const bit = 1 << (slot & 31);
  for (let m = 0; m < XA_MAX_MARKS; m++) {
    if ((c[w + 2 * m] & bit) !== 0) {
      c[w + 2 * m] &= ~bit;
      xa.mark_total[m]--;
    }
  }
  return true;
}

/** slot_empty, then frees the chunk if that emptied it (xas_delete_node). */
function slot_clear(xa: xarray, c: Int32Array, nr: number, slot: number): void {
  if (slot_empty(xa, c, nr, slot) && c[COUNT] === 0) chunk_free(xa, nr);
}

/**
 * Stores folio `pfn` at `index`. Returns the value entry it replaces (a shadow), or 0 if the slot
 * was empty; storing over a folio is a KernelBug (the page cache checks for -EEXIST first).
 * @kernel lib/xarray.c xa_store
 */
export function xa_store_folio(xa: xarray, index: number, pfn: number): number {
  check_index(index);
  const nr = index >>> XA_CHUNK_SHIFT;
  const slot = index & XA_CHUNK_MASK;
  const c = chunk_create(xa, nr);
  const e = c[slot];
  if (e > 0) throw new KernelBug("xa_store_folio: slot holds a folio", { index, pfn: e - 1 });
  let old = 0;
  if (e === XA_VALUE) {
    old = (xa.values.get(nr) as Float64Array)[slot];
    slot_empty(xa, c, nr, slot);
  }
  c[slot] = pfn + 1;
  c[COUNT]++;
  xa.nr_entries++;
  return old;
}

/**
 * Stores a value entry (a shadow, a swap entry: a positive whole number below 2^53) at `index`
 * in place of what is there, or clears the slot when `value` is 0 — what page_cache_delete does
 * with the shadow it is given.
 * @kernel lib/xarray.c xa_store
 * @kernel include/linux/xarray.h xa_mk_value
 */
export function xa_store_value(xa: xarray, index: number, value: number): void {
  check_index(index);
  const nr = index >>> XA_CHUNK_SHIFT;
  const slot = index & XA_CHUNK_MASK;
  if (value === 0) {
    const c = xa_chunk(xa, nr);
    if (c !== null) slot_clear(xa, c, nr, slot);
    return;
  }
  const c = chunk_create(xa, nr);
  slot_empty(xa, c, nr, slot);
  let v = xa.values.get(nr);
  if (v === undefined) {
    v = new Float64Array(XA_CHUNK_SIZE);
    xa.values.set(nr, v);
  }
  c[slot] = XA_VALUE;
  v[slot] = value;
  c[COUNT]++;
  c[NR_VALUES]++;
  xa.nr_entries++;
}

/** Empties the slot at `index` (folio or value). @kernel lib/xarray.c xa_erase */
export function xa_erase(xa: xarray, index: number): void {
  const nr = index >>> XA_CHUNK_SHIFT;
  const c = xa_chunk(xa, nr);
  if (c !== null) slot_clear(xa, c, nr, index & XA_CHUNK_MASK);
}

/**
 * The first index in [start, max] holding an entry (folios only when `folios_only`), or -1.
 * Chunks are visited in index order; a range much wider than the chunks held walks the sorted
 * chunk numbers instead of every chunk number in between.
 * @kernel lib/xarray.c xas_find
 */
export function xa_find(xa: xarray, start: number, max: number, folios_only = false): number {
  if (start > max || xa.nr_entries === 0) return -1;
  const first = start >>> XA_CHUNK_SHIFT;
  const last = Math.min(Math.min(max, XA_MAX_INDEX) >>> XA_CHUNK_SHIFT, xa.max_nr);
  if (last - first > 4 * xa.chunks.size) {
    for (const nr of sorted_chunks(xa, first, last)) {
      const i = find_in_chunk(xa.chunks.get(nr) as Int32Array, nr, start, max, folios_only);
      if (i >= 0) return i;
    }
    return -1;
  }
  for (let nr = first; nr <= last; nr++) {
    const c = xa.chunks.get(nr);
    if (c === undefined) continue;
    const i = find_in_chunk(c, nr, start, max, folios_only);
    if (i >= 0) return i;
  }
  return -1;
}

function find_in_chunk(c: Int32Array, nr: number, start: number, max: number, folios_only: boolean): number {
  const base = nr * XA_CHUNK_SIZE;
  const s0 = Math.max(0, start - base);
  const s1 = Math.min(XA_CHUNK_MASK, max - base);
  for (let s = s0; s <= s1; s++) {
    const e = c[s];
    if (e > 0 || (e === XA_VALUE && !folios_only)) return base + s;
  }
  return -1;
}

/** The chunk numbers in [first, last], ascending. */
export function sorted_chunks(xa: xarray, first: number, last: number): number[] {
  const out: number[] = [];
  for (const nr of xa.chunks.keys()) if (nr >= first && nr <= last) out.push(nr);
  return out.sort((a, b) => a - b);
}

/** Sets mark `m` on the entry at `index` (which must be present). @kernel lib/xarray.c xa_set_mark */
export function xa_set_mark(xa: xarray, index: number, m: number): void {
  const c = xa_chunk(xa, index >>> XA_CHUNK_SHIFT);
  const slot = index & XA_CHUNK_MASK;
  if (c === null || c[slot] === 0) throw new KernelBug("xa_set_mark on an empty slot", { index, mark: m });
  const w = MARKS + 2 * m + (slot >>> 5);
  const bit = 1 << (slot & 31);
  if ((c[w] & bit) === 0) {
    c[w] |= bit;
    xa.mark_total[m]++;
  }
}

/** Clears mark `m` at `index`. @kernel lib/xarray.c xa_clear_mark */
export function xa_clear_mark(xa: xarray, index: number, m: number): void {
  const c = xa_chunk(xa, index >>> XA_CHUNK_SHIFT);
  if (c === null) return;
  const slot = index & XA_CHUNK_MASK;
  const w = MARKS + 2 * m + (slot >>> 5);
  const bit = 1 << (slot & 31);
  if ((c[w] & bit) !== 0) {
    c[w] &= ~bit;
    xa.mark_total[m]--;
  }
}

/** Is mark `m` set at `index`? @kernel lib/xarray.c xa_get_mark */
export function xa_get_mark(xa: xarray, index: number, m: number): boolean {
  const c = xa_chunk(xa, index >>> XA_CHUNK_SHIFT);
  if (c === null) return false;
  const slot = index & XA_CHUNK_MASK;
  return (c[MARKS + 2 * m + (slot >>> 5)] & (1 << (slot & 31))) !== 0;
}

/** Does any entry carry mark `m`? @kernel include/linux/xarray.h xa_marked */
export function xa_marked(xa: xarray, m: number): boolean {
  return xa.mark_total[m] > 0;
}

/**
 * The first index in [start, max] whose entry carries mark `m`, or -1.
 * @kernel lib/xarray.c xas_find_marked
 */
export function xa_find_marked(xa: xarray, start: number, max: number, m: number): number {
  if (start > max || xa.mark_total[m] === 0) return -1;
  const first = start >>> XA_CHUNK_SHIFT;
  const last = Math.min(Math.min(max, XA_MAX_INDEX) >>> XA_CHUNK_SHIFT, xa.max_nr);
  const chunkNrs = last - first > 4 * xa.chunks.size ? sorted_chunks(xa, first, last) : null;
  const n = chunkNrs === null ? last - first + 1 : chunkNrs.length;
  for (let k = 0; k < n; k++) {
    const nr = chunkNrs === null ? first + k : chunkNrs[k];
    const c = xa.chunks.get(nr);
    if (c === undefined) continue;
    const w0 = c[MARKS + 2 * m];
    const w1 = c[MARKS + 2 * m + 1];
    if (w0 === 0 && w1 === 0) continue;
    const base = nr * XA_CHUNK_SIZE;
    const s0 = Math.max(0, start - base);
    const s1 = Math.min(XA_CHUNK_MASK, max - base);
    for (let s = s0; s <= s1; s++) {
      if (((s < 32 ? w0 : w1) & (1 << (s & 31))) !== 0) return base + s;
    }
  }
  return -1;
}

/** Entries in chunk `c` (count), for checkers. */
export function xa_chunk_count(c: Int32Array): number {
  return c[COUNT];
}

/** Value entries in chunk `c` (nr_values), for checkers. */
export function xa_chunk_nr_values(c: Int32Array): number {
  return c[NR_VALUES];
}
