import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Machine, formatReport, parseScenario, runScenario, startScenario } from "./index.js";
import {
  PageKind,
  describePage,
  fillPageClasses,
  fillPageOwners,
  fillPageblocks,
  machineLayout,
  pageWalk,
  AGE_CLASS_NAMES,
  blockDevices,
  fillPageAges,
  fillPageblockSummary,
  SUMMARY_KINDS,
  processVmas,
  processes,
  vmaUsage,
  rmapOf,
  sampleCounters,
  sampleLayout,
  zoneDetails,
  fillPageMemcgs,
  memcgs,
} from "./inspect.js";

const MiB = 2 ** 20;

function meminfoKb(m: Machine, field: string): number {
  const r = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(m.read("/proc/meminfo"));
  if (!r) throw new Error(`no ${field}`);
  return Number(r[1]);
}

function kinds(m: Machine): Uint8Array {
  const out = new Uint8Array(machineLayout(m).maxPfn);
  fillPageClasses(m, out);
  return out;
}

function count(cls: Uint8Array, kind: number): number {
  let n = 0;
  for (const c of cls) if ((c & 15) === kind) n++;
  return n;
}

describe("fillPageClasses", () => {
  it("counts as many free pages as MemFree, and the pcp pages the zones' pagesets hold", () => {
    const m = Machine.boot({ memory: "512M" });
    const p = m.spawn({ comm: "a" });
    const a = p.mmap(16 * MiB);
    p.touch(a, 16 * MiB, { write: true });
    const cls = kinds(m);
    expect(count(cls, PageKind.free) * 4).toBe(meminfoKb(m, "MemFree"));
    const pcp = zoneDetails(m).reduce((s, z) => s + z.pcp.reduce((t, c) => t + c.count, 0), 0);
    expect(count(cls, PageKind.pcp)).toBe(pcp);
    expect(count(cls, PageKind.anon) * 4).toBe(meminfoKb(m, "AnonPages"));
  });

  it("marks pages on an LRU list with their list, and free pages with their block's order", () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ comm: "a" });
    const a = p.mmap(4 * MiB);
    p.touch(a, 4 * MiB, { write: true });
    const cls = kinds(m);
    let onInactiveAnon = 0;
    for (const c of cls) if (c >> 4 === 1 && (c & 15) !== PageKind.free) onInactiveAnon++;
    // The inactive anon list holds the new anonymous pages and the program image's shmem-like
    // pages; the class bytes must count exactly Inactive(anon).
    const inactive = Number(/^Inactive\(anon\):\s+(\d+)/m.exec(m.read("/proc/meminfo"))?.[1]) / 4;
    expect(onInactiveAnon).toBe(inactive);
    // A 256 MiB machine right after boot has most memory in order-10 blocks.
    let order10 = 0;
    for (const c of cls) if ((c & 15) === PageKind.free && c >> 4 === 10) order10++;
    expect(order10).toBeGreaterThan(30_000);
  });

  it("gives the same bytes for a window as for the whole map", () => {
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ comm: "a" });
    const a = p.mmap(8 * MiB);
    p.touch(a, 8 * MiB, { write: true });
    const all = kinds(m);
    const win = new Uint8Array(5000);
    fillPageClasses(m, win, 12_345, 17_345);
    expect([...win]).toEqual([...all.subarray(12_345, 17_345)]);
  });
});

