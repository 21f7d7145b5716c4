import { describe, it, expect } from "vitest";
import { decodeGfp, formatGfpInEra, GFP_ERAS, gfpEraForVersion, kver, zonesAllowed } from "./gfp_eras.js";
import { format_gfp_flags } from "../mm/gfp.js";

describe("GFP layouts across kernel eras", () => {
  it("5.1+ is the 6.1 table the simulator prints with", () => {
    const e = gfpEraForVersion(kver(6, 1));
    expect(e.id).toBe("5.1");
    for (const m of [0x140dca, 0xcc0, 0x100cca, 0x400dc0, 0x0]) expect(`0x${m.toString(16)}(${formatGfpInEra(m, e)})`).toBe(format_gfp_flags(m));
  });
  it.each([
    // [mask, version, names as that kernel printed them (or as its table reads for hex-only eras)]
    [0x201da, kver(3, 10), "GFP_HIGHUSER_MOVABLE|__GFP_COLD"],
    [0x280da, kver(3, 10), "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"],
    [0xd0, kver(3, 10), "GFP_KERNEL"],
    [0x24000c0, kver(4, 4), "GFP_KERNEL"],
    [0x24201ca, kver(4, 8), "GFP_HIGHUSER_MOVABLE|__GFP_COLD"],
    [0x16080c0, kver(4, 13), "GFP_KERNEL|__GFP_ZERO|__GFP_NOTRACK"],
    [0x15080c0, kver(4, 14), "GFP_KERNEL_ACCOUNT|__GFP_ZERO"],
    [0x6200ca, kver(4, 18), "GFP_HIGHUSER_MOVABLE"],
    [0x100dca, kver(5, 6), "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"],
    [0x500cc2, kver(5, 8), "GFP_HIGHUSER|__GFP_ACCOUNT"],
    [0x140cca, kver(6, 12), "GFP_HIGHUSER_MOVABLE|__GFP_COMP"],
  ])("%s on %s reads %s", (mask, v, names) => {
    expect(formatGfpInEra(mask, gfpEraForVersion(v))).toBe(names);
    expect(decodeGfp(mask, { version: v }).names).toBe(names);
  });
  it("picks the era whose table reproduces the printed names, over a misleading version", () => {
    const d = decodeGfp(0x16080c0, { printedNames: "GFP_KERNEL|__GFP_ZERO|__GFP_NOTRACK", version: kver(6, 1) });
    expect(d.era).toBe("4.10");
    expect(d.eraBasis).toBe("printed-names");
  });
  it("the same bits mean different flags in different eras", () => {
    expect(formatGfpInEra(0xcc0, gfpEraForVersion(kver(6, 1)))).toBe("GFP_KERNEL");
    expect(formatGfpInEra(0xcc0, gfpEraForVersion(kver(3, 10)))).not.toBe("GFP_KERNEL");
  });
  it("derives the highest zone and migratetype like gfp_zone and gfp_migratetype", () => {
    expect(decodeGfp(0x140dca, { version: kver(6, 1) })).toMatchObject({ highestZone: "Movable", migratetype: "Movable", canReclaim: true });
    expect(decodeGfp(0xcc0, { version: kver(6, 1) })).toMatchObject({ highestZone: "Normal", migratetype: "Unmovable" });
    expect(decodeGfp(0xcc4, { version: kver(6, 1) })).toMatchObject({ highestZone: "DMA32" });
    expect(decodeGfp(0xa20, { version: kver(6, 1) })).toMatchObject({ canReclaim: false });
    expect(zonesAllowed("Movable", ["DMA", "DMA32", "Normal"])).toEqual(["DMA", "DMA32", "Normal"]);
    expect(zonesAllowed("DMA32", ["DMA", "DMA32", "Normal"])).toEqual(["DMA", "DMA32"]);
    expect(zonesAllowed("HighMem", ["DMA", "Normal", "HighMem"])).toEqual(["DMA", "Normal", "HighMem"]);
    expect(zonesAllowed("HighMem", ["Movable"])).toEqual([]);
  });
  it("covers 3.0 to today without gaps", () => {
    for (let i = 1; i < GFP_ERAS.length; i++) expect(GFP_ERAS[i].from).toBe(GFP_ERAS[i - 1].to + 1);
  });
});
