import { describe, expect, it } from "vitest";
import { parseScenario } from "./parse.js";
import { runScenario } from "./runner.js";

const groups = "machine: { memory: 256M }\ncgroups:\n  - path: /a/b\n    files: { memory.max: 16M, memory.oom.group: 1 }\n  - path: /c\n";

describe("cgroups: and the cgroup step", () => {
  it("parse: every ancestor of a listed group is known, a process key and a step name them", () => {
    const sc = parseScenario(groups + "processes:\n  - name: p\n    cgroup: /a/b\n    run:\n      - cgroup: /c\n      - cgroup: /\n", "s.yaml");
    expect(sc.cgroups.map((g) => [g.group, g.files.map((f) => `${f.name}=${f.value}`)])).toEqual([
      ["/a/b", ["memory.max=16M", "memory.oom.group=1"]],
      ["/c", []],
    ]);
    expect(sc.processes[0].cgroup).toBe("/a/b");
    expect(sc.processes[0].run.map((s) => (s.kind === "cgroup" ? s.group : ""))).toEqual(["/c", "/"]);
    // /a is made on the way to /a/b, so it can be named.
    expect(parseScenario(groups + "processes:\n  - name: p\n    cgroup: /a\n", "s.yaml").processes[0].cgroup).toBe("/a");
    expect(() => parseScenario(groups + "  - path: /c\n", "s.yaml")).toThrow(/s\.yaml:6:11 cgroups\[2\]\.path: group "\/c" is already listed at cgroups\[1\]/);
  });

  it("run: groups made with memory enabled on the way, files written, a start in a group, moves, fork inheriting, the kernel's EBUSY", () => {
    const sc = parseScenario(
      groups +
        "processes:\n  - name: p\n    cgroup: /a/b\n    run:\n" +
        "      - capture: { label: start, path: /proc/self/cgroup }\n" +
        "      - fork:\n          name: kid\n          run:\n            - capture: { label: kid, path: /proc/self/cgroup }\n            - exit\n" +
        "      - wait: kid\n" +
        // /a enables memory for /b: a process may not join it (the no-internal-process rule).
        "      - cgroup: /a\n        expect_error: EBUSY\n" +
        "      - cgroup: /c\n        capture: { label: moved, path: /proc/self/cgroup }\n" +
        "      - capture:\n          - { label: max, path: /sys/fs/cgroup/a/b/memory.max }\n          - { label: ctl, path: /sys/fs/cgroup/cgroup.subtree_control }\n          - { label: actl, path: /sys/fs/cgroup/a/cgroup.subtree_control }\n          - { label: oomg, path: /sys/fs/cgroup/a/b/memory.oom.group }\n",
      "s.yaml",
    );
    const r = runScenario(sc);
    expect(r.ok).toBe(true);
    const cap = (l: string): string | undefined => r.captures.find((c) => c.label === l)?.text;
    expect(cap("start")).toBe("0::/a/b\n");
    expect(cap("kid")).toBe("0::/a/b\n");
    expect(cap("moved")).toBe("0::/c\n");
    expect(cap("max")).toBe(`${16 * 2 ** 20}\n`);
    expect(cap("ctl")).toBe("memory\n");
    expect(cap("actl")).toBe("memory\n");
    expect(cap("oomg")).toBe("1\n");
  });
});

describe("capture expectations with sizes", () => {
  // A size on a captured field means the field's own unit: kB where the file prints kB
  // (status, meminfo), bytes in a cgroup file (memory.stat's anon is in bytes).
  const text = (anonMin: string, statusMin: string, vmstatMax: string): string =>
    "machine: { memory: 256M }\ncgroups:\n  - path: /g\nprocesses:\n  - name: p\n    cgroup: /g\n    run:\n" +
    "      - mmap: { name: buf, size: 8M }\n      - touch: { region: buf, access: write }\n" +
    "      - capture:\n          - { label: st, path: /sys/fs/cgroup/g/memory.stat }\n          - { label: me, path: /proc/self/status }\n          - { label: vm, path: /proc/vmstat }\n" +
    `expect:\n  - capture: st\n    field: anon\n    min: ${anonMin}\n  - capture: me\n    field: RssAnon\n    min: ${statusMin}\n  - capture: vm\n    field: nr_anon_pages\n    max: ${vmstatMax}\n`;

  it("reads a size as bytes for a cgroup file's field and as kB for a field printed in kB", () => {
    const ok = runScenario(parseScenario(text("8M", "8M", "1000000"), "s.yaml"));
    expect(ok.expectations.map((x) => [x.what, x.ok])).toEqual([
      ["capture st anon", true],
      ["capture me RssAnon", true],
      ["capture vm nr_anon_pages", true],
    ]);
    // 9M of anon is more than the group has: fails in bytes (read as kB, 9216 would hold).
    const over = runScenario(parseScenario(text("9M", "9M", "1000000"), "s.yaml"));
    expect(over.expectations.map((x) => x.ok)).toEqual([false, false, true]);
    expect(over.expectations[0].expected).toBe(`≥ ${9 * 2 ** 20}`);
  });

  it("refuses a size on a field that has neither kB nor bytes, saying so", () => {
    const r = runScenario(parseScenario(text("8M", "8M", "4M"), "s.yaml"));
    const vm = r.expectations[2];
    expect(vm.ok).toBe(false);
    expect(vm.actual).toBe("a size, but nr_anon_pages in /proc/vmstat is not in kB or bytes: give a plain number");
  });
});
