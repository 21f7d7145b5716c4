import { describe, expect, it } from "vitest";
import { Machine } from "../api/index.js";
import { kernelOf } from "../api/internals.js";
import { KernelBug } from "../kernel/bug.js";
import { checkPageCache } from "../sim/invariants/pagecache.js";
import { dirty_freerun_ceiling, dirty_poll_interval, pos_ratio_polynom } from "./page-writeback.js";
import { NR_FILE_DIRTY } from "./vmstat_items.js";

const kb = (t: string, f: string): number => Number((new RegExp(`^${f}:\\s+(\\d+) kB$`, "m").exec(t) as RegExpExecArray)[1]);
const vm = (t: string, f: string): number => Number((new RegExp(`^${f} (\\d+)$`, "m").exec(t) as RegExpExecArray)[1]);

function machine(bandwidth = 1e9): { m: Machine; p: ReturnType<Machine["spawn"]> } {
  const m = Machine.boot({ memory: "512M" });
  m.addDisk("/dev/vda", { size: "1G", bandwidth, ext2: { files: [] } });
  const p = m.spawn({ name: "w" });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
  return { m, p };
}

describe("the dirty throttle's arithmetic", () => {
  it("pos_ratio_polynom is 1.0 at the setpoint, 2.0 at the freerun end, 0 at the limit", () => {
    // freerun 15915, limit 21229 (pc-dirty): setpoint 18572
    expect(pos_ratio_polynom(18572, 18572, 21229)).toBe(1024);
    expect(pos_ratio_polynom(18572, 15915, 21229)).toBe(2048);
    expect(pos_ratio_polynom(18572, 21229, 21229)).toBe(0);
    // halfway to the limit: 1 - (1/2)^3 = 0.875
    expect(pos_ratio_polynom(18572, 18572 + 1328, 21229)).toBe(896);
  });
  it("dirty_poll_interval is √(thresh − dirty) rounded down to a power of two", () => {
    expect(dirty_poll_interval(10000, 21229)).toBe(64); // ilog2(11229) = 13 → 2^6
    expect(dirty_poll_interval(0, 21229)).toBe(128); // ilog2(21229) = 14 → 2^7
    expect(dirty_poll_interval(21229, 21229)).toBe(1);
    expect(dirty_freerun_ceiling(21229, 10601)).toBe(15915);
  });
});

