/**
 * Links to the 6.1 source on a public browser (Elixir), from the generated table of where each
 * kernel name the explorer can show is defined (explorer-symbols.json: the part of the project's
 * kernel-symbols.json for the chapters' functions, the Events view's and the names the views
 * write out; scripts/kernel-symbols.mjs makes both). Lines are those of the tag the table was
 * made from (v6.1.176); a name the table lacks links to Elixir's identifier search at that tag.
 */
import table from "./generated/explorer-symbols.json";

const symbols = table.symbols as unknown as Record<string, [string, number]>;
export const SOURCE_TAG: string = table.tag;

export function sourceOf(name: string): { file: string; line: number } | null {
  const hit = symbols[name];
  return hit ? { file: hit[0], line: hit[1] } : null;
}

export function sourceUrl(name: string): string {
  const hit = symbols[name];
  if (hit) return `https://elixir.bootlin.com/linux/${SOURCE_TAG}/source/${hit[0]}#L${hit[1]}`;
  return `https://elixir.bootlin.com/linux/${SOURCE_TAG}/C/ident/${encodeURIComponent(name.replace(/\(.*$/, ""))}`;
}

export function FnLink({ name }: { name: string }) {
  const src = sourceOf(name);
  return (
    <a href={sourceUrl(name)} target="_blank" rel="noopener noreferrer" class="mono" title={src ? `${src.file}:${src.line} at ${SOURCE_TAG}` : `search ${name} at ${SOURCE_TAG}`}>
      {name}()
    </a>
  );
}
