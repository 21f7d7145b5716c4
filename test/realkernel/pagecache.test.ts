/**
 * Fidelity of the page cache (issue 14, part A) against the real Linux 6.1 captures of
 * test/realkernel/data (the QEMU harness of tools/realkernel; the workloads are in
 * tools/realkernel/guest/init (w6) and init-ext (pc-read, pc-reclaim-sN)):
 * - w6: a 64 MiB tmpfs file written and removed, then a 64 MiB ext2 file read twice and the cache
 *   dropped. MemFree, Cached, Buffers, Shmem, Active(file), Inactive(file) within 2% or 64 kB at
 *   every step, as issue 14 asks (MemFree since the model allocates the boot slab, modules' and
 *   the initramfs's pages as the kernel's numbers say: 0.3–1.9% off, the largest after the cold
 *   read); MemFree's change between steps too, within 2% or 64 kB for the tmpfs write and the
 *   warm read, within 6 MiB for the cold read and where pages are freed (what the per-cpu lists
 *   keep back differs); the module load before dropped0 is not compared as a change.
 *   SReclaimable's change over the tmpfs write and the cold read within 32 kB, over the drop
 *   within 64 kB: the page cache's xa_nodes are radix_tree_node objects.
 * - pc-read: the resident pages mincore reports after each step, exactly (readahead's windows are
 *   deterministic), and the two-touch promotion of the warm read.
 * - pc-reclaim-s0/s60/s200: who pays for 160 MiB of anonymous memory on 256 MiB with a 96 MiB
 *   file cached: by swappiness. One capture each, so the bounds are the direction and rough size
 *   of the split (docs/fidelity/pagecache.md gives the figures).
 * The simulated clock is advanced 10 ms before each snapshot, as the real steps took milliseconds
 * (rkx's clock.* files) during which readahead I/O completed.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Machine, type Process } from "../../src/api/index.js";

const dataDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), "data");
const real = (w: string, f: string): string => fs.readFileSync(path.join(dataDir, w, f), "utf8");

function field(text: string, name: string): number {
  const re = new RegExp(`^${name.replace(/[()]/g, "\\$&")}:\\s+(\\d+) kB$`, "m");
  const m = re.exec(text);
  if (!m) throw new Error(`no ${name}`);
  return Number(m[1]);
}
function vmstat(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
  if (!m) throw new Error(`no ${name}`);
  return Number(m[1]);
}
/** Within 2% of the real value or 64 kB, whichever is larger. */
function close(model: number, truth: number): boolean {
  return Math.abs(model - truth) <= Math.max(64, Math.abs(truth) * 0.02);
}

const FIELDS = ["MemFree", "Cached", "Buffers", "Shmem", "Active(file)", "Inactive(file)"] as const;

