/**
 * The maple tree's role for one user, the VMA set (mm->mm_mt): an ordered set of non-overlapping
 * half-open ranges [vm_start, vm_end), with lookup by address, neighbours, insert, erase and the
 * two gap searches get_unmapped_area needs, each in O(log n). It is a B+tree: leaves hold up to
 * 16 entries in address order and are chained left to right; an internal node holds up to 16
 * children. Two things make it fit the model:
 *
 * - The pivots are the entries themselves, read live: a node keeps a reference to the last entry
 *   of its subtree, and a descent compares the address with that entry's vm_end as it is now. So
 *   mm/mmap.c's in-place boundary moves (vma_expand, __vma_adjust, __split_vma, brk, stack
 *   growth), which never reorder VMAs, leave every lookup right without touching the tree.
 * - Every node keeps the largest gap in its subtree (the maple tree's per-slot gap, one number
 *   per node here): the gap of an entry is its vm_start less its predecessor's vm_end (0 for the
 *   first entry), so mas_empty_area(_rev) descends only into subtrees that hold a large enough
 *   gap. An in-place boundary move changes gaps, so the caller re-stores the entry
 *   (mt_store_gaps, the kernel's vma_mas_store of the moved VMA) before the next search.
 *
 * While the whole tree is one leaf (at most 16 entries: most processes' VMA sets), the per-entry
 * gaps are not kept: a gap search walks the leaf's entries, as the kernel's searches of a root
 * that is a single node look at its at most 16 slots, and an insert, erase or in-place move
 * only shifts slots. The gaps are computed once, when that leaf splits and the tree gets its
 * first internal node; from then on (even after the tree shrinks back to one leaf, whose gaps
 * are then left as they are) the gaps are kept as above.
 *
 * A cursor (the last leaf and slot a walk ended on, like a ma_state kept between calls) is tried
 * before every descent: mmap's find / prev / insert and munmap's find / prev / next / erase all
 * land on one slot, so the common pairs cost O(1) after the first walk. The cursor only saves
 * work: every answer is checked against the entries before it is used.
 *
 * Left out, from lib/maple_tree.c: the node types (dense, range64, arange64) and their slot
 * layouts, RCU-safe node replacement and the big-node rebalancing algorithm (a plain B+tree split
 * and merge here), NULL ranges as entries (a gap is simply the space between two entries),
 * arbitrary [index, last] keys (entries are the user's objects with vm_start/vm_end), the
 * allocation of nodes from preallocated arrays (mas_preallocate: nodes are plain objects, made
 * only when a leaf splits), and the ULONG_MAX end of the index space (the search's callers bound
 * every search).
 * @kernel lib/maple_tree.c mt_find, mas_empty_area, mas_empty_area_rev, mtree_insert_range,
 *   mtree_erase, mt_validate, mtree_destroy
 */
import { KernelBug } from "../kernel/bug.js";

/** What the tree orders: a non-empty half-open range [vm_start, vm_end) (the VMA's fields). */
export interface MapleRange {
  vm_start: number;
  vm_end: number;
}

/** Slots per node (the kernel's MAPLE_RANGE64_SLOTS is 16). */
const SLOTS = 16;
/** A leaf or internal node left with fewer than this many slots merges with a neighbour. */
const MIN_SLOTS = 4;
/** ... when the two fit in this many: a merged node then needs five inserts before it splits. */
const MERGE_MAX = 12;

/**
 * One node. Leaves hold entries in `slots`; internal nodes hold child nodes there. Exported for
 * the snapshot registry (src/sim/snapshot_registry.ts), which names every class in a machine.
 */
export class MapleNode<T extends MapleRange> {
  n = 0;
  // Array literals, not new Array(SLOTS).fill / Float64Array: a fork makes a node per 16 VMAs, and
  // a Float64Array of 16 (over 64 bytes) has its buffer outside V8's heap, about a microsecond
  // to make and free. The gaps literal holds doubles, so the array stores them unboxed.
  readonly slots: (T | MapleNode<T> | null)[] = [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null];
  parent: MapleNode<T> | null = null;
  /** Leaf chain, left and right neighbours (leaves only). */
  prev: MapleNode<T> | null = null;
  next: MapleNode<T> | null = null;
  /** The largest entry gap in the subtree. */
  gap = 0;
  /** Leaves: each entry's gap (its vm_start less its predecessor's vm_end, 0 before the first). */
  readonly gaps: number[] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5].fill(0);
  /** The subtree's last entry: the node's pivot, read live. */
  last: T | null = null;
  readonly leaf: boolean;
  constructor(leaf: boolean) {
    this.leaf = leaf;
    // gaps are address differences: a double field from the start (asDoubles in shape.ts, written
    // out because a fork makes a node for every 16 VMAs and the helper's rest array costs).
    this.gap = 0.5;
    this.gap = 0;
  }
}

export class MapleTree<T extends MapleRange> implements Iterable<T> {
  private root: MapleNode<T> = new MapleNode<T>(true);
  private head: MapleNode<T> = this.root;
  private tail: MapleNode<T> = this.root;
  private count = 0;
  /** The cursor: the leaf and slot the last walk ended on (slot === n: after its last entry). */
  private cLeaf: MapleNode<T> = this.root;
  private cSlot = 0;
  /** The cursor's previous place, tried second (checked like the first: it only saves walks). */
  private c2Leaf: MapleNode<T> = this.root;
  private c2Slot = 0;
  /**
   * After mas_empty_area / mas_empty_area_rev found a gap: the entry right above it, or null
   * (what the kernel's mas_next after the search returns).
   */
  above: T | null = null;
  /** The gap a search found, [mas_index, mas_last] inclusive (the ma_state's index and last). */
  mas_index = 0;
  mas_last = 0;

