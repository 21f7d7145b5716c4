/**
 * A scenario's recorded page accesses replayed through Linux's reclaim (issue 19): the scenario
 * runs with its accesses recorded (Machine.recordAccesses, what `mmsim run --record-accesses`
 * writes), the records go through the recorded-access format (AccessTraceWriter) and are read
 * back as `mmsim replay --format mmsim` reads them, and the trace is replayed with the `linux`
 * and `mglru` policies at a cache size equal to the scenario process's resident peak (VmHWM).
 *
 * The workload is w5's shape at a quarter of its size: one process writes a 96 MiB buffer
 * (N = 24576 pages) twice, page by page, on a 128M machine with swap, where about C = 12k of
 * its pages fit. Since N >= 2C, every page of the first pass has been evicted before the second
 * pass comes back to it, under any policy that keeps recently written pages (Linux's two lists
 * and MGLRU's generations both do): each of the 2N buffer accesses needs a page from outside
 * memory, in the scenario and in the replay.
 *
 * What must be equal, and why:
 * - requests: the replay reads back exactly the records the scenario wrote;
 * - misses of the buffer: the replay misses every request (nKeys first faults + N refaults, one
 *   major fault each at vm.page-cluster 0), and in the scenario each of the 2N buffer accesses
 *   was a page fault (the process's minflt + majflt in /proc/self/stat are 2N and a few more):
 *   by the argument above;
 * - swap-outs: every page is dirty when evicted (both passes write), so each side writes the N
 *   pages of the first pass once and each page that is in swap at the end once more: pswpout =
 *   N + the pages in swap (the scenario: its process's VmSwap, which also holds a few of its
 *   stack and heap pages; the replay: N - the buffer pages resident at the end, its other keys
 *   never being evicted), exactly, on each side with its own count.
 * What may differ, and why:
 * - the process's other pages (its program image, stack: 174 keys, each reached once): in the
 *   replay every key is an anonymous page, so its first request is a miss; in the scenario most
 *   of them were mapped without a fault of their own (fault-around, filemap_map_pages, maps up
 *   to 16 pages of a file at one fault; others were mapped before the recording started), so the
 *   process's faults exceed 2N by between 1 and that many;
 * - major faults and pages read from swap: the scenario reads ahead (vm.page-cluster 3: 8 pages
 *   a read, so pgmajfault ~N/8, and a few pages read ahead are evicted before use and read
 *   again, so pswpin >= N); the replay reads one page per miss (pswpin = pgmajfault = N);
 * - the resident count at the end, so swap-outs: both are near the cache size, the scenario's
 *   lower by its watermark gap (kswapd frees up to the high watermark, 313 pages of DMA32 here)
 *   and the replay's by the replay machine's narrowest gap; the test bounds the difference by
 *   the scenario's DMA32 high watermark.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/sim/machine.js";
import { parseScenario } from "../../src/workload/parse.js";
import { runScenario } from "../../src/workload/runner.js";
import { fieldOf } from "../../src/workload/expect.js";
import { AccessTraceWriter, encodeAccessHeader } from "../../src/replay/access_format.js";
import { createTraceReader } from "../../src/replay/readers.js";
import { TraceBuilder } from "../../src/replay/trace.js";
import { LinuxPolicy } from "../../src/replay/policy/linux.js";
import { kernelOf } from "../../src/api/internals.js";
import { shmem_nr_swapped } from "../../src/mm/shmem.js";

const N = (96 * 2 ** 20) / 4096;
const SCENARIO = `
name: replay-consistency
seed: 1
machine:
  memory: 128M
processes:
  - name: anon
    run:
      - swapon: { path: /dev/vda, size: 256M }
      - mmap: { name: buf, size: 96M }
      - touch: { region: buf, access: write, repeat: 2 }
        capture:
          - { label: vmstat, path: /proc/vmstat }
          - { label: status, path: /proc/self/status }
          - { label: stat, path: /proc/self/stat }
          - { label: smaps, path: /proc/self/smaps }
          - { label: zoneinfo, path: /proc/zoneinfo }
`;

/** The Rss (pages) of the VMA of `kb` kB in an smaps text. */
function vmaRss(smaps: string, kb: number): number {
  const blocks = smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/);
  const b = blocks.find((x) => new RegExp(`^Size: +${kb} kB$`, "m").test(x));
  const m = b ? /^Rss: +(\d+) kB$/m.exec(b) : null;
  if (m === null) throw new Error(`no VMA of ${kb} kB`);
  return Number(m[1]) / 4;
}

