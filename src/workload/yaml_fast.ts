/**
 * A reader for the plain subset of YAML that scenario files are written in, in one pass over the
 * text: time and memory in proportion to the file (a 10 MB scenario in well under a second, where
 * the general `yaml` package needs tens of seconds and gigabytes). It builds the same YNode tree,
 * with the same offsets and the same YAML 1.2 core-schema scalar values, as `fromYamlDocument`
 * does from the package's Document; the parser uses the package only for what this reader leaves
 * out, and for its syntax error messages.
 *
 * The subset:
 * - block mappings (`key: value`, keys plain or quoted on one line) and block sequences (`- item`,
 *   `- key: value` starting a mapping inside the item, a sequence as a mapping's value at the
 *   key's own column);
 * - flow mappings and sequences on one line (`{ name: heap, size: 4K }`, `[10, 20]`), nested,
 *   with an optional trailing comma;
 * - one-line plain, 'single-quoted' and "double-quoted" scalars (the usual escapes);
 * - comments, blank lines, CRLF line ends, one leading `---`.
 * Anything else — anchors and aliases, tags, block (`|`, `>`) and multi-line scalars, flow
 * collections over several lines, complex keys, documents after the first, tabs, duplicate keys
 * and every syntax error — is `Unsupported`, with the offset and what was met, and the caller
 * hands the text to the `yaml` package instead.
 * @see https://yaml.org/spec/1.2.2/ (the core schema: §10.3)
 */
import { YMap, YScalar, YSeq, type YNode } from "./yaml_tree.js";

/** Where the text leaves the subset, and how. */
export class Unsupported {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

class Bail {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

const SP = 0x20;
const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const BACKSLASH = 0x5c;

/** Longest implicit key YAML allows (1024 characters). */
const MAX_KEY = 1024;

/** Characters that cannot start a plain scalar (c-indicator), as the reader sees them. */
const INDICATORS = "-?:,[]{}#&*!|>'\"%@`";

/**
 * A plain scalar's value under the YAML 1.2 core schema, tested in the `yaml` package's order and
 * converted with the same functions (parseInt, parseFloat), so both readers agree bit for bit.
 */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Most scalars are words ("heap", "128M", "write"): a letter other than those that begin
  // null, true, false, or a digit-led size, can only be a string.
  if (s === "" || s === "~" || s === "null" || s === "Null" || s === "NULL") return null;
  if (s === "true" || s === "True" || s === "TRUE") return true;
  if (s === "false" || s === "False" || s === "FALSE") return false;
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2b || c === DASH || c === 0x2e)) return s;
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) return s.slice(-3).toLowerCase() === "nan" ? NaN : s[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  return s;
}

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};

class SubsetReader {
  private readonly n: number;
  /**
   * Stacks the collections being read push their entries on; each takes its own off with
   * splice, which allocates the exact length. (An array grown by push keeps room for 17 entries
   * or more: for the many one- and two-entry mappings of a scenario that was most of the tree.)
   */
  private readonly pairs: Array<YNode | null> = [];
  private readonly nodes: YNode[] = [];
  /** Short scalar texts seen so far, so repeated keys and words share one string. */
  private readonly words = new Map<string, string>();
  /** The current line: its start, indentation and first content character; ls -1 at the end. */
  private ls = -1;
  private ind = 0;
  private cs = 0;
  /** Where an inline value ended. */
  private i = 0;

  constructor(private readonly t: string) {
    this.n = t.length;
  }

  read(): YNode | null {
    this.peek(0, true);
    // One explicit document start is allowed before the content.
    let marker = -1;
    if (this.ls !== -1 && this.ind === 0 && this.t.startsWith("---", this.cs) && this.eolOrSpace(this.cs + 3)) {
      const p = this.skipSpaces(this.cs + 3);
      if (!this.lineEnd(p)) throw new Bail(p, "content on the --- line");
      marker = p;
      this.peek(this.nextLine(p));
    }
    // A "---" with nothing after it is a document whose content is an empty (null) scalar, where
    // the marker's line content would begin, as the yaml package has it; no text is no document.
    if (this.ls === -1) return marker >= 0 ? new YScalar(marker, null) : null;
    const root = this.block(this.ind, this.cs);
    if (this.ls !== -1) throw new Bail(this.cs, "content after the document's end");
    return root;
  }

