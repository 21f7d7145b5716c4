/**
 * Two machines in one process are two object graphs (docs/design.md principle 6): a machine's
 * state hangs off its own Kernel, so running another machine's operations in between changes
 * nothing it shows. Each scenario below is a list of steps (faults, CoW after fork, swap-out
 * and swap-in under reclaim, kswapd on the clock, sysctl writes, an OOM kill); it runs once
 * alone, then interleaved step by step with another scenario on a second machine, and every
 * step's view of the machine (/proc files, the process's own files, dmesg) must be the same
 * byte for byte. Before the renovation the swap globals, the page-table pool, the zero page and
 * the OOM state were process-wide caches keyed by "the last machine", and the sysctl effects and
 * /proc registrations were shared: exactly what interleaving catches.
 */
import { describe, expect, it } from "vitest";
import { Machine, type Process, ProcessKilled } from "../src/api/index.js";

const MiB = 2 ** 20;

/** One machine's run: its handles and the steps that act on them. */
interface Run {
  m: Machine;
  procs: Process[];
  /** The addresses each process mapped, by step that made them. */
  addrs: number[];
}

type Step = (r: Run) => void;

/** A deterministic order of chunk indexes (an LCG of the test's own, not the machine's PRNG). */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Touches, and kills become a value, so a step can go on after an OOM kill. */
function touch(p: Process, addr: number, len: number, write: boolean): string {
  if (!p.alive) return "dead";
  try {
    const r = p.touch(addr, len, { write });
    return `ok ${r.minflt}/${r.majflt}`;
  } catch (e) {
    if (e instanceof ProcessKilled) return `killed ${e.signal}`;
    throw e;
  }
}

/** A swapping machine: 160 MiB of anonymous memory on 128 MiB with swap, a fork, CoW, swap-in. */
const swapper: { boot: () => Machine; steps: Step[] } = {
  boot: () => Machine.boot({ memory: "128M", swap: { size: "256M" }, seed: 7 }),
  steps: [
    (r) => {
      const p = r.m.spawn({ comm: "swapper" });
      r.procs.push(p);
      r.addrs.push(p.mmap(160 * MiB, { prot: "rw", flags: "private|anonymous" }));
    },
    // First touch of 160 MiB in 4 MiB steps, kswapd and direct reclaim swapping out the rest.
    ...Array.from({ length: 8 }, (_, i): Step => (r) => {
      for (let c = 0; c < 5; c++) touch(r.procs[0], r.addrs[0] + (i * 5 + c) * 4 * MiB, 4 * MiB, true);
      r.m.advance("20ms");
    }),
    (r) => void r.m.write("/proc/sys/vm/swappiness", "100"),
    // A child shares every page, then writes a third of them: CoW on resident pages, swap-ins
    // and CoW on swapped ones.
    (r) => void r.procs.push(r.procs[0].fork()),
    (r) => {
      for (const c of shuffled(13, 3)) touch(r.procs[1], r.addrs[0] + c * 4 * MiB, 4 * MiB, true);
      r.m.advance("50ms");
    },
    // The parent reads its memory back in a scattered order: swap-ins with readahead.
    (r) => {
      for (const c of shuffled(40, 11)) touch(r.procs[0], r.addrs[0] + c * 4 * MiB, 2 * MiB, false);
      r.m.advance("100ms");
    },
    (r) => r.procs[1].exit(0),
    (r) => void r.m.advance("1s"),
  ],
};

/** An OOM machine: no swap, three processes whose memory does not fit, one of them favoured to die. */
const oomer: { boot: () => Machine; steps: Step[] } = {
  boot: () => Machine.boot({ memory: "96M", seed: 3 }),
  steps: [
    (r) => {
      for (const [comm, adj] of [["keep", -500], ["victim", 800], ["other", 0]] as const) {
        const p = r.m.spawn({ comm, oomScoreAdj: adj });
        r.procs.push(p);
        r.addrs.push(p.mmap(48 * MiB, { prot: "rw", flags: "private|anonymous" }));
      }
    },
    // "other" reads its memory before writing it: the zero page, then CoW from it.
    (r) => void touch(r.procs[2], r.addrs[2], 48 * MiB, false),
    ...[0, 1, 2].map((i): Step => (r) => {
      for (let c = 0; c < 12; c++) touch(r.procs[i], r.addrs[i] + c * 4 * MiB, 4 * MiB, true);
      r.m.advance("10ms");
    }),
    (r) => void r.m.write("/proc/sys/vm/min_free_kbytes", "4096"),
    (r) => {
      for (const c of shuffled(12, 5)) touch(r.procs[2], r.addrs[2] + c * 4 * MiB, 4 * MiB, false);
      r.m.advance("3s"); // past the oom_reaper's delay
    },
  ],
};

/** What a user can see of a machine now. */
function view(r: Run): string {
  const files = ["/proc/meminfo", "/proc/vmstat", "/proc/zoneinfo", "/proc/buddyinfo", "/proc/pagetypeinfo", "/proc/swaps", "/proc/pressure/memory", "/proc/sys/vm/min_free_kbytes"];
  let out = files.map((f) => `== ${f}\n${r.m.read(f)}`).join("");
  for (const p of r.procs) {
    if (!p.alive) continue;
    for (const f of ["status", "smaps_rollup", "oom_score"]) out += `== /proc/${p.pid}/${f}\n${r.m.read(`/proc/${p.pid}/${f}`)}`;
  }
  return out + `== dmesg\n${r.m.dmesg()}`;
}

/** Runs steps, with `between` called after each, and returns the views after every step. */
function play(boot: () => Machine, steps: Step[], between: (i: number) => void = () => {}): string[] {
  const r: Run = { m: boot(), procs: [], addrs: [] };
  const views: string[] = [];
  steps.forEach((step, i) => {
    step(r);
    views.push(view(r));
    between(i);
  });
  return views;
}

describe("two machines in one process", () => {
  it("each shows, step by step, what it shows when it runs alone", () => {
    const aloneA = play(swapper.boot, swapper.steps);
    const aloneB = play(oomer.boot, oomer.steps);
    // The scenarios do what they are meant to: swap in and out, an OOM kill.
    const last = (v: string[]): string => v[v.length - 1];
    expect(Number(/pswpout (\d+)/.exec(last(aloneA))![1])).toBeGreaterThan(10000);
    expect(Number(/pswpin (\d+)/.exec(last(aloneA))![1])).toBeGreaterThan(1000);
    expect(last(aloneB)).toMatch(/Out of memory: Killed process \d+ \(victim\)/);

    // Interleaved: A's step i, then B's step i, on two live machines.
    const rB: Run = { m: oomer.boot(), procs: [], addrs: [] };
    const viewsB: string[] = [];
    const viewsA = play(swapper.boot, swapper.steps, (i) => {
      if (i < oomer.steps.length) {
        oomer.steps[i](rB);
        viewsB.push(view(rB));
      }
    });
    expect(viewsA.length).toBe(aloneA.length);
    expect(viewsB.length).toBe(aloneB.length);
    viewsA.forEach((v, i) => expect(v, `swapper step ${i}`).toBe(aloneA[i]));
    viewsB.forEach((v, i) => expect(v, `oomer step ${i}`).toBe(aloneB[i]));
  });
});
