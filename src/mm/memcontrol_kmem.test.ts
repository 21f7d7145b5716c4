/**
 * Kernel memory by the byte (issues 15 and 16): SLAB_ACCOUNT objects and kmalloc(__GFP_ACCOUNT)
 * ones charged to the allocating task's memcg through its obj_cgroup and the per-CPU obj stock,
 * memory.stat's slab and kernel keys, an rmdir'd group's objcg reparented, and a kernel-memory
 * leak in a group ending in the memcg OOM killer. checkMm checks the objcg invariant (each objcg's
 * pages equal its objects' bytes, its stock bytes and its leftover bytes) at each step.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../sim/machine.js";
import { type Process, ProcessKilled } from "../sim/process.js";
import { Errno } from "../kernel/errno.js";
import { Prng } from "../kernel/random.js";
import { NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B } from "./vmstat_items.js";
import { checkMm } from "../sim/invariants/mm.js";
import { kernelOf } from "../api/internals.js";
import { keyed } from "./memcontrol.testutil.js";
import { drain_all_obj_stock, mem_cgroup_is_descendant, memcg_page_state, __mem_cgroup_flush_stats } from "./memcontrol.js";

const CG = "/sys/fs/cgroup";

function boot(): Machine {
  const m = Machine.boot({ memory: "256M" });
  m.write(`${CG}/cgroup.subtree_control`, "+memory");
  m.mkdir(`${CG}/rk`);
  return m;
}

/** memory.stat after the obj stocks are drained and the statistics flushed: exact, not batched. */
function stat(m: Machine, group: string): Record<string, number> {
  const k = kernelOf(m);
  drain_all_obj_stock(k, k.memcg.root_mem_cgroup);
  __mem_cgroup_flush_stats(k);
  return keyed(m.read(group === "" ? `${CG}/memory.stat` : `${CG}/${group}/memory.stat`));
}

/**
 * obj_full_size (s->size + 8) of what one forked child takes from SLAB_ACCOUNT caches or with
 * __GFP_ACCOUNT: task_struct 6208, cred_jar 192, its LSM blob (kmalloc-cg-16) 16, files_cache
 * 704, fs_cache 64, sighand_cache 2112, signal_cache 1152, pid 128, mm_struct 1152, and for the
 * parent's ten VMAs ten vm_area_struct (152), and for its five with an anon_vma a new anon_vma
 * (104) and two anon_vma_chain links (64: to the parent's anon_vma and to its own).
 * Not: the task's LSM blob (kmalloc-64, GFP_KERNEL) and the maple tree's nodes (maple_node).
 */
const PER_CHILD = 6216 + 200 + 24 + 712 + 72 + 2120 + 1160 + 136 + 1160 + 10 * 160 + 10 * 72 + 5 * 112;

