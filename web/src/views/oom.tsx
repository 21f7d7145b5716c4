/**
 * View 6, OOM: the OOM killer's report as the model printed it to the kernel log, beside the
 * decoder's explanation of that same text — the badness of every task, the victim, the
 * runner-up, and what oom_score_adj would have changed — exactly what `mmsim decode` says of a
 * real machine's report.
 */
import { useSession } from "../hooks.js";
import { FnLink } from "../source.js";

/** The OOM reports' lines of a kernel log: from "invoked oom-killer" to the kill line. */
function oomReports(dmesg: string): string {
  const out: string[] = [];
  let inside = false;
  for (const l of dmesg.split("\n")) {
    if (l.includes("invoked oom-killer")) inside = true;
    if (inside || /oom_reaper: reaped process/.test(l)) out.push(l);
    if (inside && /[Oo]ut of memory: Killed process/.test(l)) inside = false;
  }
  return out.join("\n");
}

export function OomView() {
  const s = useSession();
  const sum = s.summary;
  if (!sum) return <div class="empty">{s.status === "recording" ? "The run is still going; the OOM view reads its kernel log at the end." : "No run."}</div>;
  const report = oomReports(sum.dmesg);
  if (report.trim() === "") {
    return (
      <div class="empty">
        This run never ran out of memory. Open the <a href="#" onClick={(e) => { e.preventDefault(); s.load({ ...s.state, scenario: { kind: "shipped", name: "oom-badness" }, t: null, seed: null, view: "oom", sysctl: {}, cgroup: {} }); }}>oom-badness</a> scenario to see the OOM killer choose.
      </div>
    );
  }
  const victims = sum.oomVictims;
  return (
    <div class="split">
      <div class="panel">
        <h3>the report the model printed (dmesg) — <FnLink name="dump_header" />, <FnLink name="oom_kill_process" /></h3>
        <pre class="report" data-testid="oom-report">
          {report.split("\n").map((l, i) => (
            <div key={i} class={/Killed process|oom-kill:/.test(l) ? "victim" : ""}>
              {l || " "}
            </div>
          ))}
        </pre>
      </div>
      <div class="panel">
        <h3>the decoder's explanation — <FnLink name="oom_badness" /></h3>
        {victims.length > 0 && <p data-testid="oom-victim">Killed: {victims.join(", ")}</p>}
        <pre class="report wrap" data-testid="oom-explanation">{sum.oomExplanation}</pre>
      </div>
    </div>
  );
}
