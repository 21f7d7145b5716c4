/**
 * decode on inputs of any size and shape: text pushed in chunks gives the same result as the
 * whole text, lines and logs are read in bounded memory, journalctl's JSON records and u64
 * counters are read whole, and --pid's answer is part of the result.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { decode, DecodeStream, explain, MAX_LINE_CHARS, toJson, type KeyValueResult, type OomReport } from "./index.js";

const w3a = readFileSync("test/realkernel/data/w3a/dmesg", "utf8");
const report1 = readFileSync("test/realkernel/data/w3a/oom_report.1", "utf8");

function oomReports(text: string): OomReport[] {
  const r = decode(text);
  if (r.kind !== "oom-log") throw new Error(`decoded as ${r.kind}`);
  return r.reports;
}

describe("DecodeStream", () => {
  it("gives the result of the whole text however the text is cut into chunks", () => {
    const whole = toJson(decode(w3a));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: w3a.length - 1 }), { maxLength: 40 }), (cuts) => {
        const at = [...new Set(cuts)].sort((a, b) => a - b);
        const s = new DecodeStream();
        let from = 0;
        for (const c of [...at, w3a.length]) {
          s.push(w3a.slice(from, c));
          from = c;
        }
        expect(toJson(s.end())).toBe(whole);
      }),
      { numRuns: 40 },
    );
  });

  it("finds a report after more unrelated text than detection reads", () => {
    const noise = Array.from({ length: 5000 }, (_, i) => `[    0.${String(i).padStart(6, "0")}] usb 1-1: new high-speed USB device number ${i}`).join("\n");
    expect(noise.length).toBeGreaterThan(200_000);
    const reps = oomReports(`${noise}\n${report1}`);
    expect(reps.length).toBe(1);
    expect(reps[0].victim?.pid).toBe(89);
  });

  it("cuts a line longer than MAX_LINE_CHARS and goes on reading", () => {
    const s = new DecodeStream();
    s.push("[    1.000000] ");
    for (let i = 0; i < 40; i++) s.push("x".repeat(64 * 1024)); // one 2.5 MiB line
    s.push(`\n${report1}`);
    const r = s.end();
    expect(r.kind).toBe("oom-log");
    if (r.kind !== "oom-log") return;
    expect(r.reports[0].victim?.pid).toBe(89);
    expect(r.warnings).toContainEqual({ part: "line", message: `1 lines longer than ${MAX_LINE_CHARS} characters were cut there` });
  });

  it("keeps at most MAX_REPORTS reports and says how many more there were", () => {
    const one = (i: number): string => `[${i}.0] p invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n[${i}.1] Out of memory: Killed process ${i + 2} (p) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:0kB oom_score_adj:0\n`;
    const s = new DecodeStream();
    for (let i = 0; i < 1003; i++) s.push(one(i));
    const r = s.end();
    if (r.kind !== "oom-log") throw new Error(r.kind);
    expect(r.reports.length).toBe(1000);
    expect(r.warnings.map((w) => w.message)).toContain("3 more OOM reports after the first 1000 were not decoded");
  });
});

describe("journalctl -o json", () => {
  // journalctl -k -o json: one object per line; the kernel's text is MESSAGE.
  const asJournal = (text: string, seq = false): string =>
    text
      .trimEnd()
      .split("\n")
      .map((l, i) => {
        const m = /^\[\s*(\d+)\.(\d+)\] (.*)$/.exec(l)!;
        const usec = String(Number(m[1]) * 1e6 + Number(m[2]));
        const rec = { __CURSOR: `s=abc;i=${i}`, __REALTIME_TIMESTAMP: String(1796580473000000 + Number(usec)), __MONOTONIC_TIMESTAMP: usec, _TRANSPORT: "kernel", PRIORITY: "4", SYSLOG_IDENTIFIER: "kernel", _SOURCE_MONOTONIC_TIMESTAMP: usec, MESSAGE: m[3] };
        return (seq ? "\u001e" : "") + JSON.stringify(rec);
      })
      .join("\n");

  it("reads each record's MESSAGE, so the report decodes as from dmesg", () => {
    const plain = oomReports(report1)[0];
    for (const seq of [false, true]) {
      const j = oomReports(asJournal(report1, seq))[0];
      expect(j.trigger).toEqual(plain.trigger);
      expect(j.victim).toEqual(plain.victim);
      expect(j.badness).toEqual(plain.badness);
      expect(j.summary).toEqual(plain.summary);
    }
  });

  it("reads a MESSAGE journald stored as bytes (not valid UTF-8)", () => {
    const line = `memC invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0`;
    const rec = JSON.stringify({ _SOURCE_MONOTONIC_TIMESTAMP: "2061227", MESSAGE: [...new TextEncoder().encode(line)] });
    const [r] = oomReports(`${rec}\n`);
    expect(r.trigger.comm).toBe("memC");
    expect(r.trigger.gfp?.hex).toBe("0x140dca");
  });
});

describe("u64 counters", () => {
  // cgroup v1 memory.stat of an unlimited group: PAGE_COUNTER_MAX pages in bytes is above 2^53.
  const v1 = "cache 4096\nrss 1048576\nrss_huge 0\nshmem 0\nmapped_file 0\nswap 0\npgpgin 300\npgpgout 44\npgfault 512\npgmajfault 0\nhierarchical_memory_limit 9223372036854771712\nhierarchical_memsw_limit 9223372036854771712\ntotal_cache 4096\ntotal_rss 1048576\n";

  it("keeps every digit of a value above 2^53, in the result, the JSON and the prose", () => {
    const r = decode(v1) as KeyValueResult;
    expect(r.kind).toBe("memory.stat");
    expect(r.fields.hierarchical_memory_limit).toBe(9223372036854771712n);
    expect(r.fields.rss).toBe(1048576);
    expect(toJson(r)).toContain('"hierarchical_memory_limit": 9223372036854771712,');
    expect(JSON.parse(toJson(r)).fields.rss).toBe(1048576);
    expect(explain(r)).toMatch(/hierarchical_memory_limit\s+9223372036854771712 /);
  });

  it("writes a bigint as a number even when a string in the data looks like the marker", () => {
    expect(toJson({ a: 18446744073709551615n, b: "__u64_0__" }, 0)).toBe('{"a":18446744073709551615,"b":"__u64_0__"}');
  });
});

describe("pid queries", () => {
  it("are part of the result, so --json has them", () => {
    const r = decode(report1, { pid: 89 });
    if (r.kind !== "oom-log") throw new Error(r.kind);
    expect(r.reports[0].pidQuery).toMatchObject({ pid: 89, inTable: true, name: "memA", chosen: true, pivotAdj: 156 });
    expect(JSON.parse(toJson(r)).reports[0].pidQuery.pivotAdj).toBe(156);
    expect(explain(r)).toContain("pid 89 (memA) was the top scorer (36405 points); oom_score_adj 156 or lower would have spared it");
    const other = decode(report1, { pid: 115 });
    if (other.kind !== "oom-log") throw new Error(other.kind);
    expect(other.reports[0].pidQuery).toMatchObject({ pid: 115, chosen: false, rank: 2 });
    expect((decode(report1, { pid: 4242 }) as { reports: OomReport[] }).reports[0].pidQuery).toEqual({ pid: 4242, inTable: false, text: "pid 4242: not in this report's task table" });
  });
});

describe("the free table in a meminfo explanation", () => {
  it("has free's columns: the header and each row end their fields at the same columns as procps-ng 4", () => {
    const ref = readFileSync("test/reference/tool-formats/free-k.txt", "utf8").split("\n");
    const text = explain(decode(readFileSync("test/realkernel/data/w0/meminfo", "utf8")));
    const lines = text.split("\n");
    const h = lines.findIndex((l) => l.includes("total        used"));
    const table = lines.slice(h, h + 3).map((l) => l.slice(4));
    expect(table[0]).toBe(ref[1]);
    const ends = (l: string): number[] => [...l.matchAll(/\S+/g)].map((m) => m.index + m[0].length);
    expect(ends(table[1])).toEqual(ends(ref[2]));
    expect(ends(table[2])).toEqual(ends(ref[3]));
  });
});