describe("describePage, rmapOf, pageWalk", () => {
  it("decodes an anonymous page as dump_page does and finds both mappings after fork", () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ comm: "parent" });
    const a = p.mmap(MiB);
    p.touch(a, MiB, { write: true });
    const c = p.fork();
    const w = pageWalk(m, p.pid, a + 5 * 4096);
    expect(w?.result).toBe("mapped");
    expect(w?.levels.map((l) => l.level)).toEqual(["PGD", "PUD", "PMD", "PTE"]);
    // After fork the PTE is write-protected in both (copy-on-write): no RW bit.
    expect(w?.levels[3].bits).toContain("ro");
    const pfn = w?.pfn as number;
    const page = describePage(m, pfn);
    expect(page.kind).toBe("anon");
    expect(page.mapcount).toBe(2);
    expect(page.flags).toEqual(expect.arrayContaining(["uptodate", "swapbacked"]));
    expect(page.dump[0]).toMatch(new RegExp(`^page:0x${pfn.toString(16)} refcount:\\d+ mapcount:2 mapping:anon_vma \\d+ index:0x[0-9a-f]+ pfn:0x${pfn.toString(16)}$`));
    expect(page.dump[1]).toMatch(/^anon flags: 0x[0-9a-f]+\(.*swapbacked.*\)$/);
    const maps = rmapOf(m, pfn);
    expect(maps.map((e) => [e.pid, e.address])).toEqual([
      [p.pid, a + 5 * 4096],
      [c.pid, a + 5 * 4096],
    ]);
    // The child's own walk lands on the same page.
    expect(pageWalk(m, c.pid, a + 5 * 4096)?.pfn).toBe(pfn);
  });

  it("says where a walk stops: no table above the mapping, an empty PTE inside an untouched table", () => {
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ comm: "a" });
    const a = p.mmap(4 * MiB);
    p.touch(a, 4096, { write: true });
    expect(pageWalk(m, p.pid, a + 4096)?.result).toBe("none");
    expect(pageWalk(m, p.pid, 2 ** 46)?.result).toBe("no table");
    expect(pageWalk(m, 9999, a)).toBeNull();
  });

  it("describes a free page with its block's order and head", () => {
    const m = Machine.boot({ memory: "128M" });
    const cls = kinds(m);
    const pfn = cls.findIndex((c, i) => (c & 15) === PageKind.free && c >> 4 === 10 && i % 1024 === 7);
    const info = describePage(m, pfn);
    expect(info.kind).toBe("free");
    expect(info.order).toBe(10);
    expect(info.blockHead).toBe(pfn - 7);
    expect(() => describePage(m, -1)).toThrow(RangeError);
    expect(() => describePage(m, 1e12)).toThrow(RangeError);
  });
});

describe("processes, processVmas, fillPageOwners", () => {
  it("sums the VMAs' Rss to the status file's VmRSS and tells owners apart", () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ comm: "one" });
    const q = m.spawn({ comm: "two" });
    const a = p.mmap(2 * MiB);
    p.touch(a, 2 * MiB, { write: true });
    const b = q.mmap(MiB);
    q.touch(b, MiB, { write: true });
    const vmas = processVmas(m, p.pid) ?? [];
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(m.read(`/proc/${p.pid}/status`))?.[1]);
    expect(vmas.reduce((s, v) => s + v.rssKb, 0)).toBe(rss);
    expect(vmas.map((v) => v.line).join("\n") + "\n").toBe(m.read(`/proc/${p.pid}/maps`));
    expect(processes(m).map((x) => x.comm)).toEqual(["one", "two"]);
    const owners = new Uint8Array(machineLayout(m).maxPfn);
    const legend = fillPageOwners(m, owners);
    expect(legend.comms).toEqual(["one", "two"]);
    const w = pageWalk(m, q.pid, b);
    expect(owners[w?.pfn as number]).toBe(2);
  });
});

describe("vmaUsage", () => {
  it("gives every VMA's Rss, Pss and Swap as /proc/PID/smaps prints them", () => {
    const m = Machine.boot({ memory: "256M", swap: { size: "256M" } });
    const p = m.spawn({ comm: "one" });
    const a = p.mmap(8 * MiB);
    p.touch(a, 8 * MiB, { write: true });
    // The child shares the parent's pages after fork: Pss halves them, Rss does not.
    const c = p.fork();
    const b = c.mmap(MiB);
    c.touch(b, MiB, { write: true });
    const all = vmaUsage(m);
    expect(all.map((x) => x.pid)).toEqual([p.pid, c.pid]);
    for (const pr of all) {
      const smaps = m.read(`/proc/${pr.pid}/smaps`);
      const col = (f: string) => [...smaps.matchAll(new RegExp(`^${f}:\\s+(\\d+) kB`, "gm"))].map((r) => Number(r[1]));
      expect(pr.vmas.map((v) => v.rssKb)).toEqual(col("Rss"));
      expect(pr.vmas.map((v) => v.pssKb)).toEqual(col("Pss"));
      expect(pr.vmas.map((v) => v.swapKb)).toEqual(col("Swap"));
      expect(pr.vmas.map((v) => v.start)).toEqual((processVmas(m, pr.pid) ?? []).map((v) => v.start));
    }
    const shared = all[0].vmas.find((v) => v.start === a);
    expect(shared?.rssKb).toBe(8192);
    expect(shared?.pssKb).toBe(4096);
  });
});

