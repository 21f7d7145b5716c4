import { describe, expect, it } from "vitest";
import { fls, fls_long, pow2, shr } from "./bitops.js";

describe("fls and fls_long", () => {
  it("give the 1-based index of the highest set bit", () => {
    expect([0, 1, 2, 3, 4, 0x80000000].map(fls)).toEqual([0, 1, 2, 2, 3, 32]);
    expect(fls(-1)).toBe(32);
    expect([0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 36, 2 ** 36 - 1].map(fls_long)).toEqual([0, 1, 32, 33, 37, 36]);
  });

  it("are exact where log2 rounds: fls_long(2^53 - 1) is 53", () => {
    expect(Math.floor(Math.log2(2 ** 53 - 1)) + 1).toBe(54);
    expect(fls_long(2 ** 53 - 1)).toBe(53);
  });
});

describe("pow2 and shr", () => {
  it("are 2^n and floor(x / 2^n) on both sides of the 1 << n range (n = 30, 31, 52)", () => {
    expect([0, 1, 12, 30, 31, 32, 52, 63].map(pow2)).toEqual([1, 2, 4096, 1073741824, 2147483648, 4294967296, 4503599627370496, 9223372036854775808]);
    expect(shr(7630, 12)).toBe(1);
    expect(shr(7630, 0)).toBe(7630);
    expect(shr(2 ** 53 - 1, 31)).toBe(4194303);
    expect(shr(2 ** 40 + 5, 40)).toBe(1);
    expect(shr(4095, 12)).toBe(0);
  });
});
