/**
 * The folder dependency graph docs/architecture.md lists (its ```deps block) is the real one:
 * derived here from every import of every shipped source file under src/ (tests and test
 * helpers left out), each edge of the code must be in the list and each edge of the list in the
 * code, and no cycle may join folders other than the model's own (mm, kernel, arch, fs, which
 * import one another as the kernel's directories do). eslint.config.js enforces the same
 * directions file by file as code is written.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve("src");

/** The graph's node for a file: its folder under src/, or the file itself where the doc names one. */
export function nodeOf(file: string): string {
  const rel = relative(SRC, file).replace(/\\/g, "/");
  if (rel === "api/internals.ts") return "api/internals";
  if (rel === "api/inspect.ts") return "api/inspect";
  return rel.split("/")[0];
}

/** Edges from → to, each with one import that makes it (for messages). */
export type Graph = Map<string, { to: string; via: string }[]>;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts") && !p.endsWith(".testutil.ts")) out.push(p);
  }
  return out;
}

/** The real graph, from every import and re-export (static, type-only and dynamic) of src/. */
export function realGraph(): Graph {
  const g: Graph = new Map();
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const imp of info.importedFiles) {
      if (!imp.fileName.startsWith(".")) continue;
      const target = resolve(dirname(file), imp.fileName).replace(/\.js$/, ".ts");
      const from = nodeOf(file);
      const to = nodeOf(target);
      if (from === to) continue;
      const list = g.get(from) ?? [];
      if (!list.some((e) => e.to === to)) list.push({ to, via: `${relative(SRC, file)} → ${imp.fileName}` });
      g.set(from, list);
    }
  }
  return g;
}

/** The documented graph: the ```deps block of docs/architecture.md, "from -> to to …" per line. */
export function documentedGraph(markdown: string): Map<string, Set<string>> {
  const block = /```deps\n([\s\S]*?)```/.exec(markdown);
  if (!block) throw new Error("docs/architecture.md has no ```deps block");
  const g = new Map<string, Set<string>>();
  for (const raw of block[1].split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const m = /^(\S+)\s*->\s*(.+)$/.exec(line);
    if (!m) throw new Error(`bad deps line: ${raw}`);
    const set = g.get(m[1]) ?? new Set<string>();
    for (const to of m[2].split(/\s+/)) set.add(to);
    g.set(m[1], set);
  }
  return g;
}

/** The model's folders: the one group allowed to import one another both ways. */
const MODEL = new Set(["mm", "kernel", "arch", "fs", "lib", "drivers", "block", "ipc"]);

/** What is wrong with `real` against `documented`: undocumented edges, stale ones, cycles. */
export function problems(real: Graph, documented: Map<string, Set<string>>): string[] {
  const out: string[] = [];
  for (const [from, edges] of real) {
    for (const e of edges) if (!documented.get(from)?.has(e.to)) out.push(`${from} -> ${e.to} is not in docs/architecture.md's graph (${e.via})`);
  }
  for (const [from, tos] of documented) {
    for (const to of tos) if (!real.get(from)?.some((e) => e.to === to)) out.push(`${from} -> ${to} is in docs/architecture.md's graph but no import makes it`);
  }
  // Strongly connected components (Tarjan): a cycle outside the model is a problem.
  const nodes = new Set<string>([...real.keys(), ...[...real.values()].flatMap((l) => l.map((e) => e.to))]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  let n = 0;
  const visit = (v: string): void => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    on.add(v);
    for (const { to: w } of real.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 && scc.some((x) => !MODEL.has(x))) out.push(`import cycle between folders: ${scc.sort().join(", ")}`);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return out;
}

describe("the folder dependency graph", () => {
  const documented = documentedGraph(readFileSync("docs/architecture.md", "utf8"));

  it("is the one docs/architecture.md lists, with no cycle outside the model", () => {
    expect(problems(realGraph(), documented)).toEqual([]);
  });

  it("fails on an edge the list does not have, and on a new cycle", () => {
    const real = realGraph();
    const withEdge: Graph = new Map([...real].map(([k, v]) => [k, [...v]]));
    withEdge.set("procps", [...(withEdge.get("procps") ?? []), { to: "mm", via: "procps/free.ts → ../mm/vmstat.js" }]);
    expect(problems(withEdge, documented)).toContain("procps -> mm is not in docs/architecture.md's graph (procps/free.ts → ../mm/vmstat.js)");
    const withCycle: Graph = new Map([...real].map(([k, v]) => [k, [...v]]));
    withCycle.set("sim", [...(withCycle.get("sim") ?? []), { to: "workload", via: "sim/x.ts → ../workload/runner.js" }]);
    const documentedToo = new Map([...documented].map(([k, v]) => [k, new Set(v)]));
    documentedToo.get("sim")?.add("workload");
    expect(problems(withCycle, documentedToo)).toContain("import cycle between folders: sim, workload");
  });

  it("ships no test helper: the build leaves *.testutil.ts out and no shipped file imports one", () => {
    const build = JSON.parse(readFileSync("tsconfig.build.json", "utf8")) as { exclude: string[] };
    expect(build.exclude).toContain("src/**/*.testutil.ts");
    const importers: string[] = [];
    for (const file of sourceFiles(SRC)) {
      for (const imp of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) if (/\.testutil(\.js)?$/.test(imp.fileName)) importers.push(relative(SRC, file));
    }
    expect(importers).toEqual([]);
  });

  it("keeps src/workload on the engine's public surface: src/sim/index.ts and nothing below it", () => {
    const offending: string[] = [];
    for (const file of sourceFiles(join(SRC, "workload"))) {
      for (const imp of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
        if (!imp.fileName.startsWith(".")) continue;
        const target = relative(SRC, resolve(dirname(file), imp.fileName));
        if (!target.startsWith("workload/") && target !== "sim/index.js") offending.push(`${relative(SRC, file)} → ${imp.fileName}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
