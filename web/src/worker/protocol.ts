/**
 * Messages between the page and the model's workers. The page never touches the model: it sends
 * a scenario (YAML text, a seed, sysctl overrides) and questions, and gets plain data back.
 * Large arrays travel as transferables, never copied.
 */
import type { BlockDeviceInfo, MachineLayout, MemcgInfo, MemcgLegend, OwnerLegend, PageInfo, PageWalk, ProcessInfo, ProcessVmaUsage, RmapEntry, VmaInfo, ZoneDetail } from "../../../src/api/inspect.js";

export type { BlockDeviceInfo, MachineLayout, MemcgInfo, MemcgLegend, OwnerLegend, PageInfo, PageWalk, ProcessInfo, ProcessVmaUsage, RmapEntry, VmaInfo, ZoneDetail };

/** What to run: the same spec always gives the same run (the model is deterministic). */
export interface RunSpec {
  /** Scenario YAML. */
  yaml: string;
  /** The file name errors are located in ("scenarios/tour.yaml"). */
  file: string;
  /** null: the scenario's own `seed:`. */
  seed: number | null;
  /** Sysctls written at boot on top of the scenario's own (a chapter's slider). */
  sysctl: Record<string, number>;
  /**
   * Files of the scenario's `cgroups:` written at boot instead of (or besides) its own values: a
   * chapter's memory.max slider. Keys "GROUP/FILE" ("/rk/memory.max"), values as the file takes them ("48M").
   */
  cgroup: Record<string, string>;
}

/** A located scenario mistake, as the CLI prints it. */
export interface LocatedError {
  file: string;
  line: number;
  col: number;
  field: string;
  message: string;
  /** The one-line form: "file:line:col field: message". */
  text: string;
}

/** One kernel event on the timeline. */
export interface EventItem {
  t: number;
  /** Tracepoint name or the runner's event ("fork", "oom_kill", …). */
  event: string;
  who: string;
  pid: number;
  text: string;
  /** The kernel function that acted, when known. */
  fn: string | null;
  /** "tracepoint" (ftrace line), "timeline" (the runner's story line) or "dmesg". */
  source: "tracepoint" | "timeline" | "dmesg";
}

/**
 * Machines with more page frames than this (128 GiB) record no byte per page (a 1 TiB machine's
 * would be 256 MiB a map): their frames carry `summary` instead, and the physical view draws
 * them from a pageblock pyramid.
 */
export const PAGE_MAP_LIMIT = 2 ** 25;

/**
 * Most pages a window of class bytes (the `classes` question) may cover: 4 Mi pages, 4 MiB, what
 * a 16 GiB machine's whole map is. Above PAGE_MAP_LIMIT the physical view asks for one when the
 * canvas shows at most this many pages, and draws those pages one by one over the pyramid.
 */
export const PAGE_WINDOW_LIMIT = 2 ** 22;

/**
 * A rectangle of the physical view's grid (`perRow` pages a row; grid row r, column c is pfn
 * r * perRow + c): rows [r0, r1), columns [c0, c1).
 */