  constructor() {
    // Addresses: double fields from the start (asDoubles, written out: one tree per fork).
    this.mas_index = this.mas_last = 0.5;
    this.mas_index = this.mas_last = 0;
  }

  /** Number of entries. */
  get length(): number {
    return this.count;
  }

  // -------------------------------------------------------------------------------------------
  // Walks
  // -------------------------------------------------------------------------------------------

  /** The entry before the position (leaf, slot), or null. */
  private before(leaf: MapleNode<T>, slot: number): T | null {
    if (slot > 0) return leaf.slots[slot - 1] as T;
    const p = leaf.prev;
    return p === null ? null : (p.slots[p.n - 1] as T);
  }

  /** Whether (leaf, s) is where a walk for `addr` would land (first entry with vm_end > addr). */
  private fitsAt(leaf: MapleNode<T>, s: number, addr: number): boolean {
    if (s < leaf.n) {
      if ((leaf.slots[s] as T).vm_end <= addr) return false;
    } else if (leaf !== this.tail || s !== leaf.n) {
      return false;
    }
    const b = this.before(leaf, s);
    return b === null || b.vm_end <= addr;
  }

  /**
   * Puts the cursor on the first entry with vm_end > addr: where it was before the last move
   * when that fits (mmap's search ends near mmap_base, its VMA goes in at the gap: two places
   * taken in turn), else by a walk from the root. The position it leaves is kept as the other.
   */
  private relocate(addr: number): void {
    const leaf = this.cLeaf;
    const s = this.cSlot;
    if (this.fitsAt(this.c2Leaf, this.c2Slot, addr)) {
      this.cLeaf = this.c2Leaf;
      this.cSlot = this.c2Slot;
    } else {
      this.walk(addr);
    }
    this.c2Leaf = leaf;
    this.c2Slot = s;
  }

  /**
   * A gap search moves the cursor on from where its walk landed: that landing is kept as the
   * second place, because the next search (the next mmap) lands there again.
   */
  private keepLanding(): void {
    this.c2Leaf = this.cLeaf;
    this.c2Slot = this.cSlot;
  }

  /** Descends to the first entry with vm_end > addr; leaves the cursor there. */
  private walk(addr: number): void {
    let node = this.root;
    while (!node.leaf) {
      const n = node.n;
      let i = 0;
      while (i < n - 1 && ((node.slots[i] as MapleNode<T>).last as T).vm_end <= addr) i++;
      node = node.slots[i] as MapleNode<T>;
    }
    const n = node.n;
    let s = 0;
    while (s < n && (node.slots[s] as T).vm_end <= addr) s++;
    this.cLeaf = node;
    this.cSlot = s;
  }

  /** mt_find from addr: the first entry ending above addr (containing it or above it), or null. */
  mt_find(addr: number): T | null {
    if (!this.fitsAt(this.cLeaf, this.cSlot, addr)) this.relocate(addr);
    const leaf = this.cLeaf;
    return this.cSlot < leaf.n ? (leaf.slots[this.cSlot] as T) : null;
  }

  /**
   * The entry before the cursor: after mt_find(addr), the last entry ending at or below addr
   * (find_vma_prev's prev); after mtree_erase(v), v's predecessor. O(1), no walk.
   */
  mas_prev_entry(): T | null {
    return this.before(this.cLeaf, this.cSlot);
  }

  /** The entry at the cursor: after mtree_erase(v), v's successor (null if v was the last). */
  mas_entry(): T | null {
    return this.cSlot < this.cLeaf.n ? (this.cLeaf.slots[this.cSlot] as T) : null;
  }

  /** Puts the cursor on `v`; false when v is not in the tree. */
  private seek(v: T): boolean {
    if (this.cSlot < this.cLeaf.n && this.cLeaf.slots[this.cSlot] === v) return true;
    // The walk for v.vm_start lands on v, or on an earlier entry a caller has grown over v
    // before erasing it (__vma_adjust's remove_next): look a little further.
    this.walk(v.vm_start);
    let leaf: MapleNode<T> | null = this.cLeaf;
    let s = this.cSlot;
    while (leaf !== null) {
      for (; s < leaf.n; s++) {
        const e = leaf.slots[s] as T;
        if (e === v) {
          this.cLeaf = leaf;
          this.cSlot = s;
          return true;
        }
        if (e.vm_start > v.vm_start) return this.seekSlowly(v);
      }
      leaf = leaf.next;
      s = 0;
    }
    return this.seekSlowly(v);
  }

  /** seek's last resort (an entry whose range no longer orders it, e.g. emptied): every leaf. */
  private seekSlowly(v: T): boolean {
    for (let leaf: MapleNode<T> | null = this.head; leaf !== null; leaf = leaf.next) {
      for (let s = 0; s < leaf.n; s++) {
        if (leaf.slots[s] === v) {
          this.cLeaf = leaf;
          this.cSlot = s;
          return true;
        }
      }
    }
    return false;
  }

  /** The entry after v (mas_next), or null. v must be in the tree. */
  mt_next(v: T): T | null {
    if (!this.seek(v)) throw new KernelBug("maple tree: mt_next of an entry not in the tree", { start: v.vm_start });
    const leaf = this.cLeaf;
    const s = this.cSlot + 1;
    if (s < leaf.n) return leaf.slots[s] as T;
    const nx = leaf.next;
    return nx === null ? null : (nx.slots[0] as T);
  }

  /** The entry before v (mas_prev); for v null, the last entry. */
  mt_prev(v: T | null): T | null {
    if (v === null) return this.last();
    if (!this.seek(v)) throw new KernelBug("maple tree: mt_prev of an entry not in the tree", { start: v.vm_start });
    return this.before(this.cLeaf, this.cSlot);
  }

  /** Whether v is in the tree. */
  includes(v: T): boolean {
    return this.seek(v);
  }