describe("balance_dirty_pages and the flusher", () => {
  it("lets a writer below the freerun ceiling run free and wakes the flusher above the background threshold", () => {
    const { m, p } = machine();
    const fd = p.open("/mnt/d/f", "w|create");
    let paused = 0;
    let woken = 0;
    m.trace.on("balance_dirty_pages", (e) => void (Number(e.fields.pause) > 0 && paused++));
    m.trace.on("writeback_wake_background", () => woken++);
    // 32 MiB: under the background threshold (~44 MiB on this machine)
    for (let i = 0; i < 32; i++) p.writeFd(fd, 1 << 20);
    expect(woken).toBe(0);
    expect(kb(m.read("/proc/meminfo"), "Dirty")).toBeGreaterThanOrEqual(32 * 1024);
    // then 64 MiB more at 100 MB/s (a 1 MiB write every 10 ms), a tenth of the disk's speed
    for (let i = 0; i < 64; i++) {
      p.writeFd(fd, 1 << 20);
      m.advance("10ms");
    }
    expect(woken).toBeGreaterThan(0);
    expect(paused).toBe(0);
    const bg = vm(m.read("/proc/vmstat"), "nr_dirty_background_threshold") * 4;
    // the flusher ran at the writer's cond_resched and wrote it down to the background threshold
    expect(kb(m.read("/proc/meminfo"), "Dirty")).toBeLessThanOrEqual(bg + 256 * 4);
    checkPageCache(kernelOf(m));
  });

  it("throttles a writer faster than the disk: pauses on the simulated clock, Dirty + Writeback held near the limit", () => {
    // a 10 MB/s disk and 8 MiB / 4 MiB limits: 64 MiB take about 64 MiB / 10 MB/s = 6.7 s
    const { m, p } = machine(10e6);
    m.write("/proc/sys/vm/dirty_bytes", String(8 << 20));
    m.write("/proc/sys/vm/dirty_background_bytes", String(4 << 20));
    const fd = p.open("/mnt/d/f", "w|create");
    let paused = 0;
    let maxHeld = 0;
    m.trace.on("balance_dirty_pages", (e) => {
      if (Number(e.fields.pause) > 0) paused++;
      maxHeld = Math.max(maxHeld, Number(e.fields.dirty));
    });
    const t0 = m.now;
    for (let i = 0; i < 64; i++) p.writeFd(fd, 1 << 20);
    const elapsed = (m.now - t0) / 1e9;
    expect(paused).toBeGreaterThan(10);
    // the limit is 2048 pages; the writer is held below it (pos_ratio reaches 0 at the limit)
    expect(maxHeld).toBeLessThanOrEqual(2048 + 64);
    // the writer went no faster than the disk, less what may stay dirty at the end (8 MiB)
    expect(elapsed).toBeGreaterThanOrEqual(((56 << 20) / 10e6) * 0.95);
    expect(elapsed).toBeLessThanOrEqual(((64 << 20) / 10e6) * 1.5);
    checkPageCache(kernelOf(m));
  });

  it("writes back an inode dirtied more than dirty_expire_centisecs ago at the next periodic pass", () => {
    const { m, p } = machine();
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 1 << 20);
    m.advance("20s");
    expect(kb(m.read("/proc/meminfo"), "Dirty")).toBeGreaterThanOrEqual(1024);
    m.advance("16s"); // 30 s expiry, passes every 5 s
    const mi = m.read("/proc/meminfo");
    // what is left is the inode table block the pass's write_inode dirtied after the disk's
    // buffer cache had been written: it waits for the block device inode's own expiry
    expect(kb(mi, "Dirty")).toBeLessThanOrEqual(4);
    expect(kb(mi, "Writeback")).toBe(0);
    expect(vm(m.read("/proc/vmstat"), "nr_written")).toBeGreaterThanOrEqual(256);
  });

  it("fsync writes the file's pages and waits for them; sync writes every disk's", () => {
    const { m, p } = machine(50e6);
    const fd = p.open("/mnt/d/f", "w|create");
    const fd2 = p.open("/mnt/d/g", "w|create");
    p.writeFd(fd, 4 << 20);
    p.writeFd(fd2, 4 << 20);
    const t0 = m.now;
    p.fsync(fd);
    // 4 MiB at 50 MB/s: the caller waited about 84 ms for the disk
    expect((m.now - t0) / 1e6).toBeGreaterThan(80);
    const k = kernelOf(m);
    let dirty = 0;
    for (const pg of k.node_data) dirty += pg.vm_stat[NR_FILE_DIRTY];
    expect(dirty).toBeGreaterThanOrEqual(1024); // g's pages
    expect(kb(m.read("/proc/meminfo"), "Writeback")).toBe(0);
    p.sync();
    const mi = m.read("/proc/meminfo");
    expect(kb(mi, "Dirty")).toBe(0);
    expect(kb(mi, "Writeback")).toBe(0);
    expect(() => p.fsync(99)).toThrow(/EBADF/);
    checkPageCache(k);
  });

  it("O_SYNC writes return with their pages written", () => {
    const { m, p } = machine();
    const fd = p.open("/mnt/d/f", "w|create|sync");
    p.writeFd(fd, 1 << 20);
    const mi = m.read("/proc/meminfo");
    // the file's pages, indirect block and inode are written; the block bitmap and what the
    // create dirtied are the filesystem's, left to the flusher as fsync leaves them
    expect(kb(mi, "Dirty")).toBeLessThanOrEqual(12);
    expect(kb(mi, "Writeback")).toBe(0);
    expect(vm(m.read("/proc/vmstat"), "nr_written")).toBeGreaterThanOrEqual(256 + 2);
  });

  it("the invariant checker catches dirty accounting that disagrees with the flags", () => {
    const { m, p } = machine();
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 64 << 10);
    const k = kernelOf(m);
    checkPageCache(k);
    k.node_data[0].vm_stat[NR_FILE_DIRTY]++;
    expect(() => checkPageCache(k)).toThrow(KernelBug);
  });

  it("reclaim that meets only unqueued dirty file folios wakes the flushers (WB_REASON_VMSCAN)", () => {
    const m = Machine.boot({ memory: "256M" });
    m.addDisk("/dev/vda", { size: "512M", ext2: { files: [] } });
    const p = m.spawn({ name: "w" });
    p.mkdir("/mnt/d");
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
    // limits high enough that neither the throttle nor background writeback starts
    m.write("/proc/sys/vm/dirty_ratio", "90");
    m.write("/proc/sys/vm/dirty_background_ratio", "80");
    const fd = p.open("/mnt/d/f", "w|create");
    for (let i = 0; i < 128; i++) p.writeFd(fd, 1 << 20);
    const reasons: string[] = [];
    m.trace.on("writeback_start", (e) => void reasons.push(String(e.fields.reason)));
    const a = p.mmap(160 << 20, {});
    p.write(a, 160 << 20);
    expect(reasons).toContain("vmscan");
    checkPageCache(kernelOf(m));
  });
});
