/**
 * /sys/kernel/slab after boot against the real 6.1 kernel's (test/realkernel/data/sl-boot-*:
 * slab_ls is `ls -l /sys/kernel/slab`, slab_sysfs "dir attr value" lines for every directory).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { start_kernel, type BootParams } from "../kernel/start_kernel.js";
import { procRead } from "../fs/proc/root.js";
import { MiB } from "./types.js";
import { sysfs_slab_entries } from "./slub_sysfs.js";

const dataDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../test/realkernel/data");
const read = (w: string, f: string): string => fs.readFileSync(path.join(dataDir, w, f), "utf8");

/** slab_ls: directory names and link name → target. */
function parseLs(text: string): { dirs: string[]; links: Map<string, string> } {
  const dirs: string[] = [];
  const links = new Map<string, string>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (line.startsWith("d")) dirs.push(f[f.length - 1]);
    else if (line.startsWith("l")) links.set(f[f.length - 3], f[f.length - 1]);
  }
  return { dirs, links };
}

/** Geometry and flags: what does not depend on what boot happened to allocate. */
const STATIC = ["object_size", "slab_size", "objs_per_slab", "order", "aliases", "reclaim_account"];

const captures: Array<{ w: string; params: BootParams }> = [
  { w: "sl-boot-m1024", params: { memory: 1024 * MiB } },
  { w: "sl-boot-m1024-smp4", params: { memory: 1024 * MiB, cpus: 4 } },
];

describe("/sys/kernel/slab after boot against the real kernel", () => {
  for (const { w, params } of captures) {
    it(`${w}: the same directories and links, and each directory's ${STATIC.join(", ")}`, () => {
      const k = start_kernel(params);
      const real = parseLs(read(w, "slab_ls"));
      expect(real.dirs.length).toBeGreaterThan(100);
      expect(real.links.size).toBeGreaterThan(50);
      expect(sysfs_slab_entries(k).sort()).toEqual([...real.dirs, ...real.links.keys()].sort());
      // A link reads as its target does: compare object_size through each.
      for (const [name, target] of real.links) expect(procRead(k, `/sys/kernel/slab/${name}/object_size`), name).toBe(procRead(k, `/sys/kernel/slab/${target}/object_size`));
      let compared = 0;
      for (const line of read(w, "slab_sysfs").split("\n")) {
        const m = /^(\S+) (\S+) (.*)$/.exec(line);
        if (!m || !STATIC.includes(m[2])) continue;
        expect(procRead(k, `/sys/kernel/slab/${m[1]}/${m[2]}`), `${m[1]}/${m[2]}`).toBe(`${m[3]}\n`);
        compared++;
      }
      expect(compared).toBe(real.dirs.length * STATIC.length);
    });
  }

  it("prints the counters as show_slab_objects does, consistent with /proc/slabinfo", () => {
    const k = start_kernel({ memory: 1024 * MiB });
    const row = procRead(k, "/proc/slabinfo").split("\n").find((l) => l.startsWith("kmalloc-64 "));
    const f = (row ?? "").trim().split(/\s+/);
    // slabinfo: active_objs num_objs ... slabdata active_slabs num_slabs; one node, so "N N0=N".
    expect(procRead(k, "/sys/kernel/slab/kmalloc-64/objects")).toBe(`${f[1]} N0=${f[1]}\n`);
    expect(procRead(k, "/sys/kernel/slab/kmalloc-64/total_objects")).toBe(`${f[2]} N0=${f[2]}\n`);
    expect(procRead(k, "/sys/kernel/slab/kmalloc-64/slabs")).toBe(`${f[14]} N0=${f[14]}\n`);
    // create_boot_cache: a power-of-two kmalloc size is its own alignment (max(ARCH_KMALLOC_MINALIGN, 64)).
    expect(procRead(k, "/sys/kernel/slab/kmalloc-64/align")).toBe("64\n");
    expect(procRead(k, "/sys/kernel/slab/kmalloc-64/cache_dma")).toBe("0\n");
    expect(() => procRead(k, "/sys/kernel/slab/no-such-cache/objects")).toThrow();
  });
});
