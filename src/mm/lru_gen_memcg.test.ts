import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { kernelOf, taskOf } from "../api/internals.js";
import { checkLru } from "../sim/invariants/lru.js";
import { checkMm } from "../sim/invariants/mm.js";
import { errnoOf } from "../kernel/errno.testutil.js";
import { keyed } from "./memcontrol.testutil.js";

// The multi-gen LRU with memory cgroups: in 6.1 every memcg's lruvec has generations of its own
// and an mm list of its own (mm/vmscan.c get_lruvec, get_mm_list), kswapd ages every memcg
// (lru_gen_age_node's mem_cgroup_iter loop), reclaim evicts the lruvec shrink_node_memcgs hands
// it, and /sys/kernel/debug/lru_gen has a "memcg ID PATH" section per memcg.

const MiB = 2 ** 20;
const CG = "/sys/fs/cgroup";
const DEBUG = "/sys/kernel/debug/lru_gen";

function bootWithGroup(memory = "256M"): Machine {
  const m = Machine.boot({ memory, seed: 1 });
  m.write(`${CG}/cgroup.subtree_control`, "+memory");
  m.mkdir(`${CG}/rk`);
  return m;
}

/** The debugfs file cut into its memcg sections: the header line → the seq lines [seq, age, anon, file]. */
function sections(m: Machine): Map<string, number[][]> {
  const out = new Map<string, number[][]>();
  let cur: number[][] = [];
  for (const l of m.read(DEBUG).split("\n")) {
    if (l.startsWith("memcg ")) {
      cur = [];
      out.set(l, cur);
    } else if (/^ +\d+ +\d+ +\d+ +\d+ $/.test(l)) cur.push(l.trim().split(/ +/).map(Number));
  }
  return out;
}

function anonPages(gens: number[][] | undefined): number {
  return (gens ?? []).reduce((s, g) => s + g[2], 0);
}

function lruAnon(m: Machine, group: string): number {
  m.advance("3s"); // the periodic rstat flush
  const st = keyed(m.read(`${CG}/${group}/memory.stat`));
  return st.active_anon + st.inactive_anon;
}

