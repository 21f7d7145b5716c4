/**
 * Fidelity of dirty throttling and writeback (issue 14, part B) against pc-dirty
 * (test/realkernel/data/pc-dirty; the workload is wl_pc_dirty in tools/realkernel/guest/init-ext):
 * 256 MiB written to a new ext2 file on a 1 GiB disk in 1 MiB write(2)s, sampled every 16 MiB,
 * then fsync — run 1 with dirty_ratio 20 / dirty_background_ratio 10, run 2 (after rm and sync)
 * with dirty_bytes 16M / dirty_background_bytes 8M.
 *
 * The model replays it on the real run's clock: between samples the simulated clock advances by
 * the real elapsed time (clock.*), spread evenly over the 16 writes, so the flusher's periodic
 * and background passes and the disk's completions fall where they can on the real timeline.
 * The disk transfers at 74 MB/s: 256 MiB in the 3620 ms of io_ticks run 1's vda/stat shows.
 *
 * What is compared, and why these tolerances (one capture of each run; the README's note on the
 * real kernel's variation: per-sample Dirty and Writeback move by up to 100% between runs while
 * the totals agree to 0.1-2%):
 * - the thresholds: exact for dirty_bytes (4096 / 2048 pages); for dirty_ratio the model's
 *   dirtyable memory is larger by its MemFree offset (no slab, no module memory: 30660 kB at the
 *   start), and the thresholds differ by ratio × that offset, within 1%;
 * - the totals: nr_dirtied and pgpgout of each run within 1%, and every page written by fsync
 *   (nr_written = nr_dirtied, as the real 65657 of 65682 less the metadata fsync leaves);
 * - the throttle: Dirty never passes the freerun ceiling in either run, so no writer pauses
 *   (no balance_dirty_pages event), as the real writer never paused;
 * - the flusher: once the background threshold is first reached, the mean Dirty of the samples is
 *   within 25% of the real mean (per-sample values vary too much between runs to compare one by
 *   one: run 1's real samples go from 4904 to 42592 kB with the threshold at 41 MB);
 * - fsync leaves at most 25 pages dirty, and some (the bitmaps: the real kernel leaves 21 and 10).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/api/index.js";

const dataDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), "data", "pc-dirty");
const real = (f: string): string => fs.readFileSync(path.join(dataDir, f), "utf8");
const kb = (t: string, f: string): number => Number((new RegExp(`^${f}:\\s+(\\d+) kB$`, "m").exec(t) as RegExpExecArray)[1]);
const vm = (t: string, f: string): number => Number((new RegExp(`^${f} (\\d+)$`, "m").exec(t) as RegExpExecArray)[1]);
const clock = (s: string): number => Number((/monotonic ([\d.]+)/.exec(real(`clock.${s}`)) as RegExpExecArray)[1]);
const STEPS = ["000", "016", "032", "048", "064", "080", "096", "112", "128", "144", "160", "176", "192", "208", "224", "240", "256", "fsync"];

interface Sample {
  meminfo: string;
  vmstat: string;
}

function replay(): { runs: Map<string, Map<string, Sample>>; paused: Map<string, number>; memfree0: number } {
  const m = Machine.boot({ memory: "512M" });
  m.addDisk("/dev/vda", { size: "1G", bandwidth: 74e6, ext2: { files: [] } });
  const p = m.spawn({ name: "rkx" });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
  const paused = new Map<string, number>();
  let cur = "";
  m.trace.on("balance_dirty_pages", (e) => {
    if (Number(e.fields.pause) > 0) paused.set(cur, (paused.get(cur) ?? 0) + 1);
  });
  const runs = new Map<string, Map<string, Sample>>();
  let memfree0 = 0;
  for (const run of ["r1", "r2"]) {
    if (run === "r2") {
      m.write("/proc/sys/vm/dirty_bytes", "16777216");
      m.write("/proc/sys/vm/dirty_background_bytes", "8388608");
    }
    cur = run;
    const samples = new Map<string, Sample>();
    const snap = (s: string): void => void samples.set(s, { meminfo: m.read("/proc/meminfo"), vmstat: m.read("/proc/vmstat") });
    const fd = p.open(`/mnt/d/big${run}`, "w|create");
    snap("000");
    if (run === "r1") memfree0 = kb(samples.get("000")?.meminfo ?? "", "MemFree");
    for (let i = 1; i <= 16; i++) {
      const dt = (clock(`${run}_${STEPS[i]}`) - clock(`${run}_${STEPS[i - 1]}`)) / 16;
      for (let j = 0; j < 16; j++) {
        expect(p.writeFd(fd, 1 << 20)).toBe(1 << 20);
        m.advance(Math.round(dt * 1e9));
      }
      snap(STEPS[i]);
    }
    p.fsync(fd);
    snap("fsync");
    p.close(fd);
    p.unlink(`/mnt/d/big${run}`);
    p.sync();
    runs.set(run, samples);
  }
  return { runs, paused, memfree0 };
}

describe("pc-dirty: a 256 MiB writer against dirty_ratio, then dirty_bytes", () => {
  const { runs, paused, memfree0 } = replay();
  const r = (run: string, s: string): Sample => runs.get(run)?.get(s) as Sample;
  const rm = (run: string, s: string): string => real(`meminfo.${run}_${s}`);
  const rv = (run: string, s: string): string => real(`vmstat.${run}_${s}`);

  it("has the thresholds of the real kernel: dirty_bytes exactly, dirty_ratio up to the MemFree offset", () => {
    for (const s of STEPS) {
      expect(vm(r("r2", s).vmstat, "nr_dirty_threshold")).toBe(vm(rv("r2", s), "nr_dirty_threshold"));
      expect(vm(r("r2", s).vmstat, "nr_dirty_background_threshold")).toBe(vm(rv("r2", s), "nr_dirty_background_threshold"));
    }
    const offset = (memfree0 - kb(rm("r1", "000"), "MemFree")) / 4; // pages
    expect(offset).toBeGreaterThan(0);
    const t = vm(r("r1", "000").vmstat, "nr_dirty_threshold");
    const bg = vm(r("r1", "000").vmstat, "nr_dirty_background_threshold");
    const expected = vm(rv("r1", "000"), "nr_dirty_threshold") + (819 / 4096) * offset;
    const expectedBg = vm(rv("r1", "000"), "nr_dirty_background_threshold") + (409 / 4096) * offset;
    expect(Math.abs(t - expected)).toBeLessThanOrEqual(expected * 0.01);
    expect(Math.abs(bg - expectedBg)).toBeLessThanOrEqual(expectedBg * 0.01);
  });

  it("dirties and writes the same totals within 1%, and fsync writes everything", () => {
    for (const run of ["r1", "r2"]) {
      const d = (x: (s: string) => string, f: string): number => vm(x("fsync"), f) - vm(x("000"), f);
      const model = (s: string): string => r(run, s).vmstat;
      const truth = (s: string): string => rv(run, s);
      for (const f of ["nr_dirtied", "pgpgout"]) {
        const mv = d(model, f);
        const tv = d(truth, f);
        expect(Math.abs(mv - tv), `${run} ${f}: model ${mv} real ${tv}`).toBeLessThanOrEqual(tv * 0.01);
      }
      // fsync writes the file and the metadata it dirtied; a few bitmap pages may stay dirty, as
      // the real kernel's 25 and 5 pages do
      expect(d(model, "nr_dirtied") - (vm(model("fsync"), "nr_written") - vm(model("000"), "nr_written"))).toBeLessThanOrEqual(25);
      expect(kb(r(run, "fsync").meminfo, "Dirty")).toBeLessThanOrEqual(100);
      // …and some do: fsync writes the file's own metadata (its indirect blocks, its inode),
      // not the filesystem's block bitmaps (the real kernel leaves 84 and 40 kB dirty)
      expect(kb(r(run, "fsync").meminfo, "Dirty")).toBeGreaterThan(0);
    }
  });

  it("never throttles the writer: Dirty stays under the freerun ceiling, as on the real kernel", () => {
    expect(paused.get("r1") ?? 0).toBe(0);
    for (const run of ["r1", "r2"]) {
      for (const s of STEPS) {
        const v = r(run, s).vmstat;
        const freerun = Math.floor((vm(v, "nr_dirty_threshold") + vm(v, "nr_dirty_background_threshold")) / 2) * 4;
        expect(kb(r(run, s).meminfo, "Dirty")).toBeLessThanOrEqual(freerun);
        expect(kb(rm(run, s), "Dirty")).toBeLessThanOrEqual(freerun + 4 * 4096); // the real one too (its thresholds are lower)
      }
    }
  });

  it("holds Dirty around the background threshold as the flusher keeps up (mean within 25%)", () => {
    for (const run of ["r1", "r2"]) {
      const steady = STEPS.slice(3, 17); // from 48 MiB on: past the background threshold in both runs
      const mean = (f: (s: string) => number): number => steady.reduce((a, s) => a + f(s), 0) / steady.length;
      const mm = mean((s) => kb(r(run, s).meminfo, "Dirty"));
      const tm = mean((s) => kb(rm(run, s), "Dirty"));
      expect(Math.abs(mm - tm), `${run}: model mean Dirty ${mm} kB, real ${tm} kB`).toBeLessThanOrEqual(tm * 0.25);
    }
  });
});

/**
 * pc-mmap's shared half: a 32 MiB ext2 file mapped MAP_SHARED, every page written, msync(MS_SYNC),
 * written again, msync again, munmap. msync writes every page and write-protects the mapping
 * (folio_mkclean), so the second pass takes one write-protect fault per page (wp_page_shared) and
 * dirties all 8192 pages again: the real kernel's pgfault +8192 exactly, nr_dirtied +8197, Dirty
 * back to 24 kB after each msync. Exact where the capture is deterministic (the faults of the
 * second pass), within 1% for the dirtied and written totals (the real ones include a few
 * metadata pages), Dirty after msync within 100 kB.
 */
