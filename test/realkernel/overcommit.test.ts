/**
 * w9: which single anonymous mmap sizes succeed under each overcommit policy on a 512 MiB guest,
 * against test/realkernel/data/w9 (guest/init's wl_w9 runs `/bin/anon -M <MiB>` for
 * 64 MiB … 1 TiB under overcommit_memory 0, 2 (ratio 50 and 100) and 1).
 *
 * The model boots the same machine, reproduces the real Committed_AS before each probe (the
 * initramfs userspace: init and its shells, modelled as one process holding the difference),
 * then for each size spawns a fresh static binary that makes one MAP_PRIVATE|MAP_ANONYMOUS
 * PROT_READ|PROT_WRITE mapping and exits, exactly as /bin/anon -M does.
 * @kernel mm/util.c __vm_enough_memory, vm_commit_limit
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { start_kernel } from "../../src/kernel/start_kernel.js";
import { Errno } from "../../src/kernel/errno.js";
import { procRead, procWrite } from "../../src/fs/proc/root.js";
import { spawnProcess } from "../../src/sim/process.js";
import { MiB } from "../../src/mm/types.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const w9 = path.resolve(repoRoot, "test/realkernel/data/w9");

interface Probe {
  mode: number;
  ratio: number;
  commitLimitKb: number;
  committedKb: number;
  outcomes: Array<{ mib: number; ok: boolean }>;
}

function readProbe(name: string): Probe {
  const text = readFileSync(path.join(w9, name), "utf8");
  const head = /overcommit_memory=(\d+) overcommit_ratio=(\d+)/.exec(text)!;
  const limit = /CommitLimit:\s+(\d+) kB/.exec(text)!;
  const committed = /Committed_AS:\s+(\d+) kB/.exec(text)!;
  const outcomes = [...text.matchAll(/mmap (\d+) MiB: (ok|FAILED)/g)].map((m) => ({ mib: Number(m[1]), ok: m[2] === "ok" }));
  return { mode: Number(head[1]), ratio: Number(head[2]), commitLimitKb: Number(limit[1]), committedKb: Number(committed[1]), outcomes };
}

function meminfoKb(k: ReturnType<typeof start_kernel>, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(procRead(k, "/proc/meminfo"));
  return Number(m![1]);
}

// The order wl_w9 ran them in: mode 0, then 2 with ratio 50 and 100, then 1.
const probes = ["overcommit.mode0.ratio50", "overcommit.mode2.ratio50", "overcommit.mode2.ratio100", "overcommit.mode1.ratio50"].map(readProbe);

describe("w9: overcommit policy outcomes match 6.1", () => {
  const k = start_kernel({ memory: 512 * MiB });
  // The real userspace's commitments (init, the shell, the grep that printed Committed_AS), less
  // the one static-binary process the probe itself will be: a process of the same image.
  const imageCost = (() => {
    const before = k.vm_committed_as;
    const p = spawnProcess(k, { comm: "grep" });
    const cost = k.vm_committed_as - before;
    p.exit();
    return cost;
  })();
  const userspace = spawnProcess(k, { comm: "sh", image: null });
  const realBefore = probes[0].committedKb / 4;
  const pad = realBefore - imageCost - k.vm_committed_as;
  userspace.mmap(pad * 4096, { prot: "rw", flags: "private|anonymous" });

  const warnings = (): string[] => k.log.dmesg().split("\n").filter((l) => l.includes("no enough memory for the allocation"));
  const warningsAfter: number[] = [];

  for (const probe of probes) {
    it(`overcommit_memory=${probe.mode} overcommit_ratio=${probe.ratio}: CommitLimit and every mmap outcome`, () => {
      procWrite(k, "/proc/sys/vm/overcommit_memory", `${probe.mode}\n`);
      procWrite(k, "/proc/sys/vm/overcommit_ratio", `${probe.ratio}\n`);
      expect(meminfoKb(k, "CommitLimit")).toBe(probe.commitLimitKb);
      // Committed_AS as grep saw it: the userspace plus one running image (the grep itself).
      const grep = spawnProcess(k, { comm: "grep" });
      expect(Math.abs(meminfoKb(k, "Committed_AS") - probe.committedKb)).toBeLessThanOrEqual(16);
      grep.exit();
      const got: Array<{ mib: number; ok: boolean }> = [];
      for (const { mib } of probe.outcomes) {
        const anon = spawnProcess(k, { comm: "anon" });
        let ok = true;
        try {
          anon.mmap(mib * MiB, { prot: "rw", flags: "private|anonymous" });
        } catch (e) {
          expect(e).toBeInstanceOf(Errno);
          expect((e as Errno).code).toBe("ENOMEM");
          ok = false;
        }
        anon.exit(ok ? 0 : 3);
        got.push({ mib, ok });
      }
      expect(got).toEqual(probe.outcomes);
      warningsAfter.push(warnings().length);
    });
  }

  it("logs the refusals as 6.1 does: ten ratelimited __vm_enough_memory warnings", () => {
    const real = readFileSync(path.join(w9, "dmesg"), "utf8").split("\n").filter((l) => l.includes("no enough memory for the allocation"));
    const model = k.log.dmesg().split("\n").filter((l) => l.includes("no enough memory for the allocation"));
    expect(model.length).toBe(real.length);
    expect(model[0]).toMatch(/__vm_enough_memory: pid: \d+, comm: anon, no enough memory for the allocation$/);
    // overcommit_memory=0 refuses through the same error label (mm/util.c __vm_enough_memory:
    // `goto error`): the real guest warned for each of its 7 mode-0 refusals (pids 96–102, the
    // last seven anon probes), then for the first 3 of mode 2 before the burst of 10 ran out.
    const mode0Failed = probes[0].outcomes.filter((o) => !o.ok).length;
    expect(mode0Failed).toBe(7);
    const realPids = real.map((l) => Number(/pid: (\d+)/.exec(l)![1]));
    expect(realPids.slice(0, 7)).toEqual([96, 97, 98, 99, 100, 101, 102]);
    expect(warningsAfter[0]).toBe(mode0Failed);
    expect(warningsAfter[1]).toBe(real.length);
  });

  it("leaves Committed_AS where it started once every probe has exited", () => {
    expect(k.vm_committed_as).toBe(realBefore - imageCost);
  });
});
