/**
 * The explorer in headless chromium (Debian's /usr/bin/chromium through playwright-core), served
 * from dist/web by `mmsim explore`'s own server:
 * - the physical-memory view of a 16 GiB machine (4 Mi pages) redrawn while a scenario runs in
 *   the worker: frames per second, from the wall time of each synchronous redraw (main-thread
 *   CPU by Chrome's TaskDuration beside it in the note);
 * - `tour` run in the recorder worker while recording (counter samples, page maps, events), in
 *   simulated operations per second of that thread's CPU, and as a share of the same run by the
 *   CLI's code in this process;
 * - the physical view of a 1 TiB machine (268 M pages, bench/explorer-1t.yaml) redrawn from its
 *   pageblock pyramid, fitted and zoomed in: frames per second of main-thread CPU (wall beside);
 * - how long after navigation the page is interactive (the map drawn, the transport live), with
 *   the renderer's CPU time until then and the steps of the start (session.startup);
 * - the per-VMA samples' share of a recording in the worker (tour, thrash);
 * - the JavaScript shipped, gzipped (-9), model included.
 * Each timing is the best of three. Rows are null (with a note) where chromium or the build is
 * missing: `npm run build` and `apt-get install chromium` make them.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { parseScenario } from "../src/workload/parse.js";
import { runScenario } from "../src/workload/runner.js";
import { formatReport } from "../src/workload/report.js";
import { startExploreServer, type ExploreServer } from "../src/cli/commands/explore.js";
import type { Bench } from "./bench.js";
import { repoFile } from "./paths.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const WEB = repoFile("dist", "web");

/** A 16 GiB machine writing 4 GiB: long enough to redraw against while the worker runs. */
const BIG = `name: explorer-16g
description: "16 GiB machine, 4 GiB written sequentially: the physical view's redraw benchmark"
machine: { memory: 16G }
processes:
  - name: writer
    run:
      - mmap: { name: buf, size: 4G }
      - touch: { region: buf, access: write }
`;

interface Page {
  goto(url: string): Promise<unknown>;
  evaluate<T, A>(fn: (a: A) => T, arg: A): Promise<T>;
  waitForFunction(fn: () => unknown, arg: null, opts: { timeout: number }): Promise<unknown>;
  context(): { newCDPSession(p: Page): Promise<{ send(m: string, p?: object): Promise<{ metrics?: Array<{ name: string; value: number }> }> }> };
  close(): Promise<void>;
}
/** The page's globals the bench reads (the session the app exposes for tests and benches). */
interface AppWindow {
  __mmsim?: { status: string; maps: unknown[]; layout: { maxPfn: number }; summary: { opsPerSec: number } };
  __mmsimRedraw?: (n: number) => number;
  document: { querySelector(s: string): unknown };
}

interface Browser {
  newPage(o: object): Promise<Page>;
  close(): Promise<void>;
}

/**
 * CPU seconds used so far by chromium's renderer threads that `pick` selects (by thread name and
 * whether it is the process's main thread), from /proc: this host is shared and often loaded
 * several times over, so wall clocks inside the browser measure the neighbours as much as the
 * explorer. Linux only; 0 elsewhere.
 */
function rendererCpu(pick: (comm: string, main: boolean) => boolean, perThread?: Map<string, number>): number {
  let ticks = 0;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (!cmd.includes("--type=renderer")) continue;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        if (!pick(comm, tid === pid)) continue;
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const t = Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
        ticks += t;
        perThread?.set(`${pid}/${tid}`, t / 100);
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return ticks / 100; // USER_HZ
}
const mainThread = (_c: string, main: boolean): boolean => main;
const workerThreads = (c: string): boolean => c.startsWith("DedicatedWorker");

let shared: { browser: Browser; srv: ExploreServer } | null = null;
const notes: Record<string, string> = {};

async function setup(): Promise<{ browser: Browser; srv: ExploreServer } | null> {
  if (shared) return shared;
  if (!existsSync(CHROMIUM) || !existsSync(repoFile("dist", "web", "index.html"))) return null;
  const { chromium } = (await import("playwright-core")) as unknown as { chromium: { launch(o: object): Promise<Browser> } };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const srv = await startExploreServer(WEB, 0);
  shared = { browser, srv };
  process.on("exit", () => void 0);
  return shared;
}

async function teardownLater(): Promise<void> {
  if (!shared) return;
  await shared.browser.close();
  await shared.srv.close();
  shared = null;
}

function b64url(b: Buffer): string {
  return b.toString("base64url");
}

