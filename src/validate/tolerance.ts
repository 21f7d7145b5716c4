/**
 * The tolerance table of `mmsim validate`: for every field it judges, how the model's value and
 * the real kernel's are compared and why that much difference is allowed. It is the one place
 * the numbers live; docs/validate.md shows the same table (`toleranceMarkdown`, checked by a
 * test), and a field that is not in it is shown as information only, never judged.
 *
 * Modes:
 * - `abs`: the value itself (zone sizes, MemTotal, a process's own memory).
 * - `delta`: the change since the same file was read before any process started (`@start.*`).
 *   The model does not model slab, kernel stacks, the initramfs in tmpfs or the guest's own
 *   supervisor, so machine-wide levels differ by a constant; what the scenario's processes did
 *   is the difference from the start.
 *
 * Tolerances:
 * - `exact`: equal.
 * - `rel`: |model − real| ≤ max(pct % of |real|, floor). The percentages are the fidelity the
 *   project documents for that kind of counter (docs/fidelity.md); the floors are what the
 *   guest's own machinery adds that the model's processes do not do (docs/validate.md explains
 *   each).
 */

/**
 * `pcp`: the floor is at least twice what the per-CPU page lists can hold (Σ over zones and CPUs
 * of pcp high + batch, read from the guest's start zoneinfo): pages on those lists count as used,
 * and how full they are at a given moment differs between the two sides by up to that much.
 * `slab`: at the end (where meminfo is read with zoneinfo) the floor grows by what one side holds
 * for reasons the other does not model, as changed since the start: the real kernel's slab and
 * kernel stacks, and the model's shmem copy of each process's program image (the model keeps one
 * image file per process name, /bin/NAME; the guest's workers all run one binary that is in the
 * initramfs from boot).
 * `retry`: the floor grows by the real kernel's major faults in the same span (Δpgmajfault). A
 * fault on a page whose swap read is still in flight waits in folio_lock_or_retry and is taken
 * again, and handle_mm_fault counts PGFAULT both times; whether the read has completed when the
 * task gets there is a race between the device and the CPU, which the TCG guest decides
 * differently from run to run (w5's 12 613 major faults came with ~17 800 retried faults in the
 * realkernel run, v-w5-swap's 12 506 with ~2 100) and the model, whose clustered reads complete
 * together, decides one way (one retry for each major fault that waits). So each major fault may
 * count one fault more or less on either side.
 */
export type Tolerance = { kind: "exact" } | { kind: "rel"; pct: number; floor: number; pcp?: boolean; slab?: boolean; retry?: boolean };

/** The kinds of file the comparator reads. */
export type FileKind = "meminfo" | "vmstat" | "zoneinfo" | "status" | "smaps_rollup" | "swaps" | "oom_score" | "memcg_events" | "memcg_stat" | "memcg_current";

export interface FieldRule {
  file: FileKind;
  /** The field's name as the file prints it; several names share a rule. */
  fields: string[];
  mode: "abs" | "delta";
  tol: Tolerance;
  /** The unit of the floor and the values: "kB", "pages", "bytes" or "" (counts). */
  unit: string;
  why: string;
}

const rel = (pct: number, floor: number, pcp = false, slab = false, retry = false): Tolerance => ({ kind: "rel", pct, floor, ...(pcp ? { pcp } : {}), ...(slab ? { slab } : {}), ...(retry ? { retry } : {}) });
const exact: Tolerance = { kind: "exact" };

