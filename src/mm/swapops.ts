/**
 * swp_entry_t as a plain number: the swap type (which device) above the offset (which page slot
 * of it). One number fits page->private (an Int32Array column) and the swap cache's index, as the
 * kernel's `unsigned long val` does.
 *
 * Layout: 5 type bits above 26 offset bits, so every entry is a positive int32:
 * swp_entry(1, 7) = (1 << 26) | 7 = 67108871. Entry 0 (type 0, offset 0) is "no entry": offset 0
 * of every device is its swap header and is never handed out, as in the kernel.
 *
 * The PTE side (type in flag bits 25..29, offset in ent_pfn, _PAGE_SWP_EXCLUSIVE and
 * _PAGE_SWP_SOFT_DIRTY) is arch/x86/pgtable.ts's; `swp_entry_to_pte_flags` and
 * `pte_to_swp_entry` below join the two.
 *
 * Simplified: offsets are limited to 2^26 - 1 pages (256 GiB per device); the kernel's x86-64
 * limit is far higher. Larger swap areas are truncated at swapon as read_swap_header truncates
 * areas beyond its maxpages. No non-swap entries (migration, device-private, hwpoison, pte
 * markers) exist yet, so non_swap_entry is always false.
 * @kernel include/linux/swapops.h swp_entry, swp_type, swp_offset, pte_to_swp_entry, swp_entry_to_pte
 * @kernel include/linux/swap.h MAX_SWAPFILES
 */
import { __swp_type, _PAGE_SWP_EXCLUSIVE, _PAGE_SWP_SOFT_DIRTY, swp_entry_flags } from "../arch/x86/pgtable.js";

/** Bits of the offset in an entry. */
export const SWP_OFFSET_BITS = 26;
/** Highest offset an entry can hold. */
export const SWP_OFFSET_MASK = (1 << SWP_OFFSET_BITS) - 1;
/**
 * MAX_SWAPFILES: 32 swap types minus those 6.1 (Debian config: DEVICE_PRIVATE, MIGRATION,
 * MEMORY_FAILURE, PTE_MARKER) reserves for non-swap entries: 32 - 4 - 3 - 1 - 1 - 1 = 22.
 */
export const MAX_SWAPFILES = 22;

/** A swap entry: `type` in the top bits, `offset` below. @kernel include/linux/swapops.h swp_entry */
export function swp_entry(type: number, offset: number): number {
  return (type << SWP_OFFSET_BITS) | offset;
}

/** The device of an entry. @kernel include/linux/swapops.h swp_type */
export function swp_type(entry: number): number {
  return entry >>> SWP_OFFSET_BITS;
}

/** The slot of an entry within its device. @kernel include/linux/swapops.h swp_offset */
export function swp_offset(entry: number): number {
  return entry & SWP_OFFSET_MASK;
}

/** The entry a swap PTE (flags, ent_pfn) holds. @kernel include/linux/swapops.h pte_to_swp_entry */
export function pte_to_swp_entry(flags: number, pfn: number): number {
  return swp_entry(__swp_type(flags), pfn);
}

/**
 * The flag bits of a swap PTE for `entry` (its offset goes in ent_pfn): exclusive and soft-dirty
 * carried over as the callers ask.
 * @kernel include/linux/swapops.h swp_entry_to_pte, pte_swp_mkexclusive, pte_swp_mksoft_dirty
 */
export function swp_entry_to_pte_flags(entry: number, exclusive: boolean, softDirty = false): number {
  return swp_entry_flags(swp_type(entry)) | (exclusive ? _PAGE_SWP_EXCLUSIVE : 0) | (softDirty ? _PAGE_SWP_SOFT_DIRTY : 0);
}

/** pte_swp_exclusive: the page was exclusive to this mm when it was swapped out. */
export function pte_swp_exclusive(flags: number): boolean {
  return (flags & _PAGE_SWP_EXCLUSIVE) !== 0;
}

/** pte_swp_soft_dirty. */
export function pte_swp_soft_dirty(flags: number): boolean {
  return (flags & _PAGE_SWP_SOFT_DIRTY) !== 0;
}

/** pte_swp_clear_exclusive: what fork's copy_nonpresent_pte leaves in both PTEs. */
export function pte_swp_clear_exclusive(flags: number): number {
  return flags & ~_PAGE_SWP_EXCLUSIVE;
}
