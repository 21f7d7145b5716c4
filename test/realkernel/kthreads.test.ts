/**
 * Kernel threads are tasks with the pids 6.1's boot gives them: the model's boot task list
 * against the real ones (test/realkernel/data/wk*: every task of Debian's 6.1.192 under QEMU
 * right after boot, pid ppid comm, as /proc/PID/stat shows them).
 *
 * What is compared, and why:
 * - one CPU, one node (wk): every kernel thread, pid for pid; the first user process gets the
 *   next pid after the last boot thread.
 * - two CPUs (wk-smp2) and two nodes (wk-numa2): workqueue workers (kworker/…) are created as
 *   load comes and go, so their places move between two boots of the same machine (numa2's
 *   oom_reaper was pid 33 in one boot and 35 in another, kswapd0 50 and 49). The named threads'
 *   order is compared, and the pids of the threads the model runs where two real boots agreed
 *   (smp2's oom_reaper 30, kcompactd0 33, kswapd0 44).
 * - /proc/PID/stat prints a kthread's full name (get_kthread_comm), task->comm holds 15
 *   characters: names are compared on those 15, and a kworker's "-workqueue" suffix (the work
 *   it last ran, wq_worker_comm) is dropped.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { start_kernel, type BootParams } from "../../src/kernel/start_kernel.js";
import { PF_KTHREAD } from "../../src/kernel/sched.js";
import { formatTraceLine } from "../../src/kernel/trace.js";
import { spawnProcess } from "../../src/sim/process.js";
import { Machine, type TraceRecord } from "../../src/api/index.js";

const MiB = 1 << 20;

interface Task {
  pid: number;
  ppid: number;
  comm: string;
}

/** The kernel threads of a capture (children of kthreadd, and kthreadd). */
function realKthreads(w: string): Task[] {
  return readFileSync(`test/realkernel/data/${w}/tasks`, "utf8")
    .trim()
    .split("\n")
    .map((l) => /^(\d+) (\d+) \((.*)\)$/.exec(l)!)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), comm: m[3].replace(/^(kworker\/[^-]+)-.*$/, "$1").slice(0, 15) }))
    .filter((t) => t.pid === 2 || t.ppid === 2);
}

function modelKthreads(params: BootParams): Task[] {
  const k = start_kernel(params);
  return [...k.tasks.byPid.values()].filter((t) => t.flags & PF_KTHREAD).map((t) => ({ pid: t.pid, ppid: t.ppid, comm: t.comm }));
}

const named = (ts: Task[]): string[] => ts.filter((t) => !t.comm.startsWith("kworker/")).map((t) => t.comm);
const pidOf = (ts: Task[], comm: string): number | undefined => ts.find((t) => t.comm === comm)?.pid;

describe("kernel threads have 6.1's boot pids", () => {
  it("one CPU (wk): every kernel thread, pid for pid", () => {
    const model = modelKthreads({ memory: 512 * MiB });
    expect(model).toEqual(realKthreads("wk"));
    expect(pidOf(model, "kswapd0")).toBe(38);
  });

  it("the first user process comes after the last boot thread", () => {
    const k = start_kernel({ memory: 512 * MiB });
    const last = Math.max(...realKthreads("wk").map((t) => t.pid));
    expect(spawnProcess(k, { comm: "p", image: null }).pid).toBe(last + 1);
  });

  it("two CPUs (wk-smp2): the named threads in order; the running ones' pids", () => {
    const model = modelKthreads({ memory: 512 * MiB, cpus: 2 });
    const real = realKthreads("wk-smp2");
    expect(named(model)).toEqual(named(real));
    for (const c of ["oom_reaper", "kcompactd0", "kswapd0"]) expect(pidOf(model, c), c).toBe(pidOf(real, c));
  });

  it("two nodes (wk-numa2): the named threads in order, each node's kcompactd and kswapd", () => {
    const model = modelKthreads({ memory: 1024 * MiB, cpus: 2, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } });
    const real = realKthreads("wk-numa2");
    expect(named(model)).toEqual(named(real));
    expect(pidOf(model, "kswapd1")).toBe(pidOf(model, "kswapd0")! + 1);
  });

  it("kswapd's trace lines carry its pid, as in the real ftrace capture (wt)", () => {
    const real = readFileSync("test/realkernel/data/wt/trace", "utf8").split("\n").find((l) => l.includes("mm_vmscan_kswapd_wake"))!;
    const m = /^\s*\S+\s+\[000\] \.{5}\s+(\d+)\.(\d+): mm_vmscan_kswapd_wake: (.*)$/.exec(real)!;
    const ts = Number(m[1]) * 1e9 + Number(m[2]) * 1e3;
    const model = modelKthreads({ memory: 256 * MiB });
    const line = formatTraceLine({ event: "mm_vmscan_kswapd_wake", ts_nsec: ts, cpu: 0, pid: pidOf(model, "kswapd0")!, comm: "kswapd0", fields: {}, message: m[3] });
    expect(line).toBe(real);
  });

  it("kswapd0 runs as its task: a machine's kswapd tracepoints carry pid 38", () => {
    // The kswapd test's machine (vmscan.test.ts): 560 MiB written into 512 MiB with swap.
    const m = Machine.boot({ memory: "512M", swap: { size: "1G" } });
    const seen: TraceRecord[] = [];
    m.trace.on("mm_vmscan_kswapd_wake", (r) => void seen.push(r));
    const p = m.spawn({ comm: "fill" });
    const a = p.mmap(560 * MiB);
    for (let off = 0; off < 560 * MiB && seen.length === 0; off += 4 * MiB) {
      p.write(a + off, 4 * MiB);
      m.advance("3ms");
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ pid: 38, comm: "kswapd0" });
  });
});
