/**
 * The BIOS e820 memory map: the table the firmware hands the kernel, the default layout QEMU's
 * i440FX "pc" machine with SeaBIOS gives a guest of a given RAM size, the early edits setup_arch
 * makes (page 0 reserved, the legacy VGA/BIOS hole removed), the "BIOS-e820:" boot-log lines and
 * the hand-over to memblock.
 *
 * QEMU's rule (hw/i386/pc_piix.c pc_init1, QEMU 7.2): RAM below 4 GiB ends at
 * max_ram_below_4g = 0xe0000000; when the guest has at least that much RAM and the machine type
 * is gigabyte-aligned (every current pc-i440fx-*), the low part is cut to 0xc0000000 (3 GiB) and
 * the rest goes above 4 GiB. SeaBIOS then reports: 0-0x9fbff usable (640 KiB less the 1 KiB EBDA),
 * 0x9fc00-0x9ffff reserved (EBDA), 0xf0000-0xfffff reserved (BIOS), 1 MiB up to low RAM end less
 * 128 KiB usable, that last 128 KiB reserved (SeaBIOS's high tables: ACPI, SMBIOS), 0xfffc0000-
 * 0xffffffff reserved (the BIOS ROM), RAM above 4 GiB usable, and — QEMU 7.1+ with an AMD CPU model
 * such as the TCG default qemu64 and phys-bits >= 40 — the 12 GiB AMD HyperTransport window
 * 0xfd00000000-0xffffffffff reserved. Checked against test/realkernel/data/w0*, dmesg.
 *
 * @kernel arch/x86/kernel/e820.c e820__print_table, e820__range_update, e820__range_remove,
 *   e820__memblock_setup, e820__end_of_ram_pfn, e820__update_table, parse_memmap_one,
 *   e820__finish_early_params
 * @kernel arch/x86/kernel/setup.c setup_arch (trim_bios_range, e820__memory_setup)
 *
 * Simplified: QEMU 7.2 moves all RAM above 4 GiB to start at 1 TiB when it would reach the AMD
 * HyperTransport window (above ~1009 GiB of RAM); here it stays contiguous from 4 GiB, so
 * max_pfn stays close to the RAM size, and the HT entry is left out when RAM would overlap it.
 * No E820_TYPE_ACPI/NVS entries (SeaBIOS on QEMU reports its tables inside the reserved 128 KiB).
 */
import { GiB, PAGE_SHIFT, PAGE_SIZE } from "../../mm/types.js";

export const E820_TYPE_RAM = 1;
export const E820_TYPE_RESERVED = 2;
export const E820_TYPE_ACPI = 3;
export const E820_TYPE_NVS = 4;
export const E820_TYPE_UNUSABLE = 5;
/** ACPI 6 persistent memory (NFIT-described); printed like PRAM. */
export const E820_TYPE_PMEM = 7;
/** Legacy persistent memory: what `memmap=nn!ss` adds (the "protected" / "legacy" pmem type 12). */
export const E820_TYPE_PRAM = 12;

/** One e820 entry: [addr, addr + size) of one type. */
export interface e820_entry {
  addr: number;
  size: number;
  type: number;
}

/** The table: entries sorted by address, non-overlapping after sanitizing. */
export interface e820_table {
  entries: e820_entry[];
}

/** Where the i440FX machine ends RAM below 4 GiB by default (pc_init1: max_ram_below_4g). */
export const QEMU_MAX_RAM_BELOW_4G = 0xe0000000;
/** Low RAM is cut to 3 GiB for machines with at least max_ram_below_4g of RAM (gigabyte_align). */
export const QEMU_GIGABYTE_ALIGN_LOWMEM = 0xc0000000;
/** SeaBIOS keeps the top 128 KiB of low RAM for its tables (ACPI, SMBIOS), as e820 reserved. */
export const SEABIOS_HIGH_TABLE_SIZE = 0x20000;
/** AMD HyperTransport reserved window below 1 TiB (QEMU AMD_HT_START/AMD_HT_SIZE). */
export const AMD_HT_START = 0xfd00000000;
export const AMD_HT_END = 0x10000000000;
export const SZ_4G = 4 * GiB;

/**
 * The e820 table QEMU i440FX + SeaBIOS reports for `ramBytes` of RAM.
 * A 512 MiB guest: usable [0x100000, 0x1ffe0000), reserved [0x1ffe0000, 0x20000000).
 * A 4 GiB guest: low RAM ends at 0xc0000000, 1 GiB is usable at [0x100000000, 0x140000000).
 */
