import { describe, expect, it } from "vitest";
import { TraceError } from "./errors.js";
import { KeyMap } from "./keymap.js";

describe("KeyMap", () => {
  it("gives ids 0, 1, 2, … in order of first appearance, the same id again for a known key", () => {
    const m = new KeyMap(4);
    expect([m.idOf(50, 0), m.idOf(7, 0), m.idOf(50, 0), m.idOf(7, 1), m.idOf(7, 0)]).toEqual([0, 1, 0, 2, 1]);
    expect(m.size).toBe(3);
    expect(m.find(7, 1)).toBe(2);
    expect(m.find(8, 0)).toBe(-1);
  });

  it("keeps every key through its growth, with the reverse map", () => {
    const m = new KeyMap(16);
    const n = 100_000;
    // Keys that differ only in their high half collide in naive hashes.
    for (let i = 0; i < n; i++) expect(m.idOf(12345, i)).toBe(i);
    for (let i = n - 1; i >= 0; i -= 997) {
      expect(m.find(12345, i)).toBe(i);
      expect([m.keyLo(i), m.keyHi(i)]).toEqual([12345, i]);
    }
    expect(m.idOf(0xffffffff, 0xffffffff)).toBe(n);
    expect(m.keyHi(n)).toBe(0xffffffff);
  });

  it("stops at its cap with a TraceError", () => {
    const m = new KeyMap(4, 3);
    m.idOf(1, 0);
    m.idOf(2, 0);
    m.idOf(3, 0);
    expect(m.idOf(2, 0)).toBe(1);
    expect(() => m.idOf(4, 0)).toThrow(TraceError);
  });
});
