/**
 * View 8, the scenario editor: the shipped scenarios, a YAML editor that parses as you type and
 * shows the parser's located error on its line (the same "file:line:col field: message" the CLI
 * prints), a seed, and Run, which opens the scenario in the other views (and in the URL, so the
 * edited scenario can be shared as a link).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useSession } from "../hooks.js";
import { SHIPPED_NAMES, describeShipped, loadShipped, shippedText } from "../scenarios.js";
import type { LocatedError } from "../worker/protocol.js";

/** Largest scenario the editor takes (the CLI's own cap is larger; a URL holds far less). */
const MAX_YAML = 512 * 1024;
const LINE = 18;

export function EditorView() {
  const s = useSession();
  const initial = s.state.scenario.kind === "yaml" ? s.state.scenario.yaml : shippedText(s.state.scenario.name) ?? "";
  const [name, setName] = useState(s.state.scenario.kind === "shipped" ? s.state.scenario.name : "");
  const [text, setText] = useState(initial);
  const [err, setErr] = useState<LocatedError | null>(null);
  const [ok, setOk] = useState<string>("");
  const [seed, setSeed] = useState(s.state.seed === null ? "" : String(s.state.seed));
  const gen = useRef(0);
  // Opened on a shipped scenario whose text has not arrived yet (a link straight to the editor):
  // it fills in when the fetch does, unless the user has typed meanwhile.
  useEffect(() => {
    if (s.state.scenario.kind !== "shipped" || initial !== "") return;
    void loadShipped(s.state.scenario.name).then((t) => setText((cur) => (cur === "" ? t : cur)));
  }, []);

  useEffect(() => {
    const g = ++gen.current;
    if (text.length > MAX_YAML) {
      setErr({ file: "editor.yaml", line: 1, col: 1, field: "", message: `the scenario is ${text.length} characters; the editor takes at most ${MAX_YAML}`, text: "" });
      return;
    }
    const id = setTimeout(() => {
      void s.helper.ask({ type: "parse", yaml: text, file: name ? `scenarios/${name}.yaml` : "editor.yaml" }).then((r) => {
        if (g !== gen.current || r.type !== "parsed") return;
        setErr(r.error);
        setOk(r.error ? "" : `${r.name}: valid`);
      });
    }, 120);
    return () => clearTimeout(id);
  }, [text, name, s]);

  const lines = text.split("\n");
  const seedOk = seed === "" || (/^\d{1,10}$/.test(seed) && Number(seed) <= 2 ** 32 - 1);
  const run = (): void => {
    if (err || !seedOk) return;
    const shipped = name !== "" && shippedText(name) === text;
    s.load({ ...s.state, scenario: shipped ? { kind: "shipped", name } : { kind: "yaml", yaml: text }, seed: seed === "" ? null : Number(seed), t: null, view: "physical", pfn: null, pid: null, addr: null, sysctl: {}, cgroup: {} });
  };
  return (
    <div class="editor">
      <div class="files">
        <h3>shipped scenarios</h3>
        {SHIPPED_NAMES.map((n) => (
          <button
            key={n}
            class={n === name ? "on" : ""}
            title={describeShipped(n)}
            onClick={() => {
              void loadShipped(n).then((t) => {
                setName(n);
                setText(t);
              });
            }}
          >
            {n}
          </button>
        ))}
        <p class="hint">The format: docs/scenarios.md. Every mistake is reported with its line, column and field.</p>
      </div>
      <div>
        <div class="toolbar" style={{ padding: "0 0 8px" }}>
          <b>{name ? `scenarios/${name}.yaml` : "editor.yaml"}</b>
          {name && shippedText(name) !== text && <span class="dim">(edited)</span>}
          <label class="field">
            <span>seed</span>
            <input class={seedOk ? "seed" : "seed bad"} value={seed} placeholder="file's" onInput={(e) => setSeed((e.currentTarget as HTMLInputElement).value.trim())} data-testid="editor-seed" />
          </label>
          <button onClick={run} disabled={err !== null || !seedOk} data-testid="editor-run" title="run it and open the views (ctrl+enter)">
            ▶ run
          </button>
        </div>
        <div class={`errors ${err ? "" : "ok"}`} data-testid="editor-status" role="status">
          {err ? err.text || err.message : ok}
        </div>
        <div class="code">
          <div class="gutter">
            {lines.map((_, i) => (
              <div key={i} class={err && err.line === i + 1 ? "err" : ""}>
                {i + 1}
              </div>
            ))}
          </div>
          <div class="area">
            {err && err.line >= 1 && (
              <>
                <div class="errline" style={{ top: `${8 + (err.line - 1) * LINE}px` }} />
                <div class="errmsg" data-testid="editor-error" style={{ top: `${8 + err.line * LINE}px`, marginLeft: `${Math.min(40, err.col - 1)}ch` }}>
                  ↑ {err.field ? `${err.field}: ` : ""}
                  {err.message}
                </div>
              </>
            )}
            <textarea
              data-testid="editor-text"
              spellcheck={false}
              value={text}
              rows={lines.length + 2}
              onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  run();
                } else if (e.key === "Tab") {
                  e.preventDefault();
                  const ta = e.currentTarget as HTMLTextAreaElement;
                  ta.setRangeText("  ", ta.selectionStart, ta.selectionEnd, "end");
                  setText(ta.value);
                }
              }}
            />
          </div>
        </div>
      </div>
    </div>
  );
}
