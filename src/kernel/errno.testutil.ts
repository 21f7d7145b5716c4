import { Errno } from "./errno.js";

/** The errno name (e.g. "EBUSY") a call throws as Errno, or "ok" when it returns. */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof Errno) return e.code;
    throw e;
  }
  return "ok";
}
