import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { MAX_GENERAL_YAML_BYTES, parseScenario } from "./parse.js";
import { MAX_SCENARIO_BYTES, ScenarioError, STEP_KINDS } from "./schema.js";

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

  it("places processes and forks on CPUs below machine.cpus, default CPU 0 and the parent's", () => {
    const sc = parseScenario(`machine: { cpus: 4 }
processes:
  - name: p
    cpu: 3
    run:
      - fork: { name: c, cpu: 1 }
      - fork: { name: d }
  - name: q
`);
    expect(sc.processes[0].cpu).toBe(3);
    expect(sc.processes[0].run[0]).toMatchObject({ kind: "fork", cpu: 1 });
    expect(sc.processes[0].run[1]).not.toHaveProperty("cpu");
    expect(sc.processes[1].cpu).toBeUndefined();
    expect(err("processes:\n  - name: p\n    cpu: 1\n")).toBe("s.yaml:3:10 processes[0].cpu: 1 is out of range: expected 0 to 0");
    expect(err("machine: { cpus: 2 }\nprocesses:\n  - name: p\n    run:\n      - fork: { name: c, cpu: 2 }\n")).toBe("s.yaml:5:31 processes[0].run[0].fork.cpu: 2 is out of range: expected 0 to 1");
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

describe("parseScenario: what a hostile file cannot do", () => {
  const head = "machine: { memory: 256M }\nprocesses:\n  - name: p\n    run:\n";

  it("accepts sysctl names with a dash, as /proc/sys has them (vm.page-cluster)", () => {
    // Before: the name check rejected "-".
    const sc = parseScenario(`machine:\n  sysctl: { vm.page-cluster: 0 }\nprocesses:\n  - name: p\n    run:\n      - sysctl: { vm.page-cluster: 3 }\n`, "s.yaml");
    expect(sc.machine.sysctl).toEqual({ "vm.page-cluster": 0 });
    expect(sc.processes[0].run[0]).toMatchObject({ kind: "sysctl", key: "vm.page-cluster", value: "3" });
    expect(err(head + "      - sysctl: { vm.Page!: 3 }\n")).toMatch(/not a sysctl name/);
  });

  it("refuses aliases that expand past the yaml package's maxAliasCount, at the first alias, and says so", () => {
    // Before: 20,000 uses of one anchor took over 120 s (each alias walked the whole document).
    const text = head.replace("processes:", "x: &e { mmap: { name: a, size: 4K } }\nprocesses:") + "      - *e\n".repeat(20_000);
    expect(err(text)).toBe(
      "s.yaml:6:9 YAML aliases expand too much: more than 1000 alias uses (an anchor's uses times the aliases inside it, the yaml package's maxAliasCount), which keeps parsing in proportion to the file",
    );
    // Within the limit, aliases read as their anchors.
    const sc = parseScenario(head + "      - &s { sleep: 1ms }\n      - *s\n      - *s\n", "s.yaml");
    expect(sc.processes[0].run.map((s) => s.kind)).toEqual(["sleep", "sleep", "sleep"]);
  });

  it("refuses a nest of aliases (a billion laughs) before expanding it", () => {
    const text = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nprocesses: [*d]\n";
    expect(err(text)).toMatch(/^s\.yaml:2:8 YAML aliases expand too much/);
  });

  it("refuses an alias inside the node its anchor names", () => {
    expect(err("processes:\n  - &p\n    name: p\n    run:\n      - fork: { name: c, run: [*p] }\n")).toBe("s.yaml:5:32 YAML alias *p stands for a node that contains it: a scenario cannot refer to itself");
  });

  it("refuses a file over MAX_SCENARIO_BYTES before reading it as YAML", () => {
    expect(err("#".repeat(MAX_SCENARIO_BYTES + 1))).toBe(`s.yaml:1:1 the file is too large: ${MAX_SCENARIO_BYTES + 1} characters, more than the 16 MiB a scenario may have`);
  });

  it("reads a large file in the plain subset, and asks one that leaves it to keep to it", () => {
    const steps = "      - sleep: 1ms\n".repeat(Math.ceil(MAX_GENERAL_YAML_BYTES / 19) + 10);
    expect(parseScenario(head + steps, "s.yaml").processes[0].run.length).toBeGreaterThan(100_000);
    expect(err(head + "      - &s { sleep: 1ms }\n" + steps)).toMatch(/^s\.yaml:5:9 a scenario over 2 MiB must keep to plain YAML .*: found a value starting with &$/);
  });

  it("checks a machine's distance matrix with the library's own rule, at the entry at fault", () => {
    // Before: [[10]] with 2 nodes crashed with "Cannot read properties of undefined"; ragged
    // matrices and a diagonal of 20 were accepted.
    expect(err("machine:\n  memory: 1G\n  nodes: 2\n  distance: [[10]]\n")).toBe("s.yaml:4:13 machine.distance: the distance matrix must be 2x2 (one row per node), got 1 row");
    expect(err("machine:\n  memory: 1G\n  nodes: 2\n  distance: [[10, 20], [20]]\n")).toBe("s.yaml:4:24 machine.distance[1]: the distance matrix must be 2x2: row 1 has 1 entry");
    expect(err("machine:\n  memory: 1G\n  nodes: 2\n  distance: [[20, 20], [20, 10]]\n")).toBe("s.yaml:4:15 machine.distance[0][0]: distance 0->0 must be 10 (a node's distance to itself), got 20");
    expect(err("machine:\n  memory: 1G\n  distance: [[10]]\n")).toBe("s.yaml:3:3 machine.distance: distance needs nodes: a one-node machine has no distance matrix");
    expect(parseScenario("machine:\n  memory: 1G\n  nodes: 2\n  distance: [[10, 21], [21, 10]]\n", "s.yaml").machine.distance).toEqual([[10, 21], [21, 10]]);
  });

  it("enforces the library's memory range, not one of its own", () => {
    expect(err("machine: { memory: 64M }\n")).toBe("s.yaml:1:20 machine.memory: memory must be between 80M and 1T, got 64M");
    expect(parseScenario("machine: { memory: 80M }\n", "s.yaml").machine.memory).toBe(80 * 2 ** 20);
    expect(err("machine:\n  nodes: [{ size: 512M }, { size: 8M }]\n")).toMatch(/machine\.nodes\[1\]\.size: each node needs at least 16M, got 8M/);
  });
});
