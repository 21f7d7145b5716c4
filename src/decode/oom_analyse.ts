/**
 * What an OOM report means, derived from what its sections said (oom_sections.ts): the memory
 * picture, why each zone could not serve the allocation (__zone_watermark_ok with
 * lowmem_reserve), totalpages for the constraint, oom_badness recomputed for every task and
 * ranked as select_bad_process ranks them, and the summary in words.
 *
 * @kernel mm/oom_kill.c oom_badness, select_bad_process, constrained_alloc
 * @kernel mm/page_alloc.c __zone_watermark_ok
 * @kernel mm/memcontrol.c mem_cgroup_get_max
 *
 * Simplified: pages are taken to be 4 KiB (true of every x86 report and of most arm64 ones).
 * The watermark check ignores ALLOC_HIGH/ALLOC_HARDER/CMA adjustments and highatomic reserves,
 * which the report does not say were in play; the verdict names the plain min and high marks.
 */
import { zonesAllowed } from "./gfp_eras.js";
import { badnessEraFor, oom_badness, printedScore, rankTasks } from "./badness.js";
import type { BadnessResult, KernelInfo, MemoryPicture, OomReport, PidQuery, ZoneVerdict } from "./types.js";

/** Expands a node list "0-2,4" into node ids. */
export function parseNodeList(s: string | undefined): number[] | undefined {
  if (s === undefined || s === "(null)" || s.trim() === "") return undefined;
  const out: number[] = [];
  for (const part of s.split(",")) {
    const r = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!r) return undefined;
    const a = Number(r[1]);
    const b = r[2] !== undefined ? Number(r[2]) : a;
    for (let n = a; n <= b && out.length < 4096; n++) out.push(n);
  }
  return out;
}

/** Zone types in the order of the kernel's enum zone_type for the report's architecture. */
function zoneTypeOrder(arch: KernelInfo["arch"]): string[] {
  return arch === "i386" ? ["DMA", "Normal", "HighMem", "Movable", "Device"] : ["DMA", "DMA32", "Normal", "Movable", "Device"];
}

