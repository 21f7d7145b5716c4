/**
 * A machine for tests of file mappings: 128 MiB, an 8 MiB ext2 disk at /dev/vdc holding one file
 * /mnt/d/f of `size` (1 MiB, 256 pages, unless told), mounted, and the file opened read-write.
 * Shared by the fault-path and mmap tests so each builds the same machine.
 */
import { kernelOf } from "../api/internals.js";
import { Machine } from "../sim/machine.js";

export function ext2FileSetup(size = "1M") {
  const m = Machine.boot({ memory: "128M" });
  m.addDisk("/dev/vdc", { size: "8M", ext2: { files: [{ path: "f", size }] } });
  const k = kernelOf(m);
  const p = m.spawn({ comm: "f", image: null });
  p.mkdir("/mnt/d");
  p.mount("/mnt/d", { fstype: "ext2", source: "/dev/vdc" });
  const fd = p.open("/mnt/d/f", "rw");
  return { m, k, p, fd };
}
