/**
 * The step compiler of `mmsim validate`: a parsed scenario in, the program the guest's `mmguest`
 * (tools/guest/mmguest.c) runs out, plus the machine QEMU must boot for it. Pure: no I/O.
 *
 * The guest input is line-based text (docs/validate.md has the grammar): `proc` lines declare
 * every process (forked ones too, so the supervisor can give each a command pipe before it
 * exists), `step` lines give each process's program in order, `cap` lines the captures after the
 * step above them, `atstart`/`atend` the machine-wide files read before the processes start and
 * after they end. Strings are percent-encoded, so a line never holds a space inside a value.
 *
 * What the compiler fixes so both sides do the same thing:
 * - Each process's PRNG seed, drawn as the runner draws it (src/workload/runner.ts: a Prng seeded
 *   with `seed ^ 0x5ce7a410` gives each process, in creation order, the seed of its own Prng), so
 *   random and zipf touches visit the same pages in the same order. Forked processes take their
 *   draw in the order the model forked them (`ModelFacts.forkOrder`), or in program order.
 * - A touch with `duration:` becomes a touch of as many accesses as the model made in that
 *   duration (`ModelFacts.touchAccesses`): the guest's speed is not the model's simulated time.
 * - Virtual costs: a touch advances its process's virtual clock by the model's cost table
 *   (src/sim/cost.ts: `access_ns` per access, plus `minor_fault_ns` for each access of a first
 *   pass over a region not touched before); a duration touch by exactly its duration. Other steps
 *   cost no virtual time. The guest wakes a sleeper or starts a process when every running
 *   process has passed that virtual time (docs/validate.md, "Order of steps").
 *
 * A step the guest cannot perform is refused with a `NotValidatable` error naming the step and
 * the reason: an `exec` touch, a swap file, a device latency. (MAP_HUGETLB goes through as a flag:
 * the guest's kernel takes its pages from the pool a `sysctl: vm.nr_hugepages` step made, and
 * MADV_HUGEPAGE/NOHUGEPAGE/COLLAPSE and the THP sysfs writes are advice numbers and `write`
 * steps like any other.) A new step kind is one
 * case in `compileStep` here and one in mmguest.c's parse_input/issue/worker_step.
 */
import { COST } from "../sim/cost.js";
import { Prng } from "../kernel/random.js";
import { parseAdvice, parseMapFlags, parseMsyncFlags, parseProt } from "../sim/process.js";
import { sysctlPath } from "../sim/machine.js";
import type { DiskSpec, ProcessSpec, Scenario, SourcePos, Step } from "../workload/schema.js";

const PAGE = 4096;
const MiB = 2 ** 20;

/** The guest input format's version (the first line: `mmguest 1`). */
export const GUEST_FORMAT_VERSION = 1;
/** Limits of mmguest's tables and string fields (tools/guest/mmguest.c MAX_PROCS, MAX_STEPS, MAX_REGIONS, MAX_CAPS, struct capspec, struct step). */
export const GUEST_LIMITS = { processes: 64, steps: 4096, regions: 256, captures: 2048, label: 127, path: 255, value: 767 } as const;
/** The longest a guest sleeps in real time for one sleep or start gap (a longer virtual gap is cut to this). */
export const GUEST_MAX_SLEEP_NS = 5e9;

