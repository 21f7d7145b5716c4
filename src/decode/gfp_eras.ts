/**
 * GFP masks as kernels from 3.10 to 6.x laid them out. The bit values moved four times on x86-64,
 * so 0x201da means GFP_HIGHUSER_MOVABLE|__GFP_COLD on 3.10 and nothing sensible on 6.1; a decoder
 * must pick the era first. Each era here holds the ___GFP_* bit values of its include/linux/gfp.h
 * and the name table of its include/trace/events/mmflags.h (__def_gfpflag_names, the order %pGg
 * prints in); 5.1 and later reuse src/include/linux/gfp_types.ts and src/include/trace/events/mmflags.ts,
 * the 6.1 tables the simulator itself prints with.
 *
 * Eras (x86-64, CONFIG_LOCKDEP and KASAN tag bits off):
 *  - "3.10": 3.10–4.3, ___GFP_WAIT at 0x10, __GFP_COLD, __GFP_NO_KSWAPD; OOM reports print hex only.
 *  - "4.4":  4.4–4.9, ___GFP_DIRECT_RECLAIM/KSWAPD_RECLAIM replace WAIT/NO_KSWAPD, __GFP_ATOMIC,
 *            __GFP_OTHER_NODE at 0x800000; names printed from 4.5 on.
 *  - "4.10": 4.10–4.14, __GFP_OTHER_NODE gone so WRITE is 0x800000 and KSWAPD_RECLAIM 0x1000000.
 *  - "4.15": 4.15–5.0, __GFP_COLD and __GFP_NOTRACK gone, bits repacked (WRITE 0x100).
 *  - "5.1":  5.1–6.2, "mm: shuffle GFP_* flags" packs GFP_KERNEL into 0xcc0 (the 6.1 layout).
 *  - "6.3":  6.3 on, __GFP_ATOMIC removed (0x200 unused), GFP_ATOMIC = __GFP_HIGH|__GFP_KSWAPD_RECLAIM.
 *
 * @kernel include/linux/gfp_types.h ___GFP_DMA … ___GFP_ZEROTAGS (6.1)
 * @kernel include/linux/gfp.h ___GFP_* (3.10, 4.4, 4.10, 4.15 layouts; "mm: shuffle GFP_* flags", 5.1)
 * @kernel include/trace/events/mmflags.h __def_gfpflag_names
 * @kernel include/linux/gfp.h gfp_zone, GFP_ZONE_TABLE
 *
 * Simplified: the 3.10 era's bit 0x100000 is named __GFP_KMEMCG (3.8–3.14); 3.15–4.3 left it unused.
 * The 4.4 era names 0x100000 __GFP_ACCOUNT although 4.4 itself called it __GFP_NOACCOUNT.
 */
import { __GFP_HIGH, __GFP_KSWAPD_RECLAIM, __GFP_DMA, __GFP_DMA32 } from "../include/linux/gfp_types.js";
import { gfpflag_names } from "../include/trace/events/mmflags.js";
import { format_flags } from "../lib/vsprintf.js";

/** A GFP layout era. */
export type GfpEraId = "3.10" | "4.4" | "4.10" | "4.15" | "5.1" | "6.3";

/** One era: bit values by name, and the ordered name table %pGg walks. */
export interface GfpEra {
  id: GfpEraId;
  /** First and last kernel versions (major*1000+minor) using this layout. */
  from: number;
  to: number;
  /** Whether OOM reports of this era print the names after the hex value. */
  printsNames: boolean;
  bits: Readonly<Record<string, number>>;
  names: ReadonlyArray<readonly [number, string]>;
}

/** Kernel version as major*1000+minor (6.1 → 6001). */
export function kver(major: number, minor: number): number {
  return major * 1000 + minor;
}

function table(bits: Record<string, number>, composites: Array<[string, number]>, singles: string[]): Array<readonly [number, string]> {
  const out: Array<readonly [number, string]> = composites.map(([n, v]) => [v >>> 0, n] as const);
  for (const s of singles) if (bits[s] !== undefined) out.push([bits[s], s] as const);
  return out;
}