describe("w6: tmpfs write, ext2 read twice, drop_caches", () => {
  it("matches every step's page cache fields within 2% or 64 kB, and MemFree's changes", () => {
    const m = Machine.boot({ memory: "512M" });
    const p = m.spawn({ name: "sh" });
    p.mkdir("/mnt/t");
    p.mkdir("/mnt/d");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const snaps = new Map<string, string>();
    const snap = (s: string): void => {
      m.advance("10ms");
      snaps.set(s, m.read("/proc/meminfo"));
    };
    snap("before");
    const fd = p.open("/mnt/t/file", "w|create|trunc");
    for (let i = 0; i < 64; i++) expect(p.writeFd(fd, 1 << 20)).toBe(1 << 20); // dd bs=1M count=64
    p.close(fd);
    snap("tmpfs");
    p.unlink("/mnt/t/file");
    snap("tmpfsrm");
    // mke2fs -t ext2 -d of a 96 MiB image holding file64 (run.sh), block size 1 KiB.
    m.addDisk("/dev/vda", { size: "96M", ext2: { files: [{ path: "file64", size: "64M" }] } });
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda", readonly: true });
    m.write("/proc/sys/vm/drop_caches", "3");
    snap("dropped0");
    const cat = (): void => {
      const f = p.open("/mnt/d/file64", "r");
      while (p.readFd(f, 128 << 10) > 0); // cat's 128 KiB reads
      p.close(f);
    };
    cat();
    snap("read1");
    cat();
    snap("read2");
    m.write("/proc/sys/vm/drop_caches", "3");
    snap("dropped");

    const bad: string[] = [];
    const steps = ["before", "tmpfs", "tmpfsrm", "dropped0", "read1", "read2", "dropped"];
    for (const s of steps) {
      const t = real("w6", `meminfo.${s}`);
      const mo = snaps.get(s) as string;
      for (const f of FIELDS) if (!close(field(mo, f), field(t, f))) bad.push(`${s} ${f}: model ${field(mo, f)} real ${field(t, f)}`);
    }
    // MemFree: the change from the step before.
    for (let i = 1; i < steps.length; i++) {
      const dm = field(snaps.get(steps[i]) as string, "MemFree") - field(snaps.get(steps[i - 1]) as string, "MemFree");
      const dr = field(real("w6", `meminfo.${steps[i]}`), "MemFree") - field(real("w6", `meminfo.${steps[i - 1]}`), "MemFree");
      // dropped0 follows the real kernel loading virtio_blk and ext4 (5.7 MiB of module text and
      // slab the model does not have): not compared. read1 also grows the real slab (xa_nodes,
      // the inode, buffer heads of the indirect blocks' pages), and the freeing steps differ by what
      // the per-cpu lists keep back: within 6 MiB. The others within 2% or 64 kB.
      if (steps[i] === "dropped0") continue;
      const loose = steps[i] === "tmpfsrm" || steps[i] === "dropped" || steps[i] === "read1";
      const ok = loose ? Math.abs(dm - dr) <= 6144 : close(dm, dr);
      if (!ok) bad.push(`${steps[i]} ΔMemFree: model ${dm} real ${dr}`);
    }
    // SReclaimable's change, which the page cache's xa_nodes (radix_tree_node, 584-byte slots in
    // 8 KiB slabs of 14) drive: the tmpfs write (real +160 kB: 261 nodes for 16 384 pages) and the
    // cold read (real +348 kB: the file's 261 nodes, the block device's ~260 for its scattered
    // indirect blocks, their buffer heads, the inode) within 32 kB, four slabs; the drop (real
    // -244 kB: what is freed leaves partial slabs behind) within 64 kB.
    const dsr = (step: string, prev: string, fromModel: boolean): number => {
      const get = (s2: string): number => field(fromModel ? (snaps.get(s2) as string) : real("w6", `meminfo.${s2}`), "SReclaimable");
      return get(step) - get(prev);
    };
    for (const [step, prev, tol] of [["tmpfs", "before", 32], ["read1", "dropped0", 32], ["dropped", "read2", 64]] as const) {
      const dm = dsr(step, prev, true);
      const dr = dsr(step, prev, false);
      if (Math.abs(dm - dr) > tol) bad.push(`${step} ΔSReclaimable: model ${dm} real ${dr}`);
    }
    expect(bad).toEqual([]);
    // The second read found everything cached and promoted it: the file is on the active list.
    expect(field(snaps.get("read2") as string, "Active(file)")).toBeGreaterThan(65536);
  });
});

/** Resident pages in a `mincore` capture: the count and the page ranges. */
function realMincore(w: string, step: string): { resident: number; pages: Set<number> } {
  const t = real(w, `mincore.${step}`);
  const resident = Number((/resident (\d+)/.exec(t) as RegExpExecArray)[1]);
  const pages = new Set<number>();
  const body = t.slice(t.indexOf("ranges") + 6, t.indexOf("nr_ranges"));
  for (const tok of body.split(/\s+/).filter((x) => x !== "")) {
    const [a, b] = tok.split("-").map(Number);
    for (let i = a; i <= (b ?? a); i++) pages.add(i);
  }
  return { resident, pages };
}

function residentPages(p: Process, addr: number, len: number): Set<number> {
  const v = p.mincore(addr, len);
  const out = new Set<number>();
  for (let i = 0; i < v.length; i++) if (v[i] & 1) out.add(i);
  return out;
}