describe("the multi-gen LRU with memory cgroups", () => {
  it("moves a group's pages into its own lruvec's generations when turned on, and back when turned off", () => {
    const m = bootWithGroup();
    const k = kernelOf(m);
    const p = m.spawn({ comm: "g", cgroup: "/rk" });
    p.write(p.mmap(8 * MiB), 8 * MiB);
    const before = lruAnon(m, "rk");
    expect(before).toBeGreaterThanOrEqual(8 * MiB);

    m.write("/sys/kernel/mm/lru_gen/enabled", "y");
    const s = sections(m);
    // 6.1's ids: the root memcg is 1 (path "/"), the first group 2, printed "%5hu".
    expect([...s.keys()]).toEqual(["memcg     1 /", "memcg     2 /rk"]);
    expect(anonPages(s.get("memcg     2 /rk"))).toBe(before / 4096);
    checkLru(k);
    // memory.stat's LRU counters follow the pages into the generations (__update_lru_size).
    expect(lruAnon(m, "rk")).toBe(before);

    m.write("/sys/kernel/mm/lru_gen/enabled", "n");
    expect(anonPages(sections(m).get("memcg     2 /rk"))).toBe(0);
    checkLru(k);
    expect(lruAnon(m, "rk")).toBe(before);
  });

  it("gives a group made while it is on generations of its own, which its pages join", () => {
    const m = Machine.boot({ memory: "256M", seed: 1 });
    m.write("/sys/kernel/mm/lru_gen/enabled", "y");
    m.write(`${CG}/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/late`);
    const rootAnon = anonPages(sections(m).get("memcg     1 /"));
    const p = m.spawn({ comm: "g", cgroup: "/late" });
    p.write(p.mmap(4 * MiB), 4 * MiB);
    const s = sections(m);
    // All 1024 but the few still in the per-CPU lru_add batch (PAGEVEC_SIZE 15).
    expect(anonPages(s.get("memcg     2 /late"))).toBeGreaterThanOrEqual(1024 - 15);
    // The group's pages went to its lruvec, not the root's (the root gained only what its own
    // tasks and the kernel's tmpfs did meanwhile, far below 4 MiB).
    expect(anonPages(s.get("memcg     1 /")) - rootAnon).toBeLessThan(256);
    checkLru(kernelOf(m));
  });

  it("reclaims a group at memory.max from its generations; global pgscan/pgsteal_direct stay 0 (cgroup reclaim), the group's count", () => {
    const m = bootWithGroup("512M");
    const k = kernelOf(m);
    m.write("/sys/kernel/mm/lru_gen/enabled", "y");
    m.write(`${CG}/rk/memory.max`, "32M");
    const sh = m.spawn({ comm: "sh" });
    sh.swapon("/dev/vda", { size: "128M" });
    const p = m.spawn({ comm: "big", cgroup: "/rk" });
    const a = p.mmap(48 * MiB);
    p.write(a, 48 * MiB);
    checkMm(k);
    checkLru(k);
    expect(p.alive).toBe(true);
    expect(Number(m.read(`${CG}/rk/memory.current`))).toBeLessThanOrEqual(32 * MiB);
    expect(Number(m.read(`${CG}/rk/memory.swap.current`))).toBeGreaterThanOrEqual(14 * MiB);
    m.advance("3s");
    const st = keyed(m.read(`${CG}/rk/memory.stat`));
    expect(st.pgscan).toBeGreaterThan(0);
    expect(st.pgsteal).toBeGreaterThan(0);
    const vm = keyed(m.read("/proc/vmstat"));
    // scan_folios / evict_folios count PGSCAN_DIRECT and PGSTEAL_DIRECT only for global reclaim,
    // PGSCAN_ANON and PGSTEAL_ANON always.
    expect(vm.pgscan_direct).toBe(0);
    expect(vm.pgsteal_direct).toBe(0);
    expect(vm.pgsteal_anon).toBeGreaterThan(0);
    expect(vm.pgsteal_anon).toBe(st.pgsteal);
  });

  it("runs debugfs commands on the memcg the id names: aging group 2 adds a generation to its lruvec only", () => {
    const m = bootWithGroup();
    m.write("/sys/kernel/mm/lru_gen/enabled", "y");
    const p = m.spawn({ comm: "g", cgroup: "/rk" });
    p.write(p.mmap(2 * MiB), 2 * MiB);
    const maxSeq = (g: number[][] | undefined): number => (g ?? [])[(g ?? []).length - 1][0];
    const s0 = sections(m);
    const rootMax = maxSeq(s0.get("memcg     1 /"));
    const grpMax = maxSeq(s0.get("memcg     2 /rk"));
    m.write(DEBUG, `+ 2 0 ${grpMax}`);
    const s1 = sections(m);
    expect(maxSeq(s1.get("memcg     2 /rk"))).toBe(grpMax + 1);
    expect(maxSeq(s1.get("memcg     1 /"))).toBe(rootMax);
    // mem_cgroup_from_id finds no memcg 9: EINVAL.
    expect(errnoOf(() => m.write(DEBUG, `+ 9 0 ${grpMax + 1}`))).toBe("EINVAL");
  });

  it("keeps each mm on its owner's memcg's mm list: at spawn, at fork, and after a move through cgroup.procs", () => {
    const m = bootWithGroup();
    const k = kernelOf(m);
    m.mkdir(`${CG}/other`);
    const p = m.spawn({ comm: "g", cgroup: "/rk" });
    const rk = k.memcg.byId.find((x) => x !== null && x.css.name === "rk");
    const other = k.memcg.byId.find((x) => x !== null && x.css.name === "other");
    if (!rk || !other) throw new Error("groups missing");
    const mm = taskOf(p).mm;
    if (mm === null) throw new Error("no mm");
    expect(mm.lru_gen.memcg).toBe(rk);
    expect(rk.mm_list.next).toBe(mm.lru_gen.list);
    // kernel_clone adds the child's mm after copy_process put the child in the parent's cgroup.
    const c = p.fork();
    const cmm = taskOf(c).mm;
    expect(cmm?.lru_gen.memcg).toBe(rk);
    m.write(`${CG}/other/cgroup.procs`, String(p.pid));
    expect(mm.lru_gen.memcg).toBe(other);
    expect(other.mm_list.next).toBe(mm.lru_gen.list);
    expect(rk.mm_list.next).toBe(cmm?.lru_gen.list);
    c.exit();
    expect(rk.mm_list.next).toBe(rk.mm_list);
  });
});
