/**
 * mmsim's public API: the only module shells and library users import. It re-exports the
 * engine's handles (src/sim), the scenario format and runner (src/workload), the decoders of real
 * systems' text (src/decode) and the tools' formats (src/procps); it hands out plain values,
 * never the kernel's own objects (for those, tests and the explorer use src/api/internals.ts,
 * which is not part of this API).
 *
 * @example
 * import { Machine } from "mmsim";
 * const m = Machine.boot({ memory: "1G" });
 * console.log(m.read("/proc/meminfo"));
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
  Process,
  ProcessKilled,
  type ProcessStatus,
  type SpawnOptions,
  type MmapOptions,
  type ShmidDs,
  type SwaponOptions,
  type TouchResult,
  Errno,
  type ErrnoName,
  KernelBug,
  KernelPanic,
  formatTraceLine,
  available_events,
  type TraceRecord,
  type TraceListener,
  type TraceFields,
  parseSize,
  formatSize,
  parseDuration,
  type ThpMode,
  MIN_MEMORY,
  MAX_MEMORY,
  MAX_CPUS,
  MAX_NODES,
  MIN_NODE_MEMORY,
  MAX_PAGEMAP_PAGES,
  memoryProblem,
  nodeSizeProblem,
  distanceProblem,
  type DistanceProblem,
  type MachineSnapshot,
  encodeSnapshot,
  decodeSnapshot,
  snapshotBytes,
  SnapshotError,
  SNAPSHOT_VERSION,
} from "../sim/index.js";

// Scenarios: parse a YAML scenario (located errors as ScenarioError), run it (at once or a
// quantum at a time), format the report.
export { parseScenario } from "../workload/parse.js";
export { runScenario, startScenario, restoreRun, estimateWork, type ScenarioRun, type RunOptions, type RunSnapshot, type RunCallbacks } from "../workload/runner.js";
export type { RunResult, TimelineEntry, ProcessSummary, CaptureResult, ExpectResult, MachineSummary } from "../workload/result.js";
export { formatReport, formatReportJson, formatFailures, type ReportOptions } from "../workload/report.js";
export { ScenarioError, MAX_SCENARIO_BYTES, MAX_YAML_ALIAS_COUNT, WORK_BUDGET, type Scenario } from "../workload/schema.js";

// The explorer's time series as an SVG, without a browser (mmsim run --plot).
export { PlotRecorder, PLOT_SERIES, DEFAULT_PLOT_SERIES, MAX_PLOT_SAMPLES, plotSeriesProblem, type PlotSeries } from "./plot.js";

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
export { formatFree, formatVmstat, formatPmap, formatSmem, formatSlabtop, formatCgtop, simulatedStat, type ProcTaskFiles, type FreeOptions, type VmstatOptions, type PmapOptions, type SmemOptions, type SlabtopOptions, type CgtopGroup, type CgtopOptions } from "../procps/index.js";

// Inspection for the explorer's views (unstable: follows the model's internals).
export {
  PageKind, PAGE_KIND_NAMES, LRU_NAMES, machineLayout, fillPageClasses, fillPageblocks, fillPageOwners, describePage, rmapOf, pageWalk,
  processes, processVmas, vmaUsage, zoneDetails, sampleLayout, sampleCounters, blockDevices, MAX_SAMPLED_DISKS, DISK_STAT_FIELDS,
  fillPageAges, AGE_EDGES_NS, AGE_CLASS_NAMES, fillPageblockSummary, SUMMARY_KINDS,
  fillPageMemcgs, memcgs, MAX_SAMPLED_MEMCGS, MEMCG_SAMPLE_FIELDS, type MemcgLegend, type MemcgInfo,
  type PageKindName, type VmaUsage, type ProcessVmaUsage, type BlockDeviceInfo, type MachineLayout, type OwnerLegend, type PageInfo, type RmapEntry, type WalkLevel, type PageWalk, type ProcessInfo, type VmaInfo, type ZoneDetail, type SampleLayout,
} from "./inspect.js";

// Validation against a real Linux 6.1 under QEMU (mmsim validate): compile a scenario for the
// guest, build its initramfs and QEMU command line, read its console, compare it with the model.
export { compileScenario, NotValidatable, type GuestPlan, type ModelFacts, type CompileOptions } from "../validate/compile.js";
export { parseConsole, oomReports, type ParsedConsole } from "../validate/console.js";
export { modelSide, guestSide, type Side, type ModelRun } from "../validate/side.js";
export { compareSides, formatComparison, formatComparisonJson, type Comparison, type Row, type FormatOptions } from "../validate/compare.js";
export { cpioNewc, runArchive, qemuArgs, runInfo, RUN_ARCHIVE_SIZE, VIRTIO_MODULES, EXT2_MODULES, type CpioEntry } from "../validate/guest_image.js";

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
  LINUX_POLICY_NAMES,
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
