import { describe, expect, it } from "vitest";
import { formatBytesIec, formatCgtop } from "./cgtop.js";
import { runCli } from "../cli/main.js";

describe("cgtop", () => {
  it("prints sizes in format_bytes' IEC style: one truncated decimal, bytes below 1K", () => {
    expect(formatBytesIec(0)).toBe("0B");
    expect(formatBytesIec(1023)).toBe("1023B");
    expect(formatBytesIec(1024)).toBe("1.0K");
    expect(formatBytesIec(1535)).toBe("1.4K");
    expect(formatBytesIec(33554432)).toBe("32.0M");
    expect(formatBytesIec(100577280)).toBe("95.9M");
    expect(formatBytesIec(3 * 2 ** 30)).toBe("3.0G");
  });

  it("lays out one row per group, the root first, then in path order, '-' for what a group lacks", () => {
    const out = formatCgtop(
      [
        { path: "/b", procs: "", current: "0\n", high: "max\n", max: "max\n", swapCurrent: "0\n", events: "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n", pressure: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n" },
        { path: "/", procs: "1\n2\n", pressure: "some avg10=12.50 avg60=3.00 avg300=1.00 total=9\nfull avg10=6.25 avg60=1.00 avg300=0.00 total=4\n" },
        { path: "/a", procs: "7\n", current: "33554432\n", high: "max\n", max: "33554432\n", swapCurrent: "1048576\n", events: "low 0\nhigh 0\nmax 35\noom 1\noom_kill 1\noom_group_kill 0\n", pressure: "some avg10=1.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=1\n" },
      ],
      { rootMemory: 2 ** 30 },
    );
    expect(out).toBe(
      [
        "Control Group  Tasks  %CPU  Memory Input/s Output/s    High     Max    Swap   low  high   max oom kill Some10 Full10",
        "/                  2     -    1.0G       -        -       -       -       -     -     -     -   -    -  12.50   6.25",
        "/a                 1     -   32.0M       -        -     max   32.0M    1.0M     0     0    35   1    1   1.00   0.50",
        "/b                 0     -      0B       -        -     max     max      0B     0     0     0   0    0   0.00   0.00",
        "",
      ].join("\n"),
    );
  });

  it("is a tool of mmsim run --show and a command of its own", async () => {
    let out = "";
    const io = { out: (s: string) => void (out += s), err: () => undefined };
    expect(await runCli(["cgtop", "--scenario", "memcg-oom"], io)).toBe(0);
    expect(out).toMatch(/^Control Group +Tasks +%CPU +Memory +Input\/s +Output\/s +High +Max +Swap +low +high +max +oom +kill +Some10 +Full10\n\/ +\d+ +- +[\d.]+M/);
    // memcg-oom's group: at its 32M limit once, 35 failed charges, one kill (the w4 run's).
    expect(out).toMatch(/^\/rk +0 +- +\S+ +- +- +max +32\.0M +0B +0 +0 +35 +1 +1 +\d+\.\d\d +\d+\.\d\d$/m);
  }, 120_000);
});
