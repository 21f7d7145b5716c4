/**
 * The escape hatch: the kernel objects behind the public API's handles, for mmsim's own tests
 * and the explorer's inspectors. **Unstable**: what a Kernel or task_struct holds follows the
 * model's internals and changes without notice; nothing here is part of the package's API
 * (it is not re-exported from src/api/index.ts, and docs/api-report.md does not list it).
 *
 * @example
 * import { kernelOf, taskOf } from "../api/internals.js";
 * const k = kernelOf(m);            // the Kernel: k.zones, k.vm_events, k.mem_map…
 * const t = taskOf(p);              // the task_struct: t.mm, t.min_flt…
 */
export { kernelOf } from "../sim/machine.js";
export { taskOf } from "../sim/process.js";
export type { Kernel } from "../kernel/kernel.js";
export type { task_struct } from "../kernel/sched.js";
export type { mm_struct } from "../mm/mm_types.js";