describe("a recorded scenario replayed through Linux's reclaim", () => {
  const sc = parseScenario(new TextEncoder().encode(SCENARIO), "replay-consistency.yaml");
  const m = Machine.boot({ ...sc.machine, seed: sc.seed });
  m.recordAccesses();
  const chunks: Uint8Array[] = [];
  const w = new AccessTraceWriter((b) => void chunks.push(b.slice()), 65536);
  const r = runScenario(sc, { machine: m });
  const anonPid = Number(/^Pid:\s+(\d+)$/m.exec(r.captures.find((x) => x.label === "status")?.text ?? "")?.[1] ?? -1);
  let anonAccesses = 0;
  m.takeAccesses((page, space, write, file) => {
    w.add(page, space, write, file);
    if (space === anonPid && !file) anonAccesses++;
  });
  w.flush();
  const tb = new TraceBuilder({ keepWrites: true });
  const reader = createTraceReader("mmsim", tb);
  reader.push(encodeAccessHeader(w.records));
  for (const c of chunks) reader.push(c);
  reader.end();
  const trace = tb.finish();
  const text = (label: string): string => {
    const c = r.captures.find((x) => x.label === label);
    if (c === undefined) throw new Error(`no capture ${label}`);
    return c.text;
  };
  const field = (label: string, f: string): number => {
    const v = fieldOf(text(label), f);
    if (v === undefined) throw new Error(`${f} not in ${label}`);
    return v;
  };
  // /proc/self/stat: minflt is field 10, majflt field 12 (after the comm in parentheses)
  const stat = text("stat").slice(text("stat").lastIndexOf(")") + 2).split(" ");
  const faults = Number(stat[10 - 3]) + Number(stat[12 - 3]);
  const scenarioResident = vmaRss(text("smaps"), 96 * 1024);
  const dma32High = Number(/zone +DMA32[\s\S]*?^ +high +(\d+)$/m.exec(text("zoneinfo"))?.[1]);
  const cache = field("status", "VmHWM") / 4;
  // tmpfs pages reclaim wrote to swap (shmem_writepage: the initramfs's cold files), which the
  // trace does not hold: the process's own swap-outs are pswpout less these. Each went out once
  // (nothing reads them back here), and the last step's capture is the scenario's end.
  const shmemOut = shmem_nr_swapped(kernelOf(m));

  it("reads back every record, and the scenario's process faulted on every access it made", () => {
    expect(anonPid).toBeGreaterThan(0);
    expect(trace.n).toBe(w.records);
    const otherKeys = trace.nKeys - N;
    expect(anonAccesses).toBe(2 * N + otherKeys);
    expect(faults).toBeGreaterThan(2 * N);
    expect(faults).toBeLessThanOrEqual(2 * N + otherKeys);
    // every buffer page was written to swap in pass 1, and each page in swap at the end (the
    // buffer's N - resident, and 12 of the process's stack and heap pages here) once more
    expect(field("vmstat", "pswpout") - shmemOut).toBe(N + field("status", "VmSwap") / 4);
    expect(field("status", "VmSwap") / 4).toBeGreaterThanOrEqual(N - scenarioResident);
    // pass 2 brings each swapped buffer page back: read from swap (pswpin), or without I/O while
    // it still sits in the swap cache, so pswpin is not N exactly; it never exceeds what went out
    expect(field("vmstat", "pswpin")).toBeGreaterThan(N - scenarioResident);
    expect(field("vmstat", "pswpin")).toBeLessThanOrEqual(field("vmstat", "pswpout") - shmemOut);
    expect(field("vmstat", "pgmajfault")).toBeLessThan(N / 4);
  });

  for (const lru of ["classic", "mglru"] as const) {
    it(`${lru}: misses every request as the scenario faulted on every access; swap-outs are 2N minus the resident pages`, { timeout: 120_000 }, () => {
      const p = new LinuxPolicy(cache, trace.nKeys, lru);
      const vm = (f: string): number => fieldOf(p.rm.machine.read("/proc/vmstat"), f) ?? NaN;
      const maj0 = vm("pgmajfault");
      const out0 = vm("pswpout");
      const misses = p.run(trace.ids, 0, trace.n, trace.writes);
      expect(misses).toBe(trace.n);
      expect(vm("pgmajfault") - maj0).toBe(N);
      // the buffer's pages resident at the end: every key resident but the buffer's are the
      // process's other pages, touched once and never evicted here
      let resident = 0;
      for (let id = 0; id < trace.nKeys; id++) if (p.has(id)) resident++;
      const otherKeys = trace.nKeys - N;
      expect(vm("pswpout") - out0).toBe(2 * N - (resident - otherKeys));
      expect(Math.abs(vm("pswpout") - out0 - (field("vmstat", "pswpout") - shmemOut))).toBeLessThanOrEqual(dma32High);
    });
  }
});