describe("pc-mmap: a MAP_SHARED file written and msync'd twice", () => {
  it("writes every page at msync, write-protects it, and the second write dirties every page again", () => {
    const m = Machine.boot({ memory: "512M" });
    m.addDisk("/dev/vda", { size: "640M", ext2: { files: [{ path: "file128", size: "128M" }, { path: "file96", size: "96M" }, { path: "map32", size: "32M" }] } });
    const p = m.spawn({ name: "rkx" });
    p.mkdir("/mnt/d");
    p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
    m.write("/proc/sys/vm/drop_caches", "3");
    const fd = p.open("/mnt/d/map32", "rw");
    const snaps = new Map<string, Sample>();
    const snap = (s: string): void => {
      m.advance("10ms");
      snaps.set(s, { meminfo: m.read("/proc/meminfo"), vmstat: m.read("/proc/vmstat") });
    };
    const a = p.mmap(32 << 20, { fd, flags: "shared", prot: "rw" });
    snap("mapped");
    const touch = (): void => {
      for (let i = 0; i < 8192; i++) p.write(a + i * 4096, 1);
    };
    touch();
    snap("written");
    p.msync(a, 32 << 20, "sync");
    snap("synced");
    touch();
    snap("written2");
    p.msync(a, 32 << 20, "sync");
    snap("synced2");
    p.munmap(a, 32 << 20);
    snap("unmapped");
    const mv = (s: string, f: string): number => vm(snaps.get(s)?.vmstat ?? "", f);
    const tv = (s: string, f: string): number => vm(real(`../pc-mmap/vmstat.${s}`), f);
    const mk = (s: string, f: string): number => kb(snaps.get(s)?.meminfo ?? "", f);
    const tk = (s: string, f: string): number => kb(real(`../pc-mmap/meminfo.${s}`), f);
    const steps = ["mapped", "written", "synced", "written2", "synced2"];
    for (let i = 1; i < steps.length; i++) {
      for (const f of ["nr_dirtied", "nr_written"]) {
        const dm = mv(steps[i], f) - mv(steps[i - 1], f);
        const dr = tv(steps[i], f) - tv(steps[i - 1], f);
        expect(Math.abs(dm - dr), `${steps[i]} Δ${f}: model ${dm} real ${dr}`).toBeLessThanOrEqual(Math.max(8, dr * 0.01));
      }
      expect(Math.abs(mk(steps[i], "Dirty") - tk(steps[i], "Dirty")), `${steps[i]} Dirty`).toBeLessThanOrEqual(Math.max(100, tk(steps[i], "Dirty") * 0.01));
    }
    // the second pass: one write-protect fault per page, as the real kernel's +8192
    expect(mv("written2", "pgfault") - mv("synced", "pgfault")).toBe(tv("written2", "pgfault") - tv("synced", "pgfault"));
    // msync waited: nothing left under writeback
    expect(mk("synced", "Writeback")).toBe(0);
    expect(mk("unmapped", "Dirty")).toBeLessThanOrEqual(100);
    expect(() => p.msync(a + 1, 4096, "sync")).toThrow(/EINVAL/);
    expect(() => p.msync(a, 4096, "sync|async")).toThrow(/EINVAL/);
    expect(() => p.msync(a, 4096, "async")).toThrow(/ENOMEM/); // unmapped now
  });
});
