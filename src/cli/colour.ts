/**
 * Colour for the reports on a terminal: headings in bold, verdicts green (ok) or red (FAIL),
 * warnings yellow. Only when stdout is a terminal, TERM is not "dumb", NO_COLOR is unset or
 * empty (https://no-color.org) and --no-color was not given; never in a pipe or a file, so
 * redirected output is byte-identical to the uncoloured text.
 */

/** SGR sequences: bold, green, red, yellow, and the reset after each. */
const SGR = { bold: "\u001b[1m", green: "\u001b[32m", red: "\u001b[31m", yellow: "\u001b[33m", reset: "\u001b[0m" };

/** How to paint each kind of text; identity functions when colour is off. */
export interface Palette {
  heading(s: string): string;
  ok(s: string): string;
  fail(s: string): string;
  warn(s: string): string;
}

const plain: Palette = { heading: (s) => s, ok: (s) => s, fail: (s) => s, warn: (s) => s };
const ansi: Palette = {
  heading: (s) => `${SGR.bold}${s}${SGR.reset}`,
  ok: (s) => `${SGR.green}${s}${SGR.reset}`,
  fail: (s) => `${SGR.red}${s}${SGR.reset}`,
  warn: (s) => `${SGR.yellow}${s}${SGR.reset}`,
};

/**
 * Whether to colour stdout: `flag` is commander's --color/--no-color value (false for
 * --no-color), `tty` whether stdout is a terminal.
 */
export function useColour(flag: boolean | undefined, tty: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  if (flag === false || !tty) return false;
  if ((env.NO_COLOR ?? "") !== "") return false;
  return env.TERM !== "dumb";
}

export function palette(on: boolean): Palette {
  return on ? ansi : plain;
}

/** The run report's section headings: unindented lines naming a section. */
const REPORT_HEADING = /^(?:mmsim run |Machine$|Timeline \(|Processes$|Captured files$|Expectations$|--- )/;

/**
 * Paints `mmsim run`'s report: the title and section headings, each expectation's "ok" or
 * "FAIL", and the closing "N of M expectations hold." in green when all hold, red otherwise.
 */
export function colourReport(text: string, p: Palette): string {
  if (p === plain) return text;
  return text
    .split("\n")
    .map((l) => {
      if (REPORT_HEADING.test(l)) return p.heading(l);
      if (l.startsWith("  ok    ")) return `  ${p.ok("ok")}${l.slice(4)}`;
      if (l.startsWith("  FAIL  ")) return `  ${p.fail("FAIL")}${l.slice(6)}`;
      const m = /^(\d+) of (\d+) expectations hold\./.exec(l);
      if (m) return (m[1] === m[2] ? p.ok : p.fail)(m[0]) + l.slice(m[0].length);
      return l;
    })
    .join("\n");
}

/**
 * Paints `mmsim decode`'s explanation: each block's first line (unindented: "OOM report …",
 * "/proc/meminfo") in bold, and the "missing:" and "warnings:" headings in yellow.
 */
export function colourExplanation(text: string, p: Palette): string {
  if (p === plain) return text;
  return text
    .split("\n")
    .map((l) => {
      if (/^\s*(?:missing|warnings|log):$/.test(l)) return l.replace(/\S.*$/, (h) => p.warn(h));
      if (l !== "" && !/^\s/.test(l)) return p.heading(l);
      return l;
    })
    .join("\n");
}
