/**
 * sl-dcache (test/realkernel/data/sl-dcache; tools/realkernel/guest/init-ext wl_sl_dcache): a
 * 512 MiB, 1-CPU guest creates 100000 empty files on an ext2 disk (Debian's ext4 driver: dentry,
 * ext4_inode_cache and lsm_inode_cache objects), syncs, drops the slab caches (drop_caches=2),
 * then creates 100000 files in a tmpfs and drops again (nothing goes: tmpfs dentries are the
 * files). The model runs the same steps and is compared step by step.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/api/index.js";

const dataDir = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  "data",
);
const real = (file: string): string =>
  fs.readFileSync(path.join(dataDir, "sl-dcache", file), "utf8");

function field(text: string, name: string): number {
  const m = new RegExp(
    `^${name.replace(/[()]/g, "\\$&")}:\\s+(\\d+)`,
    "m",
  ).exec(text);
  if (!m) throw new Error(`no ${name}`);
  return Number(m[1]);
}
/** /proc/slabinfo's active_objs of a cache (0 if absent). */
function objs(slabinfo: string, cache: string): number {
  const line = slabinfo.split("\n").find((l) => l.startsWith(cache + " "));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}

/**
 * The model makes a fifth of the capture's files (ext2 lookups scan the directory's blocks, so
 * 100000 creates cost minutes of CPU); the per-file figures are compared scaled by N / 100000.
 */
const N = 20000;
const SCALE = N / 100000;

