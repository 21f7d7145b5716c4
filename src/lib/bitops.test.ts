import { describe, expect, it } from "vitest";
import { fls, fls_long } from "./bitops.js";

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
