/**
 * Reading a YAML tree (yaml_tree.ts) as typed values, each read able to fail with a located
 * ScenarioError: `file:line:col field.path: what is wrong`. The scenario parser (parse.ts,
 * parse_steps.ts) is written in these terms — `entries` of a mapping, `str`, `int`, `size`,
 * `duration`, `oneOf` — so every message points at the key or value it is about: an unknown key
 * at the key, a bad value at the value, a missing key at the mapping that lacks it.
 */
import { parseDuration, parseSize } from "../sim/index.js";
import { MAX_DURATION, ScenarioError, type SourcePos } from "./schema.js";
import type { LineIndex, YNode } from "./yaml_tree.js";

export type N = YNode | null;

const PAGE = 4096;

/** A node and its dotted path, with the source-position lookups the messages need. */
export class Reader {
  constructor(
    readonly file: string,
    private readonly lines: LineIndex,
  ) {}

  pos(node: N, fallback?: SourcePos): SourcePos {
    if (node === null) return fallback ?? { line: 1, col: 1 };
    return this.lines.linePos(node.offset);
  }

  fail(node: N, path: string, detail: string, fallback?: SourcePos): never {
    const p = this.pos(node, fallback);
    throw new ScenarioError(this.file, p.line, p.col, path, detail);
  }

  /** Follows `*alias` to its anchor (resolved when the tree was built). */
  deref(node: N): N {
    return node !== null && node.kind === "alias" ? node.target : node;
  }
}

/** A YAML mapping read key by key, remembering each key's node for messages. */
export interface MapEntry {
  key: string;
  keyNode: YNode;
  value: N;
}

/** What a node is, in words, for "expected …, got …". */
export function describe(r: Reader, node: N): string {
  node = r.deref(node);
  if (node === null) return "nothing";
  if (node.kind === "map") return "a mapping";
  if (node.kind === "seq") return "a list";
  if (node.kind === "scalar") {
    const v = node.value;
    if (v === null) return "nothing";
    if (typeof v === "number") return `the number ${v}`;
    if (typeof v === "boolean") return `${v}`;
    if (typeof v === "string") return `"${v.length > 40 ? v.slice(0, 37) + "…" : v}"`;
  }
  return "a value of another kind";
}

export function isNull(r: Reader, node: N): boolean {
  node = r.deref(node);
  return node === null || (node.kind === "scalar" && node.value === null);
}

/** The entries of a mapping; `what` says what was expected if it is not one. */
export function entries(r: Reader, node: N, path: string, what = "a mapping"): MapEntry[] {
  node = r.deref(node);
  if (node === null || node.kind !== "map") return r.fail(node, path, `expected ${what}, got ${describe(r, node)}`);
  const out: MapEntry[] = [];
  const kv = node.kv;
  for (let i = 0; i < kv.length; i += 2) {
    const k = kv[i] as YNode;
    if (k.kind !== "scalar" || (typeof k.value !== "string" && typeof k.value !== "number")) r.fail(k, path, "keys must be plain words");
    out.push({ key: String(k.value), keyNode: k, value: kv[i + 1] });
  }
  return out;
}

/** Edit distance counting a swap of neighbours as one edit ("tuoch" is 1 from "touch"), for "did you mean". */
function editDistance(a: string, b: string): number {
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

/** ` (did you mean "touch"?)` when `word` is a near miss of one of `known`, else "". */
export function suggest(word: string, known: readonly string[]): string {
  // Words are short in a scenario; a long one (a pasted line) is nobody's typo of a key.
  if (word.length > 64) return "";
  let best = "";
  let bd = Infinity;
  for (const k of known) {
    const dd = editDistance(word.toLowerCase(), k.toLowerCase());
    if (dd < bd) {
      bd = dd;
      best = k;
    }
  }
  return bd <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : "";
}

export function checkKeys(r: Reader, es: MapEntry[], allowed: readonly string[], path: string, what: string): void {
  for (const e of es) {
    if (!allowed.includes(e.key)) {
      r.fail(e.keyNode, join(path, e.key), `unknown key in ${what}${suggest(e.key, allowed)}; expected one of: ${allowed.join(", ")}`);
    }
  }
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function get(es: MapEntry[], key: string): MapEntry | undefined {
  return es.find((e) => e.key === key);
}

export function requireKey(r: Reader, es: MapEntry[], key: string, mapNode: N, path: string): MapEntry {
  const e = get(es, key);
  if (!e) return r.fail(mapNode, join(path, key), "missing (required)");
  return e;
}

export function scalarValue(r: Reader, node: N): unknown {
  node = r.deref(node);
  return node !== null && node.kind === "scalar" ? node.value : undefined;
}

export function str(r: Reader, node: N, path: string): string {
  const v = scalarValue(r, node);
  if (typeof v !== "string" || v.trim() === "") r.fail(node, path, `expected a word or text, got ${describe(r, node)}`);
  return (v as string).trim();
}

export function int(r: Reader, node: N, path: string, min: number, max: number): number {
  const v = scalarValue(r, node);
  if (typeof v !== "number" || !Number.isInteger(v)) r.fail(node, path, `expected a whole number, got ${describe(r, node)}`);
  const n = v as number;
  if (n < min || n > max) r.fail(node, path, `${n} is out of range: expected ${min} to ${max}`);
  return n;
}

export function num(r: Reader, node: N, path: string, min: number, max: number, exclusiveMin = false): number {
  const v = scalarValue(r, node);
  if (typeof v !== "number" || !Number.isFinite(v)) r.fail(node, path, `expected a number, got ${describe(r, node)}`);
  const n = v as number;
  if ((exclusiveMin ? n <= min : n < min) || n > max) r.fail(node, path, `${n} is out of range: expected ${exclusiveMin ? "more than" : "at least"} ${min} and at most ${max}`);
  return n;
}

export function bool(r: Reader, node: N, path: string): boolean {
  const v = scalarValue(r, node);
  if (typeof v !== "boolean") r.fail(node, path, `expected true or false, got ${describe(r, node)}`);
  return v as boolean;
}

/** A size: "128M" or a number of bytes, at most `max`. */
export function size(r: Reader, node: N, path: string, max: number, opts: { allowZero?: boolean; pageMultiple?: boolean } = {}): number {
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

/** A duration of simulated time: "10ms" (a bare number other than 0 needs a unit), at most 24h. */
export function duration(r: Reader, node: N, path: string): number {
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

export function oneOf<T extends string>(r: Reader, node: N, path: string, values: readonly T[]): T {
  const v = scalarValue(r, node);
  if (typeof v !== "string" || !values.includes(v as T)) {
    r.fail(node, path, `expected one of ${values.join(", ")}, got ${describe(r, node)}${typeof v === "string" ? suggest(v, values) : ""}`);
  }
  return v as T;
}

export function intList(r: Reader, node: N, path: string, min: number, max: number): number[] {
  const n = r.deref(node);
  if (n === null || n.kind !== "seq") return r.fail(n, path, `expected a list of whole numbers, got ${describe(r, n)}`);
  return n.items.map((it, i) => int(r, it, `${path}[${i}]`, min, max));
}

/** Bytes in the shortest unit for messages: 68719476736 → "64G". */
export function fmtBytes(b: number): string {
  for (const [u, f] of [["P", 2 ** 50], ["T", 2 ** 40], ["G", 2 ** 30], ["M", 2 ** 20], ["K", 2 ** 10]] as const) if (b >= f) return `${Math.round((b / f) * 10) / 10}${u}`;
  return `${b}`;
}
