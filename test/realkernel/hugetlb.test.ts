/**
 * hugetlb against a real 6.1 kernel: test/realkernel/data/hp-hugetlb (Debian 6.1.192 under QEMU,
 * 1 GiB). The workload (tools/realkernel/guest/init-ext wl_hp_hugetlb): MAP_HUGETLB with no
 * pool, nr_hugepages=64, a 32 MiB private MAP_HUGETLB mapping touched half then whole and
 * unmapped; nr_overcommit_hugepages=16 and a 160 MiB mapping (16 surplus pages), a probe beyond,
 * unmapped, probes of 162 and 160 MiB; then nr_hugepages=100000 and 0.
 *
 * Tolerances: every HugePages_* line and Hugetlb are compared exactly at every step (identical
 * in the capture's two runs, tools/realkernel/README.md); so are the errnos and the per-process
 * lines (smaps Private_Hugetlb, status HugetlbPages), which count whole huge pages.
 * nr_hugepages=100000 reads back what the buddy allocator could give before the min watermark:
 * 436 on the real guest, which had less free memory than the model (whose boot has no slab or
 * /init footprint yet); so the MemFree left is compared (within one huge page) and the count
 * after correcting for the free-memory difference measured at an earlier step (within two pages:
 * MemFree at rest varies by up to 2.4 MB between runs with the per-CPU lists).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Kernel } from "../../src/kernel/kernel.js";
import { start_kernel } from "../../src/kernel/start_kernel.js";
import { proc_pid_smaps, task_mem } from "../../src/fs/proc/task_mmu.js";
import { meminfo_proc_show } from "../../src/fs/proc/meminfo.js";
import { checkMm } from "../../src/sim/invariants/mm.js";
import { type Process, spawnProcess } from "../../src/sim/process.js";
import { taskOf } from "../../src/api/internals.js";
import { get, kv } from "./procfmt.js";
import { procRead, procWrite } from "../../src/fs/proc/root.js";
import { Errno } from "../../src/kernel/errno.js";

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const data = (f: string): string => readFileSync(path.resolve(repoRoot, "test/realkernel/data/hp-hugetlb", f), "utf8");
const MiB = 1 << 20;
const H = "/sys/kernel/mm/hugepages/hugepages-2048kB";
const HUGE_KEYS = ["HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp", "Hugetlb"];

/** The HugePages_* lines of the model's meminfo now. */
function huge(k: Kernel): Record<string, number> {
  const m = kv(meminfo_proc_show(k));
  return Object.fromEntries(HUGE_KEYS.map((key) => [key, m.get(key) ?? -1]));
}

/** The same lines of the real capture at `step`. */
function realHuge(step: string): Record<string, number> {
  const m = kv(data(`meminfo.${step}`));
  return Object.fromEntries(HUGE_KEYS.map((key) => [key, m.get(key) ?? -1]));
}

/** An mmap that may fail: "ok" or "failed errno=N", as the probe files say. */
function probe(p: Process, len: number): string {
  try {
    const a = p.mmap(len, { prot: "rw", flags: "private|anonymous|hugetlb" });
    p.munmap(a, len);
    return "ok";
  } catch (e) {
    if (e instanceof Errno) return `failed errno=${e.errno}`;
    throw e;
  }
}

/** The probe file's verdict: "ok" or "failed errno=N". */
function realProbe(name: string): string {
  const t = data(name);
  return t.includes(": ok") ? "ok" : (/failed errno=\d+/.exec(t)?.[0] ?? t);
}

