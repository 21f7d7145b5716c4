/**
 * A process's program: its list of steps, each read and checked in program order. Besides each
 * step's own arguments, cross-references are checked here: a step may only name a mapping its
 * process (or a parent before the fork) mapped earlier and has not unmapped since, a capture
 * label is used once in the file, a process name once, and nothing follows an exit.
 *
 * `parseStep` finds the step's action key and hands its arguments to the reader for that kind
 * (`STEP_READERS`); a new step kind is a line in schema.ts's STEP_KINDS, a reader here and a
 * case in steps.ts's execStep.
 */
import { errnoValues, KMALLOC_GFP_NAMES, parseAdvice, parseMapFlags, parseProt } from "../sim/index.js";

/** MAP_ANONYMOUS (include/uapi/asm-generic/mman-common.h). */
const MAP_ANONYMOUS = 0x20;
import {
  MAX_COUNT,
  MAX_DISK_FILES,
  MAX_DISK_SIZE,
  MAX_DISKS,
  MAX_FILE_SIZE,
  MAX_FORK_DEPTH,
  MAX_PROCESSES,
  MAX_PATH,
  MAX_CGROUP_DEPTH,
  MAX_REPEAT,
  MAX_SWAP_AREA,
  STEP_COMMON_KEYS,
  STEP_KINDS,
  TASK_SIZE,
  type CaptureSpec,
  type DiskSpec,
  type FileOp,
  type PatternSpec,
  type SourcePos,
  type Step,
} from "./schema.js";
import {
  bool,
  checkKeys,
  describe,
  duration,
  entries,
  fmtBytes,
  get,
  int,
  intList,
  isNull,
  join,
  num,
  oneOf,
  requireKey,
  scalarValue,
  size,
  str,
  suggest,
  type MapEntry,
  type N,
  type Reader,
} from "./yaml_reader.js";

const PAGE = 4096;
const STEP_NAMES = Object.keys(STEP_KINDS);
const STEP_LIST = STEP_NAMES.join(", ");
const STEP_WHAT = `a step (one of: ${STEP_LIST})`;
/** Steps that cannot fail with an errno, so expect_error makes no sense on them. */
const NO_ERRNO = new Set(["sleep", "capture", "wait", "exit", "touch"]);

/** A named mapping a process may refer to. */
interface Mapping {
  size: number;
  /** Where it was defined ("brk:" + path for a heap named by brk). */
  at: string;
}

/** Names defined across the file: processes (with where) and capture labels. */
export interface Names {
  processes: Map<string, string>;
  /** Processes the file makes so far, counted fork children included (bounded by MAX_PROCESSES). */
  nr_processes?: number;
  labels: Set<string>;
  /**
   * Sizes of the files the scenario knows of, by path, in the order the file is read (the
   * disks' files under their mounts, creates and truncates): only for the work estimate of a
   * read or write without a length, never to refuse a step.
   */
  files?: Map<string, number>;
  /** The machine's CPU count (machine.cpus, default 1): a process's or fork's `cpu` is below it. */
  cpus?: number;
  /** The groups `cgroups:` makes ("/hs", and each ancestor "/a" of "/a/b"), for cgroup: steps and keys. */
  cgroups?: Set<string>;
  /** The disks' files by device ("/dev/vda" → path in the filesystem → size). */
  diskFiles?: Map<string, Map<string, number>>;
}

/** What a program may refer to at this point of it. */
export interface ProgCtx {
  maps: Map<string, Mapping>;
  /** Names unmapped, with where: a later use says so. */
  gone?: Map<string, string>;
  names: Names;
  /** Set once the program has an unconditional exit: later steps never run. */
  exitedAt?: string;
  /** How many processes run this program: the product of the counts of the forks around it (1 at top level). */
  copies?: number;
}

/** A `sysctl:` step's or `machine.sysctl`'s names: dotted (or slashed) lower-case words, with - and _ as /proc/sys has them (vm.page-cluster). */
export const SYSCTL_NAME = /^[a-z_][a-z0-9_-]*([./][a-z0-9_-]+)+$/;