/** Derived figures: memory picture, zone verdicts, totalpages, badness ranking, summary. */
export function analyse(rep: OomReport, tableGap: boolean, headerSeen: boolean): void {
  const pic: MemoryPicture = {};
  const mi = rep.meminfo;
  const p2k = (p: number | undefined): number | undefined => (p === undefined ? undefined : p * 4);
  const sum = (...xs: Array<number | undefined>): number | undefined => (xs.every((x) => x === undefined) ? undefined : xs.reduce<number>((a, x) => a + (x ?? 0), 0));
  if (rep.constraint === "memcg" && rep.memcg && Object.keys(rep.memcg.stats).length > 0) {
    const s = rep.memcg.stats;
    const b2k = (b: number | undefined): number | undefined => (b === undefined ? undefined : Math.floor(b / 1024));
    pic.anon_kB = b2k(s.anon) ?? s.rss_kB ?? b2k(s.rss) ?? b2k(s.total_rss);
    pic.file_kB = b2k(s.file) ?? s.cache_kB ?? b2k(s.cache) ?? b2k(s.total_cache);
    pic.shmem_kB = b2k(s.shmem) ?? s.shmem_kB;
    pic.slab_reclaimable_kB = b2k(s.slab_reclaimable);
    pic.slab_unreclaimable_kB = b2k(s.slab_unreclaimable);
    pic.pagetables_kB = b2k(s.pagetables);
    pic.unevictable_kB = b2k(s.unevictable) ?? s.unevictable_kB;
    pic.kernel_stack_kB = b2k(s.kernel_stack);
  } else {
    pic.anon_kB = p2k(sum(mi.active_anon, mi.inactive_anon));
    pic.file_kB = p2k(sum(mi.active_file, mi.inactive_file));
    pic.shmem_kB = p2k(mi.shmem);
    pic.slab_reclaimable_kB = p2k(mi.slab_reclaimable);
    pic.slab_unreclaimable_kB = p2k(mi.slab_unreclaimable);
    pic.pagetables_kB = p2k(mi.pagetables);
    pic.unevictable_kB = p2k(mi.unevictable);
    pic.free_kB = p2k(mi.free);
    pic.kernel_stack_kB = sum(...rep.nodes.map((n) => n.fields.kernel_stack));
  }
  if (rep.totals.total_swap_kB !== undefined) {
    pic.swap_total_kB = rep.totals.total_swap_kB;
    if (rep.totals.free_swap_kB !== undefined) {
      pic.swap_free_kB = rep.totals.free_swap_kB;
      pic.swap_used_kB = rep.totals.total_swap_kB - rep.totals.free_swap_kB;
    }
  }
  if (rep.totals.ram_pages !== undefined) pic.ram_pages = rep.totals.ram_pages;
  if (rep.totals.reserved_pages !== undefined) pic.reserved_pages = rep.totals.reserved_pages;
  // totalram_pages: show_mem's "pages RAM − pages reserved" (reserved = present − managed in
  // 6.1, PageReserved pages in 3.x) matches what the badness used; the zones' managed sum is
  // the fallback when those lines are cut.
  const zonesWithManaged = rep.zones.filter((z) => z.managed_kB !== undefined);
  let totalramBasis = "";
  if (rep.totals.ram_pages !== undefined && rep.totals.reserved_pages !== undefined) {
    pic.totalram_pages = rep.totals.ram_pages - rep.totals.reserved_pages;
    totalramBasis = "pages RAM − pages reserved";
  } else if (zonesWithManaged.length > 0 && zonesWithManaged.length === rep.zones.filter((z) => z.free_kB !== undefined).length) {
    pic.totalram_pages = zonesWithManaged.reduce((a, z) => a + Math.floor(z.managed_kB! / 4), 0);
    totalramBasis = "sum of zone managed";
  }
  for (const k of Object.keys(pic) as Array<keyof MemoryPicture>) if (pic[k] === undefined) delete pic[k];
  rep.picture = pic;

  rep.zoneVerdicts = zoneVerdicts(rep);

  // totalpages for the constraint.
  const notes: string[] = [];
  let totalpages: number | undefined;
  let basis = "";
  const swapPages = rep.totals.total_swap_kB !== undefined ? Math.floor(rep.totals.total_swap_kB / 4) : undefined;
  if (rep.constraint === "memcg") {
    const mc = rep.memcg;
    if (mc?.limit_kB !== undefined) {
      const limit = Math.floor(mc.limit_kB / 4);
      totalpages = limit;
      basis = `memcg limit ${mc.limit_kB}kB = ${limit} pages`;
      const unlimited = (kb: number | undefined): boolean => kb !== undefined && kb >= 2 ** 50;
      if (mc.swap_limit_kB !== undefined) {
        if (mc.swap_limit_kB === 0) basis += " + 0 swap (swap.max 0)";
        else {
          basis += unlimited(mc.swap_limit_kB) ? " + min(swap.max, total swap) (total swap not printed in a memcg report: taken as 0)" : ` + up to ${Math.floor(mc.swap_limit_kB / 4)} swap pages (swap.max, capped by total swap; taken as 0)`;
          notes.push("memcg totalpages also counts swap up to swap.max; the report does not print total swap, so it is left out");
        }
      } else if (mc.memsw_limit_kB !== undefined && !unlimited(mc.memsw_limit_kB) && mc.memsw_limit_kB > mc.limit_kB) {
        const extra = Math.floor((mc.memsw_limit_kB - mc.limit_kB) / 4);
        basis += ` + min(memsw.max − max = ${extra} pages, total swap) (total swap not printed: taken as 0)`;
        notes.push("memcg v1 totalpages adds swap headroom up to memsw.max − max, capped by total swap, which the report does not print");
      }
      if (unlimited(mc.limit_kB)) notes.push("the memcg that ran out has no memory.max of its own (limit printed as the page counter maximum)");
    } else basis = "memcg limit not printed";
  } else if (rep.constraint === "cpuset" || rep.constraint === "mempolicy") {
    const nodes = parseNodeList(rep.constraint === "mempolicy" ? (rep.context?.nodemask ?? rep.trigger.nodemask) : (rep.context?.mems_allowed ?? rep.trigger.mems_allowed));
    const present = rep.zones.filter((z) => z.present_kB !== undefined && (nodes === undefined || nodes.includes(z.node ?? 0)));
    if (nodes && present.length > 0) {
      const pres = present.reduce((a, z) => a + Math.floor(z.present_kB! / 4), 0);
      totalpages = pres + (swapPages ?? 0);
      basis = `present pages of nodes ${nodes.join(",")} (${pres}) + total swap (${swapPages ?? "not printed, 0"})`;
    } else basis = `present pages of the allowed nodes (${nodes ? nodes.join(",") : "unknown"}) + swap: zone lines not printed`;
  } else {
    if (pic.totalram_pages !== undefined) {
      totalpages = pic.totalram_pages + (swapPages ?? 0);
      basis = `totalram_pages ${pic.totalram_pages} (${totalramBasis}) + total swap ${swapPages ?? "not printed, taken as 0"}`;
      if (swapPages === undefined) notes.push("'Total swap' not in the report: totalpages leaves swap out");
    } else basis = "RAM and swap totals not printed";
  }

  // Victim/kernel pick and a cross-check with the pre-5.1 printed score, which also tells
  // whether uid 0 held CAP_SYS_ADMIN (root bonus) — containers run as uid 0 without it.
  const pick = rep.selection?.pid ?? rep.victim?.pid ?? rep.context?.pid;
  const k = rep.kernel;
  const { era, ambiguous } = badnessEraFor(k.range, k.version);
  let rootCap = rep.constraint !== "memcg";
  if (rep.selection?.score !== undefined && era !== "6.1") {
    const row = rep.tasks.find((r) => r.pid === rep.selection!.pid);
    const s = rep.selection.score;
    if (row && totalpages !== undefined) {
      const fits = (cap: boolean): boolean => {
        const b = oom_badness(row, totalpages!, era, cap);
        return b !== null && printedScore(b.points, totalpages!, era) === s;
      };
      if (fits(rootCap)) notes.push(`the printed score ${s} of pid ${row.pid} matches the recomputation with totalpages ${totalpages}`);
      else if (fits(!rootCap)) {
        rootCap = !rootCap;
        notes.push(`the printed score ${s} of pid ${row.pid} matches only ${rootCap ? "with" : "without"} the root bonus`);
      } else {
        const b = oom_badness(row, totalpages, era, rootCap);
        notes.push(`the printed score ${s} differs from the recomputed ${b ? printedScore(b.points, totalpages, era) : "?"}: swap, a limit or memory the report does not show`);
      }
    } else if (row && (row.oom_score_adj ?? 0) === 0 && era !== "normalized") {
      const b = oom_badness(row, 1_000_000, era, false);
      if (b && s > 0) {
        const lo = Math.floor((b.points * 1000) / (s + 1)) + 1;
        const hi = Math.floor((b.points * 1000) / s);
        totalpages = Math.round((lo + hi) / 2);
        basis = `back-solved from the printed score ${s} of pid ${row.pid}: ${lo}..${hi} pages`;
      }
    }
  }
  const pickInTable = pick === undefined || rep.tasks.some((r) => r.pid === pick);
  const tableComplete = headerSeen && rep.tasks.length > 0 && !tableGap && pickInTable;
  if (headerSeen && rep.tasks.length > 0 && !pickInTable) notes.push(`the kernel's pick (pid ${pick}) is not in the table: the table was cut`);
  if (tableGap) notes.push("the paste leaves lines out inside the report; the table may be incomplete");
  const laterWinsTies = era === "6.1";
  const rankIn: Parameters<typeof rankTasks>[0] = { rows: rep.tasks, totalpagesBasis: basis, era, eraAmbiguous: ambiguous, laterWinsTies, tableComplete, notes, rootCap };
  if (totalpages !== undefined) rankIn.totalpages = totalpages;
  if (pick !== undefined) rankIn.kernelPick = pick;
  const bad: BadnessResult = rankTasks(rankIn);
  // /proc/PID/oom_score always scales by the global totalpages; under another constraint the
  // ranking's totalpages differs, so the figure would mislead.
  if (rep.constraint !== "global") for (const r of bad.rows) delete r.oom_score;
  if (rep.oomGroup) bad.notes.push(`memory.oom.group is set on ${rep.oomGroup}: every task in it is killed, not only the top scorer`);
  if (rep.selection && rep.victim && rep.victim.pid !== rep.selection.pid) bad.notes.push(`pid ${rep.selection.pid} was selected but its child pid ${rep.victim.pid} was killed in its place ("or sacrifice child", before 5.1)`);
  rep.badness = bad;
  rep.summary = summarize(rep);
}

