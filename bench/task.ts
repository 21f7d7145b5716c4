/**
 * The benches' own processes, made straight on a Kernel (no Machine, no scenario runner): a task
 * with an empty mm, optionally attached to a cgroup, an anonymous read-write mapping, its exit,
 * and one timed first-touch write pass. vm.bench.ts and memcg.bench.ts measure the fault path
 * through these, so the rows they print compare like with like.
 */
import { ACCESS_WRITE, access_range } from "../src/arch/x86/mmu.js";
import { cgroup_attach_task, cgroup_lookup } from "../src/kernel/cgroup/cgroup.js";
import { mmput } from "../src/kernel/fork.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { task_struct } from "../src/kernel/sched.js";
import { do_mmap, type DoMmapResult, MAP_ANONYMOUS, MAP_PRIVATE, mm_alloc, PROT_READ } from "../src/mm/mmap.js";
import { cpuSeconds } from "./bench.js";

const PROT_WRITE = 0x2;

/** A task named "bench" with a fresh mm, in `group` (a cgroup path such as "/g0") when given. */
export function spawn(k: Kernel, group: string | null = null): task_struct {
  const t = new task_struct(k.tasks.alloc_pid(), "bench", 0, 1, null, k.now_ns);
  k.tasks.byPid.set(t.pid, t);
  t.mm = mm_alloc(k, t);
  t.mm.owner = t.pid;
  if (group !== null) {
    const cg = cgroup_lookup(k, group.split("/").filter((s) => s !== ""));
    if (cg === undefined || cgroup_attach_task(k, cg, t) !== 0) throw new Error(`attach ${group}`);
  }
  return t;
}

/** An anonymous private read-write mapping of `len` bytes; its address. */
export function mmap(k: Kernel, t: task_struct, len: number): number {
  const out = { populate: 0 } as DoMmapResult;
  const a = do_mmap(k, t, null, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0, out);
  if (a < 0) throw new Error(`mmap: ${a}`);
  return a;
}

/** The task's mm dropped and the task forgotten. */
export function exit(k: Kernel, t: task_struct): void {
  if (t.mm) mmput(k, t.mm);
  t.mm = null;
  t.cgroups = null;
  k.tasks.byPid.delete(t.pid);
}

/**
 * Task `t` writes every page of [a, a + len) once: the minor faults it took and the seconds the
 * access_range call alone lasted, by the wall clock and by CPU time (0 when the CPU clock did
 * not move: process.cpuUsage counts microseconds).
 */
export function timedWrite(k: Kernel, t: task_struct, a: number, len: number): { minflt: number; wall: number; cpu: number } {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const r = access_range(k, t, a, len, ACCESS_WRITE);
  const wall = (performance.now() - t0) / 1e3;
  const cpu = cpuSeconds() - c0;
  if (r.signal !== null) throw new Error(`touch: ${r.signal}`);
  return { minflt: r.minflt, wall, cpu };
}

/**
 * A new task (in `group`) writes every page of a new `len`-byte mapping once and exits: its
 * first-touch faults per second by the wall clock and by CPU time (0 when the CPU clock did not
 * move), timed over the access_range call alone.
 */
export function timedFirstTouch(k: Kernel, len: number, group: string | null = null): [number, number] {
  const t = spawn(k, group);
  const { minflt, wall, cpu } = timedWrite(k, t, mmap(k, t, len), len);
  exit(k, t);
  return [minflt / wall, cpu > 0 ? minflt / cpu : 0];
}
