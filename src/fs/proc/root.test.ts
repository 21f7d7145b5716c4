import { describe, expect, it } from "vitest";
import { loadRealState, readReal } from "../../../test/realkernel/load_state.js";
import { Errno } from "../../kernel/errno.js";
import { Kernel } from "../../kernel/kernel.js";
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
      expect(procList(k, dir)).toEqual(["cpulist", "distance", "meminfo", "numastat", "vmstat"]);
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
    registerProcPattern("/proc/<pid>/test_status", { fs: "proc", mode: 0o444, read: (_k, p) => `pid ${p.pid}\n` });
    expect(procRead(k, "/proc/1/test_status")).toBe("pid 1\n");
    expect(errCode(() => procRead(k, "/proc/999/test_status"))).toBe("ENOENT");
    expect(procList(k, "/proc")).toContain("1");
    expect(procList(k, "/proc/1")).toContain("test_status");
    registerProcParam("testnid", () => ["0"]);
    registerProcPattern("/sys/test/<testnid>/x", { fs: "sysfs", mode: 0o644, read: () => "x\n", write: () => -22 });
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
