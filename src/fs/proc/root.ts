/**
 * The file tree a user reads the kernel through: /proc, /proc/sys/vm and the /sys files of mm,
 * as one table of paths to renderers and handlers. Nothing is stored here: a read renders live
 * state, a write calls the kernel's handler. The public API's machine.read/write come here.
 *
 * Each file answers refused accesses as its filesystem does for root:
 * - procfs seq files (meminfo, vmstat…) open for writing (root passes the DAC check) and the
 *   write then fails with EIO, because they have no write op;
 * - sysctl files check the owner bits even for root: reading the 0200 drop_caches is EACCES;
 * - sysfs (kernfs) refuses at open: writing a 0444 attribute is EACCES.
 * A missing path is ENOENT, a directory read or written is EISDIR.
 *
 * Later modules add files with registerProcFile (a fixed path) or registerProcPattern (a route
 * with parameters such as `/proc/<pid>/status`, listed through registerProcParam). Registrations
 * are process-wide; the functions receive the machine, so every machine shares them.
 * @kernel fs/proc/generic.c proc_create_single, proc_create_seq
 * @kernel fs/proc/inode.c proc_reg_write, pde_write
 * @kernel fs/proc/proc_sysctl.c proc_sys_call_handler, test_perm
 * @kernel fs/kernfs/file.c kernfs_fop_open
 * @kernel drivers/base/node.c node_read_meminfo, node_read_numastat, node_read_vmstat,
 *   node_read_distance, node_read_cpulist
 * @kernel mm/page_alloc.c si_meminfo_node
 */
import { node_distance } from "../../arch/x86/numa.js";
import { sysfs_streq } from "../../lib/string.js";
import { bitmap_list_string } from "../../lib/vsprintf.js";
import { Errno, errnoName, errnoValues, type ErrnoName } from "../../kernel/errno.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { task_struct } from "../../kernel/sched.js";
import { registerVmSysctlEffect, vm_table } from "../../kernel/sysctl.js";
import {
  TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG,
  TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG,
  TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG,
  TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG,
  TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG,
  thp_defrag_show,
  thp_enabled_show,
  thp_enabled_store,
} from "../../mm/huge_memory.js";
import { zone_pcp_update } from "../../mm/page_alloc.js";
import { start_stop_khugepaged } from "../../mm/watermark.js";
import type { pglist_data } from "../../mm/mmzone.js";
import { K } from "../../mm/types.js";
import {
  frag_show,
  HPAGE_PMD_NR,
  node_page_state_pages,
  pagetypeinfo_show,
  vmstat_item_print_in_thp,
  vmstat_show,
  zoneinfo_show,
} from "../../mm/vmstat_show.js";
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
import { meminfo_proc_show } from "./meminfo.js";
import { PSI_CPU, PSI_IO, PSI_MEM, psi_show, psi_write } from "../../kernel/psi.js";

/** Which filesystem a file belongs to: it decides the errno of a refused access. */
export type ProcFs = "proc" | "sysctl" | "sysfs";

/** Route parameters, such as `{ pid: "42" }` for `/proc/<pid>/status`. */
export type ProcParams = Readonly<Record<string, string>>;

/** One file of the tree. */
export interface ProcFile {
  fs: ProcFs;
  /** Permission bits, as `ls -l` would show them (0o444, 0o644, 0o200…). */
  mode: number;
  read?(k: Kernel, params: ProcParams): string;
  /** Handles one write: 0, or a negative errno the caller gets as an Errno. */
  write?(k: Kernel, data: string, params: ProcParams): number;
}

const files = new Map<string, ProcFile>();
interface Pattern {
  segs: string[];
  file: ProcFile;
}
const patterns: Pattern[] = [];
const paramListers = new Map<string, (k: Kernel) => string[]>();

/** Adds (or replaces) a file at a fixed path. */
export function registerProcFile(path: string, file: ProcFile): void {
  files.set(normalize(path), file);
}

/**
 * Adds a file whose path has parameters in angle brackets, as `/proc/<pid>/status`. A read of
 * /proc/42/status calls `read(k, { pid: "42" })`; the file exists only for values the
 * parameter's lister (registerProcParam) returns, as /proc/<pid> exists only for live pids.
 */
