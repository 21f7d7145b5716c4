/**
 * The kernel's own memory right after boot against a real Linux 6.1 booted under QEMU with the
 * same RAM, CPUs and NUMA nodes (test/realkernel/data/w0, w0-m256, w0-m1024, w0-m2048,
 * w0-numa2; sl-boot-m1024-smp2 and -smp4 for more CPUs): MemFree, MemAvailable, Slab,
 * SReclaimable, SUnreclaim, KernelStack, Percpu and VmallocUsed of /proc/meminfo, each within
 * 2% or 256 kB of the real file, whichever is larger (issue 16's acceptance). The real figures
 * move by up to about 100 kB between runs of the same guest (test/realkernel/data/README.md).
 *
 * The sl-boot captures were made with a smaller initramfs (Shmem 6160 kB against w0's 6832):
 * the model's rootfs is w0's initramfs (fs/initramfs.ts REALKERNEL_INITRAMFS), so those two are
 * held to the w0 bound only for the fields the rootfs does not move.
 */
import { describe, expect, it } from "vitest";
import { start_kernel, type BootParams } from "../../src/kernel/start_kernel.js";
import { meminfo_proc_show } from "../../src/fs/proc/meminfo.js";
import { MiB } from "../../src/mm/types.js";
import { readReal } from "./load_state.js";

function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\S+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

const FIELDS = ["MemFree", "MemAvailable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "Percpu", "VmallocUsed"];
/** Fields a different initramfs moves (by its unpacked size). */
const ROOTFS = new Set(["MemFree", "MemAvailable"]);

const variants: Array<{ w: string; params: BootParams; rootfs: boolean }> = [
  { w: "w0-m256", params: { memory: 256 * MiB }, rootfs: true },
  { w: "w0", params: { memory: 512 * MiB }, rootfs: true },
  { w: "w0-m1024", params: { memory: 1024 * MiB }, rootfs: true },
  { w: "w0-m2048", params: { memory: 2048 * MiB }, rootfs: true },
  { w: "w0-numa2", params: { memory: 1024 * MiB, cpus: 2, numa: { nodes: [{ size: 512 * MiB }, { size: 512 * MiB }] } }, rootfs: true },
  { w: "sl-boot-m1024-smp2", params: { memory: 1024 * MiB, cpus: 2 }, rootfs: false },
  { w: "sl-boot-m1024-smp4", params: { memory: 1024 * MiB, cpus: 4 }, rootfs: false },
];

describe("the boot footprint in /proc/meminfo against the real kernel (2% or 256 kB)", () => {
  for (const { w, params, rootfs } of variants) {
    it(w, () => {
      const model = parse(meminfo_proc_show(start_kernel(params)));
      const real = parse(readReal(w, "meminfo"));
      for (const f of FIELDS) {
        if (!rootfs && ROOTFS.has(f)) continue;
        const r = real.get(f)!;
        const bound = Math.max(256, r * 0.02);
        expect(Math.abs(model.get(f)! - r), `${f}: model ${model.get(f)} kB, real ${r} kB`).toBeLessThanOrEqual(bound);
      }
      // The rootfs: the unpacked initramfs is Shmem (and Cached) right after boot.
      if (rootfs) expect(Math.abs(model.get("Shmem")! - real.get("Shmem")!)).toBeLessThanOrEqual(256);
    });
  }
});
