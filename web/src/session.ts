/**
 * The page's side of a run: it owns the workers, keeps what the recorder streams (counter samples,
 * page maps, events, the end summary), and the time cursor. Views read it and subscribe to its
 * changes; nothing here knows the model beyond the messages of worker/protocol.ts.
 *
 * Time travel: the recorder runs the scenario once, ahead of the cursor, and records counter
 * samples, page maps, events and the end of every scheduler quantum; playing, stepping (one
 * quantum, one simulated ms, one event) and scrubbing move the cursor over what it recorded.
 * When the cursor rests, the inspector moves its copy of the run (same scenario and seed: the
 * same run, byte for byte) to that time — from the nearest snapshot it keeps, or on from where
 * it stands (worker/run.ts Replayer) — and answers questions about the machine there: the
 * exact page map, a page, a walk, a process's VMAs.
 */
import { PAGE_MAP_LIMIT, type BlockDeviceInfo, type MemcgInfo, type EventItem, type FromWorker, type LocatedError, type MachineLayout, type MapFrame, type Question, type ReplayStats, type RunSpec, type RunSummary, type ToWorker } from "./worker/protocol.js";
import { DEFAULT_STATE, formatFragment, type ColourMode, type ScenarioRef, type UrlState, type ViewId } from "./url.js";
import { loadShipped, shippedText } from "./scenarios.js";
import type { Theme } from "./palette.js";

type Listener = () => void;

function newWorker(): Worker {
  return new Worker(new URL("./worker/engine.ts", import.meta.url), { type: "module", name: "mmsim-model" });
}

/**
 * A worker that answers requests by id; restarted when a newer request makes the pending one moot.
 * The worker starts on first use, or earlier by `warm()`: each one fetches and compiles the model
 * (~750 kB) and the page's start is faster with only the recorder doing so (the inspector is
 * warmed once the first map is shown, the helper when the editor or the decoder opens).
 */
class Channel {
  private w: Worker | null = null;
  /** Whether the worker has been given work since it started (a restart then stops it). */
  private used = false;
  private next = 1;
  private readonly pending = new Map<number, (m: FromWorker) => void>();
  busy = 0;
  constructor(private readonly onOther: (m: FromWorker) => void) {}
  private start(): Worker {
    const w = newWorker();
    w.onmessage = (ev: MessageEvent<FromWorker>): void => {
      const m = ev.data;
      const req = "req" in m ? m.req : undefined;
      const cb = req !== undefined ? this.pending.get(req) : undefined;
      if (cb && req !== undefined) {
        this.pending.delete(req);
        this.busy = this.pending.size;
        cb(m);
      } else this.onOther(m);
    };
    w.onerror = (ev): void => {
      ev.preventDefault();
      this.onOther({ type: "failed", error: null, message: `the model's worker stopped: ${ev.message}` });
    };
    return w;
  }
  /** Starts the worker (fetching and compiling the model) before it is given work. */
  warm(): void {
    if (this.w === null) this.w = this.start();
  }
  /** The worker, started if need be, marked as given work. */
  private worker(): Worker {
    this.warm();
    this.used = true;
    return this.w as Worker;
  }
  /** Stops whatever the worker is doing (its pending requests are dropped); a worker given no work yet is kept. */
  restart(): void {
    if (this.w !== null && this.used) {
      this.w.terminate();
      this.w = null;
    }
    this.used = false;
    this.pending.clear();
    this.busy = 0;
  }
  ask(msg: Question): Promise<FromWorker> {
    const req = this.next++;
    return new Promise((ok) => {
      this.pending.set(req, ok);
      this.busy = this.pending.size;
      this.worker().postMessage({ ...msg, req } as ToWorker);
    });
  }
  send(msg: ToWorker): void {
    this.worker().postMessage(msg);
  }
}

