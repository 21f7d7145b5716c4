/**
 * Trace readers: bytes in, keys out, streaming. A reader is pushed chunks of any size (a file
 * read, a gunzip stream, a zstd stream) and hands its keys to a sink in batches of up to
 * BATCH, as (low half, high half, flags) columns; it keeps at most one partial record or one
 * partial line between chunks, so memory stays bounded whatever the trace's length.
 *
 * Formats (docs/replay.md has each one's layout):
 * - `u32`, `u64`: raw little-endian keys, no header.
 * - `oracleGeneral`: libCacheSim's 24-byte records, packed: u32 timestamp, u64 object id,
 *   u32 object size, i64 next-access vtime (traceReader/customizedReader/oracle/
 *   oracleGeneralBin.h reads the id at byte 4). Only the id is used: objects have size 1
 *   and OPT computes next accesses itself.
 * - `csv`, `txt`: one request per line, the key in a chosen column (1-based; commas for csv,
 *   runs of blanks for txt), decimal or 0x-hex; blank lines and `#` comments are skipped.
 * - `lackey`: valgrind --tool=lackey --trace-mem=yes output: `I  04020a3b,3` (instruction
 *   fetch), ` L 1ffefffd58,8` (load), ` S …` (store), ` M …` (modify: load and store) — the
 *   formats lk_main.c prints with "I  %08lx,%lu" and " L %08lx,%lu". Addresses become page
 *   numbers (address >> 12); an access that straddles a page boundary touches both pages;
 *   I and L are reads, S and M writes. Valgrind's own `==pid==` / `--pid--` lines and
 *   superblock `SB` lines are skipped.
 * - `mmsim`: the model's own recorded page accesses (./access_format.ts).
 *
 * A malformed trace throws TraceError naming the byte offset (binary) or line (text).
 */
import { ACCESS_FLAG_FILE, ACCESS_FLAG_WRITE, ACCESS_HEADER_SIZE, ACCESS_MAGIC, ACCESS_RECORD_SIZE, ACCESS_VERSION, MAX_ACCESS_PAGE_HI } from "./access_format.js";
import { TraceError, groupDigits } from "./errors.js";

/** The trace formats `createTraceReader` reads. */
export const TRACE_FORMATS = Object.freeze(["u32", "u64", "oracleGeneral", "csv", "txt", "lackey", "mmsim"] as const);
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Set in a key's flags when the access wrote (lackey S and M, the model's recorded writes). */
export const KEY_WRITE = 1;

/** Keys per batch handed to the sink. */
export const BATCH = 4096;

/** The longest line a text trace may have; a longer one is an error, not unbounded memory. */
export const MAX_LINE_BYTES = 65536;

/** Where a reader delivers its keys. The arrays are reused for the next batch: copy what you keep. */
export interface KeySink {
  keys(lo: Uint32Array, hi: Uint32Array, flags: Uint8Array, n: number): void;
}

/** Options of the text formats and lackey. */
export interface ReaderOptions {
  /** csv/txt: the 1-based column holding the key (default 1). */
  keyColumn?: number;
  /** csv/txt: the first line is a header, not a request. */
  header?: boolean;
  /** lackey: log2 of the page size addresses are divided by (default 12, 4 KiB pages). */
  pageShift?: number;
}

/** A streaming reader: push chunks, then end(). */
export interface TraceReader {
  readonly format: TraceFormat;
  /** Parses a chunk; throws TraceError at the first malformed record or line. */
  push(chunk: Uint8Array): void;
  /** Ends the input: a partial record left over is a TraceError (a truncated trace). */
  end(): void;
  /** Keys delivered so far. */
  readonly requests: number;
  /** Bytes pushed so far. */
  readonly bytes: number;
}