/** Every judged field. */
export const TOLERANCES: FieldRule[] = [
  { file: "meminfo", fields: ["MemTotal", "CommitLimit", "SwapTotal"], mode: "abs", tol: exact, unit: "kB", why: "boot frees the same pages (e820, memblock, the initrd's size) and swapon sizes the area from its header" },
  { file: "meminfo", fields: ["AnonPages"], mode: "delta", tol: rel(2, 512), unit: "kB", why: "one page per fault; the floor covers the guest's exec'd program images (a few dozen anonymous pages each) that the model's fixed image approximates" },
  { file: "meminfo", fields: ["MemFree"], mode: "delta", tol: rel(2, 512, true), unit: "kB", why: "as AnonPages, but pages on the per-CPU lists count as used, and how full the lists are (up to pcp high + batch per zone and CPU: 879 pages in a 512 MiB machine's DMA32) differs between the two sides at any moment: the floor is twice that (zoneinfo's free+pcp is the exact check)" },
  { file: "meminfo", fields: ["Committed_AS"], mode: "delta", tol: rel(2, 1024), unit: "kB", why: "mappings are accounted exactly; the floor covers the worker binary's larger data and bss" },
  { file: "meminfo", fields: ["PageTables"], mode: "delta", tol: rel(2, 64), unit: "kB", why: "one page-table page per 2 MiB mapped; the floor is one table page per level for each process's image" },
  { file: "meminfo", fields: ["SwapUsed"], mode: "abs", tol: rel(15, 1024), unit: "kB", why: "SwapTotal − SwapFree: swap slots in use, within 13% on w5 (fidelity.md, chapter 4)" },
  { file: "meminfo", fields: ["Mlocked", "Unevictable"], mode: "delta", tol: rel(2, 64), unit: "kB", why: "mlock faults in and pins exactly the locked range" },
  { file: "vmstat", fields: ["pgfault"], mode: "delta", tol: rel(2, 600, false, false, true), unit: "", why: "one fault per first touch; the floor covers the guest's exec'd workers (~60 faults each) and its supervisor, plus one per real major fault: a fault that finds its page still being read from swap is retried and counted again, a race TCG decides differently from run to run" },
  { file: "vmstat", fields: ["nr_anon_pages"], mode: "delta", tol: rel(2, 128), unit: "pages", why: "as AnonPages" },
  { file: "vmstat", fields: ["nr_free_pages"], mode: "delta", tol: rel(2, 128, true), unit: "pages", why: "as MemFree" },
  { file: "vmstat", fields: ["nr_page_table_pages"], mode: "delta", tol: rel(2, 16), unit: "pages", why: "as PageTables" },
  { file: "vmstat", fields: ["pswpin", "pswpout", "pgmajfault", "workingset_refault_anon"], mode: "delta", tol: rel(5, 100), unit: "", why: "swap traffic: within 5% on w5 (fidelity.md, chapter 4); real runs of the same workload differ by about as much" },
  { file: "vmstat", fields: ["oom_kill"], mode: "delta", tol: exact, unit: "", why: "the OOM killer kills the same number of tasks" },
  { file: "zoneinfo", fields: ["spanned", "present", "managed", "min", "low", "high", "protection"], mode: "abs", tol: exact, unit: "pages", why: "zone sizes, watermarks (without their boost, which fragmentation events raise and kswapd lowers) and lowmem_reserve are computed from the same boot layout" },
  { file: "zoneinfo", fields: ["free+pcp"], mode: "delta", tol: rel(2, 128, false, true), unit: "pages", why: "a zone's free pages plus those on its per-CPU lists: what the scenario's processes took, without the lists' fill; plus (at the end) the real slab's and kernel stacks' change and the model's program-image copies" },
  { file: "swaps", fields: ["Size", "Priority"], mode: "abs", tol: exact, unit: "kB", why: "the area's size and priority come from its header and swapon's flags" },
  { file: "swaps", fields: ["Used"], mode: "abs", tol: rel(15, 1024), unit: "kB", why: "swap slots in use: within 13% on w5 (fidelity.md, chapter 4)" },
  { file: "status", fields: ["RssAnon"], mode: "abs", tol: rel(2, 512), unit: "kB", why: "the scenario's pages plus the image's few anonymous ones; 6.1's split RSS counters lag by up to 64 faults (TASK_RSS_EVENTS_THRESH), which the floor covers for anonymous faults (VmRSS is not judged: file faults map up to 16 pages each, so its lag reaches 4 MiB)" },
  { file: "status", fields: ["VmSwap"], mode: "abs", tol: rel(15, 1024), unit: "kB", why: "as swap Used" },
  { file: "status", fields: ["VmLck"], mode: "abs", tol: exact, unit: "kB", why: "mlock locks exactly the range" },
  { file: "smaps_rollup", fields: ["Anonymous"], mode: "abs", tol: rel(2, 512), unit: "kB", why: "as RssAnon (smaps has no lag)" },
  { file: "smaps_rollup", fields: ["Private_Dirty", "Shared_Dirty", "Rss", "Pss"], mode: "abs", tol: rel(4, 1024), unit: "kB", why: "the scenario's pages plus the program image: a real forked child runs code, so it maps (and shares) up to the binary's ~200 resident pages that the model's child, which executes nothing, leaves unmapped (w2: within 4%, test/scenarios/realkernel.test.ts)" },
  { file: "smaps_rollup", fields: ["Swap"], mode: "abs", tol: rel(15, 1024), unit: "kB", why: "as swap Used" },
  { file: "oom_score", fields: ["oom_score"], mode: "abs", tol: rel(0, 3), unit: "", why: "oom_badness of the same rss and adj: the image difference moves it by at most 3 points" },
  { file: "memcg_events", fields: ["oom", "oom_kill", "oom_group_kill"], mode: "abs", tol: exact, unit: "", why: "a memory cgroup's OOMs and kills (memory.events, .local): the memcg OOM killer runs as often and kills the same tasks (low, high and max count reclaim rounds and charge retries, which timing decides: shown, not judged)" },
  { file: "memcg_current", fields: ["memory.current"], mode: "abs", tol: rel(2, 524288), unit: "bytes", why: "a group's charged pages: as AnonPages, the floor the guest's exec'd worker images (128 pages)" },
  { file: "memcg_stat", fields: ["anon"], mode: "abs", tol: rel(2, 524288), unit: "bytes", why: "a group's anonymous pages: as AnonPages" },
  { file: "memcg_stat", fields: ["pgsteal", "workingset_refault_file", "workingset_refault_anon"], mode: "abs", tol: rel(5, 100), unit: "", why: "a group's reclaimed pages and refaults: as the machine's swap traffic (pswpout, workingset_refault_anon), within 5%" },
];

