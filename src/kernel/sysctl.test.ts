import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Kernel } from "./kernel.js";
import { registerVmSysctlEffect, vm_sysctl_entry, vm_table } from "./sysctl.js";
import { DROP_PAGECACHE } from "../mm/vmstat_items.js";
import { pglist_data } from "../mm/mmzone.js";
import fs from "node:fs";
import path from "node:path";

const realSysVm = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../test/realkernel/data/w0/sys_vm.all");

function w(k: Kernel, name: string, data: string): number {
  const e = vm_sysctl_entry(name);
  if (!e) throw new Error(name);
  return e.write(k, data);
}
function r(k: Kernel, name: string): string {
  return vm_sysctl_entry(name)!.read(k);
}

describe("vm_table", () => {
  it("has every readable file of a real 6.1 /proc/sys/vm, with its default value", () => {
    const k = new Kernel(1);
    // boot-computed values (min_free_kbytes, user_reserve_kbytes) are set as the sample booted
    k.vm.min_free_kbytes = 2706;
    k.vm.user_reserve_kbytes = 14114;
    const real = fs.readFileSync(realSysVm, "utf8").trimEnd().split("\n");
    const readable = vm_table.filter((t) => t.mode & 0o400).map((t) => t.procname);
    expect(readable).toEqual(real.map((l) => l.split(" = ")[0]));
    for (const l of real) {
      const [name, value] = l.split(" = ");
      // the capture printed vectors with blanks; the file has tabs
      expect(r(k, name).replace(/\t/g, " ").replace(/\n$/, ""), name).toBe(value);
    }
  });

  it("has the write-only drop_caches and compact_memory", () => {
    expect(vm_sysctl_entry("drop_caches")?.mode).toBe(0o200);
    expect(vm_sysctl_entry("compact_memory")?.mode).toBe(0o200);
  });
});

describe("parsing as proc_get_long parses", () => {
  it("accepts blanks around a number, hex and octal", () => {
    const k = new Kernel(1);
    expect(w(k, "swappiness", "  100 \n")).toBe(0);
    expect(k.vm.swappiness).toBe(100);
    expect(w(k, "swappiness", "0x10")).toBe(0);
    expect(k.vm.swappiness).toBe(16);
    expect(w(k, "swappiness", "010\n")).toBe(0);
    expect(k.vm.swappiness).toBe(8);
  });

  it("refuses garbage, trailing junk, a lone sign and empty writes with EINVAL, leaving the value", () => {
    const k = new Kernel(1);
    for (const bad of ["abc", "12abc", "-", "", "\n", "1.5", "+5"]) {
      expect(w(k, "swappiness", bad), JSON.stringify(bad)).toBe(-22);
      expect(k.vm.swappiness).toBe(60);
    }
  });

  it("refuses values out of the 6.1 extra1/extra2 range and past INT_MAX", () => {
    const k = new Kernel(1);
    expect(w(k, "swappiness", "201")).toBe(-22);
    expect(w(k, "swappiness", "-1")).toBe(-22);
    expect(w(k, "swappiness", "200")).toBe(0);
    expect(w(k, "watermark_scale_factor", "0")).toBe(-22);
    expect(w(k, "watermark_scale_factor", "3001")).toBe(-22);
    expect(w(k, "min_free_kbytes", "2147483648")).toBe(-22);
    expect(w(k, "min_free_kbytes", "-1")).toBe(-22);
    expect(w(k, "panic_on_oom", "3")).toBe(-22);
    expect(w(k, "mmap_rnd_bits", "27")).toBe(-22);
    expect(w(k, "mmap_rnd_bits", "32")).toBe(0);
  });

  it("lets proc_dointvec take negatives but proc_doulongvec_minmax refuse them", () => {
    const k = new Kernel(1);
    expect(w(k, "oom_dump_tasks", "-5")).toBe(0);
    expect(r(k, "oom_dump_tasks")).toBe("-5\n");
    expect(w(k, "oom_dump_tasks", "-2147483648")).toBe(0);
    expect(w(k, "oom_dump_tasks", "-2147483649")).toBe(-22);
    expect(w(k, "admin_reserve_kbytes", "-1")).toBe(-22);
    expect(w(k, "admin_reserve_kbytes", "18446744073709551615")).toBe(0);
    expect(w(k, "admin_reserve_kbytes", "18446744073709551616")).toBe(-22);
  });

  it("refuses a number of 21 characters, which it cannot tell from two run together", () => {
    const k = new Kernel(1);
    expect(w(k, "admin_reserve_kbytes", "000000000000000000001")).toBe(-22);
    expect(w(k, "admin_reserve_kbytes", "00000000000000000001")).toBe(0);
    expect(k.vm.admin_reserve_kbytes).toBe(1);
  });

  it("stops at the first character that is not a digit of the base", () => {
    // "09" is octal 0 followed by '9', which is not a permitted trailer
    const k = new Kernel(1);
    expect(w(k, "swappiness", "09")).toBe(-22);
    expect(w(k, "swappiness", "0x")).toBe(-22);
  });
});

