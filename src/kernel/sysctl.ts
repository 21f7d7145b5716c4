/**
 * /proc/sys/vm: the vm_table and its proc handlers, with the kernel's parsing (proc_get_long:
 * leading whitespace skipped, decimal/0x-hex/0-octal, a trailing blank/tab/newline allowed,
 * anything else EINVAL), its range checks (extra1/extra2 of 6.1), its vector semantics (values
 * stored as parsed, so a bad second value leaves the first written) and the side effects the
 * handlers trigger (watermarks, lowmem_reserve, pcp high/batch, dirty limits, NUMA counters).
 * Values live in k.vm (kernel/sysctl_vm.ts); this module only reads and writes them.
 *
 * Simplified: one write() is one call: the kernel's partial-write positions (*ppos, the
 * sysctl_writes_strict modes) are not modelled, and a write that consumes only part of its buffer
 * succeeds as if the rest had been accepted. Numbers above 2^53 lose precision. Handlers whose
 * mechanisms come in later issues (hugetlb pools, drop_caches' page cache, compact_memory, the
 * writeback flusher, node reclaim's min_unmapped/min_slab pages) parse, validate and store as the
 * kernel does and then call a mechanism hook another module may register for the machine with
 * registerVmSysctlEffect at boot (the page allocator's are registered by page_alloc_sysctl_init);
 * with none registered the write changes only the stored value.
 * @kernel kernel/sysctl.c vm_table, proc_get_long, __do_proc_dointvec, do_proc_dointvec_minmax_conv,
 *   __do_proc_doulongvec_minmax, do_proc_dointvec_jiffies_conv, proc_dobool, proc_dostring
 * @kernel mm/page_alloc.c min_free_kbytes_sysctl_handler, watermark_scale_factor_sysctl_handler,
 *   lowmem_reserve_ratio_sysctl_handler, percpu_pagelist_high_fraction_sysctl_handler,
 *   numa_zonelist_order_handler
 * @kernel mm/util.c overcommit_policy_handler, overcommit_ratio_handler, overcommit_kbytes_handler
 * @kernel mm/page-writeback.c vm_page_writeback_sysctls, dirty_ratio_handler, dirty_bytes_handler
 * @kernel mm/vmstat.c sysctl_vm_numa_stat_handler, vmstat_refresh
 * @kernel fs/drop_caches.c drop_caches_sysctl_handler
 * @kernel mm/compaction.c sysctl_compaction_handler, compaction_proactiveness_sysctl_handler
 * @kernel mm/hugetlb.c hugetlb_sysctl_handler, hugetlb_overcommit_handler
 * @kernel security/min_addr.c mmap_min_addr_handler
 */
import { PAGE_SIZE } from "../mm/types.js";
import { DROP_PAGECACHE, DROP_SLAB, NR_VM_NUMA_EVENT_ITEMS } from "../mm/vmstat_items.js";
import type { Kernel } from "./kernel.js";
import { KERN_INFO, KERN_WARNING } from "./printk.js";
import type { vm_sysctl } from "./sysctl_vm.js";

const INT_MAX = 0x7fffffff;
const UINT_MAX = 0xffffffff;
/** CONFIG_HZ=250: jiffies per second, for the *_jiffies handlers. */
export const HZ = 250;
const EINVAL = -22;
const ERANGE = -34;
/** A sysctl write is cut to one page less the terminating NUL. */
const MAX_WRITE = PAGE_SIZE - 1;
/** pcp high below total/8 per CPU would starve the zone. @kernel mm/page_alloc.c */
export const MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;
/** CONFIG_LSM_MMAP_MIN_ADDR: the floor the security layer keeps under mmap_min_addr. */
export const LSM_MMAP_MIN_ADDR = 65536;

type IntKey = { [K in keyof vm_sysctl]: vm_sysctl[K] extends number ? K : never }[keyof vm_sysctl];