export function qemu_i440fx_e820(ramBytes: number): e820_table {
  if (ramBytes < 2 * 1024 * 1024 || ramBytes % PAGE_SIZE !== 0)
    throw new RangeError(`RAM size ${ramBytes} must be a page multiple of at least 2 MiB`);
  let lowmem = QEMU_MAX_RAM_BELOW_4G;
  if (ramBytes >= QEMU_MAX_RAM_BELOW_4G) lowmem = QEMU_GIGABYTE_ALIGN_LOWMEM;
  let below4g: number;
  let above4g: number;
  if (ramBytes >= lowmem) {
    below4g = lowmem;
    above4g = ramBytes - lowmem;
  } else {
    below4g = ramBytes;
    above4g = 0;
  }
  const entries: e820_entry[] = [
    { addr: 0, size: 0x9fc00, type: E820_TYPE_RAM },
    { addr: 0x9fc00, size: 0x400, type: E820_TYPE_RESERVED },
    { addr: 0xf0000, size: 0x10000, type: E820_TYPE_RESERVED },
    { addr: 0x100000, size: below4g - SEABIOS_HIGH_TABLE_SIZE - 0x100000, type: E820_TYPE_RAM },
    { addr: below4g - SEABIOS_HIGH_TABLE_SIZE, size: SEABIOS_HIGH_TABLE_SIZE, type: E820_TYPE_RESERVED },
    { addr: 0xfffc0000, size: 0x40000, type: E820_TYPE_RESERVED },
  ];
  if (above4g > 0) entries.push({ addr: SZ_4G, size: above4g, type: E820_TYPE_RAM });
  // Simplified: see the header; QEMU would relocate high RAM above 1 TiB instead.
  if (SZ_4G + above4g <= AMD_HT_START)
    entries.push({ addr: AMD_HT_START, size: AMD_HT_END - AMD_HT_START, type: E820_TYPE_RESERVED });
  return { entries };
}

/** e820 type names as e820_print_type prints them. @kernel arch/x86/kernel/e820.c e820_print_type */
export function e820_type_name(type: number): string {
  switch (type) {
    case E820_TYPE_RAM:
      return "usable";
    case E820_TYPE_RESERVED:
      return "reserved";
    case E820_TYPE_ACPI:
      return "ACPI data";
    case E820_TYPE_NVS:
      return "ACPI NVS";
    case E820_TYPE_UNUSABLE:
      return "unusable";
    case E820_TYPE_PMEM:
    case E820_TYPE_PRAM:
      return `persistent (type ${type})`;
    default:
      return `type ${type}`;
  }
}

/** `%#018Lx`: 0x followed by 16 hex digits. */
export function hex18(x: number): string {
  return "0x" + x.toString(16).padStart(16, "0");
}
/** `%#010Lx`: 0x followed by 8 hex digits (more if the number needs them). */
export function hex10(x: number): string {
  return "0x" + x.toString(16).padStart(8, "0");
}

/**
 * The table as setup_arch prints it: "BIOS-e820: [mem 0x…-0x…] usable".
 * @kernel arch/x86/kernel/e820.c e820__print_table
 */
export function e820__print_table(table: e820_table, who: string): string[] {
  return table.entries.map(
    (e) => `${who}: [mem ${hex18(e.addr)}-${hex18(e.addr + e.size - 1)}] ${e820_type_name(e.type)}`,
  );
}

/**
 * Sanitises the table with the kernel's change-point algorithm: every entry boundary is a change
 * point; between two change points the region takes the largest type of the entries over it
 * (so a memmap=nn!ss PRAM range, type 12, wins over the RAM it overlaps); adjacent regions of one
 * type merge, except PRAM (e820_nomerge), which stays cut at every change point — a PRAM range
 * straddling the end of RAM becomes two PRAM entries, as in 6.1. Zero-sized entries go.
 * @kernel arch/x86/kernel/e820.c e820__update_table, e820_nomerge
 */