describe("kernel memory charged to memcgs by the byte (obj_cgroup)", () => {
  it("charges a group's forks: memory.stat slab_unreclaimable moves by the children's objects, and back at their exit", () => {
    const m = boot();
    const k = kernelOf(m);
    const p = m.spawn({ comm: "par", cgroup: "/rk" });
    const s0 = stat(m, "rk");
    const cur0 = Number(m.read(`${CG}/rk/memory.current`));
    const kids = Array.from({ length: 20 }, () => p.fork());
    checkMm(k);
    const s1 = stat(m, "rk");
    expect(s1.slab_unreclaimable - s0.slab_unreclaimable).toBe(20 * PER_CHILD);
    expect(s1.slab - s0.slab).toBe(20 * PER_CHILD);
    expect(s1.slab_reclaimable).toBe(s0.slab_reclaimable);
    // memory.current: the objects' bytes in whole pages, plus their page tables; kernel counts both.
    const cur1 = Number(m.read(`${CG}/rk/memory.current`));
    expect(cur1 - cur0).toBeGreaterThanOrEqual(20 * PER_CHILD + (s1.pagetables - s0.pagetables));
    expect(s1.kernel - s0.kernel).toBeGreaterThanOrEqual(Math.floor((20 * PER_CHILD) / 4096) * 4096);
    for (const c of kids) c.kill();
    checkMm(k);
    const s2 = stat(m, "rk");
    expect(s2.slab_unreclaimable).toBe(s0.slab_unreclaimable);
  });

  it("charges a child's kernel stack to the forking task's memcg (memcg_charge_kernel_stack) and takes it back at exit", () => {
    const m = boot();
    const k = kernelOf(m);
    // Spawned from outside and moved in (as a shell's child joins a group after fork): its own
    // stack was charged to the root, so the group's kernel_stack starts at 0, as the real
    // captures of such groups show.
    const p = m.spawn({ comm: "par", cgroup: "/rk" });
    const s0 = stat(m, "rk");
    expect(s0.kernel_stack).toBe(0);
    const cur0 = Number(m.read(`${CG}/rk/memory.current`));
    const kstack0 = Number(/KernelStack:\s+(\d+)/.exec(m.read("/proc/meminfo"))![1]);
    const kids = Array.from({ length: 5 }, () => p.fork());
    checkMm(k);
    const s1 = stat(m, "rk");
    // Four 4 KiB pages a stack (THREAD_SIZE 16 KiB), charged page by page as kmem.
    expect(s1.kernel_stack).toBe(5 * 16384);
    expect(s1.kernel - s0.kernel).toBeGreaterThanOrEqual(5 * 16384);
    expect(Number(m.read(`${CG}/rk/memory.current`)) - cur0).toBeGreaterThanOrEqual(5 * 16384 + 5 * PER_CHILD);
    // KernelStack in /proc/meminfo counts the same stacks (the node's half of mod_lruvec_page_state).
    expect(Number(/KernelStack:\s+(\d+)/.exec(m.read("/proc/meminfo"))![1]) - kstack0).toBe(5 * 16);
    for (const c of kids) c.kill();
    checkMm(k);
    // exit_task_stack_account: the group's kernel_stack back to 0, though two stacks stay in the
    // CPU's cache (their pages uncharged, the memcg columns cleared).
    expect(stat(m, "rk").kernel_stack).toBe(0);
    const cached = k.cached_stacks.filter((a) => a !== 0);
    expect(cached.length).toBe(2);
    for (const a of cached) for (const pfn of k.vmalloc.find_vm_area(a)!.pages) expect(k.mem_map.memcg[pfn]).toBe(0);
    // A cached stack is charged again when the next fork takes it.
    const again = p.fork();
    expect(stat(m, "rk").kernel_stack).toBe(16384);
    again.kill();
    checkMm(k);
  });

  it("forks in the root charge no stack", () => {
    const m = boot();
    const k = kernelOf(m);
    const p = m.spawn({ comm: "par" });
    const kid = p.fork();
    expect(stat(m, "rk").kernel_stack).toBe(0);
    for (const pfn of k.vmalloc.find_vm_area(k.tasks.find(kid.pid)!.kobj!.stack)!.pages) expect(k.mem_map.memcg[pfn]).toBe(0);
    kid.kill();
  });

  // The real file: test/realkernel/data/w0-m2048/cgroup_root.memory.stat (Debian's 6.1.0-56 under
  // QEMU, 2048M, every task in the root; run_info there), beside 14.9 MB of Slab in its meminfo.
  it("prints the root's kernel-memory keys as the real 6.1 root after boot: 0, though the machine holds slab, stacks and page tables", () => {
    const m = Machine.boot({ memory: "2048M" });
    const real = keyed(readFileSync("test/realkernel/data/w0-m2048/cgroup_root.memory.stat", "utf8"));
    const root = keyed(m.read(`${CG}/memory.stat`));
    const keys = ["kernel", "kernel_stack", "pagetables", "sec_pagetables", "percpu", "sock", "vmalloc", "zswap", "zswapped", "slab_reclaimable", "slab_unreclaimable", "slab"];
    for (const key of keys) expect([key, root[key]]).toEqual([key, real[key]]);
    const meminfo = keyed(m.read("/proc/meminfo").replace(/:\s+/g, " ").replace(/ kB/g, ""));
    expect(meminfo.Slab).toBeGreaterThan(10_000);
    expect(meminfo.KernelStack).toBeGreaterThan(0);
  });

  it("counts in the root's kernel-memory keys its descendants' charges, in bytes, and nothing its own tasks take", () => {
    const m = boot();
    const k = kernelOf(m);
    m.mkdir(`${CG}/rk/leaf`);
    const inRoot = m.spawn({ comm: "rootpar" });
    const rootKids = Array.from({ length: 5 }, () => inRoot.fork());
    const before = stat(m, "");
    expect(before.kernel_stack).toBe(0);
    expect(before.slab_unreclaimable).toBe(0);
    const p = m.spawn({ comm: "par", cgroup: "/rk/leaf" });
    const kids = Array.from({ length: 10 }, () => p.fork());
    const root = stat(m, "");
    const rk = stat(m, "rk");
    const keys = ["kernel", "kernel_stack", "pagetables", "percpu", "vmalloc", "slab_reclaimable", "slab_unreclaimable", "slab"];
    for (const key of keys) expect([key, root[key]]).toEqual([key, rk[key]]);
    // bytes, not pages: ten children's task_struct alone is 62 kB
    expect(root.slab_unreclaimable).toBeGreaterThan(10 * PER_CHILD - 1);
    // the ten children's stacks; par's own was allocated by init's fork, in the root, before it moved
    expect(root.kernel_stack).toBe(10 * 16384);
    for (const kid of [...kids, ...rootKids]) kid.kill();
    checkMm(k);
  });

  it("charges kmalloc(GFP_KERNEL_ACCOUNT) from kmalloc-cg-* and leaves GFP_KERNEL uncharged", () => {
    const m = boot();
    const k = kernelOf(m);
    const p = m.spawn({ comm: "drv", cgroup: "/rk" });
    const s0 = stat(m, "rk");
    p.kmalloc({ size: 1000, count: 100, gfp: "GFP_KERNEL" });
    expect(stat(m, "rk").slab_unreclaimable).toBe(s0.slab_unreclaimable);
    p.kmalloc({ size: 1000, count: 100, gfp: "GFP_KERNEL_ACCOUNT" });
    checkMm(k);
    // kmalloc-cg-1k: 1024-byte slots, 1032 bytes charged each.
    expect(stat(m, "rk").slab_unreclaimable - s0.slab_unreclaimable).toBe(100 * 1032);
    p.kfree(100);
    checkMm(k);
    expect(stat(m, "rk").slab_unreclaimable).toBe(s0.slab_unreclaimable);
  });

  it("reparents an rmdir'd group's objcg: its objects then uncharge the parent", () => {
    const m = Machine.boot({ memory: "256M" });
    const k = kernelOf(m);
    m.write(`${CG}/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/a`);
    m.write(`${CG}/a/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/a/b`);
    m.mkdir(`${CG}/c`);
    const p = m.spawn({ comm: "drv", cgroup: "/a/b" });
    const a0 = stat(m, "a").slab_unreclaimable;
    p.kmalloc({ size: 2048, count: 64, gfp: "GFP_KERNEL_ACCOUNT" });
    expect(stat(m, "a").slab_unreclaimable - a0).toBe(64 * 2056);
    m.write(`${CG}/c/cgroup.procs`, String(p.pid));
    m.rmdir(`${CG}/a/b`);
    checkMm(k);
    // A zombie: the process's own pages and page tables still charge it (v2 does not move them).
    expect(m.read(`${CG}/a/cgroup.stat`)).toBe("nr_descendants 0\nnr_dying_descendants 1\n");
    const cur = Number(m.read(`${CG}/a/memory.current`));
    expect(cur).toBeGreaterThanOrEqual(64 * 2056);
    // The objects now uncharge /a (their objcg's memcg): /a's slab and memory.current go down.
    p.kfree();
    checkMm(k);
    expect(stat(m, "a").slab_unreclaimable).toBe(a0);
    expect(Number(m.read(`${CG}/a/memory.current`))).toBeLessThan(cur - 64 * 2056 + 64 * 4096);
    expect(stat(m, "c").slab_unreclaimable).toBe(0);
    // Its last pages gone, the zombie is freed.
    p.kill();
    checkMm(k);
    expect(m.read(`${CG}/a/cgroup.stat`)).toBe("nr_descendants 0\nnr_dying_descendants 0\n");
  });

  it("snapshots and restores the objcgs and obj stocks: the restored machine uncharges as the original", () => {
    const m = boot();
    const p = m.spawn({ comm: "drv", cgroup: "/rk" });
    p.kmalloc({ size: 500, count: 30, gfp: "GFP_KERNEL_ACCOUNT" });
    const r = Machine.restore(m.snapshot());
    for (const x of [m, r]) x.process(p.pid)?.kfree(10);
    for (const f of ["memory.current", "memory.stat"]) expect(r.read(`${CG}/rk/${f}`), f).toBe(m.read(`${CG}/rk/${f}`));
    checkMm(kernelOf(r));
    expect(stat(r, "rk").slab_unreclaimable).toBe(stat(m, "rk").slab_unreclaimable);
  });

  it("ends a kernel-memory leak in a group at memory.max with the memcg OOM killer", () => {
    const m = boot();
    const k = kernelOf(m);
    m.write(`${CG}/rk/memory.max`, "8M");
    const p = m.spawn({ comm: "leak", cgroup: "/rk" });
    let killed = false;
    try {
      p.kmalloc({ size: 4096, count: 10000, gfp: "GFP_KERNEL_ACCOUNT", leak: true });
    } catch (e) {
      if (!(e instanceof ProcessKilled)) throw e;
      killed = true;
    }
    checkMm(k);
    expect(killed || !p.alive).toBe(true);
    const ev = keyed(m.read(`${CG}/rk/memory.events`));
    expect(ev.oom_kill).toBe(1);
    expect(m.dmesg()).toMatch(/oom-kill:constraint=CONSTRAINT_MEMCG,.*oom_memcg=\/rk,task_memcg=\/rk,task=leak/);
    // The leaked objects stay charged: the group sits at its limit with nothing left to kill.
    expect(Number(m.read(`${CG}/rk/memory.current`))).toBeGreaterThan(7 * 2 ** 20);
  });
});

