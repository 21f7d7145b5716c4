/**
 * Transparent hugepage policy state: transparent_hugepage_flags with its compiled-in default
 * (Debian: CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS=y), the `transparent_hugepage=` boot option, and
 * hugepage_init's rule that turns THP off on machines with less than 512 MiB of RAM (a "512M"
 * QEMU guest has 468 MiB and boots with THP off; w0 shows `always madvise [never]`). The flags
 * live on the Kernel as `k.thp.transparent_hugepage_flags`; khugepaged's start with its
 * recommended min_free_kbytes is in khugepaged.ts (set_recommended_min_free_kbytes). The
 * /sys/kernel/mm/transparent_hugepage files' show and store functions are here; fs/proc/init.ts
 * creates the files at boot (hugepage_init_sysfs).
 * @kernel mm/huge_memory.c transparent_hugepage_flags, setup_transparent_hugepage, hugepage_init,
 *   enabled_show, enabled_store, defrag_show, defrag_store, single_hugepage_flag_show,
 *   single_hugepage_flag_store, hpage_pmd_size_show
 * @kernel include/linux/huge_mm.h enum transparent_hugepage_flag, hugepage_flags_enabled
 *
 * Simplified: no sysfs kobjects; later issues add the fault path, khugepaged's scanning and
 * the shrinkers. As in 6.1, `transparent_hugepage=always` on the command line does not survive
 * hugepage_init on a machine below 512 MiB; write "always" to the enabled file afterwards
 * (thp_enabled_store) to get THP there.
 */
import type { Kernel } from "../kernel/kernel.js";
import { sysfs_streq } from "../lib/string.js";
import { PAGE_SHIFT } from "./types.js";

// enum transparent_hugepage_flag
export const TRANSPARENT_HUGEPAGE_NEVER_DAX = 0;
export const TRANSPARENT_HUGEPAGE_FLAG = 1;
export const TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG = 2;
export const TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG = 3;
export const TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG = 4;
export const TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG = 5;
export const TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG = 6;
export const TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG = 7;
export const TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG = 8;

/** The compiled-in default for CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS: always, defrag madvise. */
export const THP_FLAGS_DEFAULT =
  (1 << TRANSPARENT_HUGEPAGE_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG);

export type ThpMode = "always" | "madvise" | "never";

/** The machine's THP state. */
export class thp_state {
  /** transparent_hugepage_flags. */
  transparent_hugepage_flags = THP_FLAGS_DEFAULT;
  /** Whether khugepaged runs (khugepaged_thread != NULL). */
  khugepaged_running = false;
}

/** THP on for all or for madvised ranges. @kernel include/linux/huge_mm.h hugepage_flags_enabled */
export function hugepage_flags_enabled(k: Kernel): boolean {
  return (k.thp.transparent_hugepage_flags & ((1 << TRANSPARENT_HUGEPAGE_FLAG) | (1 << TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG))) !== 0;
}
/** THP on for everything. @kernel include/linux/huge_mm.h hugepage_flags_always */
export function hugepage_flags_always(k: Kernel): boolean {
  return (k.thp.transparent_hugepage_flags & (1 << TRANSPARENT_HUGEPAGE_FLAG)) !== 0;
}

/** Applies an enabled mode to the flags as enabled_store does. */
function set_enabled(flags: number, mode: ThpMode): number {
  flags &= ~((1 << TRANSPARENT_HUGEPAGE_FLAG) | (1 << TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG));
  if (mode === "always") flags |= 1 << TRANSPARENT_HUGEPAGE_FLAG;
  else if (mode === "madvise") flags |= 1 << TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG;
  return flags;
}

/**
 * The `transparent_hugepage=` boot option: sets the enabled bits before hugepage_init runs.
 * @kernel mm/huge_memory.c setup_transparent_hugepage
 */
export function setup_transparent_hugepage(k: Kernel, mode: ThpMode): void {
  k.thp.transparent_hugepage_flags = set_enabled(k.thp.transparent_hugepage_flags, mode);
}

