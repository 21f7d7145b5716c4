/**
 * The printf extensions of lib/vsprintf.c the model's output uses: the flag printer that `%pGg`,
 * `%pGp` and `%pGv` share (used by the model's GFP printer, src/mm/gfp.ts, and by the decoder's
 * printers of older kernels' layouts, src/decode/gfp_eras.ts), and `%*pbl` bitmap lists.
 * @kernel lib/vsprintf.c format_flags, bitmap_list_string
 */

/**
 * `%*pbl`: the set bits of a bitmap as ranges, "0-3,6,8-9"; an empty bitmap prints "". The
 * bits may come in any order and repeat.
 * @kernel lib/vsprintf.c bitmap_list_string
 */
export function bitmap_list_string(bits: Iterable<number>): string {
  const s = [...new Set(bits)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

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