/** One /proc/sys/vm file: its mode, and its proc_handler split into read and write. */
export interface ctl_table {
  procname: string;
  /** File mode: 0644, or 0600/0200 for root-only files; a root reader still needs the owner bit. */
  mode: number;
  /** The text a read returns. */
  read(k: Kernel): string;
  /** Handles one write: 0 or a negative errno. */
  write(k: Kernel, buf: string): number;
}

/** isspace() of the kernel's ctype. */
function isspace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

/** A write buffer being consumed, as proc_get_long's `char **buf, size_t *size` pair. */
class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  get left(): number {
    return this.s.length - this.pos;
  }
  /** @kernel kernel/sysctl.c proc_skip_spaces */
  skipSpaces(): void {
    while (this.pos < this.s.length && isspace(this.s[this.pos])) this.pos++;
  }
}

/** Digit value of c in base `base`, or -1. */
function digitVal(c: string | undefined, base: number): number {
  if (c === undefined) return -1;
  const code = c.toLowerCase().charCodeAt(0);
  let v = -1;
  if (code >= 48 && code <= 57) v = code - 48;
  else if (code >= 97 && code <= 102) v = code - 87;
  return v >= 0 && v < base ? v : -1;
}

/**
 * Reads one integer: an optional '-', then base-0 digits (0x… hex, 0… octal, else decimal) of
 * at most 20 characters, then the end or one of the permitted trailers (blank, tab, newline).
 * "12abc", "-", "0x" and 21-digit numbers are EINVAL; so is anything past 2^64 - 1.
 * @kernel kernel/sysctl.c proc_get_long, strtoul_lenient
 */
export function proc_get_long(cur: Cursor): { err: number; val: number; neg: boolean } {
  const size = cur.left;
  const fail = { err: EINVAL, val: 0, neg: false };
  if (size <= 0) return fail;
  const tmp = cur.s.slice(cur.pos, cur.pos + Math.min(size, 21));
  let p = 0;
  let neg = false;
  if (tmp[0] === "-" && size > 1) {
    neg = true;
    p++;
  }
  if (digitVal(tmp[p], 10) < 0) return fail;
  // _parse_integer_fixup_radix
  let base = 10;
  if (tmp[p] === "0") {
    if (tmp[p + 1]?.toLowerCase() === "x" && digitVal(tmp[p + 2], 16) >= 0) {
      base = 16;
      p += 2;
    } else base = 8;
  }
  // exact 64-bit overflow detection in two 32-bit halves (a double alone rounds 2^64 - 1 up)
  let hi = 0;
  let lo = 0;
  for (let d = digitVal(tmp[p], base); d >= 0; d = digitVal(tmp[++p], base)) {
    lo = lo * base + d;
    const carry = Math.floor(lo / 2 ** 32);
    lo -= carry * 2 ** 32;
    hi = hi * base + carry;
    if (hi >= 2 ** 32) return fail;
  }
  const val = hi * 2 ** 32 + lo;
  const len = p;
  // it cannot tell 21 digits from a number run into its neighbour
  if (len === 21) return fail;
  if (len < size) {
    const tr = cur.s[cur.pos + len];
    if (tr !== " " && tr !== "\t" && tr !== "\n") return fail;
  }
  cur.pos += len;
  return { err: 0, val, neg };
}

/** Converts one parsed value and stores it, or refuses it: 0 or non-zero. */
type IntConv = (neg: boolean, lval: number, store: (v: number) => void) => number;

/** @kernel kernel/sysctl.c do_proc_dointvec_conv */
function do_proc_dointvec_conv(neg: boolean, lval: number, store: (v: number) => void): number {
  if (neg) {
    if (lval > INT_MAX + 1) return EINVAL;
    store(-lval);
  } else {
    if (lval > INT_MAX) return EINVAL;
    store(lval);
  }
  return 0;
}

