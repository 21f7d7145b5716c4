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
 * The kernel's nodes. The leaves and the Map are the model's layout; what 6.1 allocates is counted
 * exactly beside them, and each of its xa_nodes is one radix_tree_node slab object (576 bytes)
 * that the xarray's `node_owner` allocates and frees (mm/workingset.ts: the page cache's,
 * charged to the allocating task's memcg as XA_FLAGS_ACCOUNT asks). 6.1's tree is canonical for
 * its present indices, because xas_delete_node frees every node that empties and xas_shrink
 * collapses a root whose only child sits in slot 0 whenever a deletion reaches the root:
 *   - height: the fewest levels of 64 slots that reach the largest index M (one level below 64,
 *     two below 4096, three below 2^18…);
 *   - one node per level per distinct prefix index >> (6 (l + 1)) of the present indices;
 *   - except that a lone entry at index 0 sits in xa_head with no node at all (xas_create stores
 *     it there; xas_shrink puts it back when the rest goes).
 * Worked examples: {0} 0 nodes; {0..63} 1; {0, 64} 3 (a root over two leaves); {2^20} 4 (a root
 * at shift 18, then shift 12, 6 and the leaf: one node per level). The leaves carry whether the
 * kernel has a node for them (all but the head case) and its object; the interior nodes are one
 * Map from level and prefix to their child count (and one to their objects), made when the tree
 * first grows past one level: a node is made or freed in O(1) as the kernel's are, and nothing
 * here runs per page but the two compares of a store.
 *
 * workingset_update_node (xas_set_update) is the `update_node` flag: when a leaf comes to hold
 * value entries only, or stops to, the owner puts it on or takes it off the shadow_nodes list.
 *
 * Simplified: no multi-index entries (no large folios in the model's page cache), no locking, no
 * RCU; indexes are below 2^31 (the memmap's index column is 32 bits), so a file holds at most
 * 2^31 pages. The nodes of one store are allocated leaf-level first, up (6.1's xas_create goes
 * top down): only the objects' addresses differ.
 * @kernel lib/xarray.c xa_load, xa_store, xa_erase, xas_find, xas_find_marked, xa_set_mark,
 *   xa_clear_mark, xa_get_mark, xas_alloc, xas_expand, xas_create, xas_delete_node, xas_shrink,
 *   xa_delete_node, xa_node_free
 * @kernel include/linux/xarray.h xa_is_value, xa_mk_value, xa_to_value, xa_marked, XA_CHUNK_SHIFT
 */
import { KernelBug } from "../kernel/bug.js";

/** Slots per leaf: 1 << XA_CHUNK_SHIFT. */
export const XA_CHUNK_SHIFT = 6;
export const XA_CHUNK_SIZE = 1 << XA_CHUNK_SHIFT;
export const XA_CHUNK_MASK = XA_CHUNK_SIZE - 1;
/**
 * Words of a leaf: 64 slots, count, nr_values, 3 marks × 2 words, then the kernel node's
 * bookkeeping: its object's address (low 30 bits, high bits), whether 6.1 has a node for the leaf
 * (0 only for the lone entry at index 0 in xa_head), whether it is on shadow_nodes, and the
 * chunk number (the shrinker finds the leaf from the list).
 */
export const XA_CHUNK_WORDS = XA_CHUNK_SIZE + 2 + 6 + 5;
const COUNT = XA_CHUNK_SIZE;
const NR_VALUES = XA_CHUNK_SIZE + 1;
const MARKS = XA_CHUNK_SIZE + 2;
const OBJ_LO = XA_CHUNK_SIZE + 8;
const OBJ_HI = XA_CHUNK_SIZE + 9;
const HAS_NODE = XA_CHUNK_SIZE + 10;
const ON_LIST = XA_CHUNK_SIZE + 11;
const CHUNK_NR = XA_CHUNK_SIZE + 12;
/** 2^30: an object address is kept as two int32 words. */
const OBJ_SPLIT = 0x40000000;
/** An interior node's Map key: level * 2^26 + prefix (prefixes of a chunk number are below 2^25). */
const LEVEL_KEY = 2 ** 26;
/** XA_FLAGS_ACCOUNT: nodes are charged to the allocating task's memcg (address_space_init_once). */
export const XA_FLAGS_ACCOUNT = 1 << 5;

/**
 * Who makes and frees an xarray's nodes: the radix_tree_node slab objects (xas_alloc,
 * xa_node_free) and the shadow-node list (workingset_update_node). A class instance of the
 * machine (its methods are code, so a snapshot names them), or null: the tree is counted without
 * objects.
 */
export interface xa_node_owner {
  /** A new node's object, or 0 if the slab has none to give. */
  node_alloc(xa: xarray): number;
  /** Frees a node's object (never 0). */
  node_free(xa: xarray, obj: number): void;
  /** Leaf `c` of `xa` has just come to hold only value entries (on) or stopped to (off). */
  shadow_list(xa: xarray, c: Int32Array, on: boolean): void;
}
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
  /** xa_flags: XA_FLAGS_ACCOUNT or 0. */
  xa_flags = 0;
  /** xas_set_update(workingset_update_node): a page cache mapping's, not shmem's or swap's. */
  update_node = false;
  /** The address_space this is the i_pages of (its id in vfs_state.mappings; 0 none): the shadow shrinker's mapping. */
  mapping_id = 0;
  /** Makes and frees the nodes' objects; null for none. */
  node_owner: xa_node_owner | null = null;
  /** Levels of nodes 6.1's tree has (0 empty; 1 a single leaf, or a lone entry at index 0 in xa_head). */
  height = 0;
  /** xa_nodes 6.1 holds for the present entries: leaves (all but the head case) and interior nodes. */
  nr_nodes = 0;
  /** Interior nodes (levels 1 and up): their child count by level * 2^26 + prefix; null until the tree grows a second level. */
  inner: Map<number, number> | null = null;
  /** Interior nodes' objects, by the same key (0: the slab gave none). */
  inner_obj: Map<number, number> | null = null;
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

/** The leaf of chunk `nr`, made if it is not there (its kernel nodes come with its first entry: leaf_added). */
function chunk_create(xa: xarray, nr: number): Int32Array {
  let c = xa_chunk(xa, nr);
  if (c === null) {
    const cache = xa.node_cache;
    c = cache !== null && cache.length > 0 ? (cache.pop() as Int32Array) : new Int32Array(XA_CHUNK_WORDS);
    c[CHUNK_NR] = nr;
    xa.chunks.set(nr, c);
    if (nr > xa.max_nr) xa.max_nr = nr;
    xa.last_nr = nr;
    xa.last = c;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// 6.1's nodes (see the header): counted and given their objects as the kernel makes and frees them
// ---------------------------------------------------------------------------------------------

/** The levels of nodes a tree whose highest chunk is `max_nr` has: 1 + the levels above the leaves. */
export function xa_height(max_nr: number): number {
  if (max_nr < 0) return 0;
  let h = 1;
  for (let span = 1; max_nr >= span; span *= XA_CHUNK_SIZE) h++;
  return h;
}

/** An object's address from a leaf's two words. */
function leaf_obj(c: Int32Array): number {
  return c[OBJ_HI] * OBJ_SPLIT + c[OBJ_LO];
}

/** A new node's object (xas_alloc). */
function node_alloc(xa: xarray): number {
  const o = xa.node_owner;
  return o === null ? 0 : o.node_alloc(xa);
}

/** xa_node_free. */
function node_free(xa: xarray, obj: number): void {
  const o = xa.node_owner;
  if (o !== null && obj !== 0) o.node_free(xa, obj);
}

/** workingset_update_node on leaf c: on the shadow list while it has a node holding values only. */
function leaf_update(xa: xarray, c: Int32Array): void {
  const want = xa_leaf_shadow_only(c);
  if (want === (c[ON_LIST] !== 0)) return;
  c[ON_LIST] = want ? 1 : 0;
  const o = xa.node_owner;
  if (o !== null) o.shadow_list(xa, c, want);
}

/**
 * Gives leaf c its node or takes it away: every leaf with entries has one, but for the lone entry
 * at index 0 of a one-leaf tree, which 6.1 keeps in xa_head (xas_create; xas_shrink).
 */
function leaf_sync(xa: xarray, c: Int32Array): void {
  const want = c[COUNT] !== 0 && !(xa.max_nr === 0 && c[COUNT] === 1 && c[0] !== 0);
  if (want === (c[HAS_NODE] !== 0)) return;
  if (want) {
    c[HAS_NODE] = 1;
    xa.nr_nodes++;
    const obj = node_alloc(xa);
    c[OBJ_LO] = obj % OBJ_SPLIT;
    c[OBJ_HI] = Math.floor(obj / OBJ_SPLIT);
  } else {
    // xas_shrink: count goes to 0 and xas_update takes the node off the list before it is freed.
    c[HAS_NODE] = 0;
    if (xa.update_node) leaf_update(xa, c);
    xa.nr_nodes--;
    node_free(xa, leaf_obj(c));
    c[OBJ_LO] = 0;
    c[OBJ_HI] = 0;
  }
}

/** A new interior node at `level` over `prefix`, with one child. */
function inner_add(xa: xarray, level: number, prefix: number): void {
  let inner = xa.inner;
  let objs = xa.inner_obj;
  if (inner === null || objs === null) {
    inner = xa.inner = new Map();
    objs = xa.inner_obj = new Map();
  }
  const key = level * LEVEL_KEY + prefix;
  inner.set(key, 1);
  xa.nr_nodes++;
  objs.set(key, node_alloc(xa));
}

/** Frees the interior node of `key`. */
function inner_free(xa: xarray, key: number): void {
  const inner = xa.inner as Map<number, number>;
  const objs = xa.inner_obj as Map<number, number>;
  inner.delete(key);
  xa.nr_nodes--;
  node_free(xa, objs.get(key) ?? 0);
  objs.delete(key);
}

/**
 * Chunk nr has just been made and holds its first entry (max_nr already counts it): the tree
 * grows to the new height (xas_expand: the old top, a head entry first given its leaf node, gets
 * a parent per new level), the missing interior nodes down to the leaf are made (xas_create), and
 * the leaf gets its node unless it is the head case.
 */
function leaf_added(xa: xarray, nr: number, c: Int32Array): void {
  const h_old = xa.height;
  const h = xa_height(xa.max_nr);
  if (h > h_old && h_old > 0) {
    if (h_old === 1) {
      const c0 = xa.chunks.get(0);
      if (c0 !== undefined) leaf_sync(xa, c0);
    }
    for (let l = h_old; l < h; l++) inner_add(xa, l, 0);
  }
  xa.height = h;
  for (let l = 1; l < h; l++) {
    const prefix = nr >>> (XA_CHUNK_SHIFT * l);
    const inner = xa.inner;
    const n = inner === null ? undefined : inner.get(l * LEVEL_KEY + prefix);
    if (n !== undefined) {
      (inner as Map<number, number>).set(l * LEVEL_KEY + prefix, n + 1);
      break;
    }
    inner_add(xa, l, prefix);
  }
  leaf_sync(xa, c);
}

/**
 * Leaf c (chunk nr) has emptied and is gone from the Map (max_nr is recomputed): its node is
 * freed, then each parent it leaves empty (xas_delete_node), then the top levels left with one
 * child in slot 0 (xas_shrink), down to a lone entry at index 0, which goes back to xa_head.
 */
function leaf_removed(xa: xarray, nr: number, c: Int32Array): void {
  if (c[HAS_NODE] !== 0) {
    c[HAS_NODE] = 0;
    if (xa.update_node) leaf_update(xa, c);
    xa.nr_nodes--;
    node_free(xa, leaf_obj(c));
  }
  const h_old = xa.height;
  const inner = xa.inner;
  if (inner !== null) {
    for (let l = 1; l < h_old; l++) {
      const key = l * LEVEL_KEY + (nr >>> (XA_CHUNK_SHIFT * l));
      const n = inner.get(key);
      if (n === undefined) throw new KernelBug("xarray: a leaf without its parent node", { nr, level: l });
      if (n > 1) {
        inner.set(key, n - 1);
        break;
      }
      inner_free(xa, key);
    }
  }
  const h = xa_height(xa.max_nr);
  if (inner !== null) {
    for (let l = h_old - 1; l >= Math.max(h, 1); l--) {
      const n = inner.get(l * LEVEL_KEY);
      if (n === undefined) continue;
      if (n !== 1) throw new KernelBug("xarray: shrinking past a node with several children", { level: l, children: n });
      inner_free(xa, l * LEVEL_KEY);
    }
  }
  xa.height = h;
  if (h === 1) {
    const c0 = xa.chunks.get(0);
    if (c0 !== undefined) leaf_sync(xa, c0);
  }
}

/** After a store into leaf c (chunk nr) that neither made nor freed it: the head case and the shadow list. */
function leaf_stored(xa: xarray, nr: number, c: Int32Array): void {
  if (nr === 0 && xa.max_nr === 0) leaf_sync(xa, c);
  if (xa.update_node) leaf_update(xa, c);
}

/**
 * The xa_nodes 6.1 would hold for the xarray's present indices, counted from the leaves alone
 * (checkers and tests compare it with nr_nodes).
 */
export function xa_nodes_expected(xa: xarray): number {
  if (xa.chunks.size === 0) return 0;
  let max = -1;
  for (const nr of xa.chunks.keys()) if (nr > max) max = nr;
  const h = xa_height(max);
  if (h === 1) {
    const c = xa.chunks.get(0) as Int32Array;
    return c[COUNT] === 1 && c[0] !== 0 ? 0 : 1;
  }
  let n = xa.chunks.size;
  for (let l = 1; l < h; l++) {
    const prefixes = new Set<number>();
    for (const nr of xa.chunks.keys()) prefixes.add(nr >>> (XA_CHUNK_SHIFT * l));
    n += prefixes.size;
  }
  return n;
}

/**
 * The object of leaf c's node (0: none, or the head case). Still readable while the node is being
 * freed (its words are cleared after the owner's shadow_list call), so the owner finds the list
 * of the node the object sits on.
 */
export function xa_leaf_obj(c: Int32Array): number {
  return leaf_obj(c);
}

/** Does leaf c have a node holding value entries only (what workingset_update_node lists)? */
export function xa_leaf_shadow_only(c: Int32Array): boolean {
  return c[HAS_NODE] !== 0 && c[COUNT] !== 0 && c[COUNT] === c[NR_VALUES];
}

/** The chunk number of leaf c. */
export function xa_leaf_nr(c: Int32Array): number {
  return c[CHUNK_NR];
}

/**
 * Deletes leaf c of xa, which holds value entries only, and its node, with no update calls for
 * the states in between (the caller took it off the shadow list).
 * @kernel lib/xarray.c xa_delete_node
 */
export function xa_delete_leaf(xa: xarray, c: Int32Array): void {
  const nr = c[CHUNK_NR];
  if (xa.chunks.get(nr) !== c || c[COUNT] !== c[NR_VALUES]) throw new KernelBug("xa_delete_node: not a shadow-only leaf of this xarray", { nr });
  c[ON_LIST] = 0;
  for (let s = 0; s < XA_CHUNK_SIZE; s++) if (c[s] !== 0) slot_empty(xa, c, nr, s);
  chunk_free(xa, nr);
}

function chunk_free(xa: xarray, nr: number): void {
  const c = xa.chunks.get(nr);
  const cache = xa.node_cache;
  // An empty leaf's slots are already zero (slot_empty clears a slot's marks with it); the fill
  // at the end clears the node words too, so a leaf from the cache is as a new one.
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
  if (c !== undefined) leaf_removed(xa, nr, c);
  // Zeroed only now: leaf_removed read the node's object and list state from it.
  if (c !== undefined && cache !== null && cache.length < XA_NODE_CACHE_MAX) cache.push(c.fill(0));
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
  if (!slot_empty(xa, c, nr, slot)) return;
  if (c[COUNT] === 0) chunk_free(xa, nr);
  else leaf_stored(xa, nr, c);
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
  // A leaf in the Map always holds an entry: a count of 0 is one made just now.
  const fresh = c[COUNT] === 0;
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
  if (fresh) leaf_added(xa, nr, c);
  else leaf_stored(xa, nr, c);
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
  const fresh = c[COUNT] === 0;
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
  if (fresh) leaf_added(xa, nr, c);
  else leaf_stored(xa, nr, c);
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