describe("pc-read: readahead on a cold file, a warm read, random reads", () => {
  const m = Machine.boot({ memory: "512M" });
  // The pc image: 640 MiB, its files laid out in name order as mke2fs -d writes them.
  m.addDisk("/dev/vda", {
    size: "640M",
    ext2: { files: [{ path: "file128", size: "128M" }, { path: "file96", size: "96M" }, { path: "map32", size: "32M" }, { path: "rand64", size: "64M" }, { path: "seq64", size: "64M" }] },
  });
  const p = m.spawn({ name: "rkx" });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda", readonly: true });
  m.write("/proc/sys/vm/drop_caches", "3");
  const len = 64 << 20;
  const fd = p.open("/mnt/d/seq64", "r");
  // rkx's @mincore maps the file (PROT_READ, MAP_SHARED) and asks mincore.
  const view = p.mmap(len, { fd, flags: "shared", prot: "r" });
  const mi = new Map<string, string>();
  const res = new Map<string, Set<number>>();
  const snap = (s: string, addr = view): void => {
    m.advance("10ms");
    mi.set(s, m.read("/proc/meminfo"));
    res.set(s, residentPages(p, addr, len));
  };
  snap("cold");
  p.readFd(fd, 4096);
  snap("first4k");
  for (let i = 0; i < 256; i++) p.readFd(fd, 4096);
  snap("seq1m");
  while (p.readFd(fd, 4096) > 0);
  snap("rest");
  p.lseek(fd, 0);
  while (p.readFd(fd, 4096) > 0);
  snap("warm");
  const fd2 = p.open("/mnt/d/rand64", "r");
  const view2 = p.mmap(len, { fd: fd2, flags: "shared", prot: "r" });
  snap("rcold", view2);
  const offsets = real("pc-read", "rread.offsets").split("\n").slice(1).join(" ").split(/\s+/).filter((x) => x !== "").map(Number);
  for (const o of offsets) p.pread(fd2, 4096, o * 4096);
  snap("random", view2);

  it("reads ahead as 6.1 does: 4 pages for the first 4 KiB, 316 after 1 MiB more, the whole file", () => {
    for (const s of ["cold", "first4k", "seq1m", "rest", "warm", "rcold"]) {
      expect({ s, n: (res.get(s) as Set<number>).size }).toEqual({ s, n: realMincore("pc-read", s).resident });
    }
  });

  it("reads exactly the pages the kernel read for 256 random 4 KiB reads", () => {
    const want = realMincore("pc-read", "random");
    expect(offsets.length).toBe(256);
    expect([...(res.get("random") as Set<number>)].sort((a, b) => a - b)).toEqual([...want.pages].sort((a, b) => a - b));
  });

  it("promotes the file to the active list on the warm read, and Cached grows by the file", () => {
    const cached = (s: string, src: "model" | "real"): number => field(src === "model" ? (mi.get(s) as string) : real("pc-read", `meminfo.${s}`), "Cached");
    expect(close(cached("rest", "model") - cached("cold", "model"), cached("rest", "real") - cached("cold", "real"))).toBe(true);
    const act = (s: string, src: "model" | "real"): number => field(src === "model" ? (mi.get(s) as string) : real("pc-read", `meminfo.${s}`), "Active(file)");
    expect(close(act("warm", "model") - act("rest", "model"), act("warm", "real") - act("rest", "real"))).toBe(true);
  });
});

/** pc-reclaim-sN run in the model: meminfo and vmstat at each step. */
function pcReclaim(swappiness: number): Map<string, { meminfo: string; vmstat: string }> {
  const m = Machine.boot({ memory: "256M", swap: { size: "512M" }, sysctl: { "vm.swappiness": swappiness } });
  m.addDisk("/dev/vdb", { size: "640M", ext2: { files: [{ path: "file128", size: "128M" }, { path: "file96", size: "96M" }] } });
  const p = m.spawn({ name: "rkx" });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vdb", readonly: true });
  m.write("/proc/sys/vm/drop_caches", "3");
  const out = new Map<string, { meminfo: string; vmstat: string }>();
  const snap = (s: string): void => {
    m.advance("10ms");
    out.set(s, { meminfo: m.read("/proc/meminfo"), vmstat: m.read("/proc/vmstat") });
  };
  const fd = p.open("/mnt/d/file96", "r");
  const readAll = (): void => {
    p.lseek(fd, 0);
    while (p.readFd(fd, 128 << 10) > 0);
  };
  snap("before");
  readAll();
  snap("read1");
  readAll();
  snap("read2");
  const a = p.mmap(160 << 20);
  p.madvise(a, 160 << 20, "nohugepage");
  p.touch(a, 160 << 20, { write: true });
  snap("anon");
  readAll();
  snap("read3");
  return out;
}

