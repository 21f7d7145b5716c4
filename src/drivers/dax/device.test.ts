/**
 * /dev/daxN.0 (drivers/dax/device.c dax_mmap, check_vma, __dev_dax_pte_fault, dax_set_mapping)
 * over legacy pmem, through the public API: what a mapping of device memory costs and counts.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../../api/index.js";
import { kernelOf, taskOf } from "../../api/internals.js";
import { describePage, fillPageClasses, machineLayout, PageKind } from "../../api/inspect.js";
import { errnoOf } from "../../kernel/errno.testutil.js";
import { _PAGE_DEVMAP, _PAGE_SPECIAL, pte_offset_map } from "../../arch/x86/pgtable.js";
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES } from "../../mm/mm_types.js";
import { start_kernel } from "../../kernel/start_kernel.js";
import { checkBuddy } from "../../sim/invariants/buddy.js";
import { checkLru } from "../../sim/invariants/lru.js";
import { checkMemcg } from "../../sim/invariants/memcg.js";
import { checkMm } from "../../sim/invariants/mm.js";
import { checkPageCache } from "../../sim/invariants/pagecache.js";
import { check_slab_invariants } from "../../sim/invariants/slab.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;


const vm = (m: Machine, name: string): number => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(m.read("/proc/vmstat"))?.[1]);

describe("device-dax mappings (memmap=512M!1G → /dev/dax0.0)", () => {
  it("maps the device's pfns: offset p is 1 GiB + 2 MiB (info block) + p pages, a devmap PTE, no reference", () => {
    const m = Machine.boot({ memmap: "512M!1G" });
    const k = kernelOf(m);
    const p = m.spawn({ name: "p" });
    const fd = p.open("/dev/dax0.0", "rw");
    const a = p.mmap(4 * MiB, { fd, flags: "shared", offset: 8192 });
    p.touch(a, 8192, { write: true });
    const mm = taskOf(p).mm!;
    for (const [off, pfn] of [[0, (GiB + 2 * MiB + 8192) / 4096], [4096, (GiB + 2 * MiB + 12288) / 4096]]) {
      const i = pte_offset_map(k, mm.pgd, a + off);
      expect(k.pgtables.ent_pfn[i]).toBe(pfn);
      expect(k.pgtables.ent_flags[i] & (_PAGE_SPECIAL | _PAGE_DEVMAP)).toBe(_PAGE_SPECIAL | _PAGE_DEVMAP);
      expect(k.mem_map._refcount[pfn]).toBe(1); // the idle reference memmap_init gave it
      expect(k.mem_map.mapcount[pfn]).toBe(0);
      expect(k.mem_map.index[pfn]).toBe(pfn - (GiB + 2 * MiB) / 4096); // dax_set_mapping
    }
    expect([mm.rss_stat[MM_FILEPAGES], mm.rss_stat[MM_ANONPAGES], mm.rss_stat[MM_SHMEMPAGES]]).toEqual([1, 12, 162]); // the image's only
  });

  it("faults count, but no rss, no LRU, no page cache, no free memory is used; munmap and exit free nothing", () => {
    const m = Machine.boot({ memmap: "512M!1G" });
    const p = m.spawn({ name: "p" });
    const fd = p.open("/dev/dax0.0", "rw");
    const rss0 = p.status().vmRssKb;
    const free0 = vm(m, "nr_free_pages");
    const [lru0, fault0, file0] = [vm(m, "nr_active_file") + vm(m, "nr_inactive_file") + vm(m, "nr_inactive_anon") + vm(m, "nr_active_anon"), vm(m, "pgfault"), vm(m, "nr_file_pages")];
    const a = p.mmap(16 * MiB, { fd, flags: "shared" });
    p.touch(a, 16 * MiB, { write: true });
    expect(vm(m, "pgfault") - fault0).toBe(4096);
    expect(p.status().vmRssKb).toBe(rss0);
    expect(vm(m, "nr_active_file") + vm(m, "nr_inactive_file") + vm(m, "nr_inactive_anon") + vm(m, "nr_active_anon")).toBe(lru0);
    expect(vm(m, "nr_file_pages")).toBe(file0);
    // 8 PTE tables and a PMD table (and a pcp batch refill behind them): nothing like 4096 pages
    const tables = free0 - vm(m, "nr_free_pages");
    expect(tables).toBeLessThan(64);
    const c = p.fork(); // a shared VMA without anon_vma is not copied: the child refaults
    const crss = c.status().vmRssKb; // (the image's shared file pages are not copied either)
    const cfault = vm(m, "pgfault");
    c.touch(a, MiB);
    expect(vm(m, "pgfault") - cfault).toBe(256);
    expect(c.status().vmRssKb).toBe(crss);
    // the model's invariants hold with device PTEs mapped in two processes
    const k = kernelOf(m);
    for (const check of [checkBuddy, checkLru, checkMemcg, checkMm, checkPageCache, check_slab_invariants]) check(k);
    p.munmap(a, 16 * MiB);
    c.exit(0);
    expect(free0 - vm(m, "nr_free_pages")).toBeLessThanOrEqual(tables);
    expect(kernelOf(m).mem_map._refcount[GiB / 4096 + 512]).toBe(1);
  });

  it("survives a snapshot: the restored machine maps the same device pages", () => {
    const run = (m: Machine): string => {
      const p = m.spawn({ name: "q" });
      const a = p.mmap(2 * MiB, { fd: p.open("/dev/dax0.0", "rw"), flags: "shared" });
      p.touch(a, 2 * MiB, { write: true });
      return m.read(`/proc/${p.pid}/smaps`) + m.read("/proc/vmstat");
    };
    const m = Machine.boot({ memmap: "512M!1G" });
    const r = Machine.restore(structuredClone(m.snapshot()));
    expect(run(r)).toBe(run(m));
    expect(kernelOf(r).dev_daxes[0].pgmap).toBe(kernelOf(r).dev_pagemaps[0]);
  });

  it("refuses a private mapping (EINVAL, logged) and SIGBUSes past the device's 510 MiB", () => {
    const m = Machine.boot({ memmap: "512M!1G" });
    const p = m.spawn({ name: "p" });
    const fd = p.open("/dev/dax0.0", "rw");
    expect(errnoOf(() => p.mmap(MiB, { fd, flags: "private" }))).toBe("EINVAL");
    expect(m.logRecords().at(-1)?.text).toBe("device_dax dax0.0: p: dax_mmap: fail, attempted private mapping");
    const a = p.mmap(4 * MiB, { fd, flags: "shared", offset: 508 * MiB });
    p.touch(a, 2 * MiB, { write: true });
    expect(() => p.touch(a + 2 * MiB, 4096)).toThrow(/SIGBUS/);
  });

  it("the explorer sees device pages as device, in zone Device, with their pgmap", () => {
    const m = Machine.boot({ memmap: "512M!1G" });
    const layout = machineLayout(m);
    expect(layout.maxPfn).toBe(0x60000);
    expect(layout.kinds[PageKind.device]).toBe("device");
    expect(layout.zones.find((z) => z.name === "Device")).toEqual({ id: 4, node: 0, name: "Device", startPfn: 0x40000, endPfn: 0x60000, present: 0, managed: 0 });
    const cls = new Uint8Array(3);
    fillPageClasses(m, cls, 0x3ffff, 0x40002);
    expect([...cls]).toEqual([PageKind.hole, PageKind.device, PageKind.device]);
    const info = describePage(m, 0x40000);
    expect([info.kind, info.zone, info.refcount, info.flags.join(" ")]).toEqual(["device", "Device", 1, "reserved"]);
    expect(info.pgmap).toBe("MEMORY_DEVICE_GENERIC [mem 0x40000000-0x5fffffff] dax0.0");
    expect(describePage(m, 0x100).pgmap).toBeNull();
  });

  it("bad memmap input: the machine config refuses what the model does not implement; 6.1's answers otherwise", () => {
    expect(() => Machine.boot({ memmap: "512M@1G" })).toThrow(/expected SIZE!START/);
    expect(() => Machine.boot({ memmap: "128G!1G" })).toThrow(/4K to 64G/);
    expect(() => Machine.boot({ memmap: "1G!1T" })).toThrow(/at or below 1T/);
    // over the kernel image: refused as a configuration the model cannot boot
    expect(() => Machine.boot({ memmap: "64M!0" })).toThrow(/kernel image/);
    // unaligned: the e820 entry, no device (no devdax namespace can be made there)
    const u = Machine.boot({ memmap: "100M!1001M" });
    expect(u.logRecords().some((r) => r.text === "user: [mem 0x000000003e900000-0x0000000044cfffff] persistent (type 12)")).toBe(true);
    expect(kernelOf(u).dev_daxes).toEqual([]);
    expect(u.read("/proc/zoneinfo")).toMatch(/zone {3}Device\n[^N]*spanned {2}0\n/);
    // over RAM: 6.1 turns that RAM into PRAM, so MemTotal drops by it less the boot memmap its
    // two sections no longer need (65536 × 64 B = 4 MiB): 258048 kB; and the device is there
    const over = Machine.boot({ memory: "1G", memmap: "256M!512M" });
    const memTotal = (mm: Machine): number => Number(/MemTotal:\s+(\d+)/.exec(mm.read("/proc/meminfo"))?.[1]);
    expect(memTotal(Machine.boot({ memory: "1G" })) - memTotal(over)).toBe(256 * 1024 - 4 * 1024);
    expect(kernelOf(over).dev_daxes.map((d) => [d.name, d.size])).toEqual([["dax0.0", 254 * MiB]]);
    // malformed values at the kernel's own level are ignored, as parse_memmap_opt ignores them
    expect(start_kernel({ memmap: ["512M@1G", "bogus"] }).dev_daxes).toEqual([]);
  });
});