  first(): T | null {
    return this.head.n > 0 ? (this.head.slots[0] as T) : null;
  }

  last(): T | null {
    const t = this.tail;
    return t.n > 0 ? (t.slots[t.n - 1] as T) : null;
  }

  // -------------------------------------------------------------------------------------------
  // Gaps
  // -------------------------------------------------------------------------------------------

  /** Sets the gap of the entry at (leaf, s) from it and its predecessor. */
  private setGap(leaf: MapleNode<T>, s: number): void {
    const b = this.before(leaf, s);
    leaf.gaps[s] = (leaf.slots[s] as T).vm_start - (b === null ? 0 : b.vm_end);
  }

  /**
   * Recomputes a leaf's gap (the largest of its entries' gaps) and carries a change up to the
   * root. (No helper returns a gap: a double returned from a call V8 does not inline is boxed,
   * one allocation per insert or erase.)
   */
  private fixGap(leaf: MapleNode<T>): void {
    const gaps = leaf.gaps;
    let g = 0;
    for (let s = 0; s < leaf.n; s++) if (gaps[s] > g) g = gaps[s];
    if (g === leaf.gap) return;    leaf.gap = g;
    for (let node = leaf.parent; node !== null; node = node.parent) {
      let m = 0;
      for (let i = 0; i < node.n; i++) {
        const c = node.slots[i] as MapleNode<T>;
        if (c.gap > m) m = c.gap;
      }
      if (m === node.gap) return;
      node.gap = m;
    }
  }

  /**
   * The entry at (leaf, s) is new or its bounds moved: sets its gap and its successor's, then
   * the gaps of the leaves they are in. With s === leaf.n (an erase of the last entry) only
   * the successor, first in the next leaf, is left to set.
   */
  private touch(leaf: MapleNode<T>, s: number, inserted: boolean): void {
    const n = leaf.n;
    if (s + 1 < n) {
      // Both gaps in this leaf (written out: this runs twice per mmap+munmap pair). The leaf's
      // largest gap needs a scan only when a gap that was the largest shrank.
      const sl = leaf.slots;
      const gaps = leaf.gaps;
      const e = sl[s] as T;
      const p = leaf.prev;
      const b = s > 0 ? (sl[s - 1] as T) : p !== null ? (p.slots[p.n - 1] as T) : null;
      // An inserted entry splits the gap its successor had (now at s + 1); a moved one changes
      // its own gap and its successor's.
      const old1 = inserted ? gaps[s + 1] : gaps[s];
      const old2 = gaps[s + 1];
      const g1 = e.vm_start - (b === null ? 0 : b.vm_end);
      const g2 = (sl[s + 1] as T).vm_start - e.vm_end;
      gaps[s] = g1;
      gaps[s + 1] = g2;
      const max = leaf.gap;
      if ((old1 === max && g1 < max) || (old2 === max && g2 < max)) this.fixGap(leaf);
      else if (g1 > max || g2 > max) this.raiseGap(leaf, g1 > g2 ? g1 : g2);
      return;
    }
    if (s < n) this.setGap(leaf, s);
    this.fixGap(leaf);
    const nx = leaf.next;
    if (nx !== null) {
      this.setGap(nx, 0);
      this.fixGap(nx);
    }
  }

  /**
   * The kernel's vma_mas_store of an entry whose bounds moved in place (order kept): brings
   * the gaps of it and of its successor up to date.
   */
  mt_store_gaps(v: T): void {
    if (!this.seek(v)) throw new KernelBug("maple tree: store of an entry not in the tree", { start: v.vm_start });
    // One leaf: no gaps are kept (see the header).
    if (!this.root.leaf) this.touch(this.cLeaf, this.cSlot, false);
  }

  /** A leaf's largest gap grew to g: carries it up as far as it raises a maximum. */
  private raiseGap(leaf: MapleNode<T>, g: number): void {
    for (let node: MapleNode<T> | null = leaf; node !== null && g > node.gap; node = node.parent) node.gap = g;
  }

  /** Whether the gap of the entry at (leaf, s) is at least size. */
  private gapFits(leaf: MapleNode<T>, s: number, size: number): boolean {
    return leaf.gaps[s] >= size;
  }

  /** Index of a node among its parent's slots. */
  private indexInParent(node: MapleNode<T>): number {
    const p = node.parent as MapleNode<T>;
    for (let i = 0; i < p.n; i++) if (p.slots[i] === node) return i;
    throw new KernelBug("maple tree: node missing from its parent", {});
  }

  /**
   * The first entry at or after the cursor's slot whose gap is at least `size`, as the cursor;
   * false when there is none.
   */
  private gapForward(size: number): boolean {
    let leaf = this.cLeaf;
    for (let s = this.cSlot; s < leaf.n; s++) {
      if (this.gapFits(leaf, s, size)) {
        this.cSlot = s;
        return true;
      }
    }
    // Climb until a right sibling holds a large enough gap, then descend its leftmost such path.
    let node = leaf;
    for (;;) {
      const p = node.parent;
      if (p === null) return false;
      let i = this.indexInParent(node) + 1;
      while (i < p.n && (p.slots[i] as MapleNode<T>).gap < size) i++;
      if (i < p.n) {
        node = p.slots[i] as MapleNode<T>;
        break;
      }
      node = p;
    }
    while (!node.leaf) {
      let i = 0;
      while ((node.slots[i] as MapleNode<T>).gap < size) i++;
      node = node.slots[i] as MapleNode<T>;
    }
    leaf = node;
    for (let s = 0; s < leaf.n; s++) {
      if (this.gapFits(leaf, s, size)) {
        this.cLeaf = leaf;
        this.cSlot = s;
        return true;
      }
    }
    throw new KernelBug("maple tree: a node's gap is stale", { size });
  }

