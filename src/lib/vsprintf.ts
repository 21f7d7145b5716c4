/**
 * The printf extensions of lib/vsprintf.c the model's output uses.
 * @kernel lib/vsprintf.c bitmap_list_string
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