  /** The text [p, e), one shared string per short word. */
  private word(p: number, e: number): string {
    const s = this.t.slice(p, e);
    if (e - p > 24) return s;
    const known = this.words.get(s);
    if (known !== undefined) return known;
    if (this.words.size < 65536) this.words.set(s, s);
    return s;
  }

  /** A key must not repeat in its mapping (whose pairs start at `base` on the stack). */
  private checkUnique(base: number, key: YScalar, at: number): void {
    for (let i = base; i < this.pairs.length; i += 2) if ((this.pairs[i] as YScalar).value === key.value) throw new Bail(at, "a duplicate key");
  }

  /** Moves to the first content line at or after `from` (skipping blank and comment lines). */
  private peek(from: number, first = false): void {
    const t = this.t;
    const n = this.n;
    for (;;) {
      if (from >= n) {
        this.ls = -1;
        return;
      }
      let j = from;
      while (j < n && t.charCodeAt(j) === SP) j++;
      const ch = j < n ? t.charCodeAt(j) : LF;
      if (ch === TAB) throw new Bail(j, "a tab in indentation");
      if (ch === LF || (ch === CR && t.charCodeAt(j + 1) === LF)) {
        from = ch === LF ? j + 1 : j + 2;
        continue;
      }
      if (ch === HASH) {
        from = this.nextLine(j);
        continue;
      }
      if (j === from && ((!first && t.startsWith("---", j) && this.eolOrSpace(j + 3)) || (t.startsWith("...", j) && this.eolOrSpace(j + 3)) || ch === 0x25)) {
        throw new Bail(j, "a document marker or directive");
      }
      this.ls = from;
      this.ind = j - from;
      this.cs = j;
      return;
    }
  }

  private nextLine(p: number): number {
    const i = this.t.indexOf("\n", p);
    return i === -1 ? this.n : i + 1;
  }

  private skipSpaces(p: number): number {
    while (p < this.n && this.t.charCodeAt(p) === SP) p++;
    return p;
  }

  /** The end of a line's content at p: a line break, the end of the text. */
  private eol(p: number): boolean {
    if (p >= this.n) return true;
    const c = this.t.charCodeAt(p);
    return c === LF || (c === CR && this.t.charCodeAt(p + 1) === LF);
  }

  private eolOrSpace(p: number): boolean {
    return this.eol(p) || this.t.charCodeAt(p) === SP;
  }

  /** A line's content ends at p: a line break, or a comment (a # after a space). */
  private lineEnd(p: number): boolean {
    if (this.eol(p)) return true;
    return this.t.charCodeAt(p) === HASH && p > 0 && this.t.charCodeAt(p - 1) === SP;
  }

  private seqIndicator(p: number): boolean {
    return this.t.charCodeAt(p) === DASH && this.eolOrSpace(p + 1);
  }

  /** A block node whose content starts at column `col`, offset `cs`, of the current line. */
  private block(col: number, cs: number): YNode {
    if (this.seqIndicator(cs)) return this.seq(col);
    if (this.keyEnd(cs) >= 0) return this.map(col, cs);
    throw new Bail(cs, "a value on a line of its own");
  }

