/**
 * dup_mmap's bulk store and the cost of a fork that is not the kernel's: the child of a
 * 100-VMA process has the parent's VMAs in a valid tree, and a fork+exit makes no typed array
 * whose buffer lives outside V8's heap (over 64 bytes: 1–1.5 µs each to make and free, eleven
 * per fork+exit before, from every maple node's gaps and the task's two rlimit arrays).
 */
import { describe, expect, it } from "vitest";
import { taskOf } from "../sim/process.js";
import { spawnProcess } from "../sim/process.js";
import { start_kernel } from "./start_kernel.js";

const TYPED = ["Float64Array", "Float32Array", "Int32Array", "Uint32Array", "Int16Array", "Uint16Array", "Int8Array", "Uint8Array", "BigInt64Array", "BigUint64Array"] as const;

/** Runs f with every typed array constructor counting the arrays over 64 bytes it makes. */
function countOffHeap(f: () => void): string[] {
  const made: string[] = [];
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = TYPED.map((n) => g[n]);
  for (const name of TYPED) {
    const Orig = g[name] as new (...a: unknown[]) => ArrayBufferView;
    g[name] = class extends Orig {
      constructor(...a: unknown[]) {
        super(...a);
        if (this.byteLength > 64) made.push(`${name}(${this.byteLength} bytes)`);
      }
    };
  }
  try {
    f();
  } finally {
    TYPED.forEach((n, i) => (g[n] = saved[i]));
  }
  return made;
}

describe("fork of a 100-VMA process", () => {
  const k = start_kernel({ memory: 256 * 1024 * 1024 });
  const parent = spawnProcess(k, { comm: "parent" });
  for (let i = 0; i < 100; i++) {
    const a = parent.mmap(8192, { prot: i & 1 ? "rw" : "r" });
    if (i & 1) parent.write(a, 1);
  }

  it("gives the child the parent's VMAs, in a tree that validates (stored in bulk)", () => {
    const child = parent.fork();
    const pm = taskOf(parent).mm!;
    const cm = taskOf(child).mm!;
    cm.mm_mt.mt_validate();
    expect(cm.map_count).toBe(pm.map_count);
    expect(cm.mm_mt.toArray().map((v) => [v.vm_start, v.vm_end, v.vm_flags])).toEqual(pm.mm_mt.toArray().map((v) => [v.vm_start, v.vm_end, v.vm_flags]));
    // The tree the bulk store built takes an mmap and a munmap in its middle like any other.
    const a = child.mmap(4096);
    cm.mm_mt.mt_validate();
    child.munmap(a, 4096);
    cm.mm_mt.mt_validate();
    child.exit(0);
  });

  it("makes no typed array over 64 bytes (outside V8's heap) per fork+exit", () => {
    parent.fork().exit(0);
    expect(countOffHeap(() => parent.fork().exit(0))).toEqual([]);
  });
});