/** A reader for `format` that delivers to `sink`. */
export function createTraceReader(format: TraceFormat, sink: KeySink, opts: ReaderOptions = {}): TraceReader {
  switch (format) {
    case "u32":
      return new BinaryReader(format, sink, 4);
    case "u64":
      return new BinaryReader(format, sink, 8);
    case "oracleGeneral":
      return new BinaryReader(format, sink, 24);
    case "mmsim":
      return new BinaryReader(format, sink, ACCESS_RECORD_SIZE);
    case "csv":
    case "txt":
    case "lackey":
      return new TextReader(format, sink, opts);
  }
}

/** Batches keys for the sink. */
class Batch {
  readonly lo = new Uint32Array(BATCH);
  readonly hi = new Uint32Array(BATCH);
  readonly flags = new Uint8Array(BATCH);
  n = 0;
  total = 0;
  constructor(private readonly sink: KeySink) {}
  add(lo: number, hi: number, flags: number): void {
    const n = this.n;
    this.lo[n] = lo;
    this.hi[n] = hi;
    this.flags[n] = flags;
    this.n = n + 1;
    if (n + 1 === BATCH) this.flush();
  }
  flush(): void {
    if (this.n === 0) return;
    const n = this.n;
    this.n = 0;
    this.total += n;
    this.sink.keys(this.lo, this.hi, this.flags, n);
  }
}

/** Fixed-size little-endian records: u32, u64, oracleGeneral, and the model's own format after its header. */
class BinaryReader implements TraceReader {
  private readonly batch: Batch;
  /** A record split across two chunks is gathered here. */
  private readonly carry: Uint8Array;
  private readonly carryView: DataView;
  private carryLen = 0;
  private consumed = 0;
  /** mmsim: the header still to read, its bytes, and what it said. */
  private headerLeft: number;
  private readonly header = new Uint8Array(ACCESS_HEADER_SIZE);
  private recordSize: number;
  private declaredRecords = 0;
  /** mmsim: (space, file bit) → small index, so (space, page) fits a 64-bit key. */
  private readonly spaces = new Map<number, number>();
  private lastSpaceKey = -1;
  private lastSpaceIdx = 0;

  constructor(
    readonly format: TraceFormat,
    sink: KeySink,
    recordSize: number,
  ) {
    this.batch = new Batch(sink);
    this.recordSize = recordSize;
    this.headerLeft = format === "mmsim" ? ACCESS_HEADER_SIZE : 0;
    // mmsim records may be longer than 16 bytes in a later version; the carry is sized when the header is read.
    this.carry = new Uint8Array(format === "mmsim" ? 4096 : recordSize);
    this.carryView = new DataView(this.carry.buffer);
  }

  get requests(): number {
    return this.batch.total + this.batch.n;
  }

