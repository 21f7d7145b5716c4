import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeOomLog } from "../decode/oom.js";
import { Errno } from "../kernel/errno.js";
import { Machine } from "../sim/machine.js";
import { type Process, ProcessKilled } from "../sim/process.js";
import { checkMm } from "../sim/invariants/mm.js";
import { kernelOf } from "../api/internals.js";
import { Prng } from "../kernel/random.js";
import { effective_protection, MEMCG_CHARGE_BATCH } from "./memcontrol.js";
import { page_counter_memparse, PAGE_COUNTER_MAX } from "./page_counter.js";
import { keyed } from "./memcontrol.testutil.js";
import { errnoOf } from "../kernel/errno.testutil.js";

const MiB = 1 << 20;
const CG = "/sys/fs/cgroup";


function bootWithGroup(memory = "512M", max?: string): Machine {
  const m = Machine.boot({ memory });
  m.write(`${CG}/cgroup.subtree_control`, "+memory");
  m.mkdir(`${CG}/rk`);
  if (max !== undefined) m.write(`${CG}/rk/memory.max`, max);
  return m;
}

function statOf(m: Machine, path: string): Record<string, number> {
  return keyed(m.read(path));
}

describe("cgroupfs", () => {
  it("mounts cgroup2 with the root's files, and makes groups with the memory files once +memory is on", () => {
    const m = Machine.boot({ memory: "256M" });
    expect(m.read(`${CG}/cgroup.controllers`)).toBe("memory\n");
    expect(m.read(`${CG}/cgroup.subtree_control`)).toBe("\n");
    expect(m.list(CG)).toContain("memory.stat");
    expect(m.list(CG)).not.toContain("memory.max");
    m.mkdir(`${CG}/a`);
    // The parent does not enable memory: no memory files, tasks charge the root.
    expect(m.list(`${CG}/a`)).not.toContain("memory.current");
    expect(m.read(`${CG}/a/cgroup.controllers`)).toBe("\n");
    m.write(`${CG}/cgroup.subtree_control`, "+memory");
    expect(m.read(`${CG}/cgroup.subtree_control`)).toBe("memory\n");
    expect(m.list(`${CG}/a`)).toEqual(expect.arrayContaining(["memory.current", "memory.max", "memory.stat", "memory.swap.max", "cgroup.procs", "cgroup.events"]));
    expect(m.read(`${CG}/a/memory.max`)).toBe("max\n");
    expect(m.read(`${CG}/a/memory.current`)).toBe("0\n");
    expect(m.read(`${CG}/cgroup.stat`)).toBe("nr_descendants 1\nnr_dying_descendants 0\n");
  });

  it("answers as 6.1 does: EEXIST, ENOENT, EBUSY for a busy rmdir and the no-internal-process rule, EINVAL for garbage", () => {
    const m = bootWithGroup("256M");
    expect(errnoOf(() => m.mkdir(`${CG}/rk`))).toBe("EEXIST");
    expect(errnoOf(() => m.mkdir(`${CG}/nope/x`))).toBe("ENOENT");
    expect(errnoOf(() => m.rmdir(`${CG}/nope`))).toBe("ENOENT");
    expect(errnoOf(() => m.rmdir(`${CG}/rk/memory.max`))).toBe("ENOTDIR");
    for (const bad of ["abc", "-1", "12Q", "1.5G", "0x", "max1"]) expect(errnoOf(() => m.write(`${CG}/rk/memory.max`, bad))).toBe("EINVAL");
    expect(errnoOf(() => m.write(`${CG}/rk/memory.oom.group`, "2"))).toBe("EINVAL");
    expect(errnoOf(() => m.write(`${CG}/rk/memory.oom.group`, ""))).toBe("EINVAL");
    expect(errnoOf(() => m.write(`${CG}/rk/cgroup.procs`, "999999"))).toBe("ESRCH");
    expect(errnoOf(() => m.write(`${CG}/rk/cgroup.procs`, "x"))).toBe("EINVAL");
    expect(errnoOf(() => m.write(`${CG}/rk/cgroup.subtree_control`, "+cpu"))).toBe("EINVAL");
    expect(errnoOf(() => m.write(`${CG}/rk/memory.current`, "1"))).toBe("EACCES");
    m.write(`${CG}/rk/memory.max`, " 64M\n");
    expect(m.read(`${CG}/rk/memory.max`)).toBe(`${64 * MiB}\n`);
    m.write(`${CG}/rk/memory.high`, "max");
    expect(m.read(`${CG}/rk/memory.high`)).toBe("max\n");
    const p = m.spawn({ comm: "a", cgroup: "/rk" });
    expect(m.read(`/proc/${p.pid}/cgroup`)).toBe("0::/rk\n");
    expect(m.read(`${CG}/rk/cgroup.procs`)).toBe(`${p.pid}\n`);
    expect(m.read(`${CG}/rk/cgroup.events`)).toBe("populated 1\nfrozen 0\n");
    // No internal processes: a populated group may not enable controllers for children...
    expect(errnoOf(() => m.write(`${CG}/rk/cgroup.subtree_control`, "+memory"))).toBe("EBUSY");
    expect(errnoOf(() => m.rmdir(`${CG}/rk`))).toBe("EBUSY");
    // ...and a process may not move into a group that does.
    m.mkdir(`${CG}/par`);
    m.write(`${CG}/par/cgroup.subtree_control`, "+memory");
    m.mkdir(`${CG}/par/child`);
    expect(errnoOf(() => m.write(`${CG}/par/cgroup.procs`, String(p.pid)))).toBe("EBUSY");
    m.write(`${CG}/par/child/cgroup.procs`, String(p.pid));
    expect(m.read(`/proc/${p.pid}/cgroup`)).toBe("0::/par/child\n");
    expect(errnoOf(() => m.write(`${CG}/par/cgroup.subtree_control`, "-memory"))).toBe("ok");
    expect(errnoOf(() => m.rmdir(`${CG}/par`))).toBe("EBUSY");
    // A forked child inherits its parent's cgroup.
    const c = p.fork();
    expect(m.read(`/proc/${c.pid}/cgroup`)).toBe("0::/par/child\n");
  });

  it("parses limits as page_counter_memparse: max, suffixes, rounding down to pages, an empty string as 0", () => {
    expect(page_counter_memparse("max", "max")).toBe(PAGE_COUNTER_MAX);
    expect(page_counter_memparse("1k", "max")).toBe(0);
    expect(page_counter_memparse("8191", "max")).toBe(1);
    expect(page_counter_memparse("2M", "max")).toBe(512);
    expect(page_counter_memparse("0x2000", "max")).toBe(2);
    expect(page_counter_memparse("", "max")).toBe(0);
    expect(page_counter_memparse("max", "")).toBeLessThan(0);
    expect(page_counter_memparse("99E", "max")).toBe(PAGE_COUNTER_MAX);
  });
});