export function registerProcPattern(pattern: string, file: ProcFile): void {
  const segs = normalize(pattern).split("/").slice(1);
  const same = patterns.findIndex((p) => p.segs.join("/") === segs.join("/"));
  if (same >= 0) patterns[same] = { segs, file };
  else patterns.push({ segs, file });
}

/**
 * A file of every /proc/<pid>/ directory, rendered from that pid's task: one entry of base.c's
 * tgid_base_stuff table (`ONE("status", S_IRUGO, proc_pid_status)`). The route exists only for
 * live pids, so `show` always gets a task.
 * @kernel fs/proc/base.c tgid_base_stuff, pid_entry, ONE, REG
 */
export function registerPidEntry(
  name: string,
  mode: number,
  show: (k: Kernel, t: task_struct) => string,
  write?: (k: Kernel, t: task_struct, data: string) => number,
): void {
  const task = (k: Kernel, p: ProcParams): task_struct | undefined => k.tasks.find(Number(p.pid));
  registerProcPattern(`/proc/<pid>/${name}`, {
    fs: "proc",
    mode,
    read: (k, p) => {
      const t = task(k, p);
      return t ? show(k, t) : "";
    },
    ...(write && {
      write: (k: Kernel, data: string, p: ProcParams): number => {
        const t = task(k, p);
        return t ? write(k, t, data) : -errnoValues.ESRCH;
      },
    }),
  });
}

/** Says which values a route parameter takes on a machine, for lookups and listings. */
export function registerProcParam(name: string, list: (k: Kernel) => string[]): void {
  paramListers.set(name, list);
}

function normalize(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return "/" + parts.join("/");
}

function isParam(seg: string): string | undefined {
  return seg.startsWith("<") && seg.endsWith(">") ? seg.slice(1, -1) : undefined;
}

function paramValues(k: Kernel, name: string): string[] {
  return paramListers.get(name)?.(k) ?? [];
}

/** Matches a concrete path against the patterns: the file and its parameters, or undefined. */
function matchPattern(k: Kernel, path: string): { file: ProcFile; params: ProcParams } | undefined {
  const segs = path.split("/").slice(1);
  for (const p of patterns) {
    if (p.segs.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      const name = isParam(p.segs[i]);
      if (name === undefined) ok = p.segs[i] === segs[i];
      else if (paramValues(k, name).includes(segs[i])) params[name] = segs[i];
      else ok = false;
    }
    if (ok) return { file: p.file, params };
  }
  return undefined;
}

/** The names directly under `dir` on this machine, or undefined when dir is no directory. */
function children(k: Kernel, dir: string): Set<string> | undefined {
  const prefix = dir === "/" ? "/" : dir + "/";
  const out = new Set<string>();
  let isDir = dir === "/";
  for (const path of allFixedPaths(k)) {
    if (!path.startsWith(prefix)) continue;
    isDir = true;
    out.add(path.slice(prefix.length).split("/")[0]);
  }
  const dsegs = dir === "/" ? [] : dir.split("/").slice(1);
  for (const p of patterns) {
    if (p.segs.length <= dsegs.length) continue;
    let ok = true;
    for (let i = 0; i < dsegs.length && ok; i++) {
      const name = isParam(p.segs[i]);
      ok = name === undefined ? p.segs[i] === dsegs[i] : paramValues(k, name).includes(dsegs[i]);
    }
    if (!ok) continue;
    const next = p.segs[dsegs.length];
    const name = isParam(next);
    const vals = name === undefined ? [next] : paramValues(k, name);
    if (vals.length) isDir = true;
    for (const v of vals) out.add(v);
  }
  return isDir ? out : undefined;
}

/** Fixed files plus the per-node sysfs directories, which exist only for this machine's nodes. */
function allFixedPaths(k: Kernel): string[] {
  const out = [...files.keys()];
  for (const pgdat of k.node_data) for (const f of nodeFiles) out.push(`/sys/devices/system/node/node${pgdat.node_id}/${f}`);
  return out;
}