  get bytes(): number {
    return this.consumed;
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    const base = this.consumed;
    this.consumed += chunk.length;
    if (this.headerLeft > 0) {
      const take = Math.min(this.headerLeft, chunk.length);
      this.header.set(chunk.subarray(0, take), ACCESS_HEADER_SIZE - this.headerLeft);
      this.headerLeft -= take;
      off = take;
      if (this.headerLeft > 0) return;
      this.readHeader();
    }
    const rec = this.recordSize;
    if (this.carryLen > 0) {
      const take = Math.min(rec - this.carryLen, chunk.length - off);
      this.carry.set(chunk.subarray(off, off + take), this.carryLen);
      this.carryLen += take;
      off += take;
      if (this.carryLen < rec) return;
      this.decode(this.carryView, 0, base + off - rec);
      this.carryLen = 0;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const last = chunk.length - rec;
    if (this.format === "u32") {
      // The common case gets its own loop: one load per key.
      const b = this.batch;
      for (; off <= last; off += 4) b.add(view.getUint32(off, true), 0, 0);
    } else {
      for (; off <= last; off += rec) this.decode(view, off, base + off);
    }
    if (off < chunk.length) {
      this.carry.set(chunk.subarray(off), 0);
      this.carryLen = chunk.length - off;
    }
    this.batch.flush();
  }

  end(): void {
    if (this.headerLeft > 0) {
      if (this.consumed === 0) throw new TraceError("the trace is empty (0 bytes)", 0);
      throw new TraceError(`byte offset 0: the ${ACCESS_HEADER_SIZE}-byte mmsim access header is cut short after ${this.consumed} bytes`, 0);
    }
    if (this.carryLen > 0) {
      const at = this.consumed - this.carryLen;
      const what = this.format === "u32" || this.format === "u64" ? `${this.recordSize}-byte keys` : `${this.recordSize}-byte ${this.format} records`;
      throw new TraceError(
        `byte offset ${groupDigits(at)}: the trace is ${groupDigits(this.consumed)} bytes, not a whole number of ${what} (${this.carryLen} bytes left over: truncated?)`,
        at,
      );
    }
    this.batch.flush();
    if (this.format === "mmsim" && this.declaredRecords !== 0 && this.declaredRecords !== this.requests) {
      throw new TraceError(`the mmsim access header says ${groupDigits(this.declaredRecords)} records, the file holds ${groupDigits(this.requests)}`, 0);
    }
  }

  /** One record at `off` of `view`, which starts at byte `at` of the trace. */
  private decode(view: DataView, off: number, at: number): void {
    switch (this.format) {
      case "u32":
        this.batch.add(view.getUint32(off, true), 0, 0);
        return;
      case "u64":
        this.batch.add(view.getUint32(off, true), view.getUint32(off + 4, true), 0);
        return;
      case "oracleGeneral":
        // u32 timestamp at 0, u64 object id at 4 (packed), u32 size at 12, i64 next vtime at 16
        this.batch.add(view.getUint32(off + 4, true), view.getUint32(off + 8, true), 0);
        return;
      case "mmsim": {
        const pageLo = view.getUint32(off, true);
        const pageHi = view.getUint32(off + 4, true);
        const space = view.getUint32(off + 8, true);
        const flags = view.getUint8(off + 12);
        if (flags & ~(ACCESS_FLAG_WRITE | ACCESS_FLAG_FILE)) throw new TraceError(`byte offset ${groupDigits(at)}: unknown access flags 0x${flags.toString(16)} (only bits 0 and 1 are defined)`, at);
        if (pageHi > MAX_ACCESS_PAGE_HI) throw new TraceError(`byte offset ${groupDigits(at)}: page number beyond 2^44`, at);
        const spaceKey = space * 2 + (flags & ACCESS_FLAG_FILE ? 1 : 0);
        let idx = this.lastSpaceIdx;
        if (spaceKey !== this.lastSpaceKey) {
          const known = this.spaces.get(spaceKey);
          if (known !== undefined) idx = known;
          else {
            idx = this.spaces.size;
            if (idx >= 1 << 20) throw new TraceError(`byte offset ${groupDigits(at)}: more than 1,048,576 address spaces`, at);
            this.spaces.set(spaceKey, idx);
          }
          this.lastSpaceKey = spaceKey;
          this.lastSpaceIdx = idx;
        }
        // (space, page) as one 64-bit key: the space's index above the page's 44 bits.
        this.batch.add(pageLo, ((idx << 12) | pageHi) >>> 0, flags & ACCESS_FLAG_WRITE ? KEY_WRITE : 0);
        return;
      }
      default:
        throw new TraceError(`not a binary format: ${this.format}`);
    }
  }

  private readHeader(): void {
    const h = this.header;
    const v = new DataView(h.buffer);
    for (let i = 0; i < ACCESS_MAGIC.length; i++) {
      if (h[i] !== ACCESS_MAGIC.charCodeAt(i)) throw new TraceError(`byte offset 0: not an mmsim access trace (no "${ACCESS_MAGIC}" magic)`, 0);
    }
    const version = v.getUint32(8, true);
    if (version !== ACCESS_VERSION) throw new TraceError(`byte offset 8: mmsim access trace version ${version}; this mmsim reads version ${ACCESS_VERSION}`, 8);
    const recordSize = v.getUint32(12, true);
    if (recordSize < ACCESS_RECORD_SIZE || recordSize > this.carry.length) {
      throw new TraceError(`byte offset 12: record size ${recordSize} (expected ${ACCESS_RECORD_SIZE} to ${this.carry.length})`, 12);
    }
    this.recordSize = recordSize;
    const n = v.getUint32(24, true) + v.getUint32(28, true) * 4294967296;
    this.declaredRecords = n;
  }
}

/** Line-oriented traces: csv, txt and lackey. */
class TextReader implements TraceReader {
  private readonly batch: Batch;
  private readonly keyColumn: number;
  private readonly pageShift: number;
  private skipFirst: boolean;
  /** The current line's first part, when it started in an earlier chunk. */
  private carry = new Uint8Array(256);
  private carryLen = 0;
  private lineNo = 0;
  private consumed = 0;
  /** Scratch for a parsed key: [lo, hi]. */
  private readonly num = new Uint32Array(2);

