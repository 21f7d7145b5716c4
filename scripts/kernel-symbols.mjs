#!/usr/bin/env node
// Generates web/src/generated/kernel-symbols.json: where each kernel name the project cites is
// defined in Linux 6.1 (file and line) — the record test/explorer/kernel-symbols.test.ts checks
// every @kernel tag against — and from it web/src/generated/explorer-symbols.json, the part the
// explorer ships for its links to the source: only the names it can show (explorerNames below:
// ~150 of ~2400, 2 kB gzipped where the whole table was 27 kB). Run it by hand when @kernel tags
// or the explorer's function lists change:
//
//   node scripts/kernel-symbols.mjs /path/to/linux-source-6.1   (or LINUX_SRC=/path/to/it)
//   node scripts/kernel-symbols.mjs --explorer   (only the explorer's part, from the whole table)
//
// The names: every name in an `@kernel <file> <name>, <name>…` tag under src/ (a tag may go on
// over the next comment lines), the functions the explorer names (chapters' `fns: [...]` lists,
// worker/tracepoints.ts), and the functions the runner's timeline names ("fn(), file").
// A name is looked up in the file its tag gives first, then in the whole tree: a function or
// SYSCALL_DEFINE definition, a struct/enum/union definition, a #define, an enum constant, or a
// global variable. Names found nowhere are listed under "unresolved" (test/explorer/
// kernel-symbols.test.ts fails on them), with the tag that cited them.
//
// The source is Debian's linux-source-6.1, which is upstream 6.1.<SUBLEVEL> plus Debian's
// patches; the links name the matching upstream tag (v6.1.<SUBLEVEL>), so lines agree except in
// the few files Debian patches.
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const explorerOnly = process.argv[2] === "--explorer";
const linux = (explorerOnly ? undefined : process.argv[2]) ?? process.env.LINUX_SRC ?? "";
const out = join(root, "web/src/generated/kernel-symbols.json");
const explorerOut = join(root, "web/src/generated/explorer-symbols.json");

function walk(dir, pred, acc = []) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (e !== "node_modules" && e !== "generated") walk(p, pred, acc);
    } else if (pred(p)) acc.push(p);
  }
  return acc;
}

/** The @kernel tags of one source text: [{ file, names, where }]. The test reads src/ with it too. */
export function parseTags(text, where) {
  const tags = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /@kernel\s+(\S+)\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    let rest = m[2];
    // Continuation: following comment lines indented deeper than " * " that start no new tag.
    for (let j = i + 1; j < lines.length; j++) {
      const c = /^\s*\*\s{2,}(\S.*)$/.exec(lines[j]);
      if (!c || c[1].startsWith("@")) break;
      if (!/,\s*$/.test(rest)) break;
      rest += " " + c[1];
    }
    // A tag may name several files: "mm/a.c f, g, include/linux/b.h h" → (mm/a.c: f, g), (include/linux/b.h: h).
    let file = m[1].replace(/,$/, "");
    let names = [];
    const flush = () => {
      if (names.length) tags.push({ file, names, where: `${where}:${i + 1}` });
      names = [];
    };
    for (const part of splitParts(rest)) {
      const f = /^([\w.-]+\/[\w./-]+\.[a-z]+)\s*(.*)$/.exec(part);
      if (f) {
        flush();
        file = f[1];
        names.push(...namesOf(f[2]));
      } else names.push(...namesOf(part));
    }
    flush();
  }
  return tags;
}

// The names of a tag's list: "a, b (note), struct c, SYSCALL_DEFINE2(swapon)" gives a, b, c, SYSCALL_DEFINE2(swapon).
function splitParts(rest) {
  return rest.replace(/\*\/.*$/, "").replace(/\([^()]*[\s=][^()]*\)/g, "").split(",").map((x) => x.trim()).filter(Boolean);
}

