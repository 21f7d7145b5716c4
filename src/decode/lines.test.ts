import { describe, it, expect } from "vitest";
import { isoUtc, splitLogLines } from "./lines.js";

const msg = "memC invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0";

describe("splitLogLines strips what each transport puts before printk's text", () => {
  it.each([
    ["dmesg", `[    2.061227] ${msg}`, { ts: 2.061227 }],
    ["dmesg with caller id", `[ 1629.930998][T14021] ${msg}`, { ts: 1629.930998, caller: "T14021" }],
    ["dmesg -T", `[Thu May  9 14:52:38 2024] ${msg}`, { wall: "Thu May  9 14:52:38 2024" }],
    ["dmesg -T, French locale", `[dim. 19 avril 18:03:30 2026] ${msg}`, { wall: "dim. 19 avril 18:03:30 2026" }],
    ["syslog", `Jun  4 17:19:10 iZ23tpcto8eZ kernel: ${msg}`, { wall: "Jun  4 17:19:10" }],
    ["journalctl -o short-precise", `Jun 19 16:23:33.123456 ripper kernel: ${msg}`, { wall: "Jun 19 16:23:33.123456" }],
    ["journalctl -o short-iso", `2026-07-25T14:23:17+0000 host kernel: ${msg}`, { wall: "2026-07-25T14:23:17+0000" }],
    ["syslog with dmesg stamp", `Nov 30 02:53:56 server01 kernel: [  818.356493] ${msg}`, { ts: 818.356493 }],
    ["/dev/kmsg", `4,1234,2061227,-;${msg}`, { ts: 2.061227 }],
    ["mail quoting", `>     ${msg}`, {}],
    ["console level", `<4>${msg}`, {}],
  ])("%s", (_name, line, extra) => {
    const [l] = splitLogLines(line);
    expect(l.text).toBe(msg);
    expect(l).toMatchObject(extra);
  });
  it("keeps table rows and headers, which also start with a bracket", () => {
    const ls = splitLogLines("[    1.770094] [  pid  ]   uid  tgid total_vm      rss name\n[    1.770189] [    116]     0   116    16632     8266 memcgtouch");
    expect(ls.map((l) => l.text)).toEqual(["[  pid  ]   uid  tgid total_vm      rss name", "[    116]     0   116    16632     8266 memcgtouch"]);
  });
  it("re-joins a wrap between fields with a space and a terminal's cut inside a word without one", () => {
    const log = [
      "[1.0] Mem-Info:",
      "[1.1] Node 0 DMA32 free:43500kB min:24252kB low:30312kB high:36376kB",
      "active_anon:2643608kB inactive_anon:61560kB",
      "[1.2] Memory cgroup stats for /docker/34186d9bd07706222bd427bb647ceed81e8e108eb653ff73c7137099fca1cab6: cache:108KB rss:197168KB rss_huge:0KB inacti",
      "ve_file:88KB active_file:4KB",
      "[1.3] lowmem_reserve[]: 0 0 0 0",
    ].join("\n");
    const ls = splitLogLines(log);
    expect(ls.length).toBe(4);
    expect(ls[1].text).toBe("Node 0 DMA32 free:43500kB min:24252kB low:30312kB high:36376kB active_anon:2643608kB inactive_anon:61560kB");
    expect(ls[2].text).toContain("inactive_file:88KB active_file:4KB");
    expect(ls[1].joined).toBe(true);
  });
  it("joins a mail client's wraps with the space it dropped", () => {
    const ls = splitLogLines("[    8.719920] CPU: 0 PID: 29 Comm: kworker/u2:2 Not tainted\n5.16.0-00095-g721fb891ad0b #95\n[    8.728093] Hardware name: x\n[    8.7] a\n[    8.8] b");
    expect(ls[0].text).toBe("CPU: 0 PID: 29 Comm: kworker/u2:2 Not tainted 5.16.0-00095-g721fb891ad0b #95");
  });
  it("does not glue lines of an unprefixed paste", () => {
    expect(splitLogLines("Mem-Info:\nactive_anon:1 inactive_anon:2\nfree:3").length).toBe(3);
  });
  it("yields nothing for empty input and never throws on binary junk", () => {
    expect(splitLogLines("")).toEqual([]);
    expect(() => splitLogLines("\u0000\u0001[[[]]]\r\n>>>>\n[  \n")).not.toThrow();
  });
});

describe("isoUtc: a journal record's __REALTIME_TIMESTAMP as ISO text, without a Date in the decoder", () => {
  it("prints what toISOString prints, across leap days, century years and 10,000 stamps", () => {
    const edges = [0, 951782400000, 951868799999, 4107542400000, 4107628800000, 253402300799999, 1715000000123];
    let x = 12345;
    const stamps = [...edges];
    for (let i = 0; i < 10000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      stamps.push(Math.floor((x / 2147483648) * 253402300799999));
    }
    for (const ms of stamps) expect(isoUtc(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it("prints a stamp past Date's range with a wider year instead of throwing", () => {
    expect(isoUtc(9e15)).toMatch(/^\+\d{6}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
