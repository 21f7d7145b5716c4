/**
 * tools/guest/mmguest.c, built with gcc -static and run natively on this host (no QEMU): its
 * generators against the model's, its input parser on every shipped scenario, and a whole run of
 * the steps that are safe outside a guest (mmap, touch, fork, exit, captures of /proc/self files),
 * whose pages are compared with what the model's run of the same scenario touched.
 * Skipped, with the reason printed, only when gcc is not installed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prng } from "../kernel/random.js";
import { makeGenerator } from "../workload/patterns.js";
import { parseScenario } from "../workload/parse.js";
import type { PatternSpec } from "../workload/schema.js";
import { compileScenario } from "./compile.js";
import { parseConsole } from "./console.js";
import { FNV_OFFSET, fnvIndex, guestSide, modelSide } from "./side.js";
import { NOT_VALIDATABLE } from "./shipped.testutil.js";

const SRC = fileURLToPath(new URL("../../tools/guest/mmguest.c", import.meta.url));
const SCENARIOS = fileURLToPath(new URL("../../scenarios/", import.meta.url));
const gcc = spawnSync("gcc", ["--version"]).status === 0;
if (!gcc) console.warn("guest.test.ts: gcc is not installed, so tools/guest/mmguest.c is not built and these tests are skipped");
const d = gcc ? describe : describe.skip;

let dir = "";
let bin = "";
beforeAll(() => {
  if (!gcc) return;
  dir = mkdtempSync(join(tmpdir(), "mmguest-test-"));
  bin = join(dir, "mmguest");
  const r = spawnSync("gcc", ["-static", "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-o", bin, SRC, "-lm"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
  // Building a static binary is not what is under test, and on a loaded 2-core host it can take
  // longer than vitest's 10 s hook default: allow two minutes.
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cGen(kind: string, n: number, seed: number, count: number, param?: string): number[] {
  const out = execFileSync(bin, ["gen", kind, String(n), String(seed), String(count), ...(param !== undefined ? [param] : [])], { maxBuffer: 1 << 26 }).toString();
  return out.trim().split("\n").map(Number);
}

function tsGen(p: PatternSpec, n: number, seed: number, count: number): number[] {
  const g = makeGenerator(p, n, new Prng(seed));
  return Array.from({ length: count }, () => g.next());
}

d("mmguest's access patterns are the model's, page for page", () => {
  it("random: 100000 pages of 49152, seeds 1, 7 and 2^32-1", () => {
    for (const seed of [1, 7, 4294967295]) expect(cGen("random", 49152, seed, 100000)).toEqual(tsGen({ kind: "random" }, 49152, seed, 100000));
  });

  it("zipf with alpha 1.1, 0.6, 1 and 2.5 (libm's log/exp/log1p/expm1 against V8's)", () => {
    for (const [alpha, n, seed] of [[1.1, 32768, 3], [0.6, 1000, 9], [1, 100000, 1], [2.5, 5, 1]] as const) {
      expect(cGen("zipf", n, seed, 100000, String(alpha)), `alpha ${alpha}`).toEqual(tsGen({ kind: "zipf", alpha }, n, seed, 100000));
    }
  });

  it("stride and sequential, wrapping", () => {
    expect(cGen("stride", 10, 1, 30, "16384")).toEqual(tsGen({ kind: "stride", stride: 16384 }, 10, 1, 30));
    expect(cGen("stride", 1000, 1, 3000, "65536")).toEqual(tsGen({ kind: "stride", stride: 65536 }, 1000, 1, 3000));
    expect(cGen("sequential", 7, 1, 20)).toEqual(tsGen({ kind: "sequential" }, 7, 1, 20));
  });
});

d("mmguest reads every compiled shipped scenario, and refuses bad input in one line", () => {
  it("accepts each shipped scenario's compiled input", () => {
    // NOT_VALIDATABLE: scenarios with steps a guest cannot run.
    for (const f of readdirSync(SCENARIOS).filter((x) => x.endsWith(".yaml") && !NOT_VALIDATABLE.includes(x.replace(/\.yaml$/, "")))) {
      const sc = parseScenario(readFileSync(join(SCENARIOS, f)), `scenarios/${f}`);
      const plan = compileScenario(sc, { checkOnly: true });
      const file = join(dir, `${f}.in`);
      writeFileSync(file, plan.input);
      const out = execFileSync(bin, ["check", file]).toString();
      expect(out, f).toMatch(new RegExp(`^ok processes=${plan.processes.length} steps=\\d+ captures=\\d+\\n$`));
    }
  });

  const bad = (text: string): string => {
    const file = join(dir, "bad.in");
    writeFileSync(file, text);
    const r = spawnSync(bin, ["check", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    const c = parseConsole(r.stdout);
    expect(c.done).toBe("error");
    return c.events.find((e) => e.kind === "input_error")?.fields.error ?? "";
  };

  it("names the line and the problem", () => {
    expect(bad("scenario x\nend\n")).toBe("line 1: the input must start with the line: mmguest 1");
    expect(bad("mmguest 2\n")).toBe("line 1: unsupported format version (this mmguest reads version 1)");
    expect(bad("mmguest 1\nproc 0 p seed=1\nstep 0 touch at=x region=0\nend\n")).toBe("line 3: missing or bad value for this step kind");
    expect(bad("mmguest 1\nproc 0 p seed=1\nstep 0 mmap at=x region=0 size=4096 prot=3 flags=34\n")).toBe("line 3: no end line (truncated input?)");
    expect(bad("mmguest 1\nproc 0 p seed=99999999999\nend\n")).toBe("line 2: bad parent, start, adj or seed");
    expect(bad("mmguest 1\nfrobnicate\nend\n")).toBe('line 2: unknown statement "frobnicate"');
    expect(bad("\u0000\u00ff garbage \u0001\n")).toMatch(/^line 1: /);
    expect(bad("")).toBe("input file empty or larger than 4 MiB");
  });
});

d("a whole run on this host: mmap, touches, fork, exit, captures", () => {
  const yaml = `name: native
seed: 5
processes:
  - name: sh
    run:
      - capture: { label: before, path: /proc/meminfo }
      - wait: toucher
      - capture: { label: after, path: /proc/self/status }
  - name: toucher
    start: 1ms
    run:
      - mmap: { name: heap, size: 8M }
      - touch: { region: heap, pattern: random, count: 700, access: write }
      - mmap: { name: cold, size: 4M }
      - touch: { region: cold, pattern: zipf, alpha: 1.2, count: 300, access: read }
        capture:
          - { label: status, path: /proc/self/status }
          - { label: rollup, path: /proc/self/smaps_rollup }
      - fork:
          name: kid
          run:
            - touch: { region: heap, length: 1M, access: write }
              capture: { label: kid.status, path: /proc/self/status }
            - exit: 3
      - sleep: 5ms
      - munmap: { region: cold }
      - exit: 0
  - name: holder
    run:
      - mmap: { name: keep, size: 2M }
      - touch: { region: keep, pattern: stride, stride: 16K, count: 100, access: write }
      - mmap: { name: rnd, size: 6M }
      - touch: { region: rnd, pattern: random, count: 900, access: write }
      - mmap: { name: hot, size: 3M }
      - touch: { region: hot, pattern: zipf, alpha: 0.9, count: 500, access: read }
`;
  let out = "";
  let status: number | null = null;
  beforeAll(() => {
    if (!gcc) return;
    const sc = parseScenario(yaml, "native.yaml");
    const file = join(dir, "native.in");
    writeFileSync(file, compileScenario(sc).input);
    const r = spawnSync(bin, ["run", file, "--native"], { encoding: "latin1", timeout: 30000 });
    out = r.stdout;
    status = r.status;
  });

  it("runs to the end and prints every capture, in the scenario's order", () => {
    expect(status).toBe(0);
    const c = parseConsole(out);
    expect(c.started).toBe("native");
    expect(c.done).toBe("native");
    const labels = c.captures.map((x) => x.label).filter((l) => !l.startsWith("@"));
    // sh's first capture comes before toucher starts (1 ms later); the kid's before sh's last
    expect(labels).toEqual(["before", "status", "rollup", "kid.status", "after"]);
    expect(c.captures.find((x) => x.label === "status")?.text).toMatch(/^Name:\ttoucher\n/);
    expect(c.captures.find((x) => x.label === "kid.status")?.text).toMatch(/^Name:\ttoucher\n[\s\S]*PPid:\t\d+/);
  });

  it("reports each process's fate: alive, exited with its code", () => {
    const sc = parseScenario(yaml, "native.yaml");
    const side = guestSide(sc, parseConsole(out));
    expect(side.processes.map((p) => [p.name, p.state, p.code])).toEqual([
      ["sh", "alive", undefined],
      ["toucher", "exited", 0],
      ["holder", "alive", undefined],
      ["kid", "exited", 3],
    ]);
  });

  /** holder's three mappings merge into one 11 MiB VMA (top-down: hot, then rnd, then keep). */
  const MERGED = 11 * 2 ** 20;

  it("touches the pages the generators name, with holder's seed: the merged mapping's count and digest", () => {
    const sc = parseScenario(yaml, "native.yaml");
    const side = guestSide(sc, parseConsole(out));
    // the runner's seeds: one draw per process in creation order; holder is the third
    const seeds = new Prng(5 ^ 0x5ce7a410);
    seeds.get_random_u32();
    seeds.get_random_u32();
    const rng = new Prng(seeds.get_random_u32());
    const set = new Set<number>();
    const keep = makeGenerator({ kind: "stride", stride: 16384 }, 512, rng);
    for (let i = 0; i < 100; i++) set.add(768 + 1536 + keep.next());
    const rnd = makeGenerator({ kind: "random" }, 1536, rng);
    for (let i = 0; i < 900; i++) set.add(768 + rnd.next());
    const hot = makeGenerator({ kind: "zipf", alpha: 0.9 }, 768, rng);
    for (let i = 0; i < 500; i++) set.add(hot.next());
    let h = FNV_OFFSET;
    for (const i of [...set].sort((a, b) => a - b)) h = fnvIndex(h, i);
    const vma = side.pages.get("holder")?.find((p) => p.end - p.start === MERGED);
    expect(vma?.present).toBe(set.size);
    expect(vma?.digest).toBe(h);
  });

  it("touches the same pages as the model's run of the scenario", () => {
    const sc = parseScenario(yaml, "native.yaml");
    const model = modelSide(sc);
    const real = guestSide(sc, parseConsole(out));
    // found by size: this host randomizes addresses (the guest and the model do not)
    const a = model.side.pages.get("holder")?.find((p) => p.end - p.start === MERGED);
    const b = real.pages.get("holder")?.find((p) => p.end - p.start === MERGED);
    expect(b?.present).toBeGreaterThan(900);
    expect(b?.present).toBe(a?.present);
    expect(b?.digest).toBe(a?.digest);
  });
});
