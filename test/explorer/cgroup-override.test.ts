/**
 * A chapter's cgroup slider: the link's `cg=` part (web/src/url.ts) and the run it makes
 * (web/src/worker/run.ts scenarioOf writes the scenario's own cgroup file with the new value at
 * boot). memcg-oom kills its toucher at memory.max 32M and not at 128M; a group the scenario does
 * not declare is a located error; a malformed part is dropped with a message.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runScenario, ScenarioError } from "../../src/api/index.js";
import { scenarioOf } from "../../web/src/worker/run.js";
import { formatFragment, parseFragment } from "../../web/src/url.js";

const yaml = readFileSync(fileURLToPath(new URL("../../scenarios/memcg-oom.yaml", import.meta.url)), "utf8");
const spec = (cgroup: Record<string, string>) => ({ yaml, file: "scenarios/memcg-oom.yaml", seed: null, sysctl: {}, cgroup });

describe("cgroup overrides", () => {
  it("writes memory.max at boot with the slider's value: no OOM kill at 128M, one at the scenario's 32M", () => {
    const sc = scenarioOf(spec({ "/rk/memory.max": "128M" }));
    expect(sc.cgroups[0].files.map((f) => [f.name, f.value])).toEqual([["memory.max", "128M"]]);
    const r = runScenario(sc);
    expect(r.processes.find((p) => p.name === "toucher")?.state).toBe("alive");
    expect(r.processes.filter((p) => p.state === "killed")).toEqual([]);
    const plain = runScenario(scenarioOf(spec({})));
    expect(plain.processes.find((p) => p.name === "toucher")?.state).toBe("killed");
  });

  it("adds a file the group does not set, and refuses a group the scenario lacks with a located error", () => {
    const sc = scenarioOf(spec({ "/rk/memory.high": "16M" }));
    expect(sc.cgroups[0].files.map((f) => [f.name, f.value])).toEqual([
      ["memory.max", "32M"],
      ["memory.high", "16M"],
    ]);
    let err: unknown = null;
    try {
      scenarioOf(spec({ "/nope/memory.max": "1G" }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).message).toBe("scenarios/memcg-oom.yaml:1:1 cgroups: the scenario declares no group /nope to set memory.max of");
  });

  it("reads and writes cg= in the link; a malformed part is dropped and named", async () => {
    const { state, problems } = await parseFragment("#s=memcg-oom&v=reclaim&cg=/rk/memory.max:48M,/rk/cgroup.procs:1,/a/b/memory.high:max", ["memcg-oom"]);
    expect(state.cgroup).toEqual({ "/rk/memory.max": "48M", "/a/b/memory.high": "max" });
    expect(problems).toEqual(["cg=/rk/cgroup.procs:1: expected /GROUP/memory.FILE:VALUE (memory.max, high, low, min, swap.max; a size or max)"]);
    const again = await parseFragment(await formatFragment(state), ["memcg-oom"]);
    expect(again.state).toEqual(state);
    expect(again.problems).toEqual([]);
  });
});