  /** The last entry at or before slot `from` of the cursor's leaf whose gap is at least `size`. */
  private gapBackward(from: number, size: number): boolean {
    let leaf = this.cLeaf;
    for (let s = from; s >= 0; s--) {
      if (this.gapFits(leaf, s, size)) {
        this.cSlot = s;
        return true;
      }
    }
    let node = leaf;
    for (;;) {
      const p = node.parent;
      if (p === null) return false;
      let i = this.indexInParent(node) - 1;
      while (i >= 0 && (p.slots[i] as MapleNode<T>).gap < size) i--;
      if (i >= 0) {
        node = p.slots[i] as MapleNode<T>;
        break;
      }
      node = p;
    }
    while (!node.leaf) {
      let i = node.n - 1;
      while ((node.slots[i] as MapleNode<T>).gap < size) i--;
      node = node.slots[i] as MapleNode<T>;
    }
    leaf = node;
    for (let s = leaf.n - 1; s >= 0; s--) {
      if (this.gapFits(leaf, s, size)) {
        this.cLeaf = leaf;
        this.cSlot = s;
        return true;
      }
    }
    throw new KernelBug("maple tree: a node's gap is stale", { size });
  }

  /**
   * mas_empty_area: finds the lowest address a such that [a, a + size) lies in [low, high) and
   * overlaps no entry. Returns 0 and sets mas_index = a, mas_last = a + size - 1 and `above`
   * (the entry right above the gap), or -1 (the kernel's -EBUSY) when there is none. (The
   * kernel's max is inclusive: high here is its max + 1.)
   */
  mas_empty_area(low: number, high: number, size: number): number {
    // The gap below the first entry ending above low, cut at low (or, when low lies inside
    // that entry, the gap above it).
    let e = this.mt_find(low);
    this.keepLanding();
    let start = low;
    if (e !== null && e.vm_start <= low) {
      start = e.vm_end;
      e = this.stepForward();
    }
    let end = e === null || e.vm_start > high ? high : e.vm_start;
    if (end - start >= size) {
      return this.foundUp(start, size, e);
    }
    if (e === null || e.vm_start >= high) return -1;
    // Every later gap starts above `start`: the first whole gap large enough is the only
    // candidate (one further up starts higher, so cut at high it is smaller still), then the
    // space above the last entry.
    let x = this.stepForward();
    if (x !== null && (this.root.leaf ? this.gapForwardInLeaf(size) : this.gapForward(size))) {
      x = this.cLeaf.slots[this.cSlot] as T;
      start = (this.before(this.cLeaf, this.cSlot) as T).vm_end;
      end = x.vm_start > high ? high : x.vm_start;
    } else {
      x = null;
      start = (this.last() as T).vm_end;
      end = high;
    }
    if (end - start >= size) {
      return this.foundUp(start, size, x);
    }
    return -1;
  }

  /**
   * gapForward when the tree is one leaf (whose gaps are not kept): the first entry at or after
   * the cursor's slot whose gap, worked out from it and its predecessor, is at least `size`.
   */
  private gapForwardInLeaf(size: number): boolean {
    const leaf = this.cLeaf;
    const sl = leaf.slots;
    for (let s = this.cSlot; s < leaf.n; s++) {
      const gap = (sl[s] as T).vm_start - (s > 0 ? (sl[s - 1] as T).vm_end : 0);
      if (gap >= size) {
        this.cSlot = s;
        return true;
      }
    }
    return false;
  }

  /** Moves the cursor one entry on and returns that entry (null past the last). */
  private stepForward(): T | null {
    this.cSlot++;
    if (this.cSlot >= this.cLeaf.n && this.cLeaf.next !== null) {
      this.cLeaf = this.cLeaf.next;
      this.cSlot = 0;
    }
    return this.cSlot < this.cLeaf.n ? (this.cLeaf.slots[this.cSlot] as T) : null;
  }

  /**
   * mas_empty_area_rev: finds the highest end a (exclusive) such that [a - size, a) lies in
   * [low, high) and overlaps no entry. Returns 0 and sets mas_last = a - 1, mas_index =
   * a - size and `above`, or -1 when there is none.
   */
  mas_empty_area_rev(low: number, high: number, size: number): number {
    if (this.root.leaf) return this.emptyAreaRevInLeaf(low, high, size);
    const e = this.mt_find(high - 1);
    this.keepLanding();
    const end = e !== null && e.vm_start < high ? e.vm_start : high;
    if (end <= low) return -1;
    const b = this.before(this.cLeaf, this.cSlot);
    const start = b === null || b.vm_end < low ? low : b.vm_end;
    if (end - start >= size) {
      return this.foundDown(end, size, e);
    }
    if (b === null) return -1;
    return this.emptyAreaBelow(low, size);
  }

  /**
   * mas_empty_area_rev when the tree is one leaf (whose gaps are not kept): the kernel's search
   * of a root that is a single node, a walk down its at most 16 slots from the first entry
   * ending above high - 1, each gap worked out from its two entries. The first that holds
   * [end - size, end) above low is the answer; once a gap ends at or below low, none does. The
   * landing is kept as the cursor's second place (the next search lands there again) and the
   * entry above the gap is the cursor (mmap_region looks it up next). No cursor is tried
   * first: from the top of a leaf the walk is as short, and mmap's path stays small enough
   * for V8 to inline.
   */
  private emptyAreaRevInLeaf(low: number, high: number, size: number): number {
    const leaf = this.root;
    const sl = leaf.slots;
    const n = leaf.n;
    let i = n;
    while (i > 0 && (sl[i - 1] as T).vm_end > high - 1) i--;
    this.c2Leaf = this.cLeaf = leaf;
    this.c2Slot = i;
    let end = i < n && (sl[i] as T).vm_start < high ? (sl[i] as T).vm_start : high;
    while (end > low) {
      const p = i > 0 ? (sl[i - 1] as T) : null;
      const start = p === null || p.vm_end < low ? low : p.vm_end;
      if (end - start >= size) {
        this.cSlot = i;
        return this.foundDown(end, size, i < n ? (sl[i] as T) : null);
      }
      if (p === null) break;
      i--;
      end = p.vm_start;
    }
    this.cSlot = i;
    return -1;
  }