/** The int conversion with 6.1's extra1/extra2 bounds, checked before anything is stored. @kernel kernel/sysctl.c do_proc_dointvec_minmax_conv */
function minmaxConv(min?: number, max?: number): IntConv {
  return (neg, lval, store) => {
    let tmp = 0;
    const r = do_proc_dointvec_conv(neg, lval, (v) => (tmp = v));
    if (r) return r;
    if ((min !== undefined && min > tmp) || (max !== undefined && max < tmp)) return EINVAL;
    store(tmp);
    return 0;
  };
}

/** Seconds in, jiffies kept (here: seconds kept, since only whole seconds round-trip). @kernel kernel/sysctl.c do_proc_dointvec_jiffies_conv */
const jiffiesConv: IntConv = (neg, lval, store) => {
  if (lval > Math.floor(INT_MAX / HZ)) return 1;
  store(neg ? -lval : lval);
  return 0;
};

/** Any non-zero value is true; the sign is ignored. @kernel kernel/sysctl.c do_proc_dobool_conv */
const boolConv: IntConv = (_neg, lval, store) => {
  store(lval ? 1 : 0);
  return 0;
};

/**
 * The write half of __do_proc_dointvec over `n` ints: values are stored one by one as they
 * parse, so "1 x" stores 1 and then fails. An empty or all-blank write is EINVAL.
 * @kernel kernel/sysctl.c __do_proc_dointvec
 */
function do_proc_dointvec_write(buf: string, n: number, conv: IntConv, store: (i: number, v: number) => void): number {
  const cur = new Cursor(buf.slice(0, MAX_WRITE));
  let first = true;
  let err = 0;
  for (let i = 0; cur.left && i < n; i++, first = false) {
    cur.skipSpaces();
    if (!cur.left) break;
    const r = proc_get_long(cur);
    if (r.err) {
      err = r.err;
      break;
    }
    if (conv(r.neg, r.val, (v) => store(i, v))) {
      err = EINVAL;
      break;
    }
  }
  if (first) return err || EINVAL;
  return err;
}

/** Read half of the int handlers: values joined by tabs, then a newline. */
function intvecRead(values: readonly number[]): string {
  return values.join("\t") + "\n";
}

/**
 * The write half of __do_proc_doulongvec_minmax: negative values are EINVAL, then min/max.
 * @kernel kernel/sysctl.c __do_proc_doulongvec_minmax
 */
function do_proc_doulongvec_write(buf: string, min: number | undefined, max: number | undefined, store: (v: number) => void): number {
  const cur = new Cursor(buf.slice(0, MAX_WRITE));
  let first = true;
  let err = 0;
  for (let i = 0; cur.left && i < 1; i++, first = false) {
    cur.skipSpaces();
    if (!cur.left) break;
    const r = proc_get_long(cur);
    if (r.err || r.neg) {
      err = EINVAL;
      break;
    }
    if ((min !== undefined && r.val < min) || (max !== undefined && r.val > max)) {
      err = EINVAL;
      break;
    }
    store(r.val);
  }
  if (first) return err || EINVAL;
  return err;
}

// ---- handler builders (one per kernel proc handler shape) ----

type After = (k: Kernel, old: number) => number | void;

/** proc_dointvec / proc_dointvec_minmax on one int field, then an optional side effect. */
function intEntry(procname: IntKey | string, field: IntKey, opts: { min?: number; max?: number; mode?: number; after?: After; conv?: IntConv } = {}): ctl_table {
  const conv = opts.conv ?? (opts.min !== undefined || opts.max !== undefined ? minmaxConv(opts.min, opts.max) : do_proc_dointvec_conv);
  return {
    procname,
    mode: opts.mode ?? 0o644,
    read: (k) => intvecRead([k.vm[field]]),
    write: (k, buf) => {
      const old = k.vm[field];
      const rc = do_proc_dointvec_write(buf, 1, conv, (_i, v) => (k.vm[field] = v));
      if (rc) return rc;
      return opts.after?.(k, old) ?? 0;
    },
  };
}

