/**
 * Builds a Kernel whose zones, nodes, free lists, pageblocks, per-cpu lists and counters hold the
 * values a real 6.1 kernel printed (test/realkernel/data/<w>/{zoneinfo,buddyinfo,
 * pagetypeinfo,vmstat}). Rendering that state must give the real files back to the character,
 * which pins the renderers' formats independently of how closely the boot model matches.
 */
import fs from "node:fs";
import path from "node:path";
import { proc_root_init } from "../../src/fs/proc/init.js";
import { Kernel } from "../../src/kernel/kernel.js";
import { MemMap } from "../../src/mm/memmap.js";
import {
  MAX_NR_ZONES,
  MIGRATE_TYPES,
  WMARK_HIGH,
  WMARK_LOW,
  WMARK_MIN,
  migratetype_names,
  pglist_data,
  zone_pagesets_alloc,
  zone_names,
} from "../../src/mm/mmzone.js";
import { pageblock_order } from "../../src/mm/types.js";
import { calculate_totalreserve_pages } from "../../src/mm/watermark.js";
import { PGPGIN, PGPGOUT, node_stat_text, numa_stat_text, vm_event_text, zone_stat_text } from "../../src/mm/vmstat_items.js";

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const realDataDir = path.resolve(repoRoot, "test/realkernel/data");

export function readReal(workload: string, file: string): string {
  return fs.readFileSync(path.join(realDataDir, workload, file), "utf8");
}