/** The rule for a field of a file kind, if it is judged. */
export function ruleFor(file: FileKind, field: string): FieldRule | undefined {
  return TOLERANCES.find((r) => r.file === file && r.fields.includes(field));
}

/**
 * Whether a model value is within a rule's tolerance of the real one; `pcpSlack` is twice the
 * per-CPU lists' capacity in the rule's unit (see Tolerance).
 */
export function within(t: Tolerance, model: number, real: number, pcpSlack = 0, slabSlack = 0, retrySlack = 0): boolean {
  if (t.kind === "exact") return model === real;
  return Math.abs(model - real) <= Math.max((t.pct / 100) * Math.abs(real), t.floor + (t.slab ? slabSlack : 0) + (t.retry ? retrySlack : 0), t.pcp ? pcpSlack : 0);
}

/** The tolerance in words; with the run's slacks, the floor as applied. */
export function toleranceText(t: Tolerance, unit: string, slacks?: { pcp: number; slab: number; retry?: number }): string {
  if (t.kind === "exact") return "exact";
  const u = unit ? ` ${unit}` : "";
  let f: string;
  if (slacks) f = `${Math.max(t.floor + (t.slab ? slacks.slab : 0) + (t.retry ? (slacks.retry ?? 0) : 0), t.pcp ? slacks.pcp : 0)}${u}`;
  else f = `${t.floor}${u}${t.pcp ? ", 2 × pcp" : ""}${t.slab ? " + unmodelled" : ""}${t.retry ? " + Δpgmajfault" : ""}`;
  if (t.pct === 0) return `±${f}`;
  return `${t.pct}% (≥ ${f})`;
}

/** An OOM victim's anon-rss: what it had when memory ran out, so as MemFree. */
export const OOM_RSS_TOLERANCE: Tolerance = rel(2, 4096);

/** What else is compared, and how: the rules that are not a field of a file. */
export const OTHER_RULES: Array<{ what: string; rule: string; why: string }> = [
  { what: "each process's fate", rule: "exact", why: "alive, exited with the same code, or killed by the same signal" },
  { what: "steps with expect_error", rule: "exact", why: "the syscall fails with the same errno (or succeeds on both sides)" },
  { what: "OOM kills", rule: "exact", why: "the same number of kills, the same victims in the same order, the same oom_score_adj" },
  { what: "OOM victim's anon-rss", rule: toleranceText(OOM_RSS_TOLERANCE, "kB"), why: "a growing victim has what it got before memory ran out: as MemFree" },
  { what: "OOM report structure", rule: "exact", why: "line by line with numbers, the call trace and registers masked (the shape test of test/realkernel/oom.test.ts)" },
  { what: "pages of each mapping at the end", rule: "exact", why: "the same pages present or swapped (count and digest) in every anonymous mapping both sides have at the same address" },
  { what: "anonymous mappings in captured maps", rule: "exact", why: "the same address ranges and permissions (norandmaps, the same top-down layout)" },
  { what: "kernel panic", rule: "exact", why: "both panic (vm.panic_on_oom) or neither" },
];

/** The table as docs/validate.md shows it. */
export function toleranceMarkdown(): string {
  const L = ["| file | fields | compared | tolerance | why |", "|---|---|---|---|---|"];
  for (const r of TOLERANCES) L.push(`| ${r.file} | ${r.fields.join(", ")} | ${r.mode === "abs" ? "value" : "change since start"} | ${toleranceText(r.tol, r.unit)} | ${r.why} |`);
  for (const o of OTHER_RULES) L.push(`| — | ${o.what} | — | ${o.rule} | ${o.why} |`);
  return L.join("\n") + "\n";
}
