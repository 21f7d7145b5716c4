import { describe, expect, it } from "vitest";
import { kernelOf, Machine } from "./machine.js";
import { CHUNK_BYTES, decodeSnapshot, encodeSnapshot, restoreGraph, snapshotBytes, snapshotGraph, SNAPSHOT_VERSION, SnapshotError, type SnapshotRegistry } from "./snapshot.js";

class Node2 {
  next: Node2 | null = null;
  constructor(readonly id: number) {}
  label(): string {
    return `node ${this.id}`;
  }
}
class Listening {
  fns: Array<() => void> = [];
  restored = 0;
}
class Unlisted {}
function named(): number {
  return 42;
}
const SHARED = Object.freeze({ table: [1, 2, 3] });

const reg: SnapshotRegistry = {
  classes: {
    Node2: { ctor: Node2 },
    Listening: {
      ctor: Listening,
      reset: { fns: () => [] },
      afterRestore: (o: Listening) => {
        o.restored++;
      },
    },
  },
  values: { named, SHARED },
};

function roundTrip<T extends object>(root: T): T {
  return restoreGraph(structuredClone(snapshotGraph(root, reg, "test")), reg, "test") as T;
}

describe("snapshotGraph / restoreGraph", () => {
  it("rebuilds cycles, shared references and registered classes with their methods", () => {
    const a = new Node2(1);
    const b = new Node2(2);
    a.next = b;
    b.next = a;
    const root = { a, b, again: a };
    const r = roundTrip(root);
    expect(r.a).toBeInstanceOf(Node2);
    expect(r.a.next?.next).toBe(r.a);
    expect(r.again).toBe(r.a);
    expect(r.b.label()).toBe("node 2");
    expect(r.a).not.toBe(a);
  });

  it("keeps Maps and Sets in insertion order, object keys included", () => {
    const k1 = { k: 1 };
    const m = new Map<unknown, unknown>([
      ["z", 1],
      [k1, "obj"],
      [3, k1],
    ]);
    const s = new Set<unknown>([5, k1, "a"]);
    const r = roundTrip({ m, s });
    expect([...r.m.keys()].map((k) => (typeof k === "object" ? "obj" : k))).toEqual(["z", "obj", 3]);
    const rk = [...r.m.keys()][1];
    expect(r.m.get(3)).toBe(rk);
    expect([...r.s][1]).toBe(rk);
  });

  it("keeps special numbers, undefined, holes, null prototypes, key order and frozenness", () => {
    const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const bare = Object.create(null) as Record<string, number>;
    bare.x = 1;
    const root = { n: [NaN, Infinity, -Infinity, -0, 0, 2 ** 53, 1.5], u: undefined, holes, bare, frozen: Object.freeze({ b: 1, a: 2 }) };
    const r = roundTrip(root);
    expect(Object.is(r.n[3], -0)).toBe(true);
    expect(r.n).toEqual([NaN, Infinity, -Infinity, -0, 0, 2 ** 53, 1.5]);
    expect("u" in r && r.u === undefined).toBe(true);
    expect(1 in r.holes).toBe(false);
    expect(r.holes.length).toBe(3);
    expect(Object.getPrototypeOf(r.bare)).toBe(null);
    expect(Object.keys(r.frozen)).toEqual(["b", "a"]);
    expect(Object.isFrozen(r.frozen)).toBe(true);
  });

  it("names registered functions and constants instead of copying them", () => {
    const r = roundTrip({ f: named, c: SHARED });
    expect(r.f).toBe(named);
    expect(r.c).toBe(SHARED);
  });

  it("copies typed arrays as views, so views sharing a buffer still share it", () => {
    const whole = new Int32Array(64);
    const slice = whole.subarray(16, 32);
    const dv = new DataView(whole.buffer, 8, 8);
    whole[17] = -5;
    const f = new Float64Array([NaN, -0, 1e300]);
    const r = roundTrip({ whole, slice, dv, f });
    r.slice[1] = 99;
    expect(r.whole[17]).toBe(99);
    expect(r.dv.buffer).toBe(r.whole.buffer);
    expect(r.dv.byteOffset).toBe(8);
    expect(Object.is(r.f[1], -0)).toBe(true);
    expect(Number.isNaN(r.f[0])).toBe(true);
    expect(slice[1]).toBe(-5); // the original is untouched
  });

  it("skips all-zero chunks: 64 MiB with one byte set keeps one chunk", () => {
    const big = new Uint8Array(64 * 2 ** 20);
    big[40 * 2 ** 20 + 3] = 7;
    const snap = snapshotGraph({ big }, reg, "test");
    expect(snapshotBytes(snap)).toBe(CHUNK_BYTES);
    const r = restoreGraph(snap, reg, "test") as { big: Uint8Array };
    expect(r.big.length).toBe(big.length);
    expect(r.big[40 * 2 ** 20 + 3]).toBe(7);
    expect(r.big.indexOf(7)).toBe(40 * 2 ** 20 + 3);
    expect(r.big.lastIndexOf(7)).toBe(40 * 2 ** 20 + 3);
  });

  it("skips the chunks of a column filled with -1 as it skips zeros", () => {
    const col = new Int32Array(2 ** 22).fill(-1);
    col[12345] = 7;
    const snap = snapshotGraph({ col }, reg, "test");
    expect(snapshotBytes(snap)).toBe(CHUNK_BYTES);
    const r = restoreGraph(snap, reg, "test") as { col: Int32Array };
    expect(r.col[12345]).toBe(7);
    expect(r.col[0]).toBe(-1);
    expect(r.col[2 ** 22 - 1]).toBe(-1);
    expect(r.col.indexOf(7)).toBe(r.col.lastIndexOf(7));
  });

  it("refuses a damaged table with a SnapshotError", () => {
    const snap = snapshotGraph({ a: new Int32Array(4) }, reg, "test");
    const views = snap.objects.map((e) => (e.t === "v" ? { ...e, n: 1000 } : e));
    expect(() => restoreGraph({ ...snap, objects: views }, reg, "test")).toThrow(/malformed snapshot/);
    const huge = snap.objects.map((e) => (e.t === "b" ? { ...e, n: 2 ** 60 } : e));
    expect(() => restoreGraph({ ...snap, objects: huge }, reg, "test")).toThrow(/malformed snapshot: object \d+ is a buffer of/);
    const dangling = snap.objects.map((e) => (e.t === "o" ? { ...e, v: [[0, 99] as const] } : e));
    expect(() => restoreGraph({ ...snap, objects: dangling }, reg, "test")).toThrow(/refers to missing object 99/);
  });

  it("keeps a buffer's odd tail bytes", () => {
    const odd = new Uint8Array(CHUNK_BYTES + 3);
    odd[CHUNK_BYTES + 2] = 1;
    const r = roundTrip({ odd });
    expect(r.odd[CHUNK_BYTES + 2]).toBe(1);
  });

  it("resets a class's listed fields and runs its afterRestore", () => {
    const l = new Listening();
    l.fns.push(() => {});
    const r = roundTrip({ l });
    expect(r.l.fns).toEqual([]);
    expect(r.l.restored).toBe(1);
  });

  it("refuses, with the path, what it cannot copy", () => {
    const cases: Array<[object, RegExp]> = [
      [{ a: { f: () => 1 } }, /root\.a\.f: a function \(f\)/],
      [{ list: [new Unlisted()] }, /root\.list\[0\]: an instance of Unlisted/],
      [{ m: new Map([["k", { g: function inner(): void {} }]]) }, /root\.m\.get\(k\)\.g: a function \(inner\)/],
      [{ w: new WeakMap() }, /root\.w: a WeakMap/],
      [{ big: 1n }, /root\.big: a bigint/],
      [{ s: { [Symbol("x")]: 1 } }, /root\.s\[Symbol\(x\)\]: a symbol key/],
      [Object.defineProperty({}, "g", { get: () => 1, enumerable: true }), /root\.g: an accessor/],
      [Object.defineProperty({}, "h", { value: 1, enumerable: false }), /root\.h: a non-enumerable/],
      [{ d: new Date(0) }, /root\.d: a Date/],
    ];
    for (const [root, re] of cases) expect(() => snapshotGraph(root, reg, "test")).toThrow(re);
    expect(() => snapshotGraph({ f: () => 1 }, reg, "test")).toThrow(SnapshotError);
  });
});