// 3.10 … 4.3
const B310: Record<string, number> = {
  __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_WAIT: 0x10,
  __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_COLD: 0x100, __GFP_NOWARN: 0x200,
  __GFP_REPEAT: 0x400, __GFP_NOFAIL: 0x800, __GFP_NORETRY: 0x1000, __GFP_MEMALLOC: 0x2000,
  __GFP_COMP: 0x4000, __GFP_ZERO: 0x8000, __GFP_NOMEMALLOC: 0x10000, __GFP_HARDWALL: 0x20000,
  __GFP_THISNODE: 0x40000, __GFP_RECLAIMABLE: 0x80000, __GFP_KMEMCG: 0x100000, __GFP_NOTRACK: 0x200000,
  __GFP_NO_KSWAPD: 0x400000, __GFP_OTHER_NODE: 0x800000, __GFP_WRITE: 0x1000000,
};
function era310(): GfpEra {
  const b = B310;
  const KERNEL = b.__GFP_WAIT | b.__GFP_IO | b.__GFP_FS;
  const USER = KERNEL | b.__GFP_HARDWALL;
  const HIGHUSER = USER | b.__GFP_HIGHMEM;
  const HUM = HIGHUSER | b.__GFP_MOVABLE;
  const TRANSHUGE = HUM | b.__GFP_COMP | b.__GFP_NOMEMALLOC | b.__GFP_NORETRY | b.__GFP_NOWARN | b.__GFP_NO_KSWAPD;
  return {
    id: "3.10", from: kver(3, 0), to: kver(4, 3), printsNames: false, bits: b,
    names: table(b, [
      ["GFP_TRANSHUGE", TRANSHUGE], ["GFP_HIGHUSER_MOVABLE", HUM], ["GFP_HIGHUSER", HIGHUSER], ["GFP_USER", USER],
      ["GFP_TEMPORARY", KERNEL | b.__GFP_RECLAIMABLE], ["GFP_KERNEL", KERNEL], ["GFP_NOFS", b.__GFP_WAIT | b.__GFP_IO],
      ["GFP_NOIO", b.__GFP_WAIT], ["GFP_ATOMIC", b.__GFP_HIGH], ["GFP_DMA", b.__GFP_DMA], ["GFP_DMA32", b.__GFP_DMA32],
    ], ["__GFP_HIGHMEM", "__GFP_IO", "__GFP_FS", "__GFP_WAIT", "__GFP_COLD", "__GFP_NOWARN", "__GFP_REPEAT", "__GFP_NOFAIL",
      "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE",
      "__GFP_RECLAIMABLE", "__GFP_MOVABLE", "__GFP_KMEMCG", "__GFP_NOTRACK", "__GFP_NO_KSWAPD", "__GFP_OTHER_NODE", "__GFP_WRITE"]),
  };
}

