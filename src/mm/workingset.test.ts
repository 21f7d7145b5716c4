import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { F, PG_active, PG_swapbacked, PG_workingset } from "./memmap.js";
import { timestamp_bits, workingset_eviction, workingset_refault } from "./workingset.js";
import { NR_ACTIVE_ANON, NR_ACTIVE_FILE, NR_INACTIVE_ANON, NR_INACTIVE_FILE, NR_UNEVICTABLE, WORKINGSET_ACTIVATE_ANON, WORKINGSET_NODES, WORKINGSET_REFAULT_ANON, WORKINGSET_RESTORE_ANON } from "./vmstat_items.js";
import { kernelOf } from "../api/internals.js";
import { xa_leaf_shadow_only, xa_load_value, xa_nodes_expected } from "../lib/xarray.js";
import { shrink_control } from "./shrinker.js";
import { checkPageCache } from "../sim/invariants/pagecache.js";

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

// ---------------------------------------------------------------------------------------------
// xa_nodes as radix_tree_node objects, the shadow-node list and its shrinker
// ---------------------------------------------------------------------------------------------

/**
 * radix_tree_node objects allocated minus freed from now on, counted from the kmem tracepoints
 * (slabinfo's active_objs also counts the free objects of the CPU slab).
 */
function radixCounter(k: ReturnType<typeof kernelOf>): { live: number } {
  const c = { live: 0 };
  k.trace.on("kmem_cache_alloc", (r) => {
    if (r.message.includes("call_site=xas_alloc")) c.live++;
  });
  k.trace.on("kmem_cache_free", (r) => {
    if (r.message.includes("name=radix_tree_node")) c.live--;
  });
  return c;
}

/** Every page-cache xarray's nodes. */
function allNodes(k: ReturnType<typeof kernelOf>): number {
  let n = 0;
  for (const mp of k.vfs.mappings.values()) n += mp.i_pages.nr_nodes;
  return n;
}

function catFile(p: ReturnType<Machine["spawn"]>, path: string): void {
  const f = p.open(path, "r");
  while (p.readFd(f, 128 << 10) > 0);
  p.close(f);
}

describe("xa_nodes: radix_tree_node objects of the page cache", () => {
  it("allocates 6.1's 261 nodes for a 64 MiB file read (a root, 4 middle nodes, 256 leaves) and frees them on drop_caches=1", () => {
    const m = Machine.boot({ memory: "512M" });
    const k = kernelOf(m);
    const p = m.spawn({ name: "cat" });
    p.mkdir("/mnt/d");
    m.addDisk("/dev/vda", { size: "96M", ext2: { files: [{ path: "file64", size: "64M" }] } });
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda", readonly: true });
    m.write("/proc/sys/vm/drop_caches", "3");
    const objs = radixCounter(k);
    const nodes0 = allNodes(k);
    catFile(p, "/mnt/d/file64");
    m.advance("10ms");
    const file = [...k.vfs.mappings.values()].find((mp) => mp.nrpages === 16384);
    expect(file?.i_pages.nr_nodes).toBe(1 + 4 + 256);
    // Every node is one object: the file's and the block device's (its metadata pages).
    expect(objs.live).toBe(allNodes(k) - nodes0);
    expect(objs.live).toBeGreaterThan(261);
    m.write("/proc/sys/vm/drop_caches", "1");
    // What stays cached (the metadata buffers the mount pins, pages still in an lru batch) keeps its nodes.
    expect(objs.live).toBe(allNodes(k) - nodes0);
    expect(objs.live).toBeLessThan(100);
    expect(m.read("/proc/vmstat")).toMatch(/^workingset_nodes 0$/m);
  });
});

