/**
 * Boot time and model memory per simulated page for 1 GiB, 64 GiB and 1 TiB machines.
 * "resident" is the host RSS the boot added divided by the machine's pages: what the model really
 * costs, since its zero-filled columns are committed by the host only where touched; "declared"
 * is the size of the columns, committed or not.
 */
import { Machine } from "../src/api/index.js";
import { cpuSeconds, type Bench } from "./bench.js";
import { kernelOf } from "../src/api/internals.js";

const sizes = ["1G", "64G", "1T"] as const;
const measured = new Map<string, { ms: number; residentBytesPerPage: number; declaredBytesPerPage: number }>();

function measure(size: string): { ms: number; residentBytesPerPage: number; declaredBytesPerPage: number } {
  const hit = measured.get(size);
  if (hit) return hit;
  Machine.boot({ memory: "256M" }); // warm the JIT so the first row is not charged for compilation
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const m = Machine.boot({ memory: size });
  const ms = performance.now() - t0;
  const pages = kernelOf(m).max_pfn;
  const r = {
    ms,
    residentBytesPerPage: (process.memoryUsage().rss - rss0) / pages,
    declaredBytesPerPage: kernelOf(m).mem_map.bytesPerPage(),
  };
  measured.set(size, r);
  return r;
}

/**
 * Issue 20's scale row: a 1 TiB machine, its first process, 64 GiB touched. The first spawn makes
 * the first page tables, which once filled a 4-byte-per-page lookup column (1 GiB on this
 * machine); the whole run must stay within 8 bytes of host memory per simulated page.
 */
const bigRun = { done: false, spawnMs: 0, spawnCpuMs: 0, residentBytesPerPage: 0 };
function measureBigRun(): typeof bigRun {
  if (bigRun.done) return bigRun;
  {
    const w = Machine.boot({ memory: "256M" }).spawn({ comm: "warm" }); // JIT warm-up of boot, spawn and faults
    const a = w.mmap(1 << 20);
    w.touch(a, 1 << 20, { write: true });
  }
  const rss0 = process.memoryUsage().rss;
  const m = Machine.boot({ memory: "1T" });
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const p = m.spawn({ comm: "big" });
  bigRun.spawnMs = performance.now() - t0;
  bigRun.spawnCpuMs = (cpuSeconds() - c0) * 1000;
  const len = 64 * 2 ** 30;
  const addr = p.mmap(len);
  p.touch(addr, len, { write: true });
  bigRun.residentBytesPerPage = (process.memoryUsage().rss - rss0) / kernelOf(m).max_pfn;
  bigRun.done = true;
  return bigRun;
}

export const benches: Bench[] = sizes.flatMap((size) => [
  { name: `boot: ${size} machine`, unit: "ms", run: () => measure(size).ms },
  { name: `boot: ${size} resident model bytes per page`, unit: "B/page", run: () => measure(size).residentBytesPerPage },
  { name: `boot: ${size} declared model bytes per page`, unit: "B/page", run: () => measure(size).declaredBytesPerPage },
]);
benches.push(
  { name: "boot: 1T machine, first spawn (wall clock)", unit: "ms", run: () => measureBigRun().spawnMs },
  { name: "boot: 1T machine, first spawn (CPU time)", unit: "ms", run: () => measureBigRun().spawnCpuMs },
  {
    name: "boot: 1T machine, spawn + 64 GiB touched, resident model bytes per page",
    unit: "B/page",
    run: () => measureBigRun().residentBytesPerPage,
  },
);