function lookup(k: Kernel, path: string): { file: ProcFile; params: ProcParams } | undefined {
  const f = files.get(path);
  if (f) return { file: f, params: {} };
  const node = /^\/sys\/devices\/system\/node\/node(\d+)\/([a-z]+)$/.exec(path);
  if (node && k.node_data.some((p) => p.node_id === Number(node[1])) && nodeFiles.includes(node[2])) {
    return { file: nodeFile(node[2]), params: { nid: node[1] } };
  }
  return matchPattern(k, path);
}

/**
 * What `cat PATH` prints. Throws Errno: ENOENT for a missing path, EISDIR for a directory,
 * EACCES for a file root may not read (a 0200 sysctl).
 */
export function procRead(k: Kernel, path: string): string {
  const p = normalize(path);
  const hit = lookup(k, p);
  if (!hit) {
    if (children(k, p)) throw new Errno("EISDIR", "read", p);
    throw new Errno("ENOENT", "open", p);
  }
  const { file, params } = hit;
  // root still needs the owner's read bit on sysctl and sysfs files
  if (file.fs !== "proc" && !(file.mode & 0o400)) throw new Errno("EACCES", "open", p);
  if (!file.read) throw new Errno("EACCES", "open", p);
  return file.read(k, params);
}

/**
 * `echo DATA > PATH` (one write() of the whole text). Throws Errno: ENOENT, EISDIR, EACCES for
 * a read-only sysctl or sysfs file, EIO for a procfs file without a write op, or the handler's
 * errno (EINVAL for a bad or out-of-range value).
 */
export function procWrite(k: Kernel, path: string, data: string): void {
  const p = normalize(path);
  const hit = lookup(k, p);
  if (!hit) {
    if (children(k, p)) throw new Errno("EISDIR", "open", p);
    throw new Errno("ENOENT", "open", p);
  }
  const { file, params } = hit;
  if (file.fs === "proc") {
    if (!file.write) throw new Errno("EIO", "write", p);
  } else if (!(file.mode & 0o200) || !file.write) {
    throw new Errno("EACCES", "open", p);
  }
  const rc = file.write!(k, data, params);
  if (rc < 0) {
    const code: ErrnoName = errnoName(rc) ?? "EINVAL";
    throw new Errno(code, "write", p);
  }
}