describe("shadow nodes (workingset_update_node, count_shadow_nodes, shadow_lru_isolate)", () => {
  /** 160 MiB read through 128 MiB of RAM: reclaim leaves shadows where the early pages were. */
  function evicted() {
    const m = Machine.boot({ memory: "128M" });
    const k = kernelOf(m);
    const p = m.spawn({ name: "cat" });
    p.mkdir("/mnt/d");
    m.addDisk("/dev/vda", { size: "200M", ext2: { files: [{ path: "big", size: "160M" }] } });
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda", readonly: true });
    catFile(p, "/mnt/d/big");
    m.advance("10ms");
    const file = [...k.vfs.mappings.values()].find((mp) => mp.host?.i_sb.s_type === "ext2" && mp.i_pages.nr_entries > 30000);
    if (file === undefined) throw new Error("no big file mapping");
    return { m, k, file };
  }

  it("lists the leaves whose pages were all evicted, counts them in workingset_nodes, and takes one off when a page comes back", () => {
    const { m, k, file } = evicted();
    const list = k.workingset.shadow_nodes[0];
    const leaves = [...file.i_pages.chunks.values()].filter((c) => xa_leaf_shadow_only(c));
    expect(leaves.length).toBeGreaterThan(100);
    expect(list.size).toBe(leaves.length);
    expect(m.read("/proc/vmstat")).toMatch(new RegExp(`^workingset_nodes ${leaves.length}$`, "m"));
    // The first leaf's pages were the first evicted: reading page 0 again refaults into it.
    const first = file.i_pages.chunks.get(0) as Int32Array;
    expect(list.has(first)).toBe(true);
    const p = m.spawn({ name: "reread" });
    const f = p.open("/mnt/d/big", "r");
    expect(p.readFd(f, 4096)).toBe(4096);
    p.close(f);
    expect(list.has(first)).toBe(false);
    expect(k.node_data[0].vm_stat[WORKINGSET_NODES]).toBe(list.size);
  });

  it("frees nothing while the shadow nodes are within the lruvec's pages >> 3, drop_caches=2 included", () => {
    const { m, k } = evicted();
    const s = k.workingset.workingset_shadow_shrinker;
    const sc = new shrink_control();
    sc.nid = 0;
    const lru = k.node_data[0].vm_stat;
    const pages = lru[NR_INACTIVE_ANON] + lru[NR_ACTIVE_ANON] + lru[NR_INACTIVE_FILE] + lru[NR_ACTIVE_FILE] + lru[NR_UNEVICTABLE];
    // ~25 000 LRU pages allow ~3 100 nodes: the few hundred listed are all kept.
    expect(k.workingset.shadow_nodes[0].size).toBeLessThan(pages >> 3);
    expect(s.ops.count_objects(k, s, sc)).toBe(0);
    // drop_caches=2 runs every shrinker at priority 0 (drop_slab), this one included: below the
    // limit it frees no node.
    const listed = k.workingset.shadow_nodes[0].size;
    m.write("/proc/sys/vm/drop_caches", "2");
    expect(k.workingset.shadow_nodes[0].size).toBe(listed);
    expect(m.read("/proc/vmstat")).toMatch(/^workingset_nodereclaim 0$/m);
  });

  it("frees the oldest shadow nodes over the limit with their shadows, counting workingset_nodereclaim", () => {
    const { m, k, file } = evicted();
    const pgdat = k.node_data[0];
    const list = k.workingset.shadow_nodes[0];
    const nodes = list.size;
    const s = k.workingset.workingset_shadow_shrinker;
    const sc = new shrink_control();
    sc.nid = 0;
    // Shrink the lruvec's page count (as the tests above lend the lists pages) so the limit is 40 nodes.
    const lru = [NR_INACTIVE_ANON, NR_ACTIVE_ANON, NR_INACTIVE_FILE, NR_ACTIVE_FILE, NR_UNEVICTABLE];
    const saved = lru.map((i) => pgdat.vm_stat[i]);
    for (const i of lru) pgdat.vm_stat[i] = 0;
    pgdat.vm_stat[NR_INACTIVE_FILE] = 40 * 8 + 7; // >> 3 = 40
    expect(s.ops.count_objects(k, s, sc)).toBe(nodes - 40);
    const oldest = [...list.keys()].slice(0, 10);
    const objs = radixCounter(k);
    sc.nr_to_scan = 10;
    expect(s.ops.scan_objects(k, s, sc)).toBe(10);
    lru.forEach((i, j) => (pgdat.vm_stat[i] = saved[j]));
    expect(list.size).toBe(nodes - 10);
    for (const c of oldest) expect([...file.i_pages.chunks.values()]).not.toContain(c);
    // The first leaf (pages 0..63) went first: its shadows are gone.
    expect(xa_load_value(file.i_pages, 0)).toBe(0);
    expect(pgdat.vm_stat[WORKINGSET_NODES]).toBe(nodes - 10);
    expect(m.read("/proc/vmstat")).toMatch(/^workingset_nodereclaim 10$/m);
    expect(file.i_pages.nr_nodes).toBe(xa_nodes_expected(file.i_pages));
    // Ten leaves under one middle node (16 384 pages per middle node): no parent emptied.
    expect(objs.live).toBe(-10);
    checkPageCache(k);
  });
});