describe("handler semantics", () => {
  it("lowmem_reserve_ratio stores values as parsed, zeroes negatives and never fails", () => {
    const k = new Kernel(1);
    let recomputed = 0;
    registerVmSysctlEffect(k, "setup_per_zone_lowmem_reserve", () => recomputed++);
    expect(w(k, "lowmem_reserve_ratio", "128 64")).toBe(0);
    expect(r(k, "lowmem_reserve_ratio")).toBe("128\t64\t32\t0\t0\n");
    expect(w(k, "lowmem_reserve_ratio", "1 -7 x 9")).toBe(0);
    expect(k.vm.lowmem_reserve_ratio).toEqual([1, 0, 32, 0, 0]);
    expect(recomputed).toBe(2);
  });

  it("min_free_kbytes records the user's value and recomputes the watermarks", () => {
    const k = new Kernel(1);
    let calls = 0;
    registerVmSysctlEffect(k, "setup_per_zone_wmarks", () => calls++);
    expect(w(k, "min_free_kbytes", "8192\n")).toBe(0);
    expect(k.user_min_free_kbytes).toBe(8192);
    expect(calls).toBe(1);
    expect(w(k, "min_free_kbytes", "x")).toBe(-22);
    expect(calls).toBe(1);
  });

  it("percpu_pagelist_high_fraction refuses 1..7 and keeps the old value", () => {
    const k = new Kernel(1);
    let calls = 0;
    registerVmSysctlEffect(k, "zone_pcp_update", () => calls++);
    expect(w(k, "percpu_pagelist_high_fraction", "7")).toBe(-22);
    expect(k.vm.percpu_pagelist_high_fraction).toBe(0);
    expect(w(k, "percpu_pagelist_high_fraction", "8")).toBe(0);
    expect(w(k, "percpu_pagelist_high_fraction", "8")).toBe(0);
    expect(calls).toBe(1);
    expect(w(k, "percpu_pagelist_high_fraction", "0")).toBe(0);
    expect(calls).toBe(2);
  });

  it("a ratio and its bytes twin exclude each other", () => {
    const k = new Kernel(1);
    expect(w(k, "dirty_bytes", "4096")).toBe(-22); // below 2 pages
    expect(w(k, "dirty_bytes", "8192")).toBe(0);
    expect(k.vm.dirty_ratio).toBe(0);
    expect(w(k, "dirty_ratio", "30")).toBe(0);
    expect(k.vm.dirty_bytes).toBe(0);
    expect(w(k, "dirty_background_bytes", "0")).toBe(-22);
    expect(w(k, "dirty_background_bytes", "1")).toBe(0);
    expect(k.vm.dirty_background_ratio).toBe(0);
    expect(w(k, "overcommit_kbytes", "1000")).toBe(0);
    expect(k.vm.overcommit_ratio).toBe(0);
    expect(w(k, "overcommit_ratio", "50")).toBe(0);
    expect(k.vm.overcommit_kbytes).toBe(0);
  });

  it("turning numa_stat off clears the NUMA counters", () => {
    const k = new Kernel(1);
    const pgdat = new pglist_data(0);
    k.node_data = [pgdat];
    k.zones = pgdat.node_zones;
    k.zones[1].vm_numa_event[0] = 77;
    expect(w(k, "numa_stat", "2")).toBe(-22);
    expect(k.zones[1].vm_numa_event[0]).toBe(77);
    expect(w(k, "numa_stat", "0")).toBe(0);
    expect(k.zones[1].vm_numa_event[0]).toBe(0);
    expect(k.log.dmesg()).toContain("disable numa statistics, and clear numa counters");
  });

  it("drop_caches takes 1..4, counts the drop and logs it until 4 silences it", () => {
    const k = new Kernel(1);
    expect(w(k, "drop_caches", "0")).toBe(-22);
    expect(w(k, "drop_caches", "5")).toBe(-22);
    expect(w(k, "drop_caches", "1")).toBe(0);
    expect(k.vm_events[DROP_PAGECACHE]).toBe(1);
    expect(w(k, "drop_caches", "4")).toBe(0);
    expect(w(k, "drop_caches", "3")).toBe(0);
    expect(k.log.dmesg().match(/drop_caches: \d/g)).toEqual(["drop_caches: 1", "drop_caches: 4"]);
  });

  it("stat_interval and laptop_mode are seconds outside, jiffies inside", () => {
    const k = new Kernel(1);
    expect(w(k, "stat_interval", "-3")).toBe(0);
    expect(r(k, "stat_interval")).toBe("-3\n");
    expect(w(k, "stat_interval", String(Math.floor(0x7fffffff / 250) + 1))).toBe(-22);
  });

  it("numa_zonelist_order accepts only the old names' initials and always reads Node", () => {
    const k = new Kernel(1);
    expect(w(k, "numa_zonelist_order", "default")).toBe(0);
    expect(w(k, "numa_zonelist_order", "zone")).toBe(-22);
    expect(r(k, "numa_zonelist_order")).toBe("Node\n");
  });

  it("nr_hugepages allocates nothing without a hugetlb pool and reads back the pool", () => {
    const k = new Kernel(1);
    expect(w(k, "nr_hugepages", "-1")).toBe(-22);
    expect(w(k, "nr_hugepages", "16")).toBe(0);
    expect(r(k, "nr_hugepages")).toBe("0\n");
    registerVmSysctlEffect(k, "set_max_huge_pages", (kk, n) => (kk.default_hstate.nr_huge_pages = n));
    expect(w(k, "nr_hugepages", "16")).toBe(0);
    expect(r(k, "nr_hugepages")).toBe("16\n");
  });

  it("hugetlb_optimize_vmemmap is a bool: any non-zero value reads back 1", () => {
    const k = new Kernel(1);
    expect(w(k, "hugetlb_optimize_vmemmap", "-9")).toBe(0);
    expect(r(k, "hugetlb_optimize_vmemmap")).toBe("1\n");
  });
});

describe("parser properties", () => {
  it("any in-range int, written with any blank padding and in decimal, hex or octal, reads back", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.constantFrom("", " ", "\t", "  \n"),
        fc.constantFrom("", "\n", " ", " \n"),
        fc.constantFrom(10, 16, 8),
        (v, pre, post, base) => {
          const k = new Kernel(1);
          const text = base === 16 ? `0x${v.toString(16)}` : base === 8 ? `0${v.toString(8)}` : String(v);
          expect(w(k, "swappiness", pre + text + post)).toBe(0);
          expect(r(k, "swappiness")).toBe(`${v}\n`);
        },
      ),
    );
  });

  it("any text either sets a value the file then reads back or fails with EINVAL and changes nothing", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const k = new Kernel(1);
        const rc = w(k, "watermark_scale_factor", text);
        if (rc === 0) {
          const v = Number(r(k, "watermark_scale_factor"));
          expect(v).toBeGreaterThanOrEqual(1);
          expect(v).toBeLessThanOrEqual(3000);
        } else {
          expect(rc).toBe(-22);
          expect(k.vm.watermark_scale_factor).toBe(10);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