describe("fillPageblockSummary", () => {
  it("counts each pageblock's pages by kind exactly as the class bytes do", () => {
    const m = Machine.boot({ memory: "512M", swap: { size: "256M" } });
    const p = m.spawn({ comm: "a" });
    const a = p.mmap(96 * MiB);
    p.touch(a, 96 * MiB, { write: true });
    p.munmap(a + 8 * MiB, 3 * MiB);
    p.fork();
    const cls = kinds(m);
    const nb = (cls.length + 511) >> 9;
    const sum = new Uint16Array(nb * SUMMARY_KINDS).fill(7);
    fillPageblockSummary(m, sum);
    const want = new Uint16Array(nb * SUMMARY_KINDS);
    for (let pfn = 0; pfn < cls.length; pfn++) want[(pfn >> 9) * SUMMARY_KINDS + (cls[pfn] & 15)]++;
    expect(Array.from(sum)).toEqual(Array.from(want));
    // Every kind the machine has shows up (free, pcp, anon, page tables, reserved at least).
    for (const kind of [PageKind.free, PageKind.pcp, PageKind.anon, PageKind.pagetable, PageKind.reserved]) {
      let n = 0;
      for (let b = 0; b < nb; b++) n += sum[b * SUMMARY_KINDS + kind];
      expect(n).toBeGreaterThan(0);
    }
  });
});

describe("fillPageAges", () => {
  it("ages a page from its allocation: decades of simulated time, none for free pages", () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ comm: "a" });
    const a = p.mmap(MiB);
    p.touch(a, MiB, { write: true });
    m.advance("50ms");
    const b = p.mmap(MiB);
    p.touch(b, MiB, { write: true });
    const ages = new Uint8Array(machineLayout(m).maxPfn);
    fillPageAges(m, ages);
    const cls = kinds(m);
    const name = (pfn: number) => AGE_CLASS_NAMES[ages[pfn]];
    const pa = pageWalk(m, p.pid, a + 4096)?.pfn as number;
    const pb = pageWalk(m, p.pid, b + 4096)?.pfn as number;
    expect(name(pa)).toBe("10 – 100 ms");
    expect(name(pb)).toBe("< 100 µs");
    for (let pfn = 0; pfn < cls.length; pfn++) {
      const kind = cls[pfn] & 15;
      if (kind === PageKind.free || kind === PageKind.pcp || kind === PageKind.hole) expect(ages[pfn]).toBe(0);
      else expect(ages[pfn]).toBeGreaterThan(0);
    }
    // Reserved at boot (memblock): never allocated by the buddy allocator, so "since boot".
    expect(ages[cls.findIndex((c) => (c & 15) === PageKind.reserved)]).toBe(1);
    // A page freed and allocated again is as young as its new allocation.
    p.munmap(a, MiB);
    m.advance("5ms");
    const c = p.mmap(MiB);
    p.touch(c, MiB, { write: true });
    fillPageAges(m, ages);
    expect(name(pageWalk(m, p.pid, c)?.pfn as number)).toBe("< 100 µs");
    expect(name(pb)).toBe("1 – 10 ms");
  });

  it("keeps a page's age when compaction migrates it (folio_copy_owner)", () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ comm: "a" });
    const a = p.mmap(64 * MiB);
    p.touch(a, 64 * MiB, { write: true });
    // Every other 64 KiB freed: half-used pageblocks for compaction to empty.
    for (let off = 0; off < 64 * MiB; off += 128 * 1024) p.munmap(a + off, 64 * 1024);
    m.advance("50ms");
    const where = () => Array.from({ length: 256 }, (_, i) => pageWalk(m, p.pid, a + 64 * 1024 + i * 128 * 1024)?.pfn as number);
    const before = where();
    m.write("/proc/sys/vm/compact_memory", "1\n");
    const after = where();
    const moved = after.filter((pfn, i) => pfn !== before[i]);
    expect(moved.length).toBeGreaterThan(10);
    const ages = new Uint8Array(machineLayout(m).maxPfn);
    fillPageAges(m, ages);
    for (const pfn of moved) expect(AGE_CLASS_NAMES[ages[pfn]]).toBe("10 – 100 ms");
  });
});