describe("charging", () => {
  it("charges a group's faults and page tables, counts them in memory.stat, and uncharges them when the process exits", () => {
    const m = bootWithGroup("256M");
    const k = kernelOf(m);
    const p = m.spawn({ comm: "anon", cgroup: "/rk" });
    const a = p.mmap(16 * MiB);
    p.write(a, 16 * MiB);
    checkMm(k);
    const cur = Number(m.read(`${CG}/rk/memory.current`));
    // 4096 anonymous pages, the page tables, and at most a batch in the stock.
    expect(cur).toBeGreaterThanOrEqual(4096 * 4096);
    expect(cur).toBeLessThanOrEqual((4096 + 16 + MEMCG_CHARGE_BATCH) * 4096);
    m.advance("3s"); // the periodic flush
    const st = statOf(m, `${CG}/rk/memory.stat`);
    // The buffer, and the few pages exec faulted in (the task joined the group before exec).
    expect(st.anon).toBeGreaterThanOrEqual(16 * MiB);
    expect(st.anon).toBeLessThan(16 * MiB + 16 * 4096);
    // On the memcg's lists, but for what the per-CPU lru_add batch still holds (up to 15 pages).
    const batched = st.anon - (st.inactive_anon + st.active_anon);
    expect(batched).toBeGreaterThanOrEqual(0);
    expect(batched).toBeLessThanOrEqual(15 * 4096);
    expect(st.pagetables).toBeGreaterThan(0);
    expect(st.kernel).toBeGreaterThanOrEqual(st.pagetables);
    expect(Object.keys(st).slice(0, 3)).toEqual(["anon", "file", "kernel"]);
    // Every 6.1 key, in 6.1's order (w4's memory.stat).
    const realKeys = readFileSync("test/realkernel/data/w4/cg.afteroom.memory.stat", "utf8").trim().split("\n").map((l) => l.split(" ")[0]);
    expect(Object.keys(st)).toEqual(realKeys);
    p.kill();
    checkMm(k);
    // What is left is the kernel pages the stock took back (obj_cgroup_uncharge_pages refills it).
    expect(Number(m.read(`${CG}/rk/memory.current`))).toBeLessThanOrEqual(MEMCG_CHARGE_BATCH * 4096);
    m.rmdir(`${CG}/rk`);
    checkMm(k);
    expect(m.list(CG)).not.toContain("rk");
    expect(m.read(`${CG}/cgroup.stat`)).toBe("nr_descendants 0\nnr_dying_descendants 0\n");
  });

  it("keeps a removed group as a zombie while its page cache still charges it", () => {
    const m = bootWithGroup("256M");
    const k = kernelOf(m);
    const sh = m.spawn({ comm: "sh" });
    sh.mkdir("/mnt/t");
    sh.mount("/mnt/t", { fstype: "tmpfs" });
    const p = m.spawn({ comm: "w", cgroup: "/rk" });
    const fd = p.open("/mnt/t/f", "w|create");
    p.writeFd(fd, 4 * MiB);
    p.close(fd);
    p.exit();
    m.rmdir(`${CG}/rk`);
    expect(m.list(CG)).not.toContain("rk");
    expect(m.read(`${CG}/cgroup.stat`)).toBe("nr_descendants 0\nnr_dying_descendants 1\n");
    checkMm(k);
    // Deleting the file frees the last pages: the zombie goes.
    sh.unlink("/mnt/t/f");
    checkMm(k);
    expect(m.read(`${CG}/cgroup.stat`)).toBe("nr_descendants 0\nnr_dying_descendants 0\n");
    expect(k.memcg.nr_memcgs).toBe(0);
  });

  it("reclaims a group at memory.max to swap instead of killing, charging memory.swap.current", () => {
    const m = bootWithGroup("512M", "32M");
    const k = kernelOf(m);
    const root = m.spawn({ comm: "sh" });
    root.swapon("/dev/vda", { size: "128M" });
    const p = m.spawn({ comm: "big", cgroup: "/rk" });
    const a = p.mmap(48 * MiB);
    p.write(a, 48 * MiB);
    checkMm(k);
    expect(Number(m.read(`${CG}/rk/memory.current`))).toBeLessThanOrEqual(32 * MiB);
    const swapped = Number(m.read(`${CG}/rk/memory.swap.current`));
    expect(swapped).toBeGreaterThanOrEqual(16 * MiB - 2 * MiB);
    const ev = statOf(m, `${CG}/rk/memory.events`);
    expect(ev.max).toBeGreaterThan(0);
    expect(ev.oom_kill).toBe(0);
    m.advance("3s");
    const st = statOf(m, `${CG}/rk/memory.stat`);
    expect(st.pgscan).toBeGreaterThan(0);
    expect(st.pgsteal).toBeGreaterThan(0);
    // Global reclaim never ran: the scans are the memcg's alone.
    expect(m.read("/proc/vmstat")).toMatch(/\npgscan_direct 0\n/);
  });
});

