/**
 * Helpers shared by the fault-path tests (memory.paths.test.ts, memory.paths2.test.ts): a
 * machine with swap and written anonymous pages, and handle_mm_fault called with exact flags.
 */
import { expect } from "vitest";
import { taskOf } from "../api/internals.js";
import type { Kernel } from "../kernel/kernel.js";
import { start_kernel } from "../kernel/start_kernel.js";
import { checkMm } from "../sim/invariants/mm.js";
import { check_swap_invariants } from "../sim/invariants/swap.js";
import { spawnProcess, type Process } from "../sim/process.js";
import { follow_pte, handle_mm_fault } from "./memory.js";
import { find_vma } from "./mmap.js";
import { lru_add_drain } from "./swap.js";
import { sys_swapon } from "./swapfile.js";

const MiB = 1 << 20;
const PAGE = 4096;

/** A 128 MiB machine with swap, and a process with `n` anonymous pages written (their pfns). */
export function swapSetup(n: number, swapBytes = 64 * MiB) {
  const k = start_kernel({ memory: 128 * MiB });
  expect(sys_swapon(k, k.tasks.init, "/dev/vda", { size: swapBytes })).toBe(0);
  const p = spawnProcess(k, { comm: "t", image: null });
  const a = p.mmap(n * PAGE, { prot: "rw", flags: "private|anonymous" });
  p.write(a, n * PAGE);
  lru_add_drain(k);
  const pfns = Array.from({ length: n }, (_, i) => follow_pte(k, taskOf(p).mm!, a + i * PAGE)!.pfn);
  const check = (): void => {
    check_swap_invariants(k);
    checkMm(k);
  };
  return { k, p, a, pfns, check };
}

/** handle_mm_fault on `addr` of `p` with exactly these fault flags. */
export function fault(k: Kernel, p: Process, addr: number, flags: number): number {
  const t = taskOf(p);
  const vma = find_vma(t.mm!, addr);
  if (vma === null) throw new Error("no vma");
  return handle_mm_fault(k, t, vma, addr, flags);
}