async function redrawFps(): Promise<number | null> {
  const env = await setup();
  if (!env) return null;
  const { deflateRawSync } = await import("node:zlib");
  let best = 0;
  let cpuNote = "";
  for (let run = 0; run < 3; run++) {
    const page = await env.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${env.srv.origin}#y=${b64url(deflateRawSync(Buffer.from(BIG)))}&v=physical`);
    await page.waitForFunction(() => {
      const w = globalThis as unknown as AppWindow;
      return w.__mmsim !== undefined && w.__mmsim.maps.length > 0 && w.__mmsimRedraw !== undefined;
    }, null, { timeout: 60_000 });
    const cpu0 = rendererCpu(mainThread);
    // 60 redraws while the recorder is still running the scenario in its worker.
    const r = await page.evaluate(() => {
      const w = globalThis as unknown as AppWindow;
      const running = w.__mmsim?.status === "recording";
      const ms = (w.__mmsimRedraw as (n: number) => number)(60);
      return { ms, running, pages: w.__mmsim?.layout.maxPfn ?? 0 };
    }, null);
    const cpuMs = ((rendererCpu(mainThread) - cpu0) * 1000) / 60;
    await page.close();
    if (!r.running) {
      notes.fps = "the scenario finished before the redraws: not measured while running";
      continue;
    }
    // Frames per second of the renderer's main-thread CPU (the wall clock is in the note).
    const fps = cpuMs > 0 ? 1000 / cpuMs : 1000 / r.ms;
    if (fps > best) {
      best = fps;
      cpuNote = `by main-thread CPU: ${cpuMs.toFixed(1)} ms per redraw; wall ${r.ms.toFixed(1)} ms (${(1000 / r.ms).toFixed(1)} frames/s) on this host's load; ${r.pages} pages on a ≈1560×860 canvas, the recorder running in its worker meanwhile`;
    }
  }
  notes.fps = cpuNote || notes.fps || "";
  return best || null;
}

/** Redraws of the 1 TiB machine's physical view, fitted then zoomed 8×: frames/s by main-thread CPU (the slower of the two). */
async function tibRedrawFps(): Promise<number | null> {
  const env = await setup();
  if (!env) return null;
  const { deflateRawSync } = await import("node:zlib");
  const yaml = readFileSync(repoFile("bench", "explorer-1t.yaml"));
  let best = 0;
  let note = "";
  for (let run = 0; run < 2; run++) {
    const page = await env.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${env.srv.origin}#y=${b64url(deflateRawSync(yaml))}&v=physical`);
    await page.waitForFunction(() => {
      const w = globalThis as unknown as AppWindow;
      return w.__mmsim?.status === "done" && w.__mmsimRedraw !== undefined && w.document.querySelector("[data-testid=pyramid-level]") !== null;
    }, null, { timeout: 300_000 });
    const views: string[] = [];
    let worst = Infinity;
    for (const zoom of [false, true]) {
      if (zoom) {
        // Eight wheel steps of 1.0015^300 ≈ 1.57× each around the middle: ~37× in.
        const box = (await page.evaluate(() => {
          const c = (globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): { x: number; y: number; width: number; height: number } } } }).document.querySelector("[data-testid=physmap]").getBoundingClientRect();
          return { x: c.x + c.width / 2, y: c.y + c.height / 2 };
        }, null));
        const mouse = (page as unknown as { mouse: { move(x: number, y: number): Promise<void>; wheel(dx: number, dy: number): Promise<void> } }).mouse;
        await mouse.move(box.x, box.y);
        for (let i = 0; i < 8; i++) {
          await mouse.wheel(0, -300);
          await new Promise((ok) => setTimeout(ok, 80));
        }
      }
      const cpu0 = rendererCpu(mainThread);
      const r = await page.evaluate(() => {
        const w = globalThis as unknown as AppWindow;
        const ms = (w.__mmsimRedraw as (n: number) => number)(60);
        return { ms, level: (w.document.querySelector("[data-testid=pyramid-level]") as { textContent: string } | null)?.textContent ?? "" };
      }, null);
      const cpuMs = ((rendererCpu(mainThread) - cpu0) * 1000) / 60;
      const fps = cpuMs > 0 ? 1000 / cpuMs : 1000 / r.ms;
      worst = Math.min(worst, fps);
      views.push(`${zoom ? "zoomed" : "fitted"}: ${cpuMs.toFixed(1)} ms CPU, ${r.ms.toFixed(1)} ms wall per redraw (${r.level.replace(/ · $/, "")})`);
    }
    await page.close();
    if (worst > best) {
      best = worst;
      note = `268 M pages on a ≈1560×860 canvas, by main-thread CPU; ${views.join("; ")}`;
    }
  }
  notes.tib = note;
  return best || null;
}

