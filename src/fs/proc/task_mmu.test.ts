import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { start_kernel } from "../../kernel/start_kernel.js";
import { spawnProcess } from "../../sim/process.js";
import { procRead } from "./root.js";
import {
  pagemap_read,
  PM_FILE,
  PM_MMAP_EXCLUSIVE,
  PM_PRESENT,
  PM_SOFT_DIRTY,
  proc_pid_maps,
  proc_pid_smaps,
  proc_pid_smaps_rollup,
  task_mem,
  task_statm,
} from "./task_mmu.js";
import { taskOf } from "../../api/internals.js";

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
const real = (f: string): string => readFileSync(path.resolve(repoRoot, "test/realkernel/data/w1", f), "utf8");
const MiB = 1 << 20;

/** The model's inode numbers are its own: make the program's inode read as the real one (10). */
const sameInode = (s: string): string => s.replace(/ 00:02 \d+ +\/bin\/anon/g, (m) => m.replace(/00:02 \d+ +/, "00:02 10                                 "));

/** w1: /bin/anon after touching its 128 MiB, as the real process held it. */
function w1() {
  const k = start_kernel({ memory: 512 * MiB });
  const p = spawnProcess(k, { comm: "anon" });
  const a = p.mmap(128 * MiB, { prot: "rw", flags: "private|anonymous" });
  p.madvise(a, 128 * MiB, "nohugepage");
  p.write(a, 128 * MiB);
  return { k, p, a };
}

describe("/proc/PID/maps, smaps, smaps_rollup against w1", () => {
  const { k, p, a } = w1();

  it("prints maps byte for byte as 6.1 does (72-column padding, names, offsets)", () => {
    expect(sameInode(proc_pid_maps(k, taskOf(p)))).toBe(real("proc.maps"));
  });

  it("prints smaps byte for byte except the vdso page's sharing with other real processes", () => {
    // The real vdso page is mapped by every process of the guest (about 4 then: Pss 1 kB,
    // Shared_Clean); the model machine runs only this one, so the page is its alone.
    const want = real("proc.smaps").replace(
      /(\[vdso\]\n(?:.*\n){4})Pss: {19}1 kB\n(Pss_Dirty:.*\n)Shared_Clean: {10}4 kB\n(.*\n)Private_Clean: {9}0 kB/,
      "$1Pss:                   4 kB\n$2Shared_Clean:          0 kB\n$3Private_Clean:         4 kB",
    );
    expect(want).not.toBe(real("proc.smaps"));
    expect(sameInode(proc_pid_smaps(k, taskOf(p)))).toBe(want);
  });

  it("sums smaps_rollup over every VMA with Pss split into anon, file and shmem", () => {
    const text = proc_pid_smaps_rollup(k, taskOf(p));
    const lines = text.split("\n");
    expect(lines[0]).toBe(real("proc.smaps_rollup").split("\n")[0]);
    expect(text).toContain("Rss:              131772 kB\n");
    expect(text).toContain("Pss_Anon:         131120 kB\n");
    expect(text).toContain("Pss_Shmem:           648 kB\n");
    expect(text).toContain("Private_Dirty:    131768 kB\n");
  });

  it("prints status's Vm and Rss lines with the real sizes (rss exact where 6.1's split counters lag)", () => {
    const mm = taskOf(p).mm;
    if (!mm) throw new Error("no mm");
    const s = task_mem(mm);
    for (const key of ["VmPeak", "VmSize", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "RssShmem", "RssFile"]) {
      const line = real("proc.status").split("\n").find((l) => l.startsWith(`${key}:`));
      expect(s).toContain(`${line}\n`);
    }
    expect(s).toContain("VmRSS:\t  131772 kB\n");
  });

  it("gives statm's size, shared, text and data as task_statm computes them", () => {
    const mm = taskOf(p).mm;
    if (!mm) throw new Error("no mm");
    const [size, , , text, , data] = real("proc.statm").trim().split(" ").map(Number);
    const st = task_statm(mm);
    expect(st.size).toBe(size);
    expect(st.text).toBe(text);
    expect(st.data).toBe(data);
    expect(st.resident).toBe(131772 / 4);
    expect(st.shared).toBe(163);
  });

  it("is reachable through /proc/<pid>/… in the proc tree", () => {
    expect(procRead(k, `/proc/${p.pid}/smaps_rollup`)).toBe(proc_pid_smaps_rollup(k, taskOf(p)));
    expect(procRead(k, `/proc/${p.pid}/maps`)).toBe(proc_pid_maps(k, taskOf(p)));
  });

  it("reports pagemap entries: present anonymous pages exclusive with their pfn, untouched ones empty", () => {
    const e = pagemap_read(k, taskOf(p), a, 2);
    expect(e.flags[0] & PM_PRESENT).toBe(PM_PRESENT);
    expect(e.flags[0] & PM_MMAP_EXCLUSIVE).toBe(PM_MMAP_EXCLUSIVE);
    expect(e.flags[0] & PM_FILE).toBe(0);
    expect(e.flags[0] & PM_SOFT_DIRTY).toBe(PM_SOFT_DIRTY);
    expect(e.frame[0]).toBeGreaterThan(0);
    const hidden = pagemap_read(k, taskOf(p), a, 1, false);
    expect(hidden.frame[0]).toBe(0);
    // The program text is a file (shmem) page.
    const text = pagemap_read(k, taskOf(p), 0x401000, 1);
    expect(text.flags[0] & (PM_PRESENT | PM_FILE)).toBe(PM_PRESENT | PM_FILE);
    // Below the first VMA nothing is mapped at all.
    expect(pagemap_read(k, taskOf(p), 0x300000, 1).flags[0]).toBe(0);
  });
});

