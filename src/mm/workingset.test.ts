import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { F, PG_active, PG_swapbacked, PG_workingset } from "./memmap.js";
import { timestamp_bits, workingset_eviction, workingset_refault } from "./workingset.js";
import { NR_ACTIVE_ANON, NR_ACTIVE_FILE, NR_INACTIVE_ANON, NR_INACTIVE_FILE, WORKINGSET_ACTIVATE_ANON, WORKINGSET_REFAULT_ANON, WORKINGSET_RESTORE_ANON } from "./vmstat_items.js";
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

  it("activates at a refault distance equal to the workingset size and not one eviction later", () => {
    // mm/workingset.c workingset_refault: refault_distance = (refault - eviction) & EVICTION_MASK;
    // for an anon page with swap, workingset_size = NR_ACTIVE_FILE + NR_INACTIVE_FILE +
    // NR_ACTIVE_ANON of the eviction lruvec, and the page is left inactive only
    // `if (refault_distance > workingset_size)`: equal activates.
    for (const extra of [0, 1]) {
      const { k, pgdat, pfn } = setup();
      const mem = k.mem_map;
      mem.flags[pfn] = F(PG_swapbacked);
      const shadow = workingset_eviction(k, pfn);
      pgdat.vm_stat[NR_ACTIVE_ANON] += 300;
      pgdat.vm_stat[NR_INACTIVE_ANON] += 5000; // not part of an anon refault's workingset
      const es = pgdat.vm_stat;
      const workingset_size = es[NR_ACTIVE_FILE] + es[NR_INACTIVE_FILE] + es[NR_ACTIVE_ANON];
      // The eviction itself ticked the clock once; refault - eviction counts from before it.
      pgdat.__lruvec.nonresident_age += workingset_size - 1 + extra;
      workingset_refault(k, pfn, shadow);
      expect(pgdat.vm_stat[WORKINGSET_REFAULT_ANON], `distance = size + ${extra}`).toBe(1);
      expect(pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON], `distance = size + ${extra}`).toBe(extra ? 0 : 1);
      expect((mem.flags[pfn] & F(PG_active)) !== 0, `distance = size + ${extra}`).toBe(extra === 0);
      pgdat.vm_stat[NR_ACTIVE_ANON] -= 300;
      pgdat.vm_stat[NR_INACTIVE_ANON] -= 5000;
    }
  });

  it("counts the anon lists in a file refault's workingset only while swap has room", () => {
    // workingset_refault: `if (mem_cgroup_get_nr_swap_pages(memcg) > 0)` adds NR_ACTIVE_ANON and,
    // for a file page, NR_INACTIVE_ANON; a file refault always counts NR_ACTIVE_FILE only.
    for (const swapRoom of [true, false]) {
      const { k, pgdat, pfn } = setup();
      const mem = k.mem_map;
      mem.flags[pfn] = 0; // a file page: not swap-backed
      const shadow = workingset_eviction(k, pfn);
      pgdat.vm_stat[NR_ACTIVE_ANON] += 2000;
      pgdat.vm_stat[NR_INACTIVE_ANON] += 2000;
      const es = pgdat.vm_stat;
      const saved = k.nr_swap_pages;
      if (!swapRoom) k.nr_swap_pages = 0;
      const distance = es[NR_ACTIVE_FILE] + 3000; // fits only if the anon lists count
      pgdat.__lruvec.nonresident_age += distance - 1;
      workingset_refault(k, pfn, shadow);
      expect(pgdat.vm_stat[WORKINGSET_REFAULT_ANON + 1]).toBe(1);
      expect(pgdat.vm_stat[WORKINGSET_ACTIVATE_ANON + 1]).toBe(swapRoom ? 1 : 0);
      k.nr_swap_pages = saved;
      pgdat.vm_stat[NR_ACTIVE_ANON] -= 2000;
      pgdat.vm_stat[NR_INACTIVE_ANON] -= 2000;
    }
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