// 4.4 … 4.14 share the low half; the top bits differ by __GFP_OTHER_NODE.
function era44or410(id: "4.4" | "4.10"): GfpEra {
  const b: Record<string, number> = {
    __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_RECLAIMABLE: 0x10,
    __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_COLD: 0x100, __GFP_NOWARN: 0x200,
    [id === "4.4" ? "__GFP_REPEAT" : "__GFP_RETRY_MAYFAIL"]: 0x400, __GFP_NOFAIL: 0x800, __GFP_NORETRY: 0x1000,
    __GFP_MEMALLOC: 0x2000, __GFP_COMP: 0x4000, __GFP_ZERO: 0x8000, __GFP_NOMEMALLOC: 0x10000,
    __GFP_HARDWALL: 0x20000, __GFP_THISNODE: 0x40000, __GFP_ATOMIC: 0x80000, __GFP_ACCOUNT: 0x100000,
    __GFP_NOTRACK: 0x200000, __GFP_DIRECT_RECLAIM: 0x400000,
  };
  if (id === "4.4") {
    b.__GFP_OTHER_NODE = 0x800000;
    b.__GFP_WRITE = 0x1000000;
    b.__GFP_KSWAPD_RECLAIM = 0x2000000;
  } else {
    b.__GFP_WRITE = 0x800000;
    b.__GFP_KSWAPD_RECLAIM = 0x1000000;
  }
  const RECLAIM = b.__GFP_DIRECT_RECLAIM | b.__GFP_KSWAPD_RECLAIM;
  const KERNEL = RECLAIM | b.__GFP_IO | b.__GFP_FS;
  const USER = KERNEL | b.__GFP_HARDWALL;
  const HIGHUSER = USER | b.__GFP_HIGHMEM;
  const HUM = HIGHUSER | b.__GFP_MOVABLE;
  const LIGHT = (HUM | b.__GFP_COMP | b.__GFP_NOMEMALLOC | b.__GFP_NOWARN) & ~RECLAIM;
  return {
    id, from: id === "4.4" ? kver(4, 4) : kver(4, 10), to: id === "4.4" ? kver(4, 9) : kver(4, 14), printsNames: true, bits: b,
    names: table(b, [
      ["GFP_TRANSHUGE", LIGHT | b.__GFP_DIRECT_RECLAIM], ["GFP_TRANSHUGE_LIGHT", LIGHT], ["GFP_HIGHUSER_MOVABLE", HUM],
      ["GFP_HIGHUSER", HIGHUSER], ["GFP_USER", USER], ["GFP_TEMPORARY", KERNEL | b.__GFP_RECLAIMABLE],
      ["GFP_KERNEL_ACCOUNT", KERNEL | b.__GFP_ACCOUNT], ["GFP_KERNEL", KERNEL], ["GFP_NOFS", RECLAIM | b.__GFP_IO],
      ["GFP_ATOMIC", b.__GFP_HIGH | b.__GFP_ATOMIC | b.__GFP_KSWAPD_RECLAIM], ["GFP_NOIO", RECLAIM],
      ["GFP_NOWAIT", b.__GFP_KSWAPD_RECLAIM], ["GFP_DMA", b.__GFP_DMA], ["__GFP_HIGHMEM", b.__GFP_HIGHMEM], ["GFP_DMA32", b.__GFP_DMA32],
    ], ["__GFP_HIGH", "__GFP_ATOMIC", "__GFP_IO", "__GFP_FS", "__GFP_COLD", "__GFP_NOWARN", "__GFP_REPEAT", "__GFP_RETRY_MAYFAIL",
      "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_MEMALLOC", "__GFP_HARDWALL",
      "__GFP_THISNODE", "__GFP_RECLAIMABLE", "__GFP_MOVABLE", "__GFP_ACCOUNT", "__GFP_NOTRACK", "__GFP_WRITE"])
      .concat([[RECLAIM, "__GFP_RECLAIM"] as const, [b.__GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"] as const,
        [b.__GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"] as const])
      .concat(id === "4.4" ? [[0x800000, "__GFP_OTHER_NODE"] as const] : []),
  };
}

// 4.15 … 5.0
function era415(): GfpEra {
  const b: Record<string, number> = {
    __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_RECLAIMABLE: 0x10,
    __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_WRITE: 0x100, __GFP_NOWARN: 0x200,
    __GFP_RETRY_MAYFAIL: 0x400, __GFP_NOFAIL: 0x800, __GFP_NORETRY: 0x1000, __GFP_MEMALLOC: 0x2000,
    __GFP_COMP: 0x4000, __GFP_ZERO: 0x8000, __GFP_NOMEMALLOC: 0x10000, __GFP_HARDWALL: 0x20000,
    __GFP_THISNODE: 0x40000, __GFP_ATOMIC: 0x80000, __GFP_ACCOUNT: 0x100000, __GFP_DIRECT_RECLAIM: 0x200000,
    __GFP_KSWAPD_RECLAIM: 0x400000,
  };
  const RECLAIM = b.__GFP_DIRECT_RECLAIM | b.__GFP_KSWAPD_RECLAIM;
  const KERNEL = RECLAIM | b.__GFP_IO | b.__GFP_FS;
  const USER = KERNEL | b.__GFP_HARDWALL;
  const HIGHUSER = USER | b.__GFP_HIGHMEM;
  const HUM = HIGHUSER | b.__GFP_MOVABLE;
  const LIGHT = (HUM | b.__GFP_COMP | b.__GFP_NOMEMALLOC | b.__GFP_NOWARN) & ~RECLAIM;
  return {
    id: "4.15", from: kver(4, 15), to: kver(5, 0), printsNames: true, bits: b,
    names: table(b, [
      ["GFP_TRANSHUGE", LIGHT | b.__GFP_DIRECT_RECLAIM], ["GFP_TRANSHUGE_LIGHT", LIGHT], ["GFP_HIGHUSER_MOVABLE", HUM],
      ["GFP_HIGHUSER", HIGHUSER], ["GFP_USER", USER], ["GFP_KERNEL_ACCOUNT", KERNEL | b.__GFP_ACCOUNT], ["GFP_KERNEL", KERNEL],
      ["GFP_NOFS", RECLAIM | b.__GFP_IO], ["GFP_ATOMIC", b.__GFP_HIGH | b.__GFP_ATOMIC | b.__GFP_KSWAPD_RECLAIM],
      ["GFP_NOIO", RECLAIM], ["GFP_NOWAIT", b.__GFP_KSWAPD_RECLAIM], ["GFP_DMA", b.__GFP_DMA],
      ["__GFP_HIGHMEM", b.__GFP_HIGHMEM], ["GFP_DMA32", b.__GFP_DMA32],
    ], ["__GFP_HIGH", "__GFP_ATOMIC", "__GFP_IO", "__GFP_FS", "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL",
      "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE",
      "__GFP_RECLAIMABLE", "__GFP_MOVABLE", "__GFP_ACCOUNT", "__GFP_WRITE"])
      .concat([[RECLAIM, "__GFP_RECLAIM"] as const, [b.__GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"] as const,
        [b.__GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"] as const]),
  };
}

// 5.1 … 6.2: the 6.1 layout of src/mm/gfp.ts.
function era51(): GfpEra {
  const bits: Record<string, number> = {};
  for (const [v, n] of gfpflag_names) if (n.startsWith("__GFP_") && n !== "__GFP_RECLAIM") bits[n] = v;
  // The name table prints these two as GFP_DMA / GFP_DMA32; the bits are the same.
  bits.__GFP_DMA = __GFP_DMA;
  bits.__GFP_DMA32 = __GFP_DMA32;
  return { id: "5.1", from: kver(5, 1), to: kver(6, 2), printsNames: true, bits, names: gfpflag_names };
}

// 6.3 on: no __GFP_ATOMIC; GFP_ATOMIC lost that bit.
function era63(): GfpEra {
  const e = era51();
  const bits = { ...e.bits };
  delete bits.__GFP_ATOMIC;
  const names = e.names
    .filter(([, n]) => n !== "__GFP_ATOMIC")
    .map(([v, n]) => (n === "GFP_ATOMIC" ? ([(__GFP_HIGH | __GFP_KSWAPD_RECLAIM) >>> 0, n] as const) : ([v, n] as const)));
  return { id: "6.3", from: kver(6, 3), to: kver(99, 0), printsNames: true, bits, names };
}

/** All eras, oldest first. */
export const GFP_ERAS: readonly GfpEra[] = [era310(), era44or410("4.4"), era44or410("4.10"), era415(), era51(), era63()];

/** Finds the era in force for kernel version `v` (major*1000+minor). */
export function gfpEraForVersion(v: number): GfpEra {
  for (const e of GFP_ERAS) if (v >= e.from && v <= e.to) return e;
  return v < GFP_ERAS[0].from ? GFP_ERAS[0] : GFP_ERAS[GFP_ERAS.length - 1];
}

/** The `%pGg` text for `mask` in `era`'s table. */
export function formatGfpInEra(mask: number, era: GfpEra): string {
  return format_flags(mask >>> 0, era.names);
}

/** A decoded gfp mask. */
export interface DecodedGfp {
  mask: number;
  hex: string;
  era: GfpEraId;
  /** How the era was chosen. */
  eraBasis: "printed-names" | "kernel-version" | "version-range" | "default";
  /** Names as that era's %pGg prints them ("GFP_KERNEL|__GFP_ZERO"). */
  names: string;
  /** Names the kernel printed, if any. */
  printedNames?: string;
  /** Every single ___GFP bit set, by name. */
  flags: string[];
  /** Highest zone type the mask allows (gfp_zone): "DMA", "DMA32", "Normal"/"HighMem", "Movable". */
  highestZone: "DMA" | "DMA32" | "Normal" | "HighMem" | "Movable";
  /** Migratetype the pages come from (gfp_migratetype). */
  migratetype: "Unmovable" | "Movable" | "Reclaimable";
  /** Direct reclaim allowed (the allocation may sleep). */
  canReclaim: boolean;
  /** Filesystem and I/O allowed in reclaim. */
  canFs: boolean;
  canIo: boolean;
}

/**
 * Decodes `mask`. When the kernel printed names, the era whose table reproduces them exactly wins
 * (that is the strongest evidence of layout); else the kernel version picks it; else the range of
 * versions the report's format allows; else the 6.1 layout.
 */
export function decodeGfp(mask: number, opts: { printedNames?: string; version?: number; versionRange?: [number, number] }): DecodedGfp {
  let era: GfpEra | undefined;
  let basis: DecodedGfp["eraBasis"] = "default";
  const printed = opts.printedNames?.trim();
  if (printed !== undefined && printed !== "") {
    const hits = GFP_ERAS.filter((e) => e.printsNames && formatGfpInEra(mask, e) === printed);
    if (hits.length > 0) {
      // Several eras can print the same text (0xcc0 is GFP_KERNEL from 5.1 on); prefer the
      // one the version points at, then the newest.
      const byVer = opts.version !== undefined ? hits.find((e) => opts.version! >= e.from && opts.version! <= e.to) : undefined;
      era = byVer ?? hits[hits.length - 1];
      basis = "printed-names";
    }
  }
  if (!era && opts.version !== undefined) {
    era = gfpEraForVersion(opts.version);
    basis = "kernel-version";
  }
  if (!era && opts.versionRange) {
    const [lo, hi] = opts.versionRange;
    const inRange = GFP_ERAS.filter((e) => e.to >= lo && e.from <= hi);
    if (inRange.length > 0) {
      // Printed names absent narrows to eras that printed none, if any qualify.
      const quiet = printed === undefined ? inRange.filter((e) => !e.printsNames) : [];
      era = (quiet.length > 0 ? quiet : inRange)[0];
      basis = "version-range";
    }
  }
  if (!era) era = GFP_ERAS[4];
  const b = era.bits;
  const has = (n: string): boolean => b[n] !== undefined && (mask & b[n]) !== 0;
  const flags = Object.entries(b)
    .filter(([, v]) => v !== 0 && (mask & v) === v)
    .sort((x, y) => x[1] - y[1])
    .map(([n]) => n);
  let highestZone: DecodedGfp["highestZone"] = "Normal";
  if (has("__GFP_DMA")) highestZone = "DMA";
  else if (has("__GFP_DMA32")) highestZone = "DMA32";
  else if (has("__GFP_HIGHMEM")) highestZone = has("__GFP_MOVABLE") ? "Movable" : "HighMem";
  const migratetype = has("__GFP_MOVABLE") ? "Movable" : has("__GFP_RECLAIMABLE") ? "Reclaimable" : "Unmovable";
  const canReclaim = has("__GFP_DIRECT_RECLAIM") || has("__GFP_WAIT");
  const out: DecodedGfp = {
    mask: mask >>> 0,
    hex: `0x${(mask >>> 0).toString(16)}`,
    era: era.id,
    eraBasis: basis,
    names: formatGfpInEra(mask, era),
    flags,
    highestZone,
    migratetype,
    canReclaim,
    canFs: has("__GFP_FS"),
    canIo: has("__GFP_IO"),
  };
  if (printed !== undefined) out.printedNames = printed;
  return out;
}

/**
 * Zones (by name, in the report's zone order) an allocation with this highest zone may use:
 * every zone at or below it. On 64-bit there is no HighMem zone, so __GFP_HIGHMEM means Normal;
 * __GFP_MOVABLE|__GFP_HIGHMEM reaches ZONE_MOVABLE.
 * @kernel include/linux/gfp.h gfp_zone
 */
export function zonesAllowed(highest: DecodedGfp["highestZone"], zoneOrder: readonly string[]): string[] {
  const rank = (z: string): number => {
    switch (z) {
      case "DMA": return 0;
      case "DMA32": return 1;
      case "Normal": return 2;
      case "HighMem": return 3;
      case "Movable": return 4;
      default: return 5;
    }
  };
  const hasHigh = zoneOrder.includes("HighMem");
  let limit = rank(highest);
  if (highest === "HighMem" && !hasHigh) limit = rank("Normal");
  return zoneOrder.filter((z) => rank(z) <= limit);
}
