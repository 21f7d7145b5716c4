/**
 * View 9, chapters: one page per chapter of the book the project follows — what the kernel does
 * (in the project's words), the key functions linked to the 6.1 source, live demos (a shipped
 * scenario opened in a view, with what to look at and sometimes a slider that re-runs it: a
 * sysctl, or a file of the scenario's own cgroups such as memory.max, written at boot)
 * and a plain status of what the model covers and lacks (chapters-data.ts).
 */
import { useState } from "preact/hooks";
import { useSession } from "../hooks.js";
import { CHAPTERS, type Demo, type DemoControl } from "../chapters-data.js";
import type { UrlState } from "../url.js";

/** The slider's value in the state (the URL), or the control's default. */
function controlValue(c: DemoControl, st: UrlState): number {
  if ("sysctl" in c) return st.sysctl[c.sysctl] ?? c.value;
  const m = /^(\d+)M$/.exec(st.cgroup[c.cgroup] ?? "");
  return m ? Number(m[1]) : c.value;
}

/** The overrides a control at `v` makes: a sysctl, or a cgroup file written as "<v>M". */
function overridesOf(c: DemoControl | undefined, v: number): Pick<UrlState, "sysctl" | "cgroup"> {
  if (c === undefined) return { sysctl: {}, cgroup: {} };
  return "sysctl" in c ? { sysctl: { [c.sysctl]: v }, cgroup: {} } : { sysctl: {}, cgroup: { [c.cgroup]: `${v}${c.unit}` } };
}
import { FnLink } from "../source.js";

export function ChaptersView() {
  const s = useSession();
  const id = s.state.chapter ?? CHAPTERS[0].id;
  const ch = CHAPTERS.find((c) => c.id === id) ?? CHAPTERS[0];
  return (
    <div class="chapters">
      <nav aria-label="chapters">
        {CHAPTERS.map((c) => (
          <button key={c.id} class={c.id === ch.id ? "on" : ""} onClick={() => s.set("chapter", c.id)} data-chapter={c.id}>
            {c.title}
            <span class={`st badge ${c.status}`}>{c.status}</span>
          </button>
        ))}
      </nav>
      <article class="chapter" data-testid="chapter">
        <h2>{ch.title}</h2>
        <span class={`badge ${ch.status}`}>{ch.status === "modelled" ? "modelled" : ch.status === "partial" ? "partly modelled" : "not modelled yet"}</span>
        <p>{ch.text}</p>
        <h3>key functions in Linux 6.1</h3>
        <ul class="fnlist">
          {ch.fns.map((f) => (
            <li key={f}>
              <FnLink name={f} />
            </li>
          ))}
        </ul>
        <h3>live demo</h3>
        {ch.demos.length === 0 ? <p class="dim">None yet: the model does not have this mechanism.</p> : ch.demos.map((d, i) => <DemoBox key={`${ch.id}-${i}`} demo={d} />)}
        <h3>what the model covers</h3>
        <p>{ch.covers}</p>
        <h3>what is missing</h3>
        <p>{ch.missing}</p>
      </article>
    </div>
  );
}

function DemoBox({ demo }: { demo: Demo }) {
  const s = useSession();
  const c = demo.control;
  // The slider starts at the value the current run used when it is this demo's scenario (a shared link).
  const mine = s.state.scenario.kind === "shipped" && s.state.scenario.name === demo.scenario;
  const [value, setValue] = useState(c ? (mine ? controlValue(c, s.state) : c.value) : 0);
  const open = (v: number): void => {
    s.load({ ...s.state, scenario: { kind: "shipped", name: demo.scenario }, seed: null, t: null, view: demo.view, colour: demo.colour ?? s.state.colour, pfn: null, pid: null, addr: null, ...overridesOf(c, v) });
  };
  return (
    <div class="demo" data-testid="demo">
      <p>
        <b>{demo.scenario}</b> in the {demo.view} view: {demo.look}
      </p>
      <div class="toolbar" style={{ padding: 0 }}>
        <button onClick={() => open(value)} data-testid="demo-run">
          ▶ run the demo
        </button>
        {c && (
          <label class="field">
            <span>{c.label}</span>
            <input type="range" min={c.min} max={c.max} step={c.step} value={value} onInput={(e) => setValue(Number((e.currentTarget as HTMLInputElement).value))} onChange={(e) => open(Number((e.currentTarget as HTMLInputElement).value))} data-testid="demo-slider" />
            <b class="mono" data-testid="demo-value">
              {value}
              {"unit" in c ? c.unit : ""}
            </b>
            <span class="dim small">(release to re-run)</span>
          </label>
        )}
      </div>
    </div>
  );
}
