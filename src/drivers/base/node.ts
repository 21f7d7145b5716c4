/**
 * The node devices of sysfs: /sys/devices/system/node/node<N>/{cpulist,distance,meminfo,
 * numastat,vmstat}, each a renderer of the node's live state, registered per node at boot.
 * @kernel drivers/base/node.c node_read_meminfo, node_read_numastat, node_read_vmstat,
 *   node_read_distance, cpulist_read, register_one_node, node_dev_init
 * @kernel mm/page_alloc.c si_meminfo_node
 * @kernel mm/vmstat.c sum_zone_node_page_state, sum_zone_numa_event_state
 *
 * Each node also gets compaction's write-only `compact` attribute (compaction_register_node):
 * any write compacts the node's zones, as writing /proc/sys/vm/compact_memory does for all.
 * @kernel mm/compaction.c compaction_register_node, compact_store
 *
 * Simplified: only these attributes (no has_cpu/online masks, no memory blocks, no hugepages
 * directories).
 */
import { node_distance } from "../../arch/x86/numa.js";
import { Errno } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import { bitmap_list_string } from "../../lib/vsprintf.js";
import type { pglist_data } from "../../mm/mmzone.js";
import { K } from "../../mm/types.js";
import { HPAGE_PMD_NR, node_page_state_pages, vmstat_item_print_in_thp } from "../../mm/vmstat_show.js";
import {
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_ANON_MAPPED,
  NR_ANON_THPS,
  NR_BOUNCE,
  NR_FILE_DIRTY,
  NR_FILE_MAPPED,
  NR_FILE_PAGES,
  NR_FILE_PMDMAPPED,
  NR_FILE_THPS,
  NR_FREE_PAGES,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_KERNEL_MISC_RECLAIMABLE,
  NR_KERNEL_STACK_KB,
  NR_MLOCK,
  NR_PAGETABLE,
  NR_SECONDARY_PAGETABLE,
  NR_SHMEM,
  NR_SHMEM_PMDMAPPED,
  NR_SHMEM_THPS,
  NR_SLAB_RECLAIMABLE_B,
  NR_SLAB_UNRECLAIMABLE_B,
  NR_SWAPCACHE,
  NR_UNEVICTABLE,
  NR_VM_NODE_STAT_ITEMS,
  NR_VM_NUMA_EVENT_ITEMS,
  NR_VM_ZONE_STAT_ITEMS,
  NR_WRITEBACK,
  NR_WRITEBACK_TEMP,
  NUMA_FOREIGN,
  NUMA_HIT,
  NUMA_INTERLEAVE_HIT,
  NUMA_LOCAL,
  NUMA_MISS,
  NUMA_OTHER,
  node_stat_text,
  numa_stat_text,
  zone_stat_text,
} from "../../mm/vmstat_items.js";
import { registerProcFile } from "../../fs/proc/root.js";
import { compact_store } from "../../mm/compaction.js";


function nodeOf(k: Kernel, nid: number): pglist_data {
  const pgdat = k.node_data.find((p) => p.node_id === nid);
  if (!pgdat) throw new Errno("ENOENT", "open", `/sys/devices/system/node/node${nid}`);
  return pgdat;
}

/** A zone counter summed over one node's zones. @kernel mm/vmstat.c sum_zone_node_page_state */
function sum_zone_node_page_state(pgdat: pglist_data, item: number): number {
  let s = 0;
  for (const z of pgdat.node_zones) s += z.vm_stat[item];
  return s;
}
/** A zone NUMA event summed over one node's zones. @kernel mm/vmstat.c sum_zone_numa_event_state */
function sum_zone_numa_event_state(pgdat: pglist_data, item: number): number {
  let s = 0;
  for (const z of pgdat.node_zones) s += z.vm_numa_event[item];
  return s;
}

/** `0-3,6`-style list of the CPUs on a node. @kernel drivers/base/node.c cpulist_read */
function node_read_cpulist(k: Kernel, nid: number): string {
  const cpus: number[] = [];
  for (let c = 0; c < k.nr_cpu_ids; c++) if ((k.cpu_to_node[c] ?? 0) === nid) cpus.push(c);
  return bitmap_list_string(cpus) + "\n";
}

