/**
 * GFP ("get free pages") flags: every allocation names the zones it may use, how hard the
 * allocator may try (reclaim, I/O, retries) and what the page will be used for (movable,
 * reclaimable, accounted). The 6.1 bit values and composite masks live in
 * src/include/linux/gfp_types.ts and the %pGg name table in src/include/trace/events/mmflags.ts
 * (pure tables the decoder shares); this module re-exports them and holds the zone and
 * migratetype decoders and the `%pGg` printer that OOM reports, allocation-failure warnings and
 * the mm_page_alloc tracepoint use.
 *
 * @kernel include/linux/gfp_types.h ___GFP_DMA … ___GFP_NOLOCKDEP, GFP_KERNEL, GFP_HIGHUSER_MOVABLE
 * @kernel include/linux/gfp.h gfp_zone, GFP_ZONE_TABLE, GFP_ZONE_BAD, gfp_migratetype, gfpflags_allow_blocking
 * @kernel mm/internal.h GFP_RECLAIM_MASK, GFP_BOOT_MASK, GFP_CONSTRAINT_MASK, GFP_SLAB_BUG_MASK
 * @kernel include/trace/events/mmflags.h __def_gfpflag_names
 * @kernel lib/vsprintf.c flags_string, format_flags
 *
 * Simplified: gfp_migratetype ignores page_group_by_mobility_disabled (set only on machines with
 * fewer than pageblock_nr_pages * MIGRATE_TYPES = 2560 pages in total, i.e. below 10 MiB).
 */
export * from "../include/linux/gfp_types.js";
export { gfpflag_names } from "../include/trace/events/mmflags.js";
export { format_flags } from "../lib/vsprintf.js";
import { GFP_ZONEMASK, __GFP_ATOMIC, __GFP_BITS_MASK, __GFP_COMP, __GFP_DIRECT_RECLAIM, __GFP_DMA32, __GFP_FS, __GFP_HARDWALL, __GFP_HIGH, __GFP_HIGHMEM, __GFP_IO, __GFP_MEMALLOC, __GFP_MOVABLE, __GFP_NOFAIL, __GFP_NOLOCKDEP, __GFP_NOMEMALLOC, __GFP_NORETRY, __GFP_NOWARN, __GFP_RECLAIM, __GFP_RECLAIMABLE, __GFP_RETRY_MAYFAIL, __GFP_THISNODE, __GFP_ZERO, ___GFP_DMA, ___GFP_DMA32, ___GFP_HIGHMEM, ___GFP_MOVABLE } from "../include/linux/gfp_types.js";
import { gfpflag_names } from "../include/trace/events/mmflags.js";
import { format_flags } from "../lib/vsprintf.js";

// mm/internal.h and include/linux/gfp.h helper masks.
/** The bits that decide the migratetype: MOVABLE (0x8) and RECLAIMABLE (0x10). */
export const GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE;
export const GFP_MOVABLE_SHIFT = 3;
/** The bits that control reclaim behaviour, passed on by allocators built on the page allocator. */
export const GFP_RECLAIM_MASK =
  __GFP_RECLAIM |
  __GFP_HIGH |
  __GFP_IO |
  __GFP_FS |
  __GFP_NOWARN |
  __GFP_RETRY_MAYFAIL |
  __GFP_NOFAIL |
  __GFP_NORETRY |
  __GFP_MEMALLOC |
  __GFP_NOMEMALLOC |
  __GFP_ATOMIC |
  __GFP_NOLOCKDEP;
/** What an allocation may use while the system boots (no reclaim yet). */
export const GFP_BOOT_MASK = __GFP_BITS_MASK & ~(__GFP_RECLAIM | __GFP_IO | __GFP_FS);
/** Cpuset and node placement constraints. */
export const GFP_CONSTRAINT_MASK = __GFP_HARDWALL | __GFP_THISNODE;
/** Bits a slab allocation must not carry. */
export const GFP_SLAB_BUG_MASK = (__GFP_DMA32 | __GFP_HIGHMEM | ~__GFP_BITS_MASK) >>> 0;

/**
 * GFP_ZONE_TABLE: 16 entries of GFP_ZONES_SHIFT = 2 bits, one per combination of the four zone
 * modifiers. Debian has ZONE_DEVICE with MAX_NR_ZONES - 1 = 4, so the entries are 2 bits wide.
 * No HIGHMEM on x86-64, so OPT_ZONE_HIGHMEM = ZONE_NORMAL: 0x2 → NORMAL, 0xa → MOVABLE.
 * ZONE_DMA=0, ZONE_DMA32=1, ZONE_NORMAL=2, ZONE_MOVABLE=3.
 */
