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
