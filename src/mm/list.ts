/**
 * Intrusive doubly linked lists threaded through the struct page `lru` columns, as the kernel
 * threads free lists, pcp lists and LRU lists through page->lru. A page is on at most one such
 * list at a time, so one pair of next/prev columns serves them all.
 *
 * A list is one slot in some Int32Array of heads (free_list[mt], pcp->lists[i], lruvec lists…)
 * holding its first pfn, or NO_PFN when empty. The elements form a ring: prev[first] is the last
 * element, so adding at either end is O(1) without sentinel pages. Walk with
 * `for (let p = heads[h]; p !== NO_PFN; p = links.list_next(heads, h, p))`.
 * @kernel include/linux/list.h list_add, list_add_tail, list_del, list_move, list_move_tail
 */
import { BUG_ON } from "../kernel/bug.js";
import { NO_PFN } from "./types.js";

// NO_PFN as a module-local literal: an imported binding is read from its module cell (with a
// hole check) at every use in compiled code, where a local const folds into the code.
const NO_PFN_ = -1;
BUG_ON(NO_PFN_ !== NO_PFN, "list: NO_PFN_ differs from NO_PFN");

export class ListLinks {
  /** page->lru.next, by pfn; meaningful only while the page is on a list. */
  readonly next: Int32Array;
  /** page->lru.prev, by pfn. */
  readonly prev: Int32Array;

  constructor(nrPages: number) {
    // Zero-filled typed arrays are committed lazily by the host, so a huge machine costs
    // nothing here until pages are actually linked.
    this.next = new Int32Array(nrPages);
    this.prev = new Int32Array(nrPages);
  }

  /**
   * Adds pfn just before `pos`, an element of list `h` (the kernel's list_add_tail(&new,
   * &pos->lru)); before the first element, pfn becomes the first.
   */
  list_add_before(heads: Int32Array, h: number, pos: number, pfn: number): void {
    const prev = this.prev[pos];
    this.next[pfn] = pos;
    this.prev[pfn] = prev;
    this.next[prev] = pfn;
    this.prev[pos] = pfn;
    if (heads[h] === pos) heads[h] = pfn;
  }

  /** Adds pfn at the front of list `h`. */
  list_add(heads: Int32Array, h: number, pfn: number): void {
    const first = heads[h];
    if (first === NO_PFN_) {
      this.next[pfn] = pfn;
      this.prev[pfn] = pfn;
    } else {
      const last = this.prev[first];
      this.next[pfn] = first;
      this.prev[pfn] = last;
      this.next[last] = pfn;
      this.prev[first] = pfn;
    }
    heads[h] = pfn;
  }

  /**
   * Adds pfns[start], pfns[start + 1], … pfns[start + n - 1] at the front of list `h`, one after
   * another: the list then starts with the last of them, back to the first, then what it held.
   * The same links as n list_add calls, each written once, and the old first and last touched
   * once instead of n times.
   */
  list_add_run(heads: Int32Array, h: number, pfns: Int32Array, start: number, n: number): void {
    if (n === 0) return;
    const next = this.next;
    const prev = this.prev;
    const first = pfns[start];
    const last = pfns[start + n - 1];
    // Inside the run each page's next is the page added before it.
    for (let i = 1; i < n; i++) {
      const p = pfns[start + i];
      const q = pfns[start + i - 1];
      next[p] = q;
      prev[q] = p;
    }
    const old = heads[h];
    if (old === NO_PFN_) {
      next[first] = last;
      prev[last] = first;
    } else {
      const tail = prev[old];
      next[first] = old;
      prev[old] = first;
      next[tail] = last;
      prev[last] = tail;
    }
    heads[h] = last;
  }

  /** Adds pfn at the back of list `h`. */
  list_add_tail(heads: Int32Array, h: number, pfn: number): void {
    const first = heads[h];
    if (first === NO_PFN_) {
      this.next[pfn] = pfn;
      this.prev[pfn] = pfn;
      heads[h] = pfn;
    } else {
      const last = this.prev[first];
      this.next[pfn] = first;
      this.prev[pfn] = last;
      this.next[last] = pfn;
      this.prev[first] = pfn;
    }
  }

  /** Unlinks pfn from list `h` (the caller knows which list it is on, as the kernel does). */
  list_del(heads: Int32Array, h: number, pfn: number): void {
    const n = this.next[pfn];
    if (n === pfn) {
      heads[h] = NO_PFN_;
    } else {
      const p = this.prev[pfn];
      this.next[p] = n;
      this.prev[n] = p;
      if (heads[h] === pfn) heads[h] = n;
    }
  }

  /**
   * Joins every element of list `from` onto the front of list `to`, keeping their order, and
   * leaves `from` empty.
   */
  list_splice(fromHeads: Int32Array, from: number, toHeads: Int32Array, to: number): void {
    const first = fromHeads[from];
    if (first === NO_PFN_) return;
    fromHeads[from] = NO_PFN_;
    const tfirst = toHeads[to];
    if (tfirst !== NO_PFN_) {
      const last = this.prev[first];
      const tlast = this.prev[tfirst];
      this.next[last] = tfirst;
      this.prev[tfirst] = last;
      this.next[tlast] = first;
      this.prev[first] = tlast;
    }
    toHeads[to] = first;
  }

  /** Moves pfn from list `from` to the front of list `to`. */
  list_move(fromHeads: Int32Array, from: number, toHeads: Int32Array, to: number, pfn: number): void {
    this.list_del(fromHeads, from, pfn);
    this.list_add(toHeads, to, pfn);
  }

  /** Moves pfn from list `from` to the back of list `to`. */
  list_move_tail(fromHeads: Int32Array, from: number, toHeads: Int32Array, to: number, pfn: number): void {
    this.list_del(fromHeads, from, pfn);
    this.list_add_tail(toHeads, to, pfn);
  }

  /** The element after pfn in list `h`, or NO_PFN at the end. */
  list_next(heads: Int32Array, h: number, pfn: number): number {
    const n = this.next[pfn];
    return n === heads[h] ? NO_PFN_ : n;
  }

  /** The last element of list `h`, or NO_PFN when empty. */
  list_last_entry(heads: Int32Array, h: number): number {
    const first = heads[h];
    return first === NO_PFN_ ? NO_PFN_ : this.prev[first];
  }

  /** Counts the elements of list `h` by walking it: for views and invariant checks, not hot paths. */
  list_count(heads: Int32Array, h: number): number {
    let n = 0;
    for (let p = heads[h]; p !== NO_PFN_; p = this.list_next(heads, h, p)) n++;
    return n;
  }
}

/** A fresh array of `n` empty list heads. */
export function newListHeads(n: number): Int32Array {
  return new Int32Array(n).fill(NO_PFN_);
}