  /**
   * mas_empty_area_rev when the gap below the landing entry is too small. (A method of its own
   * to keep mas_empty_area_rev small: V8 inlines small callees, and the mmap path has other
   * small helpers to inline.)
   */
  private emptyAreaBelow(low: number, size: number): number {
    // The candidates are the gaps below b and the entries before it; the last whole gap large
    // enough is the only one (one further down ends lower, so cut at low it is smaller still).
    if (this.cSlot === 0) {
      this.cLeaf = this.cLeaf.prev as MapleNode<T>;
      this.cSlot = this.cLeaf.n;
    }
    if (!this.gapBackward(this.cSlot - 1, size)) return -1;
    const a = this.cLeaf.slots[this.cSlot] as T;
    const end = a.vm_start;
    if (end <= low) return -1;
    const b = this.before(this.cLeaf, this.cSlot);
    const start = b === null || b.vm_end < low ? low : b.vm_end;
    if (end - start >= size) {
      return this.foundDown(end, size, a);
    }
    return -1;
  }

  private foundUp(start: number, size: number, above: T | null): number {
    this.mas_index = start;
    this.mas_last = start + size - 1;
    this.above = above;
    return 0;
  }

  private foundDown(end: number, size: number, above: T | null): number {
    this.mas_index = end - size;
    this.mas_last = end - 1;
    this.above = above;
    return 0;
  }

  // -------------------------------------------------------------------------------------------
  // Insert
  // -------------------------------------------------------------------------------------------

  /** Sets `last` up the tree from a leaf whose last entry changed. */
  private fixLast(node: MapleNode<T>): void {
    for (;;) {
      const l = node.leaf ? (node.n > 0 ? (node.slots[node.n - 1] as T) : null) : (node.slots[node.n - 1] as MapleNode<T>).last;
      node.last = l;
      const p = node.parent;
      if (p === null || p.slots[p.n - 1] !== node) return;
      node = p;
    }
  }

  /**
   * mtree_insert_range of v: v must overlap no entry (KernelBug otherwise; the kernel's
   * -EEXIST is a bug in every mm caller).
   */
  mtree_insert(v: T): void {
    // The common case first, in as little code as V8 will inline into mmap's path: a tree that
    // is one leaf with room, the cursor already on v's place (mmap_region has just looked it up),
    // v non-empty and between the entries either side of it.
    const leaf = this.cLeaf;
    const s = this.cSlot;
    if (leaf === this.root && leaf.n < SLOTS && v.vm_start < v.vm_end) {
      const sl = leaf.slots;
      if (s <= leaf.n && (s === leaf.n || (sl[s] as T).vm_start >= v.vm_end) && (s === 0 || (sl[s - 1] as T).vm_end <= v.vm_start)) {
        this.count++;
        this.putSlot(leaf, s, v);
        return;
      }
    }
    this.insertWalking(v);
  }

  /**
   * The bulk store dup_mmap makes after mas_expected_entries: entries arrive in address order,
   * each above every entry already stored, so each goes at the end of the last leaf, and a full
   * last leaf is followed by a new one (instead of splitting it in halves: the kernel's bulk mode
   * fills its nodes too). The tree is whole after every call. An entry that is not above the
   * last one goes the general way (mtree_insert, with its overlap check).
   * @kernel lib/maple_tree.c mas_expected_entries, mas_store
   */
  mas_store_append(v: T): void {
    const tail = this.tail;
    const n = tail.n;
    const sl = tail.slots;
    const lastE = n > 0 ? (sl[n - 1] as T) : null;
    if (!(v.vm_start < v.vm_end) || (lastE !== null && lastE.vm_end > v.vm_start) || (n === 0 && this.count !== 0)) {
      this.mtree_insert(v);
      return;
    }
    this.count++;
    const root = this.root;
    if (n < SLOTS) {
      sl[n] = v;
      tail.n = n + 1;
      this.cLeaf = tail;
      this.cSlot = n;
      if (tail === root) {
        // One leaf: no gaps kept (see the header).
        tail.last = v;
        return;
      }
      const g = v.vm_start - (lastE as T).vm_end;
      tail.gaps[n] = g;
      this.fixLast(tail);
      this.raiseGap(tail, g);
      return;
    }
    // The tree's first internal node: from now on every gap is kept, so work out the leaf's.
    if (tail === root) this.computeGaps(tail);
    const leaf = new MapleNode<T>(true);
    const g = v.vm_start - (lastE as T).vm_end;
    leaf.slots[0] = v;
    leaf.gaps[0] = g;
    leaf.n = 1;
    leaf.gap = g;
    leaf.last = v;
    leaf.prev = tail;
    tail.next = leaf;
    this.tail = leaf;
    this.addRightmost(tail, leaf);
    this.cLeaf = leaf;
    this.cSlot = 0;
  }

  /** Puts `node` in the tree as the right neighbour of `left`, the last node of its level. */
  private addRightmost(left: MapleNode<T>, node: MapleNode<T>): void {
    let p = left.parent;
    if (p === null) {
      // A new root above `left`.
      p = new MapleNode<T>(false);
      p.slots[0] = left;
      p.n = 1;
      p.gap = left.gap;
      p.last = left.last;
      left.parent = p;
      this.root = p;
    }
    if (p.n < SLOTS) {
      p.slots[p.n++] = node;
      node.parent = p;
      this.fixLast(p);
      this.raiseGap(p, node.gap);
      return;
    }
    // The parent is full: a new parent of its own, right of it.
    const q = new MapleNode<T>(false);
    q.slots[0] = node;
    q.n = 1;
    q.gap = node.gap;
    q.last = node.last;
    node.parent = q;
    this.addRightmost(p, q);
  }

