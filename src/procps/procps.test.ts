import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatFree, formatPmap, formatSmem, formatVmstat, scale_size, simulatedStat, units } from "./index.js";
import { fixed1 } from "./common.js";

const repoRoot = resolve(import.meta.dirname, "../..");
const ref = (f: string): string => readFileSync(resolve(repoRoot, "test/reference/tool-formats", f), "utf8");
const rk = (f: string): string => readFileSync(resolve(repoRoot, "test/realkernel/data", f), "utf8");
/** A sample's output without its "$ command" line. */
const body = (f: string): string => ref(f).split("\n").slice(1).join("\n").replace(/\n*$/, "\n");

function meminfo(kv: Record<string, number>): string {
  return Object.entries(kv).map(([k, v]) => `${(k + ":").padEnd(16)}${String(v).padStart(8)} kB`).join("\n") + "\n";
}

describe("free (procps 4)", () => {
  it("prints free -w -k for the real /proc/meminfo captured with it, byte for byte", () => {
    // proc-meminfo.txt and free-wk.txt were taken at the same moment: MemFree 21080064, Buffers 63016,
    // Cached 3083084 + SReclaimable 246172 = cache 3329256, used = MemTotal - MemAvailable = 524184.
    const mi = ref("proc-meminfo.txt").split("\n").slice(1).join("\n");
    expect(formatFree(mi, { wide: true })).toBe(body("free-wk.txt"));
  });

  it("prints free -k and free -h -w as the samples do", () => {
    const mi = meminfo({ MemTotal: 24684096, MemFree: 21622024, MemAvailable: 24020056, Buffers: 43392, Cached: 2400000, SReclaimable: 267064, Shmem: 8788, SwapTotal: 0, SwapFree: 0 });
    expect(formatFree(mi)).toBe(body("free-k.txt"));
    expect(formatFree(mi, { human: true, wide: true })).toBe(body("free-hw.txt"));
  });

  it("scales like scale_size: bytes under 1000, %.1f when it fits in 5 characters, else whole units", () => {
    expect(scale_size(0, { human: true })).toBe("0B");
    expect(scale_size(8788, { human: true })).toBe("8.6Mi");
    expect(scale_size(664040, { human: true })).toBe("648Mi");
    expect(scale_size(1280, { human: true })).toBe("1.2Mi"); // an exact tie rounds to even, as glibc does
    expect(scale_size(2048, { exponent: 3 })).toBe("2");
    expect(scale_size(3, { exponent: 1 })).toBe("3072");
  });

  it("adds a Total row with -t", () => {
    const out = formatFree(meminfo({ MemTotal: 1000, MemFree: 400, MemAvailable: 700, SwapTotal: 500, SwapFree: 200 }), { total: true });
    expect(out.split("\n")[3]).toBe("Total:".padEnd(8) + " " + "1500".padStart(11) + " " + "600".padStart(11) + " " + "600".padStart(11));
  });
});