export function e820__update_table(table: e820_table): void {
  const es = table.entries.filter((e) => e.size > 0);
  const points: Array<{ addr: number; e: e820_entry; start: boolean }> = [];
  for (const e of es) {
    points.push({ addr: e.addr, e, start: true });
    points.push({ addr: e.addr + e.size, e, start: false });
  }
  // cpcompare: by address; at one address, starts before ends (an end at the same address as
  // a start of another entry is processed after it, which does not change the resulting types)
  points.sort((a, b) => a.addr - b.addr || (a.start === b.start ? 0 : a.start ? -1 : 1));
  const overlap = new Set<e820_entry>();
  const out: e820_entry[] = [];
  let last_type = 0;
  let last_addr = 0;
  for (let i = 0; i < points.length; ) {
    const addr = points[i].addr;
    for (; i < points.length && points[i].addr === addr; i++) {
      if (points[i].start) overlap.add(points[i].e);
      else overlap.delete(points[i].e);
    }
    let current_type = 0;
    for (const e of overlap) if (e.type > current_type) current_type = e.type;
    if (current_type !== last_type || current_type === E820_TYPE_PRAM) {
      if (last_type !== 0) {
        const prev = out[out.length - 1];
        prev.size = addr - last_addr;
        if (prev.size === 0) out.pop();
      }
      if (current_type !== 0) {
        out.push({ addr, size: 0, type: current_type });
        last_addr = addr;
      }
      last_type = current_type;
    }
  }
  table.entries = out;
}

/**
 * Adds [start, start+size) of `type` (not sanitised: e820__update_table resolves overlaps).
 * @kernel arch/x86/kernel/e820.c e820__range_add
 */
export function e820__range_add(table: e820_table, start: number, size: number, type: number): void {
  table.entries.push({ addr: start, size, type });
}

/**
 * memparse: a number (decimal, 0x hex or 0 octal) with an optional K/M/G/T/P/E suffix; returns
 * the value and the rest of the string, or null when no digit was read.
 * @kernel lib/cmdline.c memparse
 */
export function memparse(s: string): { value: number; rest: string } | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (m === null) return null;
  const t = m[1];
  let value = /^0[xX]/.test(t) ? parseInt(t.slice(2), 16) : t.length > 1 && t[0] === "0" ? parseInt(t, 8) : parseInt(t, 10);
  let rest = s.slice(t.length);
  const shift: Record<string, number> = { K: 10, k: 10, M: 20, m: 20, G: 30, g: 30, T: 40, t: 40, P: 50, p: 50, E: 60, e: 60 };
  const sh = shift[rest[0]];
  if (sh !== undefined) {
    value *= 2 ** sh;
    rest = rest.slice(1);
  }
  return { value, rest };
}

/**
 * One `memmap=` value, as parse_memmap_one reads it; only the `nn!ss` form (legacy persistent
 * memory, E820_TYPE_PRAM) is modelled. Returns 0 (the table gained an entry) or -EINVAL (the
 * caller prints "Malformed early option 'memmap'", as do_early_param does, and goes on).
 * Simplified: the @ (RAM), # (ACPI), $ (reserved), % (retype) and exactmap forms and the bare
 * "memmap=nn" limit are refused with -EINVAL here, where 6.1 would apply them.
 * @kernel arch/x86/kernel/e820.c parse_memmap_one
 */
export function parse_memmap_one(table: e820_table, p: string): number {
  const size = memparse(p);
  if (size === null) return -22;
  if (size.rest[0] !== "!") return -22;
  const start = memparse(size.rest.slice(1));
  if (start === null) return -22;
  e820__range_add(table, start.value, size.value, E820_TYPE_PRAM);
  return start.rest === "" ? 0 : -22;
}

/** The PRAM entries, as nd_e820's probe finds their "Persistent Memory (legacy)" resources. */
export function e820_pram_ranges(table: e820_table): Array<{ base: number; size: number }> {
  return table.entries.filter((e) => e.type === E820_TYPE_PRAM).map((e) => ({ base: e.addr, size: e.size }));
}

/**
 * Changes the type of [start, start+size) from old_type to new_type, splitting entries as needed;
 * returns the line the kernel prints. Used at boot for page 0 (usable → reserved).
 * @kernel arch/x86/kernel/e820.c e820__range_update
 */