function zoneVerdicts(rep: OomReport): ZoneVerdict[] {
  const out: ZoneVerdict[] = [];
  if (rep.constraint === "memcg") return out;
  const gfp = rep.trigger.gfp;
  const order = Math.max(0, rep.trigger.order ?? 0);
  const names = [...new Set(rep.zones.map((z) => z.name))];
  const allowedNames = gfp ? zonesAllowed(gfp.highestZone, names) : names;
  const types = zoneTypeOrder(rep.kernel.arch);
  // highest_zoneidx: the zone type the mask reaches, in the kernel's enum (lowmem_reserve index).
  let classIdx: number | undefined;
  if (gfp) {
    const hz = gfp.highestZone === "HighMem" && rep.kernel.arch !== "i386" ? "Normal" : gfp.highestZone === "DMA32" && rep.kernel.arch === "i386" ? "Normal" : gfp.highestZone;
    classIdx = types.indexOf(hz);
  }
  const nodeLimit =
    rep.constraint === "cpuset"
      ? parseNodeList(rep.context?.mems_allowed ?? rep.trigger.mems_allowed)
      : rep.constraint === "mempolicy"
        ? parseNodeList(rep.context?.nodemask ?? rep.trigger.nodemask)
        : undefined;
  for (const z of rep.zones) {
    if (z.free_kB === undefined && !z.buddy) continue;
    const v: ZoneVerdict = { zone: z.name, allowed: allowedNames.includes(z.name), why: "" };
    if (z.node !== undefined) v.node = z.node;
    if (nodeLimit && !nodeLimit.includes(z.node ?? 0)) {
      v.allowed = false;
      v.why = `node ${z.node ?? 0} is outside the allowed nodes ${nodeLimit.join(",")}`;
      out.push(v);
      continue;
    }
    const free = z.free_kB ?? z.buddy?.total_kB;
    if (free !== undefined) v.free_kB = free;
    if (z.min_kB !== undefined) v.min_kB = z.min_kB;
    if (z.high_kB !== undefined) v.high_kB = z.high_kB;
    const reservePages = classIdx !== undefined && z.lowmem_reserve ? z.lowmem_reserve[classIdx] : undefined;
    if (reservePages !== undefined) v.reserve_kB = reservePages * 4;
    if (z.buddy) {
      let blocks = 0;
      for (let o = order; o < z.buddy.counts.length; o++) blocks += z.buddy.counts[o];
      v.blocksAtOrder = blocks;
    }
    if (!v.allowed) {
      v.why = gfp ? `${gfp.names || gfp.hex} may not use ${z.name} (highest zone ${zoneLabel(gfp.highestZone, rep.kernel.arch)})` : "not allowed";
      out.push(v);
      continue;
    }
    const res = v.reserve_kB ?? 0;
    // __zone_watermark_ok: free - (2^order - 1) pages must exceed mark + lowmem_reserve.
    const usable = free !== undefined ? free - ((1 << order) - 1) * 4 : undefined;
    if (usable !== undefined && v.min_kB !== undefined) v.aboveMin = usable > v.min_kB + res;
    if (usable !== undefined && v.high_kB !== undefined) v.aboveHigh = usable > v.high_kB + res;
    const parts: string[] = [];
    if (v.aboveMin === false) {
      parts.push(res > 0 && usable !== undefined && v.min_kB !== undefined && usable > v.min_kB
        ? `free ${free}kB is above min ${v.min_kB}kB, but lowmem_reserve[${classIdx}] holds back ${res}kB of this zone from allocations that may also use ${types[classIdx ?? 2] ?? "a higher zone"}`
        : `free ${free}kB ≤ min ${v.min_kB}kB${res ? ` + lowmem_reserve ${res}kB` : ""}: below the min watermark`);
    } else if (v.aboveMin === true && v.aboveHigh === false) {
      parts.push(`free ${free}kB is above min ${v.min_kB}kB${res ? ` + reserve ${res}kB` : ""} but not above high ${v.high_kB}kB, the mark the last attempt before the OOM kill uses`);
    } else if (v.aboveHigh === true) {
      parts.push(`free ${free}kB is above the high watermark now (memory freed after the failure, or per-cpu/atomic reserves)`);
    }
    if (order > 0 && v.blocksAtOrder !== undefined) {
      parts.push(v.blocksAtOrder === 0 ? `no free block of order ≥ ${order} (${4 << order}kB): fragmented` : `${v.blocksAtOrder} free block(s) of order ≥ ${order}`);
    }
    if (z.all_unreclaimable) parts.push("reclaim gave up on it (all_unreclaimable)");
    v.why = parts.join("; ") || "no watermark figures printed";
    out.push(v);
  }
  return out;
}

