/**
 * The MMU loop's fast paths (fault_in_table, anon_write_run) must leave exactly the state the
 * general fault entry leaves. A listener on page_fault_user turns the fast paths off (every fault
 * then goes through do_user_addr_fault → handle_mm_fault), so the same random program run on two
 * machines, one traced and one not, must give identical results, counters, struct pages and page
 * tables after every step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernel_clone, mmput } from "../kernel/fork.js";
import type { Kernel } from "../kernel/kernel.js";
import { task_struct } from "../kernel/sched.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, access_addrs, access_range } from "../arch/x86/mmu.js";
import { do_mmap, do_munmap, type DoMmapResult, MAP_ANONYMOUS, MAP_PRIVATE, mm_alloc } from "./mmap.js";
import { do_mprotect_pkey } from "./mprotect.js";
import { procMkdir, procRead, procWrite } from "../fs/proc/root.js";
import { cgroup_attach_task, cgroup_lookup } from "../kernel/cgroup/cgroup.js";
import { NR_ANON_MAPPED, PGFAULT } from "./vmstat_items.js";

const MiB = 1 << 20;
const PAGE = 4096;

type Op =
  | { op: "mmap"; pages: number; prot: number }
  | { op: "access"; who: number; vma: number; from: number; pages: number; kind: number }
  | { op: "trace"; who: number; vma: number; n: number; seed: number; kind: number }
  | { op: "fork"; who: number }
  | { op: "exit"; who: number }
  | { op: "mprotect"; vma: number; from: number; pages: number; prot: number }
  | { op: "munmap"; vma: number; from: number; pages: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("mmap" as const), pages: fc.integer({ min: 1, max: 1200 }), prot: fc.constantFrom(1, 3, 3, 3, 7) }),
  fc.record({
    op: fc.constant("access" as const),
    who: fc.nat(7),
    vma: fc.nat(7),
    from: fc.nat(1300),
    pages: fc.integer({ min: 1, max: 1300 }),
    kind: fc.constantFrom(ACCESS_WRITE, ACCESS_WRITE, ACCESS_READ, ACCESS_EXEC),
  }),
  fc.record({ op: fc.constant("trace" as const), who: fc.nat(7), vma: fc.nat(7), n: fc.integer({ min: 1, max: 400 }), seed: fc.nat(), kind: fc.constantFrom(ACCESS_WRITE, ACCESS_READ) }),
  fc.record({ op: fc.constant("fork" as const), who: fc.nat(7) }),
  fc.record({ op: fc.constant("exit" as const), who: fc.nat(7) }),
  fc.record({ op: fc.constant("mprotect" as const), vma: fc.nat(7), from: fc.nat(1300), pages: fc.integer({ min: 1, max: 600 }), prot: fc.constantFrom(0, 1, 3) }),
  fc.record({ op: fc.constant("munmap" as const), vma: fc.nat(7), from: fc.nat(1300), pages: fc.integer({ min: 1, max: 600 }) }),
);

/** One machine running the program; `traced` subscribes to page_fault_user. */
class Machine {
  readonly k: Kernel;
  readonly tasks: task_struct[] = [];
  readonly maps: { addr: number; pages: number }[] = [];
  readonly results: unknown[] = [];

  /**
   * `memcgMax` (bytes) puts the first task in a memcg of that memory.max, so its runs charge
   * pages, hold back their statistics and meet memcg reclaim and the memcg OOM killer.
   */
  constructor(traced: boolean, memcgMax: number | null = null) {
    // 96 MiB: large programs run the allocator dry, so the OOM stop is compared too.
    this.k = start_kernel({ memory: 96 * MiB });
    if (traced) this.k.trace.on("page_fault_user", () => undefined);
    const t = new task_struct(this.k.tasks.alloc_pid(), "p", 0, 1, null, this.k.now_ns);
    this.k.tasks.byPid.set(t.pid, t);
    t.mm = mm_alloc(this.k, t);
    t.mm.owner = t.pid;
    this.tasks.push(t);
    if (memcgMax !== null) {
      procWrite(this.k, "/sys/fs/cgroup/cgroup.subtree_control", "+memory");
      procMkdir(this.k, "/sys/fs/cgroup/g");
      procWrite(this.k, "/sys/fs/cgroup/g/memory.max", String(memcgMax));
      const cg = cgroup_lookup(this.k, ["g"]);
      if (cg === undefined || cgroup_attach_task(this.k, cg, t) !== 0) throw new Error("attach");
    }
  }

