/**
 * The multi-gen LRU with memory cgroups as a property: random programs on a 192M machine with
 * swap and up to three groups under the root — processes spawned into groups, writing and reading
 * random ranges, forking, exiting and moving between groups through cgroup.procs; memory.max and
 * memory.low written (below usage too: reclaim, then the memcg OOM killer); lru_gen switched on
 * and off; the debugfs file's aging and eviction commands aimed at a random memcg id; time
 * passing (kswapd's lru_gen_age_node over every memcg). After every step checkMm, and through it
 * checkLru (every page on its own memcg's lruvec, in exactly one list or generation, nr_pages
 * exact per generation) and checkMemcg (each memcg's counters equal its pages and children, its
 * LRU statistics equal its classic lists plus its generations), and check_swap_invariants.
 * The runs must exercise it for real: memcg reclaim evicting from a group's generations (in
 * more than 5 steps) and groups with pages while the generations are switched (more than 5).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/kernel/errno.js";
import { lru_gen_enabled } from "../../src/mm/lru_gen.js";
import { checkMm } from "../../src/sim/invariants/mm.js";
import { check_swap_invariants } from "../../src/sim/invariants/swap.js";
import { Machine } from "../../src/sim/machine.js";
import { type Process, ProcessKilled } from "../../src/sim/process.js";
import { kernelOf } from "../../src/api/internals.js";
import { runProcOp } from "./proc_ops.js";
import { PGSTEAL_ANON, PGSTEAL_FILE } from "../../src/mm/vmstat_items.js";

const MiB = 1 << 20;
const PAGE = 4096;
const REGION_PAGES = 8192; // 32 MiB a process
const CG = "/sys/fs/cgroup";
const GROUPS = ["a", "b", "a/c"];

type Op =
  | { op: "spawn"; group: number }
  | { op: "write" | "read"; who: number; page: number; pages: number }
  | { op: "fork" | "exit"; who: number }
  | { op: "move"; who: number; group: number }
  | { op: "max" | "low"; group: number; mib: number }
  | { op: "enabled"; value: string }
  | { op: "age" | "evict"; id: number }
  | { op: "advance"; ms: number };

const who = fc.nat({ max: 7 });
const group = fc.nat({ max: GROUPS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("spawn" as const), group }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constantFrom("write" as const, "read" as const), who, page: fc.nat({ max: REGION_PAGES - 1 }), pages: fc.integer({ min: 1, max: 4096 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("fork" as const, "exit" as const), who }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("move" as const), who, group }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("max" as const, "low" as const), group, mib: fc.constantFrom(4, 8, 16, 24, 1024) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("enabled" as const), value: fc.constantFrom("y", "y", "n") }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("age" as const, "evict" as const), id: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 100 }) }) },
);

/** The memcg section `memcg ID PATH` of the debugfs file: its min and max anon seqs (node 0). */
function seqsOf(m: Machine, id: number): { min: number; max: number } | null {
  const lines = m.read("/sys/kernel/debug/lru_gen").split("\n");
  const at = lines.findIndex((l) => l.startsWith("memcg ") && Number(l.split(/ +/)[1]) === id);
  if (at < 0) return null;
  const rows: number[] = [];
  for (let i = at + 1; i < lines.length && !lines[i].startsWith("memcg "); i++) {
    if (/^\s+\d+\s+\d+\s+\d+\s+\d+\s*$/.test(lines[i])) rows.push(Number(lines[i].trim().split(/\s+/)[0]));
  }
  return rows.length ? { min: rows[0], max: rows[rows.length - 1] } : null;
}

