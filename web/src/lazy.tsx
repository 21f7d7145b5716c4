/**
 * Views loaded on first use. The first view drawn (physical memory, with the transport) is in the
 * page's own script; the others — uPlot's charts, the 944-name kernel-symbol table, the chapters,
 * the editor, the decoder — are chunks of their own, fetched when their tab is opened, or at idle
 * once the first map is drawn (`prefetchViews`), so the page that must parse before the first
 * interactive frame is about a third of the whole.
 */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

interface Loader {
  load: () => Promise<ComponentType>;
  done: ComponentType | null;
  failed: string;
  promise: Promise<void> | null;
}

const loaders: Loader[] = [];

function begin(l: Loader): Promise<void> {
  l.promise ??= l.load().then(
    (c) => {
      l.done = c;
    },
    (e: unknown) => {
      l.failed = e instanceof Error ? e.message : String(e);
    },
  );
  return l.promise;
}

/** A component that renders `load()`'s component once its chunk has arrived. */
export function lazyView(load: () => Promise<ComponentType>): ComponentType {
  const l: Loader = { load, done: null, failed: "", promise: null };
  loaders.push(l);
  return function LazyView() {
    const [, setLoaded] = useState(false);
    useEffect(() => {
      let live = true;
      if (l.done === null) void begin(l).then(() => live && setLoaded(true));
      return () => {
        live = false;
      };
    }, []);
    const C = l.done;
    if (C !== null) return <C />;
    return <div class="empty">{l.failed ? `This view could not be loaded: ${l.failed}` : "Loading the view…"}</div>;
  };
}

/** Fetches every lazy view's chunk (once the page is interactive and idle). */
export function prefetchViews(): void {
  for (const l of loaders) void begin(l);
}
