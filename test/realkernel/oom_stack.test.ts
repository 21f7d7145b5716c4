/**
 * The OOM report's call trace names the path that allocated, with the frames of the real
 * kernel: each case runs in the model the workload that ran out of memory inside one path on
 * Debian's 6.1.192 under QEMU (tools/realkernel, workloads/oompath.c; captures in
 * test/realkernel/data/wo-*, and w3a for the anonymous fault) and compares the trace of the
 * first report frame by frame. Frames the real unwinder marks "? " are stack garbage that varies
 * from run to run; they are left out of the comparison except policy_node, which every capture of
 * vma_alloc_folio shows.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine, type Process } from "../../src/api/index.js";

const MiB = 1 << 20;

/** The first report's frames, "? " guesses dropped but policy_node's. */
function frames(dmesg: string): string[] {
  const lines = dmesg.split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\] ?/, ""));
  const from = lines.findIndex((l) => l.includes("invoked oom-killer:"));
  const start = lines.indexOf(" <TASK>", from);
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && !/^(RIP|Code|RSP|RAX|RDX|RBP|R10|R13):| <\/TASK>/.test(lines[i]); i++) {
    const f = lines[i].trim();
    if (f.startsWith("? ") && !f.startsWith("? policy_node")) continue;
    out.push(f);
  }
  return out;
}
const real = (w: string): string[] => frames(readFileSync(`test/realkernel/data/${w}/dmesg`, "utf8"));

/** The header line of the first report and its user-register lines. */
function regs(dmesg: string): string[] {
  const lines = dmesg.split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\] ?/, ""));
  const from = lines.findIndex((l) => l.includes("invoked oom-killer:"));
  return lines.slice(from).filter((l) => /^RSP: /.test(l)).slice(0, 1);
}

/**
 * Runs `work` on a 256 MiB machine like the guest's until the first OOM kill, and returns dmesg.
 * The model's machine boots with the guest's own kernel memory (slab, stacks, the rootfs:
 * test/realkernel/footprint.test.ts); its workloads ask for 205 MiB where the guest's asked for
 * 200: enough to run out either way, and still under the heuristic overcommit limit (totalram,
 * 205.8 MiB).
 */
function run(work: (p: Process, m: Machine) => void): string {
  const m = Machine.boot({ memory: "256M", thp: "never" });
  const p = m.spawn({ name: "oompath" });
  try {
    work(p, m);
  } catch {
    // the process was killed (ProcessKilled), or a populate gave up after the kill
  }
  return m.dmesg();
}

describe("OOM call traces against the real kernel's", () => {
  it("anonymous fault (w3a)", () => {
    const d = run((p) => {
      const a = p.mmap(205 * MiB);
      p.touch(a, 205 * MiB, { write: true });
    });
    expect(frames(d)).toEqual(real("w3a"));
  });

  it("copy-on-write after fork (wo-cow)", () => {
    const d = run((p) => {
      const a = p.mmap(120 * MiB);
      p.touch(a, 120 * MiB, { write: true });
      const c = p.fork();
      c.touch(a, 120 * MiB, { write: true });
    });
    expect(frames(d)).toEqual(real("wo-cow"));
  });

  it("MAP_POPULATE (wo-populate), with mmap's syscall number in ORIG_RAX", () => {
    const d = run((p) => void p.mmap(205 * MiB, { flags: "private|anonymous|populate" }));
    expect(frames(d)).toEqual(real("wo-populate"));
    expect(regs(d)).toEqual(["RSP: 002b:00007fffffffebd8 EFLAGS: 00000206 ORIG_RAX: 0000000000000009"]);
  });

  it("mlock (wo-mlock)", () => {
    const d = run((p) => {
      const a = p.mmap(205 * MiB);
      p.mlock(a, 205 * MiB);
    });
    expect(frames(d)).toEqual(real("wo-mlock"));
    expect(regs(d)).toEqual(regs(readFileSync("test/realkernel/data/wo-mlock/dmesg", "utf8")));
  });

  it("MADV_POPULATE_WRITE (wo-madvise)", () => {
    const d = run((p) => {
      const a = p.mmap(205 * MiB);
      p.madvise(a, 205 * MiB, "populate_write");
    });
    expect(frames(d)).toEqual(real("wo-madvise"));
  });

  it("a page-table page in a read fault of untouched memory (wo-pte)", () => {
    const d = run((p) => {
      // Most memory first in anonymous pages (the guest's workload made only page tables: the
      // model gets there faster), then reads 2 MiB apart, each needing a new PTE page.
      // (170 MiB: less than the free memory the kernel's own boot memory leaves.)
      const fill = p.mmap(170 * MiB);
      p.touch(fill, 170 * MiB, { write: true });
      const len = 128 * 1024 * MiB;
      const a = p.mmap(len, { flags: "private|anonymous|noreserve" });
      for (let o = 0; o < len; o += 2 * MiB) p.touch(a + o, 1, { write: false });
    });
    expect(frames(d)).toEqual(real("wo-pte"));
  });
});
