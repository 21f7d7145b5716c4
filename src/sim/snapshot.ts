/**
 * Snapshots of an object graph: the generic serializer behind `Machine.snapshot()` and a scenario
 * run's `snapshot()`. It walks the graph from a root (a Machine: its Kernel and everything that
 * hangs off it, per docs/design.md principle 6) and writes every object it reaches into a flat,
 * plain-data table that survives `structuredClone` and `postMessage`, and that `encodeSnapshot`
 * turns into bytes for a file; `restoreGraph` builds an equal graph from it.
 *
 * What it knows how to copy:
 * - primitives (undefined, NaN, ±Infinity and -0 included), plain and null-prototype objects,
 *   arrays (holes kept), Maps, Sets, cycles and shared references (each object is written once
 *   and referred to by index);
 * - instances of the classes in the registry, by the registry's name for them (never by
 *   `constructor.name`, which a minifier renames): restored with `Object.create(prototype)` and
 *   their own fields, so no constructor runs;
 * - ArrayBuffers, sparsely: all-zero chunks of CHUNK_BYTES are skipped, so a 64 GiB machine whose
 *   memmap is mostly untouched snapshots small and fast; typed arrays and DataViews as views on
 *   them, so two views that share a buffer (a zone's pcp_area and its per-CPU slices) still do;
 * - functions and constant objects by the name the registry gives them (`values`): the kernel's
 *   code, like a function pointer in a hibernation image, is not copied but named. A function
 *   the registry does not name (a closure made at run time) is an error, not a silent loss.
 *
 * A registered class may leave fields out (`reset`): the field is written as undefined and, on
 * restore, set to a fresh value from its reset function — for what is not the machine's state
 * (tracepoint listeners, which are the user's) or is code rebuilt at restore (the /proc tree's
 * handlers). `afterRestore` then runs for each restored instance of the class, once the whole
 * graph is filled.
 *
 * Anything else — an unregistered class, a closure, a getter, a symbol key, a WeakMap, a
 * non-enumerable field, a bigint — throws SnapshotError naming the path from the root
 * (`root.kernel.trace.listeners.get(mm_page_alloc)[0]`), so new state that cannot round-trip is
 * found by the test that snapshots every shipped scenario, not by a user.
 */

/** A class the serializer may meet in the graph, and what to do with its instances. */
export interface SnapshotClass {
  /** The class (its prototype identifies instances; no constructor runs on restore). */
  readonly ctor: { readonly prototype: object };
  /** Fields not copied: each is written as undefined and set on restore to what its function returns. */
  readonly reset?: Readonly<Record<string, () => unknown>>;
  /** Runs for each restored instance once the whole graph is restored (e.g. re-register boot-time code). */
  readonly afterRestore?: (obj: never) => void;
}