  constructor(
    readonly format: TraceFormat,
    sink: KeySink,
    opts: ReaderOptions,
  ) {
    this.batch = new Batch(sink);
    this.keyColumn = opts.keyColumn ?? 1;
    if (!Number.isInteger(this.keyColumn) || this.keyColumn < 1) throw new TraceError(`key column must be a whole number from 1, got ${opts.keyColumn}`);
    this.pageShift = opts.pageShift ?? 12;
    if (!Number.isInteger(this.pageShift) || this.pageShift < 0 || this.pageShift > 31) throw new TraceError(`page shift must be 0 to 31, got ${opts.pageShift}`);
    this.skipFirst = opts.header === true && format !== "lackey";
  }

  get requests(): number {
    return this.batch.total + this.batch.n;
  }

  get bytes(): number {
    return this.consumed;
  }

  push(chunk: Uint8Array): void {
    this.consumed += chunk.length;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (this.carryLen > 0) {
        this.append(chunk, start, nl);
        this.line(this.carry, 0, this.carryLen);
        this.carryLen = 0;
      } else {
        if (nl - start > MAX_LINE_BYTES) this.tooLong();
        this.line(chunk, start, nl);
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk, start, chunk.length);
    this.batch.flush();
  }

  end(): void {
    if (this.carryLen > 0) {
      this.line(this.carry, 0, this.carryLen);
      this.carryLen = 0;
    }
    this.batch.flush();
  }

  private append(src: Uint8Array, s: number, e: number): void {
    const need = this.carryLen + (e - s);
    if (need > MAX_LINE_BYTES) this.tooLong();
    if (need > this.carry.length) {
      const c = new Uint8Array(Math.min(MAX_LINE_BYTES, Math.max(need, this.carry.length * 2)));
      c.set(this.carry.subarray(0, this.carryLen));
      this.carry = c;
    }
    this.carry.set(src.subarray(s, e), this.carryLen);
    this.carryLen = need;
  }

  private tooLong(): never {
    throw new TraceError(`line ${groupDigits(this.lineNo + 1)}: longer than ${groupDigits(MAX_LINE_BYTES)} bytes (is this a text trace?)`, undefined, this.lineNo + 1);
  }

  /** One line, b[s, e) without its newline. */
  private line(b: Uint8Array, s: number, e: number): void {
    this.lineNo++;
    if (e > s && b[e - 1] === 13) e--; // CRLF
    if (this.skipFirst) {
      this.skipFirst = false;
      return;
    }
    while (s < e && (b[s] === 32 || b[s] === 9)) s++;
    if (s === e || b[s] === 35 /* # */) return;
    if (this.format === "lackey") this.lackeyLine(b, s, e);
    else this.keyLine(b, s, e);
  }

