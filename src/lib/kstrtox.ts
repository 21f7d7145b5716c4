/**
 * Parsing user input the way sysfs and proc stores do.
 * @kernel lib/kstrtox.c kstrtobool, kstrtoint, kstrtoull
 */
import { errnoValues } from "../kernel/errno.js";

/**
 * kstrtobool: y/Y/t/T/1 and on are true, n/N/f/F/0 and off false (the first one or two
 * characters decide, so "yes", "true" and "offline" pass); anything else is null (the kernel's
 * -EINVAL).
 * @kernel lib/kstrtox.c kstrtobool
 */
export function kstrtobool(s: string): boolean | null {
  const c = s[0];
  if (c === "y" || c === "Y" || c === "t" || c === "T" || c === "1") return true;
  if (c === "n" || c === "N" || c === "f" || c === "F" || c === "0") return false;
  if (c === "o" || c === "O") {
    const d = s[1];
    if (d === "n" || d === "N") return true;
    if (d === "f" || d === "F") return false;
  }
  return null;
}

/**
 * kstrtoint(s, 0): an optional sign, then decimal, 0x hex or 0 octal digits, and at most one
 * trailing newline (already stripped by strstrip here). -EINVAL or -ERANGE on failure.
 * @kernel lib/kstrtox.c kstrtoint
 */
export function kstrtoint(s: string): number | { err: number } {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return { err: -errnoValues.EINVAL };
  const body = m[2];
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (body.length > 1 && body[0] === "0") v = parseInt(body, 8);
  else v = parseInt(body, 10);
  if (m[1] === "-") v = -v;
  if (v > 2147483647 || v < -2147483648) return { err: -errnoValues.ERANGE };
  return v;
}

/**
 * kstrtoull / kstrtoul / kstrtouint in base 10: an optional '+', decimal digits, at most one
 * trailing newline; -EINVAL for anything else, -ERANGE above `max` (2^64 - 1 for unsigned long,
 * 2^32 - 1 for unsigned int). Compared as digit strings, so no bigint is needed; a value above
 * 2^53 comes back rounded (the callers store page counts and milliseconds).
 * @kernel lib/kstrtox.c kstrtoull, kstrtoul, kstrtouint, _parse_integer
 */
export function kstrtoul10(s: string, max: "ulong" | "uint" = "ulong"): number | { err: number } {
  if (s.endsWith("\n")) s = s.slice(0, -1);
  const m = /^\+?([0-9]+)$/.exec(s);
  if (!m) return { err: -errnoValues.EINVAL };
  const digits = m[1].replace(/^0+(?=.)/, "");
  const limit = max === "ulong" ? "18446744073709551615" : "4294967295";
  if (digits.length > limit.length || (digits.length === limit.length && digits > limit)) return { err: -errnoValues.ERANGE };
  return Number(digits);
}

/**
 * kstrtouint(s, 0): an optional "+", then decimal, 0x hex or 0 octal digits, and at most one
 * trailing newline (sysfs stores pass the buffer as written). -EINVAL for anything else (a "-"
 * included), -ERANGE above UINT_MAX.
 * @kernel lib/kstrtox.c kstrtouint
 */
export function kstrtouint(s: string): number | { err: number } {
  const t = s.endsWith("\n") ? s.slice(0, -1) : s;
  const m = /^\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (!m) return { err: -errnoValues.EINVAL };
  const body = m[1];
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (body.length > 1 && body[0] === "0") v = parseInt(body, 8);
  else v = parseInt(body, 10);
  if (v > 4294967295) return { err: -errnoValues.ERANGE };
  return v;
}
