/**
 * The ftrace text line and the list of tracepoints the model emits.
 * @kernel kernel/trace/trace_output.c trace_print_context, trace_print_time
 */
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { available_events, formatTraceLine, type TraceRecord } from "./trace.js";

const rec = (over: Partial<TraceRecord>): TraceRecord => ({ event: "mm_page_alloc", ts_nsec: 0, cpu: 0, pid: 1, comm: "init", fields: {}, message: "x", ...over });

describe("formatTraceLine", () => {
  it('pads as "%16s-%-7d [%03d] " then the five flag columns and " %5lu.%06lu: "', () => {
    expect(formatTraceLine(rec({ comm: "bash", pid: 1234, cpu: 0, ts_nsec: 12_345_678_000, message: "page=1" }))).toBe(
      "            bash-1234    [000] .....    12.345678: mm_page_alloc: page=1",
    );
    // The pid column is 7 wide whatever the pid, so the CPU column stays put.
    const a = formatTraceLine(rec({ comm: "kswapd0", pid: 38 }));
    const b = formatTraceLine(rec({ comm: "anon", pid: 1234567 }));
    expect(a.indexOf("[000]")).toBe(25);
    expect(b.indexOf("[000]")).toBe(25);
    expect(a.startsWith("         kswapd0-38      [000]")).toBe(true);
  });

  it("rounds nanoseconds to microseconds as ns2usecs does, without floating-point drift", () => {
    expect(formatTraceLine(rec({ ts_nsec: 1_999_999_500 }))).toContain("     2.000000: ");
    expect(formatTraceLine(rec({ ts_nsec: 1_999_999_499 }))).toContain("     1.999999: ");
    // 2^53 ns is ~104 days: still exact.
    expect(formatTraceLine(rec({ ts_nsec: 9_007_199_254_740_000 }))).toContain(" 9007199.254740: ");
  });
});

/** Every tracepoint name the model's sources emit, by the calls they make. */
function emittedNames(dir: string, out = new Set<string>()): Set<string> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) emittedNames(p, out);
    else if (f.endsWith(".ts") && !f.endsWith(".test.ts")) {
      const text = readFileSync(p, "utf8");
      for (const m of text.matchAll(/(?:trace\.(?:emit|enabled)|\btrace|\btrace_pid)\(\s*(?:k,\s*)?"([a-z][a-z0-9_]+)"/g)) out.add(m[1]);
    }
  }
  return out;
}

describe("available_events", () => {
  it("lists every tracepoint the model emits, and nothing it does not", () => {
    const emitted = [...new Set([...emittedNames("src/mm"), ...emittedNames("src/kernel"), ...emittedNames("src/arch"), ...emittedNames("src/fs")])].sort();
    expect(emitted.length).toBeGreaterThan(10);
    expect([...available_events.map(([, e]) => e)].sort()).toEqual(emitted);
  });
});