  /** mtree_insert in general: the cursor moved to v's place, the overlap checks, a split when full. */
  private insertWalking(v: T): void {
    if (!(v.vm_start < v.vm_end)) this.refuse(v, "empty range inserted");
    if (!this.fitsAt(this.cLeaf, this.cSlot, v.vm_start)) this.relocate(v.vm_start);
    const leaf = this.cLeaf;
    const s = this.cSlot;
    const nx = s < leaf.n ? (leaf.slots[s] as T) : leaf.next !== null ? (leaf.next.slots[0] as T) : null;
    if (nx !== null && nx.vm_start < v.vm_end) this.refuse(v, "insert overlaps");
    this.count++;
    if (leaf.n < SLOTS) {
      if (leaf === this.root) {
        // One leaf: no gaps to keep (see the header).
        this.putSlot(leaf, s, v);
        return;
      }
      this.putAt(leaf, s, v);
      this.touch(leaf, s, true);
      return;
    }
    this.insertSplitting(leaf, s, v);
  }

  /** mtree_insert into a full leaf: split it into two halves, the new one to the right. */
  private insertSplitting(leaf: MapleNode<T>, s: number, v: T): void {
    // The tree's first internal node: from now on every gap is kept, so work out the leaf's.
    if (leaf === this.root) this.computeGaps(leaf);
    const right = this.splitNode(leaf);
    let into = leaf;
    let at = s;
    if (s > leaf.n) {
      into = right;
      at = s - leaf.n;
    }
    this.putAt(into, at, v);
    // The halves' gaps moved with their entries (a gap depends only on the entry before).
    this.fixGap(leaf);
    this.fixGap(right);
    this.touch(into, at, true);
    this.cLeaf = into;
    this.cSlot = at;
  }

  private refuse(v: T, what: string): never {
    throw new KernelBug(`maple tree: ${what}`, { start: v.vm_start, end: v.vm_end });
  }

  /** Sets every entry gap of a leaf and its largest, from its entries (the leaf is the root). */
  private computeGaps(leaf: MapleNode<T>): void {
    const sl = leaf.slots;
    const gaps = leaf.gaps;
    let m = 0;
    for (let s = 0; s < leaf.n; s++) {
      const g = (sl[s] as T).vm_start - (s > 0 ? (sl[s - 1] as T).vm_end : 0);
      gaps[s] = g;
      if (g > m) m = g;
    }
    leaf.gap = m;
  }

  /** putAt for a root leaf, whose gaps are not kept: the slots alone. */
  private putSlot(leaf: MapleNode<T>, s: number, v: T): void {
    const sl = leaf.slots;
    for (let j = leaf.n; j > s; j--) sl[j] = sl[j - 1];
    sl[s] = v;
    leaf.n++;
    if (s === leaf.n - 1) leaf.last = v;
  }

  /** Opens slot s of a leaf with room and puts v there (its gap is set by the caller). */
  private putAt(leaf: MapleNode<T>, s: number, v: T): void {
    const sl = leaf.slots;
    const gaps = leaf.gaps;
    for (let j = leaf.n; j > s; j--) {
      sl[j] = sl[j - 1];
      gaps[j] = gaps[j - 1];
    }
    sl[s] = v;
    leaf.n++;
    if (s === leaf.n - 1) this.fixLast(leaf);
  }

  /** Moves the upper half of a full node into a new right sibling, which it links and returns. */
  private splitNode(node: MapleNode<T>): MapleNode<T> {
    const right = new MapleNode<T>(node.leaf);
    const keep = SLOTS >> 1;
    for (let j = keep; j < node.n; j++) {
      const c = node.slots[j] as T | MapleNode<T>;
      right.slots[j - keep] = c;
      right.gaps[j - keep] = node.gaps[j];
      node.slots[j] = null;
      if (!node.leaf) (c as MapleNode<T>).parent = right;
    }
    right.n = node.n - keep;
    node.n = keep;
    if (node.leaf) {
      right.next = node.next;
      right.prev = node;
      if (node.next !== null) node.next.prev = right;
      else this.tail = right;
      node.next = right;
    }
    node.last = node.leaf ? (node.slots[keep - 1] as T) : (node.slots[keep - 1] as MapleNode<T>).last;
    right.last = node.leaf ? (right.slots[right.n - 1] as T) : (right.slots[right.n - 1] as MapleNode<T>).last;
    if (!node.leaf) {
      node.gap = this.maxChildGap(node);
      right.gap = this.maxChildGap(right);
    }
    let p = node.parent;
    if (p === null) {
      p = new MapleNode<T>(false);
      p.slots[0] = node;
      p.n = 1;
      node.parent = p;
      this.root = p;
    } else if (p.n === SLOTS) {
      this.splitNode(p); // node may now be a child of the new right half
    }
    p = node.parent as MapleNode<T>;
    const i = this.indexInParent(node);
    for (let j = p.n; j > i + 1; j--) p.slots[j] = p.slots[j - 1];
    p.slots[i + 1] = right;
    p.n++;
    right.parent = p;
    this.fixLast(p);
    p.gap = this.maxChildGap(p);
    return right;
  }

  private maxChildGap(node: MapleNode<T>): number {
    let m = 0;
    for (let i = 0; i < node.n; i++) {
      const c = node.slots[i] as MapleNode<T>;
      if (c.gap > m) m = c.gap;
    }
    return m;
  }

  // -------------------------------------------------------------------------------------------
  // Erase
  // -------------------------------------------------------------------------------------------

