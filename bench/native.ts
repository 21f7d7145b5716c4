/**
 * The native side of the vm and mmap benches, shared: builds bench/native/vmbench.c once per run
 * with the system `cc` and runs one of its modes (touch, cow, fork, mmap, forkexit; see the C file's
 * header), keeping the best of three. The compiled benches run from build/bench/, so the C source
 * is looked for both beside this module and two levels up in the repository's bench/native/.
 * Every figure is null, with `nativeNote` saying why, when the machine has no C compiler or the
 * program cannot be built or run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bench } from "./bench.js";
import { repoFile } from "./paths.js";

const hasCc = spawnSync("cc", ["--version"], { encoding: "utf8" }).status === 0;

/** Set only when the native side cannot run, as the runner prints it beside the value. */
export const nativeNote: string | undefined = hasCc ? undefined : "no C compiler (cc) on this machine: native side skipped";

/** The path of the built program: undefined before the first build, null when it cannot be built. */
let nativeBin: string | null | undefined;

/** vmbench.c, found from the repository root wherever the bench runs from. */
function source(): string | null {
  const src = repoFile("bench", "native", "vmbench.c");
  return existsSync(src) ? src : null;
}

function build(): string | null {
  if (nativeBin !== undefined) return nativeBin;
  nativeBin = null;
  const src = hasCc ? source() : null;
  if (src !== null) {
    const out = join(mkdtempSync(join(tmpdir(), "mmsim-vmbench-")), "vmbench");
    if (spawnSync("cc", ["-O2", "-o", out, src], { encoding: "utf8" }).status === 0) nativeBin = out;
  }
  return nativeBin;
}

/**
 * Runs `vmbench MODE ARG` three times and returns the best figure: the lowest for `fork` (a time
 * in ms), the highest otherwise (a rate). Null when the program is missing or fails.
 */
export function runNative(mode: "touch" | "cow" | "fork" | "mmap" | "forkexit", arg: number): number | null {
  const bin = build();
  if (bin === null) return null;
  const lowerIsBetter = mode === "fork";
  let best = lowerIsBetter ? Infinity : 0;
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(bin, [mode, String(arg)], { encoding: "utf8" });
    if (r.status !== 0) return null;
    const v = Number(r.stdout.trim());
    if (!Number.isFinite(v)) return null;
    best = lowerIsBetter ? Math.min(best, v) : Math.max(best, v);
  }
  return best;
}

/** A bench row that carries `nativeNote` when the native side is skipped. */
export function withNativeNote(b: Bench): Bench {
  return nativeNote === undefined ? b : { ...b, note: nativeNote };
}

/** Memoises each figure by key, so a model/native ratio row reuses the rows before it. */
export class FigureCache {
  private readonly figures = new Map<string, number | null>();

  once(key: string, f: () => number | null): number | null {
    if (!this.figures.has(key)) this.figures.set(key, f());
    return this.figures.get(key) ?? null;
  }

  /** a / b of two memoised figures, or null when either is missing or b is 0. */
  ratio(ka: string, fa: () => number | null, kb: string, fb: () => number | null): number | null {
    const a = this.once(ka, fa);
    const b = this.once(kb, fb);
    return a === null || b === null || b === 0 ? null : a / b;
  }
}
