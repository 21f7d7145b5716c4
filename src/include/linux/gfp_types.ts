/**
 * The GFP flag bits and composite masks of 6.1's include/linux/gfp_types.h, as Debian's x86-64
 * build has them: pure constants, shared by the model (src/mm/gfp.ts re-exports them with the
 * zone and migratetype decoders) and the decoder of real reports (src/decode/gfp_eras.ts, whose
 * 5.1 layout this is).
 *
 * Debian's config has neither CONFIG_KASAN_HW_TAGS nor CONFIG_LOCKDEP, so ___GFP_SKIP_ZERO,
 * ___GFP_SKIP_KASAN_UNPOISON, ___GFP_SKIP_KASAN_POISON and ___GFP_NOLOCKDEP are 0 there, as here,
 * and __GFP_BITS_SHIFT is 27.
 *
 * @kernel include/linux/gfp_types.h ___GFP_DMA … ___GFP_NOLOCKDEP, GFP_ZONEMASK, __GFP_BITS_SHIFT, GFP_KERNEL … GFP_TRANSHUGE
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
