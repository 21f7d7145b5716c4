/**
 * Parsing user input the way sysfs and proc stores do.
 * @kernel lib/kstrtox.c kstrtobool
 */

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