/** The lines of an OOM report from its first line to the "Killed process" line, without timestamps. */
function reportLines(text: string): string[] {
  const lines = text.split("\n").map((l) => l.replace(/^\[[ \d.]+\] /, ""));
  const start = lines.findIndex((l) => l.includes("invoked oom-killer"));
  const end = lines.findIndex((l, i) => i > start && l.includes("Killed process"));
  return lines.slice(start, end + 1);
}

describe("memcg OOM (w4)", () => {
  const real = reportLines(readFileSync("test/realkernel/data/w4/oom_report.1", "utf8"));

  function runW4(): { m: Machine; p: Process; lines: string[] } {
    const m = bootWithGroup("512M", "32M");
    const h = m.spawn({ comm: "anon", cgroup: "/rk" });
    const a = h.mmap(24 * MiB);
    h.write(a, 24 * MiB);
    h.kill();
    const p = m.spawn({ comm: "memcgtouch", cgroup: "/rk" });
    const b = p.mmap(64 * MiB);
    expect(() => p.write(b, 64 * MiB)).toThrow(ProcessKilled);
    return { m, p, lines: reportLines(m.dmesg()) };
  }

  it("prints the report line by line as w4: the memcg's usage and limit, its memory.stat cut where printk cuts it, its tasks, CONSTRAINT_MEMCG", () => {
    const { m, p, lines } = runW4();
    // Same line structure: the register dump is another program's (RIP/Code/registers masked),
    // the counters in the stat block are the model's own.
    const mask = (l: string): string => (l.startsWith("Code: ") ? "Code: #" : l).replace(/\b(0x)?[0-9a-f]{6,}\b/g, "#").replace(/\d+/g, "#");
    const realUntilStats = real.slice(0, real.indexOf("Memory cgroup stats for /rk:") + 1);
    expect(lines.slice(0, realUntilStats.length).map(mask)).toEqual(realUntilStats.map(mask));
    expect(lines[0]).toBe("memcgtouch invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0");
    expect(lines).toContain("swap: usage 0kB, limit 9007199254740988kB, failcnt 0");
    expect(lines.find((l) => l.startsWith("memory: usage"))).toMatch(/^memory: usage 32768kB, limit 32768kB, failcnt \d+$/);
    // The stat keys, in 6.1's order, as far as the 1024-byte record buffer lets them through.
    const keys = (ls: string[]): string[] => ls.slice(ls.indexOf("Memory cgroup stats for /rk:") + 1, ls.indexOf("Tasks state (memory values in pages):")).map((l) => l.split(" ")[0]);
    const mk = keys(lines);
    const rk = keys(real);
    expect(mk.slice(0, rk.length)).toEqual(rk);
    expect(mk.length - rk.length).toBeLessThanOrEqual(1);
    const tail = (ls: string[]): string[] => ls.slice(ls.indexOf("Tasks state (memory values in pages):"));
    const maskCols = (l: string): string => mask(l).replace(/ *#/g, " #");
    expect(tail(lines).map(maskCols)).toEqual(tail(real).map(maskCols));
    expect(tail(lines)[3]).toBe(`oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/rk,task_memcg=/rk,task=memcgtouch,pid=${p.pid},uid=0`);
    // memory.events after, exactly as w4's, and memory.peak at the limit.
    expect(m.read(`${CG}/rk/memory.events`)).toBe(readFileSync("test/realkernel/data/w4/cg.afteroom.memory.events", "utf8"));
    expect(m.read(`${CG}/rk/memory.events.local`)).toBe(readFileSync("test/realkernel/data/w4/cg.afteroom.memory.events.local", "utf8"));
    expect(m.read(`${CG}/rk/memory.peak`)).toBe(readFileSync("test/realkernel/data/w4/cg.afteroom.memory.peak", "utf8"));
    checkMm(kernelOf(m));
  });

  it("is read back by the decoder as a memcg OOM with the same facts", () => {
    const { m, p } = runW4();
    const { reports } = decodeOomLog(m.dmesg());
    const r = reports[reports.length - 1];
    expect(r.constraint).toBe("memcg");
    expect(r.memcg?.usage_kB).toBe(32768);
    expect(r.memcg?.limit_kB).toBe(32768);
    expect(r.memcg?.swap_limit_kB).toBe(9007199254740988);
    expect(r.context?.oom_memcg).toBe("/rk");
    expect(r.context?.pid).toBe(p.pid);
    expect(r.tasks.map((t) => t.pid)).toEqual([p.pid]);
    expect(r.memcg?.stats.anon).toBeGreaterThan(32 * MiB - 64 * 4096);
  });

  it("kills the whole group with memory.oom.group", () => {
    const m = bootWithGroup("256M", "16M");
    m.write(`${CG}/rk/memory.oom.group`, "1");
    const a = m.spawn({ comm: "a", cgroup: "/rk" });
    const x = a.mmap(4 * MiB);
    a.write(x, 4 * MiB);
    const b = m.spawn({ comm: "b", cgroup: "/rk" });
    const y = b.mmap(32 * MiB);
    const g = m.spawn({ comm: "g", cgroup: "/rk", oomScoreAdj: -1000 });
    g.write(g.mmap(MiB), MiB);
    expect(() => b.write(y, 32 * MiB)).toThrow(ProcessKilled);
    const log = m.dmesg();
    expect(log).toContain("Tasks in /rk are going to be killed due to memory.oom.group set");
    // 6.1's oom_kill_process: __oom_kill_process(victim), then oom_kill_memcg_member for every
    // task of the group, the victim included (it still has its mm), the -1000 one excluded.
    const killed = [...log.matchAll(/Memory cgroup out of memory: Killed process (\d+) \((\w+)\)/g)].map((x) => x[2]);
    expect(killed).toEqual(["b", "a", "b"]);
    expect(log.indexOf("Tasks in /rk")).toBeGreaterThan(log.indexOf("Killed process"));
    const ev = statOf(m, `${CG}/rk/memory.events`);
    expect([ev.oom, ev.oom_kill, ev.oom_group_kill]).toEqual([1, 3, 1]);
    expect(Number(/oom_kill (\d+)/.exec(m.read("/proc/vmstat"))?.[1])).toBe(3);
    expect(m.read(`${CG}/rk/cgroup.procs`)).toBe(`${g.pid}\n`);
    g.exit(0);
    expect(m.read(`${CG}/rk/cgroup.procs`)).toBe("");
    checkMm(kernelOf(m));
  });
});

describe("protection", () => {
  it("works out effective_protection as 6.1: a share when siblings overcommit, the setting capped by usage otherwise", () => {
    const k = kernelOf(Machine.boot({ memory: "128M" }));
    // Two children each asking 60 of a parent's effective 100: each gets 60 * 100 / 120 = 50.
    expect(effective_protection(k, 80, 200, 60, 100, 120)).toBe(50);
    // Within the parent's: min(usage, setting).
    expect(effective_protection(k, 30, 200, 60, 100, 90)).toBe(30);
    // memory_recursiveprot off: nothing of the unclaimed part.
    expect(effective_protection(k, 80, 200, 10, 100, 40)).toBe(10);
    k.cgroup.memory_recursiveprot = true;
    // On: + (100 - 40) * (80 - 10) / (200 - 40) = 26.25 → 26.
    expect(effective_protection(k, 80, 200, 10, 100, 40)).toBe(36);
  });
});

describe("property: random charges, moves, limit writes and reclaim", () => {
  it("keeps every counter equal to its pages and children's, every charged page on its memcg's lruvec", () => {
    for (let seed = 1; seed <= 2; seed++) {
      const rng = new Prng(seed);
      const m = Machine.boot({ memory: "256M" });
      const k = kernelOf(m);
      m.write(`${CG}/cgroup.subtree_control`, "+memory");
      const groups = ["/a", "/b", "/a/x", "/a/y"];
      m.mkdir(`${CG}/a`);
      m.mkdir(`${CG}/b`);
      m.write(`${CG}/a/cgroup.subtree_control`, "+memory");
      m.mkdir(`${CG}/a/x`);
      m.mkdir(`${CG}/a/y`);
      const leaves = ["/b", "/a/x", "/a/y"];
      const procs: Process[] = [];
      const sh = m.spawn({ comm: "sh" });
      sh.mkdir("/mnt/t");
      sh.mount("/mnt/t", { fstype: "tmpfs" });
      for (let step = 0; step < 30; step++) {
        const op = rng.below(6);
        try {
          if (op === 0 || procs.length === 0) {
            procs.push(m.spawn({ comm: `p${step}`, cgroup: leaves[rng.below(leaves.length)] }));
          } else {
            const p = procs[rng.below(procs.length)];
            if (op === 1) {
              const len = (1 + (rng.below(2048))) * 4096;
              const a = p.mmap(len);
              p.write(a, len);
            } else if (op === 2) m.write(`${CG}${leaves[rng.below(leaves.length)]}/cgroup.procs`, String(p.pid));
            else if (op === 3) m.write(`${CG}${groups[rng.below(groups.length)]}/memory.max`, rng.below(3) === 0 ? "max" : `${4 + (rng.below(16))}M`);
            else if (op === 4) m.write(`${CG}${groups[rng.below(groups.length)]}/memory.reclaim`, `${1 + (rng.below(4))}M`);
            else {
              const fd = p.open(`/mnt/t/f${rng.below(4)}`, "w|create");
              p.writeFd(fd, (1 + (rng.below(256))) * 4096);
              p.close(fd);
            }
          }
        } catch (e) {
          if (!(e instanceof ProcessKilled || e instanceof Errno)) throw e;
        }
        for (let i = procs.length - 1; i >= 0; i--) if (!procs[i].alive) procs.splice(i, 1);
        checkMm(k);
      }
    }
  });
});

