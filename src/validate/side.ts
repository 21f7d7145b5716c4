/**
 * The two sides `mmsim validate` compares, in one shape: what the model's run of a scenario
 * produced (`modelSide`) and what the real guest printed on its console (`guestSide`). Both hold
 * the scenario's captures by label plus the files read before the processes start and after they
 * end (`@start.*`, `@end.*`), each process's fate, the outcome of each step that expected an
 * error, the kernel log, a kernel panic, and — for every process alive at the end — which pages
 * of each mapping are present or swapped (a count and an FNV-1a digest of their indices, the
 * same computation in mmguest.c's capture_pages and here).
 */
import { do_unlinkat } from "../fs/namei.js";
import { kernelOf, Machine } from "../sim/machine.js";
import { runScenario, type RunResult } from "../workload/runner.js";
import type { Scenario, Step } from "../workload/schema.js";
import { pagemap_read, PM_PRESENT, PM_SWAP } from "../fs/proc/task_mmu.js";
import { __alloc_pages, __free_pages } from "../mm/page_alloc.js";
import { __GFP_DMA, __GFP_DMA32, __GFP_NORETRY, __GFP_NOWARN, __GFP_THISNODE, GFP_KERNEL } from "../mm/gfp.js";
import { zone_page_state } from "../mm/vmstat.js";
import { NR_FREE_PAGES } from "../mm/vmstat_items.js";
import { captureText, type ParsedConsole } from "./console.js";
import { boundaryLabel, END_FILES, modelFacts, NotValidatable, START_FILES, type ModelFacts } from "./compile.js";

export interface SideProcess {
  name: string;
  pid: number;
  state: "alive" | "exited" | "killed" | "never_started";
  code?: number;
  signal?: string;
}

/** One mapping's touched pages: present (or the zero page) or swapped out. */
export interface PageSet {
  start: number;
  end: number;
  present: number;
  swapped: number;
  /** FNV-1a over the 4-byte little-endian indices (from the mapping's start) of the touched pages. */
  digest: number;
  /** The /proc/PID/maps line. */
  line: string;
}

export interface Side {
  /** Captured text by label (the scenario's labels, `@start.*`, `@end.*`, `@end.status.NAME`). */
  captures: Map<string, string>;
  processes: SideProcess[];
  /** Outcome of each step that ran and expected an error: "ok" (it succeeded) or the errno name. */
  expectedErrors: Map<string, string>;
  dmesg: string;
  pages: Map<string, PageSet[]>;
  panic?: string;
  /** The guest reached its end (DONE); always true for the model. */
  complete: boolean;
}

