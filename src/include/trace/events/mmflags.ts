/**
 * The GFP flag names `%pGg` and the tracepoints print, in 6.1's order: a pure table, shared by
 * the model's printers (src/mm/gfp.ts) and the decoder of real reports (src/decode/gfp_eras.ts).
 * @kernel include/trace/events/mmflags.h __def_gfpflag_names
 */
import { GFP_ATOMIC, GFP_DMA, GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_KERNEL_ACCOUNT, GFP_NOFS, GFP_NOIO, GFP_NOWAIT, GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT, GFP_USER, __GFP_ACCOUNT, __GFP_ATOMIC, __GFP_COMP, __GFP_DIRECT_RECLAIM, __GFP_FS, __GFP_HARDWALL, __GFP_HIGH, __GFP_HIGHMEM, __GFP_IO, __GFP_KSWAPD_RECLAIM, __GFP_MEMALLOC, __GFP_MOVABLE, __GFP_NOFAIL, __GFP_NOMEMALLOC, __GFP_NORETRY, __GFP_NOWARN, __GFP_RECLAIM, __GFP_RECLAIMABLE, __GFP_RETRY_MAYFAIL, __GFP_THISNODE, __GFP_WRITE, __GFP_ZERO, __GFP_ZEROTAGS, GFP_DMA32 } from "../../linux/gfp_types.js";

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
