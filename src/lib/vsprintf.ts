/**
 * The flag printer of lib/vsprintf.c that `%pGg`, `%pGp` and `%pGv` share: walks a name table in
 * order, printing each entry whose bits are all still set. Pure; used by the model's GFP printer
 * (src/mm/gfp.ts) and by the decoder's printers of older kernels' layouts (src/decode/gfp_eras.ts).
 * @kernel lib/vsprintf.c format_flags
 */

/**
 * The names part of `%pGg`: each table entry whose bits are all still set is printed and its bits
 * cleared, joined by "|"; bits no entry covers are printed last as `0x…`. 0 prints as "".
 * @kernel lib/vsprintf.c format_flags
 */
export function format_flags(flags: number, names: ReadonlyArray<readonly [number, string]>): string {
  let rest = flags >>> 0;
  let out = "";
  for (let i = 0; rest !== 0 && i < names.length; i++) {
    const mask = names[i][0];
    if ((rest & mask) >>> 0 !== mask) continue;
    out += names[i][1];
    rest = (rest & ~mask) >>> 0;
    if (rest !== 0) out += "|";
  }
  if (rest !== 0) out += `0x${rest.toString(16)}`;
  return out;
}