describe("Pss after fork", () => {
  it("charges each of two sharers half of a page: 4096 * 4096 / 2 in fixed point", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "pss", image: null });
    const a = p.mmap(64 * 4096, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 64 * 4096);
    const c = p.fork();
    const rp = proc_pid_smaps_rollup(k, taskOf(p));
    expect(rp).toContain("Rss:                 256 kB\n");
    expect(rp).toContain("Pss:                 128 kB\n");
    expect(rp).toContain("Shared_Dirty:        256 kB\n");
    c.write(a, 32 * 4096);
    const rc = proc_pid_smaps_rollup(k, taskOf(c));
    // The child owns 32 new pages and shares 32: 128 + 64 kB.
    expect(rc).toContain("Pss:                 192 kB\n");
    expect(rc).toContain("Private_Dirty:       128 kB\n");
    expect(rc).toContain("Shared_Dirty:        128 kB\n");
  });
});

describe("Pss truncates, never rounds (fs/proc/task_mmu.c smaps_account, __show_smap)", () => {
  // smaps_account: pss = (PAGE_SIZE << PSS_SHIFT) / mapcount, integer division per page, summed;
  // __show_smap prints SEQ_PUT_DEC(mss->pss >> PSS_SHIFT), and SEQ_PUT_DEC shifts by 10 for kB.
  function sharers(pages: number, mapcount: number): string {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "pss", image: null });
    const a = p.mmap(pages * 4096, { prot: "rw", flags: "private|anonymous" });
    p.write(a, pages * 4096);
    for (let i = 1; i < mapcount; i++) p.fork();
    return proc_pid_smaps_rollup(k, taskOf(p));
  }

  it("three pages mapped six times: 3 × ⌊16777216 / 6⌋ = 8388606, >> 12 = 2047 bytes, >> 10 = 1 kB (exactly 2 kB would round)", () => {
    const r = sharers(3, 6);
    expect(r).toContain("Rss:                  12 kB\n");
    expect(r).toContain("Pss:                   1 kB\n");
    expect(r).toContain("Pss_Dirty:             1 kB\n");
    expect(r).toContain("Pss_Anon:              1 kB\n");
  });

  it("two pages mapped three times: 2 × 5592405 = 11184810, >> 12 = 2730 bytes, >> 10 = 2 kB (2.67 would round to 3)", () => {
    const r = sharers(2, 3);
    expect(r).toContain("Rss:                   8 kB\n");
    expect(r).toContain("Pss:                   2 kB\n");
    expect(r).toContain("Shared_Dirty:          8 kB\n");
  });
});

describe("THPeligible against w1t (1 GiB, THP always)", () => {
  it("marks the 128 MiB anonymous mapping eligible and every other VMA not, as the real smaps does", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const p = spawnProcess(k, { comm: "anon" });
    const a = p.mmap(128 * MiB, { prot: "rw", flags: "private|anonymous" });
    p.write(a, 4096);
    const col = (smaps: string): string[] => smaps.split("\n").filter((l) => l.startsWith("THPeligible:"));
    const realSmaps = readFileSync(path.resolve(repoRoot, "test/realkernel/data/w1t/proc.smaps"), "utf8");
    expect(col(proc_pid_smaps(k, taskOf(p)))).toEqual(col(realSmaps));
    expect(col(realSmaps)).toContain("THPeligible:    1");
    // MADV_NOHUGEPAGE takes it away (w1's smaps).
    p.madvise(a, 128 * MiB, "nohugepage");
    expect(col(proc_pid_smaps(k, taskOf(p)))).not.toContain("THPeligible:    1");
  });
});