export interface InspectorState {
  /** The time asked for, and the machine's time at the stop point it reached (≥ asked). */
  asked: number;
  t: number;
  frame: MapFrame;
  meminfo: string;
  layout: MachineLayout;
  /** Where the inspector's replay started (a kept snapshot, where it stood, or boot). */
  replay: ReplayStats;
}

export class Session {
  // ---- what runs ----
  state: UrlState = { ...DEFAULT_STATE, sysctl: {}, cgroup: {} };
  spec: RunSpec | null = null;
  name = "";
  description = "";

  // ---- what the recorder sent ----
  status: "idle" | "recording" | "done" | "failed" = "idle";
  error: LocatedError | null = null;
  errorMessage = "";
  layout: MachineLayout | null = null;
  sampleNames: string[] = [];
  idx: Record<string, number> = {};
  stride = 0;
  samples = new Float64Array(0);
  nSamples = 0;
  maps: MapFrame[] = [];
  events: EventItem[] = [];
  /** The machine's block devices so far, by sample slot (a swapon mid-run adds one). */
  disks: BlockDeviceInfo[] = [];
  /** The machine's memory cgroups so far, by sample slot. */
  memcgs: MemcgInfo[] = [];
  /** End times of the scheduler quanta recorded so far (the inspector's exact stop points), ascending. */
  slices = new Float64Array(0);
  nSlices = 0;
  summary: RunSummary | null = null;
  startNs = 0;
  /** Recorded up to here. */
  endNs = 0;

  // ---- the cursor ----
  t = 0;
  playing = false;
  /** Simulated ns per real second while playing. */
  speed = 1e7;
  /** Follows the recording's end while it runs (until the user moves the cursor). */
  follow = true;

  // ---- the inspector ----
  at: InspectorState | null = null;
  inspecting = false;

  // ---- the page ----
  theme: Theme = "dark";
  /** A message for the user (a bad link, a failed run), shown in the bar. */
  notice = "";
  hoverPfn: number | null = null;

  private readonly listeners = new Set<Listener>();
  private recorder: Channel;
  readonly inspector: Channel;
  readonly helper: Channel;
  private rafId = 0;
  private lastTick = 0;
  private gotoTimer = 0;
  private gotoSeq = 0;
  private urlTimer = 0;
  private version = 0;
  /** Resolves when the recording ends (done or failed); tests and the bench wait on it. */
  private doneWaiters: Array<() => void> = [];
  /** Wall time the last recording started, for the figures. */
  recordStartedAt = 0;
  /**
   * The page's start, step by step, in ms since navigation (performance.now()): the recorder's
   * worker created, its script evaluated, the run received, parsed, the machine booted (the
   * worker's clock: WorkerTiming), the meta and the first map received, the first map drawn.
   * The bench prints it beside its time-to-interactive row.
   */
  startup: Record<string, number> = {};