describe("zoneDetails and fillPageblocks", () => {
  it("counts the free lists as /proc/buddyinfo does, and free pages as the zone's counter", () => {
    const m = Machine.boot({ memory: "512M" });
    const p = m.spawn({ comm: "a" });
    const a = p.mmap(64 * MiB);
    p.touch(a, 64 * MiB, { write: true });
    p.munmap(a + 8 * MiB, 8 * MiB);
    const buddy = m.read("/proc/buddyinfo").trim().split("\n");
    for (const z of zoneDetails(m)) {
      const line = buddy.find((l) => l.includes(`zone ${z.name.padStart(8)}`));
      const counts = line?.trim().split(/\s+/).slice(4).map(Number);
      expect(z.freeByType.map((row) => row.reduce((s, n) => s + n, 0))).toEqual(counts);
      expect(z.nrFree).toEqual(counts);
      expect(z.freeByType.reduce((s, row, order) => s + row.reduce((t, n) => t + n, 0) * 2 ** order, 0)).toBe(z.free);
    }
    const lay = machineLayout(m);
    const nb = (lay.maxPfn + 511) >> 9;
    const zone = new Uint8Array(nb);
    const mt = new Uint8Array(nb);
    fillPageblocks(m, zone, mt);
    expect(new Set(zone)).toEqual(new Set([...lay.zones.map((z) => z.id), ...(zone.includes(255) ? [255] : [])]));
  });
});

describe("sampleCounters", () => {
  it("fills every slot of its layout, in order", () => {
    const m = Machine.boot({ memory: "256M", swap: { size: "128M" } });
    const lay = sampleLayout(m);
    const out = new Float64Array(lay.names.length + 1).fill(-1);
    sampleCounters(m, out);
    expect(out.subarray(0, lay.names.length).every((v) => v >= 0)).toBe(true);
    expect(out[lay.names.length]).toBe(-1);
    expect(out[lay.index.swap_total]).toBe(128 * 256 - 1);
    expect(out[lay.index.t]).toBe(m.now);
  });

  it("samples each block device's /sys/block/<dev>/stat columns in its slot", () => {
    const text = readFileSync(new URL("../../scenarios/thrash.yaml", import.meta.url), "utf8");
    const run = startScenario(parseScenario(text, "thrash.yaml"), {});
    while (!run.done) run.step();
    const m = run.machine;
    const lay = sampleLayout(m);
    const out = new Float64Array(lay.names.length);
    sampleCounters(m, out);
    const devs = blockDevices(m);
    expect(devs.map((d) => [d.slot, d.name, d.sysfs, d.holder])).toEqual([[0, "vda", true, "swap"]]);
    expect(out[lay.index["blk.count"]]).toBe(1);
    const cols = m.read("/sys/block/vda/stat").trim().split(/\s+/).map(Number);
    const got = ["rd_ios", "rd_merges", "rd_sectors", "wr_ios", "wr_merges", "wr_sectors"].map((f) => out[lay.index[`blk.0.${f}`]]);
    expect(got).toEqual([cols[0], cols[1], cols[2], cols[4], cols[5], cols[6]]);
    expect(got[2]).toBeGreaterThan(0);
    expect(got[5]).toBeGreaterThan(0);
    expect(out[lay.index["blk.1.wr_sectors"]]).toBe(0);
  });

  it("changes nothing: a scenario inspected at every clock move gives the same report and /proc files", () => {
    const text = readFileSync(new URL("../../scenarios/kswapd-watermarks.yaml", import.meta.url), "utf8");
    const sc = parseScenario(text, "kswapd-watermarks.yaml");
    const plain = runScenario(sc, { cat: ["/proc/vmstat", "/proc/zoneinfo", "/proc/pressure/memory"] });
    let moves = 0;
    let kswapdSeen = 0;
    const run = startScenario(sc, { cat: ["/proc/vmstat", "/proc/zoneinfo", "/proc/pressure/memory"] });
    {
      const m = run.machine;
      const lay = sampleLayout(m);
      const buf = new Float64Array(lay.names.length);
      const cls = new Uint8Array(machineLayout(m).maxPfn);
      const advance = m.advance.bind(m);
      m.advance = (d: string | number): void => {
        sampleCounters(m, buf);
        if (buf[lay.index["kswapd.0"]] === 1) kswapdSeen++;
        if (moves++ % 50 === 0) {
          fillPageClasses(m, cls);
          zoneDetails(m);
          for (const pr of processes(m)) processVmas(m, pr.pid);
          vmaUsage(m);
          blockDevices(m);
          fillPageAges(m, cls);
        }
        advance(d);
      };
    }
    while (!run.done) run.step();
    const inspected = run.result();
    expect(moves).toBeGreaterThan(100);
    expect(kswapdSeen).toBeGreaterThan(0);
    expect(formatReport(inspected)).toBe(formatReport(plain));
    expect(inspected.files).toEqual(plain.files);
  });
});

