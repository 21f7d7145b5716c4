/**
 * The transport and the time axis: play/pause, step one scheduler quantum (←/→), one event
 * (shift + ←/→) or one simulated millisecond (, and .), the cursor's time, the playback speed, and a
 * scrubber showing what has been recorded, free memory as a faint area, and the events as ticks
 * (click or drag to move time).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useSession } from "../hooks.js";
import { fmtTime } from "../format.js";

const SPEEDS = [1e5, 1e6, 1e7, 1e8, 1e9];
const SPEED_LABELS = ["0.1 ms/s", "1 ms/s", "10 ms/s", "100 ms/s", "1 s/s"];

export function Transport() {
  const s = useSession();
  const span = Math.max(1, s.endNs - s.startNs);
  return (
    <div class="transport">
      <button class="icon" onClick={() => s.stepEvent(-1)} title="previous event (shift + ←)" aria-label="previous event" data-testid="event-back">◀◀</button>
      <button class="icon" onClick={() => s.stepMs(-1)} title="1 ms of simulated time back (,)" aria-label="one millisecond back" data-testid="ms-back">
        −1ms
      </button>
      <button class="icon" onClick={() => s.step(-1)} title="one scheduler quantum back (←)" aria-label="step back" data-testid="step-back">|◀</button>
      <button class="icon play" onClick={() => s.toggle()} title="play / pause (space)" aria-label={s.playing ? "pause" : "play"} data-testid="play">
        {s.playing ? "❚❚" : "▶"}
      </button>
      <button class="icon" onClick={() => s.step(1)} title="one scheduler quantum forward (→)" aria-label="step forward" data-testid="step">▶|</button>
      <button class="icon" onClick={() => s.stepMs(1)} title="1 ms of simulated time forward (.)" aria-label="one millisecond forward" data-testid="ms">
        +1ms
      </button>
      <button class="icon" onClick={() => s.stepEvent(1)} title="next event (shift + →)" aria-label="next event" data-testid="event">▶▶</button>
      <span class="time" data-testid="time" title="simulated time since boot">
        {fmtTime(s.t)}
      </span>
      <span class="dim small">
        / {fmtTime(s.endNs)}
        {s.status === "recording" ? " recording…" : ""}
      </span>
      <Scrubber />
      <select
        aria-label="playback speed"
        value={String(SPEEDS.includes(s.speed) ? s.speed : 1e7)}
        onChange={(e) => {
          s.speed = Number((e.currentTarget as HTMLSelectElement).value);
          s.changed();
        }}
      >
        {SPEEDS.map((v, i) => (
          <option key={v} value={String(v)}>
            {SPEED_LABELS[i]}
          </option>
        ))}
      </select>
      <span class="dim small" title="share of the run recorded">{s.status === "done" ? "" : `${Math.round(((s.endNs - s.startNs) / span) * 100)}%`}</span>
    </div>
  );
}

function Scrubber() {
  const s = useSession();
  const ref = useRef<HTMLCanvasElement>(null);
  const [w, setW] = useState(600);
  const h = 34;
  useEffect(() => {
    const el = ref.current?.parentElement;
    if (!el) return;
    const ro = new ResizeObserver(() => setW(Math.max(100, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const t0 = s.startNs;
  const t1 = Math.max(s.endNs, t0 + 1);
  const xOf = (t: number): number => ((t - t0) / (t1 - t0)) * (w - 2) + 1;
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext("2d");
    if (!c || !ctx) return;
    const dark = s.theme === "dark";
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = dark ? "#151b22" : "#eceeef";
    ctx.fillRect(0, 0, w, h);
    // Free memory over the run, as a faint area.
    if (s.nSamples > 1 && s.layout) {
      const zones = s.layout.zones.map((z) => `zone.${z.id}.free`);
      const total = s.layout.zones.reduce((a, z) => a + z.managed, 0) || 1;
      ctx.beginPath();
      ctx.moveTo(xOf(s.samples[0]), h);
      const step = Math.max(1, Math.floor(s.nSamples / w));
      for (let i = 0; i < s.nSamples; i += step) {
        let free = 0;
        for (const z of zones) free += s.value(i, z);
        ctx.lineTo(xOf(s.samples[i * s.stride]), h - 2 - (free / total) * (h - 8));
      }
      ctx.lineTo(xOf(s.samples[(s.nSamples - 1) * s.stride]), h);
      ctx.closePath();
      ctx.fillStyle = dark ? "rgba(86,180,233,0.18)" : "rgba(0,114,178,0.14)";
      ctx.fill();
    }
    // Events as ticks: kernel actions in vermillion, the programs' steps in grey.
    for (const e of s.events) {
      const x = Math.round(xOf(e.t)) + 0.5;
      const kernel = e.source !== "timeline";
      ctx.strokeStyle = kernel ? "rgba(213,94,0,0.75)" : dark ? "rgba(200,200,200,0.35)" : "rgba(60,60,60,0.35)";
      ctx.beginPath();
      ctx.moveTo(x, kernel ? 0 : h - 9);
      ctx.lineTo(x, kernel ? 8 : h);
      ctx.stroke();
    }
    const x = Math.round(xOf(s.t)) + 0.5;
    ctx.strokeStyle = dark ? "#F0E442" : "#b8860b";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, h);
    ctx.stroke();
    ctx.lineWidth = 1;
  });
  const seekAt = (clientX: number): void => {
    const r = ref.current?.getBoundingClientRect();
    if (!r) return;
    s.pause();
    s.seek(t0 + ((clientX - r.left - 1) / (w - 2)) * (t1 - t0));
  };
  return (
    <div class="scrubber">
      <canvas
        ref={ref}
        width={w}
        height={h}
        data-testid="scrubber"
        role="slider"
        aria-label="simulated time"
        aria-valuemin={t0}
        aria-valuemax={t1}
        aria-valuenow={s.t}
        onPointerDown={(e) => {
          (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
          seekAt(e.clientX);
        }}
        onPointerMove={(e) => {
          if (e.buttons & 1) seekAt(e.clientX);
        }}
      />
    </div>
  );
}