/**
 * THP's subsys_initcall: below 512 MiB of totalram all flags are cleared (enabled and defrag
 * both read "never"); otherwise khugepaged starts if THP is enabled. Returns whether
 * start_stop_khugepaged should run (the caller runs it: watermark.ts, which needs the zones).
 * @kernel mm/huge_memory.c hugepage_init
 */
export function hugepage_init(k: Kernel, totalram_pages: number): boolean {
  if (totalram_pages < 512 << (20 - PAGE_SHIFT)) {
    k.thp.transparent_hugepage_flags = 0;
    return false;
  }
  return true;
}

/** The "enabled" file: `[always] madvise never`. @kernel mm/huge_memory.c enabled_show */
export function thp_enabled_show(k: Kernel): string {
  const f = k.thp.transparent_hugepage_flags;
  if (f & (1 << TRANSPARENT_HUGEPAGE_FLAG)) return "[always] madvise never\n";
  if (f & (1 << TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG)) return "always [madvise] never\n";
  return "always madvise [never]\n";
}

/** The "defrag" file. @kernel mm/huge_memory.c defrag_show */
export function thp_defrag_show(k: Kernel): string {
  const f = k.thp.transparent_hugepage_flags;
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG)) return "[always] defer defer+madvise madvise never\n";
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG)) return "always [defer] defer+madvise madvise never\n";
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG)) return "always defer [defer+madvise] madvise never\n";
  if (f & (1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG)) return "always defer defer+madvise [madvise] never\n";
  return "always defer defer+madvise madvise [never]\n";
}

/**
 * A write to the "enabled" file: changes the mode; the caller then runs start_stop_khugepaged
 * (watermark.ts) as enabled_store does. Returns false for a value the kernel rejects (EINVAL).
 * @kernel mm/huge_memory.c enabled_store
 */
export function thp_enabled_store(k: Kernel, value: string): boolean {
  const v = value.replace(/\n$/, "");
  if (v !== "always" && v !== "madvise" && v !== "never") return false;
  k.thp.transparent_hugepage_flags = set_enabled(k.thp.transparent_hugepage_flags, v);
  return true;
}

/** The defrag flags, one of which (or none) is set. */
const DEFRAG_BITS =
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG);
/** defrag_store's words and the flag each sets, in the order it tries them. */
const DEFRAG_MODES: Readonly<Record<string, number>> = Object.freeze({
  always: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG,
  defer: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG,
  "defer+madvise": 1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG,
  madvise: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG,
  never: 0,
});

/** Sets one of the five defrag modes, clearing the others; -EINVAL for any other word. @kernel mm/huge_memory.c defrag_store */
export function thp_defrag_store(k: Kernel, buf: string): number {
  for (const [mode, bit] of Object.entries(DEFRAG_MODES)) {
    if (!sysfs_streq(buf, mode)) continue;
    k.thp.transparent_hugepage_flags = (k.thp.transparent_hugepage_flags & ~DEFRAG_BITS) | bit;
    return 0;
  }
  return -22;
}

/** The "use_zero_page" file: 1 or 0. @kernel mm/huge_memory.c use_zero_page_show, single_hugepage_flag_show */
export function use_zero_page_show(k: Kernel): string {
  return `${(k.thp.transparent_hugepage_flags >> TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG) & 1}\n`;
}

/**
 * A write to "use_zero_page": kstrtoul(buf, 10) (an optional '+', digits, one optional
 * newline), then 0 or 1 only; -EINVAL otherwise.
 * @kernel mm/huge_memory.c use_zero_page_store, single_hugepage_flag_store
 */
export function use_zero_page_store(k: Kernel, buf: string): number {
  const v = /^\+?(\d+)\n?$/.exec(buf);
  if (!v || Number(v[1]) > 1) return -22;
  const bit = 1 << TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG;
  k.thp.transparent_hugepage_flags = Number(v[1]) ? k.thp.transparent_hugepage_flags | bit : k.thp.transparent_hugepage_flags & ~bit;
  return 0;
}
