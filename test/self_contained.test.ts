/**
 * The project reads nothing outside its own folder at test or run time (docs/design.md,
 * principle 7): ground truth lives in test/realkernel/data and test/reference with their
 * provenance. This test scans every source, test, script, scenario and doc for the paths that
 * used to reach outside: the old shared folder beside the checkout, and absolute paths of the
 * machine the project was developed on.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const SKIP_DIRS = new Set(["node_modules", ".git", "dist", "build", "reports", "data", "tool-formats"]);
const EXTS = /\.(ts|tsx|mjs|js|json|md|yaml|yml|sh|c|h|html|css)$/;

/** Path spellings that leave the repository: the sibling shared folder, or a host's own folders. */
const OUTSIDE = [
  /\.\.\/shared\b/,
  /(^|[^\w.])\/work\//,
  /(^|[^\w.])\/home\/\w/,
  /(^|[^\w.])\/root\//,
  /(^|[^\w.])\/usr\/src\/linux/,
  /resolve\(\s*repoRoot\s*,\s*["']\.\.\//,
];

/**
 * Relative paths ("../../x") in a line that, taken from the file's own folder as imports,
 * `new URL(…, import.meta.url)` and Markdown links take them, land outside the repository.
 */
function leavesRepo(file: string, line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:^|["'`(\s])((?:\.\.\/)+)/g)) {
    const target = resolve(dirname(file), m[1]);
    if (target !== root.replace(/[\\/]$/, "") && !target.startsWith(root.endsWith(sep) ? root : root + sep)) out.push(m[1]);
  }
  return out;
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) yield* files(p);
    else if (EXTS.test(name) && name !== "package-lock.json") yield p;
  }
}

describe("self-contained", () => {
  it("no source, test, script, scenario or doc names a path outside the repository", () => {
    const offenders: string[] = [];
    let scanned = 0;
    for (const f of files(root)) {
      const rel = relative(root, f);
      if (rel === "test/self_contained.test.ts") continue;
      scanned++;
      const lines = readFileSync(f, "utf8").split("\n");
      lines.forEach((line, i) => {
        for (const re of OUTSIDE) if (re.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        for (const up of leavesRepo(f, line)) offenders.push(`${rel}:${i + 1}: ${up}`);
      });
    }
    expect(scanned).toBeGreaterThan(200);
    expect(offenders).toEqual([]);
  });

  it("the scan catches the spellings it exists to catch", () => {
    // The spellings are assembled from parts so this file does not itself hold a path out of
    // the repository for other scanners to find.
    const up = "..";
    const shared = "shared";
    const sep = "/";
    const bad = [`readFileSync("${[up, shared, "realkernel", "data", "w0", "meminfo"].join(sep)}")`, `const W5 = "${["", "work", shared, "x"].join(sep)}";`, `path.resolve(repoRoot, "${[up, "elsewhere"].join(sep)}")`];
    for (const b of bad) expect(OUTSIDE.some((re) => re.test(b))).toBe(true);
    const here = join(root, "src", "kernel", "x.test.ts");
    expect(leavesRepo(here, 'new URL("../../../test/realkernel/data", import.meta.url)')).toEqual(["../../../"]);
    expect(leavesRepo(here, 'new URL("../../test/realkernel/data", import.meta.url)')).toEqual([]);
    expect(leavesRepo(here, 'import { x } from "../mm/page_alloc.js";')).toEqual([]);
    const good = ['m.read("/proc/meminfo")', 'resolve(repoRoot, "test/realkernel/data")', 'p.mmap(PAGE, { file: "/dev/zero" })'];
    for (const g of good) expect(OUTSIDE.some((re) => re.test(g))).toBe(false);
  });
});
