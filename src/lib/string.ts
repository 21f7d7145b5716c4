/**
 * String helpers of lib/string.c.
 * @kernel lib/string.c sysfs_streq
 */

/**
 * Equal strings, but for one trailing newline on either side: what a sysfs store compares a
 * written value with ("madvise\n" matches "madvise").
 * @kernel lib/string.c sysfs_streq
 */
export function sysfs_streq(a: string, b: string): boolean {
  return a.replace(/\n$/, "") === b.replace(/\n$/, "");
}
