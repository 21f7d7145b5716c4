import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  GFP_ATOMIC,
  GFP_DMA,
  GFP_DMA32,
  GFP_HIGHUSER,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOFS,
  GFP_NOIO,
  GFP_NOWAIT,
  GFP_TRANSHUGE,
  GFP_TRANSHUGE_LIGHT,
  GFP_USER,
  GFP_ZONEMASK,
  __GFP_BITS_MASK,
  __GFP_COMP,
  __GFP_DIRECT_RECLAIM,
  __GFP_HIGHMEM,
  __GFP_MOVABLE,
  __GFP_RECLAIMABLE,
  __GFP_ZERO,
  format_gfp_flags,
  gfp_migratetype,
  gfp_zone,
  gfp_zone_bad,
  gfpflag_names,
  gfpflags_allow_blocking,
  show_gfp_flags,
} from "./gfp.js";
import {
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  ZONE_DMA,
  ZONE_DMA32,
  ZONE_MOVABLE,
  ZONE_NORMAL,
} from "./mmzone.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const realData = path.resolve(repoRoot, "test/realkernel/data");

describe("gfp flag values", () => {
  it("composite masks have the 6.1 values of Debian's x86-64 build", () => {
    expect(GFP_KERNEL).toBe(0xcc0);
    expect(GFP_KERNEL_ACCOUNT).toBe(0x400cc0);
    expect(GFP_ATOMIC).toBe(0xa20);
    expect(GFP_NOWAIT).toBe(0x800);
    expect(GFP_NOIO).toBe(0xc00);
    expect(GFP_NOFS).toBe(0xc40);
    expect(GFP_USER).toBe(0x100cc0);
    expect(GFP_HIGHUSER).toBe(0x100cc2);
    expect(GFP_HIGHUSER_MOVABLE).toBe(0x100cca);
    expect(GFP_TRANSHUGE_LIGHT).toBe(0x1c20ca);
    expect(GFP_TRANSHUGE).toBe(0x1c24ca);
    expect(GFP_ZONEMASK).toBe(0xf);
    expect(__GFP_BITS_MASK).toBe(0x7ffffff);
  });

  it("every named mask lies inside __GFP_BITS_MASK and is non-zero", () => {
    for (const [mask, name] of gfpflag_names) {
      expect(mask, name).toBeGreaterThan(0);
      expect(mask & ~__GFP_BITS_MASK, name).toBe(0);
    }
    expect(gfpflag_names).toHaveLength(36);
    expect(gfpflag_names[0][1]).toBe("GFP_TRANSHUGE");
    expect(gfpflag_names[35][1]).toBe("__GFP_ZEROTAGS");
  });
});

describe("format_gfp_flags (%#x(%pGg))", () => {
  it("prints the masks seen in OOM reports the way they were printed", () => {
    expect(format_gfp_flags(GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_ZERO)).toBe(
      "0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO)",
    );
    expect(format_gfp_flags(GFP_KERNEL)).toBe("0xcc0(GFP_KERNEL)");
  });

  it("reproduces every gfp_mask string in the real kernel's OOM reports", () => {
    const seen = new Set<string>();
    for (const w of ["w3a", "w4"]) {
      for (const f of readdirOom(path.join(realData, w))) {
        const text = readFileSync(f, "utf8");
        for (const m of text.matchAll(/gfp_mask=(0x[0-9a-f]+)\(([^)]*)\)/g)) {
          const printed = `${m[1]}(${m[2]})`;
          expect(format_gfp_flags(parseInt(m[1], 16))).toBe(printed);
          seen.add(printed);
        }
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
  });

  it("takes the composite with most bits first and prints leftover bits in hex", () => {
    expect(format_gfp_flags(GFP_USER | __GFP_HIGHMEM)).toBe("0x100cc2(GFP_HIGHUSER)");
    expect(format_gfp_flags(GFP_KERNEL | 0x4000000)).toBe("0x4000cc0(GFP_KERNEL|0x4000000)");
    expect(format_gfp_flags(GFP_TRANSHUGE)).toBe("0x1c24ca(GFP_TRANSHUGE)");
    expect(format_gfp_flags(GFP_NOWAIT | __GFP_ZERO)).toBe("0x900(GFP_NOWAIT|__GFP_ZERO)");
    expect(format_gfp_flags(__GFP_DIRECT_RECLAIM)).toBe("0x400(__GFP_DIRECT_RECLAIM)");
    expect(format_gfp_flags(0)).toBe("0x0()");
    expect(show_gfp_flags(0)).toBe("none");
    expect(show_gfp_flags(GFP_ATOMIC)).toBe("GFP_ATOMIC");
  });
});

describe("gfp_zone", () => {
  it("decodes the zone modifiers through GFP_ZONE_TABLE", () => {
    expect(gfp_zone(GFP_KERNEL)).toBe(ZONE_NORMAL);
    expect(gfp_zone(GFP_DMA)).toBe(ZONE_DMA);
    expect(gfp_zone(GFP_DMA32)).toBe(ZONE_DMA32);
    expect(gfp_zone(GFP_HIGHUSER)).toBe(ZONE_NORMAL);
    expect(gfp_zone(GFP_HIGHUSER_MOVABLE)).toBe(ZONE_MOVABLE);
    expect(gfp_zone(__GFP_MOVABLE)).toBe(ZONE_NORMAL);
    expect(gfp_zone(__GFP_MOVABLE | GFP_DMA32)).toBe(ZONE_DMA32);
  });

  it("flags the forbidden combinations", () => {
    expect(gfp_zone_bad(GFP_DMA | GFP_DMA32)).toBe(true);
    expect(gfp_zone_bad(GFP_DMA | __GFP_HIGHMEM)).toBe(true);
    expect(gfp_zone_bad(GFP_HIGHUSER_MOVABLE)).toBe(false);
    expect(gfp_zone_bad(GFP_KERNEL)).toBe(false);
  });
});

describe("gfp_migratetype and gfpflags_allow_blocking", () => {
  it("groups by mobility", () => {
    expect(gfp_migratetype(GFP_KERNEL)).toBe(MIGRATE_UNMOVABLE);
    expect(gfp_migratetype(GFP_HIGHUSER_MOVABLE)).toBe(MIGRATE_MOVABLE);
    expect(gfp_migratetype(GFP_KERNEL | __GFP_RECLAIMABLE)).toBe(MIGRATE_RECLAIMABLE);
  });
  it("blocks only with __GFP_DIRECT_RECLAIM", () => {
    expect(gfpflags_allow_blocking(GFP_KERNEL)).toBe(true);
    expect(gfpflags_allow_blocking(GFP_ATOMIC)).toBe(false);
    expect(gfpflags_allow_blocking(GFP_TRANSHUGE_LIGHT)).toBe(false);
  });
});

function readdirOom(dir: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < 10; i++) {
    const f = path.join(dir, `oom_report.${i}`);
    try {
      readFileSync(f);
      out.push(f);
    } catch {
      break;
    }
  }
  return out;
}
