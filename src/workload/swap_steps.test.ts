import { describe, expect, it } from "vitest";
import { parseScenario } from "./parse.js";
import { runScenario } from "./runner.js";
import { ScenarioError } from "./schema.js";

const head = "machine: { memory: 256M }\nprocesses:\n  - name: admin\n    run:\n";

function err(steps: string): string {
  try {
    parseScenario(head + steps, "s.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  return "parsed";
}

describe("swapon and swapoff steps", () => {
  it("parse with their defaults", () => {
    const sc = parseScenario(head + "      - swapon: { path: /dev/vda, size: 512M, priority: 5, latency: 1ms }\n      - swapoff: /dev/vda\n", "s.yaml");
    expect(sc.processes[0].run[0]).toMatchObject({ kind: "swapon", file: "/dev/vda", path: "processes[0].run[0]", size: 512 * 2 ** 20, priority: 5, type: "partition", rotational: true, latency: 1e6 });
    expect(sc.processes[0].run[1]).toMatchObject({ kind: "swapoff", file: "/dev/vda", path: "processes[0].run[1]" });
  });

  it("reject bad arguments with located messages", () => {
    expect(err("      - swapon: { path: /dev/vda }\n")).toMatch(/s\.yaml:5:\d+ .*swapon.*size/);
    expect(err("      - swapon: { path: /dev/vda, size: 8K }\n")).toMatch(/size: a swap area needs at least 10 pages/);
    expect(err("      - swapon: { path: vda, size: 1M }\n")).toMatch(/path: expected an absolute path/);
    expect(err("      - swapon: { path: /dev/vda, size: 1M, priority: -3 }\n")).toMatch(/priority/);
    expect(err("      - swapon: { path: /dev/vda, size: 1M, type: disk }\n")).toMatch(/type/);
    expect(err("      - swapoff: vda\n")).toMatch(/swapoff: expected the swap area's path/);
  });

  it("run: /proc/swaps, an EBUSY the scenario expects, and swapoff emptying SwapTotal", () => {
    const sc = parseScenario(
      head +
        "      - swapon: { path: /dev/vda, size: 512M }\n" +
        "      - swapon: { path: /dev/vda, size: 512M }\n        expect_error: EBUSY\n" +
        "      - capture: { label: swaps, path: /proc/swaps }\n" +
        "      - swapoff: /dev/vda\n" +
        "expect:\n  - meminfo: SwapTotal\n    equals: 0\n",
      "s.yaml",
    );
    const r = runScenario(sc);
    expect(r.ok).toBe(true);
    expect(r.captures.find((c) => c.label === "swaps")?.text).toContain("/dev/vda                                partition\t524284\t\t0\t\t-2\n");
  });
});
