import { describe, expect, it } from "vitest";
import { clamp, int_sqrt, mult_frac } from "./math.js";

describe("int_sqrt and mult_frac", () => {
  it("are exact integer operations", () => {
    expect(int_sqrt(0)).toBe(0);
    expect(int_sqrt(1)).toBe(1);
    expect(int_sqrt(15)).toBe(3);
    expect(int_sqrt(16)).toBe(4);
    expect(int_sqrt(457776 * 16)).toBe(2706);
    expect(int_sqrt(2 ** 52 - 1)).toBe(2 ** 26 - 1);
    // (2^26 + 1)^2 - 1 = 2^52 + 2^27: a double's sqrt rounds it up to 2^26 + 1.
    expect(int_sqrt(2 ** 52 + 2 ** 27)).toBe(2 ** 26);
    expect(mult_frac(113264, 10, 10000)).toBe(113);
    expect(mult_frac(2 ** 40 + 7, 3, 7)).toBe(Math.floor(((2 ** 40 + 7) * 3) / 7));
  });

  it("int_sqrt agrees with the kernel's bit-by-bit loop", () => {
    // lib/math/int_sqrt.c, on values small enough for 32-bit integer arithmetic.
    const kernel = (x: number): number => {
      if (x <= 1) return x;
      let m = 1 << ((31 - Math.clz32(x)) & ~1);
      let y = 0;
      while (m !== 0) {
        const b = y + m;
        y >>>= 1;
        if (x >= b) {
          x -= b;
          y += m;
        }
        m >>>= 2;
      }
      return y;
    };
    for (let x = 0; x < 70000; x += 7) expect(int_sqrt(x)).toBe(kernel(x));
    for (const x of [2 ** 30 - 1, 2 ** 30, 999999999, 2 ** 31 - 1]) expect(int_sqrt(x)).toBe(kernel(x));
  });
});

describe("clamp", () => {
  it("keeps a value within [lo, hi], and tests hi first as __clamp does, so lo > hi gives hi", () => {
    expect([clamp(1, 2, 5), clamp(3, 2, 5), clamp(9, 2, 5), clamp(2, 2, 5), clamp(5, 2, 5)]).toEqual([2, 3, 5, 2, 5]);
    // nr_pcp_free with high 5, batch 3: clamp(3, 3, 2) is 2 (hi), not 3 (lo).
    expect(clamp(3, 3, 2)).toBe(2);
  });
});
