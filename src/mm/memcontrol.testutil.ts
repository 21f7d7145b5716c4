/** Test helper for the memcg tests: a flat "key value" file (memory.stat, memory.events) as numbers by key. */
export function keyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of text.trim().split("\n")) {
    const [key, v] = l.split(" ");
    out[key] = Number(v);
  }
  return out;
}
