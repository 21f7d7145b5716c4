/**
 * Writeback's speed (issue 14's target): a 4 GiB dirty writer against the default dirty_ratio
 * (20%) and dirty_background_ratio (10%) finishes in ≤ 2 s of wall time. The machine has 8 GiB
 * and an ext2 disk of 6 GiB at the default 1 GB/s; the writer does 1 MiB write(2)s through the
 * kernel's entry (ksys_write) with no CPU time of its own, so it dirties faster than the disk
 * writes: balance_dirty_pages throttles it (pauses on the simulated clock), the flusher writes
 * 4 GiB, clean pages are reclaimed as the file outgrows memory. The row times the model's work
 * for all of it (simulated seconds cost no wall time); fsync at the end writes what is left.
 */
import { Machine } from "../src/api/index.js";
import { kernelOf, taskOf } from "../src/api/internals.js";
import { ksys_write } from "../src/fs/read_write.js";
import { type Bench, cpuSeconds, rowCpuFigure } from "./bench.js";

const SIZE = 4 * 2 ** 30;
const CHUNK = 1 << 20;

function oneRun(): { wall: number; cpu: number; simulated: number } {
  const m = Machine.boot({ memory: "8G" });
  m.addDisk("/dev/vda", { size: "6G", ext2: { files: [] } });
  const p = m.spawn({ name: "dd" });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
  const fd = p.open("/mnt/d/big", "w|create");
  const k = kernelOf(m);
  const t = taskOf(p);
  const s0 = m.now;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  for (let pos = 0; pos < SIZE; pos += CHUNK) if (ksys_write(k, t, fd, CHUNK) !== CHUNK) throw new Error("short write");
  p.fsync(fd);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  return { wall, cpu, simulated: (m.now - s0) / 1e9 };
}

export const benches: Bench[] = [
  {
    name: "writeback: 4 GiB dirty writer against dirty_ratio, 1 MiB write(2)s then fsync, ext2 on an 8 GiB machine",
    unit: "s",
    run: () => {
      // Best of two runs (each boots its own machine): the host's noise only adds.
      let best = Infinity;
      let bestCpu = Infinity;
      for (let i = 0; i < 2; i++) {
        const r = oneRun();
        best = Math.min(best, r.wall);
        bestCpu = Math.min(bestCpu, r.cpu);
      }
      rowCpuFigure.value = bestCpu;
      return best;
    },
  },
];

/** For a quick look: `npx tsx bench/writeback.bench.ts`. */
if (process.argv[1]?.endsWith("writeback.bench.ts")) {
  const r = oneRun();
  console.log(`wall ${r.wall.toFixed(2)} s, cpu ${r.cpu.toFixed(2)} s, simulated ${r.simulated.toFixed(2)} s`);
}