const GFP_ZONES_SHIFT = 2;
const ZONE_DMA_ = 0;
const ZONE_DMA32_ = 1;
const ZONE_NORMAL_ = 2;
const ZONE_MOVABLE_ = 3;
export const GFP_ZONE_TABLE =
  ((ZONE_NORMAL_ << (0 * GFP_ZONES_SHIFT)) |
    (ZONE_DMA_ << (___GFP_DMA * GFP_ZONES_SHIFT)) |
    (ZONE_NORMAL_ << (___GFP_HIGHMEM * GFP_ZONES_SHIFT)) |
    (ZONE_DMA32_ << (___GFP_DMA32 * GFP_ZONES_SHIFT)) |
    (ZONE_NORMAL_ << (___GFP_MOVABLE * GFP_ZONES_SHIFT)) |
    (ZONE_DMA_ << ((___GFP_MOVABLE | ___GFP_DMA) * GFP_ZONES_SHIFT)) |
    (ZONE_MOVABLE_ << ((___GFP_MOVABLE | ___GFP_HIGHMEM) * GFP_ZONES_SHIFT)) |
    (ZONE_DMA32_ << ((___GFP_MOVABLE | ___GFP_DMA32) * GFP_ZONES_SHIFT))) >>>
  0;

/** One bit per zone-modifier combination that is not allowed (two of DMA/DMA32/HIGHMEM at once). */
export const GFP_ZONE_BAD =
  (1 << (___GFP_DMA | ___GFP_HIGHMEM)) |
  (1 << (___GFP_DMA | ___GFP_DMA32)) |
  (1 << (___GFP_DMA32 | ___GFP_HIGHMEM)) |
  (1 << (___GFP_DMA | ___GFP_DMA32 | ___GFP_HIGHMEM)) |
  (1 << (___GFP_MOVABLE | ___GFP_HIGHMEM | ___GFP_DMA)) |
  (1 << (___GFP_MOVABLE | ___GFP_DMA32 | ___GFP_DMA)) |
  (1 << (___GFP_MOVABLE | ___GFP_DMA32 | ___GFP_HIGHMEM)) |
  (1 << (___GFP_MOVABLE | ___GFP_DMA32 | ___GFP_DMA | ___GFP_HIGHMEM));

/**
 * The highest zone an allocation may use (its zonelist walk skips zones above it).
 * GFP_KERNEL → ZONE_NORMAL, GFP_HIGHUSER_MOVABLE (0x2|0x8 = 0xa) → ZONE_MOVABLE, GFP_DMA32 → DMA32.
 * A bad combination (in GFP_ZONE_BAD) is a VM_BUG_ON only under CONFIG_DEBUG_VM, which Debian
 * leaves off, so the kernel goes on with the table's entry; so does this.
 * @kernel include/linux/gfp.h gfp_zone
 */
export function gfp_zone(flags: number): number {
  const bit = flags & GFP_ZONEMASK;
  return (GFP_ZONE_TABLE >>> (bit * GFP_ZONES_SHIFT)) & ((1 << GFP_ZONES_SHIFT) - 1);
}

/** True when the zone modifiers of `flags` are a combination GFP_ZONE_BAD forbids. */
export function gfp_zone_bad(flags: number): boolean {
  return ((GFP_ZONE_BAD >>> (flags & GFP_ZONEMASK)) & 1) !== 0;
}

/**
 * The migratetype whose free lists an allocation prefers: 0x8 → MIGRATE_MOVABLE (1),
 * 0x10 → MIGRATE_RECLAIMABLE (2), neither → MIGRATE_UNMOVABLE (0). Both bits together would be
 * MIGRATE_HIGHATOMIC (3), which callers must not ask for (a VM_WARN_ON in the kernel).
 * @kernel include/linux/gfp.h gfp_migratetype
 */
export function gfp_migratetype(gfp_flags: number): number {
  return (gfp_flags & GFP_MOVABLE_MASK) >>> GFP_MOVABLE_SHIFT;
}

/** Whether the caller may sleep (enter direct reclaim). @kernel include/linux/gfp.h gfpflags_allow_blocking */
export function gfpflags_allow_blocking(gfp_flags: number): boolean {
  return (gfp_flags & __GFP_DIRECT_RECLAIM) !== 0;
}

/** Whether the allocation has both __GFP_IO and __GFP_FS. @kernel include/linux/gfp.h gfp_has_io_fs */
export function gfp_has_io_fs(gfp: number): boolean {
  return (gfp & (__GFP_IO | __GFP_FS)) === (__GFP_IO | __GFP_FS);
}



/**
 * A gfp mask as the kernel prints `%#x(%pGg)` in OOM reports and allocation-failure warnings:
 * `0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO)`, `0xcc0(GFP_KERNEL)`, `0x0()`.
 * The kernel's %#x prints 0 as "0x0" (lib/vsprintf.c number), unlike C's printf.
 * @kernel lib/vsprintf.c flags_string
 * @kernel mm/oom_kill.c dump_header
 */
export function format_gfp_flags(gfp: number): string {
  return `0x${(gfp >>> 0).toString(16)}(${format_flags(gfp, gfpflag_names)})`;
}

/**
 * The gfp mask as tracepoints print it (show_gfp_flags): the names alone, "none" for 0.
 * @kernel include/trace/events/mmflags.h show_gfp_flags
 */
export function show_gfp_flags(gfp: number): string {
  return gfp === 0 ? "none" : format_flags(gfp, gfpflag_names);
}
