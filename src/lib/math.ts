/**
 * Integer arithmetic helpers of lib/math and include/linux/math.h, exact on the integers a
 * double holds (up to 2^53).
 * @kernel lib/math/int_sqrt.c int_sqrt
 * @kernel include/linux/math.h mult_frac
 * @kernel include/linux/minmax.h clamp
 */

/**
 * floor(sqrt(x)) for a non-negative integer, exactly: the kernel computes it bit by bit; a
 * double's sqrt is correctly rounded, so the estimate is off by at most one near 2^53, and the
 * two corrections make it exact. int_sqrt(243285 * 4 * 16) = 3945 (w0-m1024's min_free_kbytes).
 * @kernel lib/math/int_sqrt.c int_sqrt
 */
export function int_sqrt(x: number): number {
  if (x <= 1) return x;
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/**
 * x * n / d for non-negative integers without the intermediate overflow: (x / d) * n +
 * (x % d) * n / d, each division rounding down as C's does.
 * @kernel include/linux/math.h mult_frac
 */
export function mult_frac(x: number, n: number, d: number): number {
  const q = Math.floor(x / d);
  const r = x % d;
  return q * n + Math.floor((r * n) / d);
}

/**
 * `val` kept within [lo, hi], tested against hi first as minmax.h's __clamp is: when lo > hi
 * (nr_pcp_free with pcp high below two batches: lo = batch 3, hi = high - batch 2) the answer is
 * hi, where min(max(val, lo), hi)'s other order would also give hi but max(lo, min(val, hi))
 * gives lo.
 * @kernel include/linux/minmax.h clamp
 */
export function clamp(val: number, lo: number, hi: number): number {
  return val >= hi ? hi : val <= lo ? lo : val;
}
