import { describe, expect, it } from "vitest";
import { loadRealState, readReal } from "../../test/realkernel/load_state.js";
import { NO_PFN } from "./types.js";
import { NR_ANON_THPS, NR_FREE_PAGES, PGPGIN } from "./vmstat_items.js";
import { frag_show, global_dirty_limits, pagetypeinfo_show, vmstat_show, zoneinfo_show } from "./vmstat_show.js";

const samples = ["w0", "w0-m256", "w0-m1024", "w0-m2048", "w0-numa2"];

/** Lines of a and b that differ, as "i: got | want". */
function lineDiff(got: string, want: string): string[] {
  const g = got.split("\n");
  const w = want.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(g.length, w.length); i++) if (g[i] !== w[i]) out.push(`${i}: ${g[i]} | ${w[i]}`);
  return out;
}

describe("renderers reproduce a real 6.1 kernel's files from its state", () => {
  for (const w of samples) {
    // The state is loaded from the real zoneinfo/buddyinfo/pagetypeinfo/vmstat, so rendering it
    // must give those files back byte for byte: widths, padding, trailing spaces, section order.
    it(`${w}: buddyinfo, pagetypeinfo and zoneinfo are identical`, () => {
      const k = loadRealState(w);
      expect(frag_show(k)).toBe(readReal(w, "buddyinfo"));
      expect(pagetypeinfo_show(k)).toBe(readReal(w, "pagetypeinfo"));
      expect(zoneinfo_show(k)).toBe(readReal(w, "zoneinfo"));
    });
    it(`${w}: vmstat has every line in order, and the dirty thresholds global_dirty_limits gives`, () => {
      const k = loadRealState(w);
      const got = vmstat_show(k);
      const want = readReal(w, "vmstat");
      expect(got.split("\n").map((l) => l.split(" ")[0])).toEqual(want.split("\n").map((l) => l.split(" ")[0]));
      // vmstat was read after zoneinfo, and the capture's own processes ran in between: every
      // allocation moved numa_hit/numa_local, and on w0-numa2 (2 CPUs) a process's anon pages,
      // page tables and free pages moved too. Everything else must agree.
      const moved = /^(numa_hit|numa_local|nr_free_pages|nr_zone_inactive_anon|nr_inactive_anon|nr_anon_pages|nr_page_table_pages|nr_dirty_threshold|nr_dirty_background_threshold) /;
      const diffs = lineDiff(got, want).filter((d) => !moved.test(d.split(": ")[1]));
      expect(diffs).toEqual([]);
      if (w !== "w0-numa2") expect(lineDiff(got, want).length).toBe(2);
    });
  }
});

describe("vmstat details", () => {
  it("prints THP counters in huge pages and pgpgin in kB from sectors", () => {
    const k = loadRealState("w0");
    k.node_data[0].vm_stat[NR_ANON_THPS] = 3 * 512 + 100;
    k.vm_events[PGPGIN] = 9;
    const out = vmstat_show(k);
    expect(out).toMatch(/^nr_anon_transparent_hugepages 3$/m);
    expect(out).toMatch(/^pgpgin 4$/m);
    expect(out.endsWith("direct_map_level3_splits 0\nnr_unstable 0\n")).toBe(true);
    expect(zoneinfo_show(k)).toMatch(/\n {6}nr_anon_transparent_hugepages 3\n/);
  });

  it("uses dirty_bytes over dirty_ratio and keeps background below the foreground threshold", () => {
    const k = loadRealState("w0");
    expect(global_dirty_limits(k)).toEqual({ background: 10688, dirty: 21403 });
    k.vm.dirty_bytes = 4096 * 100 + 1;
    expect(global_dirty_limits(k)).toEqual({ background: 50, dirty: 101 });
  });

  it("marks a free list of 100000 or more blocks with '>' as the kernel caps its walk", () => {
    const k = loadRealState("w0");
    const z = k.node_data[0].node_zones[1];
    const heads = z.free_area[0].free_list;
    heads[1] = NO_PFN;
    for (let pfn = 20000; pfn < 20000 + 100001; pfn++) k.mem_map.lru.list_add_tail(heads, 1, pfn);
    expect(pagetypeinfo_show(k)).toMatch(/zone {4}DMA32, type {6}Movable >100000 /);
  });

  it("gives an unpopulated zone only its watermarks and protection", () => {
    const k = loadRealState("w0");
    const normal = zoneinfo_show(k).split(/^(?=Node)/m).find((b) => b.startsWith("Node 0, zone   Normal"));
    expect(normal?.trimEnd().split("\n").at(-1)).toBe("        protection: (0, 0, 0, 0, 0)");
    k.zones[1].vm_stat[NR_FREE_PAGES] = 5;
    expect(zoneinfo_show(k)).toMatch(/zone {4}DMA32\n {2}pages free {5}5\n/);
  });
});
