/**
 * sl-fork (test/realkernel/data/sl-fork; tools/realkernel/guest/init-ext wl_sl_fork): a 512 MiB,
 * 1-CPU guest forks 500 children that pause(), reads /proc/slabinfo and /proc/meminfo a second
 * later, then kills and reaps them and reads both again. The shipped scenario slab-growth runs
 * the same workload (a counted fork of 500 children that sleep and exit) and is compared here,
 * cache by cache.
 *
 * Tolerances, from what /proc/slabinfo's active_objs counts under SLUB (get_slabinfo: every
 * object of the cache minus the free ones of the node's partial slabs, count_partial): the free
 * objects of the CPU slab and of the per-CPU partial slabs count as active.
 * - At 500 processes, the growth of each cache: within one slab's objects (objperslab). Each
 *   child takes exactly its objects; what differs is how much of the last slab is still free on
 *   the CPU, and objects the guest's other tasks took or gave back meanwhile.
 * - After the children are reaped, the growth left: within objperslab × (1 + cpu_partial_slabs)
 *   (the CPU slab plus a full per-CPU partial list). Which slabs end on the CPU's partial list
 *   depends on the order of the frees, and the real kernel frees task_struct, cred and pid after
 *   RCU grace periods in batches where the model frees them at once (docs/fidelity/slab.md).
 *   cpu_partial_slabs as set_cpu_partial and slub_set_cpu_partial compute it from s->size (the
 *   objsize column): 6, 24, 52 or 120 objects for sizes ≥ 4096, ≥ 1024, ≥ 256 or less; slabs =
 *   DIV_ROUND_UP(objects × 2, objperslab).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/workload/parse.js";
import { runScenario } from "../../src/workload/runner.js";
import { fieldOf } from "../../src/workload/expect.js";

const real = (f: string): string => readFileSync(resolve("test/realkernel/data/sl-fork", f), "utf8");

/** A cache's slabinfo row: active_objs, num_objs, objsize, objperslab. */
function row(slabinfo: string, cache: string): { active: number; num: number; objsize: number; perslab: number } {
  const line = slabinfo.split("\n").find((l) => l.startsWith(cache + " "));
  if (!line) throw new Error(`no ${cache} in slabinfo`);
  const f = line.split(/\s+/).slice(1, 5).map(Number);
  return { active: f[0], num: f[1], objsize: f[2], perslab: f[3] };
}

/** cpu_partial_slabs. @kernel mm/slub.c set_cpu_partial, slub_set_cpu_partial */
function cpu_partial_slabs(size: number, perslab: number): number {
  const nr_objects = size >= 4096 ? 6 : size >= 1024 ? 24 : size >= 256 ? 52 : 120;
  return Math.ceil((nr_objects * 2) / perslab);
}

const CACHES = ["task_struct", "mm_struct", "vm_area_struct", "anon_vma", "anon_vma_chain", "pid", "signal_cache", "sighand_cache", "files_cache", "cred_jar", "maple_node", "kmalloc-cg-16", "kmalloc-96"];

describe("slab-growth against sl-fork (500 forked processes, 512M guest)", () => {
  const r = runScenario(parseScenario(readFileSync("scenarios/slab-growth.yaml"), "scenarios/slab-growth.yaml"));
  const cap = (label: string): string => {
    const c = r.captures.find((x) => x.label === label);
    if (!c) throw new Error(`no capture ${label}`);
    return c.text;
  };

  it("runs as the workload did: 500 children forked and exited", () => {
    expect(r.processes.filter((p) => p.name === "kid" && p.state === "exited")).toHaveLength(500);
    expect(r.ok).toBe(true);
  });

  it("has the real kernel's geometry for every cache it compares", () => {
    for (const c of CACHES) {
      const m = row(cap("before"), c);
      const k = row(real("slabinfo.before"), c);
      expect([c, m.objsize, m.perslab]).toEqual([c, k.objsize, k.perslab]);
    }
  });

  it("grows each per-task cache as the real kernel did, within one slab's objects", () => {
    for (const c of CACHES) {
      const k = row(real("slabinfo.forked"), c);
      const want = k.active - row(real("slabinfo.before"), c).active;
      const got = row(cap("forked"), c).active - row(cap("before"), c).active;
      expect({ c, off: Math.abs(got - want) <= k.perslab, got, want }).toMatchObject({ c, off: true });
    }
  });

  it("shrinks them after the exits as the real kernel did, within the CPU slab and a full per-CPU partial list", () => {
    for (const c of CACHES) {
      const k = row(real("slabinfo.reaped"), c);
      const want = k.active - row(real("slabinfo.before"), c).active;
      const got = row(cap("reaped"), c).active - row(cap("before"), c).active;
      const tol = k.perslab * (1 + cpu_partial_slabs(k.objsize, k.perslab));
      expect({ c, off: Math.abs(got - want) <= tol, got, want, tol }).toMatchObject({ c, off: true });
    }
  });

  it("moves KernelStack, PageTables and SUnreclaim by what 500 children hold", () => {
    const d = (from: string, to: string, f: string, model: boolean): number => {
      const v = (t: string): number => fieldOf(t, f) as number;
      return model ? v(cap(to)) - v(cap(from)) : v(real(to)) - v(real(from));
    };
    // KernelStack: 500 stacks of 16 kB, exactly, and all back at the end (two stay in the CPU's cache, as before).
    expect(d("before.mem", "forked.mem", "KernelStack", true)).toBe(d("meminfo.before", "meminfo.forked", "KernelStack", false));
    expect(d("before.mem", "reaped.mem", "KernelStack", true)).toBe(d("meminfo.before", "meminfo.reaped", "KernelStack", false));
    // PageTables: a PGD, a PUD, a PMD and the PTE pages of ten VMAs per child: +9996 kB real,
    // within 4 pages (the real guest's other tasks freed a page table meanwhile).
    expect(Math.abs(d("before.mem", "forked.mem", "PageTables", true) - d("meminfo.before", "meminfo.forked", "PageTables", false))).toBeLessThanOrEqual(16);
    // SUnreclaim: +7528 kB real; within 64 kB (the last slab of each cache, partly used).
    expect(Math.abs(d("before.mem", "forked.mem", "SUnreclaim", true) - d("meminfo.before", "meminfo.forked", "SUnreclaim", false))).toBeLessThanOrEqual(64);
  });
});
