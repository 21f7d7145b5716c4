import { describe, it, expect } from "vitest";
import { parseScenario } from "./parse.js";
import { runScenario } from "./runner.js";


describe("touch patterns and mlock2(MLOCK_ONFAULT)", () => {
  // mlock_fixup set VM_LOCKONFAULT: each page faulted in afterwards is mlocked by the fault
  // (mlock_new_folio in 6.1), whatever order the program touches the pages in.
  for (const pattern of ["sequential", "random", "stride, stride: 8K", "zipf"]) {
    it(`locks every faulted page of a 256K mapping with pattern ${pattern}`, () => {
      const sc = parseScenario(
        `machine: { memory: 256M }
processes:
  - name: p
    run:
      - mmap: { name: m, size: 256K, flags: shared|anonymous }
      - mlock: { region: m, on_fault: true }
      - touch: { region: m, pattern: ${pattern}, count: 4096 }
        capture: { label: mi, path: /proc/meminfo }
`,
        "mlock.yaml",
      );
      const r = runScenario(sc);
      expect(/^Mlocked:\s+(\d+) kB$/m.exec(r.captures[0].text)?.[1]).toBe("256");
    });
  }
});
