/**
 * Boot time and model memory per simulated page for 1 GiB, 64 GiB and 1 TiB machines.
 * "resident" is the host RSS the boot added divided by the machine's pages: what the model really
 * costs, since its zero-filled columns are committed by the host only where touched; "declared"
 * is the size of the columns, committed or not.
 */
import { Machine } from "../src/api/index.js";
import type { Bench } from "./bench.js";
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

export const benches: Bench[] = sizes.flatMap((size) => [
  { name: `boot: ${size} machine`, unit: "ms", run: () => measure(size).ms },
  { name: `boot: ${size} resident model bytes per page`, unit: "B/page", run: () => measure(size).residentBytesPerPage },
  { name: `boot: ${size} declared model bytes per page`, unit: "B/page", run: () => measure(size).declaredBytesPerPage },
]);
