/**
 * The JSON of a decode result (`mmsim decode --json`): as JSON.stringify, except that u64
 * values held as bigint (see U64 in types.ts) are written as plain JSON numbers with every
 * digit, and -Infinity (an index the kernel prints as -1000 thousandths' "would succeed") as null.
 */

/** `value` as JSON, indented by `indent` spaces. */
export function toJson(value: unknown, indent = 2): string {
  const big: string[] = [];
  // A marker for each bigint, made unique against the data: a string already holding the
  // marker's prefix makes the prefix longer.
  let prefix = "__u64_";
  const probe = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? 0 : v));
  while (probe.includes(prefix)) prefix = `_${prefix}`;
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === "bigint") {
        big.push(v.toString());
        return `${prefix}${big.length - 1}__`;
      }
      return v === Number.NEGATIVE_INFINITY ? null : v;
    },
    indent,
  );
  if (big.length === 0) return text;
  return text.replace(new RegExp(`"${prefix}(\\d+)__"`, "g"), (_m, i: string) => big[Number(i)]);
}
