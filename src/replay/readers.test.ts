import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AccessTraceWriter, encodeAccessHeader } from "./access_format.js";
import { TraceError } from "./errors.js";
import { createTraceReader, detectFormat, KEY_WRITE, MAX_LINE_BYTES, type ReaderOptions, type TraceFormat } from "./readers.js";

/** Keys a reader delivers, as [lo, hi, flags] triples. */
function collect(format: TraceFormat, bytes: Uint8Array, opts: ReaderOptions = {}, chunk = bytes.length || 1): number[][] {
  const out: number[][] = [];
  const r = createTraceReader(format, { keys: (lo, hi, f, n) => { for (let i = 0; i < n; i++) out.push([lo[i], hi[i], f[i]]); } }, opts);
  for (let o = 0; o < bytes.length; o += chunk) r.push(bytes.subarray(o, Math.min(bytes.length, o + chunk)));
  r.end();
  expect(r.requests).toBe(out.length);
  expect(r.bytes).toBe(bytes.length);
  return out;
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function u32s(...v: number[]): Uint8Array {
  const b = new Uint8Array(v.length * 4);
  const d = new DataView(b.buffer);
  v.forEach((x, i) => d.setUint32(i * 4, x, true));
  return b;
}

function thrown(f: () => unknown): TraceError {
  try {
    f();
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  throw new Error("expected a TraceError");
}

describe("binary formats", () => {
  it("u32: little-endian keys, whatever the chunk boundaries", () => {
    const b = u32s(1, 0xdeadbeef, 7, 0xffffffff);
    const want = [[1, 0, 0], [0xdeadbeef, 0, 0], [7, 0, 0], [0xffffffff, 0, 0]];
    for (const chunk of [1, 3, 4, 5, 16]) expect(collect("u32", b, {}, chunk)).toEqual(want);
  });

  it("u32: a length that is not a multiple of 4 names the byte offset of the leftover", () => {
    const b = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0, 3, 0]);
    const e = thrown(() => collect("u32", b, {}, 3));
    expect(e.offset).toBe(8);
    expect(e.message).toBe("byte offset 8: the trace is 10 bytes, not a whole number of 4-byte keys (2 bytes left over: truncated?)");
  });

  it("u64: keys above 2^53 stay distinct (two u32 halves)", () => {
    const b = new Uint8Array(16);
    const d = new DataView(b.buffer);
    d.setBigUint64(0, 2n ** 63n + 1n, true);
    d.setBigUint64(8, 2n ** 63n + 2n, true);
    expect(collect("u64", b, {}, 5)).toEqual([[1, 0x80000000, 0], [2, 0x80000000, 0]]);
  });

  it("oracleGeneral: the object id is the u64 at byte 4 of each packed 24-byte record", () => {
    // As libCacheSim's oracleGeneralBin.h reads it: u32 time, u64 id, u32 size, i64 next vtime.
    const b = new Uint8Array(48);
    const d = new DataView(b.buffer);
    d.setUint32(0, 100, true);
    d.setBigUint64(4, 0x1234567890an, true);
    d.setUint32(12, 4096, true);
    d.setBigInt64(16, -1n, true);
    d.setUint32(24, 101, true);
    d.setBigUint64(28, 42n, true);
    d.setUint32(36, 1, true);
    d.setBigInt64(40, 1n, true);
    expect(collect("oracleGeneral", b, {}, 7)).toEqual([[0x4567890a, 0x123, 0], [42, 0, 0]]);
  });

  it("oracleGeneral: a truncated last record is an error at its offset", () => {
    const e = thrown(() => collect("oracleGeneral", new Uint8Array(24 + 10)));
    expect(e.offset).toBe(24);
    expect(e.message).toContain("24-byte oracleGeneral records (10 bytes left over");
  });
});