/** @kernel drivers/base/node.c node_read_meminfo */
export function node_read_meminfo(k: Kernel, nid: number): string {
  const pgdat = nodeOf(k, nid);
  const ns = (i: number): number => node_page_state_pages(pgdat, i);
  let totalram = 0;
  for (const z of pgdat.node_zones) totalram += z.managed_pages;
  const freeram = sum_zone_node_page_state(pgdat, NR_FREE_PAGES);
  const sreclaimable = ns(NR_SLAB_RECLAIMABLE_B);
  const sunreclaimable = ns(NR_SLAB_UNRECLAIMABLE_B);
  const rows: [string, number][] = [
    ["MemTotal:       ", K(totalram)],
    ["MemFree:        ", K(freeram)],
    ["MemUsed:        ", K(totalram - freeram)],
    ["SwapCached:     ", K(ns(NR_SWAPCACHE))],
    ["Active:         ", K(ns(NR_ACTIVE_ANON) + ns(NR_ACTIVE_FILE))],
    ["Inactive:       ", K(ns(NR_INACTIVE_ANON) + ns(NR_INACTIVE_FILE))],
    ["Active(anon):   ", K(ns(NR_ACTIVE_ANON))],
    ["Inactive(anon): ", K(ns(NR_INACTIVE_ANON))],
    ["Active(file):   ", K(ns(NR_ACTIVE_FILE))],
    ["Inactive(file): ", K(ns(NR_INACTIVE_FILE))],
    ["Unevictable:    ", K(ns(NR_UNEVICTABLE))],
    ["Mlocked:        ", K(sum_zone_node_page_state(pgdat, NR_MLOCK))],
    ["Dirty:          ", K(ns(NR_FILE_DIRTY))],
    ["Writeback:      ", K(ns(NR_WRITEBACK))],
    ["FilePages:      ", K(ns(NR_FILE_PAGES))],
    ["Mapped:         ", K(ns(NR_FILE_MAPPED))],
    ["AnonPages:      ", K(ns(NR_ANON_MAPPED))],
    ["Shmem:          ", K(ns(NR_SHMEM))],
    ["KernelStack:    ", ns(NR_KERNEL_STACK_KB)],
    ["PageTables:     ", K(ns(NR_PAGETABLE))],
    ["SecPageTables:  ", K(ns(NR_SECONDARY_PAGETABLE))],
    ["NFS_Unstable:   ", 0],
    ["Bounce:         ", K(sum_zone_node_page_state(pgdat, NR_BOUNCE))],
    ["WritebackTmp:   ", K(ns(NR_WRITEBACK_TEMP))],
    ["KReclaimable:   ", K(sreclaimable + ns(NR_KERNEL_MISC_RECLAIMABLE))],
    ["Slab:           ", K(sreclaimable + sunreclaimable)],
    ["SReclaimable:   ", K(sreclaimable)],
    ["SUnreclaim:     ", K(sunreclaimable)],
    ["AnonHugePages:  ", K(ns(NR_ANON_THPS))],
    ["ShmemHugePages: ", K(ns(NR_SHMEM_THPS))],
    ["ShmemPmdMapped: ", K(ns(NR_SHMEM_PMDMAPPED))],
    // the kernel's format has one blank fewer on these two
    ["FileHugePages: ", K(ns(NR_FILE_THPS))],
    ["FilePmdMapped: ", K(ns(NR_FILE_PMDMAPPED))],
  ];
  let out = "";
  for (const [label, v] of rows) out += `Node ${nid} ${label}${String(v).padStart(8)} kB\n`;
  // hugetlb_report_node_meminfo. Simplified: the pool is not split per node yet; node 0 holds it
  const h = k.default_hstate;
  const mine = nid === k.node_data[0]?.node_id;
  const p5 = (n: number): string => String(mine ? n : 0).padStart(5);
  out += `Node ${nid} HugePages_Total: ${p5(h.nr_huge_pages)}\n`;
  out += `Node ${nid} HugePages_Free:  ${p5(h.free_huge_pages)}\n`;
  out += `Node ${nid} HugePages_Surp:  ${p5(h.surplus_huge_pages)}\n`;
  return out;
}

/** @kernel drivers/base/node.c node_read_numastat */
function node_read_numastat(k: Kernel, nid: number): string {
  const pgdat = nodeOf(k, nid);
  const e = (i: number): number => sum_zone_numa_event_state(pgdat, i);
  return (
    `numa_hit ${e(NUMA_HIT)}\nnuma_miss ${e(NUMA_MISS)}\nnuma_foreign ${e(NUMA_FOREIGN)}\n` +
    `interleave_hit ${e(NUMA_INTERLEAVE_HIT)}\nlocal_node ${e(NUMA_LOCAL)}\nother_node ${e(NUMA_OTHER)}\n`
  );
}

/** @kernel drivers/base/node.c node_read_vmstat */
function node_read_vmstat(k: Kernel, nid: number): string {
  const pgdat = nodeOf(k, nid);
  let out = "";
  for (let i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++) out += `${zone_stat_text[i]} ${Math.max(0, sum_zone_node_page_state(pgdat, i))}\n`;
  for (let i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++) out += `${numa_stat_text[i]} ${sum_zone_numa_event_state(pgdat, i)}\n`;
  for (let i = 0; i < NR_VM_NODE_STAT_ITEMS; i++) {
    let pages = node_page_state_pages(pgdat, i);
    if (vmstat_item_print_in_thp(i)) pages = Math.floor(pages / HPAGE_PMD_NR);
    out += `${node_stat_text[i]} ${pages}\n`;
  }
  return out;
}

/** @kernel drivers/base/node.c node_read_distance */
function node_read_distance(k: Kernel, nid: number): string {
  return k.node_data.map((p) => node_distance(k, nid, p.node_id)).join(" ") + "\n";
}

/** A node device's attribute files, by name (node_dev_groups). */
const node_files = Object.freeze({
  cpulist: node_read_cpulist,
  distance: node_read_distance,
  meminfo: node_read_meminfo,
  numastat: node_read_numastat,
  vmstat: node_read_vmstat,
});

/**
 * Creates /sys/devices/system/node/node<nid>/ with its attribute files (0444, sysfs), rendered
 * from the node's live state when read.
 * @kernel drivers/base/node.c register_one_node, __register_one_node
 */
export function register_one_node(k: Kernel, nid: number): void {
  for (const [name, show] of Object.entries(node_files)) {
    registerProcFile(k, `/sys/devices/system/node/node${nid}/${name}`, { fs: "sysfs", mode: 0o444, read: (kk) => show(kk, nid) });
  }
  // compaction_register_node: DEVICE_ATTR_WO(compact).
  registerProcFile(k, `/sys/devices/system/node/node${nid}/compact`, { fs: "sysfs", mode: 0o200, write: (kk) => compact_store(kk, nid) });
}

/**
 * The node devices of every node with memory, as driver_init's node_dev_init registers them.
 * @kernel drivers/base/node.c node_dev_init
 */
export function node_dev_init(k: Kernel): void {
  for (const pgdat of k.node_data) register_one_node(k, pgdat.node_id);
}