describe("the multi-gen LRU with memory cgroups under random pressure", () => {
  it("keeps every memcg's generations, its LRU statistics and its charges exact", () => {
    let memcgEvictedOn = 0;
    let switchedWithGroupPages = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 20 }), fc.integer({ min: 1, max: 1000 }), (ops, seed) => {
        const m = Machine.boot({ memory: "192M", seed });
        const k = kernelOf(m);
        const init = m.spawn({ comm: "init" });
        init.swapon("/dev/vda", { size: 96 * MiB });
        m.write(`${CG}/cgroup.subtree_control`, "+memory");
        m.mkdir(`${CG}/a`);
        m.mkdir(`${CG}/b`);
        m.write(`${CG}/a/cgroup.subtree_control`, "+memory");
        m.mkdir(`${CG}/a/c`);
        // b starts limited, so its writers reclaim from its own generations from the start
        m.write(`${CG}/b/memory.max`, "12M");
        m.write("/sys/kernel/mm/lru_gen/enabled", "y");
        const procs: Array<{ p: Process; base: number }> = [];
        const spawn = (g: number): void => {
          const p = m.spawn({ comm: `p${procs.length}`, cgroup: `/${GROUPS[g]}` });
          procs.push({ p, base: p.mmap(REGION_PAGES * PAGE) });
        };
        spawn(1);
        spawn(2);
        checkMm(k);
        for (const o of ops) {
          const slot = "who" in o ? procs[o.who % procs.length] : null;
          const grpSteal = (): number => k.vm_events[PGSTEAL_ANON] + k.vm_events[PGSTEAL_FILE];
          const stolen = grpSteal();
          const wasOn = lru_gen_enabled(k);
          try {
            switch (o.op) {
              case "spawn":
                if (procs.length < 6) spawn(o.group);
                break;
              case "write":
              case "read":
              case "fork":
              case "exit":
                runProcOp(o, slot, procs, REGION_PAGES, 6);
                break;
              case "move":
                // a/ has a child with memory on: the no-internal-process rule refuses it (EBUSY)
                if (slot && slot.p.alive) m.write(`${CG}/${GROUPS[o.group]}/cgroup.procs`, String(slot.p.pid));
                break;
              case "max":
              case "low":
                m.write(`${CG}/${GROUPS[o.group]}/memory.${o.op}`, `${o.mib}M`);
                break;
              case "enabled": {
                const inGroups = GROUPS.some((g) => Number(m.read(`${CG}/${g}/memory.current`)) > 0);
                m.write("/sys/kernel/mm/lru_gen/enabled", o.value);
                if (inGroups && wasOn !== lru_gen_enabled(k)) switchedWithGroupPages++;
                break;
              }
              case "age":
              case "evict": {
                const s = seqsOf(m, o.id);
                if (s === null) break;
                if (o.op === "age") m.write("/sys/kernel/debug/lru_gen", `+ ${o.id} 0 ${s.max} 1 1`);
                else m.write("/sys/kernel/debug/lru_gen", `- ${o.id} 0 ${s.min} 60 256`);
                break;
              }
              case "advance":
                m.advance(o.ms * 1_000_000);
                break;
            }
          } catch (e) {
            // OOM kills and refused writes are outcomes; a KernelBug fails the property.
            if (!(e instanceof ProcessKilled) && !(e instanceof Errno)) throw e;
          }
          checkMm(k);
          check_swap_invariants(k);
          if (wasOn && lru_gen_enabled(k) && grpSteal() > stolen && GROUPS.some((g) => Number(m.read(`${CG}/${g}/memory.events`).match(/^max (\d+)/m)?.[1] ?? 0) > 0)) memcgEvictedOn++;
        }
        m.write("/sys/kernel/mm/lru_gen/enabled", "n");
        checkMm(k);
        for (const s of procs) if (s.p.alive) s.p.exit(0);
        m.advance(10_000_000);
        checkMm(k);
        check_swap_invariants(k);
      }),
      { numRuns: 20, seed: 7 },
    );
    expect(memcgEvictedOn).toBeGreaterThan(5);
    expect(switchedWithGroupPages).toBeGreaterThan(5);
  }, 300_000);
});