  /** mtree_erase of v (KernelBug when v is not in the tree). */
  mtree_erase(v: T): void {
    // The common case first, in little code (see mtree_insert): one leaf, the cursor on v.
    const c = this.cLeaf;
    if (c === this.root && this.cSlot < c.n && c.slots[this.cSlot] === v) {
      this.eraseInRoot(c, this.cSlot);
      return;
    }
    this.eraseSeeking(v);
  }

  /** mtree_erase in general: the cursor put on v first. */
  private eraseSeeking(v: T): void {
    if (!this.seek(v)) throw new KernelBug("maple tree: erase of an entry not in the tree", { start: v.vm_start, end: v.vm_end });
    const leaf = this.cLeaf;
    const s = this.cSlot;
    if (leaf === this.root) {
      this.eraseInRoot(leaf, s);
      return;
    }
    const sl = leaf.slots;
    const gaps = leaf.gaps;
    const vgap = gaps[s];
    for (let j = s; j + 1 < leaf.n; j++) {
      sl[j] = sl[j + 1];
      gaps[j] = gaps[j + 1];
    }
    leaf.n--;
    sl[leaf.n] = null;
    this.count--;
    if (s === leaf.n) this.fixLast(leaf);
    // The removed entry's successor, now at slot s or first in the next leaf, has a new gap
    // (an emptied leaf leaves that to removeChild, once the leaf is out of the chain).
    if (leaf.n === 0) this.fixGap(leaf);
    else if (s < leaf.n) {
      // v's gap, v and its successor's gap became one gap, larger than either: the leaf's
      // largest gap is the old largest or the merged one, no scan. (A merged gap smaller than
      // v's means a neighbour was moved over v before the erase, as __vma_adjust does: scan.)
      this.setGap(leaf, s);
      const g = gaps[s];
      if (g < vgap) this.fixGap(leaf);
      else if (g > leaf.gap) this.raiseGap(leaf, g);
    } else this.touch(leaf, s, false);
    if (leaf.n < MIN_SLOTS && leaf !== this.root) {
      this.rebalance(leaf);
      // The cursors may name a node that left the tree: start the next walk from the root.
      this.cLeaf = this.c2Leaf = this.head;
      this.cSlot = this.c2Slot = 0;
      return;
    }
    this.cSlot = s;
    if (s >= leaf.n && leaf.next !== null) {
      this.cLeaf = leaf.next;
      this.cSlot = 0;
    }
  }

  /**
   * mtree_erase from a tree that is one leaf: the slots close up (no gaps are kept, and a root
   * leaf never rebalances); the cursor is left on the successor, as mtree_erase leaves it.
   */
  private eraseInRoot(leaf: MapleNode<T>, s: number): void {
    const sl = leaf.slots;
    const n = leaf.n - 1;
    for (let j = s; j < n; j++) sl[j] = sl[j + 1];
    sl[n] = null;
    leaf.n = n;
    this.count--;
    if (s === n) leaf.last = n > 0 ? (sl[n - 1] as T) : null;
    this.cSlot = s;
  }

  /** An underfull node merges into a neighbour under the same parent when both fit; an empty one goes. */
  private rebalance(node: MapleNode<T>): void {
    const p = node.parent as MapleNode<T>;
    const i = this.indexInParent(node);
    if (node.n > 0) {
      const left = i > 0 ? (p.slots[i - 1] as MapleNode<T>) : null;
      const right = i + 1 < p.n ? (p.slots[i + 1] as MapleNode<T>) : null;
      let into: MapleNode<T> | null = null;
      let from: MapleNode<T> = node;
      if (left !== null && left.n + node.n <= MERGE_MAX) into = left;
      else if (right !== null && right.n + node.n <= MERGE_MAX) {
        into = node;
        from = right;
      }
      if (into === null) {
        this.refresh(node);
        return;
      }
      // Append `from`'s slots to `into`, then drop `from`.
      for (let j = 0; j < from.n; j++) {
        const c = from.slots[j] as T | MapleNode<T>;
        into.slots[into.n + j] = c;
        into.gaps[into.n + j] = from.gaps[j];
        from.slots[j] = null;
        if (!from.leaf) (c as MapleNode<T>).parent = into;
      }
      into.n += from.n;
      from.n = 0;
      this.refresh(into);
      this.removeChild(from);
      return;
    }
    this.removeChild(node);
  }

  /** Recomputes a node's last and gap after its slots changed, up to the root. */
  private refresh(node: MapleNode<T>): void {
    this.fixLast(node);
    if (node.leaf) {
      this.fixGap(node);
      return;
    }
    for (let x: MapleNode<T> | null = node; x !== null; x = x.parent) x.gap = this.maxChildGap(x);
  }

  /** Unlinks an emptied node from its parent (and the leaf chain), rebalancing upwards. */
  private removeChild(node: MapleNode<T>): void {
    const p = node.parent as MapleNode<T>;
    const i = this.indexInParent(node);
    for (let j = i; j + 1 < p.n; j++) p.slots[j] = p.slots[j + 1];
    p.n--;
    p.slots[p.n] = null;
    node.parent = null;
    if (node.leaf) {
      const a = node.prev;
      const b = node.next;
      if (a !== null) a.next = b;
      else this.head = b as MapleNode<T>;
      if (b !== null) b.prev = a;
      else this.tail = a as MapleNode<T>;
      node.prev = node.next = null;
      // An emptied leaf's last entry was b's first entry's predecessor.
      if (b !== null && node.n === 0) {
        this.setGap(b, 0);
        this.fixGap(b);
      }
    }
    if (p.n > 0) this.fixLast(p);
    for (let x: MapleNode<T> | null = p; x !== null; x = x.parent) x.gap = this.maxChildGap(x);
    if (p === this.root) {
      // A root with one child hands the tree down to it.
      let r = this.root;
      while (!r.leaf && r.n === 1) {
        r = r.slots[0] as MapleNode<T>;
        r.parent = null;
      }
      if (!r.leaf && r.n === 0) r = this.emptyRoot();
      this.root = r;
      return;
    }
    if (p.n < MIN_SLOTS) this.rebalance(p);
  }

