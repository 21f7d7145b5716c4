/**
 * The shipped scenarios (the same files `mmsim run NAME` reads). Their names and description
 * lines are in the bundle; their text is not: each file is a static asset of the build (Vite's
 * `?url` import copies it into dist/web/assets), fetched the first time a run or the editor needs
 * it and kept. The scenarios are data, 31 kB gzipped in all — as JavaScript strings they were
 * the largest part of the page's chunk and counted against the explorer's 400 kB budget.
 */
const urls = import.meta.glob("../../scenarios/*.yaml", { query: "?url", import: "default", eager: true }) as Record<string, string>;

const URLS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(urls).map(([path, url]) => [path.replace(/^.*\/([^/]+)\.yaml$/, "$1"), url]),
);
export const SHIPPED_NAMES: readonly string[] = Object.keys(URLS).sort();

/** Each shipped scenario's `description:` line, read from the files at build time (vite.config.ts). */
declare const MMSIM_SHIPPED_DESCRIPTIONS: Readonly<Record<string, string>>;

/** A shipped scenario's description line (the YAML's `description:`), for lists. */
export function describeShipped(name: string): string {
  return MMSIM_SHIPPED_DESCRIPTIONS[name] ?? "";
}

const texts = new Map<string, string>();
const pending = new Map<string, Promise<string>>();

/** A shipped scenario's text if it has been fetched, else undefined. */
export function shippedText(name: string): string | undefined {
  return texts.get(name);
}

/**
 * A shipped scenario's text, fetched once from the build folder. Rejects for a name that is not
 * shipped, or when the file cannot be read (a host that does not serve the build's assets).
 */
export function loadShipped(name: string): Promise<string> {
  const have = texts.get(name);
  if (have !== undefined) return Promise.resolve(have);
  let p = pending.get(name);
  if (p === undefined) {
    const url = URLS[name];
    if (url === undefined) return Promise.reject(new Error(`no shipped scenario named ${name}`));
    p = fetch(url)
      .then((r) => {
        if (!r.ok) throw new Error(`scenarios/${name}.yaml: HTTP ${r.status}`);
        return r.text();
      })
      .then((t) => {
        texts.set(name, t);
        pending.delete(name);
        return t;
      }, (e: unknown) => {
        pending.delete(name);
        throw e;
      });
    pending.set(name, p);
  }
  return p;
}