  constructor() {
    this.recorder = new Channel((m) => this.onRecorder(m));
    this.inspector = new Channel((m) => this.onInspectorOther(m));
    this.helper = new Channel(() => undefined);
    // The recorder's worker starts compiling the model while the page parses its link and
    // renders; load() hands it the run.
    this.recorder.warm();
    this.startup.workerCreated = performance.now();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Tells the views something changed (batched into one animation frame). */
  changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  get ver(): number {
    return this.version;
  }

  // ------------------------------------------------------------------------------------------
  // Loading a run

  /** YAML and file label of a scenario reference; null for a shipped one not fetched yet. */
  static specOf(ref: ScenarioRef): { yaml: string; file: string } | null {
    if (ref.kind === "shipped") {
      const yaml = shippedText(ref.name);
      return yaml === undefined ? null : { yaml, file: `scenarios/${ref.name}.yaml` };
    }
    return { yaml: ref.yaml, file: "editor.yaml" };
  }

  /**
   * Starts recording the run the state names (restarting the workers if one was running). A
   * shipped scenario's text is fetched first (web/src/scenarios.ts); the recording starts when it
   * arrives, unless another load came in the meantime. A file that cannot be fetched fails the
   * run with its message, as a scenario error would.
   */
  load(state: UrlState): void {
    this.state = { ...state, sysctl: { ...state.sysctl }, cgroup: { ...state.cgroup } };
    const spec = Session.specOf(state.scenario);
    if (spec === null && state.scenario.kind === "shipped") {
      const mine = this.state;
      this.status = "recording";
      this.changed();
      loadShipped(state.scenario.name).then(
        () => {
          if (this.state === mine) this.load(state);
        },
        (e: unknown) => {
          if (this.state !== mine) return;
          this.status = "failed";
          this.error = null;
          this.errorMessage = e instanceof Error ? e.message : String(e);
          this.resolveDone();
          this.changed();
        },
      );
      return;
    }
    const { yaml, file } = spec ?? { yaml: "", file: "editor.yaml" };
    this.spec = { yaml, file, seed: state.seed, sysctl: { ...state.sysctl }, cgroup: { ...state.cgroup } };
    this.status = "recording";
    this.error = null;
    this.errorMessage = "";
    this.layout = null;
    this.samples = new Float64Array(0);
    this.nSamples = 0;
    this.maps = [];
    this.events = [];
    this.disks = [];
    this.memcgs = [];
    this.slices = new Float64Array(0);
    this.nSlices = 0;
    this.summary = null;
    this.at = null;
    this.playing = false;
    this.follow = state.t === null;
    this.t = state.t ?? 0;
    this.recorder.restart();
    this.inspector.restart();
    this.recordStartedAt = performance.now();
    this.recorder.send({ type: "record", spec: this.spec });
    this.changed();
    this.saveUrl();
  }

  /** Waits for the current recording to finish. */
  whenDone(): Promise<void> {
    if (this.status === "done" || this.status === "failed") return Promise.resolve();
    return new Promise((ok) => this.doneWaiters.push(ok));
  }

  private onRecorder(m: FromWorker): void {
    switch (m.type) {
      case "meta":
        if (this.startup.meta === undefined) {
          const t = m.timing;
          const rel = (x: number): number => x - performance.timeOrigin;
          Object.assign(this.startup, { workerOrigin: rel(t.origin), evaluated: rel(t.evaluated), received: rel(t.received), parsed: rel(t.parsed), booted: rel(t.booted), meta: performance.now() });
        }
        this.layout = m.layout;
        this.sampleNames = m.sampleNames;
        this.idx = Object.fromEntries(m.sampleNames.map((n, i) => [n, i]));
        this.stride = m.sampleNames.length;
        this.startNs = m.startNs;
        this.endNs = m.startNs;
        this.name = m.name;
        this.description = m.description;
        if (!this.follow && this.t < m.startNs) this.t = m.startNs;
        break;
      case "samples": {
        const need = (this.nSamples + m.count) * this.stride;
        if (need > this.samples.length) {
          const grown = new Float64Array(Math.max(need, this.samples.length * 2, 1024 * this.stride));
          grown.set(this.samples.subarray(0, this.nSamples * this.stride));
          this.samples = grown;
        }
        this.samples.set(m.data, this.nSamples * this.stride);
        this.nSamples += m.count;
        this.endNs = this.samples[(this.nSamples - 1) * this.stride];
        if (this.follow) this.t = this.endNs;
        break;
      }
      case "map":
        this.maps.push(m.frame);
        this.startup.firstMap ??= performance.now();
        // The first map is drawn: the inspector's worker may now compile the model, ready for
        // the first pause, without slowing the page's start.
        if (this.maps.length === 1) window.setTimeout(() => this.inspector.warm(), 250);
        break;
      case "slices": {
        const need = this.nSlices + m.times.length;
        if (need > this.slices.length) {
          const grown = new Float64Array(Math.max(need, this.slices.length * 2, 1024));
          grown.set(this.slices.subarray(0, this.nSlices));
          this.slices = grown;
        }
        this.slices.set(m.times, this.nSlices);
        this.nSlices = need;
        break;
      }
      case "events":
        for (const e of m.items) this.events.push(e);
        break;
      case "disks":
        this.disks = m.disks;
        break;
      case "memcgs":
        this.memcgs = m.memcgs;
        break;
      case "done":
        this.summary = m.summary;
        this.status = "done";
        // A machine this large is many GiB of (mostly uncommitted) typed arrays: the finished
        // recorder's copy goes with its worker before the inspector boots its own.
        if (this.layout !== null && this.layout.maxPfn > PAGE_MAP_LIMIT) this.recorder.restart();
        this.endNs = Math.max(this.endNs, m.summary.endNs);
        this.events.sort((a, b) => a.t - b.t);
        if (this.follow || this.t > this.endNs) this.t = this.endNs;
        if (this.state.t !== null) this.t = Math.min(Math.max(this.state.t, this.startNs), this.endNs);
        this.follow = false;
        this.resolveDone();
        this.scheduleGoto();
        break;
      case "failed":
        this.status = "failed";
        this.error = m.error;
        this.errorMessage = m.message;
        this.resolveDone();
        break;
      default:
        break;
    }
    this.changed();
  }

  private resolveDone(): void {
    const w = this.doneWaiters;
    this.doneWaiters = [];
    for (const f of w) f();
  }

  private onInspectorOther(m: FromWorker): void {
    if (m.type === "failed") {
      this.inspecting = false;
      this.notice = `inspector: ${m.message}`;
      this.changed();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Samples and frames at the cursor

  /** Index of the last sample at or before t (0 when none). */
  sampleAt(t: number): number {
    let lo = 0;
    let hi = this.nSamples - 1;
    const s = this.samples;
    const st = this.stride;
    if (hi < 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid * st] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** A counter at sample i. */
  value(i: number, name: string): number {
    const j = this.idx[name];
    return j === undefined || i < 0 ? 0 : this.samples[i * this.stride + j];
  }

  /** The exact frame at the cursor when the inspector has it, else the last recorded map at or before it. */
  frameAt(t: number): { frame: MapFrame; exact: boolean } | null {
    if (this.at !== null && this.at.asked === t) return { frame: this.at.frame, exact: true };
    const maps = this.maps;
    if (maps.length === 0) return null;
    let lo = 0;
    let hi = maps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (maps[mid].t <= t) lo = mid;
      else hi = mid - 1;
    }
    return { frame: maps[lo], exact: false };
  }

  // ------------------------------------------------------------------------------------------
  // The cursor: play, pause, step, seek

  seek(t: number, fromUser = true): void {
    const lo = this.startNs;
    const hi = Math.max(this.startNs, this.endNs);
    this.t = Math.min(hi, Math.max(lo, Math.round(t)));
    if (fromUser) this.follow = false;
    this.scheduleGoto();
    this.changed();
    this.saveUrl();
  }

  play(): void {
    if (this.playing) return;
    if (this.status === "done" && this.t >= this.endNs) this.t = this.startNs;
    this.follow = false;
    this.playing = true;
    this.lastTick = performance.now();
    const tick = (now: number): void => {
      if (!this.playing) return;
      const dt = Math.min(100, now - this.lastTick) / 1000;
      this.lastTick = now;
      const target = this.t + dt * this.speed;
      if (target >= this.endNs) {
        this.t = this.endNs;
        if (this.status === "done") this.playing = false;
      } else this.t = target;
      this.changed();
      if (this.playing) this.rafId = requestAnimationFrame(tick);
      else {
        this.scheduleGoto();
        this.saveUrl();
      }
    };
    this.rafId = requestAnimationFrame(tick);
    this.changed();
  }

  pause(): void {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.rafId);
    this.t = Math.round(this.t);
    this.scheduleGoto();
    this.changed();
    this.saveUrl();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  /**
   * One scheduler quantum forward or back: to the end of the next (or previous) recorded
   * quantum, a stop point the inspector reaches exactly.
   */
  step(dir: 1 | -1): void {
    this.pause();
    const sl = this.slices;
    const n = this.nSlices;
    if (n === 0) return;
    // The first quantum end after t, or the last one before it.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (dir > 0 ? sl[mid] <= this.t : sl[mid] < this.t) lo = mid + 1;
      else hi = mid;
    }
    const k = dir > 0 ? lo : lo - 1;
    if (k < 0) this.seek(this.startNs);
    else if (k < n) this.seek(sl[k]);
  }

  /** One millisecond of simulated time forward or back. */
  stepMs(dir: 1 | -1): void {
    this.pause();
    this.seek(this.t + dir * 1e6);
  }

  /** To the next or previous event on the timeline. */
  stepEvent(dir: 1 | -1): void {
    this.pause();
    const ev = this.events;
    if (dir > 0) {
      const e = ev.find((x) => x.t > this.t);
      if (e) this.seek(e.t);
    } else {
      for (let i = ev.length - 1; i >= 0; i--) {
        if (ev[i].t < this.t) {
          this.seek(ev[i].t);
          return;
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // The inspector

  /** After the cursor rests, replay to it (once per resting place). */
  scheduleGoto(): void {
    clearTimeout(this.gotoTimer);
    if (this.playing || this.spec === null || this.status === "failed") return;
    this.gotoTimer = window.setTimeout(() => void this.gotoNow(), 120);
  }

  async gotoNow(): Promise<void> {
    if (this.spec === null || this.playing) return;
    const t = this.t;
    // Each goto supersedes the ones before it: a reply to an older one is dropped.
    const seq = ++this.gotoSeq;
    // Already there, with nothing under way. (Otherwise ask again even for the same time: the
    // worker's goto under way gives up at its next pause, and the worker — which keeps its
    // snapshots, so it is never restarted for this — goes back there.)
    if (this.at !== null && this.at.asked === t && !this.inspecting) return;
    this.inspecting = true;
    this.changed();
    const r = await this.inspector.ask({ type: "goto", spec: this.spec, t });
    if (seq !== this.gotoSeq) return;
    this.inspecting = false;
    if (r.type === "at") this.at = { asked: t, t: r.t, frame: r.frame, meminfo: r.meminfo, layout: r.layout, replay: r.replay };
    this.changed();
  }

  /** The inspector's state for the cursor, once it is there. */
  exactAt(): InspectorState | null {
    return this.at !== null && this.at.asked === this.t && !this.inspecting ? this.at : null;
  }

  /** Asks the inspector (at the cursor) a question. */
  async query<T>(msg: Question): Promise<T | null> {
    if (this.exactAt() === null) return null;
    const r = await this.inspector.ask(msg);
    return r.type === "reply" ? (r.data as T) : null;
  }

  // ------------------------------------------------------------------------------------------
  // The page state and the URL

  set<K extends keyof UrlState>(key: K, value: UrlState[K]): void {
    this.state = { ...this.state, [key]: value };
    this.changed();
    this.saveUrl();
  }

  setView(v: ViewId): void {
    this.set("view", v);
  }

  setColour(c: ColourMode): void {
    this.set("colour", c);
  }

  /** The URL fragment for the current state (scenario, seed, time, view, selection). */
  async fragment(): Promise<string> {
    const st: UrlState = { ...this.state, seed: this.spec?.seed ?? this.state.seed, t: this.status === "done" ? this.t : this.state.t };
    return formatFragment(st);
  }

  saveUrl(): void {
    clearTimeout(this.urlTimer);
    this.urlTimer = window.setTimeout(() => {
      void this.fragment().then((f) => {
        if (location.hash.slice(1) !== f) history.replaceState(null, "", "#" + f);
      });
    }, 150);
  }
}