describe("hp-hugetlb: the pool, reservations, surplus pages and bad sizes", () => {
  const k = start_kernel({ memory: 1024 * MiB });
  const p = spawnProcess(k, { comm: "rkx" });
  const steps = new Map<string, Record<string, number>>();
  const proc = new Map<string, { smaps: string; status: string }>();
  const committed = new Map<string, number>();
  const at = (step: string): void => {
    steps.set(step, huge(k));
    committed.set(step, get(kv(meminfo_proc_show(k)), "Committed_AS"));
    const mm = taskOf(p).mm;
    if (mm === null) throw new Error("no mm");
    proc.set(step, { smaps: proc_pid_smaps(k, taskOf(p)), status: task_mem(mm) });
    checkMm(k);
  };
  const nopool = probe(p, 2 * MiB);
  procWrite(k, "/proc/sys/vm/nr_hugepages", "64\n");
  const nr64 = procRead(k, "/proc/sys/vm/nr_hugepages");
  at("pool");
  const a = p.mmap(32 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
  at("mapped");
  p.write(a, 16 * MiB);
  at("half");
  p.write(a, 32 * MiB);
  at("full");
  p.munmap(a, 32 * MiB);
  at("unmapped");
  const memUnmapped = meminfo_proc_show(k);
  procWrite(k, "/proc/sys/vm/nr_overcommit_hugepages", "16\n");
  at("ovc");
  const b = p.mmap(160 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
  at("s_mapped");
  p.write(b, 160 * MiB);
  at("s_full");
  const sMore = probe(p, 2 * MiB);
  p.munmap(b, 160 * MiB);
  at("s_unmapped");
  const p81 = probe(p, 162 * MiB);
  const p80 = probe(p, 160 * MiB);
  procWrite(k, "/proc/sys/vm/nr_overcommit_hugepages", "0\n");
  procWrite(k, "/proc/sys/vm/nr_hugepages", "100000\n");
  const nrHuge = Number(procRead(k, "/proc/sys/vm/nr_hugepages"));
  const freeHuge = get(kv(meminfo_proc_show(k)), "MemFree");
  procWrite(k, "/proc/sys/vm/nr_hugepages", "0\n");
  const nrZero = procRead(k, "/proc/sys/vm/nr_hugepages");
  const zero = huge(k);

  it("refuses MAP_HUGETLB without a pool with ENOMEM, as 6.1", () => {
    expect(nopool).toBe(realProbe("probe_nopool"));
  });

  it("fills a pool of 64 and reads it back through /proc/sys/vm and sysfs", () => {
    expect(nr64).toBe(data("sysvm.nr_hugepages"));
    expect(procRead(k, `${H}/nr_hugepages`)).toBe("0\n"); // read at the end, after nr_hugepages=0
  });

  for (const step of ["pool", "mapped", "half", "full", "unmapped", "ovc", "s_mapped", "s_full", "s_unmapped"]) {
    it(`shows the real HugePages_* and Hugetlb lines at "${step}"`, () => {
      expect(steps.get(step)).toEqual(realHuge(step));
    });
  }

  it("leaves Committed_AS alone for MAP_HUGETLB mappings, as the real run (accountable_mapping: hugetlb has its own accounting)", () => {
    for (const step of ["mapped", "half", "full", "unmapped", "s_mapped", "s_full"]) {
      const real = get(kv(data(`meminfo.${step}`)), "Committed_AS") - get(kv(data("meminfo.pool")), "Committed_AS");
      expect(committed.get(step)! - committed.get("pool")!, step).toBe(real);
    }
  });

  it("shows the mapping's Private_Hugetlb in smaps and HugetlbPages in status, as the real process", () => {
    for (const step of ["half", "full", "s_full"]) {
      const real = data(`proc.${step}.smaps`);
      const model = proc.get(step)?.smaps ?? "";
      const sum = (t: string, key: string): number => t.split("\n").filter((l) => l.startsWith(key)).reduce((s, l) => s + Number(/(\d+) kB/.exec(l)?.[1] ?? 0), 0);
      expect(sum(model, "Private_Hugetlb:"), step).toBe(sum(real, "Private_Hugetlb:"));
      expect(sum(model, "Shared_Hugetlb:"), step).toBe(sum(real, "Shared_Hugetlb:"));
      expect(kv(proc.get(step)?.status ?? "").get("HugetlbPages"), step).toBe(kv(data(`proc.${step}.status`)).get("HugetlbPages"));
      expect(model).toMatch(/KernelPageSize:\s+2048 kB/);
    }
  });

  it("takes surplus pages at mmap time, and refuses one more page (ENOMEM)", () => {
    expect(sMore).toBe(realProbe("probe_s_more"));
  });

  it("fits 160 MiB but not 162 MiB into the pool plus surplus after the unmap", () => {
    expect(p81).toBe(realProbe("probe_81pages"));
    expect(p80).toBe(realProbe("probe_80pages"));
  });

  it("gives nr_hugepages=100000 the kernel's partial success: stops at the min watermark as the real guest (436 there)", () => {
    // The allocator refuses the next 2 MiB once it would break the zones' min watermarks
    // (45056 kB min_free_kbytes, raised by khugepaged): both kernels end with MemFree within one
    // huge page (2048 kB) of each other.
    expect(Math.abs(freeHuge - get(kv(data("meminfo.huge")), "MemFree")), `model ${freeHuge} kB`).toBeLessThanOrEqual(2048);
    // The count: the real 436, plus the huge pages the model's extra free memory holds. The
    // model boots with more free memory than the real guest (it has no slab, /init or page
    // cache footprint yet): measured at "unmapped" (pool 64, nothing mapped) in both.
    const extra = (get(kv(memUnmapped), "MemFree") - get(kv(data("meminfo.unmapped")), "MemFree")) / 2048;
    const real = Number(data("sysvm.nr_hugepages.huge"));
    // Within 2 pages: MemFree at rest varies by up to 2.4 MB with the per-CPU lists
    // (tools/realkernel/README.md), more than one 2 MiB page, and the stop itself is whole pages.
    expect(Math.abs(nrHuge - (real + extra)), `model ${nrHuge} vs real ${real} + ${extra.toFixed(1)}`).toBeLessThanOrEqual(2);
  });

  it("gives the whole pool back at nr_hugepages=0", () => {
    expect(nrZero).toBe(data("sysvm.nr_hugepages.zero"));
    expect(zero).toEqual(realHuge("zero"));
  });
});

describe("hugetlb: bad input gets the kernel's answer", () => {
  const k = start_kernel({ memory: 512 * MiB });
  const p = spawnProcess(k, { comm: "bad" });

  it("rejects garbage in nr_hugepages and the sysfs files with EINVAL, past 2^64 with ERANGE (sysfs) or EINVAL (sysctl)", () => {
    for (const path of ["/proc/sys/vm/nr_hugepages", `${H}/nr_hugepages`, `${H}/nr_overcommit_hugepages`]) {
      expect(() => procWrite(k, path, "banana\n"), path).toThrow(Errno);
      expect(() => procWrite(k, path, "-1\n"), path).toThrow(Errno);
    }
    expect(() => procWrite(k, `${H}/nr_hugepages`, "99999999999999999999999\n")).toThrow(/ERANGE/);
    expect(() => procWrite(k, `${H}/free_hugepages`, "1\n")).toThrow(/EACCES/);
    expect(procRead(k, `${H}/nr_hugepages`)).toBe("0\n");
  });

  it("refuses an unaligned munmap of a hugetlb mapping with EINVAL and leaves it whole", () => {
    procWrite(k, "/proc/sys/vm/nr_hugepages", "4\n");
    const a = p.mmap(4 * MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
    p.write(a, 4 * MiB);
    expect(() => p.munmap(a, MiB)).toThrow(/EINVAL/);
    expect(() => p.munmap(a + MiB, 2 * MiB)).toThrow(/EINVAL/);
    expect(kv(meminfo_proc_show(k)).get("HugePages_Free")).toBe(2);
    p.munmap(a, 2 * MiB);
    expect(kv(meminfo_proc_show(k)).get("HugePages_Free")).toBe(3);
    checkMm(k);
  });

  it("rounds a MAP_HUGETLB length up to the huge page size and refuses an unknown size (EINVAL)", () => {
    const a = p.mmap(MiB, { prot: "rw", flags: "private|anonymous|hugetlb" });
    const vma = taskOf(p).mm?.mm_mt.find((v) => v.vm_start === a);
    expect(vma && vma.vm_end - vma.vm_start).toBe(2 * MiB);
    // MAP_HUGE_1GB (30 << 26): no 1 GiB hstate without gbpages and a boot pool.
    expect(() => p.mmap(2 * MiB, { prot: "rw", flags: 0x2 | 0x20 | 0x40000 | (30 * 2 ** 26) })).toThrow(/EINVAL/);
  });
});