export const SIGNALS: Record<number, string> = { 6: "SIGABRT", 7: "SIGBUS", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM" };

/** FNV-1a, 32 bits, over an index's four little-endian bytes. */
export function fnvIndex(h: number, idx: number): number {
  for (let q = 0; q < 4; q++) {
    h = (h ^ ((idx >>> (8 * q)) & 0xff)) >>> 0;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}
export const FNV_OFFSET = 2166136261;

/** Every step with `expect_error`, by its place in the file (Step.path). */
function expectErrorSteps(sc: Scenario): Map<string, Step> {
  const out = new Map<string, Step>();
  const walk = (steps: Step[]): void => {
    for (const s of steps) {
      if (s.expect_error) out.set(s.path, s);
      if (s.kind === "fork") walk(s.run);
    }
  };
  for (const p of sc.processes) walk(p.run);
  return out;
}

/** Each zone's free pages in a /proc/zoneinfo text: "node0 DMA32" → pages free. */
export function zoneFree(zoneinfo: string): Map<string, number> {
  const out = new Map<string, number>();
  let zone = "";
  for (const l of zoneinfo.split("\n")) {
    const z = /^Node (\d+), zone\s+(\S+)/.exec(l);
    if (z) zone = `node${z[1]} ${z[2]}`;
    const f = /^\s+pages free\s+(\d+)/.exec(l);
    if (f && zone) out.set(zone, Number(f[1]));
  }
  return out;
}

/**
 * What the validation guest's /init unlinks before the scenario starts (tools/guest/init:
 * `rm -rf /lib/modules /bin/busybox`), as files of the model's rootfs (fs/initramfs.ts).
 * Simplified: the model's rootfs is the realkernel initramfs, whose static workload programs stay
 * (2732 kB of Shmem against the guest's 776-784 kB, test/realkernel/data/v-NAME/start.meminfo);
 * pinToGuest evens out free memory where a run is pinned.
 */
export const GUEST_INIT_UNLINKS = ["/lib/modules/modules.img", "/bin/busybox"] as const;

/**
 * Takes pages from the model's zones, as unmovable kernel allocations, until each zone has no
 * more free pages than the same zone of the guest had before its processes started. The model
 * boots with the real kernel's own memory (slab, kernel stacks, per-cpu and vmalloc areas: see
 * kernel/footprint.ts), so what is left to take is the guest's supervisor and the run-to-run
 * variation (a few dozen pages on 256 MiB); when memory runs out (reclaim, the OOM killer) the
 * absolute amount free decides when. Returns the pages taken.
 */
export function pinToGuest(m: Machine, guestZoneinfo: string): number {
  const k = kernelOf(m);
  const want = zoneFree(guestZoneinfo);
  let pinned = 0;
  const zoneBits: Record<string, number> = { DMA: __GFP_DMA, DMA32: __GFP_DMA32, Normal: 0 };
  for (const z of k.zones) {
    const key = `node${z.zone_pgdat.node_id} ${z.name}`;
    const target = want.get(key);
    const bits = zoneBits[z.name];
    if (target === undefined || bits === undefined || !z.managed_pages) continue;
    const gfp = GFP_KERNEL | bits | __GFP_THISNODE | __GFP_NOWARN | __GFP_NORETRY;
    while (zone_page_state(z, NR_FREE_PAGES) > target) {
      const pfn = __alloc_pages(k, gfp, 0, z.zone_pgdat.node_id, null);
      if (pfn < 0) break;
      if (k.page_zone(pfn) !== z) {
        __free_pages(k, pfn, 0);
        break;
      }
      pinned++;
    }
  }
  return pinned;
}

export interface ModelRun {
  result: RunResult;
  side: Side;
  facts: ModelFacts;
  machine: Machine;
}

/**
 * Runs the scenario in the model as the guest will run it: the same machine (with the guest's
 * initramfs size, which sets how much memory boot frees; with `pinTo`, the guest's free memory
 * per zone at the start, see pinToGuest), the start and end files read, the pages of the
 * processes alive at the end.
 * @throws NotValidatable when the machine cannot boot; ScenarioError from the runner.
 */
export function modelSide(sc: Scenario, opts: { seed?: number; initrdBytes?: number; pinTo?: string } = {}): ModelRun & { pinnedPages: number } {
  const seed = opts.seed ?? sc.seed;
  let m: Machine;
  try {
    m = Machine.boot({ ...sc.machine, sysctl: undefined, seed, ...(opts.initrdBytes !== undefined ? { initrd: opts.initrdBytes } : {}) });
  } catch (e) {
    if (e instanceof RangeError) throw new NotValidatable(sc.file, 1, "machine", e.message);
    throw e;
  }
  // The guest's /init unlinks busybox and the modules before the scenario starts (tools/guest/init).
  for (const path of GUEST_INIT_UNLINKS) do_unlinkat(kernelOf(m), path);
  const pinnedPages = opts.pinTo !== undefined ? pinToGuest(m, opts.pinTo) : 0;
  const captures = new Map<string, string>();
  for (const path of START_FILES) captures.set(boundaryLabel("start", path), m.read(path));
  const result = runScenario(sc, { seed, machine: m, cat: [...END_FILES], timelineCap: 1e7 });
  for (const f of result.files) captures.set(boundaryLabel("end", f.path), f.text);
  for (const c of result.captures) captures.set(c.label, c.text);
  const k = kernelOf(m);
  const pages = new Map<string, PageSet[]>();
  for (const p of result.processes) {
    if (p.state !== "alive" || p.pid <= 0) continue;
    captures.set(`@end.status.${p.name}`, m.read(`/proc/${p.pid}/status`));
    const task = k.tasks.find(p.pid);
    if (!task) continue;
    const sets: PageSet[] = [];
    for (const line of m.read(`/proc/${p.pid}/maps`).split("\n")) {
      const mm = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
      if (!mm) continue;
      const start = parseInt(mm[1], 16);
      const end = parseInt(mm[2], 16);
      const n = Math.floor((end - start) / 4096);
      // vvar/vdso and the like: the guest reads them too, both count nothing there
      const e = pagemap_read(k, task, start, n, false);
      let present = 0;
      let swapped = 0;
      let h = FNV_OFFSET;
      for (let i = 0; i < n; i++) {
        const f = e.flags[i];
        if (f & PM_PRESENT) present++;
        if (f & PM_SWAP) swapped++;
        if (f & (PM_PRESENT | PM_SWAP)) h = fnvIndex(h, i);
      }
      sets.push({ start, end, present, swapped, digest: h, line });
    }
    pages.set(p.name, sets);
  }
  const expectedErrors = new Map<string, string>();
  const failed = new Map(result.expectations.filter((x) => !x.ok).map((x) => [x.path, x.actual]));
  for (const [path, s] of expectErrorSteps(sc)) {
    // the runner lists a step with expect_error that succeeded ("success") or failed with
    // another errno as a failed expectation; otherwise it failed as expected
    const a = failed.get(path);
    expectedErrors.set(path, a === undefined ? (s.expect_error as string) : a === "success" ? "ok" : a);
  }
  const side: Side = {
    captures,
    processes: result.processes.map((p) => ({ name: p.name, pid: p.pid, state: p.pid > 0 ? p.state : "never_started", ...(p.exit_code !== undefined ? { code: p.exit_code } : {}), ...(p.signal ? { signal: p.signal } : {}) })),
    expectedErrors,
    dmesg: m.dmesg(),
    pages,
    ...(result.panic !== undefined ? { panic: result.panic } : {}),
    complete: true,
  };
  return { result, side, facts: modelFacts(sc, result.timeline), machine: m, pinnedPages };
}

/** Parses a pages capture ("start-end present=N swapped=N digest=H <maps line>" per mapping). */
export function parsePages(text: string): PageSet[] {
  const out: PageSet[] = [];
  for (const l of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) present=(\d+) swapped=(\d+) digest=([0-9a-f]+) (.*)$/.exec(l);
    if (m) out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), present: Number(m[3]), swapped: Number(m[4]), digest: parseInt(m[5], 16) >>> 0, line: m[6] });
  }
  return out;
}

