/**
 * Buffer heads as slab objects (fs/buffer.c alloc_page_buffers, free_buffer_head): a page of an
 * ext2 file written through block_write_begin gets one struct buffer_head per block from the
 * `buffer_head` cache (104 bytes, SLAB_RECLAIM_ACCOUNT: SReclaimable), charged to the page's
 * memcg, and gives them back when its buffers go (truncation, or try_to_free_buffers in reclaim
 * and drop_caches). The real v-dirty-throttle run (test/realkernel/data) grows SReclaimable by
 * 7368 kB for 256 MiB written; src/validate/compare.test.ts holds that comparison.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../api/index.js";
import { kernelOf } from "../api/internals.js";
import { checkPageCache } from "../sim/invariants/pagecache.js";
import { keyed } from "../mm/memcontrol.testutil.js";
import { drain_all_obj_stock, __mem_cgroup_flush_stats } from "../mm/memcontrol.js";
import { nr_buffer_heads } from "./buffer.js";

/**
 * buffer_head's active objects, from /proc/slabinfo: SLUB counts a CPU slab's objects as active
 * (only partial slabs' free objects are subtracted), so this moves a slab (39 objects) at a time.
 */
function slabinfoObjects(m: Machine): number {
  const line = m.read("/proc/slabinfo").split("\n").find((l) => l.startsWith("buffer_head "));
  if (line === undefined) throw new Error("no buffer_head line in /proc/slabinfo");
  return Number(line.split(/\s+/)[1]);
}

/** The buffer_head objects the machine holds (one per block of each page with buffers). */
const bhObjects = (m: Machine): number => nr_buffer_heads(kernelOf(m));

function machine(blockSize: 1024 | 4096): { m: Machine; p: ReturnType<Machine["spawn"]> } {
  const m = Machine.boot({ memory: "512M" });
  m.write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
  m.mkdir("/sys/fs/cgroup/w");
  m.addDisk("/dev/vda", { size: "1G", bandwidth: 1e9, ext2: { files: [], blockSize } });
  const p = m.spawn({ name: "w", cgroup: "/w" });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
  return { m, p };
}

describe("buffer heads are buffer_head slab objects", () => {
  it("gives each written page of a 4 KiB-block file one buffer_head, charged to the writer's group, and takes them back at unlink", () => {
    const { m, p } = machine(4096);
    const k = kernelOf(m);
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 4096); // the file's metadata buffers (bitmaps, inode table) exist from here on
    const b0 = bhObjects(m);
    const st = (): Record<string, number> => {
      drain_all_obj_stock(k, k.memcg.root_mem_cgroup);
      __mem_cgroup_flush_stats(k);
      return keyed(m.read("/sys/fs/cgroup/w/memory.stat"));
    };
    const r0 = st().slab_reclaimable;
    // Pages 1…11 are direct blocks: no new metadata block, one buffer_head each.
    p.writeFd(fd, 11 * 4096);
    checkPageCache(k);
    expect(bhObjects(m) - b0).toBe(11);
    // obj_full_size: 104 bytes and the objcg pointer, charged to /w (the page's memcg); and the
    // file's first xa_node (page 0 alone sat in xa_head; page 1 needs a leaf), a radix_tree_node
    // charged to the writer's memcg: 584 bytes and the objcg pointer.
    expect(st().slab_reclaimable - r0).toBe(11 * 112 + 592);
    // 1 MiB more: 256 pages (and the indirect block's page of the block device) — slabinfo sees them.
    const s0 = slabinfoObjects(m);
    p.writeFd(fd, 256 * 4096);
    expect(bhObjects(m) - b0).toBe(11 + 256 + 1);
    expect(slabinfoObjects(m) - s0).toBeGreaterThanOrEqual(256 + 1 - 39);
    p.close(fd);
    p.unlink("/mnt/d/f");
    checkPageCache(k);
    // The 268 data pages' buffers go with the page cache (block_invalidate_folio); the metadata
    // buffers (bitmaps, inode table, the indirect block) stay with the block device's cache.
    expect(bhObjects(m)).toBe(b0 - 1 + 1);
  });

  it("gives a page of a 1 KiB-block file four buffer_heads, and drop_caches frees them with the page", () => {
    const { m, p } = machine(1024);
    const k = kernelOf(m);
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 4096);
    const b0 = bhObjects(m);
    p.writeFd(fd, 2 * 4096); // blocks 4…11: direct, no indirect block yet
    expect(bhObjects(m) - b0).toBe(2 * 4);
    p.writeFd(fd, 61 * 4096); // 64 pages in all
    p.sync();
    const before = bhObjects(m);
    m.write("/proc/sys/vm/drop_caches", "3");
    checkPageCache(k);
    // Clean, unheld buffers go with every page drop_caches frees (try_to_free_buffers from
    // mapping_evict_folio): at least the file pages that have left the CPU's lru_add batch (which
    // holds a reference to up to 15 pages; 6.1's drop_caches does not drain it), 4 objects each.
    expect(before - bhObjects(m)).toBeGreaterThanOrEqual(4 * (64 - 15));
  });
});
