import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { Errno } from "../kernel/errno.js";
import { MiB } from "../mm/types.js";
import { MM_ANONPAGES } from "../mm/mm_types.js";
import { parseMapFlags, parseProt, ProcessKilled, spawnProcess } from "./process.js";

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
    expect(p.mm).toBeNull();
  });

  it("a forked child shares pages until it writes (copy-on-write)", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "cow", image: null });
    const a = p.mmap(64 * 4096);
    p.touch(a, 64 * 4096, { write: true });
    const c = p.fork();
    expect(c.mm!.rss_stat[MM_ANONPAGES]).toBe(64);
    const r = c.touch(a, 16 * 4096, { write: true });
    expect(r.minflt).toBe(16);
    expect(c.task.flags & 0x40).toBe(0x40); // PF_FORKNOEXEC
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