export function e820__range_update(
  table: e820_table,
  start: number,
  size: number,
  old_type: number,
  new_type: number,
): string {
  const end = start + size;
  const out: e820_entry[] = [];
  for (const e of table.entries) {
    const eEnd = e.addr + e.size;
    if (e.type !== old_type || eEnd <= start || e.addr >= end) {
      out.push(e);
      continue;
    }
    if (e.addr < start) out.push({ addr: e.addr, size: start - e.addr, type: e.type });
    const a = Math.max(e.addr, start);
    const b = Math.min(eEnd, end);
    out.push({ addr: a, size: b - a, type: new_type });
    if (eEnd > end) out.push({ addr: end, size: eEnd - end, type: e.type });
  }
  table.entries = out;
  e820__update_table(table);
  return `e820: update [mem ${hex10(start)}-${hex10(end - 1)}] ${e820_type_name(old_type)} ==> ${e820_type_name(new_type)}`;
}

/**
 * Removes [start, start+size) of old_type from the table; returns the line the kernel prints.
 * Used at boot for the legacy hole 0xa0000-0xfffff (trim_bios_range).
 * @kernel arch/x86/kernel/e820.c e820__range_remove
 */
export function e820__range_remove(table: e820_table, start: number, size: number, old_type: number): string {
  const end = start + size;
  const out: e820_entry[] = [];
  for (const e of table.entries) {
    const eEnd = e.addr + e.size;
    if (e.type !== old_type || eEnd <= start || e.addr >= end) {
      out.push(e);
      continue;
    }
    if (e.addr < start) out.push({ addr: e.addr, size: start - e.addr, type: e.type });
    if (eEnd > end) out.push({ addr: end, size: eEnd - end, type: e.type });
  }
  table.entries = out;
  e820__update_table(table);
  return `e820: remove [mem ${hex10(start)}-${hex10(end - 1)}] ${e820_type_name(old_type)}`;
}

/**
 * trim_bios_range: page 0 is BIOS data (usable → reserved), and 640 KiB-1 MiB is never RAM.
 * Returns the two log lines.
 * @kernel arch/x86/kernel/setup.c trim_bios_range
 */
export function trim_bios_range(table: e820_table): string[] {
  const lines = [e820__range_update(table, 0, PAGE_SIZE, E820_TYPE_RAM, E820_TYPE_RESERVED)];
  lines.push(e820__range_remove(table, 0xa0000, 0x100000 - 0xa0000, E820_TYPE_RAM));
  return lines;
}

/**
 * The highest RAM pfn + 1 below limit_pfn (last_pfn): the first RAM entry that crosses the limit
 * ends the walk at the limit; capped at the architecture's 2^46 bytes.
 * @kernel arch/x86/kernel/e820.c e820_end_pfn
 */
function e820_end_pfn(table: e820_table, limit_pfn: number): number {
  let last = 0;
  for (const e of table.entries) {
    if (e.type !== E820_TYPE_RAM) continue;
    const startPfn = Math.floor(e.addr / PAGE_SIZE);
    const endPfn = Math.floor((e.addr + e.size) / PAGE_SIZE);
    if (startPfn >= limit_pfn) continue;
    if (endPfn > limit_pfn) {
      last = limit_pfn;
      break;
    }
    if (endPfn > last) last = endPfn;
  }
  return Math.min(last, MAX_ARCH_PFN);
}

/**
 * The highest RAM pfn + 1 (last_pfn), limited to the architecture's 2^46 bytes.
 * @kernel arch/x86/kernel/e820.c e820__end_of_ram_pfn
 */
export function e820__end_of_ram_pfn(table: e820_table): number {
  return e820_end_pfn(table, MAX_ARCH_PFN);
}

/**
 * The highest RAM pfn + 1 below 4 GiB: setup_arch's max_low_pfn when RAM reaches above 4 GiB.
 * @kernel arch/x86/kernel/e820.c e820__end_of_low_ram_pfn
 */
export function e820__end_of_low_ram_pfn(table: e820_table): number {
  return e820_end_pfn(table, 2 ** (32 - PAGE_SHIFT));
}

/** max_arch_pfn for 4-level paging: 2^(46 - PAGE_SHIFT) as the kernel prints it. */
export const MAX_ARCH_PFN = 2 ** (46 - PAGE_SHIFT);

/**
 * The usable ranges memblock gets (e820__memblock_setup adds every E820_TYPE_RAM entry, byte
 * exact; memblock later rounds to pages when it frees).
 * @kernel arch/x86/kernel/e820.c e820__memblock_setup
 */
export function e820_ram_ranges(table: e820_table): Array<{ base: number; size: number }> {
  return table.entries.filter((e) => e.type === E820_TYPE_RAM).map((e) => ({ base: e.addr, size: e.size }));
}
