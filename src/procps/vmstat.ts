/**
 * vmstat(8) from procps-ng 4.0.x: the first report line (averages since boot), -a, -w and -s,
 * computed from /proc/meminfo, /proc/vmstat and /proc/stat text as vmstat.c's new_format and
 * sum_format compute them. Rates are per second since boot: `bi = (pgpgin * HZ + Div/2) / Div`
 * where Div is the sum of all CPU ticks in /proc/stat's cpu line, so they are per CPU-second.
 * Memory columns are kB (unitConvert with the default -S K); cache = Cached + SReclaimable.
 *
 * The model has no /proc/stat (no CPU-time accounting): `simulatedStat` writes the few lines
 * vmstat reads from what the model knows — uptime as idle ticks on every CPU, the processes
 * running, the forks — and says so.
 *
 * Simplified: one report (no DELAY/COUNT), no -d/-D/-p (disks), -m (slabs) or -t.
 */
import { field, parseKeyValues, rjust } from "./common.js";

/** USER_HZ: /proc/stat's tick unit on x86-64. */
const HZ = 100;
const KB_PER_PAGE = 4;

export interface VmstatInput {
  meminfo: string;
  vmstat: string;
  /** /proc/stat */
  stat: string;
}

export interface VmstatOptions {
  /** -a: inact/active in place of buff/cache */
  active?: boolean;
  /** -w: wide columns */
  wide?: boolean;
  /** -s: the event counter and memory statistics table */
  stats?: boolean;
}

interface StatFile {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guest_nice: number;
  intr: number;
  ctxt: number;
  btime: number;
  processes: number;
  procs_running: number;
  procs_blocked: number;
}

