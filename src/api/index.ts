/**
 * mmsim's public API: the only module shells and library users import.
 *
 * @example
 * import { Machine } from "mmsim";
 * const m = Machine.boot({ memory: "1G" });
 * console.log(m.read("/proc/meminfo"));
 */
export { Machine, sysctlPath, type MachineConfig, type NodeConfig, type SwapAreaSpec } from "../sim/machine.js";
export { Process, ProcessKilled, type SpawnOptions, type MmapOptions, type SwaponOptions, type TouchResult } from "../sim/process.js";
export { Errno, type ErrnoName } from "../kernel/errno.js";
export { KernelBug } from "../kernel/bug.js";
export { KernelPanic } from "../mm/oom_kill.js";
export { formatTraceLine, available_events, type TraceRecord, type TraceListener, type TraceFields } from "../kernel/trace.js";
export { parseSize, formatSize } from "../sim/size.js";
export { parseDuration } from "../sim/duration.js";
export type { ThpMode } from "../mm/huge_memory.js";

// Scenarios: parse a YAML scenario (located errors as ScenarioError), run it, format the report.
export { parseScenario } from "../workload/parse.js";
export { runScenario, type RunResult, type RunOptions, type TimelineEntry, type ProcessSummary, type CaptureResult, type ExpectResult } from "../workload/runner.js";
export { formatReport, formatReportJson, formatFailures, type ReportOptions } from "../workload/report.js";
export { ScenarioError, type Scenario } from "../workload/schema.js";

// Decoding real systems' text: OOM reports and /proc dumps.
export {
  decode,
  DecodeStream,
  explain,
  detectKind,
  recognised,
  toJson,
  DECODE_KINDS,
  MAX_FILE_CHARS,
  MAX_LINE_CHARS,
  type DecodeKind,
  type DecodeOptions,
  type DecodeResult,
  type ExplainOptions,
} from "../decode/index.js";

// The classic tools' output, computed from /proc text as procps-ng and smem compute it.
export { formatFree, formatVmstat, formatPmap, formatSmem, simulatedStat, type ProcTaskFiles, type FreeOptions, type VmstatOptions, type PmapOptions, type SmemOptions } from "../procps/index.js";