describe("vmstat (procps 4)", () => {
  const stat = ["cpu  31000 0 19000 50000 0 0 0 0 0 0", "intr 634000", "ctxt 2269000", "btime 1795315511", "processes 24619", "procs_running 1", "procs_blocked 0"].join("\n");
  const vm = "pgpgin 1155000\npgpgout 2909000\npswpin 0\npswpout 0\n";
  const mi = meminfo({ MemTotal: 24684096, MemFree: 21622024, MemAvailable: 24036200, Buffers: 43392, Cached: 2400000, SReclaimable: 267064, Active: 897456, Inactive: 1632696, SwapTotal: 0, SwapFree: 0 });

  it("prints the since-boot line with vmstat's rounding: (x * HZ + Div/2) / Div", () => {
    const lines = body("vmstat-1-2.txt").split("\n");
    expect(formatVmstat({ meminfo: mi, vmstat: vm, stat })).toBe(lines.slice(0, 3).join("\n") + "\n");
  });

  it("prints the wide header and columns of -w", () => {
    const mi2 = meminfo({ MemTotal: 24684096, MemFree: 21653728, Buffers: 43396, Cached: 2400056, SReclaimable: 267064, SwapTotal: 0, SwapFree: 0 });
    const st2 = stat.replace("procs_running 1", "procs_running 2").replace("intr 634000", "intr 633000").replace("ctxt 2269000", "ctxt 2263000");
    const vm2 = "pgpgin 1152000\npgpgout 2901000\n";
    expect(formatVmstat({ meminfo: mi2, vmstat: vm2, stat: st2 }, { wide: true })).toBe(body("vmstat-w.txt").split("\n").slice(0, 3).join("\n") + "\n");
  });

  it("prints vmstat -s lines as %13lu with K for memory", () => {
    const st = ["cpu  45767 28 28183 74033 518 0 89 139 2 0", "intr 942185", "ctxt 3370924", "btime 1795315511", "processes 24619"].join("\n");
    const m = meminfo({ MemTotal: 24684096, MemFree: 21638132, MemAvailable: 24036200, Buffers: 43392, Cached: 2400052, SReclaimable: 267064, Active: 897456, Inactive: 1632696, SwapTotal: 0, SwapFree: 0 });
    const v = "pgpgin 1715677\npgpgout 4321948\npswpin 0\npswpout 0\n";
    expect(formatVmstat({ meminfo: m, vmstat: v, stat: st }, { stats: true })).toBe(body("vmstat-s.txt"));
  });

  it("shows inact/active with -a, and 100% idle on a simulated machine without CPU accounting", () => {
    const out = formatVmstat({ meminfo: mi, vmstat: vm, stat: simulatedStat(10e9, 2, 5, 1) }, { active: true });
    expect(out.split("\n")[1]).toContain(" inact active ");
    expect(out.split("\n")[2]).toMatch(/ 1632696 897456 .* 0 +0 100 +0 +0$/);
  });
});