/** The CLI's code on tour in this process: best of 3, by process CPU time (wall in the note). */
function cliOpsPerSecond(): number {
  const sc = parseScenario(readFileSync(repoFile("scenarios", "tour.yaml"), "utf8"), "scenarios/tour.yaml");
  let best = 0;
  let bestWall = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = runScenario(sc);
    formatReport(r);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    best = Math.max(best, r.ops / ((cpu.user + cpu.system) / 1e6));
    bestWall = Math.max(bestWall, r.ops / (wall / 1000));
  }
  notes.cli = `CLI's code in node: ${Math.round(best).toLocaleString("en-US")} ops/s by CPU time, ${Math.round(bestWall).toLocaleString("en-US")} by wall; the worker's by its thread's CPU`;
  return best;
}

let workerBest = 0;
let workerWallBest = 0;
let workerAllBest = 0;
async function workerOpsPerSecond(): Promise<number | null> {
  const env = await setup();
  if (!env) return null;
  for (let run = 0; run < 3; run++) {
    const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } });
    const before = new Map<string, number>();
    rendererCpu(workerThreads, before);
    await page.goto(`${env.srv.origin}#s=tour&v=events`);
    await page.waitForFunction(() => (globalThis as unknown as AppWindow).__mmsim?.status === "done", null, { timeout: 60_000 });
    const after = new Map<string, number>();
    rendererCpu(workerThreads, after);
    // The page has three workers: the recorder (the run measured), the inspector (which replays
    // the same run to the cursor when it rests, keeping snapshots) and the helper (parse, decode).
    // The recorder is the busiest: it runs the whole scenario; the others at most a prefix of it.
    const deltas = [...after].map(([k, v]) => v - (before.get(k) ?? 0)).filter((d) => d > 0);
    const cpu = Math.max(0, ...deltas);
    const all = deltas.reduce((a, d) => a + d, 0);
    const r = await page.evaluate(() => {
      const s = (globalThis as unknown as { __mmsim: { summary: { opsPerSec: number; ops: number } } }).__mmsim.summary;
      return { wall: s.opsPerSec, ops: s.ops };
    }, null);
    await page.close();
    workerWallBest = Math.max(workerWallBest, r.wall);
    if (cpu > 0 && r.ops / cpu > workerBest) {
      workerBest = r.ops / cpu;
      workerAllBest = r.ops / all;
    }
  }
  notes.worker = `by the recorder worker's CPU time (the run, recording samples, page maps and events); by all workers' CPU (the inspector's replay included) ${Math.round(workerAllBest).toLocaleString("en-US")} ops/s; wall-clock best ${Math.round(workerWallBest).toLocaleString("en-US")} ops/s`;
  return workerBest || workerWallBest;
}

/** CPU seconds of all of chromium's renderer threads that ran between two readings (new ones from 0). */
function cpuBetween(before: Map<string, number>, after: Map<string, number>): number {
  let s = 0;
  for (const [k, v] of after) s += Math.max(0, v - (before.get(k) ?? 0));
  return s;
}

/**
 * Time to interactive: from navigation to the first frame in which the map has been drawn from
 * the first recorded map (session.startup.firstDraw) and the transport answers, as the page itself sees it (the condition is
 * checked in every animation frame; the time is the page's performance.now() in the frame where
 * it first holds — a frame the page could run, so input would be handled). The note gives the
 * same after playwright's round trip (what the row measured before 2026-12-07: it adds the
 * loaded host's IPC latency), the renderer's CPU time (all its threads: the page, the workers,
 * V8's compilers) until then, the steps of the start (session.startup) and the load average.
 */
async function interactiveMs(): Promise<number | null> {
  const env = await setup();
  if (!env) return null;
  let best = Infinity;
  const runs: string[] = [];
  for (let run = 0; run < 3; run++) {
    const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } });
    const load = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
    const before = new Map<string, number>();
    rendererCpu(() => true, before);
    await page.goto(`${env.srv.origin}#s=tour`);
    const seen = (await page.waitForFunction(() => {
      const w = globalThis as unknown as AppWindow & { performance: { now(): number } };
      // The first map drawn (since 2026-12-07 the canvas exists from boot, before its first map).
      const s = w.__mmsim as (AppWindow["__mmsim"] & { startup: Record<string, number> }) | undefined;
      const ok = (s?.maps.length ?? 0) > 0 && s?.startup.firstDraw !== undefined && w.document.querySelector("[data-testid=physmap]") !== null && w.document.querySelector("[data-testid=play]") !== null;
      return ok ? w.performance.now() : false;
    }, null, { timeout: 60_000 })) as unknown as { jsonValue(): Promise<number> };
    const inPage = await seen.jsonValue();
    const r = await page.evaluate(() => ({ now: performance.now(), steps: (globalThis as unknown as { __mmsim: { startup: Record<string, number> } }).__mmsim.startup }), null);
    const after = new Map<string, number>();
    rendererCpu(() => true, after);
    const cpuMs = cpuBetween(before, after) * 1000;
    await page.close();
    const steps = Object.entries(r.steps)
      .sort((a, b) => a[1] - b[1])
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(", ");
    runs.push(`${Math.round(inPage)} ms (after the round trip ${Math.round(r.now)}; renderer CPU ${Math.round(cpuMs)} ms; load ${load}; ${steps})`);
    best = Math.min(best, inPage);
  }
  notes.tti = `in-page, best of 3: ${runs.join(" | ")}`;
  return best;
}

