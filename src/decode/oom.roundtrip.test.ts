/**
 * The OOM decoder against the model's own reports, field by field: the simulator prints a report
 * from its live state (checked line by line against real 6.1 reports in
 * test/realkernel/oom.test.ts), and the decoder must read every number back as the state that
 * printed it. The state is taken at the mark_victim tracepoint, which oom_kill_process reaches
 * right after dump_header with nothing allocated in between, so it is the state the report shows.
 * The work happens inside each test, where mutation testing's mutants are active.
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../kernel/kernel.js";
import { decodeOomLog } from "./oom.js";
import type { OomReport } from "./types.js";
import { Machine } from "../sim/machine.js";
import { type Process, ProcessKilled } from "../sim/process.js";
import { GFP_HIGHUSER_MOVABLE } from "../mm/gfp.js";
import { get_mm_counter, get_mm_rss, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS } from "../mm/mm_types.js";
import { high_wmark_pages, low_wmark_pages, min_wmark_pages, MIGRATE_TYPES, type zone } from "../mm/mmzone.js";
import { CONSTRAINT_NONE, oom_badness, out_of_memory } from "../mm/oom_kill.js";
import { totalram_pages } from "../mm/page_alloc.js";
import { deferred_nr_free } from "../mm/mm_init.js";
import { global_node_page_state, global_zone_page_state } from "../mm/vmstat.js";
import { MAX_ORDER, NO_PFN } from "../mm/types.js";
import {
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_FILE_MAPPED,
  NR_FILE_PAGES,
  NR_FREE_PAGES,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_PAGETABLE,
  NR_SHMEM,
  NR_SWAPCACHE,
  NR_UNEVICTABLE,
  NR_WRITEBACK,
} from "../mm/vmstat_items.js";
import { kernelOf } from "../api/internals.js";

const MiB = 1 << 20;
/** show_migration_types' letters, in migratetype order (CMA is off in Debian's config). */
const LETTERS = ["U", "M", "E", "H", "", "I"];

interface Truth {
  meminfo: Record<string, number>;
  node: { id: number; fields: Record<string, number> };
  zones: Array<{ node: number; name: string; free_kB: number; min_kB: number; low_kB: number; high_kB: number; managed_kB: number; present_kB: number; free_pcp_kB: number; lowmem_reserve: number[]; counts: number[]; types: string[]; total_kB: number }>;
  totals: Record<string, number>;
  tasks: Array<{ pid: number; uid: number; tgid: number; total_vm_pages: number; rss_pages: number; pgtables_bytes: number; swapents: number; oom_score_adj: number; name: string }>;
  victim: { pid: number; comm: string; total_vm_kB: number; anon_rss_kB: number; file_rss_kB: number; shmem_rss_kB: number; uid: number; pgtables_kB: number; oom_score_adj: number };
  points: number;
  totalpages: number;
}

const pcpCount = (z: zone): number => z.per_cpu_pageset.reduce((a, p) => a + p.count, 0);

