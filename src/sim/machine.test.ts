import { describe, expect, it } from "vitest";
import { Errno } from "../kernel/errno.js";
import { Machine, sysctlPath } from "./machine.js";
import { kernelOf } from "../api/internals.js";

describe("Machine", () => {
  it("boots the realkernel 512M guest by default and reads its files", () => {
    const m = Machine.boot();
    expect(m.read("/proc/meminfo")).toMatch(/^MemTotal:\s+468416 kB$/m);
    expect(m.read("/proc/buddyinfo")).toMatch(/^Node 0, zone {6}DMA /);
    expect(m.dmesg()).toContain("Zone ranges:");
  });

  it("applies sysctls at boot through the kernel's handlers", () => {
    const m = Machine.boot({ sysctl: { "vm.min_free_kbytes": 16384, "vm/watermark_scale_factor": "20" } });
    expect(m.read("/proc/sys/vm/min_free_kbytes")).toBe("16384\n");
    expect(m.read("/proc/sys/vm/watermark_scale_factor")).toBe("20\n");
  });

  it("rejects a sysctl value the kernel rejects, with its errno", () => {
    expect(() => Machine.boot({ sysctl: { "vm.watermark_scale_factor": 0 } })).toThrow(Errno);
    try {
      Machine.boot({ sysctl: { "vm.watermark_scale_factor": 0 } });
    } catch (e) {
      expect((e as Errno).code).toBe("EINVAL");
    }
  });

  it("rejects bad configuration with a message naming the value", () => {
    expect(() => Machine.boot({ memory: "12Q" })).toThrow(/"12Q"/);
    expect(() => Machine.boot({ memory: "1M" })).toThrow(/memory must be between 80M and 1T, got 1M/);
    // Debian's image occupies 16-68 MiB: a 64 MiB guest cannot hold it and the initrd.
    expect(() => Machine.boot({ memory: "64M" })).toThrow(/memory must be between 80M and 1T, got 64M/);
    expect(() => Machine.boot({ cpus: 0 })).toThrow(/cpus/);
    expect(() => Machine.boot({ nodes: 0 })).toThrow(/nodes/);
    expect(() => Machine.boot({ kernelcore: "lots" })).toThrow(/kernelcore/);
  });

  it("refuses machines outside the documented range with a RangeError, before any typed array is sized", () => {
    // Before: memory 2^50 threw V8's "Invalid typed array length".
    expect(() => Machine.boot({ memory: 2 ** 50 })).toThrow(new RangeError("memory must be between 80M and 1T, got 1P"));
    expect(() => Machine.boot({ memory: "80M" })).not.toThrow();
    expect(() => Machine.boot({ memory: 80 * 2 ** 20 + 512 })).toThrow(/whole number of 4K pages/);
    expect(() => Machine.boot({ cpus: 8193 })).toThrow(RangeError);
    expect(() => Machine.boot({ seed: -1 })).toThrow(RangeError);
    expect(() => Machine.boot({ memory: "256M", nodes: 64 })).toThrow(/less than 16M per node/);
    expect(() => Machine.boot({ memory: "1G", nodes: [{ size: "512M" }, { size: "256M" }] })).toThrow(/add up to/);
  });

  it("checks a distance matrix as boot --numa does: square, 10 on the diagonal, 11..254 elsewhere", () => {
    // Before: distance [[10]] with 2 nodes gave "Cannot read properties of undefined".
    expect(() => Machine.boot({ memory: "1G", nodes: 2, distance: [[10]] })).toThrow(new RangeError("the distance matrix must be 2x2 (one row per node), got 1 row"));
    expect(() => Machine.boot({ memory: "1G", nodes: 2, distance: [[10, 20], [20]] })).toThrow(/row 1 has 1 entry/);
    expect(() => Machine.boot({ memory: "1G", nodes: 2, distance: [[20, 20], [20, 10]] })).toThrow(/distance 0->0 must be 10/);
    expect(() => Machine.boot({ memory: "1G", nodes: 2, distance: [[10, 255], [20, 10]] })).toThrow(/distance 0->1 must be 11 to 254, got 255/);
    expect(() => Machine.boot({ memory: "1G", distance: [[10]] })).toThrow(/distance needs nodes/);
    expect(kernelOf(Machine.boot({ memory: "1G", nodes: 2, distance: [[10, 21], [21, 10]] })).numa_distance).toEqual([[10, 21], [21, 10]]);
  });

  it("gives what the kernel knows as plain values: CPUs, nodes, zones, forks, the log", () => {
    const m = Machine.boot({ memory: "1G", cpus: 2, nodes: 2 });
    const info = m.info();
    expect(info).toMatchObject({ cpus: 2, nodes: 2 });
    expect(info.zones.map((z) => `${z.node}:${z.zone}`)).toEqual(["0:DMA", "0:DMA32", "1:DMA32"]);
    expect(m.read("/proc/zoneinfo")).toContain(`present  ${info.zones[1].presentPages}\n`);
    const before = m.forks;
    m.spawn({ comm: "a" });
    expect(m.forks).toBe(before + 1);
    expect(m.logRecords(0).length).toBe(m.logCount);
    expect(() => m.logRecords(-1)).toThrow(RangeError);
    expect(m.logRecords(m.logCount - 1)[0].text).toBe(m.dmesg().trimEnd().split("\n").at(-1)?.replace(/^\[[ \d.]+\] /, ""));
  });

  it("splits memory evenly over a node count", () => {
    const m = Machine.boot({ memory: "1G", nodes: 2 });
    expect(kernelOf(m).node_data.length).toBe(2);
    expect(m.list("/sys/devices/system/node")).toEqual(expect.arrayContaining(["node0", "node1"]));
  });

  it("two machines side by side do not share state", () => {
    const a = Machine.boot({ memory: "256M" });
    const b = Machine.boot({ memory: "1G" });
    a.write("/proc/sys/vm/swappiness", "100");
    expect(b.read("/proc/sys/vm/swappiness")).toBe("60\n");
    expect(a.read("/proc/meminfo")).not.toBe(b.read("/proc/meminfo"));
  });

  it("is deterministic: the same config gives byte-identical output", () => {
    const files = ["/proc/zoneinfo", "/proc/pagetypeinfo", "/proc/vmstat"];
    const a = Machine.boot({ memory: "2G", cpus: 2 });
    const b = Machine.boot({ memory: "2G", cpus: 2 });
    for (const f of files) expect(a.read(f)).toBe(b.read(f));
    expect(a.dmesg()).toBe(b.dmesg());
  });

  it("advances simulated time only", () => {
    const m = Machine.boot();
    const t = m.now;
    m.advance("100ms");
    expect(m.now - t).toBe(100e6);
    expect(() => m.advance("soon")).toThrow(RangeError);
  });
});

