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
export { KernelPanic } from "../kernel/panic.js";
export { formatTraceLine, type TraceRecord, type TraceListener, type TraceFields } from "../kernel/trace.js";
export { parseSize, formatSize } from "../sim/size.js";
export { parseDuration } from "../sim/duration.js";
export type { ThpMode } from "../mm/huge_memory.js";

// Scenarios: parse a YAML scenario (located errors as ScenarioError), run it, format the report.
export { parseScenario } from "../workload/parse.js";
export { runScenario, type RunResult, type RunOptions, type TimelineEntry, type ProcessSummary, type CaptureResult, type ExpectResult } from "../workload/runner.js";
export { formatReport, formatReportJson, formatFailures, type ReportOptions } from "../workload/report.js";
export { ScenarioError, type Scenario } from "../workload/schema.js";

// Decoding real systems' text: OOM reports and /proc dumps.
export { decode, explain, detectKind, DECODE_KINDS, type DecodeKind, type DecodeOptions, type DecodeResult, type ExplainOptions } from "../decode/index.js";

// The classic tools' output, computed from /proc text as procps-ng and smem compute it.
export { formatFree, formatVmstat, formatPmap, formatSmem, simulatedStat, type ProcTaskFiles, type FreeOptions, type VmstatOptions, type PmapOptions, type SmemOptions } from "../procps/index.js";

// Inspection for the explorer's views (unstable: follows the model's internals).
export {
  PageKind, PAGE_KIND_NAMES, LRU_NAMES, machineLayout, fillPageClasses, fillPageblocks, fillPageOwners, describePage, rmapOf, pageWalk,
  processes, processVmas, zoneDetails, sampleLayout, sampleCounters,
  type PageKindName, type MachineLayout, type OwnerLegend, type PageInfo, type RmapEntry, type WalkLevel, type PageWalk, type ProcessInfo, type VmaInfo, type ZoneDetail, type SampleLayout,
} from "./inspect.js";

// Validation against a real Linux 6.1 under QEMU (mmsim validate): compile a scenario for the
// guest, build its initramfs and QEMU command line, read its console, compare it with the model.
export { compileScenario, NotValidatable, type GuestPlan, type ModelFacts, type CompileOptions } from "../validate/compile.js";
export { parseConsole, oomReports, type ParsedConsole } from "../validate/console.js";
export { modelSide, guestSide, type Side, type ModelRun } from "../validate/side.js";
export { compareSides, formatComparison, formatComparisonJson, type Comparison, type Row, type FormatOptions } from "../validate/compare.js";
export { cpioNewc, runArchive, qemuArgs, runInfo, RUN_ARCHIVE_SIZE, VIRTIO_MODULES, type CpioEntry } from "../validate/guest_image.js";

// Trace-driven replay of page-replacement policies: readers, policies, miss-ratio curves (docs/replay.md).
export {
  TraceError,
  TRACE_FORMATS,
  KEY_WRITE,
  createTraceReader,
  detectFormat,
  TraceBuilder,
  traceFromKeys,
  MAX_TRACE_REQUESTS,
  MAX_DISTINCT_KEYS,
  POLICY_NAMES,
  policyName,
  createPolicy,
  nextUses,
  simulate,
  resolveCacheSize,
  saveTrace,
  SAVE_FORMATS,
  stackDistances,
  lruMissRatioCurve,
  shardsMissRatioCurve,
  curveError,
  logSizes,
  MissRatioCurve,
  generateKeys,
  parseGeneratorSpec,
  describeGenerator,
  lineChartSvg,
  AccessTraceWriter,
  encodeAccessHeader,
  ACCESS_MAGIC,
  ACCESS_VERSION,
  type TraceFormat,
  type TraceReader,
  type KeySink,
  type ReaderOptions,
  type DenseTrace,
  type TraceBuilderOptions,
  type PolicyName,
  type PolicyOptions,
  type Policy,
  type SimulationResult,
  type SimulateOptions,
  type CacheSize,
  type SaveFormat,
  type StackDistances,
  type GeneratorSpec,
  type ChartSeries,
  type LineChartOptions,
} from "../replay/index.js";