export interface GridRect {
  perRow: number;
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** A page-map frame: the class byte of every page at time t, plus what changes with it. */
export interface MapFrame {
  t: number;
  /** One class byte per page (inspect.fillPageClasses); empty above PAGE_MAP_LIMIT pages. */
  classes: Uint8Array;
  /** Above PAGE_MAP_LIMIT pages: pages of each kind per pageblock (inspect.fillPageblockSummary); else empty. */
  summary: Uint16Array;
  pbZone: Uint8Array;
  pbMt: Uint8Array;
  zones: ZoneDetail[];
  procs: ProcessInfo[];
  /**
   * Every process's VMAs with smaps' Rss, Pss and Swap (inspect.vmaUsage): the per-VMA series.
   * Null on the recorded maps that skip it to keep the recording fast (engine.ts VMA_PAGES_PER_MOVE).
   */
  vmas: ProcessVmaUsage[] | null;
}

/** What the run left at its end. */
export interface RunSummary {
  ok: boolean;
  report: string;
  dmesg: string;
  /** The decoder's explanation of the model's own OOM reports (empty when there was none). */
  oomExplanation: string;
  oomVictims: string[];
  startNs: number;
  endNs: number;
  ops: number;
  /** Wall-clock ms the worker spent running it, and CPU-equivalent operations per second. */
  wallMs: number;
  opsPerSec: number;
  panic: string | null;
  /**
   * What the recorded maps cost, by the worker's wall clock inside the calls (wallMs is the
   * whole recording's): the page maps (class bytes, pageblocks, zones, processes) and the per-VMA
   * samples (inspect.vmaUsage: how many, the pages their walks covered).
   */
  costs: { maps: number; mapMs: number; vmaSamples: number; vmaPages: number; vmaMs: number };
}

export type ToWorker =
  | { type: "record"; spec: RunSpec }
  | { type: "goto"; spec: RunSpec; t: number; req: number }
  | { type: "page"; pfn: number; req: number }
  | { type: "rmap"; pfn: number; req: number }
  | { type: "walk"; pid: number; addr: number; req: number }
  | { type: "vmas"; pid: number; req: number }
  | { type: "owners"; req: number }
  | { type: "ages"; req: number }
  /** The memory cgroup of every page (inspect.fillPageMemcgs). */
  | { type: "memcgs"; req: number }
  /** The class bytes of a rectangle of the grid (at most PAGE_WINDOW_LIMIT pages), row by row. */
  | ({ type: "classes"; req: number } & GridRect)
  | { type: "read"; path: string; req: number }
  | { type: "parse"; yaml: string; file: string; req: number }
  | { type: "decode"; text: string; req: number };

/** Where the inspector's replay to a time started (see worker/run.ts Replayer). */
export interface ReplayStats {
  /** "continued": from where it stood; "snapshot": from the kept snapshot at `from`; "boot". */
  start: "continued" | "snapshot" | "boot";
  from: number;
  /** Snapshots it keeps now, and their bytes. */
  snapshots: number;
  snapshotBytes: number;
}

export type FromWorker =
  | { type: "meta"; layout: MachineLayout; sampleNames: string[]; startNs: number; name: string; description: string; timing: WorkerTiming }
  | { type: "samples"; data: Float64Array; count: number }
  /** The end times of scheduler quanta (the stop points the inspector reaches exactly), in order. */
  | { type: "slices"; times: Float64Array }
  /** The block devices so far (sent again whenever one is added: their sample slots' names). */
  | { type: "disks"; disks: BlockDeviceInfo[] }
  /** The memory cgroups so far (sent again whenever the list changes: their sample slots' paths). */
  | { type: "memcgs"; memcgs: MemcgInfo[] }
  | { type: "map"; frame: MapFrame }
  | { type: "events"; items: EventItem[] }
  | { type: "done"; summary: RunSummary }
  | { type: "failed"; error: LocatedError | null; message: string }
  | { type: "at"; req: number; t: number; done: boolean; frame: MapFrame; meminfo: string; layout: MachineLayout; replay: ReplayStats }
  | { type: "reply"; req: number; data: unknown }
  | { type: "parsed"; req: number; error: LocatedError | null; name: string; description: string }
  | { type: "decoded"; req: number; kind: string; explanation: string; unrecognised: string[] };

/** A request without its id (the channel adds it): Omit applied to each member of the union. */
export type Question = Extract<ToWorker, { req: number }> extends infer T ? (T extends { req: number } ? Omit<T, "req"> : never) : never;

/**
 * When the recorder's worker reached each step of its start, in ms since the epoch
 * (`performance.timeOrigin + performance.now()`: comparable across the page and its workers), for
 * the time-to-interactive breakdown (session.startup, the bench's note).
 */
export interface WorkerTiming {
  /** The worker's own time origin (its creation). */
  origin: number;
  /** The worker's script evaluated (fetched, compiled, its imports run). */
  evaluated: number;
  /** The record message received. */
  received: number;
  /** The scenario parsed. */
  parsed: number;
  /** The machine booted. */
  booted: number;
}