/** `capture:`'s value: one {label, path} or a list of them. */
export function parseCaptures(r: Reader, node: N, path: string, names: Names): CaptureSpec[] {
  const n = r.deref(node);
  const items: Array<[N, string]> = n !== null && n.kind === "seq" ? n.items.map((it, i) => [it, `${path}[${i}]`]) : [[n, path]];
  if (items.length === 0) r.fail(n, path, "expected at least one {label, path}");
  return items.map(([it, ip]) => {
    const es = entries(r, it, ip, "{label, path}");
    checkKeys(r, es, ["label", "path"], ip, "capture");
    const labelE = requireKey(r, es, "label", it, ip);
    const label = str(r, labelE.value, `${ip}.label`);
    if (names.labels.has(label)) r.fail(labelE.value, `${ip}.label`, `label "${label}" is already used by another capture`);
    names.labels.add(label);
    const pathE = requireKey(r, es, "path", it, ip);
    const file = str(r, pathE.value, `${ip}.path`);
    if (!/^\/(proc|sys)\//.test(file)) r.fail(pathE.value, `${ip}.path`, `only /proc and /sys files can be captured, got "${file}"`);
    return { label, path: file };
  });
}

/** A sysctl value: a number, text, true/false (1/0) or a list of numbers. */
export function sysctlValue(r: Reader, node: N, path: string): string | number | number[] {
  const n = r.deref(node);
  if (n !== null && n.kind === "seq") return intList(r, n, path, -(2 ** 53), 2 ** 53);
  const v = scalarValue(r, n);
  if (typeof v === "number") return v;
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return r.fail(node, path, `expected a value to write, got ${describe(r, node)}`);
}

/** region: (+ offset:, length:) naming a mapping the program holds now. */
function regionRef(r: Reader, es: MapEntry[], node: N, path: string, ctx: ProgCtx): { region: string; offset: number; length?: number; m: Mapping } {
  const re = requireKey(r, es, "region", node, path);
  const region = str(r, re.value, `${path}.region`);
  const m = ctx.maps.get(region);
  if (!m) {
    const goneAt = ctx.gone?.get(region);
    if (goneAt) r.fail(re.value, `${path}.region`, `mapping "${region}" was unmapped at ${goneAt}`);
    const known = [...ctx.maps.keys()];
    return r.fail(re.value, `${path}.region`, `no mapping named "${region}"${suggest(region, known)}${known.length ? ` (mapped here: ${known.join(", ")})` : " (this process has mapped nothing by name yet)"}`);
  }
  const oe = get(es, "offset");
  const offset = oe ? size(r, oe.value, `${path}.offset`, TASK_SIZE, { allowZero: true, pageMultiple: true }) : 0;
  const le = get(es, "length");
  const length = le ? size(r, le.value, `${path}.length`, TASK_SIZE) : undefined;
  if (offset >= m.size) r.fail(oe?.value ?? null, `${path}.offset`, `offset ${fmtBytes(offset)} is past the end of mapping "${region}" (${fmtBytes(m.size)})`);
  if (length !== undefined && offset + length > m.size) {
    r.fail(le?.value ?? null, `${path}.length`, `offset ${fmtBytes(offset)} + length ${fmtBytes(length)} is past the end of mapping "${region}" (${fmtBytes(m.size)})`);
  }
  return { region, offset, length, m };
}

function parsePattern(r: Reader, es: MapEntry[], path: string): PatternSpec {
  const pe = get(es, "pattern");
  const kind = pe ? oneOf(r, pe.value, `${path}.pattern`, ["sequential", "random", "stride", "zipf"] as const) : "sequential";
  const se = get(es, "stride");
  const ae = get(es, "alpha");
  if (se && kind !== "stride") r.fail(se.keyNode, `${path}.stride`, `stride only applies to pattern: stride (this touch is ${kind})`);
  if (ae && kind !== "zipf") r.fail(ae.keyNode, `${path}.alpha`, `alpha only applies to pattern: zipf (this touch is ${kind})`);
  if (kind === "stride") {
    if (!se) return r.fail(pe?.value ?? null, `${path}.stride`, "missing (required by pattern: stride)");
    return { kind, stride: size(r, se.value, `${path}.stride`, 2 ** 40, { pageMultiple: true }) };
  }
  if (kind === "zipf") return { kind, alpha: ae ? num(r, ae.value, `${path}.alpha`, 0, 10, true) : 1 };
  return { kind };
}

/** What a step reader gets: the step's action and where it is, and the program's state. */
interface StepInput {
  r: Reader;
  /** The action entry (`mmap: {…}`). */
  a: MapEntry;
  /** "processes[0].run[3]" and "processes[0].run[3].mmap". */
  path: string;
  ap: string;
  /** Where the action key sits. */
  pos: SourcePos;
  /** The step's expect_error, if it has one. */
  expectError: string | undefined;
  ctx: ProgCtx;
  depth: number;
}

/**
 * The step with its expect_error, when it has one. Each reader builds its step as one object
 * literal (no object spread, no Object.assign), so steps of a kind share one hidden class with
 * their fields in the object: a spread copy made a hidden class per step (5 MiB of V8 maps for
 * 24,000 steps). The file of write, swapon and swapoff steps (YAML `path:`) is their `file`
 * field, so the step's own `path` stays its place in the scenario.
 */
function fin(x: Pick<StepInput, "expectError">, step: Step): Step {
  if (x.expectError !== undefined) step.expect_error = x.expectError;
  return step;
}

/** An mmap step with its fixed address, if it has one. */
function withAddr(step: Step, addr: number | undefined): Step {
  if (addr !== undefined && step.kind === "mmap") step.addr = addr;
  return step;
}

/** The action's arguments as a mapping, checked against its known and required keys. */
function body(x: StepInput, allowed: readonly string[]): MapEntry[] {
  const { r, a, ap } = x;
  const b = entries(r, a.value, ap, `${a.key}'s arguments as a mapping (${allowed.join(", ")})`);
  checkKeys(r, b, allowed, ap, a.key);
  for (const req of STEP_KINDS[a.key].required) requireKey(r, b, req, a.value, ap);
  return b;
}

/** An entry body() has already required. */
function must(b: MapEntry[], key: string): MapEntry {
  return get(b, key) as MapEntry;
}

/** A prot: or flags: or advice: string the Process API would accept. */
function checked(r: Reader, e: MapEntry | undefined, path: string, text: string, parse: (s: string) => number): string {
  try {
    parse(text);
  } catch (err) {
    r.fail(e?.value ?? null, path, (err as Error).message);
  }
  return text;
}

function readMmap(x: StepInput): Step {
  const { r, ap, ctx, path } = x;
  const b = body(x, STEP_KINDS.mmap.keys);
  const ne = must(b, "name");
  const name = str(r, ne.value, `${ap}.name`);
  const sz = size(r, must(b, "size").value, `${ap}.size`, TASK_SIZE);
  const pe = get(b, "prot");
  const prot = checked(r, pe, `${ap}.prot`, pe ? str(r, pe.value, `${ap}.prot`) : "rw", parseProt);
  const fe = get(b, "flags");
  const fileE = get(b, "file");
  const file = fileE ? absPath(r, fileE.value, `${ap}.file`) : undefined;
  const flags = checked(r, fe, `${ap}.flags`, fe ? str(r, fe.value, `${ap}.flags`) : file !== undefined ? "shared" : "private|anonymous", parseMapFlags);
  const anon = (parseMapFlags(flags) & MAP_ANONYMOUS) !== 0;
  if (file === undefined && !anon) r.fail(fe?.value ?? null, `${ap}.flags`, "a mapping without anonymous in its flags maps a file: give it with file: PATH");
  if (file !== undefined && anon) r.fail(fe?.value ?? null, `${ap}.flags`, `a mapping of file ${file} cannot be anonymous: use shared or private`);
  const offE = get(b, "offset");
  if (offE && file === undefined) r.fail(offE.keyNode, `${ap}.offset`, "offset only applies to a file mapping (file: PATH)");
  const fileOffset = offE ? size(r, offE.value, `${ap}.offset`, MAX_FILE_SIZE, { allowZero: true, pageMultiple: true }) : undefined;
  const xe = get(b, "addr");
  const addr = xe ? size(r, xe.value, `${ap}.addr`, TASK_SIZE, { pageMultiple: true }) : undefined;
  const expectFail = x.expectError !== undefined;
  if (ctx.maps.has(name) && !expectFail) r.fail(ne.value, `${ap}.name`, `a mapping named "${name}" already exists (mapped at ${ctx.maps.get(name)?.at}); unmap it first or pick another name`);
  if (!expectFail) {
    ctx.maps.set(name, { size: sz, at: path });
    ctx.gone?.delete(name);
  }
  const step = withAddr(fin(x, { pos: x.pos, path: x.path, kind: "mmap", name, size: sz, prot, flags }), addr);
  if (file !== undefined && step.kind === "mmap") {
    step.file = file;
    if (fileOffset !== undefined) step.offset = fileOffset;
  }
  return step;
}

function readUnmapOrUnlock(x: StepInput): Step {
  const { r, a, ap, ctx, path } = x;
  const kind = a.key as "munmap" | "munlock";
  const b = body(x, STEP_KINDS[kind].keys);
  const rr = regionRef(r, b, a.value, ap, ctx);
  if (kind === "munmap" && rr.offset === 0 && (rr.length === undefined || rr.length >= rr.m.size) && x.expectError === undefined) {
    ctx.maps.delete(rr.region);
    (ctx.gone ??= new Map()).set(rr.region, path);
  }
  return fin(x, { pos: x.pos, path: x.path, kind, region: rr.region, offset: rr.offset, length: rr.length });
}

/** A region and one required word the Process API must accept: mprotect's prot, madvise's advice. */
function regionAndWord(x: StepInput, key: string, parse: (s: string) => number): { rr: ReturnType<typeof regionRef>; word: string } {
  const { r, a, ap, ctx } = x;
  const b = body(x, STEP_KINDS[a.key].keys);
  const rr = regionRef(r, b, a.value, ap, ctx);
  const e = must(b, key);
  return { rr, word: checked(r, e, `${ap}.${key}`, str(r, e.value, `${ap}.${key}`), parse) };
}

function readMprotect(x: StepInput): Step {
  const { rr, word } = regionAndWord(x, "prot", parseProt);
  return fin(x, { pos: x.pos, path: x.path, kind: "mprotect", region: rr.region, offset: rr.offset, length: rr.length, prot: word });
}

function readMremap(x: StepInput): Step {
  const { r, a, ap, ctx, path } = x;
  const b = body(x, STEP_KINDS.mremap.keys);
  const rr = regionRef(r, b, a.value, ap, ctx);
  const sz = size(r, must(b, "size").value, `${ap}.size`, TASK_SIZE);
  const me = get(b, "may_move");
  const mayMove = me ? bool(r, me.value, `${ap}.may_move`) : false;
  if (x.expectError === undefined) ctx.maps.set(rr.region, { size: sz, at: path });
  return fin(x, { pos: x.pos, path: x.path, kind: "mremap", region: rr.region, size: sz, may_move: mayMove });
}

function readBrk(x: StepInput): Step {
  const { r, ap, ctx, path } = x;
  const b = body(x, STEP_KINDS.brk.keys);
  const grow = size(r, must(b, "grow").value, `${ap}.grow`, TASK_SIZE, { pageMultiple: false });
  const ne = get(b, "name");
  const name = ne ? str(r, ne.value, `${ap}.name`) : undefined;
  if (name) {
    const prev = ctx.maps.get(name);
    if (prev && !prev.at.startsWith("brk:")) r.fail(ne?.value ?? null, `${ap}.name`, `a mapping named "${name}" already exists (mapped at ${prev.at})`);
    // The heap grows from the initial break: the named region is everything brk added so far.
    if (x.expectError === undefined) ctx.maps.set(name, { size: (prev?.size ?? 0) + Math.ceil(grow / PAGE) * PAGE, at: `brk:${path}` });
  }
  const step = fin(x, { pos: x.pos, path: x.path, kind: "brk", grow });
  if (name && step.kind === "brk") step.name = name;
  return step;
}

function readMadvise(x: StepInput): Step {
  const { rr, word } = regionAndWord(x, "advice", parseAdvice);
  return fin(x, { pos: x.pos, path: x.path, kind: "madvise", region: rr.region, offset: rr.offset, length: rr.length, advice: word });
}

function readMlock(x: StepInput): Step {
  const { r, a, ap, ctx } = x;
  const b = body(x, STEP_KINDS.mlock.keys);
  const rr = regionRef(r, b, a.value, ap, ctx);
  const oe = get(b, "on_fault");
  return fin(x, { pos: x.pos, path: x.path, kind: "mlock", region: rr.region, offset: rr.offset, length: rr.length, on_fault: oe ? bool(r, oe.value, `${ap}.on_fault`) : false });
}

function readTouch(x: StepInput): Step {
  const { r, a, ap, ctx } = x;
  const b = body(x, STEP_KINDS.touch.keys);
  const rr = regionRef(r, b, a.value, ap, ctx);
  const xe = get(b, "access");
  const access = xe ? oneOf(r, xe.value, `${ap}.access`, ["read", "write", "exec"] as const) : "write";
  const pattern = parsePattern(r, b, ap);
  const ce = get(b, "count");
  const count = ce ? int(r, ce.value, `${ap}.count`, 1, MAX_COUNT) : undefined;
  const re = get(b, "repeat");
  const de = get(b, "duration");
  if (re && de) r.fail(de.keyNode, `${ap}.duration`, "give either repeat or duration, not both");
  const repeat = re ? int(r, re.value, `${ap}.repeat`, 1, MAX_REPEAT) : 1;
  const dur = de ? duration(r, de.value, `${ap}.duration`) : undefined;
  if (dur === 0) r.fail(de?.value ?? null, `${ap}.duration`, "duration must be more than 0");
  const windowPages = Math.ceil((rr.length ?? rr.m.size - rr.offset) / PAGE);
  const step = fin(x, { pos: x.pos, path: x.path, kind: "touch", region: rr.region, offset: rr.offset, length: rr.length, access, pattern, count, repeat, window_pages: windowPages });
  if (dur !== undefined && step.kind === "touch") step.duration = dur;
  return step;
}

function readFork(x: StepInput): Step {
  const { r, a, ap, ctx, path } = x;
  if (x.depth >= MAX_FORK_DEPTH) r.fail(a.keyNode, ap, `forks nest at most ${MAX_FORK_DEPTH} deep`);
  const b = body(x, STEP_KINDS.fork.keys);
  const ne = must(b, "name");
  const name = str(r, ne.value, `${ap}.name`);
  claimProcessName(r, ctx.names, name, ne.value, `${ap}.name`, path);
  const ce = get(b, "count");
  const count = ce ? int(r, ce.value, `${ap}.count`, 1, MAX_PROCESSES) : 1;
  // Every copy of this program forks `count` children: the file's processes stay bounded.
  const copies = (ctx.copies ?? 1) * count;
  const names = ctx.names;
  names.nr_processes = (names.nr_processes ?? 0) + copies;
  if (names.nr_processes > MAX_PROCESSES) {
    r.fail(ce?.value ?? ne.value, ce ? `${ap}.count` : `${ap}.name`, `the scenario would make ${names.nr_processes} processes (its forks' counts multiply when they nest); at most ${MAX_PROCESSES}`);
  }
  const oe = get(b, "oom_score_adj");
  const adj = oe ? int(r, oe.value, `${ap}.oom_score_adj`, -1000, 1000) : undefined;
  const cpe = get(b, "cpu");
  const cpu = cpe ? int(r, cpe.value, `${ap}.cpu`, 0, (ctx.names.cpus ?? 1) - 1) : undefined;
  const re = get(b, "run");
  // The child starts with a copy of the parent's address space: the same names.
  const childCtx: ProgCtx = { maps: new Map(ctx.maps), names: ctx.names, gone: new Map(ctx.gone), copies };
  const run = re ? parseProgram(r, re.value, `${ap}.run`, childCtx, x.depth + 1) : [];
  const step = fin(x, { pos: x.pos, path: x.path, kind: "fork", name, count, run });
  if (adj !== undefined && step.kind === "fork") step.oom_score_adj = adj;
  if (cpu !== undefined && step.kind === "fork") step.cpu = cpu;
  return step;
}

function readExit(x: StepInput): Step {
  const { r, a, ap, ctx, path } = x;
  let code = 0;
  const v = r.deref(a.value);
  if (v !== null && v.kind === "map") {
    const c = get(body(x, ["code"]), "code");
    if (c) code = int(r, c.value, `${ap}.code`, 0, 255);
  } else if (!isNull(r, v)) code = int(r, v, ap, 0, 255);
  ctx.exitedAt = path;
  return fin(x, { pos: x.pos, path: x.path, kind: "exit", code });
}

function readSleep(x: StepInput): Step {
  if (isNull(x.r, x.a.value)) x.r.fail(x.a.keyNode, x.ap, "sleep needs a duration: sleep: 10ms");
  return fin(x, { pos: x.pos, path: x.path, kind: "sleep", duration: duration(x.r, x.a.value, x.ap) });
}

function readOomScoreAdj(x: StepInput): Step {
  return fin(x, { pos: x.pos, path: x.path, kind: "oom_score_adj", value: int(x.r, x.a.value, x.ap, -1000, 1000) });
}

function readWrite(x: StepInput): Step {
  const { r, ap } = x;
  const b = body(x, STEP_KINDS.write.keys);
  const pe = must(b, "path");
  const file = str(r, pe.value, `${ap}.path`);
  if (!/^\/(proc|sys)\//.test(file)) r.fail(pe.value, `${ap}.path`, `only /proc and /sys files can be written, got "${file}"`);
  const ve = must(b, "value");
  const v = scalarValue(r, ve.value);
  if (typeof v !== "string" && typeof v !== "number") r.fail(ve.value, `${ap}.value`, `expected text or a number to write, got ${describe(r, ve.value)}`);
  return fin(x, { pos: x.pos, path: x.path, kind: "write", file, value: String(v) });
}

function readWait(x: StepInput): Step {
  return fin(x, { pos: x.pos, path: x.path, kind: "wait", process: str(x.r, x.a.value, x.ap) });
}

function readSwapon(x: StepInput): Step {
  const { r, ap } = x;
  const b = body(x, STEP_KINDS.swapon.keys);
  const pe = must(b, "path");
  const dev = str(r, pe.value, `${ap}.path`);
  if (!dev.startsWith("/")) r.fail(pe.value, `${ap}.path`, `expected an absolute path such as /dev/vda or /swapfile, got "${dev}"`);
  const se = must(b, "size");
  const sz = size(r, se.value, `${ap}.size`, MAX_SWAP_AREA);
  if (sz < 10 * PAGE) r.fail(se.value, `${ap}.size`, "a swap area needs at least 10 pages (40K), as mkswap says");
  const pre = get(b, "priority");
  const te = get(b, "type");
  const ro = get(b, "rotational");
  const le = get(b, "latency");
  const be = get(b, "bandwidth");
  const bw = be ? size(r, be.value, `${ap}.bandwidth`, 2 ** 50) : undefined;
  const type = te ? oneOf(r, te.value, `${ap}.type`, ["partition", "file"] as const) : "partition";
  const rotational = ro ? bool(r, ro.value, `${ap}.rotational`) : true;
  const priority = pre ? int(r, pre.value, `${ap}.priority`, 0, 32767) : undefined;
  const latency = le ? duration(r, le.value, `${ap}.latency`) : undefined;
  const step = fin(x, { pos: x.pos, path: x.path, kind: "swapon", file: dev, size: sz, type, rotational });
  if (step.kind === "swapon") {
    if (priority !== undefined) step.priority = priority;
    if (latency !== undefined) step.latency = latency;
    if (bw !== undefined) step.bandwidth = bw;
  }
  return step;
}

function readSwapoff(x: StepInput): Step {
  const dev = str(x.r, x.a.value, x.ap);
  if (!dev.startsWith("/")) x.r.fail(x.a.value, x.ap, `expected the swap area's path such as /dev/vda, got "${dev}"`);
  return fin(x, { pos: x.pos, path: x.path, kind: "swapoff", file: dev });
}

/**
 * A group path as `cgroups:`, a process's `cgroup:` and the cgroup step write it: "/" or
 * "/name/…" under /sys/fs/cgroup, each name one directory (no "." or "..", no NUL or newline,
 * at most 255 bytes, kernfs's NAME_MAX), at most MAX_CGROUP_DEPTH deep.
 */
export function cgroupPath(r: Reader, node: N, path: string): string {
  const p = str(r, node, path);
  if (!p.startsWith("/")) r.fail(node, path, `expected a group path under /sys/fs/cgroup such as /hs, got "${p}"`);
  if (p === "/") return p;
  const segs = p.slice(1).split("/");
  if (segs.length > MAX_CGROUP_DEPTH) r.fail(node, path, `a group is at most ${MAX_CGROUP_DEPTH} levels deep`);
  for (const c of segs) {
    if (c === "" || c === "." || c === "..") r.fail(node, path, `"${p}" has an empty, "." or ".." component: write each group's name`);
    if (/[\n\0]/.test(c)) r.fail(node, path, "a group's name cannot hold a newline or a NUL byte");
    if (c.length > 255) r.fail(node, path, "a group's name is at most 255 bytes");
  }
  return p;
}

/** The group of a cgroup step or a process's cgroup: key: the root, or one `cgroups:` makes. */
export function knownCgroup(r: Reader, node: N, path: string, names: Names): string {
  const g = cgroupPath(r, node, path);
  if (g === "/" || names.cgroups?.has(g)) return g;
  const known = [...(names.cgroups ?? [])];
  return r.fail(node, path, `no group "${g}" in cgroups:${suggest(g, known)}${known.length ? ` (groups: ${known.join(", ")})` : " (declare it in the top-level cgroups: list)"}`);
}

function readCgroup(x: StepInput): Step {
  return fin(x, { pos: x.pos, path: x.path, kind: "cgroup", group: knownCgroup(x.r, x.a.value, x.ap, x.ctx.names) });
}

/** The reader of each step kind that is one step (sysctl and capture are read in parseStep). */
const STEP_READERS: Record<string, (x: StepInput) => Step> = {
  mmap: readMmap,
  munmap: readUnmapOrUnlock,
  munlock: readUnmapOrUnlock,
  mprotect: readMprotect,
  mremap: readMremap,
  brk: readBrk,
  madvise: readMadvise,
  mlock: readMlock,
  touch: readTouch,
  fork: readFork,
  exit: readExit,
  sleep: readSleep,
  oom_score_adj: readOomScoreAdj,
  write: readWrite,
  wait: readWait,
  swapon: readSwapon,
  swapoff: readSwapoff,
  mount: readMount,
  file: readFile,
  drop_caches: readDropCaches,
  sync: readSync,
  msync: readMsync,
  compact: readCompact,
  kmalloc: readKmalloc,
  kfree: readKfree,
  mkfiles: readMkfiles,
  memfd: readMemfd,
  userfaultfd: readUserfaultfd,
  uffdio: readUffdio,
  cgroup: readCgroup,
  shm: readShm,
};

/** The action of a step: its one key that names a step kind (capture: beside another is a modifier). */
function actionOf(r: Reader, es: MapEntry[], node: N, path: string): MapEntry {
  let actions = es.filter((e) => STEP_KINDS[e.key] !== undefined);
  if (actions.length > 1 && actions.some((e) => e.key === "capture")) actions = actions.filter((e) => e.key !== "capture");
  for (const e of es) {
    if (STEP_KINDS[e.key] === undefined && !(STEP_COMMON_KEYS as readonly string[]).includes(e.key)) {
      const hint = e.key === "expect" ? "; expectations go in the top-level expect: list" : suggest(e.key, [...STEP_NAMES, ...STEP_COMMON_KEYS]);
      r.fail(e.keyNode, join(path, e.key), `unknown step${hint}; steps are: ${STEP_LIST}`);
    }
  }
  if (actions.length === 0) r.fail(node, path, `no action in this step: expected one of ${STEP_LIST}`);
  if (actions.length > 1) r.fail(actions[1].keyNode, join(path, actions[1].key), `one action per step: "${actions[0].key}" and "${actions[1].key}" must be separate list items`);
  return actions[0];
}

/** `expect_error:` of a step: a known errno, on a step that can fail with one. */
function expectErrorOf(r: Reader, es: MapEntry[], action: string, path: string): string | undefined {
  const ee = get(es, "expect_error");
  if (!ee) return undefined;
  const v = str(r, ee.value, join(path, "expect_error"));
  if (!(v in errnoValues)) r.fail(ee.value, join(path, "expect_error"), `unknown errno "${v}"${suggest(v, Object.keys(errnoValues))}`);
  if (NO_ERRNO.has(action)) {
    const why = action === "touch" ? "touch does not fail with an errno (a bad access kills the process: expect state: killed)" : `${action} does not fail with an errno`;
    r.fail(ee.keyNode, join(path, "expect_error"), why);
  }
  return v;
}

/** One list item of a program: one step, or several for a sysctl: with several names. */
export function parseStep(r: Reader, node: N, path: string, ctx: ProgCtx, depth: number): Step[] {
  node = r.deref(node);
  if (ctx.exitedAt) r.fail(node, path, `step after the exit at ${ctx.exitedAt}: an exited process runs nothing more`);
  // `- exit` alone is a step too.
  if (node !== null && node.kind === "scalar" && typeof node.value === "string") {
    if (node.value === "wait") r.fail(node, path, "wait needs a process name: wait: NAME");
    if (node.value === "exit") {
      ctx.exitedAt = path;
      return [{ kind: "exit", code: 0, pos: r.pos(node), path }];
    }
    if (node.value === "sync") return [{ kind: "sync", pos: r.pos(node), path }];
    if (STEP_KINDS[node.value]) r.fail(node, path, `step "${node.value}" needs arguments: write ${node.value}: …`);
  }
  const es = entries(r, node, path, STEP_WHAT);
  const a = actionOf(r, es, node, path);
  const ap = join(path, a.key);
  const expectError = expectErrorOf(r, es, a.key, path);
  const ce = a.key === "capture" ? undefined : get(es, "capture");
  if (ce && a.key === "exit") r.fail(ce.keyNode, join(path, "capture"), "an exited process reads no files: capture from another process (after wait)");
  const x: StepInput = { r, a, path, ap, pos: r.pos(a.keyNode), expectError, ctx, depth };
  if (a.key === "capture") {
    const step = fin(x, { pos: x.pos, path: x.path, kind: "capture_only" });
    step.capture = parseCaptures(r, a.value, ap, ctx.names);
    return [step];
  }
  if (a.key === "sysctl") {
    const b = entries(r, a.value, ap, "a mapping of sysctl names to values");
    if (b.length === 0) r.fail(a.value, ap, "expected at least one sysctl");
    const out: Step[] = b.map((s) => {
      const sp = `${ap}.${s.key}`;
      if (!SYSCTL_NAME.test(s.key)) r.fail(s.keyNode, sp, "not a sysctl name: expected a dotted name such as vm.swappiness");
      const v = sysctlValue(r, s.value, sp);
      return fin(x, { pos: r.pos(s.keyNode), path, kind: "sysctl", key: s.key, value: Array.isArray(v) ? v.join(" ") : String(v) });
    });
    if (ce) out[out.length - 1].capture = parseCaptures(r, ce.value, join(path, "capture"), ctx.names);
    return out;
  }
  const step = STEP_READERS[a.key](x);
  if (ce) step.capture = parseCaptures(r, ce.value, join(path, "capture"), ctx.names);
  return [step];
}

/** A process name, which becomes its comm: unique in the file. */
export function claimProcessName(r: Reader, names: Names, name: string, node: N, path: string, at: string): void {
  if (!/^[A-Za-z0-9_.+-]{1,15}$/.test(name)) r.fail(node, path, `process name "${name}" must be 1 to 15 letters, digits or _.+- (it becomes the task's comm)`);
  const prev = names.processes.get(name);
  if (prev !== undefined) r.fail(node, path, `process name "${name}" is already used at ${prev}`);
  names.processes.set(name, at);
}

/** A `run:` list. */
export function parseProgram(r: Reader, node: N, path: string, ctx: ProgCtx, depth: number): Step[] {
  const n = r.deref(node);
  if (isNull(r, n)) return [];
  if (n === null || n.kind !== "seq") return r.fail(n, path, `expected a list of steps, got ${describe(r, n)}`);
  const out: Step[] = [];
  for (let i = 0; i < n.items.length; i++) {
    const steps = parseStep(r, n.items[i], `${path}[${i}]`, ctx, depth);
    for (const s of steps) out.push(s);
  }
  return out;
}

// ---- Files and the page cache (issue 14): machine disks, mount, file, drop_caches ----------

/** An absolute path of at most MAX_PATH bytes, no NUL, no empty or ".." components. */
function absPath(r: Reader, node: N, path: string): string {
  const p = str(r, node, path);
  if (!p.startsWith("/")) r.fail(node, path, `expected an absolute path such as /mnt/t/data, got "${p}"`);
  if (p.length > MAX_PATH) r.fail(node, path, `a path is at most ${MAX_PATH} bytes`);
  if (p.includes("\0")) r.fail(node, path, "a path cannot hold a NUL byte");
  if (p.split("/").some((c) => c === "..")) r.fail(node, path, `".." is not allowed in a scenario's paths: write the path out`);
  return p.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
}

/** The disk paths the guest and the model both name disks with: /dev/vda … /dev/vdz. */
const DISK_PATH = /^\/dev\/vd[a-z]$/;

/** `machine.disks`: the virtio disks attached at boot, each possibly an ext2 filesystem with files. */
export function parseDisks(r: Reader, node: N, path: string, names: Names): DiskSpec[] {
  const n = r.deref(node);
  if (n === null || n.kind !== "seq") return r.fail(n, path, `expected a list of disks ({path, size, …}), got ${describe(r, n)}`);
  if (n.items.length > MAX_DISKS) r.fail(n, path, `at most ${MAX_DISKS} disks (/dev/vda to /dev/vdz)`);
  const seen = new Set<string>();
  names.diskFiles ??= new Map();
  return n.items.map((it, i) => {
    const ip = `${path}[${i}]`;
    const es = entries(r, it, ip, "a disk {path, size, …}");
    checkKeys(r, es, ["path", "size", "latency", "bandwidth", "rotational", "read_ahead_kb", "fs", "block_size", "files"], ip, "a disk");
    const pe = requireKey(r, es, "path", it, ip);
    const dev = str(r, pe.value, `${ip}.path`);
    if (!DISK_PATH.test(dev)) r.fail(pe.value, `${ip}.path`, `expected a virtio disk /dev/vda … /dev/vdz, got "${dev}"`);
    if (seen.has(dev)) r.fail(pe.value, `${ip}.path`, `${dev} is already a disk of this machine`);
    seen.add(dev);
    const se = requireKey(r, es, "size", it, ip);
    const sz = size(r, se.value, `${ip}.size`, MAX_DISK_SIZE, { pageMultiple: true });
    if (sz < 64 * 1024) r.fail(se.value, `${ip}.size`, "a disk is at least 64K");
    const d: DiskSpec = { pos: r.pos(it), path: ip, dev, size: sz, files: [] };
    const le = get(es, "latency");
    if (le) d.latency = duration(r, le.value, `${ip}.latency`);
    const be = get(es, "bandwidth");
    if (be) d.bandwidth = size(r, be.value, `${ip}.bandwidth`, 2 ** 50);
    const ro = get(es, "rotational");
    if (ro) d.rotational = bool(r, ro.value, `${ip}.rotational`);
    const ra = get(es, "read_ahead_kb");
    if (ra) d.read_ahead_kb = int(r, ra.value, `${ip}.read_ahead_kb`, 0, 2 ** 20);
    const fe = get(es, "fs");
    const bse = get(es, "block_size");
    const fle = get(es, "files");
    if (fe) d.fs = oneOf(r, fe.value, `${ip}.fs`, ["ext2"] as const);
    if (!fe && (bse || fle)) r.fail((bse ?? fle)?.keyNode ?? null, `${ip}.${bse ? "block_size" : "files"}`, "only a disk with fs: ext2 holds files");
    if (bse) {
      const bs = int(r, bse.value, `${ip}.block_size`, 1024, 4096);
      if (bs !== 1024 && bs !== 2048 && bs !== 4096) r.fail(bse.value, `${ip}.block_size`, `expected 1024, 2048 or 4096, got ${bs}`);
      d.block_size = bs as 1024 | 2048 | 4096;
    }
    const known = new Map<string, number>();
    names.diskFiles?.set(dev, known);
    if (fle) {
      const fl = r.deref(fle.value);
      if (fl === null || fl.kind !== "seq") return r.fail(fl, `${ip}.files`, `expected a list of {path, size}, got ${describe(r, fl)}`);
      if (fl.items.length > MAX_DISK_FILES) r.fail(fl, `${ip}.files`, `at most ${MAX_DISK_FILES} files on a disk`);
      fl.items.forEach((f, j) => {
        const fp = `${ip}.files[${j}]`;
        const fes = entries(r, f, fp, "a file {path, size}");
        checkKeys(r, fes, ["path", "size"], fp, "a disk file");
        const pn = requireKey(r, fes, "path", f, fp);
        const rel = str(r, pn.value, `${fp}.path`);
        if (rel.startsWith("/") || rel.split("/").some((c) => c === "" || c === "." || c === "..") || rel.length > 255 * 8) {
          r.fail(pn.value, `${fp}.path`, `expected a path inside the filesystem such as data or dir/data (no leading /, no . or ..), got "${rel}"`);
        }
        if (known.has(rel)) r.fail(pn.value, `${fp}.path`, `"${rel}" is already a file of this disk`);
        const szE = get(fes, "size");
        const fsz = szE ? size(r, szE.value, `${fp}.size`, Math.min(MAX_FILE_SIZE, sz), { allowZero: true }) : undefined;
        known.set(rel, fsz ?? 0);
        d.files.push(fsz !== undefined ? { path: rel, size: fsz } : { path: rel });
      });
    }
    return d;
  });
}

function readMount(x: StepInput): Step {
  const { r, ap, ctx } = x;
  const b = body(x, STEP_KINDS.mount.keys);
  const target = absPath(r, must(b, "path").value, `${ap}.path`);
  if (target === "/" || /^\/(proc|sys|dev)(\/|$)/.test(target)) r.fail(must(b, "path").value, `${ap}.path`, `cannot mount on ${target}: pick a directory such as /mnt/t`);
  const fstype = oneOf(r, must(b, "type").value, `${ap}.type`, ["tmpfs", "ext2"] as const);
  const de = get(b, "device");
  const se = get(b, "size");
  const ne = get(b, "nr_inodes");
  const he = get(b, "huge");
  const roe = get(b, "readonly");
  const step = fin(x, { pos: x.pos, path: x.path, kind: "mount", target, fstype, readonly: roe ? bool(r, roe.value, `${ap}.readonly`) : false });
  if (step.kind !== "mount") return step;
  if (fstype === "tmpfs") {
    if (de) r.fail(de.keyNode, `${ap}.device`, "a tmpfs has no device (device is for type: ext2)");
    if (se) {
      const v = scalarValue(r, se.value);
      if (typeof v === "string" && /^\s*\d+%\s*$/.test(v)) {
        const pct = Number(v.trim().slice(0, -1));
        if (pct < 1 || pct > 10000) r.fail(se.value, `${ap}.size`, `a percentage of RAM from 1% to 10000%, got ${v.trim()}`);
        step.size = v.trim();
      } else step.size = size(r, se.value, `${ap}.size`, MAX_FILE_SIZE, { pageMultiple: false });
    }
    if (ne) step.nr_inodes = int(r, ne.value, `${ap}.nr_inodes`, 1, 2 ** 31);
    if (he) step.huge = oneOf(r, he.value, `${ap}.huge`, ["never", "always", "within_size", "advise"] as const);
  } else {
    if (!de) return r.fail(x.a.value, `${ap}.device`, "missing (an ext2 mount names its disk: device: /dev/vda, a disk of machine.disks)");
    for (const e of [se, ne, he]) if (e) r.fail(e.keyNode, `${ap}.${e.key}`, `${e.key} is a tmpfs option; an ext2 filesystem has the size of its disk`);
    const dev = str(r, de.value, `${ap}.device`);
    const files = ctx.names.diskFiles?.get(dev);
    if (!files) {
      const known = [...(ctx.names.diskFiles?.keys() ?? [])];
      return r.fail(de.value, `${ap}.device`, `no disk ${dev} in machine.disks${known.length ? ` (disks: ${known.join(", ")})` : " (add one: machine: { disks: [{ path: /dev/vda, size: 96M, fs: ext2 }] })"}`);
    }
    step.source = dev;
    const fm = (ctx.names.files ??= new Map());
    for (const [rel, sz] of files) fm.set(`${target}/${rel}`, sz);
  }
  return step;
}

const FILE_OPS: readonly FileOp[] = ["create", "read", "write", "truncate", "unlink", "fadvise", "fsync", "fdatasync"];
/** Which keys each op takes besides path and op. */
const FILE_OP_KEYS: Record<FileOp, readonly string[]> = {
  create: ["size", "bs"],
  read: ["offset", "length", "bs", "pattern", "stride", "alpha", "count", "repeat", "direct"],
  write: ["offset", "length", "bs", "pattern", "stride", "alpha", "count", "repeat", "direct"],
  truncate: ["size"],
  unlink: [],
  fadvise: ["offset", "length", "advice"],
  // fsync(2) and fdatasync(2) cover the whole file (sync_file_range is another call)
  fsync: [],
  fdatasync: [],
};
const FADVICES = ["normal", "random", "sequential", "willneed", "dontneed", "noreuse"] as const;

function readFile(x: StepInput): Step {
  const { r, a, ap, ctx } = x;
  const b = body(x, STEP_KINDS.file.keys);
  const file = absPath(r, must(b, "path").value, `${ap}.path`);
  if (/^\/(proc|sys)(\/|$)/.test(file)) r.fail(must(b, "path").value, `${ap}.path`, "/proc and /sys files are read with capture: and written with write:");
  const op = oneOf(r, must(b, "op").value, `${ap}.op`, FILE_OPS);
  for (const e of b) {
    if (e.key !== "path" && e.key !== "op" && !FILE_OP_KEYS[op].includes(e.key)) {
      const takes = FILE_OP_KEYS[op];
      r.fail(e.keyNode, `${ap}.${e.key}`, `op: ${op} takes no ${e.key}${takes.length ? ` (it takes ${takes.join(", ")})` : ""}`);
    }
  }
  const files = (ctx.names.files ??= new Map());
  const se = get(b, "size");
  let sz: number | undefined;
  if (op === "create" || op === "truncate") {
    if (op === "truncate" && !se) return r.fail(a.value, `${ap}.size`, "missing (truncate needs the new size: size: 0)");
    sz = se ? size(r, se.value, `${ap}.size`, MAX_FILE_SIZE, { allowZero: true }) : 0;
  }
  const oe = get(b, "offset");
  const offset = oe ? size(r, oe.value, `${ap}.offset`, MAX_FILE_SIZE, { allowZero: true }) : 0;
  const le = get(b, "length");
  const length = le ? size(r, le.value, `${ap}.length`, MAX_FILE_SIZE, { allowZero: op === "fadvise" }) : undefined;
  const pattern = op === "read" || op === "write" ? parsePattern(r, b, ap) : ({ kind: "sequential" } as const);
  const bse = get(b, "bs");
  const bs = bse ? size(r, bse.value, `${ap}.bs`, 64 * 2 ** 20) : pattern.kind === "sequential" ? 128 * 1024 : PAGE;
  if (pattern.kind === "stride" && pattern.stride % bs !== 0) r.fail(get(b, "stride")?.value ?? null, `${ap}.stride`, `the stride must be a multiple of bs (${fmtBytes(bs)})`);
  const ce = get(b, "count");
  const count = ce ? int(r, ce.value, `${ap}.count`, 1, MAX_COUNT) : undefined;
  const re = get(b, "repeat");
  const repeat = re ? int(r, re.value, `${ap}.repeat`, 1, MAX_REPEAT) : 1;
  const dre = get(b, "direct");
  const direct = dre ? bool(r, dre.value, `${ap}.direct`) : false;
  const ae = get(b, "advice");
  if (op === "fadvise" && !ae) return r.fail(a.value, `${ap}.advice`, `missing (fadvise needs the advice: one of ${FADVICES.join(", ")})`);
  const advice = ae ? oneOf(r, ae.value, `${ap}.advice`, FADVICES) : undefined;
  // Pages a pass covers, as far as the scenario says (for progress and the budget only).
  const known = files.get(file);
  const span = length ?? (op === "create" ? (sz ?? 0) : Math.max(0, (known ?? 0) - offset));
  const calls = Math.ceil(span / bs);
  const perCall = Math.ceil(bs / PAGE);
  const windowPages = op === "read" || op === "write" || op === "create" ? Math.max(1, calls * perCall) : 1;
  if (x.expectError === undefined) {
    if (op === "create" || op === "truncate") files.set(file, sz ?? 0);
    else if (op === "unlink") files.delete(file);
    else if (op === "write") files.set(file, Math.max(known ?? 0, offset + (length ?? 0)));
  }
  const step = fin(x, { pos: x.pos, path: x.path, kind: "file", op, file, offset, bs, pattern, repeat, direct, window_pages: windowPages });
  if (step.kind === "file") {
    if (sz !== undefined) step.size = sz;
    if (length !== undefined) step.length = length;
    if (count !== undefined) step.count = count;
    if (advice !== undefined) step.advice = advice;
  }
  return step;
}

/** compact: all, or compact: N for node N (checked against the machine's nodes when it runs). */
function readCompact(x: StepInput): Step {
  const v = scalarValue(x.r, x.a.value);
  if (v === "all") return fin(x, { pos: x.pos, path: x.path, kind: "compact", node: null });
  if (typeof v !== "number") x.r.fail(x.a.value, x.ap, `expected all or a node number, got ${describe(x.r, x.a.value)}`);
  return fin(x, { pos: x.pos, path: x.path, kind: "compact", node: int(x.r, x.a.value, x.ap, 0, 1023) });
}

/** `- sync` or `sync:` with no value: sync(2) takes no arguments. */
function readSync(x: StepInput): Step {
  const v = x.r.deref(x.a.value);
  if (!isNull(x.r, v) && !(v !== null && v.kind === "map" && v.kv.length === 0)) x.r.fail(x.a.value, x.ap, `sync takes no arguments (write - sync), got ${describe(x.r, x.a.value)}`);
  return fin(x, { pos: x.pos, path: x.path, kind: "sync" });
}

const MSYNC_WORDS = ["sync", "async", "invalidate"];

/**
 * msync of a mapping's window. The flag words are checked here; their combination is the
 * kernel's to judge (sync|async is EINVAL from sys_msync, so expect_error can show it).
 */
function readMsync(x: StepInput): Step {
  const { r, a, ap, ctx } = x;
  const b = body(x, STEP_KINDS.msync.keys);
  const rr = regionRef(r, b, a.value, ap, ctx);
  const fe = get(b, "flags");
  const flags = fe ? str(r, fe.value, `${ap}.flags`) : "sync";
  const words = flags.split("|").map((w) => w.trim());
  for (const w of words) {
    if (!MSYNC_WORDS.includes(w)) r.fail(fe?.value ?? null, `${ap}.flags`, `unknown msync flag "${w}": expected ${MSYNC_WORDS.join(", ")} joined by |${suggest(w, MSYNC_WORDS)}`);
  }
  return fin(x, { pos: x.pos, path: x.path, kind: "msync", region: rr.region, offset: rr.offset, length: rr.length, flags: words.join("|") });
}

function readDropCaches(x: StepInput): Step {
  const v = int(x.r, x.a.value, x.ap, 1, 3);
  return fin(x, { pos: x.pos, path: x.path, kind: "drop_caches", value: v as 1 | 2 | 3 });
}
const SEAL_WORDS = ["seal", "shrink", "grow", "write", "future_write"];

function readMemfd(x: StepInput): Step {
  const { r, ap, ctx, path } = x;
  const b = body(x, STEP_KINDS.memfd.keys);
  const ne = must(b, "name");
  const name = str(r, ne.value, `${ap}.name`);
  if (name.length > 249) r.fail(ne.value, `${ap}.name`, "a memfd name is at most 249 bytes");
  const sz = size(r, must(b, "size").value, `${ap}.size`, TASK_SIZE);
  const se = get(b, "seals");
  const seals = se ? str(r, se.value, `${ap}.seals`) : "";
  for (const w of seals.split("|").map((x) => x.trim()).filter((x) => x !== "")) {
    if (!SEAL_WORDS.includes(w)) r.fail(se?.value ?? null, `${ap}.seals`, `unknown seal "${w}": expected ${SEAL_WORDS.join(", ")} joined by |${suggest(w, SEAL_WORDS)}`);
  }
  const pe = get(b, "prot");
  const prot = checked(r, pe, `${ap}.prot`, pe ? str(r, pe.value, `${ap}.prot`) : "rw", parseProt);
  const fe = get(b, "flags");
  const flags = checked(r, fe, `${ap}.flags`, fe ? str(r, fe.value, `${ap}.flags`) : "shared", parseMapFlags);
  if ((parseMapFlags(flags) & MAP_ANONYMOUS) !== 0) r.fail(fe?.value ?? null, `${ap}.flags`, "a memfd mapping maps the file: use shared or private");
  if (ctx.maps.has(name) && x.expectError === undefined) r.fail(ne.value, `${ap}.name`, `a mapping named "${name}" already exists (mapped at ${ctx.maps.get(name)?.at}); unmap it first or pick another name`);
  if (x.expectError === undefined) {
    ctx.maps.set(name, { size: sz, at: path });
    ctx.gone?.delete(name);
  }
  return fin(x, { pos: x.pos, path: x.path, kind: "memfd", name, size: sz, seals, prot, flags });
}

const SHM_CREATE = ["creat", "creat|excl", "none"] as const;

function readShm(x: StepInput): Step {
  const { r, ap, ctx, path } = x;
  const b = body(x, STEP_KINDS.shm.keys);
  const ne = must(b, "name");
  const name = str(r, ne.value, `${ap}.name`);
  const sz = size(r, must(b, "size").value, `${ap}.size`, TASK_SIZE, { pageMultiple: false });
  const ke = get(b, "key");
  let key = 0;
  if (ke) {
    const v = scalarValue(r, ke.value);
    if (v !== "private") key = int(r, ke.value, `${ap}.key`, 1, 2 ** 31 - 1);
  }
  const ce = get(b, "create");
  const create = ce ? oneOf(r, ce.value, `${ap}.create`, SHM_CREATE) : "creat";
  const me = get(b, "mode");
  const mode = me ? int(r, me.value, `${ap}.mode`, 0, 0o777) : 0o600;
  const ro = get(b, "rdonly");
  const rm = get(b, "rmid");
  if (ctx.maps.has(name) && x.expectError === undefined) r.fail(ne.value, `${ap}.name`, `a mapping named "${name}" already exists (mapped at ${ctx.maps.get(name)?.at}); unmap it first or pick another name`);
  if (x.expectError === undefined) {
    ctx.maps.set(name, { size: sz, at: path });
    ctx.gone?.delete(name);
  }
  return fin(x, { pos: x.pos, path: x.path, kind: "shm", name, key, size: sz, create, mode, rdonly: ro ? bool(r, ro.value, `${ap}.rdonly`) : false, rmid: rm ? bool(r, rm.value, `${ap}.rmid`) : false });
}
// ---- end of files and the page cache ----------------------------------------------------------

// ---- Kernel memory (issue 16): kmalloc, kfree ------------------------------------------------

/** KMALLOC_MAX_SIZE: the largest kmalloc (4 MiB, an order-10 block). */
const KMALLOC_MAX = 4 << 20;
/** The most objects one kmalloc step asks for (the driver's bound). */
const KMALLOC_MAX_COUNT = 1 << 24;

function readKmalloc(x: StepInput): Step {
  const { r, ap } = x;
  const b = body(x, STEP_KINDS.kmalloc.keys);
  const ce = get(b, "cache");
  const cache = ce ? str(r, ce.value, `${ap}.cache`) : null;
  if (cache !== null && !/^[A-Za-z0-9_-]{1,64}$/.test(cache)) r.fail(ce?.value ?? null, `${ap}.cache`, "a cache name is 1 to 64 letters, digits, _ or -");
  const se = get(b, "size");
  if (se === undefined && cache === null) r.fail(x.a.value, ap, "kmalloc needs a size (or a cache)");
  const sz = se ? size(r, se.value, `${ap}.size`, KMALLOC_MAX) : 0;
  const count = int(r, must(b, "count").value, `${ap}.count`, 0, KMALLOC_MAX_COUNT);
  const ge = get(b, "gfp");
  const gfp = ge ? oneOf(r, ge.value, `${ap}.gfp`, KMALLOC_GFP_NAMES) : "GFP_KERNEL";
  const le = get(b, "leak");
  const leak = le ? bool(r, le.value, `${ap}.leak`) : false;
  return fin(x, { pos: x.pos, path: x.path, kind: "kmalloc", size: sz, cache, count, gfp, leak });
}

/** The most files one mkfiles step creates (six-digit names, as rkx's). */
const MKFILES_MAX = 1000000;

function readMkfiles(x: StepInput): Step {
  const { r, ap } = x;
  const b = body(x, STEP_KINDS.mkfiles.keys);
  const pe = must(b, "path");
  const dir = str(r, pe.value, `${ap}.path`);
  if (!dir.startsWith("/") || dir.length > MAX_PATH) r.fail(pe.value, `${ap}.path`, `expected an absolute directory path of at most ${MAX_PATH} bytes`);
  const count = int(r, must(b, "count").value, `${ap}.count`, 0, MKFILES_MAX);
  return fin(x, { pos: x.pos, path: x.path, kind: "mkfiles", dir, count });
}

function readKfree(x: StepInput): Step {
  const { r, ap } = x;
  const b = body(x, STEP_KINDS.kfree.keys);
  const ce = get(b, "count");
  const count = ce ? int(r, ce.value, `${ap}.count`, 0, KMALLOC_MAX_COUNT) : null;
  return fin(x, { pos: x.pos, path: x.path, kind: "kfree", count });
}

/** The words of userfaultfd(2)'s flags, UFFDIO_API's features and UFFDIO_REGISTER's modes (Process.userfaultfd and friends take them). */
const UFFD_FLAG_WORDS = ["cloexec", "nonblock", "user_mode_only"];
const UFFD_FEATURE_WORDS = ["pagefault_flag_wp", "event_fork", "event_remap", "event_remove", "missing_hugetlbfs", "missing_shmem", "event_unmap", "sigbus", "thread_id", "minor_hugetlbfs", "minor_shmem", "exact_address", "wp_hugetlbfs_shmem"];
const UFFD_MODE_WORDS = ["missing", "wp", "minor"];

/** A "|"-joined list of known words (may be empty when allowEmpty). */
function words(r: Reader, e: MapEntry | undefined, path: string, known: readonly string[], dflt: string, allowEmpty: boolean): string {
  const text = e ? str(r, e.value, path) : dflt;
  const ws = text.split("|").map((w) => w.trim()).filter((w) => w !== "");
  if (ws.length === 0 && !allowEmpty) r.fail(e?.value ?? null, path, `expected one or more of ${known.join(", ")} joined by |`);
  for (const w of ws) if (!known.includes(w)) r.fail(e?.value ?? null, path, `unknown word "${w}": expected ${known.join(", ")} joined by |${suggest(w, [...known])}`);
  return ws.join("|");
}

function readUserfaultfd(x: StepInput): Step {
  const { r, a, ap, ctx } = x;
  const b = body(x, STEP_KINDS.userfaultfd.keys);
  const rr = regionRef(r, b, a.value, ap, ctx);
  const mode = words(r, get(b, "mode"), `${ap}.mode`, UFFD_MODE_WORDS, "missing", false);
  const flags = words(r, get(b, "flags"), `${ap}.flags`, UFFD_FLAG_WORDS, "cloexec|nonblock", true);
  const features = words(r, get(b, "features"), `${ap}.features`, UFFD_FEATURE_WORDS, "", true);
  const he = get(b, "handler");
  const handler = he ? oneOf(r, he.value, `${ap}.handler`, ["copy", "zeropage", "wake", "none"] as const) : "copy";
  const le = get(b, "latency");
  const latency = le ? duration(r, le.value, `${ap}.latency`) : 100_000;
  const pe = get(b, "pages");
  const pages = pe ? int(r, pe.value, `${ap}.pages`, 1, 512) : 1;
  if (handler === "none" && (le || pe)) r.fail((le ?? pe)?.keyNode ?? null, `${ap}.${le ? "latency" : "pages"}`, "latency and pages are the handler thread's: this step has handler: none");
  return fin(x, { pos: x.pos, path: x.path, kind: "userfaultfd", region: rr.region, offset: rr.offset, length: rr.length, flags, features, mode, handler, latency, pages });
}

function readUffdio(x: StepInput): Step {
  const { r, a, ap, ctx } = x;
  const b = body(x, STEP_KINDS.uffdio.keys);
  const op = oneOf(r, must(b, "op").value, `${ap}.op`, ["writeprotect", "unprotect", "wake", "unregister", "close"] as const);
  if (op === "close") {
    const extra = get(b, "region") ?? get(b, "offset") ?? get(b, "length");
    if (extra) r.fail(extra.keyNode, `${ap}.${extra.key}`, "op: close takes no range");
    return fin(x, { pos: x.pos, path: x.path, kind: "uffdio", region: "", offset: 0, op });
  }
  if (!get(b, "region")) r.fail(a.value, `${ap}.region`, `missing (required by op: ${op})`);
  const rr = regionRef(r, b, a.value, ap, ctx);
  return fin(x, { pos: x.pos, path: x.path, kind: "uffdio", region: rr.region, offset: rr.offset, length: rr.length, op });
}