  /** csv/txt: the key column's number. */
  private keyLine(b: Uint8Array, s: number, e: number): void {
    let col = 1;
    let fs = s;
    if (this.format === "csv") {
      // Fields split at commas; a field may be quoted, but may not hold a comma.
      while (col < this.keyColumn) {
        const c = b.indexOf(44, fs);
        if (c < 0 || c >= e) return this.noColumn(col);
        fs = c + 1;
        col++;
      }
      let fe = b.indexOf(44, fs);
      if (fe < 0 || fe > e) fe = e;
      this.key(b, fs, fe);
    } else {
      while (col < this.keyColumn) {
        while (fs < e && b[fs] !== 32 && b[fs] !== 9) fs++;
        while (fs < e && (b[fs] === 32 || b[fs] === 9)) fs++;
        if (fs >= e) return this.noColumn(col);
        col++;
      }
      let fe = fs;
      while (fe < e && b[fe] !== 32 && b[fe] !== 9) fe++;
      this.key(b, fs, fe);
    }
    this.batch.add(this.num[0], this.num[1], 0);
  }

  private noColumn(cols: number): never {
    throw new TraceError(`line ${groupDigits(this.lineNo)}: no column ${this.keyColumn} (the line has ${cols})`, undefined, this.lineNo);
  }

  /** Parses an unsigned decimal or 0x-hex key in b[s, e) (blanks and one pair of quotes allowed) into this.num. */
  private key(b: Uint8Array, s: number, e: number): void {
    while (s < e && (b[s] === 32 || b[s] === 9)) s++;
    while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
    if (e - s >= 2 && (b[s] === 34 || b[s] === 39) && b[e - 1] === b[s]) {
      s++;
      e--;
    }
    if (s === e) this.badKey(b, s, e, "an empty key");
    let lo = 0;
    let hi = 0;
    if (e - s > 2 && b[s] === 48 && (b[s + 1] === 120 || b[s + 1] === 88)) {
      if (e - s > 18) this.badKey(b, s, e, "a key larger than 64 bits");
      for (let i = s + 2; i < e; i++) {
        const d = hexDigit(b[i]);
        if (d < 0) this.badKey(b, s, e, "not a number");
        hi = ((hi << 4) | (lo >>> 28)) >>> 0;
        lo = ((lo << 4) | d) >>> 0;
      }
    } else {
      for (let i = s; i < e; i++) {
        const d = b[i] - 48;
        if (d < 0 || d > 9) this.badKey(b, s, e, "not a number");
        const l = lo * 10 + d; // < 2^36: exact
        const carry = Math.floor(l / 4294967296);
        lo = l - carry * 4294967296;
        hi = hi * 10 + carry;
        if (hi > 4294967295) this.badKey(b, s, e, "a key larger than 2^64 - 1");
      }
    }
    this.num[0] = lo;
    this.num[1] = hi;
  }

  private badKey(b: Uint8Array, s: number, e: number, why: string): never {
    const text = new TextDecoder().decode(b.subarray(s, Math.min(e, s + 40)));
    const col = this.format === "lackey" ? "" : ` in column ${this.keyColumn}`;
    throw new TraceError(`line ${groupDigits(this.lineNo)}: key "${text}"${col} is ${why} (keys are unsigned integers, decimal or 0x-hex)`, undefined, this.lineNo);
  }