/** proc_doulongvec_minmax on one unsigned long field, then an optional side effect. */
function ulongEntry(field: IntKey, opts: { min?: number; max?: number; mode?: number; after?: After } = {}): ctl_table {
  return {
    procname: field,
    mode: opts.mode ?? 0o644,
    read: (k) => intvecRead([k.vm[field]]),
    write: (k, buf) => {
      const old = k.vm[field];
      const rc = do_proc_doulongvec_write(buf, opts.min, opts.max, (v) => (k.vm[field] = v));
      if (rc) return rc;
      return opts.after?.(k, old) ?? 0;
    },
  };
}

// ---- mechanism hooks for handlers whose mechanisms other modules own ----

/** Names of the mechanism effects sysctl writes trigger. */
export type VmSysctlEffect =
  | "setup_per_zone_wmarks"
  | "setup_per_zone_lowmem_reserve"
  | "zone_pcp_update"
  | "setup_min_unmapped_ratio"
  | "setup_min_slab_ratio"
  | "set_max_huge_pages"
  | "drop_pagecache"
  | "drop_slab"
  | "compact_nodes"
  | "wakeup_kcompactd_proactive"
  | "wakeup_flusher_threads"
  | "writeback_set_ratelimit";

/** A mechanism a sysctl write runs: it gets the machine and the written value where one matters. */
export type VmSysctlEffectFn = (k: Kernel, arg: number) => void;

/**
 * Lets the module that owns a mechanism run it when one of this machine's sysctls changes (the
 * watermark code for min_free_kbytes, hugetlb for nr_hugepages…). Called at boot, as the
 * kernel's initcalls register their handlers; the table is the machine's (k.sysctl_effects).
 */
export function registerVmSysctlEffect(k: Kernel, name: VmSysctlEffect, fn: VmSysctlEffectFn): void {
  k.sysctl_effects.set(name, fn);
}

function effect(k: Kernel, name: VmSysctlEffect, arg = 0): void {
  k.sysctl_effects.get(name)?.(k, arg);
}

/** The effective mmap floor: the DAC value, raised to the LSM's. @kernel security/min_addr.c update_mmap_min_addr */
export function mmap_min_addr(k: Kernel): number {
  return Math.max(k.vm.mmap_min_addr, LSM_MMAP_MIN_ADDR);
}

/** The table in the order `ls /proc/sys/vm` lists it. */
function byProcname(t: ctl_table[]): ctl_table[] {
  return t.sort((a, b) => (a.procname < b.procname ? -1 : a.procname > b.procname ? 1 : 0));
}

