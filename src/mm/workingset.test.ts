import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { F, PG_active, PG_swapbacked, PG_workingset } from "./memmap.js";
import { timestamp_bits, workingset_eviction, workingset_refault } from "./workingset.js";
import { NR_ACTIVE_ANON, WORKINGSET_ACTIVATE_ANON, WORKINGSET_REFAULT_ANON, WORKINGSET_RESTORE_ANON } from "./vmstat_items.js";
import { kernelOf } from "../api/internals.js";

/** A machine with swap and a free page standing in for one being evicted and read back. */
function setup() {
  const m = Machine.boot({ memory: "256M", swap: { size: "64M" } });
  const k = kernelOf(m);
  const pgdat = k.node_data[0];
  // Any page of the node will do: workingset only reads its flags and node.
  const pfn = pgdat.node_zones[1].zone_start_pfn + 4096;
  return { m, k, pgdat, pfn };
}

describe("workingset shadows", () => {
  it("logs the boot line with 6.1's timestamp_bits and the bucket order for this RAM", () => {
    const m = Machine.boot({ memory: "512M" });
    expect(timestamp_bits).toBe(36);
    expect(m.dmesg()).toMatch(/workingset: timestamp_bits=36 max_order=17 bucket_order=0/);
  });

  it("activates a refault whose distance fits in the workingset, and counts a restore for a workingset page", () => {
    const { k, pgdat, pfn } = setup();
    const mem = k.mem_map;
    mem.flags[pfn] = F(PG_swapbacked) | F(PG_workingset);
    const shadow = workingset_eviction(k, pfn);
    expect(shadow).toBeGreaterThan(0);
    // 100 evictions later, with 1000 pages on the active anon list (swap has room, so it counts):
    pgdat.__lruvec.nonresident_age += 100;
    pgdat.vm_stat[NR_ACTIVE_ANON] += 1000;
    mem.flags[pfn] = F(PG_swapbacked);
    workingset_refault(k, pfn, shadow);
    expect(pgdat.vm_stat[WORKINGSET_REFAULT_ANON]).toBe(1);
    expect(pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON]).toBe(1);
    expect(pgdat.vm_stat[WORKINGSET_RESTORE_ANON]).toBe(1);
    expect(mem.flags[pfn] & F(PG_active)).not.toBe(0);
    expect(mem.flags[pfn] & F(PG_workingset)).not.toBe(0);
    pgdat.vm_stat[NR_ACTIVE_ANON] -= 1000;
  });

  it("leaves a refault from further back than the workingset inactive (counted, not activated)", () => {
    const { k, pgdat, pfn } = setup();
    const mem = k.mem_map;
    mem.flags[pfn] = F(PG_swapbacked);
    const shadow = workingset_eviction(k, pfn);
    pgdat.__lruvec.nonresident_age += 5000;
    pgdat.vm_stat[NR_ACTIVE_ANON] += 1000;
    workingset_refault(k, pfn, shadow);
    expect(pgdat.vm_stat[WORKINGSET_REFAULT_ANON]).toBe(1);
    expect(pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON]).toBe(0);
    expect(mem.flags[pfn] & F(PG_active)).toBe(0);
    pgdat.vm_stat[NR_ACTIVE_ANON] -= 1000;
  });

  it("advances the lruvec's nonresident_age by one per eviction", () => {
    const { k, pgdat, pfn } = setup();
    k.mem_map.flags[pfn] = F(PG_swapbacked);
    const before = pgdat.__lruvec.nonresident_age;
    workingset_eviction(k, pfn);
    workingset_eviction(k, pfn);
    expect(pgdat.__lruvec.nonresident_age).toBe(before + 2);
  });
});
