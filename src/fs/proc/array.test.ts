import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { start_kernel } from "../../kernel/start_kernel.js";
import { Errno } from "../../kernel/errno.js";
import { spawnProcess } from "../../sim/process.js";
import { MiB } from "../../mm/types.js";
import { procRead, procWrite } from "./root.js";
import { taskOf } from "../../api/internals.js";
import "./array.js";
import "./task_mmu.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const w1 = (f: string): string => readFileSync(path.resolve(repoRoot, "test/realkernel/data/w1", f), "utf8");

describe("/proc/PID/status, stat, statm", () => {
  const k = start_kernel({ memory: 512 * MiB });
  const p = spawnProcess(k, { comm: "anon" });
  const a = p.mmap(128 * MiB);
  p.madvise(a, 128 * MiB, "nohugepage");
  p.touch(a, 128 * MiB, { write: true });

  it("has w1's status fields in w1's order", () => {
    const keys = (s: string): string[] => s.trim().split("\n").map((l) => l.split(":")[0]);
    expect(keys(procRead(k, `/proc/${p.pid}/status`))).toEqual(keys(w1("proc.status")));
  });

  it("reports w1's Vm lines for the same workload (VmSize, VmData, VmStk, VmExe, VmLib exactly)", () => {
    const field = (s: string, f: string): string => new RegExp(`^${f}:\\s*(.*)$`, "m").exec(s)![1];
    const st = procRead(k, `/proc/${p.pid}/status`);
    for (const f of ["VmPeak", "VmSize", "VmData", "VmStk", "VmExe", "VmLib", "RssFile", "RssShmem"]) {
      expect(field(st, f)).toBe(field(w1("proc.status"), f));
    }
  });

  it("prints 52 stat fields with w1's code, data, brk and stack addresses", () => {
    const f = procRead(k, `/proc/${p.pid}/stat`).trim().split(" ");
    const real = w1("proc.stat").trim().split(" ");
    expect(f.length).toBe(real.length);
    expect(f[1]).toBe("(anon)");
    expect(f[3]).toBe("1"); // ppid: init
    expect(f[22]).toBe(real[22]); // vsize
    for (const i of [25, 26, 27, 44, 45, 46, 47, 48, 49, 50]) expect(f[i]).toBe(real[i]);
    expect(Number(f[9])).toBe(taskOf(p).min_flt);
  });

  it("prints statm as size resident shared text lib data 0, with w1's size, shared, text and data", () => {
    const m = procRead(k, `/proc/${p.pid}/statm`).trim().split(" ");
    const real = w1("proc.statm").trim().split(" ");
    expect(m.length).toBe(7);
    for (const i of [0, 2, 3, 4, 5, 6]) expect(m[i]).toBe(real[i]);
  });
});

describe("/proc/PID/oom_score_adj", () => {
  it("reads back what was written and refuses values out of range with EINVAL", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "t", image: null });
    procWrite(k, `/proc/${p.pid}/oom_score_adj`, "500\n");
    expect(procRead(k, `/proc/${p.pid}/oom_score_adj`)).toBe("500\n");
    procWrite(k, `/proc/${p.pid}/oom_score_adj`, " -0x10 ");
    expect(p.oomScoreAdj).toBe(-16);
    for (const bad of ["1001", "-1001", "abc", "1.5"]) {
      let err: unknown = null;
      try {
        procWrite(k, `/proc/${p.pid}/oom_score_adj`, bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Errno);
      expect((err as Errno).code).toBe("EINVAL");
    }
  });

  it("lets an unprivileged process raise its value but not go below the minimum root set", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "t", image: null, oomScoreAdj: 100 });
    taskOf(p).uid = 1000;
    p.setOomScoreAdj(200);
    expect(p.oomScoreAdj).toBe(200);
    p.setOomScoreAdj(100);
    expect(() => p.setOomScoreAdj(99)).toThrow(Errno);
    expect(p.oomScoreAdj).toBe(100);
  });
});
