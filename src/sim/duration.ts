/**
 * Simulated durations as people write them: "100ms", "2s", "50us", "1.5min", or a number of
 * nanoseconds. Strict: a typo is an error, never zero.
 */
const NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, sec: 1e9, min: 60e9, m: 60e9, h: 3600e9 };

/** Nanoseconds for a duration string or a number of nanoseconds; throws RangeError naming the text. */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0) throw new RangeError(`invalid duration ${input}: expected nanoseconds ≥ 0`);
    return Math.round(input);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zµ]+)\s*$/i.exec(input);
  const unit = m ? NS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new RangeError(`invalid duration "${input}": expected a number with a unit ns, us, ms, s, min or h (e.g. 100ms)`);
  return Math.round(Number(m[1]) * unit);
}
