/**
 * Issue 20's swap-scaling rows: does the cost per access stay flat as the working set grows?
 * Each row is a machine with RAM = 3/4 of the working set (16 GiB in 12 GiB, and the same shape
 * from 2 to 32 GiB) and a swap area as large as the set. One process writes the whole set twice,
 * front to back: the first pass fills RAM and pushes a quarter of the set out to swap, the second
 * faults every swapped page back in while evicting others, so slot allocation
 * (scan_swap_map_slots) runs on an area whose used part keeps moving. The figure is CPU seconds
 * per million page accesses (process.cpuUsage; the wall clock beside it in the row columns). When
 * slot allocation scanned to the end of the never-used part of the area for every cluster, this
 * figure grew with the area (2.3-3.3× per doubling); the kernel's scan stops at the first free
 * cluster and so does the model's: the acceptance is that the rows agree within 20%.
 */
import { cpuSeconds, rowCpuFigure, type Bench } from "./bench.js";
import { Machine } from "../src/api/index.js";

const GiB = 2 ** 30;
const CHUNK = 64 * 2 ** 20;

let warmed = false;

function cpuPerMillion(setGiB: number): number {
  // The first row would otherwise pay for compiling the fault, reclaim and swap paths.
  if (!warmed) {
    warmed = true;
    cpuPerMillion(1);
  }
  const set = setGiB * GiB;
  const m = Machine.boot({ memory: `${(setGiB * 3) / 4 * 1024}M`, seed: 1 });
  const p = m.spawn({ comm: "scale" });
  p.swapon("/dev/vda", { size: set });
  const base = p.mmap(set, { prot: "rw", flags: "private|anonymous" });
  const c0 = cpuSeconds();
  const t0 = performance.now();
  let accesses = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let off = 0; off < set; off += CHUNK) {
      const r = p.touch(base + off, CHUNK, { write: true });
      accesses += r.pages;
      m.advance(r.pages * 50 + r.minflt * 500 + r.majflt * 20_000);
    }
  }
  const cpu = cpuSeconds() - c0;
  const wall = (performance.now() - t0) / 1000;
  rowCpuFigure.value = cpu / (accesses / 1e6);
  return wall / (accesses / 1e6);
}

export const benches: Bench[] = [2, 4, 8, 16, 32].map((g) => ({
  name: `swap scaling: ${g} GiB set in ${(g * 3) / 4} GiB RAM, written twice`,
  unit: "s per M accesses",
  run: () => cpuPerMillion(g),
}));