/** The entries of a directory, sorted as `ls` sorts them. Throws ENOENT or ENOTDIR. */
export function procList(k: Kernel, dir: string): string[] {
  const p = normalize(dir);
  const c = children(k, p);
  if (!c) {
    if (lookup(k, p)) throw new Errno("ENOTDIR", "opendir", p);
    throw new Errno("ENOENT", "opendir", p);
  }
  return [...c].sort((a, b) => {
    // numeric names (pids, node numbers) in numeric order, like ls -v
    const na = Number(a);
    const nb = Number(b);
    if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

// ---- /sys/devices/system/node/nodeN ----

const nodeFiles = ["cpulist", "distance", "meminfo", "numastat", "vmstat"];

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
function sum_zone_numa_event_state(pgdat: pglist_data, item: number): number {
  let s = 0;
  for (const z of pgdat.node_zones) s += z.vm_numa_event[item];
  return s;
}

/** `0-3,6`-style list of the CPUs on a node. @kernel drivers/base/node.c node_read_cpumap */
function cpulist(k: Kernel, nid: number): string {
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

function nodeFile(name: string): ProcFile {
  const render: Record<string, (k: Kernel, nid: number) => string> = {
    cpulist,
    distance: node_read_distance,
    meminfo: node_read_meminfo,
    numastat: node_read_numastat,
    vmstat: node_read_vmstat,
  };
  const fn = render[name];
  return { fs: "sysfs", mode: 0o444, read: (k, params) => fn(k, Number(params.nid)) };
}

// ---- the files of this issue ----

registerProcFile("/proc/meminfo", { fs: "proc", mode: 0o444, read: (k) => meminfo_proc_show(k) });
registerProcFile("/proc/buddyinfo", { fs: "proc", mode: 0o444, read: (k) => frag_show(k) });
registerProcFile("/proc/pagetypeinfo", { fs: "proc", mode: 0o400, read: (k) => pagetypeinfo_show(k) });
registerProcFile("/proc/zoneinfo", { fs: "proc", mode: 0o444, read: (k) => zoneinfo_show(k) });
registerProcFile("/proc/vmstat", { fs: "proc", mode: 0o444, read: (k) => vmstat_show(k) });
// psi_proc_init: 0666, the write arms a trigger (the model's writer is root, CAP_SYS_RESOURCE).
for (const [name, res] of [["io", PSI_IO], ["memory", PSI_MEM], ["cpu", PSI_CPU]] as const) {
  registerProcFile(`/proc/pressure/${name}`, { fs: "proc", mode: 0o666, read: (k) => psi_show(k, res), write: (_k, d) => psi_write(d, true) });
}
for (const t of vm_table) {
  registerProcFile(`/proc/sys/vm/${t.procname}`, { fs: "sysctl", mode: t.mode, read: (k) => t.read(k), write: (k, d) => t.write(k, d) });
}

// ---- /sys/kernel/mm/transparent_hugepage ----

const DEFRAG_BITS =
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG) |
  (1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG);
const DEFRAG_MODES: Record<string, number> = {
  always: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG,
  defer: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG,
  "defer+madvise": 1 << TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG,
  madvise: 1 << TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG,
  never: 0,
};

/** Sets one of the five defrag modes, clearing the others. @kernel mm/huge_memory.c defrag_store */
export function thp_defrag_store(k: Kernel, buf: string): number {
  for (const [mode, bit] of Object.entries(DEFRAG_MODES)) {
    if (!sysfs_streq(buf, mode)) continue;
    k.thp.transparent_hugepage_flags = (k.thp.transparent_hugepage_flags & ~DEFRAG_BITS) | bit;
    return 0;
  }
  return -22;
}

const THP_DIR = "/sys/kernel/mm/transparent_hugepage";
registerProcFile(`${THP_DIR}/enabled`, {
  fs: "sysfs",
  mode: 0o644,
  read: (k) => thp_enabled_show(k),
  write: (k, d) => {
    // the mode changes, then khugepaged is started or stopped to match
    if (!thp_enabled_store(k, d)) return -22;
    start_stop_khugepaged(k);
    return 0;
  },
});
registerProcFile(`${THP_DIR}/defrag`, { fs: "sysfs", mode: 0o644, read: (k) => thp_defrag_show(k), write: thp_defrag_store });
registerProcFile(`${THP_DIR}/hpage_pmd_size`, { fs: "sysfs", mode: 0o444, read: () => `${HPAGE_PMD_NR * 4096}\n` });
registerProcFile(`${THP_DIR}/use_zero_page`, {
  fs: "sysfs",
  mode: 0o644,
  read: (k) => `${(k.thp.transparent_hugepage_flags >> TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG) & 1}\n`,
  write: (k, d) => {
    // kstrtoul(buf, 10): an optional '+', digits, one optional newline; then 0 or 1 only
    // (single_hugepage_flag_store)
    const v = /^\+?(\d+)\n?$/.exec(d);
    if (!v || Number(v[1]) > 1) return -22;
    const bit = 1 << TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG;
    k.thp.transparent_hugepage_flags = Number(v[1]) ? k.thp.transparent_hugepage_flags | bit : k.thp.transparent_hugepage_flags & ~bit;
    return 0;
  },
});

// A percpu_pagelist_high_fraction change runs zone_set_pageset_high_and_batch(zone, 0) for every
// populated zone, so pcp high follows the fraction (or the low watermark again at 0). Wired
// here, next to the file that triggers it: page_alloc.ts cannot import sysctl.ts's registry
// without an import cycle through watermark.ts.
registerVmSysctlEffect("zone_pcp_update", (k) => {
  for (const z of k.zones) if (z.populated_zone()) zone_pcp_update(k, z, 0);
});

registerProcParam("pid", (k) => [...k.tasks.byPid.keys()].map(String));
