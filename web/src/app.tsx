/**
 * The explorer's frame: the scenario bar, the views' tabs, the transport and time axis, and the
 * current view. Keyboard: space plays or pauses, ← → step one scheduler quantum, "," and "." one
 * simulated millisecond, shift + ← → jump to the previous or next event, Home and End go to the
 * start and end, 1–9 switch views.
 */
import { useEffect, useState } from "preact/hooks";
import { useSession } from "./hooks.js";
import { Transport } from "./components/timeline.js";
import { PhysicalView } from "./views/physical.js";
import { lazyView } from "./lazy.js";
import { SHIPPED_NAMES, describeShipped } from "./scenarios.js";
import { VIEWS, type ViewId } from "./url.js";
import { fmtInt } from "./format.js";

// Every view but the first one drawn is a chunk of its own (lazy.tsx).
const ZonesView = lazyView(() => import("./views/zones.js").then((m) => m.ZonesView));
const AddressView = lazyView(() => import("./views/address.js").then((m) => m.AddressView));
const ReclaimView = lazyView(() => import("./views/reclaim.js").then((m) => m.ReclaimView));
const EventsView = lazyView(() => import("./views/events.js").then((m) => m.EventsView));
const OomView = lazyView(() => import("./views/oom.js").then((m) => m.OomView));
const DecodeView = lazyView(() => import("./views/decode.js").then((m) => m.DecodeView));
const EditorView = lazyView(() => import("./views/editor.js").then((m) => m.EditorView));
const ChaptersView = lazyView(() => import("./views/chapters.js").then((m) => m.ChaptersView));

const VIEW_LABELS: Record<ViewId, string> = {
  physical: "Physical memory",
  zones: "Zones & allocator",
  address: "Address spaces",
  reclaim: "Reclaim & swap",
  events: "Events",
  oom: "OOM",
  decode: "Decode",
  editor: "Scenario editor",
  chapters: "Chapters",
};