  /** One lackey line: `I  04020a3b,3`, ` L 1ffefffd58,8`, ` S …`, ` M …`; valgrind's own lines skipped. */
  private lackeyLine(b: Uint8Array, s: number, e: number): void {
    const op = b[s];
    // ==pid== and --pid-- are valgrind's messages; SB lines come from --trace-superblocks=yes.
    if ((op === 61 && b[s + 1] === 61) || (op === 45 && b[s + 1] === 45) || (op === 83 && b[s + 1] === 66)) return;
    let write: number;
    if (op === 73 /* I */ || op === 76 /* L */) write = 0;
    else if (op === 83 /* S */ || op === 77 /* M */) write = KEY_WRITE;
    else return this.notLackey(b, s, e);
    let p = s + 1;
    if (p >= e || (b[p] !== 32 && b[p] !== 9)) return this.notLackey(b, s, e);
    while (p < e && (b[p] === 32 || b[p] === 9)) p++;
    const comma = b.indexOf(44, p);
    if (comma < 0 || comma >= e || comma === p || comma - p > 16) return this.notLackey(b, s, e);
    let lo = 0;
    let hi = 0;
    for (let i = p; i < comma; i++) {
      const d = hexDigit(b[i]);
      if (d < 0) return this.notLackey(b, s, e);
      hi = ((hi << 4) | (lo >>> 28)) >>> 0;
      lo = ((lo << 4) | d) >>> 0;
    }
    let size = 0;
    let q = comma + 1;
    for (; q < e && b[q] >= 48 && b[q] <= 57; q++) {
      size = size * 10 + (b[q] - 48);
      if (size > 1 << 20) throw new TraceError(`line ${groupDigits(this.lineNo)}: an access of more than 1 MiB`, undefined, this.lineNo);
    }
    if (q === comma + 1) return this.notLackey(b, s, e);
    while (q < e && (b[q] === 32 || b[q] === 9)) q++;
    if (q !== e) return this.notLackey(b, s, e);
    // Pages first..last of bytes [addr, addr + size - 1] (size 0 counts as one byte).
    // Simplified: one page size for every address (4 KiB by default); huge pages are not known here.
    const sh = this.pageShift;
    const firstLo = sh === 0 ? lo : ((lo >>> sh) | (hi << (32 - sh))) >>> 0;
    const firstHi = sh === 0 ? hi : hi >>> sh;
    const endLo = lo + Math.max(size, 1) - 1;
    const carry = endLo > 4294967295 ? 1 : 0;
    const lastLo32 = (endLo - carry * 4294967296) >>> 0;
    const lastHi32 = (hi + carry) >>> 0;
    const lastLo = sh === 0 ? lastLo32 : ((lastLo32 >>> sh) | (lastHi32 << (32 - sh))) >>> 0;
    let pLo = firstLo;
    let pHi = firstHi;
    for (;;) {
      this.batch.add(pLo, pHi, write);
      if (pLo === lastLo) break;
      pLo = (pLo + 1) >>> 0;
      if (pLo === 0) pHi = (pHi + 1) >>> 0;
    }
  }

  private notLackey(b: Uint8Array, s: number, e: number): never {
    const text = new TextDecoder().decode(b.subarray(s, Math.min(e, s + 60)));
    throw new TraceError(`line ${groupDigits(this.lineNo)}: "${text}" is not a lackey record ("I  ADDR,SIZE", " L …", " S …" or " M …")`, undefined, this.lineNo);
  }
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The format of a trace from its file name (after .gz/.zst) and its first bytes, or null when
 * neither says: `*.u32`, `*.u64`, names holding `oracleGeneral` (as libCacheSim names them),
 * the mmsim magic, a lackey header or record, `*.csv`, `*.txt`.
 */
export function detectFormat(name: string, head: Uint8Array): TraceFormat | null {
  let n = name.toLowerCase();
  for (const z of [".gz", ".zst"]) if (n.endsWith(z)) n = n.slice(0, -z.length);
  let magic = true;
  for (let i = 0; i < ACCESS_MAGIC.length; i++) if (head[i] !== ACCESS_MAGIC.charCodeAt(i)) magic = false;
  if (magic && head.length >= ACCESS_MAGIC.length) return "mmsim";
  if (n.includes("oraclegeneral")) return "oracleGeneral";
  if (n.endsWith(".u32")) return "u32";
  if (n.endsWith(".u64")) return "u64";
  const text = new TextDecoder().decode(head.subarray(0, 4096));
  const first = text.split("\n").find((l) => l.trim() !== "");
  if (first !== undefined && (/^==\d+== /.test(first) || /^(I {2}| [LSM] )[0-9a-f]+,\d+\s*$/.test(first))) return "lackey";
  if (n.endsWith(".lackey")) return "lackey";
  if (n.endsWith(".csv")) return "csv";
  if (n.endsWith(".txt")) return "txt";
  return null;
}
