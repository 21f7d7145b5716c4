/**
 * The lint for docs/design.md principle 6: one object graph per machine. The model (everything
 * under src/ but the shells, readers and tools: cli, api, workload, decode, procps, validate) keeps no
 * mutable state at module level and does no work when a module loads; a machine's state hangs
 * off its Kernel, where the kernel keeps it, and /proc files and sysctl effects are registered
 * at boot (start_kernel → proc_root_init).
 *
 * It reads each model file's top-level statements with the TypeScript parser and reports:
 * - a top-level `let` or `var`;
 * - a top-level `const` (or a class's `static` field) bound to `new …` (Map, Set, WeakMap,
 *   typed arrays, any object), to an array or object literal that is not frozen
 *   (`Object.freeze`, nested literals frozen too), or to a call that builds a fresh container
 *   (`Array.from`, `.map`, `Object.fromEntries` …);
 * - a non-readonly `static` field;
 * - a top-level statement that does work at import time (a call, a loop), other than the
 *   BUG_ON checks hot modules run on their local copies of kernel constants.
 * A short allowlist below names the exceptions, each with its reason; an entry that no longer
 * matches anything fails the test, so the list cannot rot.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Folders that are shells, readers or tools around the model, not the model: they may keep
 * module state. src/validate is the host side of `mmsim validate` (it compiles a scenario for a
 * real guest and compares the two sides' text).
 */
const NOT_MODEL = ["src/cli/", "src/api/", "src/workload/", "src/decode/", "src/procps/", "src/validate/"];

/**
 * Module-level bindings that are allowed, "file:name" → why. Keep it short: a read-only table
 * belongs frozen (then it needs no entry), per-machine state belongs on the Kernel.
 */
const ALLOWED: Record<string, string> = {
  // src/sim/ beside the invariants belongs to the shell side of the house (sim/machine.ts,
  // sim/process.ts, sizes and durations); their tables are the user-facing vocabulary.
  "src/sim/process.ts:mapNames": "flag names a user may write: read-only, not per machine",
  "src/sim/process.ts:adviceNames": "advice names a user may write: read-only, not per machine",
  "src/sim/process.ts:protCache": "memo of pure string parses: no machine's state",
  "src/sim/process.ts:mapFlagsCache": "memo of pure string parses: no machine's state",
  "src/sim/size.ts:UNITS": "unit suffixes: read-only",
  "src/sim/duration.ts:NS": "unit suffixes: read-only",
  "src/sim/cost.ts:COST": "the scenario cost table: read-only",
};

