/**
 * Trace-driven replay of page-replacement policies (issue 19; docs/replay.md): trace readers
 * (bytes in, keys out), the dense trace the policies run on, the classic policies, Linux's own
 * (the model's classic LRU and MGLRU on a replay machine from src/sim), exact and sampled LRU
 * miss-ratio curves, synthetic traces, and the SVG chart writer. Pure: no Node, no DOM, no
 * clock; the shells read files and time runs.
 */
export { TraceError } from "./errors.js";
export { KeyMap, MAX_DISTINCT_KEYS } from "./keymap.js";
export { TRACE_FORMATS, KEY_WRITE, createTraceReader, detectFormat, type TraceFormat, type TraceReader, type KeySink, type ReaderOptions } from "./readers.js";
export {
  ACCESS_MAGIC,
  ACCESS_VERSION,
  ACCESS_HEADER_SIZE,
  ACCESS_RECORD_SIZE,
  ACCESS_FLAG_WRITE,
  ACCESS_FLAG_FILE,
  AccessTraceWriter,
  encodeAccessHeader,
} from "./access_format.js";
export { TraceBuilder, traceFromKeys, MAX_TRACE_REQUESTS, type DenseTrace, type TraceBuilderOptions } from "./trace.js";
export { POLICY_NAMES, LINUX_POLICY_NAMES, policyName, createPolicy, nextUses, type PolicyName, type ClassicPolicyName, type PolicyOptions, type Policy } from "./policy/index.js";
export { simulate, resolveCacheSize, saveTrace, SAVE_FORMATS, type SimulationResult, type SimulateOptions, type CacheSize, type SaveFormat } from "./engine.js";
export { stackDistances, lruMissRatioCurve, shardsMissRatioCurve, curveError, logSizes, MissRatioCurve, type StackDistances } from "./mrc.js";
export { generateKeys, parseGeneratorSpec, describeGenerator, type GeneratorSpec, type ZipfSpec, type LoopSpec } from "./generate.js";
export { lineChartSvg, stackedChartsSvg, type ChartSeries, type LineChartOptions } from "./svg.js";
