import { describe, expect, it } from "vitest";
import { Errno } from "../kernel/errno.js";
import { Machine, sysctlPath } from "./machine.js";

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
    expect(() => Machine.boot({ memory: "1M" })).toThrow(/too small/);
    // Debian's image occupies 16-68 MiB: a 64 MiB guest cannot hold it and the initrd.
    expect(() => Machine.boot({ memory: "64M" })).toThrow(/memory too small to boot/);
    expect(() => Machine.boot({ cpus: 0 })).toThrow(/cpus/);
    expect(() => Machine.boot({ nodes: 0 })).toThrow(/nodes/);
    expect(() => Machine.boot({ kernelcore: "lots" })).toThrow(/kernelcore/);
  });

  it("splits memory evenly over a node count", () => {
    const m = Machine.boot({ memory: "1G", nodes: 2 });
    expect(m.kernel.node_data.length).toBe(2);
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