/** The vm_table of Debian's 6.1 x86-64 build, with the write semantics of each handler. */
export const vm_table: readonly ctl_table[] = byProcname([
  // mm/util.c: the policy is parsed into a temporary and stored only once it is valid
  intEntry("overcommit_memory", "overcommit_memory", { min: 0, max: 2 }),
  intEntry("overcommit_ratio", "overcommit_ratio", { after: (k) => void (k.vm.overcommit_kbytes = 0) }),
  ulongEntry("overcommit_kbytes", { after: (k) => void (k.vm.overcommit_ratio = 0) }),
  intEntry("page-cluster", "page-cluster", { min: 0 }),
  intEntry("dirtytime_expire_seconds", "dirtytime_expire_seconds", { min: 0 }),
  intEntry("swappiness", "swappiness", { min: 0, max: 200 }),
  intEntry("numa_stat", "numa_stat", {
    min: 0,
    max: 1,
    after: (k, old) => {
      if (old === k.vm.numa_stat) return;
      if (k.vm.numa_stat === 1) k.log.printk(KERN_INFO, "enable numa statistics");
      else {
        // invalid_numa_statistics: turning the counters off zeroes them
        for (const z of k.zones) z.vm_numa_event.fill(0, 0, NR_VM_NUMA_EVENT_ITEMS);
        k.log.printk(KERN_INFO, "disable numa statistics, and clear numa counters");
      }
    },
  }),
  hugepagesEntry("nr_hugepages"),
  hugepagesEntry("nr_hugepages_mempolicy"),
  intEntry("hugetlb_shm_group", "hugetlb_shm_group"),
  {
    // hugetlb_overcommit_handler: the default hstate's surplus limit (the vm field mirrors it).
    procname: "nr_overcommit_hugepages",
    mode: 0o644,
    read: (k) => intvecRead([k.default_hstate.nr_overcommit_huge_pages]),
    write: (k, buf) => {
      const rc = do_proc_doulongvec_write(buf, undefined, undefined, (v) => {
        k.default_hstate.nr_overcommit_huge_pages = v;
        k.vm.nr_overcommit_hugepages = v;
      });
      return rc;
    },
  },
  lowmemReserveRatioEntry(),
  dropCachesEntry(),
  {
    // any write compacts every node; the text is not even parsed
    procname: "compact_memory",
    mode: 0o200,
    read: () => "",
    write: (k) => {
      effect(k, "compact_nodes");
      return 0;
    },
  },
  intEntry("compaction_proactiveness", "compaction_proactiveness", {
    min: 0,
    max: 100,
    after: (k) => {
      if (k.vm.compaction_proactiveness) effect(k, "wakeup_kcompactd_proactive");
    },
  }),
  intEntry("extfrag_threshold", "extfrag_threshold", { min: 0, max: 1000 }),
  intEntry("compact_unevictable_allowed", "compact_unevictable_allowed", { min: 0, max: 1 }),
  intEntry("min_free_kbytes", "min_free_kbytes", {
    min: 0,
    after: (k) => {
      k.user_min_free_kbytes = k.vm.min_free_kbytes;
      effect(k, "setup_per_zone_wmarks");
    },
  }),
  intEntry("watermark_boost_factor", "watermark_boost_factor", { min: 0 }),
  intEntry("watermark_scale_factor", "watermark_scale_factor", {
    min: 1,
    max: 3000,
    after: (k) => effect(k, "setup_per_zone_wmarks"),
  }),
  intEntry("percpu_pagelist_high_fraction", "percpu_pagelist_high_fraction", {
    min: 0,
    after: (k, old) => {
      const f = k.vm.percpu_pagelist_high_fraction;
      if (f && f < MIN_PERCPU_PAGELIST_HIGH_FRACTION) {
        k.vm.percpu_pagelist_high_fraction = old;
        return EINVAL;
      }
      if (f !== old) effect(k, "zone_pcp_update");
    },
  }),
  intEntry("page_lock_unfairness", "page_lock_unfairness", { min: 0 }),
  intEntry("max_map_count", "max_map_count", { min: 0 }),
  intEntry("vfs_cache_pressure", "vfs_cache_pressure", { min: 0 }),
  intEntry("legacy_va_layout", "legacy_va_layout", { min: 0 }),
  intEntry("zone_reclaim_mode", "zone_reclaim_mode", { min: 0 }),
  intEntry("min_unmapped_ratio", "min_unmapped_ratio", { min: 0, max: 100, after: (k) => effect(k, "setup_min_unmapped_ratio") }),
  intEntry("min_slab_ratio", "min_slab_ratio", { min: 0, max: 100, after: (k) => effect(k, "setup_min_slab_ratio") }),
  intEntry("stat_interval", "stat_interval", { conv: jiffiesConv }),
  {
    // reading or writing folds the per-cpu counters; the model's counters are always folded
    procname: "stat_refresh",
    mode: 0o600,
    read: () => "",
    write: () => 0,
  },
  // the handler wants CAP_SYS_RAWIO, which the model's writer (root) holds; the DAC value is
  // stored and the effective floor is mmap_min_addr(k)
  ulongEntry("mmap_min_addr"),
  {
    procname: "numa_zonelist_order",
    mode: 0o644,
    read: (k) => `${k.vm.numa_zonelist_order}\n`,
    write: (k, buf) => {
      // only the old names' initials are accepted, and nothing is stored
      const c = buf[0];
      if (c === "d" || c === "D" || c === "n" || c === "N") return 0;
      k.log.printk(KERN_WARNING, `Ignoring unsupported numa_zonelist_order value:  ${buf}`);
      return EINVAL;
    },
  },
  intEntry("memory_failure_early_kill", "memory_failure_early_kill", { min: 0, max: 1 }),
  intEntry("memory_failure_recovery", "memory_failure_recovery", { min: 0, max: 1 }),
  ulongEntry("user_reserve_kbytes"),
  ulongEntry("admin_reserve_kbytes"),
  intEntry("mmap_rnd_bits", "mmap_rnd_bits", { min: 28, max: 32, mode: 0o600 }),
  intEntry("mmap_rnd_compat_bits", "mmap_rnd_compat_bits", { min: 8, max: 16, mode: 0o600 }),
  intEntry("unprivileged_userfaultfd", "unprivileged_userfaultfd", { min: 0, max: 1 }),
  // mm/page-writeback.c: a ratio and its bytes twin exclude each other
  intEntry("dirty_background_ratio", "dirty_background_ratio", { min: 0, max: 100, after: (k) => void (k.vm.dirty_background_bytes = 0) }),
  ulongEntry("dirty_background_bytes", {
    min: 1,
    after: (k, old) => {
      if (Math.ceil(k.vm.dirty_background_bytes / PAGE_SIZE) > UINT_MAX) {
        k.vm.dirty_background_bytes = old;
        return ERANGE;
      }
      k.vm.dirty_background_ratio = 0;
    },
  }),
  intEntry("dirty_ratio", "dirty_ratio", {
    min: 0,
    max: 100,
    after: (k, old) => {
      if (k.vm.dirty_ratio === old) return;
      k.vm.dirty_bytes = 0;
      effect(k, "writeback_set_ratelimit");
    },
  }),
  ulongEntry("dirty_bytes", {
    min: 2 * PAGE_SIZE,
    after: (k, old) => {
      if (k.vm.dirty_bytes === old) return;
      if (Math.ceil(k.vm.dirty_bytes / PAGE_SIZE) > UINT_MAX) {
        k.vm.dirty_bytes = old;
        return ERANGE;
      }
      effect(k, "writeback_set_ratelimit");
      k.vm.dirty_ratio = 0;
    },
  }),
  intEntry("dirty_writeback_centisecs", "dirty_writeback_centisecs", {
    after: (k, old) => {
      if (k.vm.dirty_writeback_centisecs && k.vm.dirty_writeback_centisecs !== old) effect(k, "wakeup_flusher_threads");
    },
  }),
  intEntry("dirty_expire_centisecs", "dirty_expire_centisecs", { min: 0 }),
  intEntry("laptop_mode", "laptop_mode", { conv: jiffiesConv }),
  // mm/oom_kill.c
  intEntry("panic_on_oom", "panic_on_oom", { min: 0, max: 2 }),
  intEntry("oom_kill_allocating_task", "oom_kill_allocating_task"),
  intEntry("oom_dump_tasks", "oom_dump_tasks"),
  // mm/hugetlb_vmemmap.c
  intEntry("hugetlb_optimize_vmemmap", "hugetlb_optimize_vmemmap", { conv: boolConv }),
]);