/** The names the serializer writes classes, functions and constants under. */
export interface SnapshotRegistry {
  /** Classes by stable name. */
  readonly classes: Readonly<Record<string, SnapshotClass>>;
  /** Functions and shared constant objects (identity matters) by stable name. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** A snapshot that cannot be taken or restored: the message says what and where. */
export class SnapshotError extends Error {
  override readonly name = "SnapshotError";
}

/**
 * The snapshot format's version: bumped whenever the layout below changes, or the model's classes
 * gain a field an older snapshot cannot supply (2: kmem_cache.reciprocal_size, 2026-12-07).
 */
export const SNAPSHOT_VERSION = 2;
/** The sparse unit of ArrayBuffers: a chunk of this many bytes that is all zero (or all the fill word) is not copied. */
export const CHUNK_BYTES = 16384;
/** The largest buffer a snapshot may ask restore to allocate: 4 GiB (a 1 TiB machine's memmap columns are 1 GiB each). */
export const MAX_BUFFER_BYTES = 2 ** 32;

/**
 * A value in the table: a JSON primitive (string, finite number other than -0, boolean, null) or
 * a tagged pair: [0, index] an object of the table, [1, name] a special number or undefined or an
 * array hole, [2, name] a registered function or constant.
 */
export type SnapValue = string | number | boolean | null | readonly [0, number] | readonly [1, "u" | "nan" | "inf" | "-inf" | "-0" | "hole"] | readonly [2, string];

/** One object of the table. */
export type SnapEntry =
  /** An object: class index (-1 plain, -2 null prototype), shape index (its keys), values, frozen. */
  | { readonly t: "o"; readonly c: number; readonly s: number; readonly v: SnapValue[]; readonly z?: 1 }
  | { readonly t: "a"; readonly c: number; readonly v: SnapValue[]; readonly z?: 1 }
  | { readonly t: "m"; readonly c: number; readonly k: SnapValue[]; readonly v: SnapValue[] }
  | { readonly t: "s"; readonly c: number; readonly v: SnapValue[] }
  /**
   * An ArrayBuffer: its length, the 32-bit word its other chunks are filled with (absent: 0) and
   * the runs of chunks that are not all that word, [byte offset, bytes].
   */
  | { readonly t: "b"; readonly n: number; readonly f?: number; readonly runs: Array<[number, Uint8Array]> }
  /** A typed array or DataView: its type, buffer (table index), byte offset and element count. */
  | { readonly t: "v"; readonly ty: string; readonly b: number; readonly o: number; readonly n: number };

/** A snapshot of a graph: plain data, typed arrays for the bytes. */
export interface GraphSnapshot {
  readonly format: "mmsim-snapshot";
  readonly version: number;
  /** What the root is ("machine", "run"): a restore of the wrong kind is refused. */
  readonly kind: string;
  /** The registry's fingerprint: a snapshot is restored only by a model that names the same classes and values. */
  readonly model: string;
  readonly classes: string[];
  readonly shapes: string[][];
  /** Entry 0 is the root. */
  readonly objects: SnapEntry[];
}

const VIEW_TYPES = Object.freeze({
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
});
type ViewType = keyof typeof VIEW_TYPES;
type NewTarget = new (...args: never[]) => object;

/** The fingerprint of a registry: its class and value names, hashed (FNV-1a, 32 bits). */
export function registryFingerprint(reg: SnapshotRegistry): string {
  const text = Object.keys(reg.classes).sort().join(",") + "|" + Object.keys(reg.values).sort().join(",");
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Where an object was first met, for error messages: its parent's index and the key. */
interface Origin {
  parent: number;
  key: string;
}

/**
 * Walks the graph from `root` and returns its snapshot.
 * @throws SnapshotError for anything the registry does not cover (see the module comment).
 */
export function snapshotGraph(root: object, reg: SnapshotRegistry, kind: string): GraphSnapshot {
  const classIndex = new Map<object, number>(); // prototype → index in `classes`
  const classEntries: SnapshotClass[] = [];
  const classes: string[] = [];
  const protoName = new Map<object, string>();
  for (const [name, c] of Object.entries(reg.classes)) protoName.set(c.ctor.prototype, name);
  const valueName = new Map<unknown, string>();
  for (const [name, v] of Object.entries(reg.values)) valueName.set(v, name);
  const shapes: string[][] = [];
  const shapeIndex = new Map<string, number>();
  const ids = new Map<object, number>();
  const queue: object[] = [];
  const origins: Origin[] = [];
  const objects: SnapEntry[] = [];

  const pathOf = (id: number, key?: string): string => {
    const parts: string[] = key === undefined ? [] : [key];
    for (let i = id; i > 0; i = origins[i].parent) parts.push(origins[i].key);
    return "root" + parts.reverse().join("");
  };
  const fail = (id: number, key: string, what: string): never => {
    throw new SnapshotError(`cannot snapshot ${pathOf(id, key)}: ${what}`);
  };
  const classOf = (proto: object, id: number): number => {
    let ci = classIndex.get(proto);
    if (ci !== undefined) return ci;
    const name = protoName.get(proto);
    if (name === undefined) {
      const ctor = (proto as { constructor?: { name?: string } }).constructor;
      return fail(id, "", `an instance of ${ctor?.name ?? "an unknown class"}, which the snapshot registry does not name`);
    }
    ci = classes.length;
    classes.push(name);
    classEntries.push(reg.classes[name]);
    classIndex.set(proto, ci);
    return ci;
  };
  const ref = (v: object, parent: number, key: string): SnapValue => {
    let id = ids.get(v);
    if (id === undefined) {
      const name = valueName.get(v);
      if (name !== undefined) return [2, name];
      if (typeof v === "function") return fail(parent, key, `a function (${(v as { name?: string }).name || "anonymous"}) the snapshot registry does not name: state must be data`);
      id = queue.length;
      ids.set(v, id);
      queue.push(v);
      origins.push({ parent, key });
    }
    return [0, id];
  };
  const val = (v: unknown, parent: number, key: string): SnapValue => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        if (Number.isFinite(v)) return Object.is(v, -0) ? [1, "-0"] : v;
        return [1, Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf"];
      case "undefined":
        return [1, "u"];
      case "object":
        return v === null ? null : ref(v, parent, key);
      case "function": {
        const name = valueName.get(v);
        return name !== undefined ? [2, name] : ref(v, parent, key);
      }
      default:
        return fail(parent, key, `a ${typeof v}, which snapshots do not hold`);
    }
  };

  ids.set(root, 0);
  queue.push(root);
  origins.push({ parent: -1, key: "" });
  for (let id = 0; id < queue.length; id++) {
    const o = queue[id];
    if (o instanceof ArrayBuffer) {
      const { fill, runs } = sparseRuns(o);
      objects.push(fill === 0 ? { t: "b", n: o.byteLength, runs } : { t: "b", n: o.byteLength, f: fill, runs });
      continue;
    }
    if (ArrayBuffer.isView(o)) {
      const ty = viewType(o);
      if (ty === undefined || !(o.buffer instanceof ArrayBuffer)) fail(id, "", "a view on a SharedArrayBuffer or of an unknown type");
      const b = ref(o.buffer, id, ".buffer") as readonly [0, number];
      objects.push({ t: "v", ty: ty as string, b: b[1], o: o.byteOffset, n: o instanceof DataView ? o.byteLength : (o as Int8Array).length });
      continue;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    const z = Object.isFrozen(o) ? ({ z: 1 } as const) : {};
    if (o instanceof Map) {
      const c = proto === Map.prototype ? -1 : classOf(proto as object, id);
      const k: SnapValue[] = [];
      const v: SnapValue[] = [];
      let i = 0;
      for (const [key, x] of o) {
        k.push(val(key, id, `.keys()[${i}]`));
        v.push(val(x, id, `.get(${String(key)})`));
        i++;
      }
      objects.push({ t: "m", c, k, v });
      continue;
    }
    if (o instanceof Set) {
      const c = proto === Set.prototype ? -1 : classOf(proto as object, id);
      const v: SnapValue[] = [];
      let i = 0;
      for (const x of o) v.push(val(x, id, `.values()[${i++}]`));
      objects.push({ t: "s", c, v });
      continue;
    }
    if (Array.isArray(o)) {
      const c = proto === Array.prototype ? -1 : classOf(proto as object, id);
      const n = o.length;
      const v: SnapValue[] = new Array<SnapValue>(n);
      let own = 0;
      for (let i = 0; i < n; i++) {
        if (i in o) {
          own++;
          v[i] = val(o[i], id, `[${i}]`);
        } else v[i] = [1, "hole"];
      }
      // Only index keys and length: anything else on an array is state the table cannot hold.
      if (Reflect.ownKeys(o).length !== own + 1) fail(id, "", "an array with fields besides its elements");
      objects.push({ t: "a", c, v, ...z });
      continue;
    }
    if (o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef || o instanceof Promise) fail(id, "", `a ${(proto as { constructor: { name: string } }).constructor.name}, which cannot be copied`);
    if (o instanceof Date || o instanceof RegExp || o instanceof Error) fail(id, "", `a ${(proto as { constructor: { name: string } }).constructor.name}: keep state as plain data`);
    let c = -1;
    let entry: SnapshotClass | undefined;
    if (proto === null) c = -2;
    else if (proto !== Object.prototype) {
      c = classOf(proto, id);
      entry = classEntries[c];
    }
    const keys = Reflect.ownKeys(o);
    const v: SnapValue[] = new Array<SnapValue>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key === "symbol") return fail(id, `[${String(key)}]`, "a symbol key");
      const d = Object.getOwnPropertyDescriptor(o, key) as PropertyDescriptor;
      if (d.get || d.set) fail(id, `.${key}`, "an accessor property");
      if (!d.enumerable) fail(id, `.${key}`, "a non-enumerable property");
      v[i] = resetOf(entry, key) !== undefined ? [1, "u"] : val(d.value, id, `.${key}`);
    }
    const shapeKey = (keys as string[]).join("\u0000");
    let s = shapeIndex.get(shapeKey);
    if (s === undefined) {
      s = shapes.length;
      shapes.push(keys as string[]);
      shapeIndex.set(shapeKey, s);
    }
    objects.push({ t: "o", c, s, v, ...z });
  }
  return { format: "mmsim-snapshot", version: SNAPSHOT_VERSION, kind, model: registryFingerprint(reg), classes, shapes, objects };
}

