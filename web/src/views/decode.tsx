/**
 * View 7, decode: paste an OOM report or a /proc file (meminfo, buddyinfo, pagetypeinfo, zoneinfo,
 * vmstat, smaps, status, swaps, pressure, memory.stat…) from a real machine and read the
 * decoder's explanation. The text goes to this tab's own worker and nowhere else; the page may
 * load nothing from elsewhere (its Content-Security-Policy says so).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useSession } from "../hooks.js";

/** Largest paste decoded (characters): a long dmesg with many reports still fits. */
const MAX_TEXT = 4 * 1024 * 1024;

export function DecodeView() {
  const s = useSession();
  const [text, setText] = useState("");
  const [out, setOut] = useState<{ kind: string; explanation: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const gen = useRef(0);
  // The helper's worker compiles the model while the user finds the text to paste.
  useEffect(() => s.helper.warm(), [s]);
  useEffect(() => {
    if (text.trim() === "") {
      setOut(null);
      return;
    }
    if (text.length > MAX_TEXT) {
      setOut({ kind: "too large", explanation: `The text is ${text.length.toLocaleString()} characters; the decoder reads at most ${MAX_TEXT.toLocaleString()}. Paste the part around the report.` });
      return;
    }
    const g = ++gen.current;
    setBusy(true);
    const id = setTimeout(() => {
      void s.helper.ask({ type: "decode", text }).then((r) => {
        if (g !== gen.current) return;
        setBusy(false);
        if (r.type === "decoded") setOut({ kind: r.kind, explanation: r.explanation });
      });
    }, 150);
    return () => clearTimeout(id);
  }, [text, s]);
  return (
    <div class="split">
      <div class="panel">
        <h3>paste a real machine's text</h3>
        <textarea class="paste" data-testid="decode-input" placeholder="an OOM report from dmesg or journalctl -k, or /proc/meminfo, /proc/buddyinfo, /proc/zoneinfo, /proc/PID/smaps…" value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} spellcheck={false} />
        <p class="hint">Nothing leaves this browser tab: the decoder runs in its worker.</p>
      </div>
      <div class="panel">
        <h3>{out ? `read as: ${out.kind}` : "explanation"}{busy ? " …" : ""}</h3>
        <pre class="report wrap" data-testid="decode-output">{out?.explanation ?? "The decoder recognises OOM reports of kernels 3.10 to 6.x and most /proc memory files."}</pre>
      </div>
    </div>
  );
}