describe("sysctlPath", () => {
  it("maps sysctl names to /proc/sys paths", () => {
    expect(sysctlPath("vm.swappiness")).toBe("/proc/sys/vm/swappiness");
    expect(sysctlPath("vm/page-cluster")).toBe("/proc/sys/vm/page-cluster");
  });
});

describe("Machine processes", () => {
  it("spawns a process whose memory shows in its /proc files and in meminfo", () => {
    const m = Machine.boot();
    const anonBefore = Number(/^AnonPages:\s+(\d+)/m.exec(m.read("/proc/meminfo"))?.[1]);
    const p = m.spawn({ comm: "anon" });
    const addr = p.mmap(8 * 2 ** 20);
    p.touch(addr, 8 * 2 ** 20, { write: true });
    const anonAfter = Number(/^AnonPages:\s+(\d+)/m.exec(m.read("/proc/meminfo"))?.[1]);
    expect(anonAfter - anonBefore).toBeGreaterThanOrEqual(8192);
    expect(m.read(`/proc/${p.pid}/status`)).toMatch(/^Name:\tanon$/m);
    expect(m.read(`/proc/${p.pid}/maps`)).toContain(addr.toString(16).padStart(12, "0"));
    expect(m.read(`/proc/${p.pid}/smaps_rollup`)).toMatch(/^Anonymous:\s+\d+ kB$/m);
  });
});