/** The guest's side, from its parsed console. */
export function guestSide(sc: Scenario, c: ParsedConsole): Side {
  const captures = new Map<string, string>();
  for (const cap of c.captures) captures.set(cap.label, cap.text);
  const pages = new Map<string, PageSet[]>();
  for (const [label, text] of captures) {
    if (label.startsWith("@end.pages.")) pages.set(label.slice("@end.pages.".length), parsePages(text));
  }
  const procs = new Map<string, SideProcess>();
  for (const e of c.events) {
    const name = e.fields.proc;
    if (e.kind === "final" && name !== undefined) {
      const st = e.fields.state;
      const p: SideProcess = { name, pid: Number(e.fields.pid ?? 0), state: st === "alive" ? "alive" : st === "killed" ? "killed" : st === "exited" ? "exited" : "never_started" };
      if (e.fields.code !== undefined) p.code = Number(e.fields.code);
      if (e.fields.signal !== undefined) p.signal = SIGNALS[Number(e.fields.signal)] ?? `signal ${e.fields.signal}`;
      procs.set(name, p);
    }
  }
  // a guest that did not finish: what the events say so far
  if (procs.size === 0) {
    for (const e of c.events) {
      const name = e.fields.proc;
      if (name === undefined) continue;
      if (e.kind === "spawn" || e.kind === "fork") procs.set(name, { name, pid: Number(e.fields.pid ?? 0), state: "alive" });
      if (e.kind === "fork" && e.fields.child) procs.set(e.fields.child, { name: e.fields.child, pid: Number(e.fields.child_pid ?? 0), state: "alive" });
      if (e.kind === "exited") procs.set(name, { name, pid: Number(e.fields.pid ?? 0), state: "exited", code: Number(e.fields.code ?? 0) });
      if (e.kind === "killed") procs.set(name, { name, pid: Number(e.fields.pid ?? 0), state: "killed", signal: SIGNALS[Number(e.fields.signal)] ?? `signal ${e.fields.signal}` });
    }
  }
  const expectedErrors = new Map<string, string>();
  const want = expectErrorSteps(sc);
  for (const e of c.events) {
    if (e.kind === "step" && e.fields.at !== undefined && want.has(e.fields.at)) expectedErrors.set(e.fields.at, e.fields.result ?? "?");
  }
  const order = [...sc.processes.map((p) => p.name)];
  const all = [...procs.values()].sort((a, b) => {
    const ia = order.indexOf(a.name);
    const ib = order.indexOf(b.name);
    return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
  });
  return {
    captures,
    processes: all,
    expectedErrors,
    dmesg: captureText(c, "@dmesg") ?? "",
    pages,
    ...(c.panic !== undefined ? { panic: c.panic } : {}),
    complete: c.done !== undefined,
  };
}