describe("property: random accounted allocations, forks, moves, rmdirs and limits", () => {
  it("keeps each objcg's pages equal to its objects' bytes and each group's slab statistics equal to the sum over its objects", () => {
    for (let seed = 1; seed <= 2; seed++) {
      const rng = new Prng(seed);
      const m = Machine.boot({ memory: "256M" });
      const k = kernelOf(m);
      m.write(`${CG}/cgroup.subtree_control`, "+memory");
      m.mkdir(`${CG}/a`);
      m.write(`${CG}/a/cgroup.subtree_control`, "+memory");
      const leaves = ["/a/x", "/a/y", "/b"];
      const mk = (g: string): void => {
        if (!m.list(CG + g.slice(0, g.lastIndexOf("/"))).includes(g.slice(g.lastIndexOf("/") + 1))) m.mkdir(CG + g);
      };
      for (const g of leaves) mk(g);
      const procs: Process[] = [];
      for (let step = 0; step < 40; step++) {
        const op = rng.below(7);
        try {
          const live = leaves.filter((g) => m.list(CG + g.slice(0, g.lastIndexOf("/"))).includes(g.slice(g.lastIndexOf("/") + 1)));
          if (op === 0 || procs.length === 0) {
            if (live.length) procs.push(m.spawn({ comm: `p${step}`, cgroup: live[rng.below(live.length)] }));
          } else {
            const p = procs[rng.below(procs.length)];
            if (op === 1) p.kmalloc({ size: 1 + rng.below(4096), count: 1 + rng.below(200), gfp: "GFP_KERNEL_ACCOUNT" });
            else if (op === 2) p.kfree(rng.below(100));
            else if (op === 3) procs.push(p.fork());
            else if (op === 4 && live.length) m.write(`${CG}${live[rng.below(live.length)]}/cgroup.procs`, String(p.pid));
            else if (op === 5) {
              // rmdir a leaf nobody is in (its objcg reparents), or make it again
              const g = leaves[rng.below(leaves.length)];
              if (live.includes(g)) {
                if (m.read(`${CG}${g}/cgroup.procs`) === "") m.rmdir(CG + g);
              } else mk(g);
            } else m.write(`${CG}/a/memory.max`, rng.below(2) === 0 ? "max" : `${2 + rng.below(8)}M`);
          }
        } catch (e) {
          if (!(e instanceof ProcessKilled || e instanceof Errno)) throw e;
        }
        for (let i = procs.length - 1; i >= 0; i--) if (!procs[i].alive) procs.splice(i, 1);
        checkMm(k);
        checkSlabStats(m);
      }
    }
  });
});

/** Each online group's memory.stat slab_unreclaimable is the obj_full_size sum of the objects charged to objcgs of its subtree. */
function checkSlabStats(m: Machine): void {
  const k = kernelOf(m);
  drain_all_obj_stock(k, k.memcg.root_mem_cgroup);
  __mem_cgroup_flush_stats(k);
  const kmem = k.memcg.kmem;
  for (const memcg of k.memcg.byId) {
    if (memcg === null || memcg.id === 0 || !memcg.online) continue;
    let want = 0;
    if (kmem !== null) {
      for (const s of k.slab.slab_caches) {
        for (let i = 0; i < s.objcgs.length; i++) {
          const id = s.objcgs[i];
          if (id === 0) continue;
          const objcg = kmem.objcgs[id];
          if (objcg && mem_cgroup_is_descendant(objcg.memcg, memcg)) want += s.size + 8;
        }
      }
    }
    expect(memcg_page_state(memcg, NR_SLAB_UNRECLAIMABLE_B) + memcg_page_state(memcg, NR_SLAB_RECLAIMABLE_B)).toBe(want);
  }
}