  run(o: Op): void {
    const k = this.k;
    const task = (who: number): task_struct => this.tasks[who % this.tasks.length];
    const map = (v: number): { addr: number; pages: number } | undefined => (this.maps.length === 0 ? undefined : this.maps[v % this.maps.length]);
    switch (o.op) {
      case "mmap": {
        const out = { populate: 0 } as DoMmapResult;
        const a = do_mmap(k, this.tasks[0], null, 0, o.pages * PAGE, o.prot, MAP_PRIVATE | MAP_ANONYMOUS, 0, out);
        this.results.push(a);
        if (a >= 0) this.maps.push({ addr: a, pages: o.pages });
        return;
      }
      case "access": {
        const m = map(o.vma);
        if (m === undefined) return;
        // Ranges may run past the mapping: the SIGSEGV stop is compared as well.
        this.results.push(access_range(k, task(o.who), m.addr + (o.from % m.pages) * PAGE, o.pages * PAGE, o.kind));
        return;
      }
      case "trace": {
        const m = map(o.vma);
        if (m === undefined) return;
        const addrs: number[] = [];
        let x = o.seed >>> 0;
        for (let i = 0; i < o.n; i++) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          addrs.push(m.addr + (x % m.pages) * PAGE);
        }
        this.results.push(access_addrs(k, task(o.who), addrs, o.kind));
        return;
      }
      case "fork": {
        if (this.tasks.length >= 8) return;
        const c = kernel_clone(k, task(o.who));
        this.results.push(typeof c === "number" ? c : c.pid);
        if (typeof c !== "number") this.tasks.push(c);
        return;
      }
      case "exit": {
        if (this.tasks.length <= 1) return;
        const i = 1 + (o.who % (this.tasks.length - 1));
        const t = this.tasks[i];
        if (t.mm) mmput(k, t.mm);
        t.mm = null;
        this.tasks.splice(i, 1);
        return;
      }
      case "mprotect": {
        const m = map(o.vma);
        if (m === undefined) return;
        this.results.push(do_mprotect_pkey(k, this.tasks[0], m.addr + (o.from % m.pages) * PAGE, o.pages * PAGE, o.prot, -1));
        return;
      }
      case "munmap": {
        const m = map(o.vma);
        if (m === undefined) return;
        this.results.push(do_munmap(k, this.tasks[0].mm!, m.addr + (o.from % m.pages) * PAGE, o.pages * PAGE));
        return;
      }
    }
  }
}

/** The first difference between the two machines' state, or null. */
function difference(a: Machine, b: Machine): string | null {
  const arrays = (m: Machine): [string, ArrayLike<number>][] => {
    const mem = m.k.mem_map;
    const pool = m.k.pgtables;
    const out: [string, ArrayLike<number>][] = [
      ["vm_events", m.k.vm_events],
      ["flags", mem.flags],
      ["_refcount", mem._refcount],
      ["mapcount", mem.mapcount],
      ["mapping", mem.mapping],
      ["index", mem.index],
      ["ent_flags", pool.ent_flags],
      ["ent_pfn", pool.ent_pfn],
      ["tbl_used", pool.tbl_used],
    ];
    m.k.node_data.forEach((n, i) => out.push([`node${i}.vm_stat`, n.vm_stat]));
    m.k.zones.forEach((z, i) => out.push([`zone${i}.vm_stat`, z.vm_stat]));
    m.tasks.forEach((t, i) => {
      out.push([`task${i}.flt`, [t.min_flt, t.maj_flt]]);
      if (t.mm) out.push([`task${i}.rss`, t.mm.rss_stat]);
    });
    // The memcgs: charges, statistics pending and flushed, the rstat bookkeeping that decides
    // when a reader flushes, the stocks.
    const st = m.k.memcg;
    out.push(["memcg.page", mem.memcg]);
    out.push(["rstat", [st.stats_flush_threshold, ...st.stats_updates, ...st.rstat_updated.map((g) => g.id)]]);
    out.push(["stock", st.stock.flatMap((s) => [s.cached?.id ?? -1, s.nr_pages])]);
    for (const g of st.byId) {
      if (g === null) continue;
      const id = `memcg${g.id}`;
      out.push([`${id}.counters`, [g.memory.usage, g.memory.watermark, g.memory.failcnt, g.swap.usage]]);
      out.push([`${id}.state_pending`, g.state_pending], [`${id}.state`, g.state], [`${id}.state_local`, g.state_local]);
      out.push([`${id}.events_pending`, g.events_pending], [`${id}.events`, g.events], [`${id}.events_local`, g.events_local]);
      out.push([`${id}.memory_events`, g.memory_events]);
    }
    return out;
  };
  const xa = arrays(a);
  const xb = arrays(b);
  if (xa.length !== xb.length) return "different shapes";
  for (let n = 0; n < xa.length; n++) {
    const [name, va] = xa[n];
    const vb = xb[n][1];
    if (va.length !== vb.length) return `${name}: length ${va.length} vs ${vb.length}`;
    for (let i = 0; i < va.length; i++) if (va[i] !== vb[i]) return `${name}[${i}]: ${va[i]} vs ${vb[i]}`;
  }
  return null;
}

