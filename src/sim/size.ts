/**
 * Sizes as people write them: "512M", "1.5G", "64KiB", "4096" (bytes). Strict, unlike the
 * kernel's memparse: a typo is an error here, not a silent zero.
 */
const UNITS: Record<string, number> = {
  "": 1, b: 1,
  k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10,
  m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20,
  g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30,
  t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40,
  p: 2 ** 50, pb: 2 ** 50, pib: 2 ** 50,
};

/** Bytes for a size string or number; throws RangeError naming the bad text. Sizes are binary (1K = 1024). */
export function parseSize(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0 || !Number.isInteger(input)) throw new RangeError(`invalid size ${input}: expected a whole number of bytes`);
    return input;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new RangeError(`invalid size "${input}": expected a number with an optional unit K, M, G, T or P (e.g. 512M)`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`invalid size "${input}": too large`);
  return bytes;
}

/** The shortest exact binary form: 536870912 → "512M", 1536 → "1536" (not "1.5K"). */
export function formatSize(bytes: number): string {
  for (const [u, f] of [["P", 2 ** 50], ["T", 2 ** 40], ["G", 2 ** 30], ["M", 2 ** 20], ["K", 2 ** 10]] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${u}`;
  }
  return String(bytes);
}