/** A class's reset function for a field (own properties of the table only). */
function resetOf(entry: SnapshotClass | undefined, key: string): (() => unknown) | undefined {
  const r = entry?.reset;
  return r !== undefined && Object.prototype.hasOwnProperty.call(r, key) ? r[key] : undefined;
}

function viewType(v: ArrayBufferView): ViewType | undefined {
  for (const [name, ctor] of Object.entries(VIEW_TYPES)) if (Object.getPrototypeOf(v) === ctor.prototype) return name as ViewType;
  return undefined;
}

/**
 * The word most chunks of a buffer are filled with: the commonest of 17 words sampled evenly
 * (0 on a tie with 0). Zero-filled columns give 0; a column filled with -1 when made (NO_PFN:
 * a swap device's cache_pfn) gives 0xffffffff, so its untouched chunks are skipped too.
 */
function fillWord(words: Uint32Array): number {
  const n = words.length;
  if (n === 0) return 0;
  const samples: number[] = [];
  for (let i = 0; i <= 16; i++) samples.push(words[Math.min(n - 1, Math.floor((i * (n - 1)) / 16))]);
  let best = 0;
  let bestCount = samples.filter((x) => x === 0).length;
  for (const x of samples) {
    const c = samples.filter((y) => y === x).length;
    if (c > bestCount) {
      best = x;
      bestCount = c;
    }
  }
  return best;
}

