/**
 * The memcg files beside memory.stat: memory.numa_stat (6.1's memory_numa_stat_show: the
 * node_stat_item keys of memory.stat, in its order, " N<nid>=<bytes>" for each node with memory),
 * the pressure files of every group, and the event files (memory.events.local,
 * memory.swap.events, cgroup.stat).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { keyed } from "./memcontrol.testutil.js";

const MiB = 1 << 20;
const CG = "/sys/fs/cgroup";

describe("memory.numa_stat", () => {
  it("lists memory.stat's node counters, in its order, per node, and they add up to memory.stat's", () => {
    const m = Machine.boot({ memory: "1G", cpus: 2, nodes: 2 });
    m.write(`${CG}/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/g`);
    const p = m.spawn({ comm: "a", cgroup: "/g" });
    // More than node 0 can hold: the fault path falls back to node 1.
    const a = p.mmap(640 * MiB);
    p.write(a, 640 * MiB);
    const numa = m.read(`${CG}/g/memory.numa_stat`);
    const stat = keyed(m.read(`${CG}/g/memory.stat`));
    const lines = numa.trim().split("\n");
    // 6.1's memory_stats[] entries below NR_VM_NODE_STAT_ITEMS (the real w4 memory.stat gives
    // the order; kernel, percpu, sock, vmalloc, zswap, zswapped and slab are memcg-only or derived).
    const real = readFileSync("test/realkernel/data/w4/cg.afteroom.memory.stat", "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" ")[0]);
    const memcgOnly = new Set(["kernel", "percpu", "sock", "vmalloc", "zswap", "zswapped", "slab"]);
    const expected = real.slice(0, real.indexOf("pgscan")).filter((k) => !memcgOnly.has(k));
    expect(lines.map((l) => l.split(" ")[0])).toEqual(expected);
    expect(lines.length).toBe(27);
    for (const l of lines) {
      expect(l).toMatch(/^[a-z_]+ N0=\d+ N1=\d+$/);
      const [key, n0, n1] = l.split(" ");
      expect(Number(n0.slice(3)) + Number(n1.slice(3)), key).toBe(stat[key]);
    }
    const anon = lines.find((l) => l.startsWith("anon "))?.split(" ") ?? [];
    expect(Number(anon[1].slice(3))).toBeGreaterThan(0);
    expect(Number(anon[2].slice(3))).toBeGreaterThan(0);
    // The root's comes from each node's counters.
    expect(m.read(`${CG}/memory.numa_stat`)).toMatch(/^anon N0=\d+ N1=\d+\nfile N0=\d+ N1=\d+\n/);
    // Its kernel-memory keys are its descendants' (6.1 charges the root's own tasks none): here
    // /g's, node by node, and they add up to the root's memory.stat.
    p.fork();
    const rootStat = keyed(m.read(`${CG}/memory.stat`));
    const rootNuma = new Map(m.read(`${CG}/memory.numa_stat`).trim().split("\n").map((l) => [l.split(" ")[0], l] as const));
    const gNuma = new Map(m.read(`${CG}/g/memory.numa_stat`).trim().split("\n").map((l) => [l.split(" ")[0], l] as const));
    for (const key of ["kernel_stack", "pagetables", "slab_reclaimable", "slab_unreclaimable"]) {
      expect(rootNuma.get(key)).toBe(gNuma.get(key));
      const [, n0, n1] = (rootNuma.get(key) ?? "").split(" ");
      expect(Number(n0.slice(3)) + Number(n1.slice(3)), key).toBe(rootStat[key]);
    }
    expect(rootStat.kernel_stack).toBe(16384);
  });

  it("prints N0 only on a machine of one node, equal to memory.stat", () => {
    const m = Machine.boot({ memory: "256M" });
    m.write(`${CG}/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/g`);
    const p = m.spawn({ comm: "a", cgroup: "/g" });
    p.write(p.mmap(8 * MiB), 8 * MiB);
    const stat = keyed(m.read(`${CG}/g/memory.stat`));
    for (const l of m.read(`${CG}/g/memory.numa_stat`).trim().split("\n")) {
      const [key, n0] = l.split(" ");
      expect(n0, key).toBe(`N0=${stat[key]}`);
    }
  });
});

describe("the event and pressure files of a group", () => {
  it("has memory.events.local, memory.swap.events, cgroup.stat and the three pressure files in every group", () => {
    const m = Machine.boot({ memory: "256M" });
    m.write(`${CG}/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/a`);
    m.write(`${CG}/a/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/a/b`);
    expect(m.read(`${CG}/a/memory.events.local`)).toBe("low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    expect(m.read(`${CG}/a/b/memory.swap.events`)).toBe("high 0\nmax 0\nfail 0\n");
    expect(m.read(`${CG}/a/cgroup.stat`)).toBe("nr_descendants 1\nnr_dying_descendants 0\n");
    const zero = "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
    for (const f of ["memory.pressure", "io.pressure", "cpu.pressure"]) {
      expect(m.read(`${CG}/a/${f}`), f).toBe(zero);
      expect(m.read(`${CG}/a/b/${f}`), f).toBe(zero);
    }
    // The root's are the system's (/proc/pressure).
    expect(m.read(`${CG}/memory.pressure`)).toBe(m.read("/proc/pressure/memory"));
  });
});
