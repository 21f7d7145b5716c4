/**
 * The explorer's adapter (web/src/worker/run.ts) under node: the Replayer reaches a time by
 * restoring its nearest snapshot or going on from where it stands, and what it shows there is
 * what a straight run shows at the same stop point — scrubbing back, then forward, included;
 * recordRun's quanta are those stop points.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseScenario, startScenario, type Scenario } from "../../src/api/index.js";
import { MAX_SNAPSHOTS, recordRun, Replayer } from "../../web/src/worker/run.js";

const dir = fileURLToPath(new URL("../../scenarios/", import.meta.url));
const FILES = ["/proc/meminfo", "/proc/vmstat", "/proc/zoneinfo", "/proc/buddyinfo"];

function scenario(name: string): Scenario {
  return parseScenario(readFileSync(dir + name, "utf8"), name);
}

/** What a straight run shows at the first stop point at or after t. */
function straightAt(sc: Scenario, t: number): { now: number; files: string[] } {
  const run = startScenario(sc);
  run.runUntil(t);
  return { now: run.now, files: FILES.map((f) => run.machine.read(f)) };
}

describe("the explorer's Replayer", () => {
  it("shows at any time what the straight run shows, scrubbing back and forth", async () => {
    const sc = scenario("kswapd-watermarks.yaml");
    const rec = recordRun(sc, sc.seed, () => {}, () => {}, () => {});
    const start = startScenario(sc).now;
    const end = rec.result.end_ns;
    const r = new Replayer(sc, sc.seed);
    // Forward to the end (snapshots kept on the way), back to a quarter, on by 1 ns, forward to
    // 3/4 (past kept snapshots), back to a half.
    const order = [end, start + (end - start) / 4, -1, start + ((end - start) * 3) / 4, start + (end - start) / 2];
    const starts: string[] = [];
    for (const at of order) {
      const t = at < 0 ? r.machine.now + 1 : at;
      expect(await r.goto(t)).toBe(true);
      starts.push(r.stats().start);
      const want = straightAt(sc, t);
      expect(r.machine.now, `time reached for ${t}`).toBe(want.now);
      FILES.forEach((f, i) => expect(r.machine.read(f), `${f} at ${t}`).toBe(want.files[i]));
    }
    // The first goto booted; scrubbing back restored a snapshot; a little forward went on from
    // there; further forward, a snapshot kept on the first pass was nearer.
    expect(starts).toEqual(["boot", "snapshot", "continued", "snapshot", "snapshot"]);
    const st = r.stats();
    expect(st.snapshots).toBeGreaterThan(4);
    expect(st.snapshots).toBeLessThanOrEqual(MAX_SNAPSHOTS);
  });

  it("gives up when a newer request makes it moot, and goes on from where it stopped", async () => {
    const sc = scenario("tour.yaml");
    const r = new Replayer(sc, sc.seed);
    let pauses = 0;
    // Stale after the first pause: with a 0 ms slice budget it pauses after every piece.
    const ok = await r.goto(
      Infinity,
      () => pauses > 0,
      async () => void pauses++,
    );
    expect(ok === false || r.done).toBe(true);
    const stoppedAt = r.machine.now;
    expect(await r.goto(Infinity)).toBe(true);
    expect(r.done).toBe(true);
    expect(r.machine.now).toBeGreaterThanOrEqual(stoppedAt);
    expect(r.machine.read("/proc/meminfo")).toBe(straightAt(sc, Infinity).files[0]);
  });

  it("records quanta that are the stop points a replay reaches exactly", async () => {
    const sc = scenario("oom-badness.yaml");
    const slices: number[] = [];
    let points = 0;
    recordRun(sc, sc.seed, () => {}, () => void points++, (m) => void slices.push(m.now));
    expect(points).toBeGreaterThan(slices.length);
    const r = new Replayer(sc, sc.seed);
    for (const t of [slices[3], slices[Math.floor(slices.length / 2)], slices[1]]) {
      await r.goto(t);
      expect(r.machine.now).toBe(t);
    }
  });
});
