/**
 * View 3, address spaces: the processes at the cursor; one process's VMAs drawn to scale with
 * the unmapped gaps between them compressed to a hatched stub (a 128 MiB heap and a 4 KiB vDSO
 * both stay visible), resident share shaded; the pmap -X style table (Rss, Pss, swap per VMA);
 * RSS and swap of every process over the run; Rss, Pss or Swap of each VMA of the chosen process
 * over the run (smaps' numbers, sampled with every recorded map); and the page-table walk of an address:
 * PGD → PUD → PMD → PTE, each entry's index, table page and bits, down to the page it maps.
 */
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useSession } from "../hooks.js";
import { Sparkline } from "../components/sparkline.js";
import { OKABE_ITO, OWNER_COLOURS } from "../palette.js";
import { fmtAddr, fmtBytes, fmtPages, fmtTime, hex } from "../format.js";
import type { MapFrame, PageWalk, VmaInfo } from "../worker/protocol.js";

type VmaMetric = "rssKb" | "pssKb" | "swapKb";
const METRICS: Array<[VmaMetric, string]> = [
  ["rssKb", "Rss"],
  ["pssKb", "Pss"],
  ["swapKb", "Swap"],
];
/** VMAs drawn one line each (the largest by peak); the rest are summed into one line. */
const MAX_VMA_LINES = 8;

/**
 * One process's VMAs over the recorded maps: a line per VMA (by start address and name; a VMA
 * that grows keeps its line, one that is unmapped drops to 0), the largest by peak, the rest summed.
 */
export function vmaSeries(all: readonly MapFrame[], pid: number, metric: VmaMetric): { xs: number[]; lines: Array<{ label: string; ys: number[] }> } {
  const maps = all.filter((m) => m.vmas !== null);
  const keys = new Map<string, { label: string; ys: number[]; peak: number }>();
  maps.forEach((m, i) => {
    const p = m.vmas?.find((x) => x.pid === pid);
    if (!p) return;
    for (const v of p.vmas) {
      const key = `${v.start}:${v.name}`;
      let e = keys.get(key);
      if (!e) {
        e = { label: `${fmtAddr(v.start)} ${v.name || "[ anon ]"}`, ys: new Array<number>(maps.length).fill(0), peak: 0 };
        keys.set(key, e);
      }
      e.ys[i] += v[metric];
      e.peak = Math.max(e.peak, e.ys[i]);
    }
  });
  const byPeak = [...keys.values()].filter((e) => e.peak > 0).sort((a, b) => b.peak - a.peak);
  const lines = byPeak.slice(0, MAX_VMA_LINES).map(({ label, ys }) => ({ label, ys }));
  const rest = byPeak.slice(MAX_VMA_LINES);
  if (rest.length > 0) lines.push({ label: `${rest.length} other VMAs`, ys: maps.map((_, i) => rest.reduce((a, e) => a + e.ys[i], 0)) });
  return { xs: maps.map((m) => m.t), lines };
}

function vmaColour(v: VmaInfo): string {
  if (v.name === "[stack]") return OKABE_ITO.purple;
  if (v.name === "[heap]") return OKABE_ITO.blue;
  if (v.name.startsWith("[")) return OKABE_ITO.grey;
  if (v.name !== "") return OKABE_ITO.green;
  return v.perms.includes("w") ? OKABE_ITO.sky : OKABE_ITO.orange;
}