export function App() {
  const s = useSession();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === " ") {
        e.preventDefault();
        s.toggle();
      } else if (e.key === "ArrowRight") {
        e.preventDefault();
        if (e.shiftKey) s.stepEvent(1);
        else s.step(1);
      } else if (e.key === "ArrowLeft") {
        e.preventDefault();
        if (e.shiftKey) s.stepEvent(-1);
        else s.step(-1);
      } else if (e.key === ".") s.stepMs(1);
      else if (e.key === ",") s.stepMs(-1);
      else if (e.key === "Home") s.seek(s.startNs);
      else if (e.key === "End") s.seek(s.endNs);
      else if (/^[1-9]$/.test(e.key)) s.setView(VIEWS[Number(e.key) - 1]);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [s]);
  useEffect(() => {
    document.documentElement.dataset.theme = s.theme;
  }, [s.theme]);

  const view = s.state.view;
  const shippedName = s.state.scenario.kind === "shipped" ? s.state.scenario.name : "";
  return (
    <div class="app">
      <header class="bar">
        <div class="brand">
          <b>mmsim</b> explorer <span class="dim">· Linux 6.1 memory manager</span>
        </div>
        <label class="field">
          <span>scenario</span>
          <select
            data-testid="scenario"
            value={shippedName || "(editor)"}
            onChange={(e) => {
              const name = (e.currentTarget as HTMLSelectElement).value;
              s.load({ ...s.state, scenario: { kind: "shipped", name }, t: null, seed: null, sysctl: {}, cgroup: {}, pfn: null, pid: null, addr: null });
            }}
          >
            {!shippedName && <option value="(editor)">{s.name || "from the editor"}</option>}
            {SHIPPED_NAMES.map((n) => (
              <option key={n} value={n} title={describeShipped(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <SeedField />
        <span class={`status ${s.status}`} data-testid="status">
          {s.status === "recording" ? "running…" : s.status === "done" ? (s.summary?.ok ? "done · expectations hold" : "done · an expectation failed") : s.status === "failed" ? "failed" : ""}
        </span>
        {s.summary && (
          <span class="dim small" title="the model's speed in this browser: simulated operations per second of real time">
            {fmtInt(s.summary.ops)} ops in {(s.summary.wallMs / 1000).toFixed(2)} s ({fmtInt(s.summary.opsPerSec)}/s)
          </span>
        )}
        <span class="spacer" />
        {s.inspecting && <span class="dim small">replaying to the cursor…</span>}
        <ShareButton />
        <button onClick={() => (s.theme = s.theme === "dark" ? "light" : "dark", s.changed())} title="light or dark theme" data-testid="theme">
          {s.theme === "dark" ? "☀ light" : "☾ dark"}
        </button>
      </header>
      {s.notice && (
        <div class="notice" role="status" data-testid="notice">
          {s.notice}
          <button class="link" onClick={() => ((s.notice = ""), s.changed())} aria-label="dismiss">
            ✕
          </button>
        </div>
      )}
      {s.status === "failed" && (
        <div class="notice error" role="alert" data-testid="run-error">
          {s.error ? s.error.text : s.errorMessage}
        </div>
      )}
      <nav class="tabs" role="tablist">
        {VIEWS.map((v, i) => (
          <button key={v} role="tab" aria-selected={v === view} class={v === view ? "on" : ""} onClick={() => s.setView(v)} data-view={v} title={`${VIEW_LABELS[v]} (${i + 1})`}>
            {VIEW_LABELS[v]}
          </button>
        ))}
      </nav>
      <Transport />
      <main class={`view view-${view}`}>
        {view === "physical" && <PhysicalView />}
        {view === "zones" && <ZonesView />}
        {view === "address" && <AddressView />}
        {view === "reclaim" && <ReclaimView />}
        {view === "events" && <EventsView />}
        {view === "oom" && <OomView />}
        {view === "decode" && <DecodeView />}
        {view === "editor" && <EditorView />}
        {view === "chapters" && <ChaptersView />}
      </main>
      <footer class="foot dim small">
        {s.name ? `${s.name}: ${s.description}` : ""} · Space play/pause · ← → one quantum · , . 1 ms · shift+← → event · 1–9 views · the model runs in this tab; nothing is sent anywhere
      </footer>
    </div>
  );
}

function SeedField() {
  const s = useSession();
  const [v, setV] = useState(s.state.seed === null ? "" : String(s.state.seed));
  useEffect(() => setV(s.state.seed === null ? "" : String(s.state.seed)), [s.state.seed]);
  const ok = v === "" || (/^\d{1,10}$/.test(v) && Number(v) <= 2 ** 32 - 1);
  return (
    <label class="field">
      <span>seed</span>
      <input
        class={ok ? "seed" : "seed bad"}
        value={v}
        placeholder="file's"
        inputMode="numeric"
        data-testid="seed"
        onInput={(e) => setV((e.currentTarget as HTMLInputElement).value.trim())}
        onKeyDown={(e) => {
          if (e.key === "Enter" && ok) s.load({ ...s.state, seed: v === "" ? null : Number(v), t: null });
        }}
        title="the PRNG seed (Enter re-runs); empty: the scenario's own"
      />
    </label>
  );
}

function ShareButton() {
  const s = useSession();
  const [copied, setCopied] = useState(false);
  return (
    <button
      onClick={() => {
        void s.fragment().then((f) => {
          const url = location.href.replace(/#.*$/, "") + "#" + f;
          history.replaceState(null, "", "#" + f);
          void navigator.clipboard?.writeText(url).then(
            () => setCopied(true),
            () => setCopied(false),
          );
          setTimeout(() => setCopied(false), 1500);
        });
      }}
      title="copy a link to exactly this view (scenario, seed, time, view, selection)"
    >
      {copied ? "link copied" : "share"}
    </button>
  );
}