function kb(n: number | undefined): string {
  if (n === undefined) return "?";
  if (n >= 10 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} GiB`;
  if (n >= 10 * 1024) return `${(n / 1024).toFixed(1)} MiB`;
  return `${n} kB`;
}

/** The highest zone as this machine names it: __GFP_HIGHMEM means Normal on 64-bit. */
function zoneLabel(z: string, arch: KernelInfo["arch"]): string {
  return z === "HighMem" && arch !== "i386" ? "Normal (no HighMem on 64-bit)" : z;
}

function summarize(rep: OomReport): string[] {
  const out: string[] = [];
  const t = rep.trigger;
  if (t.comm) {
    const g = t.gfp;
    out.push(
      `${t.comm}${t.pid !== undefined ? ` (pid ${t.pid})` : ""} asked for ${t.order !== undefined ? `an order-${t.order} block (${kb(((t.requestBytes ?? 4096) / 1024) | 0)})` : "memory"}` +
        (g ? ` with gfp_mask ${g.hex} = ${g.names || "(no flags)"} [${g.era} layout], zones up to ${zoneLabel(g.highestZone, rep.kernel.arch)}, from ${g.migratetype} pageblocks` : "") +
        (t.oom_score_adj !== undefined ? `, itself at oom_score_adj ${t.oom_score_adj}` : "") + ".",
    );
  } else out.push("The report's header (the trigger line) is missing.");
  switch (rep.constraint) {
    case "memcg": {
      const m = rep.memcg;
      out.push(
        `Memory cgroup OOM in ${rep.context?.oom_memcg ?? m?.limitCgroup ?? m?.statsPath ?? "an unnamed cgroup"}` +
          (m?.usage_kB !== undefined ? `: usage ${kb(m.usage_kB)} reached the limit ${m.limit_kB !== undefined && m.limit_kB < 2 ** 50 ? kb(m.limit_kB) : "(max)"}, failcnt ${m.failcnt}` : "") +
          ". The host may have had free memory; only this group's limit counted.",
      );
      break;
    }
    case "cpuset":
      out.push(`cpuset OOM: the task may only use nodes ${rep.context?.mems_allowed ?? rep.trigger.mems_allowed ?? "?"} (cpuset ${rep.context?.cpuset ?? rep.trigger.cpuset ?? "?"}).`);
      break;
    case "mempolicy":
      out.push(`mempolicy OOM: the allocation was bound to nodes ${rep.context?.nodemask ?? rep.trigger.nodemask ?? "?"}.`);
      break;
    case "global":
      out.push("Global OOM: the whole machine ran out of memory the allocation could use.");
      break;
    default:
      out.push(`Constraint ${rep.constraintName ?? "unknown"}.`);
  }
  const bad = rep.zoneVerdicts.filter((v) => v.allowed);
  if (rep.zoneVerdicts.length > 0 && bad.length === 0)
    out.push("No zone the report shows may serve this allocation (mask or node limits): reclaim cannot help, and killing a task frees only memory this allocation cannot use.");
  if (bad.length > 0) out.push(`Allowed zones: ${bad.map((v) => `${v.node !== undefined ? `node ${v.node} ` : ""}${v.zone}: ${v.why}`).join(" | ")}.`);
  const p = rep.picture;
  const parts: string[] = [];
  if (p.anon_kB !== undefined) parts.push(`anon ${kb(p.anon_kB)}`);
  if (p.file_kB !== undefined) parts.push(`file ${kb(p.file_kB)}`);
  if (p.shmem_kB !== undefined) parts.push(`shmem ${kb(p.shmem_kB)}`);
  if (p.slab_unreclaimable_kB !== undefined) parts.push(`unreclaimable slab ${kb(p.slab_unreclaimable_kB)}`);
  if (p.pagetables_kB !== undefined) parts.push(`page tables ${kb(p.pagetables_kB)}`);
  if (p.swap_total_kB !== undefined) parts.push(p.swap_total_kB === 0 ? "no swap" : `swap ${kb(p.swap_used_kB)} used of ${kb(p.swap_total_kB)}`);
  if (parts.length > 0) out.push(`Memory: ${parts.join(", ")}.`);
  const b = rep.badness;
  const v = rep.victim;
  if (v) out.push(`Killed pid ${v.pid} (${v.comm ?? "?"}): anon-rss ${kb(v.anon_rss_kB)}, file-rss ${kb(v.file_rss_kB)}, shmem-rss ${kb(v.shmem_rss_kB)}${v.oom_score_adj !== undefined ? `, oom_score_adj ${v.oom_score_adj}` : ""}.`);
  else if (rep.panic) out.push(`No victim: ${rep.panic}.`);
  if (b.chosen) {
    out.push(
      `Recomputed oom_badness${b.totalpages !== undefined ? ` (totalpages ${b.totalpages})` : ""}: pid ${b.chosen.pid} (${b.chosen.name}) scores ${b.chosen.points}` +
        (b.runnerUp ? `, runner-up pid ${b.runnerUp.pid} (${b.runnerUp.name}) ${b.runnerUp.points}` : "") +
        (b.agrees === true ? "; this matches the kernel's choice." : b.agrees === false ? "; the kernel chose differently (see notes)." : "."),
    );
    if (b.spareAdj !== undefined) out.push(`An oom_score_adj of ${b.spareAdj} or lower would have spared pid ${b.chosen.pid}; the runner-up would have gone instead.`);
  }
  return out;
}

/** Where `pid` stood in the report's ranking, and the oom_score_adj that would flip it (`--pid`). */
export function pidQuery(r: OomReport, pid: number): PidQuery {
  const row = r.badness.rows.find((x) => x.pid === pid);
  if (!row) return { pid, inTable: false, text: `pid ${pid}: not in this report's task table` };
  const q: PidQuery = { pid, inTable: true, name: row.name, eligible: row.eligible, chosen: r.badness.chosen?.pid === pid, points: row.points, text: "" };
  if (row.rank !== undefined) q.rank = row.rank;
  if (row.pivotAdj !== undefined) q.pivotAdj = row.pivotAdj;
  if (!row.eligible) q.text = `pid ${pid} (${row.name}): oom_score_adj -1000, never a candidate`;
  else if (q.chosen)
    q.text = `pid ${pid} (${row.name}) was the top scorer (${row.points} points)${row.pivotAdj !== undefined ? `; oom_score_adj ${row.pivotAdj} or lower would have spared it` : "; no oom_score_adj above -1000 would have spared it"}`;
  else
    q.text =
      `pid ${pid} (${row.name}) ranked #${row.rank ?? "?"} with ${row.points} points` +
      (row.pivotAdj !== undefined ? `; it would have been chosen at oom_score_adj ${row.pivotAdj} or higher` : "; even oom_score_adj 1000 would not have made it the victim");
  return q;
}
