/**
 * Colours: the Okabe–Ito palette (distinguishable with every common colour-vision deficiency),
 * one meaning per hue across every view, in a light and a dark variant of the neutrals.
 */
import { OKABE_ITO, LRU_COLOURS } from "../../src/api/charts.js";

/** The palette and the LRU lists' colours are the chart definitions' (src/api/charts.ts, which `mmsim run --plot` draws too). */
export { OKABE_ITO, LRU_COLOURS };

export type Theme = "dark" | "light";

/** Colours of the page kinds (PageKind order: hole, free, pcp, anon, file, shmem, pagetable, slab, kernel, reserved, device). */
export function kindColours(theme: Theme): string[] {
  return [
    theme === "dark" ? "#11151a" : "#f4f4f2",
    theme === "dark" ? "#3b424b" : "#d9dcdf",
    OKABE_ITO.yellow,
    OKABE_ITO.blue,
    OKABE_ITO.green,
    OKABE_ITO.purple,
    OKABE_ITO.orange,
    "#A6761D",
    OKABE_ITO.vermillion,
    theme === "dark" ? "#7d7d7d" : "#6b6b6b",
    OKABE_ITO.sky,
  ];
}

export const ZONE_COLOURS: Record<string, string> = { DMA: OKABE_ITO.orange, DMA32: OKABE_ITO.sky, Normal: OKABE_ITO.green, Movable: OKABE_ITO.purple, Device: OKABE_ITO.grey };
/** Migratetypes in enum order: Unmovable, Movable, Reclaimable, HighAtomic, Isolate. */
export const MT_COLOURS = [OKABE_ITO.vermillion, OKABE_ITO.green, OKABE_ITO.sky, OKABE_ITO.yellow, OKABE_ITO.purple];
/** Owners cycle through these; "several" is white/black. */
export const OWNER_COLOURS = [OKABE_ITO.blue, OKABE_ITO.orange, OKABE_ITO.green, OKABE_ITO.purple, OKABE_ITO.vermillion, OKABE_ITO.sky, OKABE_ITO.yellow, "#8c6bb1", "#a6761d", "#66a61e"];

export function rgb(hexColour: string): [number, number, number] {
  const v = parseInt(hexColour.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** Mixes two colours: t = 0 gives a, 1 gives b. */
export function mix(a: string, b: string, t: number): [number, number, number] {
  const x = rgb(a);
  const y = rgb(b);
  return [Math.round(x[0] + (y[0] - x[0]) * t), Math.round(x[1] + (y[1] - x[1]) * t), Math.round(x[2] + (y[2] - x[2]) * t)];
}

/**
 * Page age classes (src/api/inspect.ts AGE_CLASS_NAMES: free, since boot, then decades from
 * < 100 µs to ≥ 10 s): young is bright yellow, old deep blue, through green — a sequential ramp
 * in the cividis manner (ordered by lightness, readable with the common colour-vision
 * deficiencies). Free pages take the free colour; boot-time allocations grey.
 */
export function ageColours(theme: Theme): string[] {
  return [kindColours(theme)[1], theme === "dark" ? "#7d7d7d" : "#6b6b6b", "#FDE725", "#B5DE2B", "#6ECE58", "#35B779", "#1F9E89", "#26828E", "#31688E"];
}
