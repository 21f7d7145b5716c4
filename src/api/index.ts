/**
 * mmsim's public API: the only module shells and library users import.
 *
 * @example
 * import { Machine } from "mmsim";
 * const m = Machine.boot({ memory: "1G" });
 * console.log(m.read("/proc/meminfo"));
 */
export { Machine, sysctlPath, type MachineConfig, type NodeConfig } from "../sim/machine.js";
export { Process, ProcessKilled, type SpawnOptions, type MmapOptions, type TouchResult } from "../sim/process.js";
export { Errno, type ErrnoName } from "../kernel/errno.js";
export { KernelBug } from "../kernel/bug.js";
export { formatTraceLine, type TraceRecord, type TraceListener, type TraceFields } from "../kernel/trace.js";
export { parseSize, formatSize } from "../sim/size.js";
export { parseDuration } from "../sim/duration.js";
export type { ThpMode } from "../mm/huge_memory.js";
