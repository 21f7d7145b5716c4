/**
 * The page cache as a property: random programs on a 128 MiB machine with swap, a tmpfs (8 MiB,
 * so it fills) and an ext2 disk — reads, writes, pread/pwrite at random offsets, ftruncate,
 * unlink, close and reopen, fadvise (DONTNEED, WILLNEED, RANDOM), readahead(2), MAP_SHARED and
 * MAP_PRIVATE file mappings read and written, munmap, anonymous pressure that makes reclaim take
 * file pages, drop_caches, time passing (readahead I/O completes, the flusher's periodic and
 * background passes run), fsync, fdatasync and sync, with dirty limits low enough (1 and 2 MiB)
 * that writers are throttled. After every step:
 * - checkPageCache: every page-cache folio in exactly one mapping at its index, on an LRU list
 *   or in an lru_add batch, nrpages equal to i_pages, NR_FILE_PAGES and NR_SHMEM equal to the
 *   folios, no freed page still named by a live mapping, i_mmap equal to the live file VMAs;
 *   dirty and writeback counts equal to the flags and tags, no free page dirty;
 *   when the OOM killer or a SIGBUS ends the program, the invariants are checked once more;
 * - checkMm (and checkLru through it): rss and mapcounts against the page tables, the LRU lists
 *   against their counters;
 * - check_swap_invariants: every swap slot's count equals the swap PTEs and the tmpfs value
 *   entries naming it (tmpfs pages go to swap under the anonymous pressure: shmem_writepage),
 *   and the tmpfs files' swapped counts equal their value entries;
 * - every operation answers with a result, the kernel's errno (Errno) or a signal (ProcessKilled);
 *   never a KernelBug or another exception.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/kernel/errno.js";
import { checkMm } from "../../src/sim/invariants/mm.js";
import { checkPageCache } from "../../src/sim/invariants/pagecache.js";
import { Machine } from "../../src/sim/machine.js";
import { type Process, ProcessKilled } from "../../src/sim/process.js";
import { kernelOf } from "../../src/api/internals.js";
import { check_swap_invariants } from "../../src/sim/invariants/swap.js";
import { SHMEM_I } from "../../src/mm/shmem.js";
import type { Kernel } from "../../src/kernel/kernel.js";

/** Pages of the /mnt/t tmpfs's files on swap (not the rootfs's). */
function mntTmpfsSwapped(k: Kernel): number {
  let n = 0;
  for (const mp of k.vfs.mappings.values()) {
    const h = mp.host;
    if (h !== null && h.shmem && h.i_sb.s_type === "tmpfs" && h.i_size > 0) n += SHMEM_I(h).swapped;
  }
  return n;
}

const PAGE = 4096;
/** Files: two on tmpfs, two on ext2 (made with the disk, 4 MiB each). */
const PATHS = ["/mnt/t/a", "/mnt/t/b", "/mnt/d/x", "/mnt/d/y"] as const;
const FILE_PAGES = 1024;

type Op =
  | { op: "read" | "write"; f: number; page: number; pages: number }
  | { op: "truncate"; f: number; pages: number }
  | { op: "unlink" | "reopen"; f: number }
  | { op: "fadvise"; f: number; page: number; pages: number; advice: "dontneed" | "willneed" | "random" | "normal" }
  | { op: "readahead"; f: number; page: number; pages: number }
  | { op: "map"; f: number; shared: boolean; page: number; pages: number; write: boolean }
  | { op: "unmap" }
  | { op: "anon"; mib: number }
  | { op: "drop"; what: 1 | 3 }
  | { op: "advance"; ms: number }
  | { op: "fsync"; f: number; data: boolean }
  | { op: "sync" };

const f = fc.nat({ max: PATHS.length - 1 });
const page = fc.nat({ max: FILE_PAGES - 1 });
const pages = fc.integer({ min: 1, max: 512 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constantFrom("read" as const, "write" as const), f, page, pages }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate" as const), f, pages: fc.nat({ max: FILE_PAGES }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("unlink" as const, "reopen" as const), f }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("fadvise" as const), f, page, pages, advice: fc.constantFrom("dontneed" as const, "willneed" as const, "random" as const, "normal" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("readahead" as const), f, page, pages }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("map" as const), f, shared: fc.boolean(), page, pages, write: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("unmap" as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("anon" as const), mib: fc.integer({ min: 8, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("drop" as const), what: fc.constantFrom(1 as const, 3 as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 6000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fsync" as const), f, data: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("sync" as const) }) },
);

/** Runs `fn`; an Errno is the kernel's answer, anything else fails the property. */
function kernelAnswer(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof Errno)) throw e;
  }
}

/** Runs in which a /mnt/t file had pages on swap at some step. */
const seen = { tmpfsSwapped: 0 };

