/**
 * The engine's surface for the shells above it: what src/workload (and src/api, which re-exports
 * most of it) may use. It holds the Machine and Process handles, the scheduler programs run on,
 * the cost table, units, the machine limits, and the few kernel values and error classes a shell
 * must name (Errno, KernelPanic, the PRNG, ftrace's and dmesg's line formats). It deliberately
 * leaves out `kernelOf` and `taskOf`: code above src/sim never reaches the kernel's objects
 * (src/api/internals.ts is the documented exception, for tests and the explorer).
 */
export {
  Machine,
  sysctlPath,
  type MachineConfig,
  type MachineInfo,
  type NodeConfig,
  type SwapAreaSpec,
  type ZoneInfo,
  type LogEntry,
  type Tracepoints,
} from "./machine.js";
export {
  Process,
  ProcessKilled,
  parseAdvice,
  parseMapFlags,
  parseProt,
  MAX_PAGEMAP_PAGES,
  type MmapOptions,
  type ShmidDs,
  type ProcessStatus,
  type ProtSpec,
  type MapFlagsSpec,
  type SpawnOptions,
  type SwaponOptions,
  type TouchResult,
} from "./process.js";
export { Scheduler, type Runnable } from "./sched.js";
export { type MachineSnapshot } from "./machine.js";
export {
  snapshotGraph,
  restoreGraph,
  encodeSnapshot,
  decodeSnapshot,
  snapshotBytes,
  SnapshotError,
  SNAPSHOT_VERSION,
  type GraphSnapshot,
  type SnapshotRegistry,
  type SnapshotClass,
} from "./snapshot.js";
export { machineRegistry } from "./snapshot_registry.js";
export { ReplayMachine, type ReplayMachineOptions, type ReplayMachineInfo } from "./replay_machine.js";
export { COST, type CostTable } from "./cost.js";
export { parseSize, formatSize } from "./size.js";
export { parseDuration } from "./duration.js";
export {
  MIN_MEMORY,
  MAX_MEMORY,
  MAX_CPUS,
  MAX_NODES,
  MIN_NODE_MEMORY,
  memmapProblem,
  memoryProblem,
  cpusProblem,
  cpuMemoryProblem,
  PER_CPU_BOOT_MEMORY,
  nodeCountProblem,
  nodeLayoutProblem,
  nodeSizeProblem,
  distanceProblem,
  type DistanceProblem,
} from "./config.js";

// Kernel values a shell must name.
export { Errno, errnoValues, type ErrnoName } from "../kernel/errno.js";
export { KernelBug } from "../kernel/bug.js";
export { KernelPanic } from "../kernel/panic.js";
export { Prng } from "../kernel/random.js";
export { formatTraceLine, available_events, type TraceRecord, type TraceListener, type TraceFields } from "../kernel/trace.js";
export { print_time } from "../kernel/printk.js";
export type { ThpMode } from "../mm/huge_memory.js";
export { zone_names } from "../mm/mmzone.js";
export { KMALLOC_GFP_NAMES } from "../mm/slab_driver.js";