  private emptyRoot(): MapleNode<T> {
    const r = new MapleNode<T>(true);
    this.head = this.tail = r;
    return r;
  }

  /** mtree_destroy: drops every entry. */
  mtree_destroy(): void {
    // The first leaf, emptied, is the new root (no node made: every exit_mmap calls this).
    const r = this.head;
    for (let s = 0; s < r.n; s++) r.slots[s] = null;
    r.n = 0;
    r.parent = r.prev = r.next = null;
    r.gap = 0;
    r.last = null;
    this.root = this.head = this.tail = r;
    this.count = 0;
    this.cLeaf = this.c2Leaf = this.root;
    this.cSlot = this.c2Slot = 0;
    this.above = null;
  }

  // -------------------------------------------------------------------------------------------
  // Reading in address order
  // -------------------------------------------------------------------------------------------

  *[Symbol.iterator](): Iterator<T> {
    for (let leaf: MapleNode<T> | null = this.head; leaf !== null; leaf = leaf.next) {
      for (let s = 0; s < leaf.n; s++) yield leaf.slots[s] as T;
    }
  }

  /** The entries in address order, as a new array (a snapshot: later changes do not show). */
  toArray(): T[] {
    // Made at its length, not pushed to: fork and exit take one of 100 VMAs each, and the
    // pushes' growth steps allocated ~2.3 KB for it.
    const out = new Array<T>(this.count);
    let i = 0;
    for (let leaf: MapleNode<T> | null = this.head; leaf !== null; leaf = leaf.next) {
      for (let s = 0; s < leaf.n; s++) out[i++] = leaf.slots[s] as T;
    }
    return out;
  }

  // Array's reading methods, for code written when the set was a sorted array.
  slice(): T[] {
    return this.toArray();
  }
  map<U>(f: (v: T) => U): U[] {
    return this.toArray().map((v) => f(v));
  }
  filter(f: (v: T) => boolean): T[] {
    return this.toArray().filter((v) => f(v));
  }
  find(f: (v: T) => boolean): T | undefined {
    for (const v of this) if (f(v)) return v;
    return undefined;
  }
  some(f: (v: T) => boolean): boolean {
    return this.find(f) !== undefined;
  }

  // -------------------------------------------------------------------------------------------
  // mt_validate
  // -------------------------------------------------------------------------------------------

  /**
   * mt_validate: entries non-empty, sorted and non-overlapping; every node's parent, last entry
   * and gap right; leaves at one depth, chained in order; the count right. KernelBug otherwise.
   */
  mt_validate(): void {
    const bug = (msg: string, ctx: Record<string, unknown> = {}): never => {
      throw new KernelBug(`maple tree: ${msg}`, ctx);
    };
    if (this.root.parent !== null) bug("root has a parent");
    const leaves: MapleNode<T>[] = [];
    let depth = -1;
    const visit = (node: MapleNode<T>, d: number): void => {
      if (node.n === 0 && node !== this.root) bug("empty node");
      if (node.n > SLOTS) bug("overfull node", { n: node.n });
      for (let j = node.n; j < SLOTS; j++) if (node.slots[j] !== null) bug("slot beyond n in use");
      if (node.leaf) {
        if (depth < 0) depth = d;
        else if (depth !== d) bug("leaves at different depths", { depth, d });
        leaves.push(node);
        return;
      }
      let m = 0;
      for (let j = 0; j < node.n; j++) {
        const c = node.slots[j] as MapleNode<T>;
        if (c.parent !== node) bug("child's parent is wrong");
        visit(c, d + 1);
        if (c.gap > m) m = c.gap;
      }
      if (node.gap !== m) bug("internal node's gap is stale", { gap: node.gap, actual: m });
      if (node.last !== (node.slots[node.n - 1] as MapleNode<T>).last) bug("internal node's pivot is stale");
    };
    visit(this.root, 0);
    if (leaves[0] !== this.head || leaves[leaves.length - 1] !== this.tail) bug("head or tail is wrong");
    let prevEnd = 0;
    let n = 0;
    let prev: MapleNode<T> | null = null;
    for (const leaf of leaves) {
      if (leaf.prev !== prev || (prev !== null && prev.next !== leaf)) bug("leaf chain is broken");
      let g = 0;
      for (let s = 0; s < leaf.n; s++) {
        const e = leaf.slots[s] as T;
        if (!(e.vm_start < e.vm_end)) bug("empty entry", { start: e.vm_start, end: e.vm_end });
        if (e.vm_start < prevEnd) bug("entries overlap or are unsorted", { start: e.vm_start, prevEnd });
        if (e.vm_start - prevEnd > g) g = e.vm_start - prevEnd;
        // A tree that is one leaf keeps no gaps (see the header).
        if (leaf !== this.root && leaf.gaps[s] !== e.vm_start - prevEnd) bug("entry's gap is stale", { start: e.vm_start, gap: leaf.gaps[s], actual: e.vm_start - prevEnd });
        prevEnd = e.vm_end;
        n++;
      }
      if (leaf !== this.root && leaf.gap !== g) bug("leaf's gap is stale", { gap: leaf.gap, actual: g, first: leaf.n > 0 ? (leaf.slots[0] as T).vm_start : -1 });
      if (leaf.last !== (leaf.n > 0 ? leaf.slots[leaf.n - 1] : null)) bug("leaf's pivot is stale");
      prev = leaf;
    }
    if (prev !== null && prev.next !== null) bug("leaf chain runs past the tail");
    if (n !== this.count) bug("count is wrong", { counted: n, count: this.count });
  }
}
