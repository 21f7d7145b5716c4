import { describe, expect, it } from "vitest";
import { formatSize, parseSize } from "./size.js";

describe("parseSize", () => {
  it("reads binary units in any case, with or without B/iB", () => {
    expect(parseSize("512M")).toBe(512 * 2 ** 20);
    expect(parseSize("1g")).toBe(2 ** 30);
    expect(parseSize("64KiB")).toBe(65536);
    expect(parseSize("1.5G")).toBe(1.5 * 2 ** 30);
    expect(parseSize("4096")).toBe(4096);
    expect(parseSize(8192)).toBe(8192);
  });
  it("rejects what memparse would silently misread", () => {
    for (const bad of ["12Q", "", "M", "-1M", "1e3", "0x100", "1 2M"]) expect(() => parseSize(bad)).toThrow(RangeError);
    expect(() => parseSize(-5)).toThrow(RangeError);
    expect(() => parseSize(1.5)).toThrow(RangeError);
  });
  it("names the bad text in the message", () => {
    expect(() => parseSize("12Q")).toThrow(/"12Q"/);
  });
});

describe("formatSize", () => {
  it("uses the largest exact unit", () => {
    expect(formatSize(512 * 2 ** 20)).toBe("512M");
    expect(formatSize(2 ** 40)).toBe("1T");
    expect(formatSize(1536)).toBe("1536");
  });
});
