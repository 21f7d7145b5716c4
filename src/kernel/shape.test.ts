/**
 * asDoubles: values survive, and (in a child node with V8's natives syntax) a Kernel keeps its
 * hidden class when a page count the interpreter computed as a double lands in vm_committed_as,
 * and when now_ns passes 2^30 ns — the two changes that used to deoptimise the whole model.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { asDoubles } from "./shape.js";

describe("asDoubles", () => {
  it("keeps the values of the fields it widens", () => {
    const o = { a: 7, b: -3, c: 2 ** 40, s: "x" };
    asDoubles(o, "a", "b", "c");
    expect(o).toEqual({ a: 7, b: -3, c: 2 ** 40, s: "x" });
  });

  it("keeps a Kernel's hidden class through a computed double and a large now_ns", () => {
    const kernel = fileURLToPath(new URL("./kernel.ts", import.meta.url));
    const script = `
      import { Kernel } from ${JSON.stringify(kernel)};
      const haveSameMap = new Function("a", "b", "return %HaveSameMap(a, b)");
      const a = new Kernel(1), b = new Kernel(2);
      const start = 2 ** 40, end = start + 3 * 4096;
      b.vm_committed_as += (end - start) / 4096;
      b.now_ns = 2 ** 40;
      console.log(JSON.stringify({ same: haveSameMap(a, b), committed: b.vm_committed_as }));
    `;
    const out = execFileSync(process.execPath, ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual({ same: true, committed: 3 });
  });
});