describe("memory cgroups: a page's group, the groups, their samples", () => {
  it("names the group a page is charged to, counts the group's pages and samples memory.current/max/events (memcg-oom)", () => {
    const text = readFileSync(new URL("../../scenarios/memcg-oom.yaml", import.meta.url), "utf8");
    const run = startScenario(parseScenario(text, "memcg-oom.yaml"));
    const m = run.machine;
    const lay = sampleLayout(m);
    const buf = new Float64Array(lay.names.length);
    const current = (): number => Number(m.read("/sys/fs/cgroup/rk/memory.current"));
    // The holder's 24 MiB are charged and it still runs: stop there.
    while (!run.done && !(current() >= 24 * MiB && processes(m).some((p) => p.comm === "holder"))) run.step();
    expect(current()).toBeGreaterThanOrEqual(24 * MiB);
    expect(memcgs(m)).toEqual([{ slot: 0, id: 1, path: "/rk", online: true }]);

    const holder = processes(m).find((p) => p.comm === "holder")!;
    const vma = processVmas(m, holder.pid)!.find((v) => v.rssKb >= 20000)!;
    const walk = pageWalk(m, holder.pid, vma.start + 4096)!;
    expect(walk.result).toBe("mapped");
    const page = describePage(m, walk.pfn!);
    expect([page.memcgPath, page.memcgKmem]).toEqual(["/rk", false]);
    expect(page.dump[1]).toBe("memcg:0x1");
    // The PTE table is a __GFP_ACCOUNT page: charged to the group as kernel memory.
    const pte = describePage(m, walk.levels[3].tablePfn);
    expect([pte.kind, pte.memcgPath, pte.memcgKmem]).toEqual(["pagetable", "/rk", true]);
    const bytes = new Uint8Array(machineLayout(m).maxPfn);
    fillPageClasses(m, bytes);
    const free = describePage(m, bytes.findIndex((c) => (c & 15) === PageKind.free));
    expect([free.kind, free.memcgPath]).toEqual(["free", null]);

    const legend = fillPageMemcgs(m, bytes);
    expect(legend).toEqual({ ids: [1], paths: ["/rk"] });
    const inGroup = bytes.reduce((n, b) => n + (b === 1 ? 1 : 0), 0);
    const anon = Number(/^anon (\d+)$/m.exec(m.read("/sys/fs/cgroup/rk/memory.stat"))![1]);
    // Every charged page is the group's; memory.current also counts the per-CPU stock's precharge.
    expect(inGroup).toBeGreaterThanOrEqual(anon / 4096);
    expect(inGroup).toBeLessThanOrEqual(current() / 4096);
    expect(bytes.every((b) => b <= 1)).toBe(true);

    sampleCounters(m, buf);
    const v = (n: string): number => buf[lay.index[n]];
    expect([v("memcg.count"), v("memcg.0.current") * 4096, v("memcg.0.max"), v("memcg.0.high"), v("memcg.1.current")]).toEqual([1, current(), 8192, NaN, 0]);

    while (!run.done) run.step();
    sampleCounters(m, buf);
    const events = m.read("/sys/fs/cgroup/rk/memory.events");
    const ev = (k: string): number => Number(new RegExp(`^${k} (\\d+)$`, "m").exec(events)![1]);
    expect([v("memcg.0.ev.max"), v("memcg.0.ev.high"), v("memcg.0.ev.oom"), v("memcg.0.ev.oom_kill")]).toEqual([ev("max"), ev("high"), ev("oom"), ev("oom_kill")]);
    expect(v("memcg.0.ev.oom_kill")).toBe(1);
  });

  it("samples nothing for groups on a machine without any", () => {
    const m = Machine.boot({ memory: "256M" });
    const lay = sampleLayout(m);
    const buf = new Float64Array(lay.names.length).fill(-1);
    sampleCounters(m, buf);
    expect(lay.names.filter((n) => n.startsWith("memcg.")).every((n) => buf[lay.index[n]] === 0)).toBe(true);
    expect(memcgs(m)).toEqual([]);
    expect(fillPageMemcgs(m, new Uint8Array(machineLayout(m).maxPfn))).toEqual({ ids: [], paths: [] });
  });
});
