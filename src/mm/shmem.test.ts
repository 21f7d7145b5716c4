/**
 * tmpfs and shared anonymous memory under reclaim (mm/shmem.c shmem_writepage and its swap-in
 * path): pages go to swap when memory runs short, come back on fault, read and write, and their
 * swap entries go with truncation, unlink and swapoff — checked against the kernel's rules with
 * the swap and page-cache checkers after each step.
 */
import { describe, expect, it } from "vitest";
import { Machine, type Process } from "../api/index.js";
import { kernelOf } from "../api/internals.js";
import { check_swap_invariants } from "../sim/invariants/swap.js";
import { checkPageCache } from "../sim/invariants/pagecache.js";
import { shmem_inode_info } from "./shmem.js";

const MiB = 1 << 20;

function meminfo(m: Machine, field: string): number {
  const r = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(m.read("/proc/meminfo"));
  if (r === null) throw new Error(`no ${field}`);
  return Number(r[1]);
}

function check(m: Machine): void {
  const k = kernelOf(m);
  check_swap_invariants(k);
  checkPageCache(k);
}

function boot(swap = 256 * MiB): { m: Machine; p: Process } {
  const m = Machine.boot({ memory: "256M" });
  const p = m.spawn({ name: "shm" });
  if (swap > 0) p.swapon("/swap", { size: swap });
  p.mkdir("/mnt/t");
  p.mount("/mnt/t", { fstype: "tmpfs", size: "400M" });
  return { m, p };
}

/** kB of the tmpfs files' pages on swap (info->swapped over every tmpfs inode). */
function rootfsSwappedKb(m: Machine): number {
  let n = 0;
  for (const mp of kernelOf(m).vfs.mappings.values()) if (mp.host !== null && mp.host.shmem && mp.host.i_private instanceof shmem_inode_info) n += mp.host.i_private.swapped;
  return n * 4;
}

/**
 * Fills a tmpfs file of `size` bytes, then touches `anon` bytes of private memory to push it out.
 * The tests take 160 MiB of tmpfs and 112 MiB of anon on 256 MiB with 256 MiB of swap: 120 MiB
 * of anon filled the swap, with ~150 MB of it still in the swap cache under writeback (the
 * model's swap writes lag its faults) and left 2.9 MB free, at the edge of the OOM killer;
 * the ~1 MB of radix_tree_node slabs 6.1 holds for the file's and the swap cache's xa_nodes
 * then tipped it over.
 */
function fillAndPress(p: Process, size: number, anon: number): number {
  const fd = p.open("/mnt/t/big", "rw|create");
  expect(p.writeFd(fd, size)).toBe(size);
  const a = p.mmap(anon, { prot: "rw" });
  p.touch(a, anon, { write: true });
  return fd;
}

