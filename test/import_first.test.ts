/**
 * Every model module can be the first one a program imports. The model's folders import each
 * other in cycles (mm/ ↔ arch/x86/ ↔ fs/), which ES modules allow as long as no module reads an
 * imported binding while it is being evaluated (a top-level `const X = importedConst`): which
 * module of a cycle is evaluated first depends on which one the program imports first, and the
 * top-level read then throws "Cannot access 'X' before initialization". A library user importing
 * mm/memcontrol.js directly hit exactly that after a merge added hugetlb → page_isolation →
 * migrate to the cycle (migrate.ts read _PAGE_ACCESSED at its top level). Each module below is
 * imported into a fresh module registry. Limit: vitest's module runner turns an early read of an
 * imported binding into `undefined` rather than a TDZ error, so this catches the reads that then
 * throw (ipc/shm.ts's shmem_file_operations.mmap did) but not a silent `const X = imported`;
 * under plain Node every such read throws, and src/cli/bin.test.ts imports every compiled module
 * of its build first, each in a worker thread of its own, to catch those.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";

const DIRS = ["src/mm", "src/arch/x86", "src/kernel", "src/kernel/cgroup", "src/fs", "src/block", "src/ipc"];
const modules = DIRS.flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".ts") && !f.includes(".test") && !f.includes(".testutil")).map((f) => `${d}/${f}`));

describe("import order", () => {
  it("imports every model module first, into a fresh registry, without a TDZ error", async () => {
    const failed: string[] = [];
    for (const m of modules) {
      vi.resetModules();
      try {
        await import(`../${m}`);
      } catch (e) {
        failed.push(`${m}: ${(e as Error).message}`);
      }
    }
    expect(modules.length).toBeGreaterThan(100);
    expect(failed).toEqual([]);
  }, 600_000);
});