describe("sl-dcache: dentries and inodes as slab objects, and the super shrinker", () => {
  it(
    "creates, drops and keeps the same objects as the real kernel",
    { timeout: 300_000 },
    () => {
      const m = Machine.boot({ memory: "512M" });
      const p = m.spawn({ name: "rkx" });
      // blank.img: 1 GiB, mke2fs -N 131072 (run.sh); the model's mke2fs gives a 2 GiB disk that many.
      m.addDisk("/dev/vda", { size: "2G", ext2: { files: [] } });
      p.mkdir("/mnt/d");
      p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vda" });
      p.mkdir("/mnt/d/d");
      m.write("/proc/sys/vm/drop_caches", "3");
      const snap = (): { slab: string; mem: string; dstate: string } => ({
        slab: m.read("/proc/slabinfo"),
        mem: m.read("/proc/meminfo"),
        dstate: m.read("/proc/sys/fs/dentry-state"),
      });
      const before = snap();
      const mkfiles = (dir: string): void => {
        for (let i = 0; i < N; i++)
          p.close(
            p.open(`${dir}/f${String(i).padStart(6, "0")}`, "w|create|excl"),
          );
      };
      mkfiles("/mnt/d/d");
      const created = snap();
      p.sync();
      m.write("/proc/sys/vm/drop_caches", "2");
      const dropped = snap();

      const rb = real("slabinfo.before");
      const rc = real("slabinfo.created");
      const rd = real("slabinfo.dropped");
      // Objects made per file: exactly one dentry, one ext4 inode and one LSM blob, as the capture
      // (100002 dentries: the files and the directory's; 99996 ext4 inodes and 99968 LSM blobs, the
      // real deltas being net of a few objects the guest's other activity freed meanwhile).
      for (const c of ["dentry", "ext4_inode_cache", "lsm_inode_cache"]) {
        const dm = objs(created.slab, c) - objs(before.slab, c);
        const dr = (objs(rc, c) - objs(rb, c)) * SCALE;
        // slabinfo's active_objs counts a CPU slab's free objects as in use, so each side is known
        // to one slab's objects (21 dentries, 13 ext4 inodes, 128 LSM blobs): that, plus 0.1%.
        const perSlab = Number(
          (rc.split("\n").find((l) => l.startsWith(c + " ")) as string).split(
            /\s+/,
          )[4],
        );
        expect(
          Math.abs(dm - dr),
          `${c}: model +${dm}, real +${dr}`,
        ).toBeLessThanOrEqual(perSlab + dr * 0.001);
      }
      // SReclaimable grows by the dentry and ext4 inode slabs: real +142900 kB for 100000 files. The model's
      // active slabs have the same geometry (21 dentries an order-0 slab, 13 ext4 inodes an order-2
      // one), so it is within 1%.
      const sr = (t: string): number => field(t, "SReclaimable");
      const dRealCreated =
        (sr(real("meminfo.created")) - sr(real("meminfo.before"))) * SCALE;
      const dModelCreated = sr(created.mem) - sr(before.mem);
      expect(
        Math.abs(dModelCreated - dRealCreated),
        `ΔSReclaimable model ${dModelCreated} real ${dRealCreated}`,
      ).toBeLessThanOrEqual(dRealCreated * 0.01);
      // drop_caches=2 gives nearly all of it back: the real kernel keeps +1424 kB of SReclaimable
      // (slabs on partial lists and per-CPU partials, min_partial per cache); the model within 2 MiB
      // of the real level after the drop (not scaled: what stays does not grow with the files).
      const dRealDropped =
        sr(real("meminfo.dropped")) - sr(real("meminfo.before"));
      const dModelDropped = sr(dropped.mem) - sr(before.mem);
      expect(
        Math.abs(dModelDropped - dRealDropped),
        `after drop: model ${dModelDropped} real ${dRealDropped}`,
      ).toBeLessThanOrEqual(2048);
      // Every file's dentry and inode went: the real caches end 247 dentries and 54 ext4 inodes
      // above their starting counts (objects of other activity); the model within 300 of each.
      for (const c of ["dentry", "ext4_inode_cache"]) {
        const dm = objs(dropped.slab, c) - objs(before.slab, c);
        const dr = objs(rd, c) - objs(rb, c);
        expect(
          Math.abs(dm - dr),
          `${c} after drop: model ${dm}, real ${dr}`,
        ).toBeLessThanOrEqual(300);
      }
      // dentry-state: nr_dentry follows the dentries, nr_unused held the 100000 files.
      const nr = (t: string, i: number): number => Number(t.split("\t")[i]);
      // One more than the files: the directory's own dentry, pruned by the drop_caches=3 before the
      // first snapshot (it had no children yet) and looked up again by the first create — as in
      // the capture, whose dentry cache grew by 100002.
      expect(nr(created.dstate, 0) - nr(before.dstate, 0)).toBe(N + 1);
      // nr_unused counts LRU membership (d_lru_add/d_lru_del): the files, and here the directory's
      // dentry too, which the model's lookup put on the LRU at once (dcache.ts, Simplified) and its
      // children's references leave there until a prune finds it in use.
      expect(nr(created.dstate, 1) - nr(before.dstate, 1)).toBe(N + 1);
      expect(nr(dropped.dstate, 0)).toBeLessThanOrEqual(nr(before.dstate, 0));
    },
  );

  it(
    "keeps every tmpfs dentry and inode through drop_caches=2: they are the files",
    { timeout: 300_000 },
    () => {
      const m = Machine.boot({ memory: "512M" });
      const p = m.spawn({ name: "rkx" });
      p.mkdir("/mnt/t");
      p.mount("/mnt/t", { fstype: "tmpfs", nrInodes: 200000 });
      const before = {
        slab: m.read("/proc/slabinfo"),
        mem: m.read("/proc/meminfo"),
      };
      const T = 100000;
      for (let i = 0; i < T; i++)
        p.close(
          p.open(`/mnt/t/f${String(i).padStart(6, "0")}`, "w|create|excl"),
        );
      const created = {
        slab: m.read("/proc/slabinfo"),
        mem: m.read("/proc/meminfo"),
      };
      m.write("/proc/sys/vm/drop_caches", "2");
      const dropped = {
        slab: m.read("/proc/slabinfo"),
        mem: m.read("/proc/meminfo"),
      };
      const rb = real("slabinfo.t_before");
      const rc = real("slabinfo.t_created");
      // shmem_inode_cache +100000 exactly in both; dentry +99603 real (net of the ext2 leftovers
      // the guest's activity freed meanwhile), the model's +100000: within 0.5%.
      expect(
        objs(created.slab, "shmem_inode_cache") -
          objs(before.slab, "shmem_inode_cache"),
      ).toBe(objs(rc, "shmem_inode_cache") - objs(rb, "shmem_inode_cache"));
      const dd = objs(created.slab, "dentry") - objs(before.slab, "dentry");
      expect(
        Math.abs(dd - (objs(rc, "dentry") - objs(rb, "dentry"))),
      ).toBeLessThanOrEqual(500);
      // SUnreclaim +83128 kB (shmem_inode_cache is not SLAB_RECLAIM_ACCOUNT), SReclaimable +18948
      // (the dentries): within 2% each.
      for (const f of ["SUnreclaim", "SReclaimable"]) {
        const dm = field(created.mem, f) - field(before.mem, f);
        const dr =
          field(real("meminfo.t_created"), f) -
          field(real("meminfo.t_before"), f);
        expect(
          Math.abs(dm - dr),
          `Δ${f} model ${dm} real ${dr}`,
        ).toBeLessThanOrEqual(Math.abs(dr) * 0.02);
      }
      // drop_caches=2 changes nothing: t_dropped equals t_created in the capture.
      for (const c of ["dentry", "shmem_inode_cache"])
        expect(objs(dropped.slab, c)).toBe(objs(created.slab, c));
      expect(field(dropped.mem, "Slab")).toBe(field(created.mem, "Slab"));
      expect(objs(real("slabinfo.t_dropped"), "dentry")).toBe(
        objs(rc, "dentry"),
      );
    },
  );
});