/**
 * The runs of a buffer's chunks that are not all `fill` words, copied. A chunk is tested as
 * 32-bit words XORed with the fill and ORed eight at a time: a 64 GiB machine's 610 MB of memmap
 * is scanned in a few tens of ms. The bytes past the last whole word always go in a run.
 */
function sparseRuns(buf: ArrayBuffer): { fill: number; runs: Array<[number, Uint8Array]> } {
  const runs: Array<[number, Uint8Array]> = [];
  const n = buf.byteLength;
  const words = new Uint32Array(buf, 0, n >>> 2);
  const bytes = new Uint8Array(buf);
  const fill = fillWord(words);
  const f = fill | 0;
  const chunkWords = CHUNK_BYTES >>> 2;
  let runStart = -1;
  for (let off = 0; off < n; off += CHUNK_BYTES) {
    const end = Math.min(n, off + CHUNK_BYTES);
    let nz = 0;
    const w0 = off >>> 2;
    const w1 = Math.min(words.length, w0 + chunkWords);
    let w = w0;
    for (; w + 8 <= w1; w += 8) {
      nz |= (words[w] ^ f) | (words[w + 1] ^ f) | (words[w + 2] ^ f) | (words[w + 3] ^ f) | (words[w + 4] ^ f) | (words[w + 5] ^ f) | (words[w + 6] ^ f) | (words[w + 7] ^ f);
      if (nz !== 0) break;
    }
    for (; nz === 0 && w < w1; w++) nz |= words[w] ^ f;
    if (end > w1 << 2) nz = 1;
    if (nz !== 0) {
      if (runStart < 0) runStart = off;
    } else if (runStart >= 0) {
      runs.push([runStart, bytes.slice(runStart, off)]);
      runStart = -1;
    }
  }
  if (runStart >= 0) runs.push([runStart, bytes.slice(runStart, n)]);
  return { fill, runs };
}

/**
 * Builds the graph a snapshot describes and returns its root.
 * @throws SnapshotError for a snapshot of another format version, another model (registry), or
 *   another kind, and for one that is malformed.
 */
export function restoreGraph(snap: GraphSnapshot, reg: SnapshotRegistry, kind: string): object {
  checkHeader(snap, reg, kind);
  try {
    return restoreTable(snap, reg);
  } catch (e) {
    // A view past its buffer's end, an entry of the wrong shape: a damaged or forged snapshot.
    if (e instanceof RangeError || e instanceof TypeError) throw new SnapshotError(`malformed snapshot: ${e.message}`);
    throw e;
  }
}

