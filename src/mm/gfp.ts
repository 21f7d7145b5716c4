/**
 * GFP ("get free pages") flags: every allocation names the zones it may use, how hard the
 * allocator may try (reclaim, I/O, retries) and what the page will be used for (movable,
 * reclaimable, accounted). This module holds the 6.1 bit values as Debian's x86-64 build has them,
 * the composite masks, the zone and migratetype decoders, and the `%pGg` printer that OOM reports,
 * allocation-failure warnings and the mm_page_alloc tracepoint use.
 *
 * @kernel include/linux/gfp_types.h ___GFP_DMA … ___GFP_NOLOCKDEP, GFP_KERNEL, GFP_HIGHUSER_MOVABLE
 * @kernel include/linux/gfp.h gfp_zone, GFP_ZONE_TABLE, GFP_ZONE_BAD, gfp_migratetype, gfpflags_allow_blocking
 * @kernel mm/internal.h GFP_RECLAIM_MASK, GFP_BOOT_MASK, GFP_CONSTRAINT_MASK, GFP_SLAB_BUG_MASK
 * @kernel include/trace/events/mmflags.h __def_gfpflag_names
 * @kernel lib/vsprintf.c flags_string, format_flags
 *
 * Debian's config has neither CONFIG_KASAN_HW_TAGS nor CONFIG_LOCKDEP, so ___GFP_SKIP_ZERO,
 * ___GFP_SKIP_KASAN_UNPOISON, ___GFP_SKIP_KASAN_POISON and ___GFP_NOLOCKDEP are 0 there, as here,
 * and __GFP_BITS_SHIFT is 27.
 *
 * Simplified: gfp_migratetype ignores page_group_by_mobility_disabled (set only on machines with
 * fewer than pageblock_nr_pages * MIGRATE_TYPES = 2560 pages in total, i.e. below 10 MiB).
 */

// Plain bit values (___GFP_*), include/linux/gfp_types.h.
export const ___GFP_DMA = 0x01;
export const ___GFP_HIGHMEM = 0x02;
export const ___GFP_DMA32 = 0x04;
export const ___GFP_MOVABLE = 0x08;
export const ___GFP_RECLAIMABLE = 0x10;
export const ___GFP_HIGH = 0x20;
export const ___GFP_IO = 0x40;
export const ___GFP_FS = 0x80;
export const ___GFP_ZERO = 0x100;
export const ___GFP_ATOMIC = 0x200;
export const ___GFP_DIRECT_RECLAIM = 0x400;
export const ___GFP_KSWAPD_RECLAIM = 0x800;
export const ___GFP_WRITE = 0x1000;
export const ___GFP_NOWARN = 0x2000;
export const ___GFP_RETRY_MAYFAIL = 0x4000;
export const ___GFP_NOFAIL = 0x8000;
export const ___GFP_NORETRY = 0x10000;
export const ___GFP_MEMALLOC = 0x20000;
export const ___GFP_COMP = 0x40000;
export const ___GFP_NOMEMALLOC = 0x80000;
export const ___GFP_HARDWALL = 0x100000;
export const ___GFP_THISNODE = 0x200000;
export const ___GFP_ACCOUNT = 0x400000;
export const ___GFP_ZEROTAGS = 0x800000;
/** 0: CONFIG_KASAN_HW_TAGS is off in Debian's build (it would be 0x1000000). */
export const ___GFP_SKIP_ZERO = 0;
/** 0: CONFIG_KASAN_HW_TAGS is off (it would be 0x2000000). */
export const ___GFP_SKIP_KASAN_UNPOISON = 0;
/** 0: CONFIG_KASAN_HW_TAGS is off (it would be 0x4000000). */
export const ___GFP_SKIP_KASAN_POISON = 0;
/** 0: CONFIG_LOCKDEP is off (it would be 0x8000000). */
export const ___GFP_NOLOCKDEP = 0;

/** May only use ZONE_DMA (the first 16 MiB). */
export const __GFP_DMA = ___GFP_DMA;
/** May use ZONE_HIGHMEM (there is none on x86-64: it means "NORMAL is fine"). */
export const __GFP_HIGHMEM = ___GFP_HIGHMEM;
/** May only use ZONE_DMA32 and below (the first 4 GiB). */
export const __GFP_DMA32 = ___GFP_DMA32;
/** The page can be migrated or reclaimed: allows ZONE_MOVABLE, groups it with movable pages. */
export const __GFP_MOVABLE = ___GFP_MOVABLE;
/** The zone modifiers: the low four bits gfp_zone decodes. */
export const GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;

