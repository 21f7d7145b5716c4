/** The shipped scenarios, bundled as text (the same files `mmsim run NAME` reads). */
const files = import.meta.glob("../../scenarios/*.yaml", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

export const SHIPPED: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(files).map(([path, text]) => [path.replace(/^.*\/([^/]+)\.yaml$/, "$1"), text]),
);
export const SHIPPED_NAMES: readonly string[] = Object.keys(SHIPPED).sort();

/** A shipped scenario's description line (the YAML's `description:`), for lists. */
export function describeShipped(name: string): string {
  const m = /^description:\s*"?(.*?)"?\s*$/m.exec(SHIPPED[name] ?? "");
  return m ? m[1] : "";
}