/** What a model file does at module level that it should not. */
export function moduleStateOffences(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const line = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const report = (n: ts.Node, name: string, what: string): void => void out.push(`${fileName}:${line(n)}:${name}: ${what}`);
  for (const s of sf.statements) {
    if (ts.isVariableStatement(s)) {
      const flags = s.declarationList.flags;
      const isConst = (flags & ts.NodeFlags.Const) !== 0;
      for (const d of s.declarationList.declarations) {
        const name = d.name.getText(sf);
        if (!isConst) report(d, name, `top-level ${flags & ts.NodeFlags.Let ? "let" : "var"}`);
        else if (d.initializer) {
          const why = mutableInit(d.initializer);
          if (why) report(d, name, why);
        }
      }
    } else if (ts.isClassDeclaration(s)) {
      for (const m of s.members) {
        if (!ts.isPropertyDeclaration(m) || !hasModifier(m, ts.SyntaxKind.StaticKeyword)) continue;
        const name = `${s.name?.getText(sf) ?? "class"}.${m.name.getText(sf)}`;
        if (!hasModifier(m, ts.SyntaxKind.ReadonlyKeyword)) report(m, name, "static field that is not readonly");
        else if (m.initializer) {
          const why = mutableInit(m.initializer);
          if (why) report(m, name, `static ${why}`);
        }
      }
    } else if (ts.isExpressionStatement(s) && isBugOn(s.expression)) {
      // A load-time check of a module's local copy of a kernel constant: pure, allowed.
    } else if (
      !ts.isImportDeclaration(s) &&
      !ts.isExportDeclaration(s) &&
      !ts.isExportAssignment(s) &&
      !ts.isFunctionDeclaration(s) &&
      !ts.isInterfaceDeclaration(s) &&
      !ts.isTypeAliasDeclaration(s) &&
      !ts.isEnumDeclaration(s) &&
      !ts.isModuleDeclaration(s) &&
      !ts.isEmptyStatement(s)
    ) {
      report(s, ts.SyntaxKind[s.kind], `work at import time: ${s.getText(sf).split("\n")[0].slice(0, 60)}`);
    }
  }
  return out;

  function mutableInit(e: ts.Expression): string | null {
    e = unwrap(e);
    if (ts.isNewExpression(e)) return `bound to new ${e.expression.getText(sf)}`;
    if (ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e)) return "bound to an unfrozen literal";
    if (ts.isCallExpression(e)) {
      const callee = e.expression.getText(sf);
      if (callee === "Object.freeze") {
        const arg = e.arguments[0];
        return arg === undefined ? null : nestedUnfrozen(unwrap(arg));
      }
      if (/^(Array\.(from|of)|Object\.(fromEntries|assign|create)|structuredClone)$/.test(callee) || /\.(map|filter|slice|concat|flat|flatMap|fill)$/.test(callee)) {
        return `bound to a fresh container (${callee})`;
      }
    }
    return null;
  }

  /** A literal inside a frozen literal that is not frozen itself (freeze is shallow). */
  function nestedUnfrozen(e: ts.Expression): string | null {
    const children: ts.Expression[] = ts.isArrayLiteralExpression(e)
      ? [...e.elements]
      : ts.isObjectLiteralExpression(e)
        ? e.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? [p.initializer] : []))
        : [];
    for (const c of children) {
      const u = unwrap(c);
      if (ts.isArrayLiteralExpression(u) || ts.isObjectLiteralExpression(u) || ts.isNewExpression(u)) return "frozen, but holds an unfrozen literal (Object.freeze is shallow)";
    }
    return null;
  }
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}

function hasModifier(n: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === kind);
}

function isBugOn(e: ts.Expression): boolean {
  return ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "BUG_ON";
}

function* modelFiles(dir: string): Generator<string> {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) yield* modelFiles(p);
    else if (ent.name.endsWith(".ts") && !ent.name.endsWith(".test.ts") && !ent.name.endsWith(".testutil.ts")) {
      const rel = relative(root, p).split("\\").join("/");
      if (!NOT_MODEL.some((d) => rel.startsWith(d))) yield rel;
    }
  }
}

describe("no module-level mutable state in the model (design principle 6)", () => {
  it("finds none outside the allowlist, and every allowlist entry still matches", () => {
    const found: string[] = [];
    const used = new Set<string>();
    let scanned = 0;
    for (const rel of modelFiles(join(root, "src"))) {
      scanned++;
      for (const o of moduleStateOffences(rel, readFileSync(join(root, rel), "utf8"))) {
        const [file, , name] = o.split(":");
        const key = `${file}:${name}`;
        if (key in ALLOWED) used.add(key);
        else found.push(o);
      }
    }
    expect(scanned).toBeGreaterThan(50);
    expect(found).toEqual([]);
    expect(Object.keys(ALLOWED).filter((k) => !used.has(k))).toEqual([]);
  });

  it("reports each kind of offence and accepts frozen tables and BUG_ON checks", () => {
    const src = [
      "let a = 0;",
      "var b = 1;",
      "const c = new Map<number, number>();",
      "const d = new Int32Array(4);",
      "const e = { x: 1 };",
      "const f = [1, 2];",
      "const g = Object.freeze([[1], [2]]);",
      "const h = Array.from({ length: 3 }, () => 0);",
      "class K { static n = 0; static readonly m = new Set(); }",
      'register("/proc/x");',
      "for (const x of []) use(x);",
      "const ok1 = Object.freeze({ a: 1, b: Object.freeze([1]) });",
      "const ok2 = 4096 * 2;",
      "const ok3 = (x: number): number => x + 1;",
      'BUG_ON(ok2 !== 8192, "ok2");',
      "export const ok4 = Object.freeze(['a', 'b'] as const);",
    ].join("\n");
    const names = moduleStateOffences("x.ts", src).map((o) => o.split(":")[2]);
    expect(names).toEqual(["a", "b", "c", "d", "e", "f", "g", "h", "K.n", "K.m", "ExpressionStatement", "ForOfStatement"]);
  });
});
