import { describe, expect, it } from "vitest";
import { loadRealState, readReal } from "../../../test/realkernel/load_state.js";
import { NR_ACTIVE_FILE, NR_INACTIVE_FILE, NR_SLAB_RECLAIMABLE_B } from "../../mm/vmstat_items.js";
import { vm_commit_limit } from "../../mm/util.js";
import { direct_pages_count, meminfo_proc_show, si_mem_available } from "./meminfo.js";

/** The meminfo value (kB or count) of one field. */
function field(text: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[()]/g, "\\$&")}:\\s+(\\d+)`, "m").exec(text);
  if (!m) throw new Error(`no ${name}`);
  return Number(m[1]);
}

describe("/proc/meminfo", () => {
  for (const w of ["w0", "w0-m256", "w0-m1024", "w0-m2048"]) {
    it(`${w}: reproduces the real file from the real zone and node state`, () => {
      const k = loadRealState(w);
      const want = readReal(w, "meminfo");
      // Counters of mechanisms outside this state (committed memory, vmalloc, percpu) are set
      // from the sample; every other line, MemAvailable, CommitLimit and DirectMap included, is
      // computed.
      k.vm_committed_as = field(want, "Committed_AS") / 4;
      k.nr_vmalloc_pages = field(want, "VmallocUsed") / 4;
      k.pcpu_nr_pages = field(want, "Percpu") / 4;
      expect(meminfo_proc_show(k)).toBe(want);
    });
  }

  it("w0-numa2: every field in order, MemTotal, CommitLimit and DirectMap exact", () => {
    const k = loadRealState("w0-numa2");
    const want = readReal("w0-numa2", "meminfo");
    const got = meminfo_proc_show(k);
    const names = (t: string): string[] => t.split("\n").map((l) => l.split(":")[0]);
    expect(names(got)).toEqual(names(want));
    for (const f of ["MemTotal", "CommitLimit", "DirectMap4k", "DirectMap2M", "Cached", "Shmem"]) expect(field(got, f)).toBe(field(want, f));
  });

  it("counts half the page cache and reclaimable slab above the low watermarks as available", () => {
    const k = loadRealState("w0");
    const base = si_mem_available(k);
    expect(base).toBe(433612 / 4);
    // 10000 file pages: min(5000, wmark_low 843) stays, the rest is available
    k.node_data[0].vm_stat[NR_ACTIVE_FILE] = 6000;
    k.node_data[0].vm_stat[NR_INACTIVE_FILE] = 4000;
    expect(si_mem_available(k)).toBe(base + 10000 - 843);
    k.node_data[0].vm_stat[NR_SLAB_RECLAIMABLE_B] = 0;
    expect(si_mem_available(k)).toBe(base + 10000 - 843 - (2201 - 843));
  });

  it("takes CommitLimit from overcommit_kbytes when set, else from overcommit_ratio, plus swap", () => {
    const k = loadRealState("w0");
    expect(vm_commit_limit(k)).toBe(58552);
    k.vm.overcommit_ratio = 100;
    expect(vm_commit_limit(k)).toBe(117104);
    k.total_swap_pages = 1000;
    k.vm.overcommit_kbytes = 4096;
    expect(vm_commit_limit(k)).toBe(1024 + 1000);
    k.default_hstate.nr_huge_pages = 10;
    k.vm.overcommit_kbytes = 0;
    expect(vm_commit_limit(k)).toBe(117104 - 5120 + 1000);
    expect(field(meminfo_proc_show(k), "Hugetlb")).toBe(20480);
    expect(meminfo_proc_show(k)).toMatch(/^HugePages_Total: {6}10$/m);
  });

  it("maps the ISA range and unaligned ends with 4k pages and the rest with 2M pages", () => {
    // 512M guest, max_pfn 0x1ffe0: 256 + 256 + 480 4k pages + 10 boot splits of 512
    expect(direct_pages_count([{ start: 1, end: 0x1ffe0 }], 1)).toEqual([6112, 244, 0]);
    // memory above the 4 GiB hole is a second range with its own head and tail
    expect(direct_pages_count([{ start: 1, end: 0xbffe0 }, { start: 0x100000, end: 0x140000 }], 1)).toEqual([
      256 + 256 + 480 + 5120, (0xbfe00 - 512) / 512 + 512 - 10, 0,
    ]);
  });
});
