/**
 * The slab allocator's rows, on a 1 GiB machine booted by start_kernel (its boot caches and
 * objects in place):
 * - kmalloc+kfree pairs of 64 bytes: the per-CPU fast path (c->freelist pop and push), what
 *   issue 16 asks to run at 20 M pairs/s or more;
 * - kmem_cache_alloc+free batches of 64 vm_area_structs: the batch outgrows the CPU slab, so
 *   the slow path (___slab_alloc's partial lists, deactivate_slab, __slab_free) runs too;
 * - fork+exit of a 100-VMA process: copy_process's objects (task_struct, stack, cred, files…),
 *   dup_mmap's vm_area_structs and anon_vma chains, and their frees at exit; beside it the same
 *   process's fork+exit+wait on this machine's real kernel (bench/native/vmbench.c forkexit), for
 *   scale.
 */
import { start_kernel } from "../src/kernel/start_kernel.js";
import { GFP_KERNEL } from "../src/mm/gfp.js";
import { kfree, kmalloc, kmem_cache_alloc, kmem_cache_free } from "../src/mm/slab_common.js";
import { spawnProcess } from "../src/sim/process.js";
import { GiB } from "../src/mm/types.js";
import { bestRate, type Bench } from "./bench.js";
import { FigureCache, runNative, withNativeNote } from "./native.js";

function kmallocPairsPerSecond(): number {
  const k = start_kernel({ memory: 1 * GiB });
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) kfree(k, kmalloc(k, 64, GFP_KERNEL));
  };
  run(200_000); // JIT warm-up
  return bestRate(40, 1_000_000, run);
}

function cacheBatchObjectsPerSecond(): number {
  const k = start_kernel({ memory: 1 * GiB });
  const s = k.slab.cachep.vm_area_cachep!;
  const held = new Float64Array(64);
  const run = (n: number): void => {
    for (let i = 0; i < n; i += 64) {
      for (let j = 0; j < 64; j++) held[j] = kmem_cache_alloc(k, s, GFP_KERNEL);
      for (let j = 0; j < 64; j++) kmem_cache_free(k, s, held[j]);
    }
  };
  run(200_000);
  return bestRate(20, 1_000_000, run);
}

function forkExitPerSecond(): number {
  const k = start_kernel({ memory: 1 * GiB });
  const parent = spawnProcess(k, { comm: "parent" });
  // 100 VMAs: separate anonymous mappings, each touched so it has an anon_vma to chain.
  for (let i = 0; i < 100; i++) {
    const a = parent.mmap(8192, { prot: i & 1 ? "rw" : "r" });
    if (i & 1) parent.write(a, 1);
  }
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) parent.fork().exit(0);
  };
  run(2_000);
  return bestRate(10, 5_000, run);
}

const figures = new FigureCache();

export const benches: Bench[] = [
  { name: "slab: kmalloc+kfree 64 B via the cpu freelist", unit: "pairs/s", run: kmallocPairsPerSecond },
  { name: "slab: vm_area_struct alloc+free in batches of 64", unit: "objs/s", run: cacheBatchObjectsPerSecond },
  { name: "slab: fork+exit of a 100-VMA process", unit: "forks/s", run: () => figures.once("model", forkExitPerSecond) },
  withNativeNote({ name: "slab: fork+exit+wait of a 100-VMA process (native)", unit: "forks/s", run: () => figures.once("native", () => runNative("forkexit", 2000)) }),
  withNativeNote({ name: "slab: fork+exit, model / native", unit: "ratio", run: () => figures.ratio("model", forkExitPerSecond, "native", () => runNative("forkexit", 2000)) }),
];