describe("the MMU's fast fault paths", () => {
  it("leave results, counters, struct pages and page tables exactly as the general fault path does", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const fast = new Machine(false);
        const general = new Machine(true);
        for (const o of ops) {
          fast.run(o);
          general.run(o);
          expect(fast.results).toEqual(general.results);
          expect(difference(fast, general)).toBeNull();
        }
      }),
      { numRuns: 40, seed: 61 },
    );
  });

  it("in a memcg at memory.max: charges, memcg statistics and rstat bookkeeping exactly as the general path leaves them", () => {
    // 6 MiB of memory.max and no swap: long runs pass the stock's batches, memcg reclaim (which
    // flushes the statistics) and the memcg OOM killer; memory.stat read between steps flushes
    // when the general path's updates would have made it.
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        const fast = new Machine(false, 6 * MiB);
        const general = new Machine(true, 6 * MiB);
        for (const o of ops) {
          fast.run(o);
          general.run(o);
          expect(fast.results).toEqual(general.results);
          expect(procRead(fast.k, "/sys/fs/cgroup/g/memory.stat")).toBe(procRead(general.k, "/sys/fs/cgroup/g/memory.stat"));
          expect(difference(fast, general)).toBeNull();
        }
      }),
      { numRuns: 30, seed: 15 },
    );
  });

  it("in a memcg: a first touch of 3 MiB holds its statistics back and hands over the same totals", () => {
    const run = (traced: boolean): Machine => {
      const m = new Machine(traced, 64 * MiB);
      m.run({ op: "mmap", pages: 768, prot: 3 });
      m.run({ op: "access", who: 0, vma: 0, from: 0, pages: 768, kind: ACCESS_WRITE });
      return m;
    };
    const fast = run(false);
    const general = run(true);
    expect(difference(fast, general)).toBeNull();
    const g = fast.k.memcg.byId[1]!;
    // 768 faults, 768 charges, 768 anonymous pages, each counted once; 768 × 3 updates (and the
    // LRU's) pass the batch of 64 far more often than the threshold's cap (nr_cpu_ids + 1) needs.
    expect(g.events_pending[PGFAULT] + g.events_local[PGFAULT]).toBe(768);
    expect(g.state_pending[NR_ANON_MAPPED] + g.state_local[NR_ANON_MAPPED]).toBe(768);
    expect(fast.k.memcg.stats_flush_threshold).toBe(fast.k.nr_cpu_ids + 1);
  });

  it("takes the fast path: an untraced first touch and a CoW pass agree with the traced machine", () => {
    // A direct case the property may miss: 3 MiB written (crossing a PTE table), forked, the child
    // writing everything (copies) and the parent writing everything (reuse once the child is gone).
    const run = (traced: boolean): Machine => {
      const m = new Machine(traced);
      m.run({ op: "mmap", pages: 768, prot: 3 });
      m.run({ op: "access", who: 0, vma: 0, from: 0, pages: 768, kind: ACCESS_WRITE });
      m.run({ op: "fork", who: 0 });
      m.run({ op: "access", who: 1, vma: 0, from: 0, pages: 768, kind: ACCESS_WRITE });
      m.run({ op: "exit", who: 0 });
      m.run({ op: "access", who: 0, vma: 0, from: 0, pages: 768, kind: ACCESS_WRITE });
      return m;
    };
    const fast = run(false);
    const general = run(true);
    expect(fast.results).toEqual(general.results);
    expect(difference(fast, general)).toBeNull();
    // 768 first touches, 768 copies in the child, 768 reuses in the parent.
    expect(fast.tasks[0].min_flt).toBe(768 + 768);
  });
});