export function namesOf(rest) {
  // Drop the comment close, then parenthesised notes: "(the time slice …)", "(smaps = true, …)".
  const s = rest.replace(/\*\/.*$/, "").replace(/\([^()]*[\s=][^()]*\)/g, "");
  const names = [];
  for (let part of s.split(",")) {
    part = part.trim().replace(/^(struct|enum|union)\s+/, "").replace(/\(\)$/, "");
    const sys = /^(SYSCALL_DEFINE\d\(\w+\))/.exec(part);
    if (sys) {
      names.push(sys[1]);
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(part);
    if (m) names.push(m[1]);
  }
  return names;
}

function defRegexes(name) {
  const n = name.replace(/[()]/g, "\\$&");
  const sys = /^SYSCALL_DEFINE\d\((\w+)\)$/.exec(name) ?? /^sys_(\w+)$/.exec(name);
  if (sys) return [new RegExp(`^SYSCALL_DEFINE\\d\\(${sys[1]}\\b`)];
  // A family named by its prefix ("RLIMIT_", "___GFP_"): its first #define or enum constant.
  if (name.endsWith("_")) return [new RegExp(`^#\\s*define\\s+${n}\\w+`), new RegExp(`^\\s+${n}\\w+\\s*[,=]`)];
  // PageBuddy and friends come out of PAGE_TYPE_OPS / PAGEFLAG macros.
  const pf = /^(?:Page|SetPage|ClearPage|folio_test_)(\w+)$/.exec(name);
  const extraRes = pf ? [new RegExp(`^(?:PAGE_TYPE_OPS|PAGEFLAG|TESTPAGEFLAG|__PAGEFLAG|PAGEFLAG_FALSE)\\(${pf[1]}\\b`, "i")] : [];
  // A syscall named plainly ("brk", "swapoff") is its SYSCALL_DEFINE when there is no function.
  const asSyscall = new RegExp(`^SYSCALL_DEFINE\\d\\(${n},`);
  return [
    ...extraRes,
    // a function definition: the name and "(" on a line that is not a statement, and no ";" at the end
    new RegExp(`^(?!\\s)(?!.*;\\s*$)(?:[\\w\\s\\*]+\\s\\**)?${n}\\s*\\(`),
    // (its brace may follow a comment or sit on the next line: "struct shmid_kernel /* private to the kernel */")
    new RegExp(`^(?:struct|enum|union)\\s+${n}\\s*(?:/\\*.*\\*/\\s*)?(?:\\{|$)`),
    new RegExp(`^#\\s*define\\s+${n}\\b`),
    new RegExp(`^\\s+${n}\\s*(?:=[^=].*)?,?\\s*(?:/\\*.*)?$`),
    new RegExp(`^(?!\\s)(?:static\\s+)?(?:const\\s+)?[\\w\\s\\*]+\\b${n}\\s*(?:\\[[^\\]]*\\])*\\s*(?:__\\w+\\s*)*(?:=|;)`),
    asSyscall,
    new RegExp(`^(?:DEFINE_\\w+|EXPORT_\\w+|DECLARE_\\w+)\\(${n}\\b`),
    new RegExp(`^(?:TRACE_EVENT|DEFINE_EVENT)\\(\\w*,?\\s*${n}\\b`),
  ];
}

const fileCache = new Map();
function lines(rel) {
  if (!fileCache.has(rel)) {
    try {
      fileCache.set(rel, readFileSync(join(linux, rel), "utf8").split("\n"));
    } catch {
      fileCache.set(rel, null);
    }
  }
  return fileCache.get(rel);
}

function findIn(rel, name) {
  const ls = lines(rel);
  if (!ls) return null;
  const res = defRegexes(name);
  for (const re of res) {
    for (let i = 0; i < ls.length; i++) if (re.test(ls[i])) return i + 1;
  }
  return null;
}

function findAnywhere(name) {
  const bare = name.replace(/\(.*$/, "");
  let hits;
  try {
    hits = execFileSync("grep", [name.endsWith("_") ? "-rl" : "-rlw", "--include=*.c", "--include=*.h", bare, "mm", "include", "kernel", "fs", "arch/x86", "lib", "init", "drivers/base", "drivers/char", "block", "security"], { cwd: linux, encoding: "utf8", maxBuffer: 64 << 20 }).split("\n").filter(Boolean);
  } catch {
    return null;
  }
  // Prefer mm/, then other .c files, then headers.
  hits.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const rel of hits) {
    const line = findIn(rel, name);
    if (line) return [rel, line];
  }
  return null;
}
function rank(p) {
  // Definitions in .c files before header stubs (a header's static inline is often the !CONFIG one).
  const c = p.endsWith(".c");
  return p.startsWith("mm/") ? (c ? 0 : 1) : c ? 2 : p.startsWith("include/linux/") ? 3 : 4;
}

/** The timeline's "fn(), file" strings in a source text: [[fn, file]]. */
function timelineWheres(text) {
  return [...text.matchAll(/"([A-Za-z_]\w*(?:\(\w+\))?)\(\), ([\w/.-]+\.[ch])"/g)].map((m) => [m[1], m[2]]);
}

/**
 * The kernel names the explorer can show as links (source.tsx's FnLink): the chapters' `fns`
 * lists, the Events view's functions (worker/tracepoints.ts, and the runner's timeline `where`
 * strings, "wakeup_kswapd(), mm/vmscan.c", in the model's code — its tests excluded, as the
 * bundle excludes them) and the names written out in a view (`<FnLink name="oom_badness" />`).
 * Sorted, each once.
 */
export function explorerNames(repoRoot = root) {
  const names = new Set();
  for (const p of walk(join(repoRoot, "web/src"), (f) => /\.tsx?$/.test(f))) {
    const text = readFileSync(p, "utf8");
    for (const m of text.matchAll(/fns:\s*\[([^\]]*)\]/g)) for (const q of m[1].matchAll(/"([A-Za-z_]\w*)"/g)) names.add(q[1]);
    if (p.endsWith("tracepoints.ts")) for (const m of text.matchAll(/^\s+\w+: "(\w+)",$/gm)) names.add(m[1]);
    for (const m of text.matchAll(/<FnLink name="([A-Za-z_]\w*)"/g)) names.add(m[1]);
  }
  for (const p of walk(join(repoRoot, "src"), (f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
    for (const [name] of timelineWheres(readFileSync(p, "utf8"))) names.add(name);
  }
  return [...names].sort();
}

/** The explorer's table: the whole table's entries for `names` (a name it lacks stays out). */
export function explorerTable(table, names) {
  const symbols = {};
  for (const n of names) if (table.symbols[n]) symbols[n] = table.symbols[n];
  return { source: table.source, tag: table.tag, symbols };
}

function writeExplorerTable(table) {
  const t = explorerTable(table, explorerNames());
  writeFileSync(explorerOut, JSON.stringify(t, null, 1) + "\n");
  console.log(`explorer: ${Object.keys(t.symbols).length} names`);
}

/** Generates the table (the script's work when run, not when a test imports parseTags). */
function main() {
  if (explorerOnly) {
    writeExplorerTable(JSON.parse(readFileSync(out, "utf8")));
    return;
  }
  if (linux === "") {
    console.error("usage: node scripts/kernel-symbols.mjs /path/to/linux-source-6.1 (Debian's linux-source-6.1, unpacked)");
    process.exit(2);
  }
  const sources = walk(join(root, "src"), (p) => p.endsWith(".ts"));
  const tags = sources.flatMap((p) => parseTags(readFileSync(p, "utf8"), relative(root, p)));
  // The explorer's own names: chapters' `fns: [...]` lists, the tracepoints' functions, the names
  // a view writes out (<FnLink name="…" />), and the runner's timeline ("wakeup_kswapd(), mm/vmscan.c").
  const extra = [];
  for (const p of walk(join(root, "web/src"), (f) => /\.tsx?$/.test(f))) {
    const text = readFileSync(p, "utf8");
    for (const m of text.matchAll(/fns:\s*\[([^\]]*)\]/g)) for (const q of m[1].matchAll(/"([A-Za-z_]\w*)"/g)) extra.push({ file: "", name: q[1], where: relative(root, p) });
    if (p.endsWith("tracepoints.ts")) for (const m of text.matchAll(/^\s+\w+: "(\w+)",$/gm)) extra.push({ file: "", name: m[1], where: relative(root, p) });
    for (const m of text.matchAll(/<FnLink name="([A-Za-z_]\w*)"/g)) extra.push({ file: "", name: m[1], where: relative(root, p) });
  }
  for (const p of sources) {
    for (const [name, file] of timelineWheres(readFileSync(p, "utf8"))) extra.push({ file, name, where: relative(root, p) });
  }

  const symbols = {};
  const unresolved = [];
  const want = [...tags.flatMap((t) => t.names.map((n) => ({ file: t.file, name: n, where: t.where }))), ...extra];
  for (const { file, name, where } of want) {
    if (symbols[name]) continue;
    const line = file && !file.includes("*") ? findIn(file, name) : null;
    const hit = line ? [file, line] : findAnywhere(name);
    if (hit) symbols[name] = hit;
    else if (!unresolved.some((u) => u.name === name)) unresolved.push({ name, file, where });
  }
  const sub = /SUBLEVEL = (\d+)/.exec(readFileSync(join(linux, "Makefile"), "utf8"))?.[1];
  const sorted = Object.fromEntries(Object.entries(symbols).sort(([a], [b]) => (a < b ? -1 : 1)));
  const table = { source: `Debian linux-source-6.1 (6.1.${sub})`, tag: `v6.1.${sub}`, symbols: sorted, unresolved };
  writeFileSync(out, JSON.stringify(table, null, 1) + "\n");
  writeExplorerTable(table);
  console.log(`${Object.keys(symbols).length} names resolved, ${unresolved.length} not: ${unresolved.map((u) => `${u.name} (${u.where})`).join(", ")}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
