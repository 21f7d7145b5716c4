import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  AMD_HT_START,
  E820_TYPE_RAM,
  E820_TYPE_RESERVED,
  e820__end_of_ram_pfn,
  e820__print_table,
  e820__range_update,
  e820__update_table,
  E820_TYPE_PRAM,
  e820_pram_ranges,
  e820_ram_ranges,
  memparse,
  parse_memmap_one,
  qemu_i440fx_e820,
  trim_bios_range,
} from "./e820.js";
import { GiB, MiB } from "../../mm/types.js";

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
const realDmesg = (w: string): string => fs.readFileSync(path.resolve(repoRoot, "test/realkernel/data", w, "dmesg"), "utf8");

describe("QEMU i440FX e820 layout", () => {
  it.each([
    ["w0-m256", 256],
    ["w0", 512],
    ["w0-m1024", 1024],
    ["w0-m2048", 2048],
  ])("prints the BIOS-e820 lines of the real %s guest", (w, mib) => {
    const real = realDmesg(w)
      .split("\n")
      .filter((l) => l.includes("BIOS-e820:"))
      .map((l) => l.replace(/^\[\s*[\d.]+\] /, ""));
    expect(e820__print_table(qemu_i440fx_e820(mib * MiB), "BIOS-e820")).toEqual(real);
  });

  it("keeps a 3 GiB guest entirely below 4 GiB", () => {
    const t = qemu_i440fx_e820(3 * GiB);
    expect(t.entries.filter((e) => e.type === E820_TYPE_RAM).map((e) => e.addr + e.size)).toEqual([0x9fc00, 0xbffe0000]);
  });

  it("cuts low RAM to 3 GiB from 3.5 GiB up and puts the rest above 4 GiB", () => {
    const t = qemu_i440fx_e820(4 * GiB);
    const ram = e820_ram_ranges(t);
    expect(ram[1]).toEqual({ base: 0x100000, size: 0xc0000000 - 0x20000 - 0x100000 });
    expect(ram[2]).toEqual({ base: 4 * GiB, size: GiB });
    expect(e820__end_of_ram_pfn(t)).toBe(0x140000);
    const t35 = qemu_i440fx_e820(3.5 * GiB);
    expect(e820_ram_ranges(t35)[2]).toEqual({ base: 4 * GiB, size: 512 * MiB });
  });

  it("leaves out the AMD HyperTransport window once RAM would reach it", () => {
    const small = qemu_i440fx_e820(GiB);
    expect(small.entries.some((e) => e.addr === AMD_HT_START)).toBe(true);
    const huge = qemu_i440fx_e820(1024 * GiB);
    expect(huge.entries.some((e) => e.addr === AMD_HT_START)).toBe(false);
  });

  it("rejects sizes that are not page multiples", () => {
    expect(() => qemu_i440fx_e820(512 * MiB + 1)).toThrow(RangeError);
  });
});

describe("setup_arch's e820 edits", () => {
  it("reserves page 0 and removes the legacy 640K-1M hole, logging as 6.1 does", () => {
    const t = qemu_i440fx_e820(512 * MiB);
    expect(trim_bios_range(t)).toEqual([
      "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
      "e820: remove [mem 0x000a0000-0x000fffff] usable",
    ]);
    expect(t.entries[0]).toEqual({ addr: 0, size: 0x1000, type: E820_TYPE_RESERVED });
    expect(t.entries[1]).toEqual({ addr: 0x1000, size: 0x9fc00 - 0x1000, type: E820_TYPE_RAM });
  });

  it("splits an entry in three when the update covers its middle, and merges equal neighbours", () => {
    const t = { entries: [{ addr: 0, size: 0x10000, type: E820_TYPE_RAM }] };
    e820__range_update(t, 0x4000, 0x1000, E820_TYPE_RAM, E820_TYPE_RESERVED);
    expect(t.entries.map((e) => [e.addr, e.size, e.type])).toEqual([
      [0, 0x4000, 1],
      [0x4000, 0x1000, 2],
      [0x5000, 0xb000, 1],
    ]);
    e820__range_update(t, 0x4000, 0x1000, E820_TYPE_RESERVED, E820_TYPE_RAM);
    expect(t.entries).toEqual([{ addr: 0, size: 0x10000, type: E820_TYPE_RAM }]);
  });
});

