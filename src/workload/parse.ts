/**
 * Scenario files in, a validated `Scenario` out — or one `ScenarioError` that says where
 * (file:line:col), which field (`processes[1].run[3].touch.region`) and what is wrong, on one line.
 * Never a stack trace for a human's mistake.
 *
 * Validation walks the YAML syntax tree itself rather than a converted plain object, so every
 * message points at the exact key or value it is about: an unknown key is reported at the key, a
 * bad value at the value, a missing key at the mapping that lacks it. Cross-references are checked
 * here too, in program order: a touch may only name a mapping its process (or a parent before
 * the fork) mapped earlier and has not unmapped since; an expectation may only name processes and
 * capture labels the file defines.
 *
 * Bytes or text in, no file I/O (the CLI reads the file).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode, type Scalar, type YAMLMap } from "yaml";
import { errnoValues, parseAdvice, parseDuration, parseMapFlags, parseProt, parseSize } from "../sim/index.js";
import {
  EXPECT_KINDS,
  MACHINE_KEYS,
  type CaptureSpec,
  type Expectation,
  type MachineSpec,
  type PatternSpec,
  type ProcessSpec,
  ScenarioError,
  type Scenario,
  type SourcePos,
  type Step,
  STEP_COMMON_KEYS,
  STEP_KINDS,
  TOP_KEYS,
} from "./schema.js";

/** Largest memory a scenario may boot: 64 GiB is 16 Mi pfns of typed-array columns. */
const MAX_MEMORY = 64 * 2 ** 30;
/** The x86-64 user address space (TASK_SIZE, 4-level paging): no mapping can be larger. */
const TASK_SIZE = 2 ** 47 - 4096;
const MAX_CPUS = 256;
const MAX_COUNT = 1e9;
const MAX_REPEAT = 1e6;
const MAX_DURATION = 24 * 3600e9;
const PAGE = 4096;

type N = YamlNode | null;

/** A node and its dotted path, with the source-position lookups the messages need. */
class Reader {
  constructor(
    readonly file: string,
    private readonly lc: LineCounter,
    private readonly doc: Document.Parsed,
  ) {}

  pos(node: N, fallback?: SourcePos): SourcePos {
    const off = node?.range?.[0];
    if (off === undefined) return fallback ?? { line: 1, col: 1 };
    const p = this.lc.linePos(off);
    return { line: p.line, col: p.col };
  }

  fail(node: N, path: string, detail: string, fallback?: SourcePos): never {
    const p = this.pos(node, fallback);
    throw new ScenarioError(this.file, p.line, p.col, path, detail);
  }

  /** Follows `*alias` to its anchor. */
  deref(node: N): N {
    if (node && isAlias(node)) return (node.resolve(this.doc) as YamlNode | undefined) ?? null;
    return node;
  }
}

/** A YAML mapping read key by key, remembering each key's node for messages. */
interface MapEntry {
  key: string;
  keyNode: YamlNode;
  value: N;
}

function describe(r: Reader, node: N): string {
  node = r.deref(node);
  if (node === null) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "nothing";
    if (typeof v === "number") return `the number ${v}`;
    if (typeof v === "boolean") return `${v}`;
    if (typeof v === "string") return `"${v.length > 40 ? v.slice(0, 37) + "…" : v}"`;
  }
  return "a value of another kind";
}

function isNull(r: Reader, node: N): boolean {
  node = r.deref(node);
  return node === null || (isScalar(node) && node.value === null);
}

function entries(r: Reader, node: N, path: string, what = "a mapping"): MapEntry[] {
  node = r.deref(node);
  if (!node || !isMap(node)) r.fail(node, path, `expected ${what}, got ${describe(r, node)}`);
  const out: MapEntry[] = [];
  for (const pair of (node as YAMLMap).items) {
    const k = pair.key as N;
    if (!k || !isScalar(k) || (typeof k.value !== "string" && typeof k.value !== "number")) r.fail(k, path, "keys must be plain words");
    out.push({ key: String((k as Scalar).value), keyNode: k as YamlNode, value: (pair.value as N) ?? null });
  }
  return out;
}

