/** Entry: reads the state from the URL (or falls back to the default with a message) and starts the run. */
import { render } from "preact";
import { App } from "./app.js";
import { SessionContext } from "./hooks.js";
import { Session } from "./session.js";
import { parseFragment } from "./url.js";
import { SHIPPED_NAMES } from "./scenarios.js";
import { prefetchViews } from "./lazy.js";
import "./styles.css";

const session = new Session();
// For the browser tests and the bench: the session, read-only by convention.
(window as unknown as { __mmsim: Session }).__mmsim = session;
if (matchMedia("(prefers-color-scheme: light)").matches) session.theme = "light";

async function start(): Promise<void> {
  const { state, problems } = await parseFragment(location.hash, SHIPPED_NAMES);
  if (problems.length > 0) session.notice = `Parts of the link were not understood and the default was used for them: ${problems.join("; ")}`;
  session.load(state);
  if (state.t !== null) void session.whenDone().then(() => session.seek(state.t as number, false));
}

render(
  <SessionContext.Provider value={session}>
    <App />
  </SessionContext.Provider>,
  document.getElementById("app") as HTMLElement,
);
session.startup.rendered = performance.now();
void start();
// Once the first map is drawn (or the run failed), the other views' chunks load at idle.
const offFirst = session.subscribe(() => {
  if (session.maps.length === 0 && session.status !== "failed") return;
  offFirst();
  window.setTimeout(prefetchViews, 500);
});
window.addEventListener("hashchange", () => {
  // A link pasted into the same tab: load its state unless it is the one already shown.
  void session.fragment().then((f) => {
    if (location.hash.slice(1) !== f) void start();
// Once the first map is drawn (or the run failed), the other views' chunks load at idle.
const offFirst = session.subscribe(() => {
  if (session.maps.length === 0 && session.status !== "failed") return;
  offFirst();
  window.setTimeout(prefetchViews, 500);
});
  });
});