describe("pmap (procps)", () => {
  /** maps + smaps rebuilt from the pmap -x sample's rows, then printed again. */
  function fromSample(): { maps: string; smaps: string } {
    const rows = ref("pmap-x.txt").split("\n").slice(3).filter((l) => /^[0-9a-f]{16} /.test(l));
    let maps = "";
    let smaps = "";
    for (const r of rows) {
      const m = /^([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+) (\S{5}) (.*)$/.exec(r);
      if (!m) throw new Error(r);
      const start = parseInt(m[1], 16);
      const end = start + Number(m[2]) * 1024;
      const perms = m[5].slice(0, 3) + (m[5][3] === "s" ? "s" : "p");
      const name = m[6] === "  [ anon ]" ? "" : m[6] === "  [ stack ]" ? "[stack]" : `/usr/lib/x86_64-linux-gnu/${m[6]}`;
      const line = `${start.toString(16).padStart(8, "0")}-${end.toString(16).padStart(8, "0")} ${perms} 00000000 00:00 0 ${name}`;
      maps += line + "\n";
      smaps += `${line}\nSize: ${m[2]} kB\nRss: ${m[3]} kB\nShared_Dirty: 0 kB\nPrivate_Dirty: ${m[4]} kB\nVmFlags: rd\n`;
    }
    return { maps, smaps };
  }

  it("prints pmap -x rows, dashes and the total line as the sample does", () => {
    const { maps, smaps } = fromSample();
    const out = formatPmap({ pid: 2554, status: "Name:\tbash\n", cmdline: "bash\0/dev/fd/3\0", maps, smaps }, { extended: true });
    expect(out).toBe(body("pmap-x.txt"));
  });

  it("prints the default format's tail with the K sizes and the total", () => {
    const { maps } = fromSample();
    const out = formatPmap({ pid: 2554, status: "Name:\tbash\n", maps });
    const tail = body("pmap-default-tail.txt").split("\n").filter(Boolean);
    expect(out.split("\n").filter(Boolean).slice(-tail.length)).toEqual(tail);
  });

  it("computes a real 6.1 process's RSS and Dirty from its smaps (w1, 128 MiB written)", () => {
    const out = formatPmap({ pid: 89, status: rk("w1/proc.status"), maps: rk("w1/proc.maps"), smaps: rk("w1/proc.smaps") }, { extended: true });
    const total = out.split("\n").find((l) => l.startsWith("total kB")) ?? "";
    const rss = rk("w1/proc.smaps").split("\n").filter((l) => l.startsWith("Rss:")).reduce((a, l) => a + Number(/\d+/.exec(l)?.[0]), 0);
    expect(Number(total.trim().split(/\s+/)[3])).toBe(rss);
    expect(out).toContain("   [ anon ]");
    expect(out).toMatch(/r-x-- anon\n/);
  });
});

describe("smem", () => {
  function task(pid: number, cmd: string, uss: number, pss: number, rss: number): { pid: number; status: string; cmdline: string; smaps: string } {
    const smaps = `00400000-00401000 r--p 00000000 00:02 76 /bin/x\nRss: ${rss} kB\nPss: ${pss} kB\nPrivate_Clean: 0 kB\nPrivate_Dirty: ${uss} kB\nSwap: 0 kB\n`;
    return { pid, status: "Name:\tx\nUid:\t0\t0\t0\t0\n", cmdline: cmd.split(" ").join("\0") + "\0", smaps };
  }

  it("prints the process view sorted by RSS, commands cut at 27 characters", () => {
    const tasks = [
      task(26967, "node -e const a=new Uint8Array(1e8)", 103228, 104084, 106180),
      task(26966, "sleep 30", 124, 323, 1884),
      task(26975, "/usr/bin/python3 /usr/bin/smem -P x", 11620, 11959, 13688),
    ];
    expect(formatSmem(tasks)).toBe(body("smem.txt"));
  });

  it("prints -t -k: human units and a totals row under a line of dashes", () => {
    const tasks = [task(26966, "sleep 30", 108, 317, 1843), task(26976, "/usr/bin/python3 /usr/bin/smem", 11571, 11981, 13722), task(26967, "node -e const a=new Uint8Array(1e8)", 103219, 104038, 106189)];
    const lines = formatSmem(tasks, { totals: true, abbreviate: true }).split("\n");
    const want = body("smem-t.txt").split("\n");
    expect(lines[0]).toBe(want[0]);
    expect(lines[1]).toBe(want[1]);
    expect(lines[4]).toBe(want[4]);
    expect(lines[5]).toBe(want[5]);
  });

  it("computes USS and PSS of a real fork/CoW pair from their smaps (w2)", () => {
    const tasks = ["parent", "child"].map((n) => ({ pid: n === "parent" ? 89 : 90, status: rk(`w2/${n}.status`), smaps: rk(`w2/${n}.smaps`) }));
    const out = formatSmem(tasks);
    const rollup = (n: string, f: string): number => Number(new RegExp(`^${f}:\\s+(\\d+)`, "m").exec(rk(`w2/${n}.smaps_rollup`))?.[1]);
    for (const [i, n] of ["parent", "child"].entries()) {
      const row = out.split("\n").find((l) => l.startsWith(String(89 + i).padStart(5))) ?? "";
      const cols = row.trim().split(/\s+/);
      expect(Number(cols.at(-1))).toBe(rollup(n, "Rss"));
      expect(Number(cols.at(-3))).toBe(rollup(n, "Private_Clean") + rollup(n, "Private_Dirty"));
      expect(Math.abs(Number(cols.at(-2)) - rollup(n, "Pss"))).toBeLessThanOrEqual(30); // per-mapping Pss truncation
    }
  });

  it("formats units as smem does: 0, then %.1f with K/M/G", () => {
    expect(units(0)).toBe("0");
    expect(units(108 * 1024)).toBe("108.0K");
    expect(units(1843 * 1024)).toBe("1.8M");
    expect(fixed1(1.25)).toBe("1.2");
    expect(fixed1(1.35)).toBe("1.4");
  });
});
