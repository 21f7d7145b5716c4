import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it("reads the usual units into nanoseconds", () => {
    expect(parseDuration("100ms")).toBe(100e6);
    expect(parseDuration("2s")).toBe(2e9);
    expect(parseDuration("50us")).toBe(50e3);
    expect(parseDuration("1.5min")).toBe(90e9);
    expect(parseDuration(42)).toBe(42);
  });
  it("rejects a missing or unknown unit", () => {
    for (const bad of ["100", "10 parsecs", "", "-1s", "s"]) expect(() => parseDuration(bad)).toThrow(RangeError);
  });
});