function restoreTable(snap: GraphSnapshot, reg: SnapshotRegistry): object {
  const { objects, shapes } = snap;
  const entries: SnapshotClass[] = snap.classes.map((name) => {
    const e = reg.classes[name];
    if (!e) throw new SnapshotError(`the snapshot names a class this model does not register: ${name}`);
    return e;
  });
  const out: object[] = new Array<object>(objects.length);
  const bad = (i: number, what: string): never => {
    throw new SnapshotError(`malformed snapshot: object ${i} ${what}`);
  };
  const protoOf = (c: number, i: number, base: object): object | null => {
    if (c === -1) return base;
    if (c === -2) return null;
    return (entries[c] ?? bad(i, `has class index ${c}`)).ctor.prototype;
  };
  // Pass 1: empty shells (buffers filled), so references can point anywhere.
  for (let i = 0; i < objects.length; i++) {
    if (out[i] !== undefined) continue;
    out[i] = shell(i);
  }
  function shell(i: number): object {
    const e = objects[i] ?? bad(i, "is missing");
    switch (e.t) {
      case "b": {
        if (!(Number.isSafeInteger(e.n) && e.n >= 0 && e.n <= MAX_BUFFER_BYTES)) return bad(i, `is a buffer of ${String(e.n)} bytes`);
        const buf = new ArrayBuffer(e.n);
        if (e.f) new Uint32Array(buf, 0, e.n >>> 2).fill(e.f);
        const bytes = new Uint8Array(buf);
        for (const [off, run] of e.runs) bytes.set(run, off);
        return buf;
      }
      case "v": {
        const ctor = (VIEW_TYPES[e.ty as ViewType] ?? bad(i, `is a view of unknown type ${e.ty}`)) as new (b: ArrayBuffer, o: number, n: number) => object;
        if (out[e.b] === undefined) out[e.b] = shell(e.b);
        const buf = out[e.b];
        if (!(buf instanceof ArrayBuffer)) return bad(i, "is a view on something other than a buffer");
        return new ctor(buf, e.o, e.n);
      }
      case "m":
        return e.c === -1 ? new Map() : Reflect.construct(Map, [], entries[e.c].ctor as NewTarget);
      case "s":
        return e.c === -1 ? new Set() : Reflect.construct(Set, [], entries[e.c].ctor as NewTarget);
      case "a":
        return e.c === -1 ? [] : Reflect.construct(Array, [], entries[e.c].ctor as NewTarget);
      case "o":
        return Object.create(protoOf(e.c, i, Object.prototype)) as object;
      default:
        return bad(i, "has an unknown type");
    }
  }
  const value = (v: SnapValue, i: number): unknown => {
    if (v === null || typeof v !== "object") return v;
    switch (v[0]) {
      case 0:
        return out[v[1]] ?? bad(i, `refers to missing object ${v[1]}`);
      case 1:
        switch (v[1]) {
          case "u":
          case "hole":
            return undefined;
          case "nan":
            return NaN;
          case "inf":
            return Infinity;
          case "-inf":
            return -Infinity;
          case "-0":
            return -0;
        }
        return bad(i, `has an unknown special value ${String(v[1])}`);
      case 2:
        if (!Object.prototype.hasOwnProperty.call(reg.values, v[1])) throw new SnapshotError(`the snapshot names a value this model does not register: ${v[1]}`);
        return reg.values[v[1]];
    }
    return bad(i, "has an unknown value tag");
  };
  // Pass 2: fields, elements and entries, in their original order (objects keep their key order).
  const after: Array<[SnapshotClass, object]> = [];
  for (let i = 0; i < objects.length; i++) {
    const e = objects[i];
    const o = out[i];
    switch (e.t) {
      case "o": {
        const keys = shapes[e.s] ?? bad(i, `has shape index ${e.s}`);
        const entry = e.c >= 0 ? entries[e.c] : undefined;
        const rec = o as Record<string, unknown>;
        for (let j = 0; j < keys.length; j++) {
          const r = resetOf(entry, keys[j]);
          rec[keys[j]] = r !== undefined ? r() : value(e.v[j], i);
        }
        if (entry?.afterRestore) after.push([entry, o]);
        if (e.z) Object.freeze(o);
        break;
      }
      case "a": {
        const arr = o as unknown[];
        arr.length = e.v.length;
        for (let j = 0; j < e.v.length; j++) {
          const x = e.v[j];
          if (!(Array.isArray(x) && x[0] === 1 && x[1] === "hole")) arr[j] = value(x, i);
        }
        if (e.z) Object.freeze(o);
        break;
      }
      case "m": {
        const m = o as Map<unknown, unknown>;
        for (let j = 0; j < e.k.length; j++) m.set(value(e.k[j], i), value(e.v[j], i));
        break;
      }
      case "s": {
        const s = o as Set<unknown>;
        for (const x of e.v) s.add(value(x, i));
        break;
      }
    }
  }
  for (const [entry, o] of after) (entry.afterRestore as (x: object) => void)(o);
  return out[0];
}