/** Loads a w0-style capture into a fresh Kernel. */
export function loadRealState(workload: string): Kernel {
  const k = new Kernel(1);
  const zoneinfo = readReal(workload, "zoneinfo");
  const blocks = zoneinfo.split(/^(?=Node \d+, zone)/m).filter((b) => b.trim());
  const nodes = new Map<number, pglist_data>();
  let maxEnd = 0;
  let cpus = 1;
  for (const b of blocks) {
    const head = /^Node (\d+), zone\s+(\S+)/.exec(b);
    if (!head) throw new Error(`bad zoneinfo block ${b.slice(0, 40)}`);
    const nid = Number(head[1]);
    const zid = zone_names.indexOf(head[2] as (typeof zone_names)[number]);
    let pgdat = nodes.get(nid);
    if (!pgdat) {
      pgdat = new pglist_data(nid);
      nodes.set(nid, pgdat);
    }
    const z = pgdat.node_zones[zid];
    const num = (re: RegExp): number => Number((re.exec(b) ?? ["", "0"])[1]);
    z.vm_stat[0] = num(/pages free\s+(\d+)/);
    z.watermark_boost = num(/boost\s+(\d+)/);
    z._watermark[WMARK_MIN] = num(/\n\s+min\s+(\d+)/);
    z._watermark[WMARK_LOW] = num(/\n\s+low\s+(\d+)/);
    z._watermark[WMARK_HIGH] = num(/\n\s+high\s+(\d+)/);
    z.spanned_pages = num(/spanned\s+(\d+)/);
    z.present_pages = num(/present\s+(\d+)/);
    z.managed_pages = num(/managed\s+(\d+)/);
    const prot = /protection: \(([^)]*)\)/.exec(b);
    if (prot) prot[1].split(", ").forEach((v, i) => (z.lowmem_reserve[i] = Number(v)));
    z.zone_start_pfn = num(/start_pfn:\s+(\d+)/);
    z.stat_threshold = num(/vm stats threshold: (\d+)/);
    const stat = (name: string): number | undefined => {
      const m = new RegExp(`\\n      ${name}\\s+(\\d+)`).exec(b);
      return m ? Number(m[1]) : undefined;
    };
    zone_stat_text.forEach((n, i) => (z.vm_stat[i] = stat(n) ?? z.vm_stat[i]));
    numa_stat_text.forEach((n, i) => (z.vm_numa_event[i] = stat(n) ?? 0));
    if (b.includes("per-node stats")) {
      node_stat_text.forEach((n, i) => {
        let v = stat(n) ?? 0;
        // stored in base pages, printed in THPs
        if (/hugepages|pmdmapped/.test(n)) v *= 512;
        pgdat.vm_stat[i] = v;
      });
    }
    const pcps = [...b.matchAll(/cpu: (\d+)\n\s+count: (\d+)\n\s+high: {2}(\d+)\n\s+batch: (\d+)/g)];
    cpus = Math.max(cpus, pcps.length);
    zone_pagesets_alloc(z, pcps.length).forEach((p, i) => {
      const m = pcps[i];
      p.count = Number(m[2]);
      p.high = Number(m[3]);
      p.batch = Number(m[4]);
    });
    if (z.present_pages) maxEnd = Math.max(maxEnd, z.zone_end_pfn());
  }
  k.node_data = [...nodes.values()].sort((a, b) => a.node_id - b.node_id);
  k.zones = k.node_data.flatMap((p) => p.node_zones);
  k.nr_cpu_ids = cpus;
  k.max_pfn = maxEnd;
  k.mem_map = new MemMap(maxEnd);
  for (const pgdat of k.node_data) {
    pgdat.nr_zones = 0;
    for (const z of pgdat.node_zones) {
      if (!z.present_pages) continue;
      pgdat.nr_zones = z.zone_idx + 1;
      for (let blk = z.zone_start_pfn >>> pageblock_order; blk <= (z.zone_end_pfn() - 1) >>> pageblock_order; blk++)
        k.mem_map.pageblock_zone[blk] = pgdat.node_id * MAX_NR_ZONES + z.zone_idx;
    }
  }

  // buddyinfo: nr_free per order
  for (const l of readReal(workload, "buddyinfo").split("\n").filter(Boolean)) {
    const m = /^Node (\d+), zone\s+(\S+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`bad buddyinfo line ${l}`);
    const z = nodes.get(Number(m[1]))!.node_zones[zone_names.indexOf(m[2] as (typeof zone_names)[number])];
    m[3].trim().split(/\s+/).forEach((v, order) => (z.free_area[order].nr_free = Number(v)));
  }

  // pagetypeinfo: free list lengths (threaded through pfns not otherwise used by this state) and
  // pageblock migratetypes, laid out in zone order so the per-type counts match
  let fakePfn = 0;
  const pti = readReal(workload, "pagetypeinfo");
  for (const m of pti.matchAll(/^Node\s+(\d+), zone\s+(\S+), type\s+(\S+)\s+(.*)$/gm)) {
    const z = nodes.get(Number(m[1]))!.node_zones[zone_names.indexOf(m[2] as (typeof zone_names)[number])];
    const mt = migratetype_names.indexOf(m[3] as (typeof migratetype_names)[number]);
    m[4].trim().split(/\s+/).forEach((v, order) => {
      for (let i = 0; i < Number(v); i++) k.mem_map.lru.list_add_tail(z.free_area[order].free_list, mt, fakePfn++);
    });
  }
  if (fakePfn > maxEnd) throw new Error("not enough pfns for the free lists");
  for (const m of pti.matchAll(/^Node (\d+), zone\s+(\S+)((?:\s+\d+){5})\s*$/gm)) {
    const z = nodes.get(Number(m[1]))!.node_zones[zone_names.indexOf(m[2] as (typeof zone_names)[number])];
    const counts = m[3].trim().split(/\s+/).map(Number);
    let blk = z.zone_start_pfn >>> pageblock_order;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) for (let i = 0; i < counts[mt]; i++) k.mem_map.pageblock_mt[blk++] = mt;
  }

  // vmstat: the event counters (pgpgin/pgpgout are kept in sectors)
  const vm = new Map(readReal(workload, "vmstat").split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
  vm_event_text.forEach((n, i) => (k.vm_events[i] = Number(vm.get(n) ?? 0) * (i === PGPGIN || i === PGPGOUT ? 2 : 1)));

  // sysctls that feed the renderers
  const sysvm = readReal(workload, "sys_vm.all");
  const sv = (name: string): number => Number((new RegExp(`^${name} = (\\d+)`, "m").exec(sysvm) ?? ["", "0"])[1]);
  k.vm.min_free_kbytes = sv("min_free_kbytes");
  k.vm.overcommit_ratio = sv("overcommit_ratio");
  calculate_totalreserve_pages(k);
  // The files of /proc and /sys, as a booted machine has them.
  proc_root_init(k);
  return k;
}
