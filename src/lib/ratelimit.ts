/**
 * Rate limiting of kernel messages: at most `burst` callbacks in every `interval`; when a new
 * interval opens, the number suppressed in the last one is reported as
 * "<func>: N callbacks suppressed". Each caller holds its own ratelimit_state where the kernel's
 * DEFINE_RATELIMIT_STATE puts it: warn_alloc's nopage_rs and oom_kill_process's oom_rs are
 * statics of their files (fields of the Kernel here), pr_warn_ratelimited's is a static of the
 * calling function.
 *
 * Worked: burst 10 per 5 s, eleven calls at t = 0 … 1 s print ten and miss one; a call at
 * t = 5.5 s (past begin + interval, strictly) first prints "f: 1 callbacks suppressed", then
 * goes ahead as the first of the new interval.
 *
 * Simplified: time is the simulated clock in nanoseconds where the kernel counts jiffies (an
 * interval ends up to one tick, 4 ms at HZ=250, earlier than in the kernel); no lock, so never
 * the trylock failure that suppresses a message under contention.
 * @kernel lib/ratelimit.c ___ratelimit
 * @kernel include/linux/ratelimit_types.h struct ratelimit_state, DEFAULT_RATELIMIT_INTERVAL,
 *   DEFAULT_RATELIMIT_BURST, RATELIMIT_MSG_ON_RELEASE
 */
import type { Kernel } from "../kernel/kernel.js";
import { KERN_WARNING } from "../kernel/printk.js";

/** DEFAULT_RATELIMIT_INTERVAL: 5 * HZ, 5 s. */
export const DEFAULT_RATELIMIT_INTERVAL_NS = 5e9;
/** DEFAULT_RATELIMIT_BURST. */
export const DEFAULT_RATELIMIT_BURST = 10;
/** Report the suppressed count when the state is released, not when an interval opens. */
export const RATELIMIT_MSG_ON_RELEASE = 1 << 0;

/** One rate limit: DEFINE_RATELIMIT_STATE(name, interval, burst). */
export class ratelimit_state {
  /** False until the first call: the kernel's `!rs->begin` (jiffies never read 0 there). */
  begun = false;
  begin_ns = 0;
  printed = 0;
  missed = 0;
  constructor(
    /** 0 disables the limit: every call goes ahead. */
    readonly interval_ns: number,
    readonly burst: number,
    readonly flags = 0,
  ) {}
}

/**
 * Whether the caller may go ahead (print its message) now. `func` names the caller in the
 * suppressed-callbacks line, as __ratelimit passes __func__.
 * @kernel lib/ratelimit.c ___ratelimit
 */
export function ___ratelimit(k: Kernel, rs: ratelimit_state, func: string): boolean {
  if (!rs.interval_ns) return true;
  if (!rs.begun) {
    rs.begun = true;
    rs.begin_ns = k.now_ns;
  }
  // time_is_before_jiffies(rs->begin + interval): the interval is over strictly after its end.
  if (k.now_ns > rs.begin_ns + rs.interval_ns) {
    if (rs.missed && !(rs.flags & RATELIMIT_MSG_ON_RELEASE)) {
      k.log.printk(KERN_WARNING, `${func}: ${rs.missed} callbacks suppressed`);
      rs.missed = 0;
    }
    rs.begin_ns = k.now_ns;
    rs.printed = 0;
  }
  if (rs.burst && rs.burst > rs.printed) {
    rs.printed++;
    return true;
  }
  rs.missed++;
  return false;
}
