/**
 * One machine range everywhere (issue 20, "Memory limits disagree"): the library, `mmsim boot`
 * and a scenario's machine: accept and refuse the same memory sizes and distance matrices,
 * because all three call src/sim/config.ts.
 */
import { describe, expect, it } from "vitest";
import { Machine, MAX_MEMORY, MIN_MEMORY } from "../src/api/index.js";
import { parseMemoryOption, parseNumaSpec } from "../src/cli/commands/boot.js";
import { parseScenario } from "../src/workload/parse.js";

const accepts = {
  library: (bytes: number): boolean => {
    try {
      // Only refusals are tried on the library: a refused size throws before any memory is sized.
      Machine.boot({ memory: bytes });
      return true;
    } catch (e) {
      if (e instanceof RangeError) return false;
      throw e;
    }
  },
  cli: (bytes: number): boolean => {
    try {
      parseMemoryOption(String(bytes));
      return true;
    } catch {
      return false;
    }
  },
  scenario: (bytes: number): boolean => {
    try {
      parseScenario(`machine: { memory: ${bytes} }\n`, "s.yaml");
      return true;
    } catch {
      return false;
    }
  },
};

describe("the machine range", () => {
  it("is 80M to 1T in whole pages, the same for the library, the CLI and scenarios", () => {
    expect([MIN_MEMORY, MAX_MEMORY]).toEqual([80 * 2 ** 20, 2 ** 40]);
    for (const bytes of [MIN_MEMORY - 4096, MIN_MEMORY + 100, MAX_MEMORY + 4096, 2 ** 50]) {
      expect([accepts.library(bytes), accepts.cli(bytes), accepts.scenario(bytes)], String(bytes)).toEqual([false, false, false]);
    }
    for (const bytes of [MIN_MEMORY, MAX_MEMORY]) expect([accepts.cli(bytes), accepts.scenario(bytes)], String(bytes)).toEqual([true, true]);
    expect(accepts.library(MIN_MEMORY)).toBe(true);
  });

  it("checks distance matrices with one rule for boot --numa, scenarios and the library", () => {
    const bad = [
      ["512M,512M:10,20/20", "[[10, 20], [20]]", [[10, 20], [20]]],
      ["512M,512M:20,20/20,10", "[[20, 20], [20, 10]]", [[20, 20], [20, 10]]],
      ["512M,512M:10", "[[10]]", [[10]]],
    ] as const;
    for (const [cli, yaml, lib] of bad) {
      expect(() => parseNumaSpec(cli)).toThrow();
      expect(() => parseScenario(`machine:\n  memory: 1G\n  nodes: 2\n  distance: ${yaml}\n`, "s.yaml")).toThrow();
      expect(() => Machine.boot({ memory: "1G", nodes: 2, distance: lib as unknown as number[][] })).toThrow(RangeError);
    }
  });
});
