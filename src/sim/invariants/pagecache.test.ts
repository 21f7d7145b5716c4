import { describe, expect, it } from "vitest";
import { Machine } from "../machine.js";
import { kernelOf } from "../../api/internals.js";
import { checkPageCache } from "./pagecache.js";
import { xa_load_folio } from "../../lib/xarray.js";

function cachedFile(): { m: Machine; k: ReturnType<typeof kernelOf>; pfn: number } {
  const m = Machine.boot({ memory: "128M" });
  const p = m.spawn({ name: "t" });
  p.mkdir("/mnt/t");
  p.mount("/mnt/t", { fstype: "tmpfs" });
  const fd = p.open("/mnt/t/f", "w|create");
  p.writeFd(fd, 8 * 4096);
  const k = kernelOf(m);
  let pfn = -1;
  for (const mp of k.vfs.mappings.values()) if (mp.host?.i_size === 8 * 4096) pfn = xa_load_folio(mp.i_pages, 3);
  return { m, k, pfn };
}

describe("checkPageCache", () => {
  it("passes on a consistent machine with a written tmpfs file", () => {
    const { k, pfn } = cachedFile();
    expect(pfn).toBeGreaterThan(0);
    expect(() => checkPageCache(k)).not.toThrow();
  });
  it("catches a folio whose index column disagrees with its slot", () => {
    const { k, pfn } = cachedFile();
    k.mem_map.index[pfn] = 4;
    expect(() => checkPageCache(k)).toThrow(/wrong index/);
  });
  it("catches nrpages that disagrees with i_pages", () => {
    const { k } = cachedFile();
    for (const mp of k.vfs.mappings.values()) if (mp.host?.i_size === 8 * 4096) mp.nrpages++;
    expect(() => checkPageCache(k)).toThrow(/nrpages/);
  });
  it("catches a page-cache folio with no reference (freed while cached)", () => {
    const { k, pfn } = cachedFile();
    k.mem_map._refcount[pfn] = 0;
    expect(() => checkPageCache(k)).toThrow(/free page in the page cache/);
  });
});
