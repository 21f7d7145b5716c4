/**
 * The process operations the reclaim and multi-gen LRU fuzzers share. Each generated program
 * keeps a list of processes, each with one anonymous region of `regionPages` pages at `base`, and
 * draws writes and reads of a window of it, forks (the child inherits the region) and exits.
 */
import type { Process } from "../../src/sim/process.js";

const PAGE = 4096;

export interface Slot {
  p: Process;
  base: number;
}

/**
 * An operation as the fuzzers' arbitraries make it. fast-check merges records of the same keys
 * into one type ({ op: "fork" | "exit" | "mlock" | "munlock"; who }), so a caller's switch cannot
 * narrow it to these four: the op is checked here instead.
 */
export interface ProcOp {
  op: string;
  page?: number;
  pages?: number;
}

/**
 * Runs `o` on the slot's process; nothing when there is none or it has died, and no fork once
 * `procs` holds `maxSlots` entries. For a write or a read, the pages asked (the window clipped to
 * the region) and the pages the access touched; otherwise null.
 */
export function runProcOp(o: ProcOp, slot: Slot | null | undefined, procs: Array<Slot | null>, regionPages: number, maxSlots: number): { asked: number; touched: number } | null {
  if (!slot || !slot.p.alive) return null;
  if (o.op === "write" || o.op === "read") {
    if (o.page === undefined || o.pages === undefined) throw new Error(`${o.op} without page and pages`);
    const n = Math.min(o.pages, regionPages - o.page);
    const at = slot.base + o.page * PAGE;
    const r = o.op === "write" ? slot.p.write(at, n * PAGE) : slot.p.read(at, n * PAGE);
    return { asked: n, touched: r.pages };
  }
  if (o.op === "fork") {
    if (procs.length < maxSlots) procs.push({ p: slot.p.fork(), base: slot.base });
  } else if (o.op === "exit") {
    slot.p.exit(0);
  } else {
    throw new Error(`runProcOp: not a process operation: ${o.op}`);
  }
  return null;
}