/** The state a report shows, read from the kernel's structures (not from the report). */
function truth(k: Kernel, victimPid: number, zonesShown: (z: zone) => boolean, totalpages: number): Truth {
  const g = (i: number): number => global_node_page_state(k, i);
  const zones = k.zones.filter((z) => z.populated_zone() && zonesShown(z));
  const tasks = [...k.tasks.byPid.values()].filter((t) => t.pid !== 1 && t.mm !== null);
  const v = k.tasks.byPid.get(victimPid)!;
  const vmm = v.mm!;
  return {
    meminfo: {
      active_anon: g(NR_ACTIVE_ANON),
      inactive_anon: g(NR_INACTIVE_ANON),
      active_file: g(NR_ACTIVE_FILE),
      inactive_file: g(NR_INACTIVE_FILE),
      unevictable: g(NR_UNEVICTABLE),
      writeback: g(NR_WRITEBACK),
      mapped: g(NR_FILE_MAPPED),
      shmem: g(NR_SHMEM),
      pagetables: g(NR_PAGETABLE),
      free: global_zone_page_state(k, NR_FREE_PAGES),
      free_pcp: zones.reduce((a, z) => a + pcpCount(z), 0),
    },
    node: {
      id: zones[0].node,
      fields: {
        active_anon: k.node_data[zones[0].node].vm_stat[NR_ACTIVE_ANON] * 4,
        inactive_anon: k.node_data[zones[0].node].vm_stat[NR_INACTIVE_ANON] * 4,
        shmem: k.node_data[zones[0].node].vm_stat[NR_SHMEM] * 4,
        writeback: k.node_data[zones[0].node].vm_stat[NR_WRITEBACK] * 4,
        pagetables: k.node_data[zones[0].node].vm_stat[NR_PAGETABLE] * 4,
      },
    },
    zones: zones.map((z) => ({
      node: z.node,
      name: z.name,
      free_kB: z.vm_stat[NR_FREE_PAGES] * 4,
      min_kB: min_wmark_pages(z) * 4,
      low_kB: low_wmark_pages(z) * 4,
      high_kB: high_wmark_pages(z) * 4,
      managed_kB: z.managed_pages * 4,
      present_kB: z.present_pages * 4,
      free_pcp_kB: pcpCount(z) * 4,
      lowmem_reserve: [...z.lowmem_reserve],
      counts: z.free_area.slice(0, MAX_ORDER).map((a) => a.nr_free),
      // A migratetype has blocks when its list is not empty; blocks freed at boot and not yet
      // linked (deferred) count too (free_area_empty).
      types: z.free_area.slice(0, MAX_ORDER).map((a) => (a.nr_free === 0 ? "" : LETTERS.filter((_, t) => t < MIGRATE_TYPES && (a.free_list[t] !== NO_PFN || deferred_nr_free(a, t) !== 0)).join(""))),
      total_kB: z.free_area.slice(0, MAX_ORDER).reduce((s, a, o) => s + a.nr_free * 4 * 2 ** o, 0),
    })),
    totals: {
      pagecache_pages: g(NR_FILE_PAGES),
      swapcache_pages: g(NR_SWAPCACHE),
      free_swap_kB: k.nr_swap_pages * 4,
      total_swap_kB: k.total_swap_pages * 4,
    },
    tasks: tasks.map((t) => ({
      pid: t.pid,
      uid: t.uid,
      tgid: t.tgid,
      total_vm_pages: t.mm!.total_vm,
      rss_pages: get_mm_rss(t.mm!),
      pgtables_bytes: t.mm!.pgtables_bytes,
      swapents: get_mm_counter(t.mm!, MM_SWAPENTS),
      oom_score_adj: t.signal.oom_score_adj,
      name: t.comm,
    })),
    victim: {
      pid: v.pid,
      comm: v.comm,
      total_vm_kB: vmm.total_vm * 4,
      anon_rss_kB: get_mm_counter(vmm, MM_ANONPAGES) * 4,
      file_rss_kB: get_mm_counter(vmm, MM_FILEPAGES) * 4,
      shmem_rss_kB: get_mm_counter(vmm, MM_SHMEMPAGES) * 4,
      uid: v.uid,
      pgtables_kB: vmm.pgtables_bytes >> 10,
      oom_score_adj: v.signal.oom_score_adj,
    },
    points: oom_badness(k, v, totalpages),
    totalpages,
  };
}

/** Every decoded number against the truth. */
function compare(rep: OomReport, t: Truth): void {
  for (const [key, value] of Object.entries(t.meminfo)) expect(rep.meminfo[key], `Mem-Info ${key}`).toBe(value);
  expect(rep.nodes.map((n) => n.node)).toContain(t.node.id);
  for (const [key, value] of Object.entries(t.node.fields)) expect(rep.nodes.find((n) => n.node === t.node.id)?.fields[key], `Node ${t.node.id} ${key}`).toBe(value);
  expect(rep.zones.map((z) => `${z.node} ${z.name}`)).toEqual(t.zones.map((z) => `${z.node} ${z.name}`));
  t.zones.forEach((z, i) => {
    const d = rep.zones[i];
    const label = `zone ${z.node} ${z.name}`;
    expect({ free: d.free_kB, min: d.min_kB, low: d.low_kB, high: d.high_kB, managed: d.managed_kB, present: d.present_kB, free_pcp: d.fields.free_pcp }, label).toEqual({
      free: z.free_kB,
      min: z.min_kB,
      low: z.low_kB,
      high: z.high_kB,
      managed: z.managed_kB,
      present: z.present_kB,
      free_pcp: z.free_pcp_kB,
    });
    expect(d.lowmem_reserve, label).toEqual(z.lowmem_reserve);
    expect(d.buddy?.counts, `${label} buddy counts`).toEqual(z.counts);
    expect(d.buddy?.types, `${label} buddy types`).toEqual(z.types);
    expect(d.buddy?.total_kB, `${label} buddy total`).toBe(z.total_kB);
    expect(d.buddy?.blockSize_kB).toEqual(Array.from({ length: MAX_ORDER }, (_, o) => 4 * 2 ** o));
  });
  for (const [key, value] of Object.entries(t.totals)) expect(rep.totals[key], `totals ${key}`).toBe(value);
  expect(rep.tasks.map(({ line: _line, ...row }) => row)).toEqual(t.tasks);
  const { line: _vline, reason: _reason, ...victim } = rep.victim!;
  expect(victim).toEqual(t.victim);
  // The decoder's own reading of the numbers: the memory picture from the Mem-Info counters
  // (machine-wide, in pages), and per zone whether __zone_watermark_ok could pass: free -
  // (2^order - 1) pages against min/high + lowmem_reserve[highest zone of the request] (a
  // GFP_HIGHUSER_MOVABLE request: Movable).
  const mi = t.meminfo;
  expect(rep.picture).toMatchObject({
    anon_kB: (mi.active_anon + mi.inactive_anon) * 4,
    shmem_kB: mi.shmem * 4,
    pagetables_kB: mi.pagetables * 4,
    free_kB: mi.free * 4,
    swap_total_kB: t.totals.total_swap_kB,
    swap_free_kB: t.totals.free_swap_kB,
    swap_used_kB: t.totals.total_swap_kB - t.totals.free_swap_kB,
  });
  expect(rep.zoneVerdicts.map((v) => ({ zone: v.zone, node: v.node, allowed: v.allowed, reserve: v.reserve_kB, aboveMin: v.aboveMin, aboveHigh: v.aboveHigh, blocks: v.blocksAtOrder }))).toEqual(
    t.zones.map((z) => ({
      zone: z.name,
      node: z.node,
      allowed: true,
      reserve: z.lowmem_reserve[3] * 4,
      aboveMin: z.free_kB > z.min_kB + z.lowmem_reserve[3] * 4,
      aboveHigh: z.free_kB > z.high_kB + z.lowmem_reserve[3] * 4,
      blocks: z.counts.reduce((a, c) => a + c, 0),
    })),
  );
  expect(rep.badness.totalpages).toBe(t.totalpages);
  expect(rep.badness.chosen).toEqual({ pid: t.victim.pid, name: t.victim.comm, points: t.points });
  expect(rep.badness.agrees).toBe(true);
}

