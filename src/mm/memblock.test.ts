import { describe, expect, it } from "vitest";
import {
  for_each_free_mem_range,
  for_each_mem_pfn_range,
  Memblock,
  memblock_add,
  memblock_alloc_range_nid,
  memblock_find_in_range_node,
  memblock_phys_free,
  memblock_phys_mem_size,
  memblock_reserve,
  memblock_reserved_size,
  memblock_set_node,
  NUMA_NO_NODE,
} from "./memblock.js";

function twoBanks(): Memblock {
  const mb = new Memblock();
  memblock_add(mb, 0x1000, 0x9fc00 - 0x1000);
  memblock_add(mb, 0x100000, 0x1ffe0000 - 0x100000);
  return mb;
}

describe("memblock regions", () => {
  it("merges adjacent memory of the same node and keeps other nodes apart", () => {
    const mb = new Memblock();
    memblock_add(mb, 0, 0x1000, 0);
    memblock_add(mb, 0x1000, 0x1000, 0);
    memblock_add(mb, 0x2000, 0x1000, 1);
    expect(mb.memory.regions.map((r) => [r.base, r.size, r.nid])).toEqual([
      [0, 0x2000, 0],
      [0x2000, 0x1000, 1],
    ]);
  });

  it("counts overlapping reservations once", () => {
    const mb = twoBanks();
    memblock_reserve(mb, 0, 0x10000);
    memblock_reserve(mb, 0, 0x100000);
    memblock_reserve(mb, 0x80000, 0x1000);
    expect(memblock_reserved_size(mb)).toBe(0x100000);
    expect(mb.reserved.regions).toHaveLength(1);
  });

  it("rounds memory inward to whole pages for pfn walks", () => {
    expect(for_each_mem_pfn_range(twoBanks()).map((r) => [r.start, r.end])).toEqual([
      [1, 0x9f],
      [0x100, 0x1ffe0],
    ]);
    expect(memblock_phys_mem_size(twoBanks())).toBe(0x9fc00 - 0x1000 + 0x1ffe0000 - 0x100000);
  });

  it("lists memory minus reservations as free ranges", () => {
    const mb = twoBanks();
    memblock_reserve(mb, 0, 0x100000);
    memblock_reserve(mb, 0x1000000, 0x3400000);
    expect(for_each_free_mem_range(mb).map((r) => [r.start, r.end])).toEqual([
      [0x100000, 0x1000000],
      [0x4400000, 0x1ffe0000],
    ]);
    memblock_phys_free(mb, 0x1000000, 0x100000);
    expect(for_each_free_mem_range(mb)[0]).toMatchObject({ start: 0x100000, end: 0x1100000 });
  });

  it("allocates top-down at the requested alignment and reserves the result", () => {
    const mb = twoBanks();
    memblock_reserve(mb, 0x1fd57000, 0x289000);
    // NODE_DATA of the 512 MiB guest: 0x2b000 bytes right below the initrd.
    const nd = memblock_alloc_range_nid(mb, 0x2b000, 64, 0, 0, NUMA_NO_NODE, false, "NODE_DATA");
    expect(nd).toBe(0x1fd2c000);
    const mm = memblock_alloc_range_nid(mb, 8 << 20, 2 << 20, 0x1000000, 0, NUMA_NO_NODE, false, "memmap");
    expect(mm).toBe(0x1f400000);
    expect(memblock_find_in_range_node(mb, 1 << 30, 4096, 0, 0, NUMA_NO_NODE)).toBe(-1);
  });

  it("binds ranges to nodes, splitting regions, and allocates on the asked node", () => {
    const mb = twoBanks();
    memblock_set_node(mb, 0, 0x10000000, 0);
    memblock_set_node(mb, 0x10000000, 0x10000000, 1);
    expect(mb.memory.regions.map((r) => r.nid)).toEqual([0, 0, 1]);
    const p = memblock_alloc_range_nid(mb, 0x1000, 0x1000, 0, 0, 0, true, "x");
    expect(p).toBe(0x10000000 - 0x1000);
    expect(memblock_alloc_range_nid(mb, 0x20000000, 0x1000, 0, 0, 0, true, "too big")).toBe(-1);
  });
});