describe("memmap=nn!ss (parse_memmap_one, e820__update_table)", () => {
  const fresh = (): ReturnType<typeof qemu_i440fx_e820> => qemu_i440fx_e820(512 * MiB);

  it("memparse reads sizes with suffixes, hex and octal", () => {
    expect(memparse("512M!1G")).toEqual({ value: 512 * MiB, rest: "!1G" });
    expect(memparse("0x1000")).toEqual({ value: 4096, rest: "" });
    expect(memparse("010k")).toEqual({ value: 8 * 1024, rest: "" });
    expect(memparse("!1G")).toBeNull();
  });

  it("adds a PRAM entry past RAM, printed as persistent (type 12)", () => {
    const t = fresh();
    expect(parse_memmap_one(t, "512M!1G")).toBe(0);
    e820__update_table(t);
    expect(e820__print_table(t, "user").filter((l) => l.includes("persistent"))).toEqual(["user: [mem 0x0000000040000000-0x000000005fffffff] persistent (type 12)"]);
    expect(e820_pram_ranges(t)).toEqual([{ base: GiB, size: 512 * MiB }]);
    expect(e820__end_of_ram_pfn(t)).toBe(0x1ffe0); // not RAM
  });

  it("over RAM the larger type wins: the RAM under it becomes PRAM, cut where other entries end", () => {
    const t = fresh();
    parse_memmap_one(t, "512M!256M"); // [0x10000000, 0x30000000) over RAM, SeaBIOS's reserved top and beyond
    e820__update_table(t);
    const pram = t.entries.filter((e) => e.type === E820_TYPE_PRAM).map((e) => [e.addr, e.addr + e.size]);
    // e820_nomerge: PRAM stays split at the change points of the entries it overlapped
    expect(pram).toEqual([
      [0x10000000, 0x1ffe0000],
      [0x1ffe0000, 0x20000000],
      [0x20000000, 0x30000000],
    ]);
    expect(e820__end_of_ram_pfn(t)).toBe(0x10000);
  });

  it("adjacent memmap ranges stay separate entries (e820_nomerge), RAM ranges still merge", () => {
    const t = fresh();
    parse_memmap_one(t, "64M!1G");
    parse_memmap_one(t, "64M!1088M");
    t.entries.push({ addr: 0x200000000, size: 0x1000, type: E820_TYPE_RAM }, { addr: 0x200001000, size: 0x1000, type: E820_TYPE_RAM });
    e820__update_table(t);
    expect(e820_pram_ranges(t)).toEqual([
      { base: GiB, size: 64 * MiB },
      { base: GiB + 64 * MiB, size: 64 * MiB },
    ]);
    expect(t.entries.filter((e) => e.addr >= 0x200000000 && e.addr < AMD_HT_START)).toEqual([{ addr: 0x200000000, size: 0x2000, type: E820_TYPE_RAM }]);
  });

  it("sanitising the QEMU tables changes nothing", () => {
    for (const mib of [256, 512, 4096, 8192]) {
      const t = qemu_i440fx_e820(mib * MiB);
      const before = JSON.stringify(t.entries);
      e820__update_table(t);
      expect(JSON.stringify(t.entries)).toBe(before);
    }
  });

  it("refuses the forms the model does not implement, and malformed values", () => {
    for (const v of ["512M@1G", "512M#1G", "512M$1G", "exactmap", "512M", "!1G", "512M!", "512M!1Gx"]) {
      const t = fresh();
      expect(parse_memmap_one(t, v), v).toBe(-22);
    }
  });
});