/** Writes 1 MiB at a time until `p` is killed or `victim` is. */
function pressure(p: Process, victim: Process): void {
  try {
    for (let i = 0; i < 2000 && victim.alive; i++) {
      const a = p.mmap(MiB);
      p.write(a, MiB);
    }
  } catch (e) {
    if (!(e instanceof ProcessKilled)) throw e;
  }
}

describe("OOM reports the simulator prints decode back to the state that printed them", () => {
  it("a global OOM with swap: Mem-Info, node and zone lines, buddy lists, swap totals, task table, victim and ranking", () => {
    const m = Machine.boot({ memory: "256M", swap: { size: "32M" } });
    const k = kernelOf(m);
    const a = m.spawn({ comm: "memA", oomScoreAdj: 300 });
    const x = a.mmap(40 * MiB);
    a.write(x, 40 * MiB);
    const b = m.spawn({ comm: "memB" });
    const y = b.mmap(20 * MiB);
    b.write(y, 20 * MiB);
    let t: Truth | null = null;
    m.trace.on("mark_victim", (e) => {
      t ??= truth(k, Number(e.fields.pid), () => true, totalram_pages(k) + k.total_swap_pages);
    });
    const g = m.spawn({ comm: "grower" });
    pressure(g, a);
    expect(t).not.toBeNull();
    const rep = decodeOomLog(m.dmesg()).reports[0];
    expect(rep.trigger).toMatchObject({ comm: "grower", pid: g.pid, order: 0, oom_score_adj: 0 });
    expect(rep.trigger.gfp?.mask).toBe(GFP_HIGHUSER_MOVABLE | 0x40000 | 0x100); // |__GFP_COMP|__GFP_ZERO
    expect(rep.kernel).toMatchObject({ release: "6.1.0-56-amd64", version: 6001, arch: "x86_64" });
    expect(rep.constraint).toBe("global");
    expect(rep.context).toMatchObject({ constraint: "CONSTRAINT_NONE", nodemask: "(null)", cpuset: "/", mems_allowed: "0", global_oom: true, task_memcg: "/", task: t!.victim.comm, pid: t!.victim.pid, uid: 0 });
    expect(rep.picture.totalram_pages).toBe(totalram_pages(k));
    expect(rep.picture.swap_total_kB).toBe(k.total_swap_pages * 4);
    compare(rep, t!);
  });

  it("a mempolicy OOM on two nodes: only node 1's zones, its nodemask, and totalpages = swap + node 1's pages", () => {
    const m = Machine.boot({ memory: "1G", nodes: 2, swap: { size: "16M" } });
    const k = kernelOf(m);
    const p = m.spawn({ comm: "p", oomScoreAdj: 100 });
    const x = p.mmap(16 * MiB);
    p.write(x, 16 * MiB);
    const q = m.spawn({ comm: "q" });
    const y = q.mmap(8 * MiB);
    q.write(y, 8 * MiB);
    const totalpages = k.total_swap_pages + k.node_data[1].node_present_pages;
    let t: Truth | null = null;
    m.trace.on("mark_victim", (e) => {
      t ??= truth(k, Number(e.fields.pid), (z) => z.node === 1, totalpages);
    });
    k.currentPid = q.pid;
    k.currentComm = q.comm;
    const oc = { zonelist: k.node_data[0].node_zonelists, nodemask: [1], memcg: null, gfp_mask: GFP_HIGHUSER_MOVABLE, order: 0, totalpages: 0, constraint: CONSTRAINT_NONE, chosen: null, chosen_points: 0 };
    expect(out_of_memory(k, oc)).toBe(true);
    const rep = decodeOomLog(m.dmesg()).reports[0];
    expect(rep.constraint).toBe("mempolicy");
    expect(rep.context).toMatchObject({ constraint: "CONSTRAINT_MEMORY_POLICY", nodemask: "1", mems_allowed: "0-1", task: t!.victim.comm, pid: t!.victim.pid });
    compare(rep, t!);
  });
});