describe("shmem_writepage: tmpfs pages to swap under reclaim", () => {
  it("a tmpfs file bigger than free memory goes partly to swap: Shmem drops, swap holds the rest, the checkers agree", () => {
    const { m, p } = boot();
    const shmem0 = meminfo(m, "Shmem");
    const fd = fillAndPress(p, 160 * MiB, 112 * MiB);
    check(m);
    const shmem = meminfo(m, "Shmem") - shmem0;
    const swapUsed = meminfo(m, "SwapTotal") - meminfo(m, "SwapFree");
    const pswpout = Number(/^pswpout (\d+)/m.exec(m.read("/proc/vmstat"))?.[1]);
    // 160 MiB of tmpfs and 112 MiB of anon on 256 MiB: some of the file must have gone.
    expect(shmem).toBeLessThan(160 * 1024);
    expect(swapUsed).toBeGreaterThan(0);
    expect(pswpout).toBeGreaterThan(0);
    // Every tmpfs page is in the cache, on swap, or on its way (the swap cache): none lost.
    const k = kernelOf(m);
    const ino = [...k.vfs.mappings.values()].find((mp) => mp.host?.i_size === 160 * MiB)?.host;
    expect(ino).toBeDefined();
    // Reading it back swaps it in: Shmem returns to the whole file (less what the read pushes out).
    const before = Number(/^pswpin (\d+)/m.exec(m.read("/proc/vmstat"))?.[1]);
    expect(p.pread(fd, 160 * MiB, 0)).toBe(160 * MiB);
    expect(Number(/^pswpin (\d+)/m.exec(m.read("/proc/vmstat"))?.[1])).toBeGreaterThan(before);
    check(m);
    // Unlink and close: the cache pages and the swap entries go; swap is empty again (the anon
    // memory's own swap aside, which exit frees).
    p.close(fd);
    p.unlink("/mnt/t/big");
    check(m);
    // What is left of Shmem and of the swap is the initramfs's tmpfs (rootfs), whose pages
    // reclaim may swap out as well: 6832 kB between the two.
    expect(meminfo(m, "Shmem") + rootfsSwappedKb(m)).toBe(shmem0);
    p.exit();
    check(m);
    expect(meminfo(m, "SwapTotal") - meminfo(m, "SwapFree")).toBe(rootfsSwappedKb(m));
  });

  it("without swap the pages stay (redirtied and activated): Shmem is unchanged under pressure", () => {
    const { m, p } = boot(0);
    const fd = p.open("/mnt/t/big", "rw|create");
    expect(p.writeFd(fd, 100 * MiB)).toBe(100 * MiB);
    const shmem = meminfo(m, "Shmem");
    const a = p.mmap(64 * MiB, { prot: "rw" });
    p.touch(a, 64 * MiB, { write: true });
    expect(meminfo(m, "Shmem")).toBe(shmem);
    check(m);
  });

  it("MAP_SHARED|MAP_ANONYMOUS pages go to swap too; a fault brings each back, major once per read", () => {
    const { m, p } = boot();
    const len = 128 * MiB;
    const s = p.mmap(len, { flags: "shared|anonymous", prot: "rw" });
    p.touch(s, len, { write: true });
    const a = p.mmap(160 * MiB, { prot: "rw" });
    p.touch(a, 160 * MiB, { write: true });
    check(m);
    const smaps = m.read(`/proc/${p.pid}/smaps`);
    const block = smaps.split(/\n(?=[0-9a-f]+-)/).find((b) => b.startsWith(s.toString(16)));
    expect(block).toBeDefined();
    const swapKb = Number(/^Swap:\s+(\d+) kB/m.exec(block as string)?.[1]);
    const rssKb = Number(/^Rss:\s+(\d+) kB/m.exec(block as string)?.[1]);
    // shmem_swap_usage: the VMA maps the whole file, so Swap is info->swapped; the rest is resident
    // or in the swap cache, unmapped.
    expect(swapKb).toBeGreaterThan(0);
    expect(rssKb + swapKb).toBeLessThanOrEqual(len / 1024);
    // SwapPss counts swap PTEs only: shmem's swap has none.
    expect(Number(/^SwapPss:\s+(\d+) kB/m.exec(block as string)?.[1])).toBe(0);
    p.munmap(a, 160 * MiB);
    const maj0 = p.status().majflt;
    p.touch(s, len);
    // One major fault at most per page on swap (cluster readahead brings neighbours in with it,
    // whose faults are then minor), and every page back: Swap 0, Rss the whole mapping.
    const maj = p.status().majflt - maj0;
    expect(maj).toBeGreaterThan(0);
    expect(maj).toBeLessThanOrEqual(swapKb / 4);
    const after = (m.read(`/proc/${p.pid}/smaps`).split(/\n(?=[0-9a-f]+-)/).find((b) => b.startsWith(s.toString(16))) as string);
    expect(/^Swap:\s+(\d+) kB/m.exec(after)?.[1]).toBe("0");
    expect(/^Rss:\s+(\d+) kB/m.exec(after)?.[1]).toBe(String(len / 1024));
    check(m);
    p.munmap(s, len);
    check(m);
  });

  it("truncation frees the swap entries of the range; swapoff brings the rest back", () => {
    const { m, p } = boot();
    const fd = fillAndPress(p, 160 * MiB, 112 * MiB);
    const swapped0 = meminfo(m, "SwapTotal") - meminfo(m, "SwapFree");
    p.ftruncate(fd, 16 * MiB);
    check(m);
    const swapped1 = meminfo(m, "SwapTotal") - meminfo(m, "SwapFree");
    expect(swapped1).toBeLessThan(swapped0);
    p.exit();
    const q = m.spawn({ name: "off" });
    q.swapoff("/swap");
    check(m);
    expect(meminfo(m, "SwapTotal")).toBe(0);
  });
});
