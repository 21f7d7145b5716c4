/** Helpers of the OOM killer's tests (oom_kill.test.ts, oom_kill.report.test.ts). */
import { kernelOf } from "../api/internals.js";
import type { Machine } from "../sim/machine.js";
import type { Process } from "../sim/process.js";
import { GFP_KERNEL } from "./gfp.js";
import { alloc_pages } from "./page_alloc.js";
import { NO_PFN } from "./types.js";
import { OOM_KILL } from "./vmstat_items.js";

/**
 * Allocates kernel pages on `p`'s behalf (as a syscall in its context would) until the OOM killer
 * has run: the task is then inside the kernel, not returning to user mode, so a kill leaves it
 * marked but alive — the case the oom_reaper exists for.
 */
export function allocInKernelUntilOom(m: Machine, p: Process): void {
  const k = kernelOf(m);
  const kills = k.vm_events[OOM_KILL];
  const saved = [k.currentPid, k.currentComm] as const;
  k.currentPid = p.pid;
  k.currentComm = p.comm;
  try {
    for (let i = 0; i < 1_000_000 && k.vm_events[OOM_KILL] === kills; i++) {
      if (alloc_pages(k, GFP_KERNEL, 0) === NO_PFN) break;
    }
  } finally {
    [k.currentPid, k.currentComm] = saved;
  }
  if (k.vm_events[OOM_KILL] === kills) throw new Error("the OOM killer never ran");
}