describe("the model's own access format", () => {
  function recorded(accesses: [number, number, boolean, boolean][], declared?: number): Uint8Array {
    const parts: Uint8Array[] = [encodeAccessHeader(declared ?? accesses.length)];
    const w = new AccessTraceWriter((b) => parts.push(b.slice()), 2);
    for (const [page, space, write, file] of accesses) w.add(page, space, write, file);
    w.flush();
    expect(w.records).toBe(accesses.length);
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  }

  it("round-trips: the same page of two processes, or of a process and a file, are different keys", () => {
    const b = recorded([
      [0x7f0000001, 100, false, false],
      [0x7f0000001, 200, true, false],
      [0x7f0000001, 100, false, true],
      [0x7f0000001, 100, true, false],
      [2 ** 44 - 1, 7, false, false],
    ]);
    expect(b.length).toBe(32 + 5 * 16);
    const keys = collect("mmsim", b, {}, 5);
    expect(keys.map((k) => k[2])).toEqual([0, KEY_WRITE, 0, KEY_WRITE, 0]);
    const ids = keys.map((k) => `${k[0]}:${k[1]}`);
    expect(ids[0]).toBe(ids[3]); // same pid, same page
    expect(new Set(ids.slice(0, 3)).size).toBe(3);
    expect(keys[0][0]).toBe(0xf0000001); // the page's low 32 bits
    expect(keys[4][0]).toBe(0xffffffff);
  });

  it("checks the header: magic, version, record count", () => {
    const good = recorded([[1, 1, false, false]]);
    const badMagic = good.slice();
    badMagic[0] = 88;
    expect(thrown(() => collect("mmsim", badMagic)).message).toBe('byte offset 0: not an mmsim access trace (no "MMSIMACC" magic)');
    const v2 = good.slice();
    v2[8] = 2;
    expect(thrown(() => collect("mmsim", v2)).message).toBe("byte offset 8: mmsim access trace version 2; this mmsim reads version 1");
    expect(thrown(() => collect("mmsim", recorded([[1, 1, false, false]], 3))).message).toBe("the mmsim access header says 3 records, the file holds 1");
    expect(collect("mmsim", recorded([[1, 1, false, false]], 0))).toHaveLength(1); // 0: count unknown
    expect(thrown(() => collect("mmsim", good.subarray(0, 20))).message).toContain("header is cut short after 20 bytes");
    const flags = good.slice();
    flags[32 + 12] = 4;
    expect(thrown(() => collect("mmsim", flags)).message).toBe("byte offset 32: unknown access flags 0x4 (only bits 0 and 1 are defined)");
  });

  it("the writer refuses pages at or beyond 2^44", () => {
    const w = new AccessTraceWriter(() => {});
    expect(() => w.add(2 ** 44, 1, false, false)).toThrow(RangeError);
  });
});

describe("text formats", () => {
  it("csv: the chosen column, decimal or 0x-hex, quotes, CRLF, blank lines and comments", () => {
    const s = 'time,key,op\n# comment\n1,42,r\r\n\n2,"0x1F",w\n3, 18446744073709551615 ,r\n4,7';
    const want = [[42, 0, 0], [31, 0, 0], [0xffffffff, 0xffffffff, 0], [7, 0, 0]];
    for (const chunk of [1, 2, 7, 100]) expect(collect("csv", text(s), { keyColumn: 2, header: true }, chunk)).toEqual(want);
  });

  it("txt: columns split at runs of blanks", () => {
    expect(collect("txt", text("a 5 x\n  b\t\t6  y\n"), { keyColumn: 2 }, 3)).toEqual([[5, 0, 0], [6, 0, 0]]);
  });

  it("a non-numeric key names its line and column", () => {
    const e = thrown(() => collect("txt", text("1\n2\nabc\n"), {}, 2));
    expect(e.line).toBe(3);
    expect(e.message).toBe('line 3: key "abc" in column 1 is not a number (keys are unsigned integers, decimal or 0x-hex)');
    expect(thrown(() => collect("csv", text("1,2\n3\n"), { keyColumn: 2 })).message).toBe("line 2: no column 2 (the line has 1)");
    expect(thrown(() => collect("txt", text("18446744073709551616\n"))).message).toContain("is a key larger than 2^64 - 1");
    expect(thrown(() => collect("txt", text("-5\n"))).message).toContain('key "-5" in column 1 is not a number');
    expect(thrown(() => collect("txt", text("1.5\n"))).message).toContain("is not a number");
  });

  it("a header line is not a key only when --header says so", () => {
    expect(thrown(() => collect("csv", text("key\n1\n"))).line).toBe(1);
    expect(collect("csv", text("key\n1\n"), { header: true })).toEqual([[1, 0, 0]]);
  });

  it("bounds a line's length instead of buffering it", () => {
    const long = new Uint8Array(MAX_LINE_BYTES + 10).fill(49);
    expect(thrown(() => collect("txt", long, {}, 4096)).message).toBe("line 1: longer than 65,536 bytes (is this a text trace?)");
    expect(thrown(() => collect("txt", long)).message).toContain("line 1: longer than");
  });

  it("parses any chunking of any key list the same way", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 40 }), fc.integer({ min: 1, max: 50 }), fc.boolean(), (keys, chunk, hex) => {
        const s = keys.map((k) => (hex ? `0x${k.toString(16)}` : k.toString())).join("\n");
        const got = collect("txt", text(s), {}, chunk);
        return got.length === keys.length && got.every(([lo, hi], i) => (BigInt(hi) << 32n) + BigInt(lo) === keys[i]);
      }),
    );
  });
});