export function AddressView() {
  const s = useSession();
  const fr = s.frameAt(s.t);
  const exact = s.exactAt();
  const procs = fr?.frame.procs ?? [];
  const pid = s.state.pid ?? procs[0]?.pid ?? null;
  const [vmas, setVmas] = useState<VmaInfo[] | null>(null);
  const [walk, setWalk] = useState<PageWalk | null>(null);
  const [addrText, setAddrText] = useState(s.state.addr !== null ? fmtAddr(s.state.addr) : "");
  const [metric, setMetric] = useState<VmaMetric>("rssKb");

  useEffect(() => {
    setVmas(null);
    if (pid === null || exact === null) return;
    let live = true;
    void s.query<VmaInfo[]>({ type: "vmas", pid }).then((v) => live && setVmas(v));
    return () => {
      live = false;
    };
  }, [pid, exact, s]);

  const addr = s.state.addr;
  useEffect(() => {
    setWalk(null);
    if (pid === null || addr === null || exact === null) return;
    let live = true;
    void s.query<PageWalk>({ type: "walk", pid, addr }).then((w) => live && setWalk(w));
    return () => {
      live = false;
    };
  }, [pid, addr, exact, s]);
  useEffect(() => setAddrText(addr !== null ? fmtAddr(addr) : ""), [addr]);

  if (!fr) return <div class="empty">Booting the machine…</div>;
  const maps = s.maps;
  // Every process seen in the run, for the RSS chart.
  const seen = new Map<number, string>();
  for (const m of maps) for (const p of m.procs) if (!seen.has(p.pid)) seen.set(p.pid, p.comm);
  const xs = maps.map((m) => m.t);
  const rssSeries = [...seen].slice(0, 10).map(([p, comm], i) => ({ label: `${comm}[${p}] rss`, colour: OWNER_COLOURS[i % OWNER_COLOURS.length], ys: maps.map((m) => m.procs.find((x) => x.pid === p)?.rss ?? 0) }));
  const swapTotal = maps.map((m) => m.procs.reduce((a, x) => a + x.swap, 0));

  return (
    <div class="grid2">
      <div class="panel">
        <h3>processes at {fmtTime(fr.frame.t)}</h3>
        <table class="data" data-testid="procs">
          <thead>
            <tr>
              <th class="l">pid</th>
              <th class="l">comm</th>
              <th>RSS</th>
              <th>anon</th>
              <th>swap</th>
              <th>VMAs</th>
              <th>page tables</th>
              <th>oom_score_adj</th>
              <th>faults (maj)</th>
            </tr>
          </thead>
          <tbody>
            {procs.map((p) => (
              <tr key={p.pid} class={p.pid === pid ? "sel" : ""} onClick={() => s.set("pid", p.pid)} style={{ cursor: "pointer" }}>
                <td class="l">{p.pid}</td>
                <td class="l">{p.comm}</td>
                <td>{fmtPages(p.rss)}</td>
                <td>{fmtPages(p.anon)}</td>
                <td>{fmtPages(p.swap)}</td>
                <td>{p.vmas}</td>
                <td>{fmtBytes(p.pgtablesBytes)}</td>
                <td>{p.oomScoreAdj}</td>
                <td>
                  {p.minflt} ({p.majflt})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {procs.length === 0 && <p class="dim">no process with an address space at this time</p>}
      </div>
      <div class="panel">
        <h3>resident set over the run (per recorded map)</h3>
        <Sparkline xs={xs} series={[...rssSeries, { label: "swap (all)", colour: OKABE_ITO.grey, ys: swapTotal }]} unit={fmtPages} />
      </div>
      <div class="panel wide" data-testid="vma-series">
        <div class="toolbar" style={{ padding: 0 }}>
          <h3 style={{ margin: 0 }}>
            {procs.find((p) => p.pid === pid)?.comm ?? "—"}[{pid ?? "—"}]: each VMA's {METRICS.find(([m]) => m === metric)?.[1]} over the run (smaps, per recorded map)
          </h3>
          <div class="seg" role="group" aria-label="VMA metric">
            {METRICS.map(([m, label]) => (
              <button key={m} class={m === metric ? "on" : ""} data-metric={m} onClick={() => setMetric(m)}>
                {label}
              </button>
            ))}
          </div>
        </div>
        {pid === null ? (
          <p class="dim">no process</p>
        ) : (
          (() => {
            const { xs: vxs, lines } = vmaSeries(maps, pid, metric);
            return lines.length === 0 ? (
              <p class="dim" data-testid="vma-series-empty">
                no VMA of this process has {METRICS.find(([m]) => m === metric)?.[1]} at any recorded map
              </p>
            ) : (
              <Sparkline xs={vxs} series={lines.map((l, i) => ({ ...l, colour: OWNER_COLOURS[i % OWNER_COLOURS.length] }))} unit={(v) => fmtBytes(v * 1024)} />
            );
          })()
        )}
      </div>
      <div class="panel wide">
        <h3>address space of {procs.find((p) => p.pid === pid)?.comm ?? "—"}[{pid ?? "—"}] — VMAs to scale, gaps compressed</h3>
        {exact === null ? (
          <p class="dim">{s.playing ? "pause to read the VMAs (the inspector replays the run to the cursor)" : "replaying to the cursor…"}</p>
        ) : vmas === null ? (
          <p class="dim">reading /proc/{pid}/smaps…</p>
        ) : (
          <VmaMap vmas={vmas} addr={addr} onPick={(a) => s.set("addr", a)} />
        )}
        <div class="toolbar" style={{ padding: "6px 0" }}>
          <span class="label">walk the page tables at</span>
          <input
            class="mono"
            style={{ width: 160 }}
            value={addrText}
            placeholder="7f…"
            data-testid="walk-addr"
            onInput={(e) => setAddrText((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key !== "Enter") return;
              const v = addrText.trim().replace(/^0x/i, "");
              if (/^[0-9a-f]{1,12}$/i.test(v)) s.set("addr", parseInt(v, 16));
            }}
          />
          <span class="dim small">an address in hex, Enter; or click a VMA above</span>
        </div>
        {walk && <WalkView walk={walk} />}
        {vmas && (
          <table class="data" data-testid="vmas">
            <thead>
              <tr>
                <th class="l">Address</th>
                <th class="l">Perm</th>
                <th>Size</th>
                <th>Rss</th>
                <th>Pss</th>
                <th>Anonymous</th>
                <th>Swap</th>
                <th>Dirty</th>
                <th>Locked</th>
                <th class="l">Mapping</th>
              </tr>
            </thead>
            <tbody>
              {vmas.map((v) => (
                <tr key={v.start} class={addr !== null && addr >= v.start && addr < v.end ? "sel" : ""} onClick={() => s.set("addr", v.start)} style={{ cursor: "pointer" }}>
                  <td class="l mono">{fmtAddr(v.start)}</td>
                  <td class="l mono">{v.perms}</td>
                  <td>{v.sizeKb} kB</td>
                  <td>{v.rssKb}</td>
                  <td>{v.pssKb}</td>
                  <td>{v.anonKb}</td>
                  <td>{v.swapKb}</td>
                  <td>{v.dirtyKb}</td>
                  <td>{v.lockedKb}</td>
                  <td class="l">{v.name || "[ anon ]"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

/** The VMAs as a bar: widths by the square root of size (so both a heap and a vDSO show), gaps as stubs. */
function VmaMap({ vmas, addr, onPick }: { vmas: VmaInfo[]; addr: number | null; onPick: (a: number) => void }) {
  const weights = vmas.map((v) => Math.sqrt(v.end - v.start));
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const parts: preact.JSX.Element[] = [];
  vmas.forEach((v, i) => {
    if (i > 0 && vmas[i - 1].end < v.start) {
      parts.push(
        <div class="gap" key={`g${i}`} title={`unmapped: ${fmtBytes(v.start - vmas[i - 1].end)}`}>
          ⋯
        </div>,
      );
    }
    const res = v.sizeKb > 0 ? Math.min(1, v.rssKb / v.sizeKb) : 0;
    const hit = addr !== null && addr >= v.start && addr < v.end;
    parts.push(
      <div
        class="vma"
        key={v.start}
        style={{ flex: `${weights[i] / total} 1 0`, background: vmaColour(v), outline: hit ? "2px solid var(--cursor)" : "none", outlineOffset: "-2px" }}
        title={`${v.line}\nRss ${v.rssKb} kB of ${v.sizeKb} kB, swap ${v.swapKb} kB`}
        data-testid="vma"
        onClick={(e) => {
          const r = (e.currentTarget as HTMLDivElement).getBoundingClientRect();
          const f = Math.min(0.999, Math.max(0, (e.clientX - r.left) / r.width));
          onPick(v.start + Math.floor(((v.end - v.start) * f) / 4096) * 4096);
        }}
      >
        <div class="res" style={{ height: `${Math.round(res * 100)}%` }} />
      </div>,
    );
  });
  return (
    <div>
      <div class="vmabar">{parts}</div>
      <div class="small dim">
        {fmtAddr(vmas[0]?.start ?? 0)} … {fmtAddr(vmas[vmas.length - 1]?.end ?? 0)} · widths ∝ √size; the darker band is the resident share · click a VMA to walk an address in it
      </div>
    </div>
  );
}

function WalkView({ walk }: { walk: PageWalk }) {
  const s = useSession();
  const names = ["PGD", "PUD", "PMD", "PTE"];
  const shifts = [39, 30, 21, 12];
  return (
    <div data-testid="walk">
      <h4>
        page-table walk of {fmtAddr(walk.address)} in pid {walk.pid} {walk.vma ? <span class="mono">— {walk.vma}</span> : <span class="warn">— in no VMA (an access would fault with SIGSEGV)</span>}
      </h4>
      <div class="walk">
        {names.map((n, l) => {
          const lv = walk.levels[l];
          return (
            <Fragment key={n}>
              {l > 0 && <span class="arrow">→</span>}
              <div class={`lvl ${lv ? "" : "absent"}`} data-level={n}>
                <b>{n}</b> <span class="dim small">index {lv ? lv.index : (walk.address / 2 ** shifts[l]) & 511} (address bits {shifts[l] + 8}–{shifts[l]})</span>
                {lv ? (
                  <>
                    <div class="small">
                      table page {hex(lv.tablePfn)} · entry → {lv.present || l === 3 ? hex(lv.entryPfn) : "none"}
                    </div>
                    <div class="bits">{lv.bits.length ? lv.bits.map((b) => <span key={b}>{b}</span>) : <span>empty (pte_none)</span>}</div>
                  </>
                ) : (
                  <div class="small dim">not reached</div>
                )}
              </div>
            </Fragment>
          );
        })}
        <span class="arrow">→</span>
        <div class="lvl" data-testid="walk-result">
          <b>result</b>
          <div class="small">
            {walk.result === "mapped" && walk.pfn !== null ? (
              <a
                href="#"
                onClick={(e) => {
                  e.preventDefault();
                  s.state = { ...s.state, pfn: walk.pfn };
                  s.setView("physical");
                }}
              >
                page frame {hex(walk.pfn)} ({walk.page?.kind ?? "page"}) — show it
              </a>
            ) : walk.result === "swap" ? (
              `swapped out: swap entry ${walk.swap}; a touch faults it back in (do_swap_page)`
            ) : walk.result === "none" ? (
              "no page yet: the first touch faults one in (do_anonymous_page)"
            ) : walk.result === "no table" ? (
              "a table on the way is missing: nothing under it was ever touched"
            ) : (
              "no address space"
            )}
          </div>
          {walk.page && <pre class="dump">{walk.page.dump.join("\n")}</pre>}
        </div>
      </div>
    </div>
  );
}