  /**
   * Where the implicit key at p ends (the offset of its `:`), or -1 when p starts no key (a
   * value, a comment). A quoted key is read in full here.
   */
  private keyEnd(p: number): number {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE) {
      const end = c === DQUOTE ? this.dqEnd(p) : this.sqEnd(p);
      const q = this.skipSpaces(end);
      return t.charCodeAt(q) === COLON && this.eolOrSpace(q + 1) ? q : -1;
    }
    if (INDICATORS.includes(t[p])) return -1;
    for (let j = p; j < this.n && j - p <= MAX_KEY; j++) {
      const ch = t.charCodeAt(j);
      if (ch === LF || ch === CR) return -1;
      if (ch === COLON && this.eolOrSpace(j + 1)) return j;
      if (ch === HASH && t.charCodeAt(j - 1) === SP) return -1;
      if (ch === TAB) throw new Bail(j, "a tab");
    }
    return -1;
  }

  /** The key at p, whose `:` is at `colon`. */
  private key(p: number, colon: number): YScalar {
    const c = this.t.charCodeAt(p);
    if (c === DQUOTE) return new YScalar(p, this.dq(p));
    if (c === SQUOTE) return new YScalar(p, this.sq(p));
    let e = colon;
    while (e > p && this.t.charCodeAt(e - 1) === SP) e--;
    return new YScalar(p, resolvePlain(this.word(p, e)));
  }

  /** A block mapping at column `col` whose first key starts at `first` (mid-line in `- key: value`). */
  private map(col: number, first: number): YMap {
    const base = this.pairs.length;
    let k = first;
    for (;;) {
      const colon = this.keyEnd(k);
      if (colon < 0) throw new Bail(k, "a line that is not key: value in a mapping");
      const key = this.key(k, colon);
      this.checkUnique(base, key, k);
      const p = this.skipSpaces(colon + 1);
      let value: YNode;
      if (this.lineEnd(p)) {
        this.peek(this.nextLine(p));
        if (this.ls !== -1 && this.ind > col) value = this.block(this.ind, this.cs);
        else if (this.ls !== -1 && this.ind === col && this.seqIndicator(this.cs)) value = this.seq(col);
        else value = new YScalar(p, null);
      } else {
        value = this.inline(p, false);
        this.endOfLine(col);
      }
      this.pairs.push(key, value);
      if (this.ls === -1 || this.ind < col) break;
      if (this.ind > col) throw new Bail(this.cs, "inconsistent indentation");
      if (this.seqIndicator(this.cs)) throw new Bail(this.cs, "a list item where a key was expected");
      k = this.cs;
    }
    return new YMap(first, this.pairs.splice(base));
  }

  /** A block sequence whose first `-` is the current line's content, at column `col`. */
  private seq(col: number): YSeq {
    const base = this.nodes.length;
    const offset = this.cs;
    for (;;) {
      const dash = this.cs;
      const p = this.skipSpaces(dash + 1);
      let item: YNode;
      if (this.lineEnd(p)) {
        this.peek(this.nextLine(p));
        item = this.ls !== -1 && this.ind > col ? this.block(this.ind, this.cs) : new YScalar(p, null);
      } else if (this.seqIndicator(p)) {
        throw new Bail(p, "a list directly inside a list item");
      } else if (this.keyEnd(p) >= 0) {
        item = this.map(col + (p - dash), p);
      } else {
        item = this.inline(p, false);
        this.endOfLine(col);
      }
      this.nodes.push(item);
      if (this.ls === -1 || this.ind < col) break;
      if (this.ind > col) throw new Bail(this.cs, "inconsistent indentation");
      if (!this.seqIndicator(this.cs)) break; // the key after a list that was a mapping's value
    }
    return new YSeq(offset, this.nodes.splice(base));
  }

  /** After an inline value: nothing but a comment on the line, and no deeper line after it. */
  private endOfLine(col: number): void {
    const q = this.skipSpaces(this.i);
    if (!this.lineEnd(q)) throw new Bail(q, "more after a value on its line");
    this.peek(this.nextLine(q));
    if (this.ls !== -1 && this.ind > col) throw new Bail(this.cs, "an indented line after a value (a multi-line scalar)");
  }

  /** A value that starts at p and ends on its line; sets this.i to just after it. */
  private inline(p: number, flow: boolean): YNode {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === LBRACE) return this.flowMap(p);
    if (c === LBRACKET) return this.flowSeq(p);
    if (c === DQUOTE) {
      const v = this.dq(p);
      return new YScalar(p, v);
    }
    if (c === SQUOTE) {
      const v = this.sq(p);
      return new YScalar(p, v);
    }
    if (INDICATORS.includes(t[p]) && !((c === DASH || c === 0x3f || c === COLON) && !this.eolOrSpace(p + 1) && !(flow && ",[]{}".includes(t[p + 1] ?? "")))) {
      throw new Bail(p, `a value starting with ${t[p]}`);
    }
    return this.plain(p, flow);
  }

  private plain(p: number, flow: boolean): YScalar {
    const t = this.t;
    const n = this.n;
    let j = p;
    for (; j < n; j++) {
      const ch = t.charCodeAt(j);
      if (ch === LF || ch === CR) break;
      if (ch === HASH && t.charCodeAt(j - 1) === SP) break;
      if (ch === TAB) throw new Bail(j, "a tab");
      if (ch === COLON && (this.eolOrSpace(j + 1) || (flow && ",[]{}".includes(t[j + 1] ?? "")))) throw new Bail(j, "a key: value inside a value");
      if (flow && (ch === COMMA || ch === RBRACE || ch === RBRACKET)) break;
      if (flow && (ch === LBRACE || ch === LBRACKET)) throw new Bail(j, "a bracket inside a plain value");
    }
    if (j < n && t.charCodeAt(j) === CR && t.charCodeAt(j + 1) !== LF) throw new Bail(j, "a lone carriage return");
    let e = j;
    while (e > p && t.charCodeAt(e - 1) === SP) e--;
    if (e === p) throw new Bail(p, "an empty value");
    this.i = e;
    return new YScalar(p, resolvePlain(this.word(p, e)));
  }

  /** The offset just after the double-quoted scalar at p. */
  private dqEnd(p: number): number {
    const t = this.t;
    for (let j = p + 1; j < this.n; j++) {
      const ch = t.charCodeAt(j);
      if (ch === DQUOTE) return j + 1;
      if (ch === BACKSLASH) j++;
      else if (ch === LF || ch === CR) throw new Bail(p, "a quoted value over several lines");
    }
    throw new Bail(p, "an unclosed quote");
  }

  private dq(p: number): string {
    const t = this.t;
    let out = "";
    let from = p + 1;
    for (let j = p + 1; j < this.n; j++) {
      const ch = t.charCodeAt(j);
      if (ch === DQUOTE) {
        this.i = j + 1;
        return out + t.slice(from, j);
      }
      if (ch === LF || ch === CR) throw new Bail(p, "a quoted value over several lines");
      if (ch === BACKSLASH) {
        out += t.slice(from, j);
        const e = t[j + 1] ?? "";
        const hex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
        if (hex) {
          const h = t.substr(j + 2, hex);
          if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== hex) throw new Bail(j, "a bad escape");
          const cp = parseInt(h, 16);
          if (cp > 0x10ffff) throw new Bail(j, "a bad escape");
          out += String.fromCodePoint(cp);
          j += 1 + hex;
        } else {
          const r = ESCAPES[e];
          if (r === undefined) throw new Bail(j, "an escape outside the subset");
          out += r;
          j += 1;
        }
        from = j + 1;
      }
    }
    throw new Bail(p, "an unclosed quote");
  }

  private sqEnd(p: number): number {
    const t = this.t;
    for (let j = p + 1; j < this.n; j++) {
      const ch = t.charCodeAt(j);
      if (ch === SQUOTE) {
        if (t.charCodeAt(j + 1) === SQUOTE) j++;
        else return j + 1;
      } else if (ch === LF || ch === CR) throw new Bail(p, "a quoted value over several lines");
    }
    throw new Bail(p, "an unclosed quote");
  }

  private sq(p: number): string {
    const end = this.sqEnd(p);
    this.i = end;
    return this.t.slice(p + 1, end - 1).replace(/''/g, "'");
  }

  /** The separator after a flow entry: past `,` (and spaces) or at the closing bracket. */
  private flowNext(j: number, close: number): { at: number; closed: boolean } {
    const t = this.t;
    j = this.skipSpaces(j);
    const ch = t.charCodeAt(j);
    if (ch === COMMA) {
      j = this.skipSpaces(j + 1);
      if (t.charCodeAt(j) === close) return { at: j, closed: true };
      return { at: j, closed: false };
    }
    if (ch === close) return { at: j, closed: true };
    throw new Bail(j, this.eol(j) ? "a flow collection over several lines" : "a flow collection the subset does not read");
  }

  private flowMap(p: number): YMap {
    const t = this.t;
    const base = this.pairs.length;
    let j = this.skipSpaces(p + 1);
    if (t.charCodeAt(j) === RBRACE) {
      this.i = j + 1;
      return new YMap(p, []);
    }
    for (;;) {
      const c = t.charCodeAt(j);
      let key: YScalar;
      let colon: number;
      if (c === DQUOTE || c === SQUOTE) {
        key = new YScalar(j, c === DQUOTE ? this.dq(j) : this.sq(j));
        colon = this.skipSpaces(this.i);
        if (t.charCodeAt(colon) !== COLON) throw new Bail(colon, "a flow key without a value");
      } else {
        if (INDICATORS.includes(t[j]) || this.eol(j)) throw new Bail(j, "a flow key the subset does not read");
        let k = j;
        for (; ; k++) {
          if (this.eol(k)) throw new Bail(k, "a flow collection over several lines");
          const ch = t.charCodeAt(k);
          if (ch === COLON && (this.eolOrSpace(k + 1) || ",[]{}".includes(t[k + 1] ?? ""))) break;
          if (ch === COMMA || ch === RBRACE || ch === RBRACKET || ch === LBRACE || ch === LBRACKET || ch === TAB || (ch === HASH && t.charCodeAt(k - 1) === SP)) throw new Bail(k, "a flow key the subset does not read");
          if (k - j > MAX_KEY) throw new Bail(j, "a key longer than 1024 characters");
        }
        let e = k;
        while (e > j && t.charCodeAt(e - 1) === SP) e--;
        key = new YScalar(j, resolvePlain(this.word(j, e)));
        colon = k;
      }
      this.checkUnique(base, key, j);
      const v = this.skipSpaces(colon + 1);
      const vc = t.charCodeAt(v);
      let value: YNode;
      if (vc === COMMA || vc === RBRACE) {
        value = new YScalar(v, null);
        this.i = v;
      } else value = this.inline(v, true);
      this.pairs.push(key, value);
      const nx = this.flowNext(this.i, RBRACE);
      if (nx.closed) {
        this.i = nx.at + 1;
        return new YMap(p, this.pairs.splice(base));
      }
      j = nx.at;
    }
  }

  private flowSeq(p: number): YSeq {
    const t = this.t;
    const base = this.nodes.length;
    let j = this.skipSpaces(p + 1);
    if (t.charCodeAt(j) === RBRACKET) {
      this.i = j + 1;
      return new YSeq(p, []);
    }
    for (;;) {
      const c = t.charCodeAt(j);
      if (c === COMMA || c === RBRACKET || this.eol(j)) throw new Bail(j, "an empty flow entry");
      const item = this.inline(j, true);
      this.nodes.push(item);
      const nx = this.flowNext(this.i, RBRACKET);
      if (nx.closed) {
        this.i = nx.at + 1;
        return new YSeq(p, this.nodes.splice(base));
      }
      j = nx.at;
    }
  }
}

/**
 * Reads `text` if it keeps to the subset: the root node (null for an empty document), or
 * Unsupported saying where and why it does not.
 */
export function parseYamlSubset(text: string): YNode | null | Unsupported {
  try {
    return new SubsetReader(text).read();
  } catch (e) {
    if (e instanceof Bail) return new Unsupported(e.offset, e.reason);
    throw e;
  }
}
