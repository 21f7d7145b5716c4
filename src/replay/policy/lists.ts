/**
 * Intrusive doubly linked lists over dense ids, as the model threads its LRU lists through
 * `lru.next/prev` columns. A policy keeps one Int32Array of links, two per slot (next at 2x,
 * prev at 2x + 1, so one cache line holds both), for ids 0 … nKeys-1 and then one sentinel
 * slot per list (list heads nKeys, nKeys+1, …). A list is circular through its sentinel h:
 * next(h) is the newest entry, prev(h) the oldest, and the list is empty when next(h) === h.
 * An id is on at most one list of a link array at a time.
 */

/** Links for `nKeys` ids and `count` empty lists whose sentinels follow them. */
export function makeLinks(nKeys: number, count: number): Int32Array {
  const l = new Int32Array(2 * (nKeys + count));
  for (let h = nKeys; h < nKeys + count; h++) {
    l[h << 1] = h;
    l[(h << 1) + 1] = h;
  }
  return l;
}

/** Puts x at the newest end of list h. */
export function pushNewest(l: Int32Array, h: number, x: number): void {
  const f = l[h << 1];
  l[x << 1] = f;
  l[(x << 1) + 1] = h;
  l[(f << 1) + 1] = x;
  l[h << 1] = x;
}

/** Takes x off whatever list it is on. */
export function unlink(l: Int32Array, x: number): void {
  const n = l[x << 1];
  const p = l[(x << 1) + 1];
  l[p << 1] = n;
  l[(n << 1) + 1] = p;
}

/** The oldest entry of list h (h itself when the list is empty). */
export function oldest(l: Int32Array, h: number): number {
  return l[(h << 1) + 1];
}

/** The newest entry of list h (h itself when the list is empty). */
export function newest(l: Int32Array, h: number): number {
  return l[h << 1];
}
