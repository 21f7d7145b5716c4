/**
 * fsync and fdatasync of an ext2 file (fs/libfs.c __generic_file_fsync, as ext2_fsync calls it):
 * the data pages in the range, then the metadata buffers the file dirtied (its indirect blocks:
 * sync_mapping_buffers), then the inode's own block (sync_inode_metadata → ext2_write_inode)
 * unless fdatasync finds only timestamps changed. The block bitmaps are the filesystem's, not the
 * file's: fsync leaves them dirty for the flusher (the real pc-dirty capture: Dirty 84 kB after
 * fsync). Checked by the sectors the disk wrote (/sys/block/vda/stat's seventh field).
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../api/index.js";
import { kernelOf } from "../api/internals.js";
import { checkPageCache } from "../sim/invariants/pagecache.js";

const kb = (t: string, f: string): number => Number((new RegExp(`^${f}:\\s+(\\d+) kB$`, "m").exec(t) as RegExpExecArray)[1]);

/** A 1 GiB ext2 disk (4 KiB blocks, as mke2fs makes a filesystem of 512 MiB or more), mounted. */
function machine(): { m: Machine; p: ReturnType<Machine["spawn"]> } {
  const m = Machine.boot({ memory: "512M" });
  m.addDisk("/dev/vda", { size: "1G", bandwidth: 1e9, ext2: { files: [] } });
  const p = m.spawn({ name: "w" });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
  return { m, p };
}

/** Sectors written to vda so far (block/genhd.c part_stat_show's seventh field). */
function sectorsWritten(m: Machine): number {
  return Number(m.read("/sys/block/vda/stat").trim().split(/\s+/)[6]);
}

/** Sectors one call writes. */
function written(m: Machine, f: () => void): number {
  const s0 = sectorsWritten(m);
  f();
  return sectorsWritten(m) - s0;
}

describe("fsync and fdatasync write the file's data, its own metadata and its inode", () => {
  it("fsync of a new 1 MiB file: 256 data blocks, the indirect block and the inode table block; the bitmaps stay dirty", () => {
    const { m, p } = machine();
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 1 << 20);
    // 12 direct blocks, then blocks 12…255 through one indirect block: 256 + 1 + 1 blocks of 8 sectors
    expect(written(m, () => p.fsync(fd))).toBe((256 + 1 + 1) * 8);
    const mi = m.read("/proc/meminfo");
    expect(kb(mi, "Writeback")).toBe(0);
    // the block bitmap (and what the create dirtied) wait for the flusher, as in the kernel
    expect(kb(mi, "Dirty")).toBeGreaterThan(0);
    expect(kb(mi, "Dirty")).toBeLessThanOrEqual(12);
    // nothing of the file is left: a second fsync writes nothing
    expect(written(m, () => p.fsync(fd))).toBe(0);
    // sync(2) writes the rest
    p.sync();
    expect(kb(m.read("/proc/meminfo"), "Dirty")).toBe(0);
    checkPageCache(kernelOf(m));
  });

  it("an overwrite: fdatasync writes the data only (mtime alone is I_DIRTY_SYNC), fsync the inode too", () => {
    const { m, p } = machine();
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 1 << 20);
    p.fsync(fd);
    p.pwrite(fd, 64 << 10, 0);
    expect(written(m, () => p.fdatasync(fd))).toBe(16 * 8);
    p.pwrite(fd, 64 << 10, 0);
    expect(written(m, () => p.fsync(fd))).toBe((16 + 1) * 8);
    checkPageCache(kernelOf(m));
  });

  it("an append: fdatasync writes the new block, the indirect block it hangs from and the inode (the size changed)", () => {
    const { m, p } = machine();
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 1 << 20);
    p.fsync(fd);
    p.pwrite(fd, 4096, 1 << 20);
    expect(written(m, () => p.fdatasync(fd))).toBe((1 + 1 + 1) * 8);
    // a file of direct blocks only has no indirect block to write
    const fd2 = p.open("/mnt/d/g", "w|create");
    p.writeFd(fd2, 8192);
    expect(written(m, () => p.fdatasync(fd2))).toBe((2 + 1) * 8);
    checkPageCache(kernelOf(m));
  });

  it("the flusher writes a dirty inode's metadata after its pages (write_inode); its block waits for the disk's next expiry", () => {
    const { m, p } = machine();
    const fd = p.open("/mnt/d/f", "w|create");
    p.writeFd(fd, 1 << 20);
    p.close(fd);
    m.advance("36s");
    // the pass wrote the data and the indirect block; the inode table block write_inode dirtied
    // waits for the block device inode's own expiry
    expect(kb(m.read("/proc/meminfo"), "Dirty")).toBeLessThanOrEqual(4);
    m.advance("35s");
    expect(kb(m.read("/proc/meminfo"), "Dirty")).toBe(0);
    checkPageCache(kernelOf(m));
  });
});
