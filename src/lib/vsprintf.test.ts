import { describe, expect, it } from "vitest";
import { bitmap_list_string } from "./vsprintf.js";

describe("bitmap_list_string (%*pbl)", () => {
  it("prints ranges of set bits, whatever order they come in", () => {
    expect(bitmap_list_string([])).toBe("");
    expect(bitmap_list_string([0])).toBe("0");
    expect(bitmap_list_string([0, 1, 2, 3, 6])).toBe("0-3,6");
    expect(bitmap_list_string([9, 8, 0, 8, 2, 1])).toBe("0-2,8-9");
  });
});