/** Edit distance counting a swap of neighbours as one edit ("tuoch" is 1 from "touch"), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function suggest(word: string, known: readonly string[]): string {
  let best = "";
  let bd = Infinity;
  for (const k of known) {
    const dd = distance(word.toLowerCase(), k.toLowerCase());
    if (dd < bd) {
      bd = dd;
      best = k;
    }
  }
  return bd <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : "";
}

function checkKeys(r: Reader, es: MapEntry[], allowed: readonly string[], path: string, what: string): void {
  for (const e of es) {
    if (!allowed.includes(e.key)) {
      r.fail(e.keyNode, join(path, e.key), `unknown key in ${what}${suggest(e.key, allowed)}; expected one of: ${allowed.join(", ")}`);
    }
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function get(es: MapEntry[], key: string): MapEntry | undefined {
  return es.find((e) => e.key === key);
}

function requireKey(r: Reader, es: MapEntry[], key: string, mapNode: N, path: string): MapEntry {
  const e = get(es, key);
  if (!e) r.fail(mapNode, join(path, key), "missing (required)");
  return e as MapEntry;
}

function scalarValue(r: Reader, node: N): unknown {
  node = r.deref(node);
  return node && isScalar(node) ? node.value : undefined;
}

function str(r: Reader, node: N, path: string): string {
  const v = scalarValue(r, node);
  if (typeof v !== "string" || v.trim() === "") r.fail(node, path, `expected a word or text, got ${describe(r, node)}`);
  return (v as string).trim();
}

function int(r: Reader, node: N, path: string, min: number, max: number): number {
  const v = scalarValue(r, node);
  if (typeof v !== "number" || !Number.isInteger(v)) r.fail(node, path, `expected a whole number, got ${describe(r, node)}`);
  const n = v as number;
  if (n < min || n > max) r.fail(node, path, `${n} is out of range: expected ${min} to ${max}`);
  return n;
}

function num(r: Reader, node: N, path: string, min: number, max: number, exclusiveMin = false): number {
  const v = scalarValue(r, node);
  if (typeof v !== "number" || !Number.isFinite(v)) r.fail(node, path, `expected a number, got ${describe(r, node)}`);
  const n = v as number;
  if ((exclusiveMin ? n <= min : n < min) || n > max) r.fail(node, path, `${n} is out of range: expected ${exclusiveMin ? "more than" : "at least"} ${min} and at most ${max}`);
  return n;
}

function bool(r: Reader, node: N, path: string): boolean {
  const v = scalarValue(r, node);
  if (typeof v !== "boolean") r.fail(node, path, `expected true or false, got ${describe(r, node)}`);
  return v as boolean;
}

/** A size: "128M" or a number of bytes. `what` names the limit in the message. */
function size(r: Reader, node: N, path: string, max: number, opts: { allowZero?: boolean; pageMultiple?: boolean } = {}): number {
  const v = scalarValue(r, node);
  if (typeof v === "number" && v < 0) r.fail(node, path, `size must not be negative, got ${v}`);
  if (typeof v === "string" && /^\s*-/.test(v)) r.fail(node, path, `size must not be negative, got "${v}"`);
  if (typeof v !== "number" && typeof v !== "string") r.fail(node, path, `expected a size such as 128M or a number of bytes, got ${describe(r, node)}`);
  let b: number;
  try {
    b = parseSize(v as string | number);
  } catch (e) {
    return r.fail(node, path, (e as Error).message);
  }
  if (b === 0 && !opts.allowZero) r.fail(node, path, "size must be more than 0");
  if (b > max) r.fail(node, path, `size ${String(v).trim()} is too large: at most ${fmtBytes(max)}`);
  if (opts.pageMultiple && b % PAGE) r.fail(node, path, `size ${String(v).trim()} is not a multiple of the 4K page size`);
  return b;
}

function duration(r: Reader, node: N, path: string): number {
  const v = scalarValue(r, node);
  if (typeof v === "number" && v < 0) r.fail(node, path, `duration must not be negative, got ${v}`);
  if (typeof v === "string" && /^\s*-/.test(v)) r.fail(node, path, `duration must not be negative, got "${v}"`);
  if (typeof v !== "number" && typeof v !== "string") r.fail(node, path, `expected a duration such as 10ms, got ${describe(r, node)}`);
  if (typeof v === "number" && v !== 0) r.fail(node, path, `a duration needs a unit (ns, us, ms, s, min, h): write ${v}ms or ${v}s`);
  let ns: number;
  try {
    ns = parseDuration(v as string | number);
  } catch (e) {
    return r.fail(node, path, (e as Error).message);
  }
  if (ns > MAX_DURATION) r.fail(node, path, `duration ${String(v)} is too long: at most 24h of simulated time`);
  return ns;
}

function oneOf<T extends string>(r: Reader, node: N, path: string, values: readonly T[]): T {
  const v = scalarValue(r, node);
  if (typeof v !== "string" || !values.includes(v as T)) {
    r.fail(node, path, `expected one of ${values.join(", ")}, got ${describe(r, node)}${typeof v === "string" ? suggest(v, values) : ""}`);
  }
  return v as T;
}

function fmtBytes(b: number): string {
  for (const [u, f] of [["P", 2 ** 50], ["T", 2 ** 40], ["G", 2 ** 30], ["M", 2 ** 20], ["K", 2 ** 10]] as const) if (b >= f) return `${Math.round((b / f) * 10) / 10}${u}`;
  return `${b}`;
}

// ---------------------------------------------------------------------------------------------
// The program-order symbol table: mappings a process can name, processes and capture labels.

interface Mapping {
  size: number;
  /** Where it was defined. */
  at: string;
}

interface Names {
  processes: Map<string, string>;
  labels: Set<string>;
}

function parseMachine(r: Reader, node: N, path: string, sysctlPos: Record<string, SourcePos>): MachineSpec {
  const es = entries(r, node, path);
  checkKeys(r, es, Object.keys(MACHINE_KEYS), path, "machine");
  const spec: MachineSpec = {};
  for (const e of es) {
    const p = join(path, e.key);
    switch (e.key) {
      case "memory": {
        spec.memory = size(r, e.value, p, MAX_MEMORY, { pageMultiple: true });
        if (spec.memory < 16 * 2 ** 20) r.fail(e.value, p, `${fmtBytes(spec.memory)} is too small: mmsim boots machines of 16M or more`);
        break;
      }
      case "cpus":
        spec.cpus = int(r, e.value, p, 1, MAX_CPUS);
        break;
      case "nodes": {
        const v = r.deref(e.value);
        if (v && isSeq(v)) {
          spec.nodes = v.items.map((it, i) => {
            const ip = `${p}[${i}]`;
            const ne = entries(r, it as N, ip);
            checkKeys(r, ne, ["size", "cpus"], ip, "a node");
            const sz = size(r, requireKey(r, ne, "size", it as N, ip).value, `${ip}.size`, MAX_MEMORY, { pageMultiple: true });
            const c = get(ne, "cpus");
            const cpus = c ? intList(r, c.value, `${ip}.cpus`, 0, MAX_CPUS - 1) : undefined;
            return cpus ? { size: sz, cpus } : { size: sz };
          });
          if (spec.nodes.length === 0) r.fail(v, p, "expected at least one node");
        } else spec.nodes = int(r, e.value, p, 1, 64);
        break;
      }
      case "distance": {
        const v = r.deref(e.value);
        if (!v || !isSeq(v)) r.fail(v, p, `expected a list of lists of distances, got ${describe(r, v)}`);
        spec.distance = (v as { items: unknown[] }).items.map((row, i) => intList(r, row as N, `${p}[${i}]`, 10, 254));
        break;
      }
      case "thp":
        spec.thp = oneOf(r, e.value, p, ["always", "madvise", "never"] as const);
        break;
      case "kernelcore":
      case "movablecore": {
        const v = scalarValue(r, e.value);
        if (typeof v === "string" && /^\d+(\.\d+)?%$/.test(v.trim())) spec[e.key] = v.trim();
        else spec[e.key] = size(r, e.value, p, MAX_MEMORY, { allowZero: true });
        break;
      }
      case "initrd":
        spec.initrd = size(r, e.value, p, 2 ** 30, { allowZero: true });
        break;
      case "sysctl": {
        const se = entries(r, e.value, p, "a mapping of sysctl names to values");
        spec.sysctl = {};
        for (const s of se) {
          const sp = `${p}.${s.key}`;
          if (!/^[a-z_][a-z0-9_]*([./][a-z0-9_]+)+$/.test(s.key)) r.fail(s.keyNode, sp, `not a sysctl name: expected a dotted name such as vm.swappiness`);
          spec.sysctl[s.key] = sysctlValue(r, s.value, sp);
          sysctlPos[s.key] = r.pos(s.value ?? s.keyNode);
        }
        break;
      }
    }
  }
  return spec;
}

