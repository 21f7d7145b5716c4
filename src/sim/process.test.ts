import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { Errno } from "../kernel/errno.js";
import { MiB } from "../mm/types.js";
import { MM_ANONPAGES } from "../mm/mm_types.js";
import { parseMapFlags, parseProt, type Process, ProcessKilled, spawnProcess } from "./process.js";
import { Machine } from "./machine.js";
import { taskOf } from "../api/internals.js";

describe("Process API", () => {
  it("parses protections and flags the way a reader writes them", () => {
    expect(parseProt("rw")).toBe(3);
    expect(parseProt("r-x")).toBe(5);
    expect(parseProt("none")).toBe(0);
    expect(parseMapFlags("private|anonymous|populate")).toBe(0x2 | 0x20 | 0x8000);
    expect(() => parseMapFlags("private|bogus")).toThrow(TypeError);
  });

  it("parses a repeated spec to the same bits, and refuses a bad one every time (only good parses are remembered)", () => {
    for (let i = 0; i < 3; i++) {
      expect(parseProt("RW")).toBe(3);
      expect(parseProt("read|exec")).toBe(5);
      expect(parseMapFlags("MAP_SHARED, anonymous")).toBe(0x1 | 0x20);
      expect(() => parseProt("rwz")).toThrow(TypeError);
      expect(() => parseMapFlags("private|bogus")).toThrow(TypeError);
    }
    // Many distinct specs: the memo stays bounded and every answer stays right.
    for (let i = 0; i < 600; i++) expect(parseMapFlags(`private${" ".repeat(i % 300)}|anonymous`)).toBe(0x22);
    expect(parseMapFlags("private|anonymous")).toBe(0x22);
  });

  it("hands out pids after init and the boot kernel threads, and reaps on exit", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const a = spawnProcess(k, { comm: "a", image: null });
    const b = spawnProcess(k, { comm: "b", image: null });
    // kthreadd is 2 and the boot kernel threads take up to 60 on one CPU (kthread.ts).
    expect([a.pid, b.pid]).toEqual([61, 62]);
    a.exit();
    expect(a.alive).toBe(false);
    expect(k.tasks.find(61)).toBeUndefined();
    expect(() => a.mmap(4096)).toThrow(Errno);
  });

  it("kills a process that touches unmapped memory with SIGSEGV and frees its memory", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "segv" });
    const a = p.mmap(MiB);
    p.touch(a, MiB, { write: true });
    let err: unknown = null;
    try {
      p.touch(0x1000_0000, 4096);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProcessKilled);
    expect((err as ProcessKilled).signal).toBe("SIGSEGV");
    expect(p.alive).toBe(false);
    expect(taskOf(p).mm).toBeNull();
  });

  it("a forked child shares pages until it writes (copy-on-write)", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "cow", image: null });
    const a = p.mmap(64 * 4096);
    p.touch(a, 64 * 4096, { write: true });
    const c = p.fork();
    expect(taskOf(c).mm!.rss_stat[MM_ANONPAGES]).toBe(64);
    const r = c.touch(a, 16 * 4096, { write: true });
    expect(r.minflt).toBe(16);
    expect(taskOf(c).flags & 0x40).toBe(0x40); // PF_FORKNOEXEC
  });

  it("reads pagemap through the API: present, exclusive anonymous pages with their frames", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "pm", image: null });
    const a = p.mmap(4 * 4096);
    p.touch(a, 2 * 4096, { write: true });
    const pm = p.pagemap(a, 4);
    const PM_PRESENT = 1 << 15;
    const PM_MMAP_EXCLUSIVE = 1 << 8;
    expect(pm.flags[0] & (PM_PRESENT | PM_MMAP_EXCLUSIVE)).toBe(PM_PRESENT | PM_MMAP_EXCLUSIVE);
    expect(pm.frame[0]).toBeGreaterThan(0);
    expect(pm.flags[3] & PM_PRESENT).toBe(0);
    expect(p.pagemap(a, 1, { showPfn: false }).frame[0]).toBe(0);
    expect(p.maps()).toContain(a.toString(16).padStart(8, "0"));
  });

  it("sbrk grows the heap and fails with ENOMEM past RLIMIT_DATA", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "heap", rlimits: { data: 4 * MiB } });
    const old = p.sbrk(MiB);
    expect(p.brk()).toBe(old + MiB);
    expect(() => p.sbrk(8 * MiB)).toThrow(Errno);
  });
});