/**
 * The per-VMA samples' cost in the recorder worker (Address spaces' Rss/Pss/Swap over the run):
 * the worker's wall time inside inspect.vmaUsage against the whole recording's (the summary's
 * costs), for tour and thrash, 3 runs each; the row is tour's median share. Both clocks are the
 * worker thread's, so the host's load scales them alike; the recorder's CPU time (/proc) is in
 * the note beside its wall time.
 */
async function vmaSampleShare(): Promise<number | null> {
  const env = await setup();
  if (!env) return null;
  const parts: string[] = [];
  let tourShare: number | null = null;
  for (const name of ["tour", "thrash"]) {
    const shares: number[] = [];
    const runs: string[] = [];
    for (let run = 0; run < 3; run++) {
      const page = await env.browser.newPage({ viewport: { width: 1440, height: 900 } });
      const before = new Map<string, number>();
      rendererCpu(workerThreads, before);
      await page.goto(`${env.srv.origin}#s=${name}&v=events`);
      await page.waitForFunction(() => (globalThis as unknown as AppWindow).__mmsim?.status === "done", null, { timeout: 120_000 });
      const after = new Map<string, number>();
      rendererCpu(workerThreads, after);
      const cpu = Math.max(0, ...[...after].map(([k, v]) => v - (before.get(k) ?? 0)));
      const r = await page.evaluate(() => {
        const s = (globalThis as unknown as { __mmsim: { summary: { wallMs: number; costs: { maps: number; mapMs: number; vmaSamples: number; vmaPages: number; vmaMs: number } } } }).__mmsim.summary;
        return { wallMs: s.wallMs, ...s.costs };
      }, null);
      await page.close();
      const share = (r.vmaMs / r.wallMs) * 100;
      shares.push(share);
      runs.push(`${share.toFixed(1)} % (${r.vmaMs.toFixed(0)} of ${r.wallMs.toFixed(0)} ms wall, recorder CPU ${(cpu * 1000).toFixed(0)} ms; maps ${r.mapMs.toFixed(0)} ms)`);
      if (run === 2) parts.push(`${name}: ${r.vmaSamples} samples of ${r.maps} maps, ${(r.vmaPages / 1e6).toFixed(2)} M pages walked; ${runs.join(", ")}`);
    }
    shares.sort((a, b) => a - b);
    if (name === "tour") tourShare = shares[1];
    else parts[parts.length - 1] = `median ${shares[1].toFixed(1)} %; ${parts[parts.length - 1]}`;
  }
  notes.vma = `${parts.join(" | ")}; load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`;
  return tourShare;
}

function shippedKb(): number | null {
  const dir = repoFile("dist", "web", "assets");
  if (!existsSync(dir)) return null;
  let total = 0;
  const parts: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".js"))) {
    const gz = gzipSync(readFileSync(`${dir}/${f}`), { level: 9 }).length;
    total += gz;
    parts.push(`${f.replace(/-[\w-]+\.js$/, "")} ${(gz / 1024).toFixed(1)} kB`);
  }
  notes.size = parts.join(", ") + " (engine = the model's worker: src/api and everything under it)";
  return total / 1024;
}

let cli = 0;
/** A row whose note is notes[key], read after it ran. */
function row(name: string, unit: string, run: () => Promise<number | null> | number | null, key: string): Bench {
  return {
    name,
    unit,
    run,
    get note() {
      return notes[key] ?? "";
    },
  };
}
export const benches: Bench[] = [
  row("explorer: physical view redraw, 16 GiB machine, while a scenario runs", "frames/s", redrawFps, "fps"),
  row("explorer: physical view redraw, 1 TiB machine (pageblock pyramid)", "frames/s", tibRedrawFps, "tib"),
  row("explorer: tour in the worker, recording", "sim ops/s", workerOpsPerSecond, "worker"),
  row(
    "explorer: tour in the worker, share of the CLI's speed",
    "%",
    () => {
      cli = cliOpsPerSecond();
      return workerBest > 0 ? (workerBest / cli) * 100 : null;
    },
    "cli",
  ),
  row("explorer: per-VMA samples' share of the recording (tour)", "%", vmaSampleShare, "vma"),
  row("explorer: interactive after navigation", "ms", interactiveMs, "tti"),
  row(
    "explorer: JavaScript shipped, gzipped",
    "kB",
    async () => {
      const kb = shippedKb();
      await teardownLater();
      return kb;
    },
    "size",
  ),
];