/** A scenario (or a step of it) the guest cannot run: one located line, like ScenarioError. */
export class NotValidatable extends Error {
  override readonly name = "NotValidatable";
  constructor(
    readonly file: string,
    readonly line: number,
    /** "processes[0].run[3].touch.access", or "machine.memory" */
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}:${line} ${field}: ${detail}`);
  }
}

/** What the model's own run decided that the guest must repeat. */
export interface ModelFacts {
  /** Accesses the model made in each touch, by step path ("processes[0].run[3]", Step.path). */
  touchAccesses: Map<string, number>;
  /** Forked processes' names in the order the model forked them. */
  forkOrder: string[];
}

/** A virtio disk the guest needs, as /dev/vdX. */
export interface GuestDisk {
  /** "vda" */
  dev: string;
  bytes: number;
  /** The swapon step's (or machine disk's) bandwidth (bytes/s), given to QEMU as a throttle. */
  bandwidth?: number;
  /** A disk of machine.disks with an ext2 filesystem: made with mke2fs -d from these files. */
  ext2?: { blockSize?: number; files: Array<{ path: string; size?: number }> };
}

/** The machine QEMU boots: -m, -smp, -numa, and the kernel command line additions. */
export interface GuestMachine {
  memoryBytes: number;
  cpus: number;
  nodes?: Array<{ bytes: number; cpus: number[] }>;
  distance?: number[][];
  /** transparent_hugepage=, kernelcore=, movablecore= */
  cmdline: string[];
}

export interface GuestProcess {
  index: number;
  name: string;
  /** -1: started by init */
  parent: number;
  seed: number;
  /** Where the process is defined, for messages. */
  path: string;
}

export interface GuestPlan {
  /** The text mmguest reads (/run.in). */
  input: string;
  machine: GuestMachine;
  disks: GuestDisk[];
  processes: GuestProcess[];
  /** Machine-wide files read before the processes start (label → path). */
  atStart: Array<{ label: string; path: string }>;
  atEnd: Array<{ label: string; path: string }>;
  /** What the guest does differently from the model, in words, for the report. */
  notes: string[];
}

/** Files both sides read before the processes start and after they end. */
export const START_FILES = ["/proc/meminfo", "/proc/vmstat", "/proc/zoneinfo", "/proc/buddyinfo"] as const;
export const END_FILES = ["/proc/meminfo", "/proc/vmstat", "/proc/zoneinfo", "/proc/swaps"] as const;

/** "@start.meminfo" for /proc/meminfo. */
export function boundaryLabel(when: "start" | "end", path: string): string {
  return `@${when}.${path.replace(/^\/proc\//, "").replace(/\//g, ".")}`;
}

/**
 * Percent-encodes a value for the guest input: every byte outside 0x21-0x7e, and % = @ (so a
 * value never splits a line, a key=value pair or a console marker).
 */
export function encodeValue(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let out = "";
  for (const b of bytes) {
    if (b <= 0x20 || b >= 0x7f || b === 0x25 || b === 0x3d || b === 0x40) out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
    else out += String.fromCharCode(b);
  }
  return out;
}

/** The inverse of encodeValue (and of mmguest's sb_kv). Bad escapes are kept as they are. */
export function decodeValue(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else bytes.push(...new TextEncoder().encode(s[i]));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The 64 bits of a double as 16 hex digits (zipf's alpha goes to the guest exactly). */
export function doubleBits(x: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getUint32(0).toString(16).padStart(8, "0") + dv.getUint32(4).toString(16).padStart(8, "0");
}

export interface CompileOptions {
  /** The model's own decisions to repeat; without them a `duration:` touch is refused. */
  facts?: ModelFacts;
  /** The seed to run with (default the scenario's). */
  seed?: number;
  /**
   * Check only: a `duration:` touch without the model's count compiles with a count of 1 instead
   * of being refused (to find every other step the guest cannot run before the model has run).
   */
  checkOnly?: boolean;
}

interface Ctx {
  sc: Scenario;
  procs: GuestProcess[];
  byName: Map<string, number>;
  regions: Map<string, number>;
  disks: Map<string, GuestDisk>;
  lines: string[];
  stepCount: number;
  capCount: number;
  facts?: ModelFacts;
  checkOnly: boolean;
  notes: Set<string>;
}

function refuse(sc: Scenario, pos: SourcePos, field: string, detail: string): never {
  throw new NotValidatable(sc.file, pos.line, field, detail);
}

/** The machine to boot, from the scenario's `machine:` (the model's defaults where it says nothing). */
export function guestMachine(sc: Scenario): GuestMachine {
  const m = sc.machine;
  const memoryBytes = m.memory ?? (Array.isArray(m.nodes) ? m.nodes.reduce((a, n) => a + n.size, 0) : 512 * MiB);
  if (memoryBytes % MiB !== 0) refuse(sc, { line: 1, col: 1 }, "machine.memory", `QEMU takes whole MiB; ${memoryBytes} bytes is not`);
  let nodes: GuestMachine["nodes"];
  if (m.nodes !== undefined) {
    // As Machine.boot splits a node count: equal 2 MiB-aligned sizes, the rest on the last node.
    const raw = typeof m.nodes === "number" ? splitNodes(memoryBytes, m.nodes) : m.nodes.map((n) => ({ size: n.size, cpus: n.cpus }));
    const cpus0 = m.cpus ?? raw.length;
    nodes = raw.map((n, i) => ({ bytes: n.size, cpus: n.cpus ?? (i < cpus0 ? [i] : []) }));
    for (const n of nodes) if (n.bytes % MiB !== 0) refuse(sc, { line: 1, col: 1 }, "machine.nodes", `QEMU takes whole MiB per node; ${n.bytes} bytes is not`);
  }
  const cpus = m.cpus ?? (nodes ? nodes.length : 1);
  const cmdline: string[] = [];
  if (m.memmap !== undefined) refuse(sc, { line: 1, col: 1 }, "machine.memmap", "the guest has no nvdimm/dax modules (nd_e820, nd_pmem, dax_pmem, device_dax) in its initramfs yet");
  if (m.thp) cmdline.push(`transparent_hugepage=${m.thp}`);
  if (m.kernelcore !== undefined) cmdline.push(`kernelcore=${coreText(m.kernelcore)}`);
  if (m.movablecore !== undefined) cmdline.push(`movablecore=${coreText(m.movablecore)}`);
  return { memoryBytes, cpus, ...(nodes ? { nodes } : {}), ...(m.distance ? { distance: m.distance } : {}), cmdline };
}

function splitNodes(total: number, n: number): Array<{ size: number; cpus?: number[] }> {
  const each = Math.floor(total / n / (2 * MiB)) * 2 * MiB;
  return Array.from({ length: n }, (_, i) => ({ size: i === n - 1 ? total - each * (n - 1) : each }));
}

function coreText(v: string | number): string {
  return typeof v === "number" ? `${Math.floor(v / 1024)}K` : v;
}

/** Every process the run can create, in the order the guest declares them. */
function declareProcesses(sc: Scenario, seed: number, facts: ModelFacts | undefined): GuestProcess[] {
  const procs: GuestProcess[] = [];
  const forks: Array<{ name: string; parent: number; path: string }> = [];
  sc.processes.forEach((p, i) => procs.push({ index: i, name: p.name, parent: -1, seed: 0, path: p.path }));
  const walk = (steps: Step[], parent: number): void => {
    for (const s of steps) {
      if (s.kind !== "fork") continue;
      forks.push({ name: s.name, parent, path: s.path });
      walk(s.run, sc.processes.length + forks.length - 1);
    }
  };
  sc.processes.forEach((p, i) => walk(p.run, i));
  forks.forEach((f, k) => procs.push({ index: sc.processes.length + k, name: f.name, parent: f.parent, seed: 0, path: f.path }));
  // Seeds: the runner's seedRng hands one draw to each process as it is created: the top-level
  // ones first, in file order, then each fork's child when it forks.
  const seedRng = new Prng(seed ^ 0x5ce7a410);
  for (let i = 0; i < sc.processes.length; i++) procs[i].seed = seedRng.get_random_u32();
  const order = [...procs.slice(sc.processes.length)];
  if (facts) {
    const rank = new Map(facts.forkOrder.map((n, i) => [n, i]));
    order.sort((a, b) => (rank.get(a.name) ?? Infinity) - (rank.get(b.name) ?? Infinity) || a.index - b.index);
  }
  for (const p of order) p.seed = seedRng.get_random_u32();
  return procs;
}

/** Compiles a scenario for the guest, or throws NotValidatable naming the step it cannot run. */
export function compileScenario(sc: Scenario, opts: CompileOptions = {}): GuestPlan {
  const seed = opts.seed ?? sc.seed;
  const machine = guestMachine(sc);
  const procs = declareProcesses(sc, seed, opts.facts);
  if (procs.length > GUEST_LIMITS.processes) refuse(sc, { line: 1, col: 1 }, "processes", `the guest runs at most ${GUEST_LIMITS.processes} processes; this scenario creates ${procs.length}`);
  const byName = new Map(procs.map((p) => [p.name, p.index]));
  const ctx: Ctx = { sc, procs, byName, regions: new Map(), disks: new Map(), lines: [], stepCount: 0, capCount: 0, facts: opts.facts, checkOnly: opts.checkOnly ?? false, notes: new Set() };
  const head: string[] = [`mmguest ${GUEST_FORMAT_VERSION}`, `# ${sc.file}: ${sc.description.replace(/\s+/g, " ").slice(0, 200)}`, `scenario ${encodeValue(sc.name)}`, `limit ${sc.time_limit}`, `maxsleep ${GUEST_MAX_SLEEP_NS}`];
  const atStart = START_FILES.map((path) => ({ label: boundaryLabel("start", path), path }));
  const atEnd = END_FILES.map((path) => ({ label: boundaryLabel("end", path), path }));
  for (const a of atStart) head.push(`atstart ${encodeValue(a.label)} ${encodeValue(a.path)}`);
  for (const a of atEnd) head.push(`atend ${encodeValue(a.label)} ${encodeValue(a.path)}`);
  for (const [key, value] of Object.entries(sc.machine.sysctl ?? {})) {
    head.push(`sysctl ${encodeValue(sysctlPath(key))} ${encodeValue(Array.isArray(value) ? value.join(" ") : String(value))}`);
  }
  for (const d of sc.machine.disks ?? []) machineDisk(ctx, head, d);
  cgroupHead(sc, head);
  for (const p of procs) {
    const spec: ProcessSpec | undefined = p.parent < 0 ? sc.processes[p.index] : undefined;
    if (spec?.uid) refuse(sc, spec.pos, `${spec.path}.uid`, "the guest runs every process as root (no setuid in its step set yet)");
    if (spec?.cpu !== undefined) refuse(sc, spec.pos, `${spec.path}.cpu`, "the guest does not pin processes to CPUs (sched_setaffinity) yet");
    const cg = spec?.cgroup !== undefined && spec.cgroup !== "/" ? ` cg=${encodeValue(cgroupDir(spec.cgroup))}` : "";
    head.push(`proc ${p.index} ${encodeValue(p.name)} parent=${p.parent} start=${spec?.start ?? 0} adj=${spec?.oom_score_adj ?? 0} seed=${p.seed}${cg}`);
  }
  // Programs: each process's steps together, top-level ones then the forked ones.
  const programs: Array<{ index: number; steps: Step[]; touched: Set<number> }> = sc.processes.map((p, i) => ({ index: i, steps: p.run, touched: new Set() }));
  const forkPrograms: Step[][] = [];
  const collect = (steps: Step[]): void => {
    for (const s of steps) {
      if (s.kind === "fork") {
        forkPrograms.push(s.run);
        collect(s.run);
      }
    }
  };
  sc.processes.forEach((p) => collect(p.run));
  forkPrograms.forEach((steps, k) => programs.push({ index: sc.processes.length + k, steps, touched: new Set() }));
  let forkSeen = 0;
  const childOf = new Map<Step, number>();
  const number = (steps: Step[]): void => {
    for (const s of steps) {
      if (s.kind === "fork") {
        childOf.set(s, sc.processes.length + forkSeen++);
        number(s.run);
      }
    }
  };
  sc.processes.forEach((p) => number(p.run));
  for (const prog of programs) {
    for (const s of prog.steps) compileStep(ctx, prog.index, s, childOf, prog.touched);
  }
  if (ctx.stepCount > GUEST_LIMITS.steps) refuse(sc, { line: 1, col: 1 }, "processes", `the guest runs at most ${GUEST_LIMITS.steps} steps; this scenario has ${ctx.stepCount}`);
  if (ctx.capCount > GUEST_LIMITS.captures) refuse(sc, { line: 1, col: 1 }, "processes", `the guest takes at most ${GUEST_LIMITS.captures} captures; this scenario has ${ctx.capCount}`);
  if (sc.machine.initrd !== undefined) ctx.notes.add("machine.initrd: the guest's initramfs has its own size; the model boots with that size instead");
  const disks = [...ctx.disks.values()].sort((a, b) => (a.dev < b.dev ? -1 : 1));
  return { input: [...head, ...ctx.lines, "end", ""].join("\n"), machine, disks: fillDisks(disks), processes: procs, atStart, atEnd, notes: [...ctx.notes] };
}

/** Where cgroup2 is mounted in the guest, as on a systemd machine and in the realkernel harness. */
const CGROUP_ROOT = "/sys/fs/cgroup";

/** "/pod/app" → "/sys/fs/cgroup/pod/app". */
function cgroupDir(group: string): string {
  return group === "/" ? CGROUP_ROOT : `${CGROUP_ROOT}${group}`;
}

/**
 * The groups of `cgroups:` as the guest makes them before any process starts, in the model's
 * order (its cgroup set-up: mkdir -p, the memory controller enabled on the way, then the group's
 * files in order): `+memory` into the root's cgroup.subtree_control, then for each group each
 * missing directory, `+memory` into the subtree_control of each parent that gains a child, and
 * the group's files. A group that only holds processes gets no `+memory` of its own: cgroup v2's
 * "no internal processes" rule would refuse to move a process into it (EBUSY).
 */
function cgroupHead(sc: Scenario, head: string[]): void {
  if (sc.cgroups.length === 0) return;
  head.push(`sysctl ${encodeValue(`${CGROUP_ROOT}/cgroup.subtree_control`)} ${encodeValue("+memory")}`);
  const made = new Set<string>();
  const enabled = new Set<string>(["/"]);
  for (const g of sc.cgroups) {
    const parts = g.group.split("/").filter((x) => x !== "");
    for (let i = 1; i <= parts.length; i++) {
      const dir = "/" + parts.slice(0, i).join("/");
      const parent = i === 1 ? "/" : "/" + parts.slice(0, i - 1).join("/");
      if (!enabled.has(parent)) {
        head.push(`sysctl ${encodeValue(`${cgroupDir(parent)}/cgroup.subtree_control`)} ${encodeValue("+memory")}`);
        enabled.add(parent);
      }
      if (!made.has(dir)) {
        // mmguest keeps a sysctl's path in 127 bytes: a directory, "/", and memory.swap.high (16)
        if (new TextEncoder().encode(cgroupDir(dir)).length > 110) refuse(sc, g.pos, `${g.path}.path`, `the guest takes cgroup paths of at most ${110 - CGROUP_ROOT.length} bytes`);
        head.push(`mkdir ${encodeValue(cgroupDir(dir))}`);
        made.add(dir);
      }
    }
    for (const f of g.files) head.push(`sysctl ${encodeValue(`${cgroupDir(g.group)}/${f.name}`)} ${encodeValue(f.value)}`);
  }
}

/**
 * A disk of machine.disks: an image for QEMU (ext2 made with mke2fs -d, or blank), and the
 * device's queue settings written before the processes start, as the model's disk has them.
 */
function machineDisk(ctx: Ctx, head: string[], d: DiskSpec): void {
  const sc = ctx.sc;
  const dev = d.dev.slice(5);
  if (d.latency !== undefined) refuse(sc, d.pos, `${d.path}.latency`, "QEMU cannot give a virtio disk a fixed latency; leave latency out to validate");
  if (d.size % PAGE !== 0) refuse(sc, d.pos, `${d.path}.size`, "a disk must be a whole number of pages");
  if (d.fs === "ext2" && d.files.some((f) => f.path.length > 200)) refuse(sc, d.pos, `${d.path}.files`, "the guest's image builder takes file paths of at most 200 bytes");
  ctx.disks.set(dev, { dev, bytes: d.size, ...(d.bandwidth !== undefined ? { bandwidth: d.bandwidth } : {}), ...(d.fs === "ext2" ? { ext2: { ...(d.block_size !== undefined ? { blockSize: d.block_size } : {}), files: d.files } } : {}) });
  if (d.bandwidth !== undefined) ctx.notes.add(`${d.dev}: bandwidth is a QEMU throttle on the virtio disk (bps-total), not a device model`);
  if (d.read_ahead_kb !== undefined) head.push(`sysctl ${encodeValue(`/sys/block/${dev}/queue/read_ahead_kb`)} ${d.read_ahead_kb}`);
  if (d.rotational !== undefined) head.push(`sysctl ${encodeValue(`/sys/block/${dev}/queue/rotational`)} ${d.rotational ? 1 : 0}`);
  if (d.fs === "ext2") ctx.notes.add(`${d.dev}: an ext2 image made by mke2fs -d on this host, its files filled with non-zero bytes (mke2fs stores zero blocks as holes)`);
}

/** Disks must be vda, vdb, … without gaps (the kernel names them in probe order): unused letters get a 1 MiB disk. */
function fillDisks(disks: GuestDisk[]): GuestDisk[] {
  if (disks.length === 0) return [];
  const last = disks[disks.length - 1].dev.charCodeAt(2) - 97;
  const out: GuestDisk[] = [];
  for (let i = 0; i <= last; i++) {
    const dev = `vd${String.fromCharCode(97 + i)}`;
    out.push(disks.find((d) => d.dev === dev) ?? { dev, bytes: MiB });
  }
  return out;
}

function regionIndex(ctx: Ctx, s: Step, name: string): number {
  let r = ctx.regions.get(name);
  if (r === undefined) {
    r = ctx.regions.size;
    if (r >= GUEST_LIMITS.regions) refuse(ctx.sc, s.pos, `${s.path}.region`, `the guest keeps at most ${GUEST_LIMITS.regions} region names`);
    ctx.regions.set(name, r);
  }
  return r;
}

function compileStep(ctx: Ctx, proc: number, s: Step, childOf: Map<Step, number>, touched: Set<number>): void {
  const sc = ctx.sc;
  const path = s.path;
  const at = `at=${encodeValue(path)}${s.expect_error ? ` expect=${encodeValue(s.expect_error)}` : ""}`;
  const emit = (kind: string, rest: string): void => {
    ctx.lines.push(`step ${proc} ${kind} ${at}${rest ? " " + rest : ""}`);
    ctx.stepCount++;
    for (const c of s.capture ?? []) {
      if (c.label.startsWith("@")) refuse(sc, s.pos, `${path}.capture`, `labels starting with @ are the validation harness's own (@start.…, @end.…, @dmesg); rename "${c.label}"`);
      fits(c.label, GUEST_LIMITS.label, `${path}.capture.label`);
      fits(c.path, GUEST_LIMITS.path, `${path}.capture.path`);
      ctx.lines.push(`cap ${encodeValue(c.label)} ${encodeValue(c.path)}`);
      ctx.capCount++;
    }
  };
  /** mmguest keeps strings in fixed fields: refuse what would not fit, here rather than in the guest. */
  const fits = (v: string, max: number, field: string): void => {
    const n = new TextEncoder().encode(v).length;
    if (n > max) refuse(sc, s.pos, field, `the guest takes at most ${max} bytes here, not ${n}`);
  };
  const win = (r: { offset: number; length?: number }): string => `off=${r.offset}${r.length !== undefined ? ` len=${r.length}` : ""}`;
  switch (s.kind) {
    case "mmap": {
      let prot: number;
      let flags: number;
      try {
        prot = parseProt(s.prot);
        flags = parseMapFlags(s.flags);
      } catch (e) {
        refuse(sc, s.pos, `${path}.mmap`, e instanceof Error ? e.message : String(e));
      }
      if (s.file !== undefined) fits(s.file, GUEST_LIMITS.path, `${path}.mmap.file`);
      const file = s.file !== undefined ? ` file=${encodeValue(s.file)}${s.offset ? ` foff=${s.offset}` : ""}` : "";
      emit("mmap", `region=${regionIndex(ctx, s, s.name)} size=${s.size} prot=${prot} flags=${flags}${s.addr !== undefined ? ` addr=${s.addr}` : ""}${file}`);
      return;
    }
    case "munmap":
      emit("munmap", `region=${regionIndex(ctx, s, s.region)} ${win(s)}`);
      return;
    case "mprotect": {
      let prot: number;
      try {
        prot = parseProt(s.prot);
      } catch (e) {
        refuse(sc, s.pos, `${path}.mprotect.prot`, e instanceof Error ? e.message : String(e));
      }
      emit("mprotect", `region=${regionIndex(ctx, s, s.region)} ${win(s)} prot=${prot}`);
      return;
    }
    case "madvise": {
      let advice: number;
      try {
        advice = parseAdvice(s.advice);
      } catch (e) {
        refuse(sc, s.pos, `${path}.madvise.advice`, e instanceof Error ? e.message : String(e));
      }
      emit("madvise", `region=${regionIndex(ctx, s, s.region)} ${win(s)} advice=${advice}`);
      return;
    }
    case "mlock":
      emit("mlock", `region=${regionIndex(ctx, s, s.region)} ${win(s)} onfault=${s.on_fault ? 1 : 0}`);
      return;
    case "munlock":
      emit("munlock", `region=${regionIndex(ctx, s, s.region)} ${win(s)}`);
      return;
    case "mremap":
      emit("mremap", `region=${regionIndex(ctx, s, s.region)} size=${s.size} maymove=${s.may_move ? 1 : 0}`);
      return;
    case "brk":
      emit("brk", `grow=${s.grow}${s.name !== undefined ? ` region=${regionIndex(ctx, s, s.name)}` : ""}`);
      return;
    case "touch": {
      if (s.access === "exec") refuse(sc, s.pos, `${path}.touch.access`, "the guest cannot fetch instructions from the pages it touches (exec touches need code in them)");
      const region = regionIndex(ctx, s, s.region);
      const pattern = { sequential: 0, random: 1, stride: 2, zipf: 3 }[s.pattern.kind];
      const param = s.pattern.kind === "stride" ? String(s.pattern.stride) : s.pattern.kind === "zipf" ? doubleBits(s.pattern.alpha) : "0";
      let count: number;
      let repeat: number;
      let costPs: number;
      let firstPs = 0;
      if (s.duration !== undefined) {
        const n = ctx.facts?.touchAccesses.get(path) ?? (ctx.checkOnly ? 1 : undefined);
        if (n === undefined) {
          refuse(sc, s.pos, `${path}.touch.duration`, ctx.facts ? "the model never finished this touch, so how many accesses its duration holds is unknown" : "a touch for a duration needs the model's access count (mmsim validate runs the model first)");
        }
        count = n;
        repeat = 1;
        // the touch's virtual time is its duration, spread over its accesses
        costPs = n > 0 ? Math.floor((s.duration * 1000) / n) : 0;
        ctx.notes.add(`${path}: a touch for ${s.duration / 1e6} ms makes the model's ${n} accesses in the guest`);
      } else {
        count = s.count ?? 0; // 0: one per page of the window, as the runner's default
        repeat = s.repeat;
        costPs = COST.access_ns * 1000;
        // a first pass over pages this process has not touched takes a fault each
        if (!touched.has(region)) firstPs = COST.minor_fault_ns * 1000;
      }
      touched.add(region);
      emit("touch", `region=${region} ${win(s)} write=${s.access === "write" ? 1 : 0} pattern=${pattern} param=${param} count=${count} repeat=${repeat} ps=${costPs} firstps=${firstPs}`);
      return;
    }
    case "fork": {
      // The guest's fork line makes one child with its own command pipe; a loop is not in its step set.
      if (s.count > 1) refuse(sc, s.pos, `${path}.fork.count`, "a counted fork (count above 1) is not in the guest's step set yet");
      if (s.cpu !== undefined) refuse(sc, s.pos, `${path}.fork.cpu`, "the guest does not pin processes to CPUs (sched_setaffinity) yet");
      const child = childOf.get(s);
      if (child === undefined) refuse(sc, s.pos, `${path}.fork`, "internal: fork without a child");
      emit("fork", `child=${child}${s.oom_score_adj !== undefined ? ` adj=${s.oom_score_adj}` : ""}`);
      return;
    }
    case "exit":
      emit("exit", `code=${s.code}`);
      return;
    case "sleep":
      emit("sleep", `ns=${s.duration}`);
      return;
    case "oom_score_adj":
      emit("oom_score_adj", `value=${s.value}`);
      return;
    case "write":
      fits(s.file, GUEST_LIMITS.path, `${path}.write.path`);
      fits(s.value, GUEST_LIMITS.value, `${path}.write.value`);
      emit("write", `path=${encodeValue(s.file)} value=${encodeValue(s.value)}`);
      return;
    case "sysctl":
      fits(sysctlPath(s.key), GUEST_LIMITS.path, `${path}.sysctl`);
      fits(s.value, GUEST_LIMITS.value, `${path}.sysctl`);
      emit("write", `path=${encodeValue(sysctlPath(s.key))} value=${encodeValue(s.value)}`);
      return;
    case "capture_only":
      emit("nop", "");
      return;
    case "wait": {
      const target = ctx.byName.get(s.process);
      if (target === undefined) refuse(sc, s.pos, `${path}.wait`, `no process named "${s.process}"`);
      emit("wait", `proc=${target}`);
      return;
    }
    case "swapon": {
      const dev = s.file;
      const m = /^\/dev\/(vd[a-z])$/.exec(dev);
      if (s.type === "file") refuse(sc, s.pos, `${path}.swapon.type`, "the guest has no disk file system for a swap file yet (files come in a later issue); use a partition such as /dev/vda");
      if (!m) refuse(sc, s.pos, `${path}.swapon.path`, `the guest's swap areas are virtio disks /dev/vda … /dev/vdz, not ${dev}`);
      if (s.latency !== undefined) refuse(sc, s.pos, `${path}.swapon.latency`, "QEMU cannot give a virtio disk a fixed latency; leave latency out to validate");
      if (s.size % PAGE !== 0 || s.size < 40 * PAGE) refuse(sc, s.pos, `${path}.swapon.size`, "a swap disk must be a whole number of pages, at least 160 KiB");
      const old = ctx.disks.get(m[1]);
      if (old?.ext2 || sc.machine.disks?.some((d) => d.dev === dev)) refuse(sc, s.pos, `${path}.swapon.path`, `${dev} is a disk of machine.disks; the guest swaps to a disk of its own: use another /dev/vdX`);
      if (old && old.bytes !== s.size) refuse(sc, s.pos, `${path}.swapon.size`, `${dev} was used with another size before; the guest has one disk per name`);
      ctx.disks.set(m[1], { dev: m[1], bytes: s.size, ...(s.bandwidth !== undefined ? { bandwidth: s.bandwidth } : {}) });
      if (s.bandwidth !== undefined) ctx.notes.add(`${dev}: swap bandwidth is a QEMU throttle on the virtio disk (bps-total), not a device model`);
      emit("swapon", `path=${encodeValue(dev)} size=${s.size}${s.priority !== undefined ? ` prio=${s.priority}` : ""} rot=${s.rotational ? 1 : 0}`);
      return;
    }
    case "swapoff":
      emit("swapoff", `path=${encodeValue(s.file)}`);
      return;
    // ---- Files and the page cache (issue 14) ----
    case "mount": {
      fits(s.target, GUEST_LIMITS.path, `${path}.mount.path`);
      if (s.fstype === "ext2") {
        emit("mount", `path=${encodeValue(s.target)} type=1 dev=${encodeValue(s.source ?? "")} ro=${s.readonly ? 1 : 0}`);
        return;
      }
      const opts = [s.size !== undefined ? `size=${typeof s.size === "number" ? `${Math.ceil(s.size / 1024)}k` : s.size}` : "", s.nr_inodes !== undefined ? `nr_inodes=${s.nr_inodes}` : "", s.huge !== undefined ? `huge=${s.huge}` : ""].filter((o) => o !== "");
      emit("mount", `path=${encodeValue(s.target)} type=0${opts.length ? ` opts=${encodeValue(opts.join(","))}` : ""} ro=${s.readonly ? 1 : 0}`);
      return;
    }
    case "file": {
      fits(s.file, GUEST_LIMITS.path, `${path}.file.path`);
      if (s.bs > MiB && (s.op === "read" || s.op === "write" || s.op === "create")) refuse(sc, s.pos, `${path}.file.bs`, "the guest reads and writes through a buffer of bs bytes of its own memory: at most 1M to validate");
      const op = { create: 0, read: 1, write: 2, truncate: 3, unlink: 4, fadvise: 5, fsync: 6, fdatasync: 7 }[s.op];
      const advice = s.advice !== undefined ? { normal: 0, random: 1, sequential: 2, willneed: 3, dontneed: 4, noreuse: 5 }[s.advice] : 0;
      const pattern = { sequential: 0, random: 1, stride: 2, zipf: 3 }[s.pattern.kind];
      const param = s.pattern.kind === "stride" ? String(s.pattern.stride) : s.pattern.kind === "zipf" ? doubleBits(s.pattern.alpha) : "0";
      const first = s.op === "create" || s.op === "truncate" ? (s.size ?? 0) : s.offset;
      // Virtual time per call: the syscall and the copy of its pages (the disk's waits are not known here).
      const ps = (COST.syscall_ns + Math.ceil(s.bs / PAGE) * COST.file_page_ns) * 1000;
      if (s.bs > PAGE) ctx.notes.add(`${path}: the guest's ${s.bs / 1024} KiB read/write buffer is its own anonymous memory (the model's processes copy into none)`);
      emit(
        "file",
        `path=${encodeValue(s.file)} op=${op} off=${first}${s.length !== undefined ? ` len=${s.length}` : ""} bs=${s.bs} pattern=${pattern} param=${param} count=${s.count ?? 0} repeat=${s.op === "create" ? 1 : s.repeat} direct=${s.direct ? 1 : 0} advice=${advice} ps=${ps}`,
      );
      return;
    }
    case "drop_caches":
      emit("write", `path=${encodeValue("/proc/sys/vm/drop_caches")} value=${s.value}`);
      return;
    case "compact":
      emit("write", `path=${encodeValue(s.node === null ? "/proc/sys/vm/compact_memory" : `/sys/devices/system/node/node${s.node}/compact`)} value=1`);
      return;
    case "mkfiles":
      return refuse(sc, s.pos, s.path, "mkfiles is not in the guest's step set yet");
    case "sync":
      emit("sync", "");
      return;
    case "msync":
      emit("msync", `region=${regionIndex(ctx, s, s.region)} ${win(s)} flags=${parseMsyncFlags(s.flags)}`);
      return;
    case "shm":
      return refuse(sc, s.pos, s.path, "System V shared memory is not in the guest's step set yet");
    case "cgroup":
      // echo 0 > cgroup.procs: pid 0 moves the writer itself (cgroup_procs_write_start)
      fits(`${cgroupDir(s.group)}/cgroup.procs`, GUEST_LIMITS.path, `${path}.cgroup`);
      emit("write", `path=${encodeValue(`${cgroupDir(s.group)}/cgroup.procs`)} value=0`);
      return;
    case "kmalloc":
    case "kfree":
      return refuse(sc, s.pos, s.path, "a kernel allocation has no user-space equivalent a real guest could run");
    case "memfd": {
      const bits: Record<string, number> = { seal: 1, shrink: 2, grow: 4, write: 8, future_write: 16 };
      const seals = s.seals.split("|").reduce((a, w) => a | (bits[w.trim()] ?? 0), 0);
      emit("memfd", `region=${regionIndex(ctx, s, s.name)} name=${encodeValue(s.name)} size=${s.size} prot=${parseProt(s.prot)} flags=${parseMapFlags(s.flags)} seals=${seals} sealable=${s.seals ? 1 : 0}`);
      return;
    }
    // ---- end of files and the page cache ----
    case "userfaultfd":
    case "uffdio":
      return refuse(sc, s.pos, s.path, "userfaultfd (and its handler thread) is not in the guest's step set yet");
  }
}

/**
 * Reads the facts the guest must repeat from the model's run: how many accesses each duration
 * touch made (the runner's "touch" timeline entries, one per finished touch, in each process's
 * program order) and the order of forks.
 */
export function modelFacts(sc: Scenario, timeline: ReadonlyArray<{ who: string; event: string; text: string }>): ModelFacts {
  const touchAccesses = new Map<string, number>();
  const forkOrder: string[] = [];
  // each process's touch steps, in program order
  const touches = new Map<string, Step[]>();
  const walk = (name: string, steps: Step[]): void => {
    const list = touches.get(name) ?? [];
    touches.set(name, list);
    for (const s of steps) {
      if (s.kind === "touch") list.push(s);
      if (s.kind === "fork") walk(s.name, s.run);
    }
  };
  sc.processes.forEach((p) => walk(p.name, p.run));
  const seen = new Map<string, number>();
  for (const e of timeline) {
    const who = /^(.*)\[[^\]]*\]$/.exec(e.who)?.[1];
    if (who === undefined) continue;
    if (e.event === "touch") {
      const k = seen.get(who) ?? 0;
      seen.set(who, k + 1);
      const step = touches.get(who)?.[k];
      const n = /: (\d+) accesses,/.exec(e.text);
      if (step && n) touchAccesses.set(step.path, Number(n[1]));
    } else if (e.event === "fork") {
      const child = /fork → (.*)\[\d+\]:/.exec(e.text)?.[1];
      if (child !== undefined) forkOrder.push(child);
    }
  }
  return { touchAccesses, forkOrder };
}
