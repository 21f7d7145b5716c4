import { describe, it, expect } from "vitest";
import { decodeGfp, formatGfpInEra, GFP_ERAS, gfpEraForVersion, kver, zonesAllowed } from "./gfp_eras.js";

describe("GFP layouts across kernel eras", () => {
  it("5.1+ prints as the real 6.1 kernel did (test/realkernel/data OOM reports), from literal masks", () => {
    const e = gfpEraForVersion(kver(6, 1));
    expect(e.id).toBe("5.1");
    // Printed by Debian's 6.1.192 in w3a/w4 (oom_report.*): gfp_mask=0x140dca(…), gfp_mask=0xcc0(GFP_KERNEL).
    expect(formatGfpInEra(0x140dca, e)).toBe("GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO");
    expect(formatGfpInEra(0xcc0, e)).toBe("GFP_KERNEL");
    // GFP_ATOMIC = __GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM = 0x20|0x200|0x800 in 6.1's gfp_types.h;
    // 6.3 ("mm: discard __GFP_ATOMIC") made it __GFP_HIGH|__GFP_KSWAPD_RECLAIM = 0x820.
    expect(formatGfpInEra(0xa20, e)).toBe("GFP_ATOMIC");
    expect(formatGfpInEra(0x820, gfpEraForVersion(kver(6, 3)))).toBe("GFP_ATOMIC");
    expect(formatGfpInEra(0xa20, gfpEraForVersion(kver(6, 3)))).toBe("GFP_ATOMIC|0x200");
    // format_flags prints "" for 0; the caller adds the hex and the parentheses.
    expect(formatGfpInEra(0, e)).toBe("");
  });

  /**
   * Every era's bit values against the ___GFP_* literals of a header of that era (x86-64; bits
   * that depend on CONFIG_LOCKDEP, CONFIG_KMEMCHECK-less stubs, KASAN and vendor additions left
   * out). The sources, read with the project's code search (public copies of kernel trees; a
   * mainline tree at each tag is not in the index, so each is the nearest tree or patch):
   *  - 3.10: include/linux/gfp.h of AndreiLux/ref-3.10 (Makefile 3.10.9; commit 147ee332),
   *          less its vendor ___GFP_SLOWHIGHMEM 0x2000000.
   *  - 4.4:  include/linux/gfp.h of CTCaer/switch-l4t-kernel-4.9 (commit b41e60c7), a 4.9 tree of
   *          the same layout, less its vendor CMA bits above 0x2000000; 4.4–4.12 name 0x400 __GFP_REPEAT.
   *  - 4.10: the patch "mm: remove __GFP_OTHER_NODE" (gfp.h index 4175dca4ac39..7806a8f80abc,
   *          code index file 2514565221): WRITE 0x1000000 → 0x800000, KSWAPD_RECLAIM 0x2000000 → 0x1000000;
   *          4.13 renamed 0x400 __GFP_RETRY_MAYFAIL.
   *  - 4.15: include/linux/gfp.h of 0x88888888/Linux-4.19 (commit d7e460ed), and the patch
   *          "mm: remove __GFP_COLD" (code index file 30289872649): WRITE 0x100, DIRECT 0x200000, KSWAPD 0x400000.
   *  - 5.1:  include/linux/gfp_types.h of Debian's linux-source-6.1 (6.1.176).
   *  - 6.3:  include/linux/gfp_types.h of torvalds/linux (commit 16f5dfbc): "0x200u unused".
   */
  const HEADERS: Record<string, Record<string, number>> = {
    "3.10": {
      __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_WAIT: 0x10,
      __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_COLD: 0x100, __GFP_NOWARN: 0x200,
      __GFP_REPEAT: 0x400, __GFP_NOFAIL: 0x800, __GFP_NORETRY: 0x1000, __GFP_MEMALLOC: 0x2000,
      __GFP_COMP: 0x4000, __GFP_ZERO: 0x8000, __GFP_NOMEMALLOC: 0x10000, __GFP_HARDWALL: 0x20000,
      __GFP_THISNODE: 0x40000, __GFP_RECLAIMABLE: 0x80000, __GFP_KMEMCG: 0x100000, __GFP_NOTRACK: 0x200000,
      __GFP_NO_KSWAPD: 0x400000, __GFP_OTHER_NODE: 0x800000, __GFP_WRITE: 0x1000000,
    },
    "4.4": {
      __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_RECLAIMABLE: 0x10,
      __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_COLD: 0x100, __GFP_NOWARN: 0x200,
      __GFP_REPEAT: 0x400, __GFP_NOFAIL: 0x800, __GFP_NORETRY: 0x1000, __GFP_MEMALLOC: 0x2000,
      __GFP_COMP: 0x4000, __GFP_ZERO: 0x8000, __GFP_NOMEMALLOC: 0x10000, __GFP_HARDWALL: 0x20000,
      __GFP_THISNODE: 0x40000, __GFP_ATOMIC: 0x80000, __GFP_ACCOUNT: 0x100000, __GFP_NOTRACK: 0x200000,
      __GFP_DIRECT_RECLAIM: 0x400000, __GFP_OTHER_NODE: 0x800000, __GFP_WRITE: 0x1000000,
      __GFP_KSWAPD_RECLAIM: 0x2000000,
    },
    "4.10": {
      __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_RECLAIMABLE: 0x10,
      __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_COLD: 0x100, __GFP_NOWARN: 0x200,
      __GFP_RETRY_MAYFAIL: 0x400, __GFP_NOFAIL: 0x800, __GFP_NORETRY: 0x1000, __GFP_MEMALLOC: 0x2000,
      __GFP_COMP: 0x4000, __GFP_ZERO: 0x8000, __GFP_NOMEMALLOC: 0x10000, __GFP_HARDWALL: 0x20000,
      __GFP_THISNODE: 0x40000, __GFP_ATOMIC: 0x80000, __GFP_ACCOUNT: 0x100000, __GFP_NOTRACK: 0x200000,
      __GFP_DIRECT_RECLAIM: 0x400000, __GFP_WRITE: 0x800000, __GFP_KSWAPD_RECLAIM: 0x1000000,
    },
    "4.15": {
      __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_RECLAIMABLE: 0x10,
      __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_WRITE: 0x100, __GFP_NOWARN: 0x200,
      __GFP_RETRY_MAYFAIL: 0x400, __GFP_NOFAIL: 0x800, __GFP_NORETRY: 0x1000, __GFP_MEMALLOC: 0x2000,
      __GFP_COMP: 0x4000, __GFP_ZERO: 0x8000, __GFP_NOMEMALLOC: 0x10000, __GFP_HARDWALL: 0x20000,
      __GFP_THISNODE: 0x40000, __GFP_ATOMIC: 0x80000, __GFP_ACCOUNT: 0x100000, __GFP_DIRECT_RECLAIM: 0x200000,
      __GFP_KSWAPD_RECLAIM: 0x400000,
    },
    "5.1": {
      __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_RECLAIMABLE: 0x10,
      __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_ZERO: 0x100, __GFP_ATOMIC: 0x200,
      __GFP_DIRECT_RECLAIM: 0x400, __GFP_KSWAPD_RECLAIM: 0x800, __GFP_WRITE: 0x1000, __GFP_NOWARN: 0x2000,
      __GFP_RETRY_MAYFAIL: 0x4000, __GFP_NOFAIL: 0x8000, __GFP_NORETRY: 0x10000, __GFP_MEMALLOC: 0x20000,
      __GFP_COMP: 0x40000, __GFP_NOMEMALLOC: 0x80000, __GFP_HARDWALL: 0x100000, __GFP_THISNODE: 0x200000,
      __GFP_ACCOUNT: 0x400000, __GFP_ZEROTAGS: 0x800000,
    },
    "6.3": {
      __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_RECLAIMABLE: 0x10,
      __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_ZERO: 0x100,
      __GFP_DIRECT_RECLAIM: 0x400, __GFP_KSWAPD_RECLAIM: 0x800, __GFP_WRITE: 0x1000, __GFP_NOWARN: 0x2000,
      __GFP_RETRY_MAYFAIL: 0x4000, __GFP_NOFAIL: 0x8000, __GFP_NORETRY: 0x10000, __GFP_MEMALLOC: 0x20000,
      __GFP_COMP: 0x40000, __GFP_NOMEMALLOC: 0x80000, __GFP_HARDWALL: 0x100000, __GFP_THISNODE: 0x200000,
      __GFP_ACCOUNT: 0x400000, __GFP_ZEROTAGS: 0x800000,
    },
  };
  it.each(GFP_ERAS.map((e) => [e.id, e] as const))("era %s has its header's ___GFP_* values", (id, era) => {
    expect({ ...era.bits }).toEqual(HEADERS[id]);
  });
  it.each([
    // GFP_KERNEL per era, composed from the literals above: 3.10 __GFP_WAIT|__GFP_IO|__GFP_FS;
    // later __GFP_RECLAIM (DIRECT|KSWAPD)|__GFP_IO|__GFP_FS.
    ["3.10", 0xd0],
    ["4.4", 0x24000c0],
    ["4.10", 0x14000c0],
    ["4.15", 0x6000c0],
    ["5.1", 0xcc0],
    ["6.3", 0xcc0],
  ] as const)("era %s prints its GFP_KERNEL (%s) as GFP_KERNEL", (id, mask) => {
    const era = GFP_ERAS.find((e) => e.id === id)!;
    expect(formatGfpInEra(mask, era)).toBe("GFP_KERNEL");
    expect(decodeGfp(mask, { version: era.from })).toMatchObject({ era: id, canReclaim: true, canIo: true, canFs: true });
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
  it.each([
    // A report with no version banner: the era comes from the range of versions its format
    // allows (decode/oom.ts). Reports before 4.5 print gfp_mask as bare hex (3.10's dump_header:
    // "gfp_mask=0x%x"; 4.5's: "gfp_mask=%#x(%pGg)"), so with no names printed the era that
    // printed none wins; otherwise the oldest era in the range. Eras: 3.10 = 3.0–4.3, 4.4 = 4.4–4.9,
    // 4.10 = 4.10–4.14, 4.15 = 4.15–5.0, 5.1 = 5.1–6.2, 6.3 = 6.3 on.
    [[kver(3, 0), kver(4, 3)], undefined, "3.10"],
    [[kver(4, 3), kver(4, 4)], undefined, "3.10"], // overlaps 3.10's last version: still the hex-only era
    [[kver(4, 4), kver(4, 4)], undefined, "4.4"], // only 4.4: its first version is the range's last
    [[kver(4, 4), kver(4, 9)], undefined, "4.4"],
    [[kver(4, 10), kver(99, 0)], undefined, "4.10"],
    [[kver(6, 2), kver(6, 2)], undefined, "5.1"],
    [[kver(6, 3), kver(6, 3)], undefined, "6.3"],
    // Names printed that no era's table reproduces: the oldest era in range, names or not.
    [[kver(4, 3), kver(4, 4)], "NOT_A_GFP_FLAG", "3.10"],
    [[kver(4, 15), kver(99, 0)], "NOT_A_GFP_FLAG", "4.15"],
  ] as const)("with no version, range %j and printed names %s picks era %s", (range, printedNames, era) => {
    const d = decodeGfp(0x201da, printedNames === undefined ? { versionRange: [range[0], range[1]] } : { versionRange: [range[0], range[1]], printedNames });
    expect(d.era).toBe(era);
    expect(d.eraBasis).toBe("version-range");
  });
  it("falls back to the 6.1 layout with neither version nor range, and prefers the version to the range", () => {
    expect(decodeGfp(0xcc0, {})).toMatchObject({ era: "5.1", eraBasis: "default", names: "GFP_KERNEL" });
    expect(decodeGfp(0x201da, { version: kver(6, 1), versionRange: [kver(3, 0), kver(4, 3)] })).toMatchObject({ era: "5.1", eraBasis: "kernel-version" });
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