function parseStat(text: string): StatFile {
  const cpu = /^cpu\s+(.*)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number) ?? [];
  const one = (key: string): number => Number(new RegExp(`^${key}\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  const c = (i: number): number => cpu[i] ?? 0;
  return {
    user: c(0), nice: c(1), system: c(2), idle: c(3), iowait: c(4), irq: c(5), softirq: c(6), steal: c(7), guest: c(8), guest_nice: c(9),
    intr: one("intr"), ctxt: one("ctxt"), btime: one("btime"), processes: one("processes"),
    procs_running: one("procs_running"), procs_blocked: one("procs_blocked"),
  };
}

/** printf with vmstat's %Nlu/%Ns conversions: every field right-aligned to its width, one space apart. */
function row(values: Array<number | string>, widths: number[]): string {
  return values.map((v, i) => rjust(v, widths[i])).join(" ");
}

const NARROW = [2, 2, 6, 6, 6, 6, 4, 4, 5, 5, 4, 4, 2, 2, 2, 2, 2];
const WIDE = [4, 4, 12, 12, 12, 12, 4, 4, 5, 5, 4, 4, 3, 3, 3, 3, 3, 3];

/** vmstat's output for one moment. */
export function formatVmstat(input: VmstatInput, o: VmstatOptions = {}): string {
  const mem = parseKeyValues(input.meminfo);
  const vm = parseKeyValues(input.vmstat);
  const st = parseStat(input.stat);
  if (o.stats) return sumFormat(mem, vm, st);
  const L: string[] = [];
  L.push(
    o.wide
      ? "--procs-- -----------------------memory---------------------- ---swap-- -----io---- -system-- ----------cpu----------"
      : "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----",
  );
  const names = ["r", "b", "swpd", "free", o.active ? "inact" : "buff", o.active ? "active" : "cache", "si", "so", "bi", "bo", "in", "cs", "us", "sy", "id", "wa", "st", "gu"];
  L.push(o.wide ? row(names, WIDE) : row(names.slice(0, 17), NARROW));
  let cpu_use = st.user + st.nice;
  const cpu_sys = st.system + st.irq + st.softirq;
  let cpu_idl = st.idle;
  const cpu_iow = st.iowait;
  const cpu_sto = st.steal;
  const cpu_gue = st.guest + st.guest_nice;
  let Div = cpu_use + cpu_sys + cpu_idl + cpu_iow + cpu_sto;
  if (!Div) {
    Div = 1;
    cpu_idl = 1;
  }
  const divo2 = Math.floor(Div / 2);
  cpu_use = cpu_use >= cpu_gue ? cpu_use - cpu_gue : 0;
  const rate = (x: number): number => Math.floor((x * HZ + divo2) / Div);
  const pct = (x: number): number => Math.floor((100 * x + divo2) / Div);
  const values = [
    st.procs_running,
    st.procs_blocked,
    field(mem, "SwapTotal") - field(mem, "SwapFree"),
    field(mem, "MemFree"),
    o.active ? field(mem, "Inactive") : field(mem, "Buffers"),
    o.active ? field(mem, "Active") : field(mem, "Cached") + field(mem, "SReclaimable"),
    rate(field(vm, "pswpin") * KB_PER_PAGE),
    rate(field(vm, "pswpout") * KB_PER_PAGE),
    rate(field(vm, "pgpgin")),
    rate(field(vm, "pgpgout")),
    rate(st.intr),
    rate(st.ctxt),
    pct(cpu_use),
    pct(cpu_sys),
    pct(cpu_idl),
    pct(cpu_iow),
    pct(cpu_sto),
    pct(cpu_gue),
  ];
  L.push(o.wide ? row(values, WIDE) : row(values.slice(0, 17), NARROW));
  return L.join("\n") + "\n";
}

function sumFormat(mem: Map<string, number>, vm: Map<string, number>, st: StatFile): string {
  const f = (v: number, label: string): string => `${rjust(v, 13)} ${label}`;
  const memAvail = mem.get("MemAvailable") ?? field(mem, "MemFree");
  const total = field(mem, "MemTotal");
  let used = total - (memAvail > total ? field(mem, "MemFree") : memAvail);
  if (used < 0) used = total - field(mem, "MemFree");
  return (
    [
      f(total, "K total memory"),
      f(used, "K used memory"),
      f(field(mem, "Active"), "K active memory"),
      f(field(mem, "Inactive"), "K inactive memory"),
      f(field(mem, "MemFree"), "K free memory"),
      f(field(mem, "Buffers"), "K buffer memory"),
      f(field(mem, "Cached") + field(mem, "SReclaimable"), "K swap cache"),
      f(field(mem, "SwapTotal"), "K total swap"),
      f(field(mem, "SwapTotal") - field(mem, "SwapFree"), "K used swap"),
      f(field(mem, "SwapFree"), "K free swap"),
      f(st.user, "non-nice user cpu ticks"),
      f(st.nice, "nice user cpu ticks"),
      f(st.system, "system cpu ticks"),
      f(st.idle, "idle cpu ticks"),
      f(st.iowait, "IO-wait cpu ticks"),
      f(st.irq, "IRQ cpu ticks"),
      f(st.softirq, "softirq cpu ticks"),
      f(st.steal, "stolen cpu ticks"),
      f(st.guest, "non-nice guest cpu ticks"),
      f(st.guest_nice, "nice guest cpu ticks"),
      f(field(vm, "pgpgin"), "K paged in"),
      f(field(vm, "pgpgout"), "K paged out"),
      f(field(vm, "pswpin"), "pages swapped in"),
      f(field(vm, "pswpout"), "pages swapped out"),
      f(st.intr, "interrupts"),
      f(st.ctxt, "CPU context switches"),
      f(st.btime, "boot time"),
      f(st.processes, "forks"),
    ].join("\n") + "\n"
  );
}

/**
 * The lines of /proc/stat that vmstat reads, for a machine that has no /proc/stat.
 * Simplified: the model keeps no CPU-time accounting, so every tick since boot is idle on every
 * CPU (vmstat then shows id 100); no interrupts or context switches are counted; btime is 0
 * (the simulated machine has no wall-clock boot time). `procs_running` includes vmstat itself,
 * as it does on a real machine.
 */
export function simulatedStat(uptimeNs: number, ncpus: number, forks: number, running: number): string {
  const ticks = Math.floor((uptimeNs / 1e9) * HZ);
  const cpuLine = (name: string, idle: number): string => `${name} 0 0 0 ${idle} 0 0 0 0 0 0`;
  const lines = [cpuLine("cpu ", ticks * ncpus)];
  for (let i = 0; i < ncpus; i++) lines.push(cpuLine(`cpu${i}`, ticks));
  lines.push("intr 0", "ctxt 0", "btime 0", `processes ${forks}`, `procs_running ${running}`, "procs_blocked 0");
  return lines.join("\n") + "\n";
}