/**
 * nr_hugepages and nr_hugepages_mempolicy read the persistent pool size and resize it on write.
 * Simplified: until the hugetlb pool exists, the write is parsed and validated and then asks the
 * set_max_huge_pages hook; with none registered no page is allocated and the file reads back the
 * pool as it is, as a kernel that found no free 2 MiB blocks would.
 * @kernel mm/hugetlb.c hugetlb_sysctl_handler_common, __nr_hugepages_store_common
 */
function hugepagesEntry(procname: "nr_hugepages" | "nr_hugepages_mempolicy"): ctl_table {
  return {
    procname,
    mode: 0o644,
    read: (k) => intvecRead([k.default_hstate.nr_huge_pages - k.default_hstate.surplus_huge_pages]),
    write: (k, buf) => {
      let count = 0;
      const rc = do_proc_doulongvec_write(buf, undefined, undefined, (v) => (count = v));
      if (rc) return rc;
      effect(k, "set_max_huge_pages", count);
      k.vm[procname] = k.default_hstate.nr_huge_pages - k.default_hstate.surplus_huge_pages;
      return 0;
    },
  };
}

/**
 * Five ratios, one per zone type. The handler ignores its parser's verdict: a bad value stops
 * the parse but the write still succeeds, values below 1 become 0, and lowmem_reserve is always
 * recomputed. `echo "256 256 x" > lowmem_reserve_ratio` stores nothing past the second and
 * returns success.
 * @kernel mm/page_alloc.c lowmem_reserve_ratio_sysctl_handler
 */