function run(ops: Op[]): void {
  const m = Machine.boot({ memory: "128M", swap: { size: "64M" } });
  m.addDisk("/dev/vdb", { size: "32M", ext2: { files: [{ path: "x", size: FILE_PAGES * PAGE }, { path: "y", size: FILE_PAGES * PAGE }] } });
  const k = kernelOf(m);
  const p: Process = m.spawn({ name: "pc" });
  p.mkdir("/mnt/t");
  p.mkdir("/mnt/d");
  p.mount("/mnt/t", { fstype: "tmpfs", size: "8M" });
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vdb" });
  // Low dirty limits (1 MiB background, 2 MiB foreground: 256 and 512 pages) so that writes are
  // throttled and the flusher runs in the middle of the programs.
  m.write("/proc/sys/vm/dirty_background_bytes", String(1 << 20));
  m.write("/proc/sys/vm/dirty_bytes", String(2 << 20));
  const fds: number[] = PATHS.map((path) => p.open(path, "rw|create"));
  const maps: Array<{ addr: number; len: number }> = [];
  let swappedThisRun = false;
  const check = (): void => {
    checkPageCache(k);
    checkMm(k);
    check_swap_invariants(k);
    if (!swappedThisRun && mntTmpfsSwapped(k) > 0) {
      swappedThisRun = true;
      seen.tmpfsSwapped++;
    }
  };
  check();
  for (const o of ops) {
    try {
      step(o);
    } catch (e) {
      // The OOM killer (anonymous pressure when swap is full) or SIGBUS
      // (a shared write fault on a full tmpfs) ends the program as it would the real one.
      if (!(e instanceof ProcessKilled)) throw e;
      check();
      return;
    }
    check();
  }
  for (const mp of maps) p.munmap(mp.addr, mp.len);
  for (const fd of fds) if (fd >= 0) p.close(fd);
  check();
  m.advance("50ms");
  m.write("/proc/sys/vm/drop_caches", "3");
  check();
  expect(p.alive).toBe(true);

  function step(o: Op): void {
    switch (o.op) {
      case "read":
        if (fds[o.f] >= 0) kernelAnswer(() => p.pread(fds[o.f], o.pages * PAGE, o.page * PAGE));
        break;
      case "write":
        if (fds[o.f] >= 0) kernelAnswer(() => p.pwrite(fds[o.f], o.pages * PAGE, o.page * PAGE));
        break;
      case "truncate":
        // Below a mapping the kernel would SIGBUS its later accesses: keep mappings inside by
        // truncating only files nothing maps.
        if (fds[o.f] >= 0 && maps.length === 0) kernelAnswer(() => p.ftruncate(fds[o.f], o.pages * PAGE));
        break;
      case "unlink":
        if (fds[o.f] >= 0) {
          kernelAnswer(() => p.unlink(PATHS[o.f]));
          kernelAnswer(() => p.close(fds[o.f]));
          fds[o.f] = -1;
        }
        break;
      case "reopen":
        if (fds[o.f] >= 0) kernelAnswer(() => p.close(fds[o.f]));
        fds[o.f] = -1;
        kernelAnswer(() => {
          fds[o.f] = p.open(PATHS[o.f], "rw|create");
        });
        break;
      case "fadvise":
        if (fds[o.f] >= 0) kernelAnswer(() => p.fadvise(fds[o.f], o.page * PAGE, o.pages * PAGE, o.advice));
        break;
      case "readahead":
        if (fds[o.f] >= 0) kernelAnswer(() => p.readahead(fds[o.f], o.page * PAGE, o.pages * PAGE));
        break;
      case "map": {
        const fd = fds[o.f];
        if (fd < 0) break;
        const size = p.fstat(fd).size;
        const first = Math.min(o.page, Math.floor(size / PAGE));
        const n = Math.min(o.pages, Math.floor(size / PAGE) - first);
        if (n <= 0) break;
        let addr = -1;
        kernelAnswer(() => {
          addr = p.mmap(n * PAGE, { fd, flags: o.shared ? "shared" : "private", prot: "rw", offset: first * PAGE });
        });
        if (addr < 0) break;
        maps.push({ addr, len: n * PAGE });
        if (o.write) p.write(addr, n * PAGE);
        else p.read(addr, n * PAGE);
        break;
      }
      case "unmap": {
        const mp = maps.pop();
        if (mp) p.munmap(mp.addr, mp.len);
        break;
      }
      case "anon": {
        const len = o.mib << 20;
        const a = p.mmap(len, {});
        p.write(a, len);
        p.munmap(a, len);
        break;
      }
      case "drop":
        m.write("/proc/sys/vm/drop_caches", String(o.what));
        break;
      case "advance":
        m.advance(`${o.ms}ms`);
        break;
      case "fsync":
        if (fds[o.f] >= 0) kernelAnswer(() => (o.data ? p.fdatasync(fds[o.f]) : p.fsync(fds[o.f])));
        break;
      case "sync":
        p.sync();
        break;
    }
  }
}

describe("the page cache under random file operations, mappings and reclaim", () => {
  it("keeps its invariants after every step of 25 random programs", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 40 }), (ops) => run(ops)),
      { numRuns: 25, seed: 14 },
    );
    // The pressure sent tmpfs pages to swap (and the checks above held with them there).
    expect(seen.tmpfsSwapped).toBeGreaterThan(0);
  });
});