/** Slab pages a shrinker can free: grouped in MIGRATE_RECLAIMABLE pageblocks. */
export const __GFP_RECLAIMABLE = ___GFP_RECLAIMABLE;
/** The caller will dirty the page: spread over nodes by dirty limits. */
export const __GFP_WRITE = ___GFP_WRITE;
/** Enforce the cpuset's memory policy strictly. */
export const __GFP_HARDWALL = ___GFP_HARDWALL;
/** Only the preferred node, no fallback. */
export const __GFP_THISNODE = ___GFP_THISNODE;
/** Charge the allocation to the current memcg (kmemcg). */
export const __GFP_ACCOUNT = ___GFP_ACCOUNT;

/** The caller cannot reclaim or sleep and is high priority (interrupt context). */
export const __GFP_ATOMIC = ___GFP_ATOMIC;
/** High priority: may dip below the min watermark (ALLOC_MIN_RESERVE). */
export const __GFP_HIGH = ___GFP_HIGH;
/** May use all reserves (ALLOC_NO_WATERMARKS) unless __GFP_NOMEMALLOC. */
export const __GFP_MEMALLOC = ___GFP_MEMALLOC;
/** Never use the emergency reserves, even under PF_MEMALLOC. */
export const __GFP_NOMEMALLOC = ___GFP_NOMEMALLOC;

/** May start physical I/O. */
export const __GFP_IO = ___GFP_IO;
/** May call into the filesystem. */
export const __GFP_FS = ___GFP_FS;
/** May enter direct reclaim (and so sleep). */
export const __GFP_DIRECT_RECLAIM = ___GFP_DIRECT_RECLAIM;
/** May wake kswapd at the low watermark. */
export const __GFP_KSWAPD_RECLAIM = ___GFP_KSWAPD_RECLAIM;
/** Both reclaim bits. */
export const __GFP_RECLAIM = ___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM;
/** Retry hard, but fail rather than invoke the OOM killer. */
export const __GFP_RETRY_MAYFAIL = ___GFP_RETRY_MAYFAIL;
/** Never fail: retry forever. */
export const __GFP_NOFAIL = ___GFP_NOFAIL;
/** Give up after one round of reclaim and compaction. */
export const __GFP_NORETRY = ___GFP_NORETRY;

/** Do not print an allocation-failure warning. */
export const __GFP_NOWARN = ___GFP_NOWARN;
/** Set up a compound page (head + tails) for order > 0. */
export const __GFP_COMP = ___GFP_COMP;
/** Return zeroed memory. */
export const __GFP_ZERO = ___GFP_ZERO;
/** Zero memory tags with the memory (arm64 MTE; inert on x86). */
export const __GFP_ZEROTAGS = ___GFP_ZEROTAGS;
export const __GFP_SKIP_ZERO = ___GFP_SKIP_ZERO;
export const __GFP_SKIP_KASAN_UNPOISON = ___GFP_SKIP_KASAN_UNPOISON;
export const __GFP_SKIP_KASAN_POISON = ___GFP_SKIP_KASAN_POISON;
export const __GFP_NOLOCKDEP = ___GFP_NOLOCKDEP;

/** 27 + IS_ENABLED(CONFIG_LOCKDEP). */
export const __GFP_BITS_SHIFT = 27;
export const __GFP_BITS_MASK = (1 << __GFP_BITS_SHIFT) - 1;

// Composite masks, include/linux/gfp_types.h.
/** 0xa20: interrupt handlers and other callers that cannot sleep. */
export const GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM;
/** 0xcc0: ordinary kernel allocations; may reclaim, do I/O and call into filesystems. */
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
/** 0x400cc0: GFP_KERNEL charged to the memcg. */
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
/** 0x800: may not sleep or reclaim, but may wake kswapd. */
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
/** 0xc00: may reclaim but start no I/O. */
export const GFP_NOIO = __GFP_RECLAIM;
/** 0xc40: may reclaim and do I/O but not recurse into filesystems. */
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
/** 0x100cc0: user-space allocations the kernel also touches. */
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;
/** 0x100cc2: user pages that may live in highmem. */
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
/** 0x100cca: user pages that can be migrated (anonymous memory, page cache). */
export const GFP_HIGHUSER_MOVABLE =
  GFP_HIGHUSER | __GFP_MOVABLE | __GFP_SKIP_KASAN_POISON | __GFP_SKIP_KASAN_UNPOISON;
