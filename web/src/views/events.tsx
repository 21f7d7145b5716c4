/**
 * View 5, events: the run's kernel events in time order — tracepoints as ftrace names them, the
 * kernel log's notable lines, and the programs' steps — each with the kernel function that acted
 * and a link to it in the 6.1 source. Filter by kind, process and text; click a row to move time
 * there. Rows after the cursor are dimmed.
 */
import { useMemo, useState } from "preact/hooks";
import { useSession } from "../hooks.js";
import { FnLink } from "../source.js";
import { fmtTime } from "../format.js";

/** Rows drawn at once (around the cursor): the list can hold 20 000 events. */
const WINDOW = 400;

export function EventsView() {
  const s = useSession();
  const [kind, setKind] = useState("all");
  const [who, setWho] = useState("all");
  const [text, setText] = useState("");
  const events = s.events;
  const kinds = useMemo(() => [...new Set(events.map((e) => e.event))].sort(), [events.length]);
  const whos = useMemo(() => [...new Set(events.map((e) => e.who))].sort(), [events.length]);
  const filtered = useMemo(() => {
    const q = text.toLowerCase();
    return events.filter((e) => (kind === "all" || e.event === kind) && (who === "all" || e.who === who) && (q === "" || e.text.toLowerCase().includes(q) || e.event.includes(q)));
  }, [events.length, kind, who, text]);
  // The window of rows around the cursor.
  let at = filtered.findIndex((e) => e.t > s.t);
  if (at < 0) at = filtered.length;
  const start = Math.max(0, Math.min(at - WINDOW / 2, filtered.length - WINDOW));
  const rows = filtered.slice(start, start + WINDOW);
  return (
    <div class="events">
      <div class="toolbar">
        <label class="field">
          <span>event</span>
          <select value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value)} data-testid="event-filter">
            <option value="all">all ({events.length})</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>process</span>
          <select value={who} onChange={(e) => setWho((e.currentTarget as HTMLSelectElement).value)}>
            <option value="all">all</option>
            {whos.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <input placeholder="search text" value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
        <span class="dim small">
          {filtered.length} events{filtered.length > WINDOW ? `, ${WINDOW} shown around the cursor` : ""} · tracepoints recorded: reclaim, kswapd, fallbacks, OOM (mm_page_alloc and faults are counted, not listed)
        </span>
      </div>
      <div class="list">
        <table class="data" data-testid="events">
          <thead>
            <tr>
              <th>time</th>
              <th class="l">who</th>
              <th class="l">event</th>
              <th class="l">what happened</th>
              <th class="l">kernel function</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e, i) => (
              <tr key={start + i} class={e.t <= s.t ? "past" : "future"} onClick={() => s.seek(e.t)} style={{ cursor: "pointer" }} data-t={e.t}>
                <td class="mono">{fmtTime(e.t)}</td>
                <td class="l">{e.who}</td>
                <td class="l mono" style={{ color: e.source === "timeline" ? undefined : "var(--warn)" }}>
                  {e.event}
                </td>
                <td class="text">{e.text}</td>
                <td class="l" onClick={(ev) => ev.stopPropagation()}>
                  {e.fn ? <FnLink name={e.fn} /> : <span class="dim">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 && <p class="empty">{s.status === "recording" ? "recording…" : "no events"}</p>}
      </div>
    </div>
  );
}