function lowmemReserveRatioEntry(): ctl_table {
  return {
    procname: "lowmem_reserve_ratio",
    mode: 0o644,
    read: (k) => intvecRead(k.vm.lowmem_reserve_ratio),
    write: (k, buf) => {
      const r = k.vm.lowmem_reserve_ratio;
      do_proc_dointvec_write(buf, r.length, do_proc_dointvec_conv, (i, v) => (r[i] = v));
      for (let i = 0; i < r.length; i++) if (r[i] < 1) r[i] = 0;
      effect(k, "setup_per_zone_lowmem_reserve");
      return 0;
    },
  };
}

/**
 * 1 drops the page cache, 2 the reclaimable slab, 3 both; 4 silences the log line the write
 * otherwise prints ("sh (1): drop_caches: 3").
 * @kernel fs/drop_caches.c drop_caches_sysctl_handler
 */
function dropCachesEntry(): ctl_table {
  const conv = minmaxConv(1, 4);
  return {
    procname: "drop_caches",
    mode: 0o200,
    read: () => "",
    write: (k, buf) => {
      let v = 0;
      const rc = do_proc_dointvec_write(buf, 1, conv, (_i, x) => (v = x));
      if (rc) return rc;
      if (v & 1) {
        effect(k, "drop_pagecache");
        k.vm_events[DROP_PAGECACHE]++;
      }
      if (v & 2) {
        effect(k, "drop_slab");
        k.vm_events[DROP_SLAB]++;
      }
      if (!k.drop_caches_stfu) k.log.printk(KERN_INFO, `${k.currentComm} (${k.currentPid}): drop_caches: ${v}`);
      if (v & 4) k.drop_caches_stfu = true;
      return 0;
    },
  };
}

/**
 * The kern_table entries the memory manager owns (/proc/sys/kernel): randomize_va_space, a
 * plain proc_dointvec with no bounds, so 3 or -1 are stored as written (load_elf_binary only
 * tests it for non-zero and for > 1).
 * @kernel kernel/sysctl.c kern_table
 */
export const kern_table: readonly ctl_table[] = Object.freeze([
  Object.freeze({
    procname: "randomize_va_space",
    mode: 0o644,
    read: (k: Kernel) => intvecRead([k.randomize_va_space]),
    write: (k: Kernel, buf: string) => do_proc_dointvec_write(buf, 1, do_proc_dointvec_conv, (_i, v) => (k.randomize_va_space = v)),
  }),
]);

/** The vm_table entry for a /proc/sys/vm file name, or undefined. */
export function vm_sysctl_entry(procname: string): ctl_table | undefined {
  return vm_table.find((t) => t.procname === procname);
}
