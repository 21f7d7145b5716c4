/**
 * What the package says about itself holds (issue 20): an MIT LICENSE file for package.json's
 * "license", no URL fields pointing at a home the project does not have yet, and an "engines"
 * range no wider than what the installed dependencies declare (eslint 10 and vite 8 need Node
 * 20.19+, 22.13+ on the 22 line for eslint).
 */
import { readFileSync, existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Pkg {
  license?: string;
  engines?: { node?: string };
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  repository?: unknown;
  homepage?: unknown;
  bugs?: unknown;
}
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as Pkg;

type V = [number, number, number];
const parse = (s: string): V => {
  const p = s.split(".").map((x) => (x === "*" || x === "x" ? 0 : Number(x)));
  return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
};
const cmp = (a: V, b: V): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Whether the npm range (the forms engines use: ^x.y.z, >=x.y.z, x.*, x.y.z, joined by ||) admits v. */
function admits(range: string, v: V): boolean {
  return range.split("||").some((alt) =>
    alt
      .replace(/(>=|<=|>|<|\^|~)\s+/g, "$1")
      .trim()
      .split(/\s+/)
      .every((c) => {
        if (c.startsWith("^")) {
          const b = parse(c.slice(1));
          return v[0] === b[0] && cmp(v, b) >= 0;
        }
        if (c.startsWith(">=")) return cmp(v, parse(c.slice(2))) >= 0;
        if (c.startsWith(">")) return cmp(v, parse(c.slice(1))) > 0;
        if (/^\d+\.(\*|x)/.test(c) || /^\d+$/.test(c)) return v[0] === parse(c)[0];
        return cmp(v, parse(c)) === 0;
      }),
  );
}

/** Every release line's first version our range admits, from Node 18 to 30. */
function lowestAdmitted(range: string): V[] {
  const out: V[] = [];
  for (let major = 18; major <= 30; major++) {
    for (let minor = 0; minor < 40; minor++) {
      const v: V = [major, minor, 0];
      if (admits(range, v)) {
        out.push(v);
        break;
      }
    }
  }
  return out;
}

describe("the package's metadata", () => {
  it("has the MIT LICENSE its license field names, and ships it", () => {
    expect(pkg.license).toBe("MIT");
    expect(readFileSync("LICENSE", "utf8")).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    expect(pkg.files).toContain("LICENSE");
  });

  it("invents no repository, homepage or bugs URL (the project has no public address yet)", () => {
    expect([pkg.repository, pkg.homepage, pkg.bugs]).toEqual([undefined, undefined, undefined]);
  });

  it("states a Node range every installed dependency accepts, starting where the strictest does", () => {
    const ours = pkg.engines?.node ?? "";
    const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {}), "vite"];
    const ranges = deps
      .map((d) => ({ d, range: (JSON.parse(readFileSync(`node_modules/${d}/package.json`, "utf8")) as Pkg).engines?.node }))
      .filter((x): x is { d: string; range: string } => typeof x.range === "string");
    expect(ranges.map((r) => r.d)).toEqual(expect.arrayContaining(["eslint", "vite", "commander"]));
    const lows = lowestAdmitted(ours);
    expect(lows.length).toBeGreaterThan(0);
    for (const v of lows) for (const r of ranges) expect(admits(r.range, v), `${r.d} ${r.range} at ${v.join(".")}`).toBe(true);
    // ... and no narrower than needed: 20.19.0, the first version eslint 10 and vite 8 both take.
    expect(admits(ours, [20, 19, 0])).toBe(true);
    expect(admits(ours, [20, 18, 0])).toBe(false);
    expect(admits(ours, process.versions.node.split(".").map(Number) as V)).toBe(true);
  });

  it("builds no source maps that point at src/, which is not shipped", () => {
    const build = JSON.parse(readFileSync("tsconfig.build.json", "utf8")) as { compilerOptions: Record<string, unknown> };
    expect(build.compilerOptions.sourceMap === true && !(pkg.files ?? []).includes("src")).toBe(false);
    expect(build.compilerOptions.declarationMap === true && !(pkg.files ?? []).includes("src")).toBe(false);
    if (existsSync("dist/cli/main.js")) expect(readFileSync("dist/cli/main.js", "utf8")).not.toContain("sourceMappingURL");
  });
});
