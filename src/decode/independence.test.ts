/**
 * The decoder and the procps formatters read real systems' text, so they depend on nothing of
 * the model's internals (issue 12): their imports stay inside their own folder or reach the pure
 * shared tables of src/include (the kernel's headers) and src/lib (the kernel's lib/ helpers).
 */
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

function imports(dir: string): Array<{ file: string; spec: string }> {
  const out: Array<{ file: string; spec: string }> = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".ts") || f.endsWith(".test.ts")) continue;
    const text = readFileSync(join(dir, f), "utf8");
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)) out.push({ file: `${dir}/${f}`, spec: m[1] });
  }
  return out;
}

describe("decode and procps depend on nothing of the model", () => {
  for (const dir of ["src/decode", "src/procps"]) {
    it(`${dir} imports only itself, src/include and src/lib`, () => {
      const found = imports(dir);
      expect(found.length).toBeGreaterThan(0);
      const bad = found.filter((i) => !/^\.\/[\w.]+\.js$/.test(i.spec) && !/^\.\.\/(include|lib)\/[\w./]+\.js$/.test(i.spec));
      expect(bad).toEqual([]);
    });
  }
});
