import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { LinuxPolicy } from "../../replay/policy/linux.js";
import { runCli } from "../main.js";

const dir = mkdtempSync(join(tmpdir(), "mmsim-replay-"));
const fixtures = new URL("../../replay/fixtures/", import.meta.url);

async function mmsim(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["replay", ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function u32s(keys: number[]): Uint8Array {
  const b = new Uint8Array(keys.length * 4);
  const v = new DataView(b.buffer);
  keys.forEach((k, i) => v.setUint32(i * 4, k, true));
  return b;
}

interface JsonOut {
  trace: { format: string; requests: number; distinctKeys: number };
  results: { policy: string; cache: number; cacheSpec: string; requests: number; misses: number; missRatio: number; requestsPerSecond: number }[];
  lruCurve?: [number, number][];
}

describe("mmsim replay", () => {
  // A B C A D B E A as 1 2 3 1 4 2 5 1. LRU with 3 objects hits only the fourth request
  // (src/replay/policy/policies.test.ts works it through). FIFO hits the fourth (A), then D
  // evicts A, the oldest, so B (sixth) hits too: 6 misses. With 5 objects only the 5 first
  // requests of each key miss.
  const trace = [1, 2, 3, 1, 4, 2, 5, 1];

  it("prints miss ratio, requests, misses and speed per policy and size", async () => {
    const r = await mmsim(file("t.u32", u32s(trace)), "--policy", "lru,fifo", "--cache", "3,100%");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^trace: .*t\.u32 \(u32\): 8 requests, 5 distinct keys; read in [\d.]+ s$/);
    expect(lines[1]).toMatch(/^policy\s+cache\s+miss ratio\s+requests\s+misses\s+requests\/s$/);
    expect(lines[2]).toMatch(/^LRU\s+3\s+0\.875000\s+8\s+7\s+[\d.]+( [kM])?$/); // the speed: plain below 1000/s (a loaded host), then k or M
    expect(lines[3]).toMatch(/^LRU\s+5 \(100%\)\s+0\.625000\s+8\s+5\s/);
    expect(lines[4]).toMatch(/^FIFO\s+3\s+0\.750000\s+8\s+6\s/);
  });

  it("--json gives the same figures as a structure", async () => {
    const r = await mmsim(file("t2.u32", u32s(trace)), "--policy", "all", "--cache", "3", "--json", "--mrc");
    const j = JSON.parse(r.out) as JsonOut;
    expect(j.trace).toMatchObject({ format: "u32", requests: 8, distinctKeys: 5 });
    expect(j.results.map((x) => x.policy)).toEqual(["LRU", "FIFO", "CLOCK", "Random", "LFU", "ARC", "2Q", "LIRS", "S3-FIFO", "SIEVE", "OPT"]);
    expect(j.results[0]).toMatchObject({ cache: 3, cacheSpec: "3", requests: 8, misses: 7, missRatio: 0.875 });
    // OPT: A B C miss, A hits; D evicts C (never requested again), B hits; E evicts B or D
    // (neither is requested again), A hits: 5 misses.
    expect(j.results[10].misses).toBe(5);
    // The exact curve at size 3 is LRU's figure.
    expect(j.lruCurve?.find(([s]) => s === 3)?.[1]).toBe(0.875);
  });

  it("reads gzip and zstd streams by their magic bytes", async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => (7 * i) % 101);
    const plain = await mmsim(file("k.u32", u32s(keys)), "--policy", "arc,lirs", "--cache", "10%", "--json");
    const gz = await mmsim(file("k.u32.gz", gzipSync(u32s(keys))), "--policy", "arc,lirs", "--cache", "10%", "--json");
    const zst = await mmsim(new URL("keys.u32.zst", fixtures).pathname, "--policy", "arc,lirs", "--cache", "10%", "--json");
    const misses = (o: string): number[] => (JSON.parse(o) as JsonOut).results.map((x) => x.misses);
    expect(plain.code).toBe(0);
    expect(misses(gz.out)).toEqual(misses(plain.out));
    expect(misses(zst.out)).toEqual(misses(plain.out));
    expect((JSON.parse(zst.out) as JsonOut).trace.requests).toBe(1000);
  });

  it("reads text with a key column, lackey output, and generated traces", async () => {
    const csv = await mmsim(file("t.csv", "t,key\n0,1\n1,2\n2,3\n3,1\n"), "--header", "--key-column", "2", "--policy", "lru", "--cache", "3", "--json");
    expect((JSON.parse(csv.out) as JsonOut).results[0]).toMatchObject({ requests: 4, misses: 3 });
    const lackey = await mmsim(new URL("true.lackey", fixtures).pathname, "--policy", "lru", "--cache", "100%", "--json");
    expect((JSON.parse(lackey.out) as JsonOut).trace).toMatchObject({ format: "lackey", requests: 400 });
    const gen = await mmsim("--generate", "zipf,keys=1000,requests=20k,seed=5", "--policy", "lru", "--cache", "10%", "--json");
    expect((JSON.parse(gen.out) as JsonOut).trace.requests).toBe(20000);
  });

  it("--plot writes the curves as SVG, --save-trace a trace other simulators read", async () => {
    const svg = join(dir, "mrc.svg");
    const saved = join(dir, "saved.oracleGeneral.bin");
    const r = await mmsim("--generate", "zipf,keys=2000,requests=30k", "--policy", "lru,arc", "--cache", "1%,10%", "--plot", svg, "--save-trace", saved);
    expect(r.code).toBe(0);
    const text = readFileSync(svg, "utf8");
    expect(text).toContain("LRU, every size (exact)");
    expect(text).toContain(">ARC</text>");
    expect(readFileSync(saved).length).toBe(30000 * 24);
    const back = await mmsim(saved, "--policy", "lru,arc", "--cache", "1%,10%", "--json");
    const again = await mmsim("--generate", "zipf,keys=2000,requests=30k", "--policy", "lru,arc", "--cache", "1%,10%", "--json");
    expect((JSON.parse(back.out) as JsonOut).results.map((x) => x.misses)).toEqual((JSON.parse(again.out) as JsonOut).results.map((x) => x.misses));
  });

  it("--sample runs miniature caches on the sampled keys", async () => {
    const r = await mmsim("--generate", "zipf,keys=20k,requests=200k", "--sample", "0.1", "--policy", "lru", "--cache", "10%", "--json");
    const j = JSON.parse(r.out) as JsonOut;
    const full = JSON.parse((await mmsim("--generate", "zipf,keys=20k,requests=200k", "--policy", "lru", "--cache", "10%", "--json")).out) as JsonOut;
    // The sampled run estimates the full one (same cache size in objects of the full trace).
    expect(j.trace.requests).toBeLessThan(40000);
    expect(Math.abs(j.results[0].missRatio - full.results[0].missRatio)).toBeLessThan(0.05);
  });

  it("linux and mglru run the trace through the model's two LRUs (src/replay/policy/linux.test.ts checks the counts)", async () => {
    // 200 keys, each requested 5 times in a row. LRU misses the 200 first requests only; the
    // Linux policies miss what the library's LinuxPolicy misses on the same trace (a burst of
    // reclaim in a 50-page cache can evict a page between its write and its repeats).
    const keys = Array.from({ length: 1000 }, (_, i) => Math.floor(i / 5) + 1);
    const r = await mmsim(file("runs.u32", u32s(keys)), "--policy", "lru,linux,mglru", "--cache", "50", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as JsonOut;
    expect(j.results.map((x) => x.policy)).toEqual(["LRU", "Linux", "MGLRU"]);
    expect(j.results[0].misses).toBe(200);
    const ids = Int32Array.from(keys, (k) => k - 1);
    expect(j.results[1].misses).toBe(new LinuxPolicy(50, 200, "classic").run(ids, 0, ids.length));
    expect(j.results[2].misses).toBe(new LinuxPolicy(50, 200, "mglru").run(ids, 0, ids.length));
  }, 60_000);

  it("bad input: one line, exit 2", async () => {
    const cases: [string[], string][] = [
      [[file("odd.u32", new Uint8Array(10)), "--policy", "lru", "--cache", "1"], "odd.u32: byte offset 8: the trace is 10 bytes, not a whole number of 4-byte keys (2 bytes left over: truncated?)"],
      [[file("empty.u32", new Uint8Array(0)), "--policy", "lru", "--cache", "1"], "empty.u32: the trace is empty (0 bytes)"],
      [[file("cut.oracleGeneral.bin", new Uint8Array(30)), "--policy", "lru", "--cache", "1"], "cut.oracleGeneral.bin: byte offset 24: the trace is 30 bytes, not a whole number of 24-byte oracleGeneral records"],
      [[file("words.txt", "1\n2\nthree\n"), "--policy", "lru", "--cache", "1"], 'words.txt: line 3: key "three" in column 1 is not a number'],
      [[file("ok.u32", u32s(trace)), "--policy", "lru", "--cache", "0"], "--cache: cache size must be at least 1 object, got 0"],
      [[file("ok2.u32", u32s(trace)), "--policy", "lru", "--cache", "6"], "--cache: cache size 6 (6 objects) is larger than the trace's 5 distinct keys"],
      [[file("ok3.u32", u32s(trace)), "--policy", "belady-ish", "--cache", "2"], '--policy: unknown policy "belady-ish"'],
      [[file("ok4.u32", u32s(trace)), "--policy", "lru", "--cache", "2", "--warmup", "8"], "--warmup 8 leaves none of the trace's 8 requests to measure"],
      [[join(dir, "missing.u32"), "--policy", "lru", "--cache", "1"], "missing.u32: no such file"],
      [[file("what.bin", "hello"), "--policy", "lru", "--cache", "1"], "cannot tell the trace's format"],
      [[file("bad.gz", new Uint8Array([0x1f, 0x8b, 1, 2, 3])), "--format", "u32", "--policy", "lru", "--cache", "1"], "bad.gz: gzip:"],
      [["--policy", "lru", "--cache", "1"], "give a trace file or --generate SPEC"],
      [[file("ok5.u32", u32s(trace)), "--policy", "linux", "--cache", "3"], "--cache 3 for linux: a replay machine cannot hold as few as 3 pages"],
    ];
    for (const [args, msg] of cases) {
      const r = await mmsim(...args);
      expect(r.code, msg).toBe(2);
      expect(r.err).toContain(msg);
      expect(r.err.trim().split("\n"), msg).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});