describe("Process API: what it holds, as plain values", () => {
  it("status() gives /proc/PID/status's memory lines and the fault counters", () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ comm: "st", image: null });
    const a = p.mmap(MiB);
    p.touch(a, 256 * 1024, { write: true });
    const st = p.status();
    expect(st).toMatchObject({ pid: p.pid, ppid: 1, comm: "st", alive: true, killedBy: null, vmSizeKb: 1024, vmRssKb: 256, rssAnonKb: 256, minflt: 64, majflt: 0 });
    const text = m.read(`/proc/${p.pid}/status`);
    for (const [field, v] of [["VmSize", st.vmSizeKb], ["VmRSS", st.vmRssKb], ["RssAnon", st.rssAnonKb], ["VmHWM", st.vmHwmKb], ["VmLck", st.vmLckKb]] as const) {
      expect(text).toMatch(new RegExp(`^${field}:\\s+${v} kB$`, "m"));
    }
    p.kill();
    expect(p.status()).toMatchObject({ alive: false, killedBy: "SIGKILL", vmRssKb: 0, minflt: 64 });
  });

  it("touchAddrs faults the pages it is given, in order, and mlocks them in a VM_LOCKED mapping as touch does", () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ comm: "ta", image: null });
    const a = p.mmap(64 * 4096, { flags: "shared|anonymous" });
    p.mlock(a, 64 * 4096, { onFault: true });
    const addrs = new Float64Array(16);
    for (let i = 0; i < 16; i++) addrs[i] = a + ((i * 37) % 64) * 4096;
    const r = p.touchAddrs(addrs, 12, { write: true });
    expect(r.minflt).toBe(12);
    expect(Number(/^Mlocked:\s+(\d+) kB$/m.exec(m.read("/proc/meminfo"))?.[1])).toBe(48);
    expect(() => p.touchAddrs(addrs, 17)).toThrow(RangeError);
    addrs[0] = 0x1000;
    expect(() => p.touchAddrs(addrs, 1)).toThrow(ProcessKilled);
  });
});

describe("Process API: arguments are checked as the kernel receives them", () => {
  const proc = (): Process => Machine.boot({ memory: "256M" }).spawn({ comm: "args" });

  it("reads a negative length as the unsigned long the kernel sees, and answers with its errno", () => {
    const p = proc();
    // Before: mmap(-4096000) made a VMA whose start was above its end (VmSize: -3008 kB).
    expect(() => p.mmap(-4096000)).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    const a = p.mmap(MiB);
    expect(() => p.munmap(a, -4096)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => p.mprotect(a, -4096, "r")).toThrow(expect.objectContaining({ code: "ENOMEM" }));
    expect(p.status().vmSizeKb).toBeGreaterThan(0);
    expect(p.maps().split("\n").every((l) => l === "" || parseInt(l.split("-")[0], 16) < parseInt(l.split("-")[1], 16))).toBe(true);
  });

  it("throws RangeError for what no register can hold, and for a touch of negative length", () => {
    const p = proc();
    for (const bad of [NaN, Infinity, 4096.5, 2 ** 64]) expect(() => p.mmap(bad)).toThrow(RangeError);
    expect(() => p.touch(0x400000, -4096)).toThrow(RangeError);
    expect(() => p.touch(-1, 4096)).toThrow(RangeError);
    expect(() => p.pagemap(0x400000, 2 ** 40)).toThrow(RangeError);
    expect(() => p.exit(0.5)).toThrow(RangeError);
    expect(() => p.setRlimit("cpu" as "stack", 1)).toThrow(RangeError);
    expect(() => p.setRlimit("stack", -1)).toThrow(RangeError);
    expect(() => p.swapon("/dev/vda", { size: "1M", kind: "disk" as "file" })).toThrow(RangeError);
    expect(() => p.swapon("/dev/vda", { size: "1M", bandwidth: 0 })).toThrow(RangeError);
    expect(() => p.swapon("/dev/vda", { size: "1M", priority: 40000 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(p.alive).toBe(true);
  });

  it("refuses spawn options that cannot be", () => {
    const m = Machine.boot({ memory: "256M" });
    expect(() => m.spawn({ ppid: 999 })).toThrow(/no such process/);
    expect(() => m.spawn({ uid: -1 })).toThrow(RangeError);
    expect(() => m.spawn({ rlimits: { stack: -5 } })).toThrow(RangeError);
    expect(() => m.spawn({ oomScoreAdj: 2000 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => m.spawn({ comm: "" })).toThrow(RangeError);
  });
});