describe("pc-reclaim: swappiness decides whether the file cache or anonymous memory pays", () => {
  const runs = new Map([0, 60, 200].map((s) => [s, pcReclaim(s)]));
  const mf = (s: number, step: string, f: string): number => field((runs.get(s)?.get(step) as { meminfo: string }).meminfo, f);
  const vf = (s: number, step: string, f: string): number => vmstat((runs.get(s)?.get(step) as { vmstat: string }).vmstat, f);
  const rf = (s: number, step: string, f: string): number => field(real(`pc-reclaim-s${s}`, `meminfo.${step}`), f);
  const rv = (s: number, step: string, f: string): number => vmstat(real(`pc-reclaim-s${s}`, `vmstat.${step}`), f);

  it("fills the cache with the 96 MiB file, then activates it on the second read, as the kernel does", () => {
    for (const s of [0, 60, 200]) {
      expect(close(mf(s, "read1", "Cached") - mf(s, "before", "Cached"), rf(s, "read1", "Cached") - rf(s, "before", "Cached"))).toBe(true);
      expect(close(mf(s, "read2", "Active(file)"), rf(s, "read2", "Active(file)"))).toBe(true);
    }
  });

  it("at swappiness 0 swaps nothing and reclaims the file; the third read refaults it all", () => {
    expect(vf(0, "anon", "pswpout")).toBe(rv(0, "anon", "pswpout")); // 0
    expect(vf(0, "read3", "pswpout")).toBe(0);
    // real: Cached 14648 kB at "anon", 24575 file refaults on the third read (of 24576 pages).
    // The model's idle memory is ~28 MiB larger (boot offset), which the cache keeps.
    expect(mf(0, "anon", "Cached")).toBeLessThan(rf(0, "anon", "Cached") + 32 * 1024);
    expect(Math.abs(vf(0, "read3", "workingset_refault_file") - rv(0, "read3", "workingset_refault_file"))).toBeLessThanOrEqual(64);
  });

  it("at swappiness 200 keeps the file cached and swaps the anonymous memory instead", () => {
    // real: Cached 100240 kB and AnonPages 75652 kB at "anon", 23436 pages swapped out, no refault.
    expect(close(mf(200, "anon", "Cached"), rf(200, "anon", "Cached")) || mf(200, "anon", "Cached") > rf(200, "anon", "Cached")).toBe(true);
    expect(vf(200, "anon", "pswpout")).toBeGreaterThan(rv(200, "anon", "pswpout") * 0.5);
    expect(vf(200, "read3", "workingset_refault_file")).toBe(rv(200, "read3", "workingset_refault_file")); // 0
  });

  it("at swappiness 60 does both: swaps some anonymous memory and refaults the file on the third read", () => {
    // real: pswpout 13457 and 24576 file refaults by "read3", AnonPages 115320 kB.
    expect(vf(60, "read3", "pswpout")).toBeGreaterThan(rv(60, "read3", "pswpout") * 0.5);
    expect(vf(60, "read3", "pswpout")).toBeLessThan(rv(60, "read3", "pswpout") * 1.5);
    expect(Math.abs(vf(60, "read3", "workingset_refault_file") - rv(60, "read3", "workingset_refault_file"))).toBeLessThanOrEqual(64);
    expect(Math.abs(mf(60, "read3", "AnonPages") - rf(60, "read3", "AnonPages"))).toBeLessThan(16 * 1024);
    // The order between the three: more swap and more file kept as swappiness rises.
    expect(vf(0, "read3", "pswpout")).toBeLessThan(vf(60, "read3", "pswpout"));
    expect(vf(60, "anon", "pswpout")).toBeLessThan(vf(200, "anon", "pswpout"));
    expect(mf(0, "anon", "Cached")).toBeLessThan(mf(200, "anon", "Cached"));
  });
});

describe("pc-mmap: read faults on a cold MAP_SHARED file mapping", () => {
  it("places the mapping on a 2 MiB boundary and takes the kernel's faults: one minor and about one major (retried) per 32-page window", () => {
    const m = Machine.boot({ memory: "512M" });
    m.addDisk("/dev/vda", { size: "640M", ext2: { files: [{ path: "file128", size: "128M" }, { path: "file96", size: "96M" }, { path: "map32", size: "32M" }] } });
    const p = m.spawn({ name: "rkx" });
    p.mkdir("/mnt/d");
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
    const fd = p.open("/mnt/d/map32", "rw");
    m.write("/proc/sys/vm/drop_caches", "1");
    m.advance("10ms");
    const stat = (): number[] => {
      const s = m.read(`/proc/${p.pid}/stat`).split(" ");
      const v = m.read("/proc/vmstat");
      return [Number(s[9]), Number(s[11]), vmstat(v, "pgfault"), vmstat(v, "pgmajfault")];
    };
    const before = stat();
    const a = p.mmap(32 << 20, { fd, flags: "shared", prot: "r" });
    expect(a % (2 << 20)).toBe(0); // thp_get_unmapped_area
    for (let i = 0; i < 8192; i++) p.read(a + i * 4096, 1); // rkx's touch: one byte per page
    m.advance("10ms");
    const after = stat();
    const d = after.map((x, i) => x - before[i]);
    const rs = (step: string): number[] => {
      const s = real("pc-mmap", `proc.${step}.stat`).split(" ");
      const v = real("pc-mmap", `vmstat.${step}`);
      return [Number(s[9]), Number(s[11]), vmstat(v, "pgfault"), vmstat(v, "pgmajfault")];
    };
    const rd = rs("readfault").map((x, i) => x - rs("dropped")[i]);
    // real: minflt +256, majflt +259, pgfault +774, pgmajfault +1
    expect(d[0]).toBe(rd[0]);
    expect(Math.abs(d[1] - rd[1])).toBeLessThanOrEqual(8);
    expect(Math.abs(d[2] - rd[2])).toBeLessThanOrEqual(rd[2] * 0.02);
    expect(d[3]).toBe(rd[3]);
    expect(residentPages(p, a, 32 << 20).size).toBe(realMincore("pc-mmap", "readfault").resident);
  });
});