function checkHeader(snap: GraphSnapshot, reg: SnapshotRegistry, kind: string): void {
  if (snap === null || typeof snap !== "object" || snap.format !== "mmsim-snapshot") throw new SnapshotError("not an mmsim snapshot");
  if (snap.version !== SNAPSHOT_VERSION) throw new SnapshotError(`this is a version ${String(snap.version)} snapshot; this mmsim reads version ${SNAPSHOT_VERSION} only`);
  const model = registryFingerprint(reg);
  if (snap.model !== model) throw new SnapshotError(`the snapshot was taken by a model with other classes (fingerprint ${String(snap.model)}, this one's is ${model}): restore it with the mmsim that took it`);
  if (snap.kind !== kind) throw new SnapshotError(`this is a snapshot of a ${String(snap.kind)}, not of a ${kind}`);
  if (!Array.isArray(snap.objects) || snap.objects.length === 0 || !Array.isArray(snap.shapes) || !Array.isArray(snap.classes)) throw new SnapshotError("malformed snapshot: no object table");
}

/** The number of bytes a snapshot's buffers hold (the copied chunks), for the bench. */
export function snapshotBytes(snap: GraphSnapshot): number {
  let n = 0;
  for (const e of snap.objects) if (e.t === "b") for (const [, run] of e.runs) n += run.byteLength;
  return n;
}

// The file encoding: "MMSIMSNP", the format version (u32 LE), the JSON header's byte length
// (u32 LE), the header (the snapshot with each buffer run's bytes replaced by [offset, length]
// into the payload), zero padding to 8 bytes, then the payload: every run's bytes, in order.
const MAGIC = "MMSIMSNP";

/** A snapshot as bytes, for a file: see the layout above. */
export function encodeSnapshot(snap: GraphSnapshot): Uint8Array {
  let payload = 0;
  const objects = snap.objects.map((e) => {
    if (e.t !== "b") return e;
    return {
      t: "b",
      n: e.n,
      ...(e.f ? { f: e.f } : {}),
      runs: e.runs.map(([off, run]) => {
        const at = payload;
        payload += run.byteLength;
        return [off, at, run.byteLength];
      }),
    };
  });
  const header = new TextEncoder().encode(JSON.stringify({ ...snap, objects }));
  const start = align8(16 + header.byteLength);
  const out = new Uint8Array(start + payload);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, snap.version, true);
  dv.setUint32(12, header.byteLength, true);
  out.set(header, 16);
  let at = start;
  for (const e of snap.objects) {
    if (e.t !== "b") continue;
    for (const [, run] of e.runs) {
      out.set(run, at);
      at += run.byteLength;
    }
  }
  return out;
}

/**
 * Reads bytes written by encodeSnapshot.
 * @throws SnapshotError for bytes that are not a snapshot, or a snapshot of another version.
 */
export function decodeSnapshot(bytes: Uint8Array): GraphSnapshot {
  if (bytes.byteLength < 16) throw new SnapshotError("not an mmsim snapshot (too short)");
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) throw new SnapshotError("not an mmsim snapshot (no MMSIMSNP header)");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) throw new SnapshotError(`this is a version ${version} snapshot; this mmsim reads version ${SNAPSHOT_VERSION} only`);
  const len = dv.getUint32(12, true);
  if (16 + len > bytes.byteLength) throw new SnapshotError("malformed snapshot: the header runs past the end");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + len)));
  } catch {
    throw new SnapshotError("malformed snapshot: the header is not JSON");
  }
  const snap = parsed as GraphSnapshot & { objects: Array<SnapEntry | { t: "b"; n: number; runs: Array<[number, number, number]> }> };
  if (!snap || !Array.isArray(snap.objects)) throw new SnapshotError("malformed snapshot: no object table");
  const start = align8(16 + len);
  const objects = snap.objects.map((e): SnapEntry => {
    if (e.t !== "b") return e;
    const runs = (e.runs as unknown as Array<[number, number, number]>).map(([off, at, n]): [number, Uint8Array] => {
      if (!(at >= 0 && n >= 0 && start + at + n <= bytes.byteLength && off >= 0 && off + n <= e.n)) throw new SnapshotError("malformed snapshot: a buffer run outside the payload");
      return [off, bytes.slice(start + at, start + at + n)];
    });
    return e.f ? { t: "b", n: e.n, f: e.f, runs } : { t: "b", n: e.n, runs };
  });
  return { ...snap, objects };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