describe("the snapshot file encoding", () => {
  const snap = snapshotGraph({ a: new Int32Array([1, 2, 3]), s: "ü\u{1F600}", n: [NaN, -0] }, reg, "test");

  it("round-trips through bytes", () => {
    const bytes = encodeSnapshot(snap);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe("MMSIMSNP");
    const back = restoreGraph(decodeSnapshot(bytes), reg, "test") as { a: Int32Array; s: string; n: number[] };
    expect([...back.a]).toEqual([1, 2, 3]);
    expect(back.s).toBe("ü\u{1F600}");
    expect(Object.is(back.n[1], -0)).toBe(true);
    expect(encodeSnapshot(decodeSnapshot(bytes))).toEqual(bytes);
  });

  it("rejects another version, another kind, another model and bytes that are not a snapshot", () => {
    const bytes = encodeSnapshot(snap);
    const other = bytes.slice();
    new DataView(other.buffer).setUint32(8, SNAPSHOT_VERSION + 1, true);
    expect(() => decodeSnapshot(other)).toThrow(`this is a version ${SNAPSHOT_VERSION + 1} snapshot; this mmsim reads version ${SNAPSHOT_VERSION} only`);
    expect(() => restoreGraph({ ...snap, version: 0 }, reg, "test")).toThrow(/version 0 snapshot/);
    expect(() => restoreGraph(snap, reg, "machine")).toThrow("this is a snapshot of a test, not of a machine");
    expect(() => restoreGraph(snap, { classes: {}, values: {} }, "test")).toThrow(/taken by a model with other classes/);
    expect(() => decodeSnapshot(new TextEncoder().encode("hello world, not a snapshot"))).toThrow(/no MMSIMSNP header/);
    expect(() => decodeSnapshot(bytes.subarray(0, 20))).toThrow(/header runs past the end/);
    const badRun = snapshotGraph({ a: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }, reg, "test");
    const enc = encodeSnapshot(badRun);
    expect(() => decodeSnapshot(enc.subarray(0, enc.byteLength - 4))).toThrow(/buffer run outside the payload/);
  });
});

