import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ___ratelimit, RATELIMIT_MSG_ON_RELEASE, ratelimit_state } from "./ratelimit.js";

/** Calls ___ratelimit at each time (ns) and returns the verdicts and the log's messages. */
function run(rs: ratelimit_state, times: number[]): { ok: boolean[]; log: string[] } {
  const k = new Kernel(1);
  const ok = times.map((t) => {
    k.now_ns = t;
    return ___ratelimit(k, rs, "f");
  });
  return { ok, log: k.log.records.map((r) => r.text) };
}

describe("___ratelimit (lib/ratelimit.c)", () => {
  it("lets burst calls through per interval and reports the missed ones when the next opens", () => {
    const t = [0, 1, 2, 3];
    const { ok, log } = run(new ratelimit_state(5e9, 2), [...t, 6e9, 6e9 + 1, 6e9 + 2]);
    expect(ok).toEqual([true, true, false, false, true, true, false]);
    expect(log).toEqual(["f: 2 callbacks suppressed"]);
  });

  it("ends an interval strictly after begin + interval (time_is_before_jiffies)", () => {
    const { ok } = run(new ratelimit_state(5e9, 1), [1e9, 6e9, 6e9 + 1]);
    // begin is the first call's time, 1 s: 6 s is not past 1 s + 5 s yet, 6 s + 1 ns is.
    expect(ok).toEqual([true, false, true]);
  });

  it("never limits with a zero interval, always with a zero burst", () => {
    expect(run(new ratelimit_state(0, 0), [0, 0, 0]).ok).toEqual([true, true, true]);
    expect(run(new ratelimit_state(5e9, 0), [0, 0]).ok).toEqual([false, false]);
  });

  it("keeps counting missed calls silently with RATELIMIT_MSG_ON_RELEASE", () => {
    const rs = new ratelimit_state(5e9, 1, RATELIMIT_MSG_ON_RELEASE);
    const { ok, log } = run(rs, [0, 1, 6e9, 6e9 + 1]);
    expect(ok).toEqual([true, false, true, false]);
    expect(log).toEqual([]);
    expect(rs.missed).toBe(2);
  });
});
