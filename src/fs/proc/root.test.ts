import { describe, expect, it } from "vitest";
import { loadRealState, readReal } from "../../../test/realkernel/load_state.js";
import { Errno } from "../../kernel/errno.js";
import { Kernel } from "../../kernel/kernel.js";
import { start_kernel } from "../../kernel/start_kernel.js";
import { proc_root_init } from "./init.js";
import { procList, procRead, procWrite, registerProcParam, registerProcPattern } from "./root.js";

function errCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof Errno) return e.code;
    throw e;
  }
  return undefined;
}

/** Field names of a "Name value" or "Name: value kB" file, in order. */
function names(text: string): string[] {
  return text.trimEnd().split("\n").map((l) => l.replace(/\s*\d+( kB)?$/, ""));
}

describe("procRead", () => {
  it("renders the five mm files of /proc from live state", () => {
    const k = loadRealState("w0");
    expect(procRead(k, "/proc/buddyinfo")).toBe(readReal("w0", "buddyinfo"));
    expect(procRead(k, "/proc/zoneinfo")).toBe(readReal("w0", "zoneinfo"));
    expect(procRead(k, "/proc/pagetypeinfo")).toBe(readReal("w0", "pagetypeinfo"));
    expect(names(procRead(k, "/proc/meminfo"))).toEqual(names(readReal("w0", "meminfo")));
    expect(names(procRead(k, "/proc/vmstat"))).toEqual(names(readReal("w0", "vmstat")));
  });

  it("normalizes slashes and answers ENOENT, EISDIR and EACCES as the kernel does", () => {
    const k = loadRealState("w0");
    expect(procRead(k, "//proc/sys/vm//swappiness")).toBe("60\n");
    expect(errCode(() => procRead(k, "/proc/nonesuch"))).toBe("ENOENT");
    expect(errCode(() => procRead(k, "/proc/sys/vm"))).toBe("EISDIR");
    expect(errCode(() => procRead(k, "/proc/sys/vm/drop_caches"))).toBe("EACCES");
    expect(procRead(k, "/proc/sys/vm/stat_refresh")).toBe("");
  });

  it("serves the node sysfs files of every node (w0-numa2)", () => {
    const k = loadRealState("w0-numa2");
    k.cpu_to_node = [0, 1];
    k.nr_cpu_ids = 2;
    for (const nid of [0, 1]) {
      const dir = `/sys/devices/system/node/node${nid}`;
      expect(procList(k, dir)).toEqual(["compact", "cpulist", "distance", "hugepages", "meminfo", "numastat", "vmstat"]);
      expect(procRead(k, `${dir}/cpulist`)).toBe(readReal("w0-numa2", `node/node${nid}/cpulist`));
      expect(procRead(k, `${dir}/distance`)).toBe(readReal("w0-numa2", `node/node${nid}/distance`));
      // read after zoneinfo, with the capture's processes running in between: compare the
      // layout, and the fields that did not move
      const mem = procRead(k, `${dir}/meminfo`);
      const realMem = readReal("w0-numa2", `node/node${nid}/meminfo`);
      expect(names(mem)).toEqual(names(realMem));
      expect(mem.split("\n").map((l) => l.length)).toEqual(realMem.split("\n").map((l) => l.length));
      expect(mem.split("\n")[0]).toBe(realMem.split("\n")[0]);
      expect(names(procRead(k, `${dir}/numastat`))).toEqual(names(readReal("w0-numa2", `node/node${nid}/numastat`)));
      expect(names(procRead(k, `${dir}/vmstat`))).toEqual(names(readReal("w0-numa2", `node/node${nid}/vmstat`)));
    }
    expect(procList(k, "/sys/devices/system/node")).toEqual(["node0", "node1"]);
    expect(errCode(() => procRead(k, "/sys/devices/system/node/node2/meminfo"))).toBe("ENOENT");
  });

  it("uses the firmware's distance table when there is one", () => {
    const k = loadRealState("w0-numa2");
    k.numa_distance = [[10, 31], [31, 10]];
    expect(procRead(k, "/sys/devices/system/node/node1/distance")).toBe("31 10\n");
  });
});