describe("lackey", () => {
  const fixture = readFileSync(new URL("./fixtures/true.lackey", import.meta.url));

  it("reads a real valgrind lackey trace: one page per record, S and M as writes, valgrind's lines skipped", () => {
    // The expectation is derived here independently: each record line's hex address, as a
    // BigInt, shifted right by 12; the fixture's accesses do not cross a page boundary (checked).
    const want: number[][] = [];
    for (const line of fixture.toString("latin1").split("\n")) {
      const m = /^(I| L| S| M) +([0-9a-f]+),(\d+)$/.exec(line.replace(/^I {2}/, "I "));
      if (!m) continue;
      const addr = BigInt(`0x${m[2]}`);
      const page = addr >> 12n;
      expect((addr + BigInt(m[3]) - 1n) >> 12n).toBe(page);
      want.push([Number(page & 0xffffffffn), Number(page >> 32n), m[1] === " S" || m[1] === " M" ? KEY_WRITE : 0]);
    }
    expect(want).toHaveLength(400);
    expect(collect("lackey", new Uint8Array(fixture), {}, 1000)).toEqual(want);
    // Its first record, "I  0401ab70,3", is an instruction fetch from page 0x401a.
    expect(want[0]).toEqual([0x401a, 0, 0]);
  });

  it("an access straddling a page boundary touches both pages", () => {
    // 0x1ffc + 8 bytes ends at 0x2003: pages 1 and 2.
    expect(collect("lackey", text(" L 00001ffc,8\n S 00001ff8,8\n"))).toEqual([[1, 0, 0], [2, 0, 0], [1, 0, KEY_WRITE]]);
    // A 48-bit address: 0x7fffffffe000 >> 12 = 0x7_fffffffe, halves 0xfffffffe and 7.
    expect(collect("lackey", text("I  7fffffffe000,4\n"))).toEqual([[0xfffffffe, 7, 0]]);
  });

  it("rejects what is not a lackey record, naming the line", () => {
    expect(thrown(() => collect("lackey", text("I  0401ab70,3\nhello world\n"))).message).toBe('line 2: "hello world" is not a lackey record ("I  ADDR,SIZE", " L …", " S …" or " M …")');
    expect(thrown(() => collect("lackey", text(" L 12zz,4\n"))).line).toBe(1);
    expect(thrown(() => collect("lackey", text(" X 1234,4\n"))).line).toBe(1);
  });
});

describe("detectFormat", () => {
  it("goes by the name, the mmsim magic and lackey's first line", () => {
    const none = new Uint8Array(0);
    expect(detectFormat("a.u32", none)).toBe("u32");
    expect(detectFormat("a.U64.gz", none)).toBe("u64");
    expect(detectFormat("w.oracleGeneral.bin.zst", none)).toBe("oracleGeneral");
    expect(detectFormat("x.bin", encodeAccessHeader(0))).toBe("mmsim");
    expect(detectFormat("out.txt", text("==123== Lackey, an example Valgrind tool\n"))).toBe("lackey");
    expect(detectFormat("out", text("I  0401ab70,3\n"))).toBe("lackey");
    expect(detectFormat("t.csv", text("1,2\n"))).toBe("csv");
    expect(detectFormat("t.txt", text("1\n"))).toBe("txt");
    expect(detectFormat("t.bin", text("1\n"))).toBeNull();
  });
});

describe("any bytes", () => {
  it("either parse or raise a TraceError, in every format and any chunking", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<TraceFormat>("u32", "u64", "oracleGeneral", "csv", "txt", "lackey", "mmsim"),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }).map(text)),
        fc.integer({ min: 1, max: 64 }),
        (format, bytes, chunk) => {
          try {
            collect(format, bytes, { keyColumn: 2 }, chunk);
          } catch (e) {
            if (!(e instanceof TraceError)) throw e;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
