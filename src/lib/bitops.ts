/**
 * Bit searches: the 1-based index of the highest set bit of a word.
 * @kernel include/asm-generic/bitops/fls.h fls
 * @kernel include/asm-generic/bitops/fls64.h fls64 (fls_long on 64-bit)
 */

/** Find last set bit of a 32-bit word, 1-based; fls(0) = 0, fls(1) = 1, fls(0x80000000) = 32. */
export function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/**
 * fls of an unsigned long (64 bits): exact for the non-negative integers a double holds, where
 * log2 would round 2^53 - 1 up to 53. fls_long(2^36) = 37.
 */
export function fls_long(x: number): number {
  if (x <= 0) return 0;
  if (x < 2 ** 32) return fls(x >>> 0);
  return 32 + fls(Math.floor(x / 2 ** 32) >>> 0);
}

/**
 * 2^n for a whole n ≥ 0, exactly. Reclaim and the TLB code shift by a variable amount (sc->priority,
 * stride_shift, an order) on every pass; V8 computes `2 ** n` with a variable n through
 * Math.pow, about 70 ns a call on the project's host against 15 ns for `1 << n` (measured
 * 7 December 2026), and `1 << n` is exact up to n = 30. The same holds for `2 ** NAME` with a
 * module constant inside a function (V8 folds only literals there: 80-110 ns against 6-15 ns,
 * measured 7 December 2026), so a hot path takes such a factor from a module constant computed
 * once (workingset.ts's NODES_SIZE) and a compound page's size as pow2 of its order.
 */
export function pow2(n: number): number {
  return n >= 0 && n <= 30 ? 1 << n : 2 ** n;
}

/** x >> n for a non-negative integer x (an unsigned long shifted right): floor(x / 2^n), exact. 7630 >> 12 = 1. */
export function shr(x: number, n: number): number {
  return Math.floor(x / pow2(n));
}