/** 0x1c20ca: a THP attempt that neither reclaims nor warns. */
export const GFP_TRANSHUGE_LIGHT =
  (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
/** 0x1c24ca: a THP attempt that may direct-reclaim/compact. */
export const GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

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
 * The names `%pGg` and the tracepoints print, in the order of mmflags.h: composite masks with
 * the most bits first, so 0x140dca prints as GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO rather
 * than GFP_USER|__GFP_HIGHMEM|…. The KASAN names are absent, as in Debian's build.
 * @kernel include/trace/events/mmflags.h __def_gfpflag_names
 * @kernel mm/debug.c gfpflag_names
 */
export const gfpflag_names: ReadonlyArray<readonly [mask: number, name: string]> = Object.freeze([
  Object.freeze<[number, string]>([GFP_TRANSHUGE, "GFP_TRANSHUGE"]),
  Object.freeze<[number, string]>([GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"]),
  Object.freeze<[number, string]>([GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"]),
  Object.freeze<[number, string]>([GFP_HIGHUSER, "GFP_HIGHUSER"]),
  Object.freeze<[number, string]>([GFP_USER, "GFP_USER"]),
  Object.freeze<[number, string]>([GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT"]),
  Object.freeze<[number, string]>([GFP_KERNEL, "GFP_KERNEL"]),
  Object.freeze<[number, string]>([GFP_NOFS, "GFP_NOFS"]),
  Object.freeze<[number, string]>([GFP_ATOMIC, "GFP_ATOMIC"]),
  Object.freeze<[number, string]>([GFP_NOIO, "GFP_NOIO"]),
  Object.freeze<[number, string]>([GFP_NOWAIT, "GFP_NOWAIT"]),
  Object.freeze<[number, string]>([GFP_DMA, "GFP_DMA"]),
  Object.freeze<[number, string]>([__GFP_HIGHMEM, "__GFP_HIGHMEM"]),
  Object.freeze<[number, string]>([GFP_DMA32, "GFP_DMA32"]),
  Object.freeze<[number, string]>([__GFP_HIGH, "__GFP_HIGH"]),
  Object.freeze<[number, string]>([__GFP_ATOMIC, "__GFP_ATOMIC"]),
  Object.freeze<[number, string]>([__GFP_IO, "__GFP_IO"]),
  Object.freeze<[number, string]>([__GFP_FS, "__GFP_FS"]),
  Object.freeze<[number, string]>([__GFP_NOWARN, "__GFP_NOWARN"]),
  Object.freeze<[number, string]>([__GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL"]),
  Object.freeze<[number, string]>([__GFP_NOFAIL, "__GFP_NOFAIL"]),
  Object.freeze<[number, string]>([__GFP_NORETRY, "__GFP_NORETRY"]),
  Object.freeze<[number, string]>([__GFP_COMP, "__GFP_COMP"]),
  Object.freeze<[number, string]>([__GFP_ZERO, "__GFP_ZERO"]),
  Object.freeze<[number, string]>([__GFP_NOMEMALLOC, "__GFP_NOMEMALLOC"]),
  Object.freeze<[number, string]>([__GFP_MEMALLOC, "__GFP_MEMALLOC"]),
  Object.freeze<[number, string]>([__GFP_HARDWALL, "__GFP_HARDWALL"]),
  Object.freeze<[number, string]>([__GFP_THISNODE, "__GFP_THISNODE"]),
  Object.freeze<[number, string]>([__GFP_RECLAIMABLE, "__GFP_RECLAIMABLE"]),
  Object.freeze<[number, string]>([__GFP_MOVABLE, "__GFP_MOVABLE"]),
  Object.freeze<[number, string]>([__GFP_ACCOUNT, "__GFP_ACCOUNT"]),
  Object.freeze<[number, string]>([__GFP_WRITE, "__GFP_WRITE"]),
  Object.freeze<[number, string]>([__GFP_RECLAIM, "__GFP_RECLAIM"]),
  Object.freeze<[number, string]>([__GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"]),
  Object.freeze<[number, string]>([__GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"]),
  Object.freeze<[number, string]>([__GFP_ZEROTAGS, "__GFP_ZEROTAGS"]),
]);

/**
 * The names part of `%pGg`: each table entry whose bits are all still set is printed and its bits
 * cleared, joined by "|"; bits no entry covers are printed last as `0x…`. 0 prints as "".
 * @kernel lib/vsprintf.c format_flags
 */
export function format_flags(flags: number, names: ReadonlyArray<readonly [number, string]>): string {
  let rest = flags >>> 0;
  let out = "";
  for (let i = 0; rest !== 0 && i < names.length; i++) {
    const mask = names[i][0];
    if ((rest & mask) >>> 0 !== mask) continue;
    out += names[i][1];
    rest = (rest & ~mask) >>> 0;
    if (rest !== 0) out += "|";
  }
  if (rest !== 0) out += `0x${rest.toString(16)}`;
  return out;
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