function sysctlValue(r: Reader, node: N, path: string): string | number | number[] {
  const n = r.deref(node);
  if (n && isSeq(n)) return intList(r, n, path, -(2 ** 53), 2 ** 53);
  const v = scalarValue(r, n);
  if (typeof v === "number") return v;
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return r.fail(node, path, `expected a value to write, got ${describe(r, node)}`);
}

function intList(r: Reader, node: N, path: string, min: number, max: number): number[] {
  const n = r.deref(node);
  if (!n || !isSeq(n)) return r.fail(n, path, `expected a list of whole numbers, got ${describe(r, n)}`);
  return n.items.map((it, i) => int(r, it as N, `${path}[${i}]`, min, max));
}

function parseCaptures(r: Reader, node: N, path: string, names: Names): CaptureSpec[] {
  const n = r.deref(node);
  const items: Array<[N, string]> = n && isSeq(n) ? n.items.map((it, i) => [it as N, `${path}[${i}]`]) : [[n, path]];
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

interface ProgCtx {
  maps: Map<string, Mapping>;
  /** Names unmapped, with where: a later use says so. */
  gone?: Map<string, string>;
  names: Names;
  /** Set once the program has an unconditional exit: later steps never run. */
  exitedAt?: string;
}

function regionRef(r: Reader, es: MapEntry[], node: N, path: string, ctx: ProgCtx): { region: string; offset: number; length?: number; m: Mapping } {
  const re = requireKey(r, es, "region", node, path);
  const region = str(r, re.value, `${path}.region`);
  const m = ctx.maps.get(region);
  if (!m) {
    const goneAt = ctx.gone?.get(region);
    if (goneAt) r.fail(re.value, `${path}.region`, `mapping "${region}" was unmapped at ${goneAt}`);
    const known = [...ctx.maps.keys()];
    r.fail(re.value, `${path}.region`, `no mapping named "${region}"${suggest(region, known)}${known.length ? ` (mapped here: ${known.join(", ")})` : " (this process has mapped nothing by name yet)"}`);
  }
  const oe = get(es, "offset");
  const offset = oe ? size(r, oe.value, `${path}.offset`, TASK_SIZE, { allowZero: true, pageMultiple: true }) : 0;
  const le = get(es, "length");
  const length = le ? size(r, le.value, `${path}.length`, TASK_SIZE) : undefined;
  const mm = m as Mapping;
  if (offset >= mm.size) r.fail(oe?.value ?? null, `${path}.offset`, `offset ${fmtBytes(offset)} is past the end of mapping "${region}" (${fmtBytes(mm.size)})`);
  if (length !== undefined && offset + length > mm.size) {
    r.fail(le?.value ?? null, `${path}.length`, `offset ${fmtBytes(offset)} + length ${fmtBytes(length)} is past the end of mapping "${region}" (${fmtBytes(mm.size)})`);
  }
  return { region, offset, length, m: mm };
}

function parsePattern(r: Reader, es: MapEntry[], path: string): PatternSpec {
  const pe = get(es, "pattern");
  const kind = pe ? oneOf(r, pe.value, `${path}.pattern`, ["sequential", "random", "stride", "zipf"] as const) : "sequential";
  const se = get(es, "stride");
  const ae = get(es, "alpha");
  if (se && kind !== "stride") r.fail(se.keyNode, `${path}.stride`, `stride only applies to pattern: stride (this touch is ${kind})`);
  if (ae && kind !== "zipf") r.fail(ae.keyNode, `${path}.alpha`, `alpha only applies to pattern: zipf (this touch is ${kind})`);
  if (kind === "stride") {
    if (!se) r.fail(pe?.value ?? null, `${path}.stride`, "missing (required by pattern: stride)");
    return { kind, stride: size(r, (se as MapEntry).value, `${path}.stride`, 2 ** 40, { pageMultiple: true }) };
  }
  if (kind === "zipf") return { kind, alpha: ae ? num(r, ae.value, `${path}.alpha`, 0, 10, true) : 1 };
  return { kind };
}

function parseStep(r: Reader, node: N, path: string, ctx: ProgCtx, depth: number): Step[] {
  node = r.deref(node);
  if (ctx.exitedAt) r.fail(node, path, `step after the exit at ${ctx.exitedAt}: an exited process runs nothing more`);
  // `- exit` alone is a step too.
  if (node && isScalar(node) && typeof node.value === "string" && (node.value === "exit" || node.value === "wait")) {
    if (node.value === "wait") r.fail(node, path, "wait needs a process name: wait: NAME");
    ctx.exitedAt = path;
    return [{ kind: "exit", code: 0, pos: r.pos(node), path }];
  }
  if (node && isScalar(node) && typeof node.value === "string" && STEP_KINDS[node.value]) {
    r.fail(node, path, `step "${node.value}" needs arguments: write ${node.value}: …`);
  }
  const es = entries(r, node, path, `a step (one of: ${Object.keys(STEP_KINDS).join(", ")})`);
  // `capture:` beside another action is that step's modifier; alone it is the capture step.
  let actions = es.filter((e) => STEP_KINDS[e.key] !== undefined);
  if (actions.length > 1 && actions.some((e) => e.key === "capture")) actions = actions.filter((e) => e.key !== "capture");
  for (const e of es) {
    if (STEP_KINDS[e.key] === undefined && !(STEP_COMMON_KEYS as readonly string[]).includes(e.key)) {
      const hint = e.key === "expect" ? "; expectations go in the top-level expect: list" : suggest(e.key, [...Object.keys(STEP_KINDS), ...STEP_COMMON_KEYS]);
      r.fail(e.keyNode, join(path, e.key), `unknown step${hint}; steps are: ${Object.keys(STEP_KINDS).join(", ")}`);
    }
  }
  if (actions.length === 0) r.fail(node, path, `no action in this step: expected one of ${Object.keys(STEP_KINDS).join(", ")}`);
  if (actions.length > 1) r.fail(actions[1].keyNode, join(path, actions[1].key), `one action per step: "${actions[0].key}" and "${actions[1].key}" must be separate list items`);
  const a = actions[0];
  const ap = join(path, a.key);
  const base = { pos: r.pos(a.keyNode), path };
  const ee = get(es, "expect_error");
  let expect_error: string | undefined;
  if (ee) {
    const v = str(r, ee.value, join(path, "expect_error"));
    if (!(v in errnoValues)) r.fail(ee.value, join(path, "expect_error"), `unknown errno "${v}"${suggest(v, Object.keys(errnoValues))}`);
    if (["sleep", "capture", "wait", "exit", "touch"].includes(a.key)) {
      const why = a.key === "touch" ? "touch does not fail with an errno (a bad access kills the process: expect state: killed)" : `${a.key} does not fail with an errno`;
      r.fail(ee.keyNode, join(path, "expect_error"), why);
    }
    expect_error = v;
  }
  const ce = a.key === "capture" ? undefined : get(es, "capture");
  if (ce && a.key === "exit") r.fail(ce.keyNode, join(path, "capture"), "an exited process reads no files: capture from another process (after wait)");
  const common = { ...base, ...(expect_error ? { expect_error } : {}) };
  const withCap = (s: Step): Step[] => {
    if (ce) s.capture = parseCaptures(r, ce.value, join(path, "capture"), ctx.names);
    return [s];
  };
  const body = (allowed: string[]): MapEntry[] => {
    const b = entries(r, a.value, ap, `${a.key}'s arguments as a mapping (${allowed.join(", ")})`);
    checkKeys(r, b, allowed, ap, a.key);
    for (const req of STEP_KINDS[a.key].required) requireKey(r, b, req, a.value, ap);
    return b;
  };
  switch (a.key) {
    case "mmap": {
      const b = body(STEP_KINDS.mmap.keys);
      const ne = get(b, "name") as MapEntry;
      const name = str(r, ne.value, `${ap}.name`);
      const sz = size(r, (get(b, "size") as MapEntry).value, `${ap}.size`, TASK_SIZE);
      const pe = get(b, "prot");
      const prot = pe ? str(r, pe.value, `${ap}.prot`) : "rw";
      try {
        parseProt(prot);
      } catch (e) {
        r.fail(pe?.value ?? null, `${ap}.prot`, (e as Error).message);
      }
      const fe = get(b, "flags");
      const flags = fe ? str(r, fe.value, `${ap}.flags`) : "private|anonymous";
      try {
        parseMapFlags(flags);
      } catch (e) {
        r.fail(fe?.value ?? null, `${ap}.flags`, (e as Error).message);
      }
      if (!/anon/.test(flags)) r.fail(fe?.value ?? null, `${ap}.flags`, "only anonymous mappings can be mapped by a scenario yet (file mappings come with the files steps)");
      const xe = get(b, "addr");
      const addr = xe ? size(r, xe.value, `${ap}.addr`, TASK_SIZE, { pageMultiple: true }) : undefined;
      if (ctx.maps.has(name) && !expect_error) r.fail(ne.value, `${ap}.name`, `a mapping named "${name}" already exists (mapped at ${ctx.maps.get(name)?.at}); unmap it first or pick another name`);
      if (!expect_error) {
        ctx.maps.set(name, { size: sz, at: path });
        ctx.gone?.delete(name);
      }
      return withCap({ ...common, kind: "mmap", name, size: sz, prot, flags, ...(addr !== undefined ? { addr } : {}) });
    }
    case "munmap":
    case "munlock": {
      const b = body(STEP_KINDS[a.key].keys);
      const rr = regionRef(r, b, a.value, ap, ctx);
      if (a.key === "munmap" && rr.offset === 0 && (rr.length === undefined || rr.length >= rr.m.size) && !expect_error) {
        ctx.maps.delete(rr.region);
        (ctx.gone ??= new Map()).set(rr.region, path);
      }
      return withCap({ ...common, kind: a.key, region: rr.region, offset: rr.offset, length: rr.length });
    }
    case "mprotect": {
      const b = body(STEP_KINDS.mprotect.keys);
      const rr = regionRef(r, b, a.value, ap, ctx);
      const pe = get(b, "prot") as MapEntry;
      const prot = str(r, pe.value, `${ap}.prot`);
      try {
        parseProt(prot);
      } catch (e) {
        r.fail(pe.value, `${ap}.prot`, (e as Error).message);
      }
      return withCap({ ...common, kind: "mprotect", region: rr.region, offset: rr.offset, length: rr.length, prot });
    }
    case "mremap": {
      const b = body(STEP_KINDS.mremap.keys);
      const rr = regionRef(r, b, a.value, ap, ctx);
      const sz = size(r, (get(b, "size") as MapEntry).value, `${ap}.size`, TASK_SIZE);
      const me = get(b, "may_move");
      const may_move = me ? bool(r, me.value, `${ap}.may_move`) : false;
      if (!expect_error) ctx.maps.set(rr.region, { size: sz, at: path });
      return withCap({ ...common, kind: "mremap", region: rr.region, size: sz, may_move });
    }
    case "brk": {
      const b = body(STEP_KINDS.brk.keys);
      const ge = get(b, "grow") as MapEntry;
      const grow = size(r, ge.value, `${ap}.grow`, TASK_SIZE, { pageMultiple: false });
      const ne = get(b, "name");
      const name = ne ? str(r, ne.value, `${ap}.name`) : undefined;
      if (name) {
        const prev = ctx.maps.get(name);
        if (prev && !prev.at.startsWith("brk:")) r.fail(ne?.value ?? null, `${ap}.name`, `a mapping named "${name}" already exists (mapped at ${prev.at})`);
        // The heap grows from the initial break: the named region is everything brk added so far.
        if (!expect_error) ctx.maps.set(name, { size: (prev?.size ?? 0) + Math.ceil(grow / PAGE) * PAGE, at: `brk:${path}` });
      }
      return withCap({ ...common, kind: "brk", grow, ...(name ? { name } : {}) });
    }
    case "madvise": {
      const b = body(STEP_KINDS.madvise.keys);
      const rr = regionRef(r, b, a.value, ap, ctx);
      const ae = get(b, "advice") as MapEntry;
      const advice = str(r, ae.value, `${ap}.advice`);
      try {
        parseAdvice(advice);
      } catch (e) {
        r.fail(ae.value, `${ap}.advice`, (e as Error).message);
      }
      return withCap({ ...common, kind: "madvise", region: rr.region, offset: rr.offset, length: rr.length, advice });
    }
    case "mlock": {
      const b = body(STEP_KINDS.mlock.keys);
      const rr = regionRef(r, b, a.value, ap, ctx);
      const oe = get(b, "on_fault");
      return withCap({ ...common, kind: "mlock", region: rr.region, offset: rr.offset, length: rr.length, on_fault: oe ? bool(r, oe.value, `${ap}.on_fault`) : false });
    }
    case "touch": {
      const b = body(STEP_KINDS.touch.keys);
      const rr = regionRef(r, b, a.value, ap, ctx);
      const xe = get(b, "access");
      const access = xe ? oneOf(r, xe.value, `${ap}.access`, ["read", "write", "exec"] as const) : "write";
      const pattern = parsePattern(r, b, ap);
      const ce2 = get(b, "count");
      const count = ce2 ? int(r, ce2.value, `${ap}.count`, 1, MAX_COUNT) : undefined;
      const re = get(b, "repeat");
      const de = get(b, "duration");
      if (re && de) r.fail(de.keyNode, `${ap}.duration`, "give either repeat or duration, not both");
      const repeat = re ? int(r, re.value, `${ap}.repeat`, 1, MAX_REPEAT) : 1;
      const dur = de ? duration(r, de.value, `${ap}.duration`) : undefined;
      if (dur === 0) r.fail(de?.value ?? null, `${ap}.duration`, "duration must be more than 0");
      return withCap({ ...common, kind: "touch", region: rr.region, offset: rr.offset, length: rr.length, access, pattern, count, repeat, window_pages: Math.ceil((rr.length ?? rr.m.size - rr.offset) / PAGE), ...(dur !== undefined ? { duration: dur } : {}) });
    }
    case "fork": {
      if (depth >= 8) r.fail(a.keyNode, ap, "forks nest at most 8 deep");
      const b = body(STEP_KINDS.fork.keys);
      const ne = get(b, "name") as MapEntry;
      const name = str(r, ne.value, `${ap}.name`);
      claimProcessName(r, ctx.names, name, ne.value, `${ap}.name`, path);
      const oe = get(b, "oom_score_adj");
      const adj = oe ? int(r, oe.value, `${ap}.oom_score_adj`, -1000, 1000) : undefined;
      const re = get(b, "run");
      // The child starts with a copy of the parent's address space: the same names.
      const childCtx: ProgCtx = { maps: new Map(ctx.maps), names: ctx.names, gone: new Map(ctx.gone) };
      const run = re ? parseProgram(r, re.value, `${ap}.run`, childCtx, depth + 1) : [];
      return withCap({ ...common, kind: "fork", name, ...(adj !== undefined ? { oom_score_adj: adj } : {}), run });
    }
    case "exit": {
      let code = 0;
      const v = r.deref(a.value);
      if (v && isMap(v)) {
        const b = body(["code"]);
        const c = get(b, "code");
        if (c) code = int(r, c.value, `${ap}.code`, 0, 255);
      } else if (!isNull(r, v)) code = int(r, v, ap, 0, 255);
      ctx.exitedAt = path;
      return withCap({ ...common, kind: "exit", code });
    }
    case "sleep":
      if (isNull(r, a.value)) r.fail(a.keyNode, ap, "sleep needs a duration: sleep: 10ms");
      return withCap({ ...common, kind: "sleep", duration: duration(r, a.value, ap) });
    case "oom_score_adj":
      return withCap({ ...common, kind: "oom_score_adj", value: int(r, a.value, ap, -1000, 1000) });
    case "write": {
      const b = body(STEP_KINDS.write.keys);
      const pe = get(b, "path") as MapEntry;
      const file = str(r, pe.value, `${ap}.path`);
      if (!/^\/(proc|sys)\//.test(file)) r.fail(pe.value, `${ap}.path`, `only /proc and /sys files can be written, got "${file}"`);
      const ve = get(b, "value") as MapEntry;
      const v = scalarValue(r, ve.value);
      if (typeof v !== "string" && typeof v !== "number") r.fail(ve.value, `${ap}.value`, `expected text or a number to write, got ${describe(r, ve.value)}`);
      return withCap({ ...common, kind: "write", path: file, value: String(v) });
    }
    case "sysctl": {
      const b = entries(r, a.value, ap, "a mapping of sysctl names to values");
      if (b.length === 0) r.fail(a.value, ap, "expected at least one sysctl");
      const out: Step[] = b.map((s) => {
        const sp = `${ap}.${s.key}`;
        if (!/^[a-z_][a-z0-9_]*([./][a-z0-9_]+)+$/.test(s.key)) r.fail(s.keyNode, sp, "not a sysctl name: expected a dotted name such as vm.swappiness");
        const v = sysctlValue(r, s.value, sp);
        return { ...common, pos: r.pos(s.keyNode), kind: "sysctl", key: s.key, value: Array.isArray(v) ? v.join(" ") : String(v) } as Step;
      });
      if (ce) out[out.length - 1].capture = parseCaptures(r, ce.value, join(path, "capture"), ctx.names);
      return out;
    }
    case "capture":
      return [{ ...common, kind: "capture_only", capture: parseCaptures(r, a.value, ap, ctx.names) }];
    case "wait": {
      const name = str(r, a.value, ap);
      return withCap({ ...common, kind: "wait", process: name });
    }
    case "swapon": {
      const b = body(STEP_KINDS.swapon.keys);
      const pe = get(b, "path") as MapEntry;
      const dev = str(r, pe.value, `${ap}.path`);
      if (!dev.startsWith("/")) r.fail(pe.value, `${ap}.path`, `expected an absolute path such as /dev/vda or /swapfile, got "${dev}"`);
      // mkswap needs 10 pages; swap offsets here reach 2^26 pages (256G per area).
      const sz = size(r, (get(b, "size") as MapEntry).value, `${ap}.size`, 256 * 2 ** 30);
      if (sz < 10 * PAGE) r.fail((get(b, "size") as MapEntry).value, `${ap}.size`, "a swap area needs at least 10 pages (40K), as mkswap says");
      const pre = get(b, "priority");
      const te = get(b, "type");
      const ro = get(b, "rotational");
      const le = get(b, "latency");
      const be = get(b, "bandwidth");
      const bw = be ? size(r, be.value, `${ap}.bandwidth`, 2 ** 50) : undefined;
      return withCap({
        ...common,
        kind: "swapon",
        path: dev,
        size: sz,
        type: te ? oneOf(r, te.value, `${ap}.type`, ["partition", "file"] as const) : "partition",
        rotational: ro ? bool(r, ro.value, `${ap}.rotational`) : true,
        ...(pre ? { priority: int(r, pre.value, `${ap}.priority`, 0, 32767) } : {}),
        ...(le ? { latency: duration(r, le.value, `${ap}.latency`) } : {}),
        ...(bw !== undefined ? { bandwidth: bw } : {}),
      });
    }
    case "swapoff": {
      const dev = str(r, a.value, ap);
      if (!dev.startsWith("/")) r.fail(a.value, ap, `expected the swap area's path such as /dev/vda, got "${dev}"`);
      return withCap({ ...common, kind: "swapoff", path: dev });
    }
  }
  return r.fail(a.keyNode, ap, "unknown step");
}

function claimProcessName(r: Reader, names: Names, name: string, node: N, path: string, at: string): void {
  if (!/^[A-Za-z0-9_.+-]{1,15}$/.test(name)) r.fail(node, path, `process name "${name}" must be 1 to 15 letters, digits or _.+- (it becomes the task's comm)`);
  const prev = names.processes.get(name);
  if (prev !== undefined) r.fail(node, path, `process name "${name}" is already used at ${prev}`);
  names.processes.set(name, at);
}

function parseProgram(r: Reader, node: N, path: string, ctx: ProgCtx, depth: number): Step[] {
  const n = r.deref(node);
  if (isNull(r, n)) return [];
  if (!n || !isSeq(n)) return r.fail(n, path, `expected a list of steps, got ${describe(r, n)}`);
  const out: Step[] = [];
  n.items.forEach((it, i) => out.push(...parseStep(r, it as N, `${path}[${i}]`, ctx, depth)));
  return out;
}

function parseProcesses(r: Reader, node: N, path: string, names: Names): ProcessSpec[] {
  const n = r.deref(node);
  if (isNull(r, n)) return [];
  if (!n || !isSeq(n)) return r.fail(n, path, `expected a list of processes, got ${describe(r, n)}`);
  // Names first, so a `wait:` can name a process defined later in the file.
  return n.items.map((it, i) => {
    const ip = `${path}[${i}]`;
    const es = entries(r, it as N, ip, "a process: {name, run, …}");
    for (const e of es) {
      if (STEP_KINDS[e.key] && e.key !== "oom_score_adj") r.fail(e.keyNode, join(ip, e.key), `a step outside a program: put it in this process's run: list`);
    }
    checkKeys(r, es, ["name", "oom_score_adj", "start", "run"], ip, "a process");
    const ne = requireKey(r, es, "name", it as N, ip);
    const name = str(r, ne.value, `${ip}.name`);
    claimProcessName(r, names, name, ne.value, `${ip}.name`, ip);
    const oe = get(es, "oom_score_adj");
    const se = get(es, "start");
    const re = get(es, "run");
    const ctx: ProgCtx = { maps: new Map(), names };
    return {
      pos: r.pos(it as N),
      path: ip,
      name,
      oom_score_adj: oe ? int(r, oe.value, `${ip}.oom_score_adj`, -1000, 1000) : 0,
      start: se ? duration(r, se.value, `${ip}.start`) : 0,
      run: re ? parseProgram(r, re.value, `${ip}.run`, ctx, 0) : [],
    };
  });
}

function bounds(r: Reader, es: MapEntry[], path: string, unit: "kB" | "count"): { min?: number; max?: number; equals?: number } {
  const out: { min?: number; max?: number; equals?: number } = {};
  for (const k of ["min", "max", "equals"] as const) {
    const e = get(es, k);
    if (!e) continue;
    const v = scalarValue(r, e.value);
    if (typeof v === "number") {
      if (!Number.isFinite(v)) r.fail(e.value, `${path}.${k}`, `expected a finite number, got ${v}`);
      out[k] = v;
    } else if (typeof v === "string" && unit === "kB") out[k] = size(r, e.value, `${path}.${k}`, 2 ** 60, { allowZero: true }) / 1024;
    else r.fail(e.value, `${path}.${k}`, `expected a number${unit === "kB" ? " (kB) or a size such as 128M" : ""}, got ${describe(r, e.value)}`);
  }
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) r.fail(get(es, "max")?.value ?? null, `${path}.max`, `max ${out.max}${unit === "kB" ? " kB" : ""} is below min ${out.min}${unit === "kB" ? " kB" : ""}`);
  if (out.equals !== undefined && (out.min !== undefined || out.max !== undefined)) r.fail(get(es, "equals")?.keyNode ?? null, `${path}.equals`, "give equals or min/max, not both");
  return out;
}

function parseExpect(r: Reader, node: N, path: string, names: Names): Expectation[] {
  const n = r.deref(node);
  if (isNull(r, n)) return [];
  if (!n || !isSeq(n)) return r.fail(n, path, `expected a list of expectations, got ${describe(r, n)}`);
  const kinds = Object.keys(EXPECT_KINDS);
  return n.items.map((it, i): Expectation => {
    const ip = `${path}[${i}]`;
    const es = entries(r, it as N, ip, `an expectation (one of: ${kinds.join(", ")})`);
    const which = es.filter((e) => kinds.includes(e.key));
    if (which.length === 0) {
      const stepKey = es.find((e) => STEP_KINDS[e.key]);
      if (stepKey) r.fail(stepKey.keyNode, join(ip, stepKey.key), "a step in expect: steps go in a process's run: list");
      r.fail(it as N, ip, `no expectation kind: expected one of ${kinds.join(", ")}`);
    }
    // `process:` also appears in status? No: status names the process itself.
    const kind = which[0].key;
    if (which.length > 1) r.fail(which[1].keyNode, join(ip, which[1].key), `one kind per expectation: "${kind}" and "${which[1].key}" must be separate list items`);
    const base = { pos: r.pos(it as N), path: ip };
    const kp = join(ip, kind);
    const kv = which[0].value;
    const knownProc = (v: N, p: string): string => {
      const name = str(r, v, p);
      if (!names.processes.has(name)) {
        const known = [...names.processes.keys()];
        r.fail(v, p, `no process named "${name}"${suggest(name, known)} (processes: ${known.join(", ") || "none"})`);
      }
      return name;
    };
    const bkeys = ["min", "max", "equals"];
    switch (kind) {
      case "process": {
        checkKeys(r, es, ["process", "state", "signal"], ip, "a process expectation");
        const process = knownProc(kv, kp);
        const se = requireKey(r, es, "state", it as N, ip);
        const state = oneOf(r, se.value, `${ip}.state`, ["alive", "killed", "exited"] as const);
        const sg = get(es, "signal");
        const signal = sg ? oneOf(r, sg.value, `${ip}.signal`, ["SIGKILL", "SIGSEGV", "SIGBUS"] as const) : undefined;
        if (signal && state !== "killed") r.fail(sg?.keyNode ?? null, `${ip}.signal`, "signal only applies to state: killed");
        return { ...base, kind: "process", process, state, ...(signal ? { signal } : {}) };
      }
      case "meminfo":
      case "vmstat": {
        checkKeys(r, es, [kind, ...bkeys], ip, `a ${kind} expectation`);
        const field = str(r, kv, kp);
        const b = bounds(r, es, ip, kind === "meminfo" ? "kB" : "count");
        if (Object.keys(b).length === 0) r.fail(it as N, ip, "expected min, max or equals");
        return { ...base, kind, field, ...b };
      }
      case "capture": {
        checkKeys(r, es, ["capture", "field", "since", "matches", ...bkeys], ip, "a capture expectation");
        const label = str(r, kv, kp);
        const checkLabel = (l: string, v: N, p: string): void => {
          if (!names.labels.has(l)) r.fail(v, p, `no capture labelled "${l}"${suggest(l, [...names.labels])} (labels: ${[...names.labels].join(", ") || "none"})`);
        };
        checkLabel(label, kv, kp);
        const me = get(es, "matches");
        if (me) {
          if (get(es, "field")) r.fail(me.keyNode, `${ip}.matches`, "give field or matches, not both");
          if (get(es, "since")) r.fail(get(es, "since")?.keyNode ?? null, `${ip}.since`, "since only applies to field");
          const re = str(r, me.value, `${ip}.matches`);
          try {
            new RegExp(re, "m");
          } catch (e) {
            r.fail(me.value, `${ip}.matches`, `not a regular expression: ${(e as Error).message}`);
          }
          const b = bounds(r, es, ip, "count");
          return { ...base, kind: "capture_lines", label, matches: re, ...(Object.keys(b).length ? b : { min: 1 }) };
        }
        const fe = requireKey(r, es, "field", it as N, ip);
        const se = get(es, "since");
        const since = se ? str(r, se.value, `${ip}.since`) : undefined;
        if (since !== undefined) checkLabel(since, se?.value ?? null, `${ip}.since`);
        const b = bounds(r, es, ip, "kB");
        if (Object.keys(b).length === 0) r.fail(it as N, ip, "expected min, max or equals");
        return { ...base, kind: "capture", label, field: str(r, fe.value, `${ip}.field`), ...(since !== undefined ? { since } : {}), ...b };
      }
      case "event": {
        checkKeys(r, es, ["event", ...bkeys], ip, "an event expectation");
        const event = str(r, kv, kp);
        const b = bounds(r, es, ip, "count");
        return { ...base, kind: "event", event, ...(Object.keys(b).length ? b : { min: 1 }) };
      }
      case "dmesg": {
        checkKeys(r, es, ["dmesg"], ip, "a dmesg expectation");
        return { ...base, kind: "dmesg", contains: str(r, kv, kp) };
      }
      case "status": {
        checkKeys(r, es, ["status", "field", ...bkeys], ip, "a status expectation");
        const process = knownProc(kv, kp);
        const fe = requireKey(r, es, "field", it as N, ip);
        const b = bounds(r, es, ip, "kB");
        if (Object.keys(b).length === 0) r.fail(it as N, ip, "expected min, max or equals");
        return { ...base, kind: "status", process, field: str(r, fe.value, `${ip}.field`), ...b };
      }
    }
    return r.fail(it as N, ip, "unknown expectation");
  });
}

/** Checks `wait:` names, which may refer to processes defined anywhere in the file. */
function checkWaits(r: Reader, steps: Step[], names: Names, lineOf: (s: Step) => void): void {
  for (const s of steps) {
    if (s.kind === "wait" && !names.processes.has(s.process)) lineOf(s);
    if (s.kind === "fork") checkWaits(r, s.run, names, lineOf);
  }
}

/**
 * Parses and validates a scenario. `file` names it in messages ("scenario.yaml").
 * @throws ScenarioError with file:line:col, field path and message, on one line.
 */
export function parseScenario(input: string | Uint8Array, file = "scenario.yaml"): Scenario {
  let text: string;
  if (typeof input === "string") text = input;
  else {
    const nul = input.indexOf(0);
    if (nul >= 0) throw new ScenarioError(file, 1, 1, "", `not a text file: binary data (a NUL byte at offset ${nul})`);
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input);
    } catch {
      throw new ScenarioError(file, 1, 1, "", "not a text file: the bytes are not valid UTF-8");
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // eslint-disable-next-line no-control-regex
  const ctl = /[\u0000-\u0008\u000e-\u001f\u007f]/.exec(text);
  if (ctl) {
    const before = text.slice(0, ctl.index);
    const line = before.split("\n").length;
    const col = ctl.index - before.lastIndexOf("\n");
    throw new ScenarioError(file, line, col, "", `not a text file: control character 0x${ctl[0].charCodeAt(0).toString(16).padStart(2, "0")}`);
  }
  if (text.trim() === "" || text.split("\n").every((l) => /^\s*(#.*)?$/.test(l))) {
    throw new ScenarioError(file, 1, 1, "", "empty scenario: expected a mapping with machine: and processes:");
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1) {
    const p = lc.linePos(list[1].range[0]);
    throw new ScenarioError(file, p.line, p.col, "", "more than one YAML document: a scenario is one document (remove the ---)");
  }
  const doc = list[0] as Document.Parsed | undefined;
  if (!doc) throw new ScenarioError(file, 1, 1, "", "empty scenario: expected a mapping with machine: and processes:");
  const yerr = doc.errors[0];
  if (yerr) {
    const lp = yerr.linePos?.[0] ?? lc.linePos(yerr.pos[0]);
    const msg = yerr.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ScenarioError(file, lp.line, lp.col, "", `YAML syntax: ${msg}`);
  }
  const r = new Reader(file, lc, doc);
  const root = doc.contents as N;
  if (isNull(r, root)) throw new ScenarioError(file, 1, 1, "", "empty scenario: expected a mapping with machine: and processes:");
  const es = entries(r, root, "", "a scenario mapping (machine:, processes:, expect:)");
  checkKeys(r, es, TOP_KEYS, "", "the scenario");
  const names: Names = { processes: new Map(), labels: new Set() };
  const ve = get(es, "version");
  if (ve && int(r, ve.value, "version", 0, 2 ** 31) !== 1) r.fail(ve.value, "version", `this mmsim reads scenario format version 1 only, not ${scalarValue(r, ve.value)}`);
  const ne = get(es, "name");
  const de = get(es, "description");
  const se = get(es, "seed");
  const me = get(es, "machine");
  const tl = get(es, "time_limit");
  const sysctl_pos: Record<string, SourcePos> = {};
  const machine = me && !isNull(r, me.value) ? parseMachine(r, me.value, "machine", sysctl_pos) : {};
  const pe = get(es, "processes");
  const processes = pe ? parseProcesses(r, pe.value, "processes", names) : [];
  for (const p of processes) {
    checkWaits(r, p.run, names, (s) => {
      const known = [...names.processes.keys()];
      throw new ScenarioError(file, s.pos.line, s.pos.col, `${s.path}.wait`, `no process named "${s.kind === "wait" ? s.process : ""}"${s.kind === "wait" ? suggest(s.process, known) : ""} (processes: ${known.join(", ")})`);
    });
  }
  const xe = get(es, "expect");
  const expect = xe ? parseExpect(r, xe.value, "expect", names) : [];
  const sc: Scenario = {
    file,
    version: 1,
    name: ne ? str(r, ne.value, "name") : file.replace(/^.*\//, "").replace(/\.ya?ml$/, ""),
    description: de ? str(r, de.value, "description") : "",
    seed: se ? int(r, se.value, "seed", 0, 2 ** 32 - 1) : 1,
    machine,
    processes,
    expect,
    time_limit: tl ? duration(r, tl.value, "time_limit") : 3600e9,
    sysctl_pos,
  };
  return sc;
}
