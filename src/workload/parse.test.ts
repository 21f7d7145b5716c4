import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parseScenario } from "./parse.js";
import { ScenarioError, STEP_KINDS } from "./schema.js";

function err(text: string): string {
  try {
    parseScenario(text, "s.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  throw new Error("parsed without error");
}

describe("parseScenario", () => {
  it("turns sizes into bytes and durations into nanoseconds, with the documented defaults", () => {
    const sc = parseScenario(
      `machine: { memory: 1G, sysctl: { vm.swappiness: 100 } }
processes:
  - name: a
    start: 5ms
    run:
      - mmap: { name: buf, size: 64M }
      - touch: { region: buf, offset: 4K, length: 8K }
      - sleep: 1.5s
`,
      "x.yaml",
    );
    expect(sc.name).toBe("x");
    expect(sc.seed).toBe(1);
    expect(sc.machine).toEqual({ memory: 2 ** 30, sysctl: { "vm.swappiness": 100 } });
    const p = sc.processes[0];
    expect(p.start).toBe(5e6);
    expect(p.oom_score_adj).toBe(0);
    expect(p.run[0]).toMatchObject({ kind: "mmap", name: "buf", size: 64 * 2 ** 20, prot: "rw", flags: "private|anonymous", path: "processes[0].run[0]" });
    expect(p.run[1]).toMatchObject({ kind: "touch", region: "buf", offset: 4096, length: 8192, access: "write", pattern: { kind: "sequential" }, repeat: 1, window_pages: 2 });
    expect(p.run[2]).toMatchObject({ kind: "sleep", duration: 1.5e9 });
    expect(p.run[1].pos).toEqual({ line: 7, col: 9 });
  });

  it("gives a forked child the parent's mappings as they were at the fork", () => {
    const sc = parseScenario(`processes:
  - name: p
    run:
      - mmap: { name: a, size: 1M }
      - fork:
          name: c
          run:
            - touch: { region: a }
            - munmap: { region: a }
      - touch: { region: a }
`);
    const fork = sc.processes[0].run[1];
    expect(fork.kind).toBe("fork");
    if (fork.kind === "fork") expect(fork.run.map((s) => s.kind)).toEqual(["touch", "munmap"]);
    // the child's munmap does not unmap the parent's name
    expect(sc.processes[0].run[2]).toMatchObject({ kind: "touch", region: "a" });
  });

  it("reads capture as a step and as a modifier of another step", () => {
    const sc = parseScenario(`processes:
  - name: p
    run:
      - capture: { label: one, path: /proc/meminfo }
      - sleep: 1ms
        capture: [ { label: two, path: /proc/vmstat }, { label: three, path: /proc/self/status } ]
`);
    expect(sc.processes[0].run[0]).toMatchObject({ kind: "capture_only", capture: [{ label: "one", path: "/proc/meminfo" }] });
    expect(sc.processes[0].run[1].capture?.map((c) => c.label)).toEqual(["two", "three"]);
  });

  it("splits a multi-key sysctl step into one write per key, in file order", () => {
    const sc = parseScenario(`processes:
  - name: p
    run:
      - sysctl: { vm.overcommit_ratio: 50, vm.overcommit_memory: 2 }
`);
    expect(sc.processes[0].run.map((s) => (s.kind === "sysctl" ? `${s.key}=${s.value}` : s.kind))).toEqual(["vm.overcommit_ratio=50", "vm.overcommit_memory=2"]);
  });

  it("does not define a mapping whose mmap is expected to fail", () => {
    expect(
      err(`processes:
  - name: p
    run:
      - mmap: { name: big, size: 1T }
        expect_error: ENOMEM
      - touch: { region: big }
`),
    ).toBe('s.yaml:6:26 processes[0].run[1].touch.region: no mapping named "big" (this process has mapped nothing by name yet)');
  });

  it("lets wait name a process defined later in the file", () => {
    const sc = parseScenario(`processes:
  - name: a
    run:
      - wait: b
  - name: b
`);
    expect(sc.processes[0].run[0]).toMatchObject({ kind: "wait", process: "b" });
  });

  it("accepts bytes as well as text, and a UTF-8 byte order mark", () => {
    const sc = parseScenario(new TextEncoder().encode("\ufeffname: bom\n"));
    expect(sc.name).toBe("bom");
  });

  it("pins zipf's default alpha to 1 and rejects a zero alpha", () => {
    const sc = parseScenario(`processes:
  - name: p
    run:
      - mmap: { name: a, size: 1M }
      - touch: { region: a, pattern: zipf }
`);
    expect(sc.processes[0].run[1]).toMatchObject({ pattern: { kind: "zipf", alpha: 1 } });
    expect(
      err(`processes:
  - name: p
    run:
      - mmap: { name: a, size: 1M }
      - touch: { region: a, pattern: zipf, alpha: 0 }
`),
    ).toBe("s.yaml:5:51 processes[0].run[1].touch.alpha: 0 is out of range: expected more than 0 and at most 10");
  });

  it("documents a key list for every step kind it parses", () => {
    for (const [kind, spec] of Object.entries(STEP_KINDS)) {
      for (const r of spec.required) expect(spec.keys, kind).toContain(r);
      expect(spec.doc.length, kind).toBeGreaterThan(5);
    }
  });

  it("checks expectations against the processes and labels the file defines", () => {
    expect(err("expect:\n  - status: ghost\n    field: VmRSS\n    min: 1\n")).toBe('s.yaml:2:13 expect[0].status: no process named "ghost" (processes: none)');
    expect(err("expect:\n  - capture: x\n    matches: '('\n")).toMatch(/^s\.yaml:2:14 expect\[0\]\.capture: no capture labelled "x"/);
  });
});

describe("parseScenario on arbitrary input", () => {
  const shipped = ["tour", "fork-cow", "overcommit", "buddy-split-merge"].map((n) => readFileSync(`scenarios/${n}.yaml`, "utf8"));

  it("either parses or throws a one-line ScenarioError for mutated scenario files, never anything else", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: shipped.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.nat(4), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 4 }), (which, edits) => {
        let t = shipped[which];
        for (const [pos, del, ins] of edits) {
          const p = pos % (t.length + 1);
          t = t.slice(0, p) + ins + t.slice(p + del);
        }
        try {
          parseScenario(t, "f.yaml");
        } catch (e) {
          if (!(e instanceof ScenarioError)) throw e;
          expect(e.message).toMatch(/^f\.yaml:\d+:\d+ /);
          expect(e.message).not.toContain("\n");
        }
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it("never throws anything but a ScenarioError for random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          parseScenario(bytes, "b.yaml");
        } catch (e) {
          if (!(e instanceof ScenarioError)) throw e;
          expect(e.message).not.toContain("\n");
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