describe("procWrite", () => {
  it("writes sysctls through their handlers and returns their errno", () => {
    const k = loadRealState("w0");
    procWrite(k, "/proc/sys/vm/swappiness", "100\n");
    expect(procRead(k, "/proc/sys/vm/swappiness")).toBe("100\n");
    expect(errCode(() => procWrite(k, "/proc/sys/vm/swappiness", "201"))).toBe("EINVAL");
    expect(errCode(() => procWrite(k, "/proc/sys/vm/watermark_scale_factor", "0"))).toBe("EINVAL");
    expect(errCode(() => procWrite(k, "/proc/sys/vm/min_free_kbytes", "lots"))).toBe("EINVAL");
  });

  it("fails a write to a read-only procfs file with EIO and to a missing one with ENOENT", () => {
    const k = loadRealState("w0");
    expect(errCode(() => procWrite(k, "/proc/meminfo", "1"))).toBe("EIO");
    expect(errCode(() => procWrite(k, "/proc/sys/vm/nonesuch", "1"))).toBe("ENOENT");
    expect(errCode(() => procWrite(k, "/proc/sys", "1"))).toBe("EISDIR");
    expect(errCode(() => procWrite(k, "/sys/devices/system/node/node0/meminfo", "1"))).toBe("EACCES");
  });
});

describe("procList and routes", () => {
  it("lists /proc/sys/vm as the real 6.1 kernel does, plus its write-only files", () => {
    const k = loadRealState("w0");
    const real = readReal("w0", "sys_vm.all").trimEnd().split("\n").map((l) => l.split(" = ")[0]);
    expect(procList(k, "/proc/sys/vm")).toEqual([...real, "compact_memory", "drop_caches"].sort());
    expect(procList(k, "/proc")).toEqual(expect.arrayContaining(["buddyinfo", "meminfo", "pagetypeinfo", "sys", "vmstat", "zoneinfo"]));
    expect(errCode(() => procList(k, "/proc/meminfo"))).toBe("ENOTDIR");
    expect(errCode(() => procList(k, "/nonesuch"))).toBe("ENOENT");
  });

  it("routes /proc/<pid>/… to registered files for live pids only", () => {
    const k = new Kernel(1);
    proc_root_init(k);
    registerProcPattern(k, "/proc/<pid>/test_status", { fs: "proc", mode: 0o444, read: (_k, p) => `pid ${p.pid}\n` });
    expect(procRead(k, "/proc/1/test_status")).toBe("pid 1\n");
    expect(errCode(() => procRead(k, "/proc/999/test_status"))).toBe("ENOENT");
    expect(procList(k, "/proc")).toContain("1");
    expect(procList(k, "/proc/1")).toContain("test_status");
    registerProcParam(k, "testnid", () => ["0"]);
    registerProcPattern(k, "/sys/test/<testnid>/x", { fs: "sysfs", mode: 0o644, read: () => "x\n", write: () => -22 });
    expect(errCode(() => procWrite(k, "/sys/test/0/x", "1"))).toBe("EINVAL");
  });
});