describe("Machine.snapshot / Machine.restore", () => {
  function busy(): Machine {
    const m = Machine.boot({ memory: "256M", swap: { size: "128M" } });
    const p = m.spawn({ comm: "w" });
    const a = p.mmap(200 * 2 ** 20);
    p.touch(a, 200 * 2 ** 20, { write: true });
    m.advance("50ms");
    return m;
  }
  const FILES = ["/proc/meminfo", "/proc/vmstat", "/proc/zoneinfo", "/proc/buddyinfo", "/proc/swaps"];

  it("restores a machine that reads and goes on as the original", () => {
    const m = busy();
    const r = Machine.restore(structuredClone(m.snapshot()));
    for (const f of FILES) expect(r.read(f), f).toBe(m.read(f));
    expect(r.dmesg()).toBe(m.dmesg());
    // Both go on: a new process on each, its pid and faults the same.
    for (const x of [m, r]) {
      const p = x.spawn({ comm: "late" });
      const a = p.mmap(64 * 2 ** 20);
      p.touch(a, 64 * 2 ** 20, { write: true });
      x.advance("200ms");
    }
    for (const f of FILES) expect(r.read(f), f).toBe(m.read(f));
    expect(r.dmesg()).toBe(m.dmesg());
  });

  it("hands out the restored machine's processes by pid", () => {
    const m = busy();
    const pid = Math.max(...m.list("/proc").filter((d) => /^\d+$/.test(d)).map(Number));
    const r = Machine.restore(m.snapshot());
    const p = r.process(pid);
    expect(p?.comm).toBe("w");
    expect(p?.status().vmRssKb).toBe(m.process(pid)?.status().vmRssKb);
    expect(r.process(99999)).toBeUndefined();
  });

  it("leaves the user's tracepoint listeners behind", () => {
    const m = Machine.boot({ memory: "128M" });
    const seen: string[] = [];
    m.trace.on("*", (e) => seen.push(e.event));
    const r = Machine.restore(m.snapshot());
    const p = r.spawn({ comm: "x" });
    p.touch(p.mmap(2 ** 20), 2 ** 20, { write: true });
    expect(seen).toEqual([]);
    expect(kernelOf(r).trace.pageEvents).toBe(false);
  });

  it("round-trips through the file encoding", () => {
    const m = busy();
    const r = Machine.restore(decodeSnapshot(encodeSnapshot(m.snapshot())));
    for (const f of FILES) expect(r.read(f), f).toBe(m.read(f));
  });

  it("names the path to state it cannot copy", () => {
    const m = Machine.boot({ memory: "128M" });
    (kernelOf(m).vm as unknown as Record<string, unknown>).hook = () => 0;
    expect(() => m.snapshot()).toThrow(/cannot snapshot root\.kernel\.vm\.hook: a function/);
  });

  it("refuses a run's snapshot", () => {
    const m = Machine.boot({ memory: "128M" });
    const snap = { ...m.snapshot(), kind: "run" };
    expect(() => Machine.restore(snap)).toThrow("this is a snapshot of a run, not of a machine");
  });
});