describe("/sys/kernel/mm/transparent_hugepage", () => {
  it("reads the real files' format and stores modes as enabled_store/defrag_store do", () => {
    const k = loadRealState("w0");
    k.thp.transparent_hugepage_flags = 0; // what hugepage_init leaves below 512 MiB
    expect(procRead(k, "/sys/kernel/mm/transparent_hugepage/enabled")).toBe(readReal("w0", "thp/enabled"));
    expect(procRead(k, "/sys/kernel/mm/transparent_hugepage/defrag")).toBe(readReal("w0", "thp/defrag"));
    expect(procRead(k, "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")).toBe(readReal("w0", "thp/hpage_pmd_size"));
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/enabled", "always\n");
    expect(procRead(k, "/sys/kernel/mm/transparent_hugepage/enabled")).toBe("[always] madvise never\n");
    expect(errCode(() => procWrite(k, "/sys/kernel/mm/transparent_hugepage/enabled", "sometimes"))).toBe("EINVAL");
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/defrag", "defer+madvise");
    expect(procRead(k, "/sys/kernel/mm/transparent_hugepage/defrag")).toBe("always defer [defer+madvise] madvise never\n");
    expect(errCode(() => procWrite(k, "/sys/kernel/mm/transparent_hugepage/defrag", " never"))).toBe("EINVAL");
    expect(errCode(() => procWrite(k, "/sys/kernel/mm/transparent_hugepage/use_zero_page", "2"))).toBe("EINVAL");
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/use_zero_page", "0\n");
    expect(procRead(k, "/sys/kernel/mm/transparent_hugepage/use_zero_page")).toBe("0\n");
    expect(errCode(() => procWrite(k, "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "1"))).toBe("EACCES");
  });
});

describe("writes on a booted machine take the kernel's effect", () => {
  /** One zone's block of /proc/zoneinfo, as numbers by field. */
  function zoneFields(k: Kernel, zone: string): Record<string, number> {
    const block = procRead(k, "/proc/zoneinfo").split(/^(?=Node)/m).find((b) => new RegExp(`^Node 0, zone\\s+${zone}\\n`).test(b))!;
    const f = (re: RegExp): number => Number((re.exec(block) ?? [])[1]);
    return {
      min: f(/\n\s+min\s+(\d+)/),
      low: f(/\n\s+low\s+(\d+)/),
      high: f(/\n\s+high\s+(\d+)/),
      managed: f(/managed\s+(\d+)/),
      pcpHigh: f(/high: {2}(\d+)/),
      protection: f(/protection: \(\d+, (\d+)/),
    };
  }
  const MiB = 2 ** 20;

  it("min_free_kbytes moves every zone's watermarks and the pcp high that follows the low one", () => {
    const k = start_kernel({ memory: 512 * MiB });
    procWrite(k, "/proc/sys/vm/min_free_kbytes", "16384");
    const dma = zoneFields(k, "DMA");
    const dma32 = zoneFields(k, "DMA32");
    // pages_min = 16384 kB / 4 = 4096 pages, shared by managed pages: floors lose at most 1 each
    expect(dma.min + dma32.min).toBeGreaterThanOrEqual(4094);
    expect(dma.min + dma32.min).toBeLessThanOrEqual(4096);
    expect(dma32.pcpHigh).toBe(dma32.low);
    expect(procRead(k, "/proc/sys/vm/min_free_kbytes")).toBe("16384\n");
  });

  it("watermark_scale_factor widens the gaps to managed * factor / 10000", () => {
    const k = start_kernel({ memory: 512 * MiB });
    procWrite(k, "/proc/sys/vm/watermark_scale_factor", "100");
    const z = zoneFields(k, "DMA32");
    const gap = Math.max(Math.floor(z.min / 4), Math.floor((z.managed * 100) / 10000));
    expect(z.low - z.min).toBe(gap);
    expect(z.high - z.min).toBe(2 * gap);
  });

  it("lowmem_reserve_ratio recomputes the protection of the lower zones", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const managed32 = zoneFields(k, "DMA32").managed;
    procWrite(k, "/proc/sys/vm/lowmem_reserve_ratio", "128 128 32 0 0");
    expect(zoneFields(k, "DMA").protection).toBe(Math.floor(managed32 / 128));
  });

  it("percpu_pagelist_high_fraction sizes pcp high as a fraction of the zone, and 0 restores it", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const before = zoneFields(k, "DMA32");
    procWrite(k, "/proc/sys/vm/percpu_pagelist_high_fraction", "8");
    expect(zoneFields(k, "DMA32").pcpHigh).toBe(Math.floor(before.managed / 8));
    expect(errCode(() => procWrite(k, "/proc/sys/vm/percpu_pagelist_high_fraction", "4"))).toBe("EINVAL");
    procWrite(k, "/proc/sys/vm/percpu_pagelist_high_fraction", "0");
    expect(zoneFields(k, "DMA32").pcpHigh).toBe(before.pcpHigh);
  });

  it("turning THP off stops khugepaged and drops its min_free_kbytes raise; on restores it", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    expect(procRead(k, "/proc/sys/vm/min_free_kbytes")).toBe("45056\n");
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/enabled", "never");
    expect(k.thp.khugepaged_running).toBe(false);
    expect(Number(procRead(k, "/proc/sys/vm/min_free_kbytes"))).toBeLessThan(45056);
    procWrite(k, "/sys/kernel/mm/transparent_hugepage/enabled", "always");
    expect(procRead(k, "/proc/sys/vm/min_free_kbytes")).toBe("45056\n");
  });
});
