/**
 * Malformed scenario files: each gives exactly one located line, `FILE:LINE:COL field: message`,
 * and exit code 2 through the CLI, never a stack trace. The table pins every message; a file in
 * the folder without a row fails the suite, so new cases cannot go unchecked.
 */
import { describe, it, expect } from "vitest";
import { readdirSync } from "node:fs";
import { runCli } from "../../src/cli/main.js";

const dir = "test/scenarios/malformed";

/** file → the message after "FILE:" */
const cases: Array<[string, string]> = [
  ["alias-wrong-type.yaml", "3:9 machine.cpus: expected a whole number, got \"512M\""],
  ["bad-utf8.yaml", "1:1 not a text file: the bytes are not valid UTF-8"],
  ["bad-yaml-indent.yaml", "3:1 YAML syntax: All mapping items must start at the same column"],
  ["bad-yaml-tab.yaml", "2:1 YAML syntax: Tabs are not allowed as indentation"],
  ["bad-yaml-unclosed.yaml", "2:1 YAML syntax: Flow map in block collection must be sufficiently indented and end with a }"],
  ["binary-elf.yaml", "1:1 not a text file: binary data (a NUL byte at offset 7)"],
  ["capture-dup-label.yaml", "5:27 processes[0].run[1].capture.label: label \"mi\" is already used by another capture"],
  ["capture-on-exit.yaml", "5:9 processes[0].run[0].capture: an exited process reads no files: capture from another process (after wait)"],
  ["capture-outside-proc.yaml", "4:36 processes[0].run[0].capture.path: only /proc and /sys files can be captured, got \"/tmp/x\""],
  ["cgroup-bad-file.yaml", "3:14 cgroups[0].files.memory.hihg: not a file a group sets at boot (did you mean \"memory.high\"?); expected one of memory.min, memory.low, memory.high, memory.max, memory.swap.high, memory.swap.max, memory.oom.group"],
  ["cgroup-dotdot.yaml", "2:11 cgroups[0].path: \"/a/../b\" has an empty, \".\" or \"..\" component: write each group's name"],
  ["cgroup-refused.yaml", "4:19 cgroups[0].files.memory.max: the kernel refused \"12Q\" (EINVAL)"],
  ["cgroup-step-unknown.yaml", "4:17 processes[0].run[0].cgroup: no group \"/nope\" in cgroups: (declare it in the top-level cgroups: list)"],
  ["cgroup-unknown.yaml", "5:13 processes[0].cgroup: no group \"/hx\" in cgroups: (did you mean \"/hs\"?) (groups: /hs)"],
  ["control-char.yaml", "2:15 not a text file: control character 0x07"],
  ["cpus-string.yaml", "2:9 machine.cpus: expected a whole number, got \"two\""],
  ["cpus-zero.yaml", "2:9 machine.cpus: 0 is out of range: expected 1 to 256"],
  ["duplicate-key.yaml", "3:3 YAML syntax: Map keys must be unique"],
  ["empty-step.yaml", "4:9 processes[0].run[0]: no action in this step: expected one of mmap, munmap, mprotect, mremap, brk, madvise, mlock, munlock, touch, fork, exit, sleep, oom_score_adj, write, sysctl, capture, wait, swapon, swapoff, mount, file, drop_caches, sync, msync, compact, memfd, shm, cgroup, userfaultfd, uffdio, kmalloc, kfree, mkfiles"],
  ["empty.yaml", "1:1 empty scenario: expected a mapping with machine: and processes:"],
  ["exit-code-range.yaml", "4:15 processes[0].run[0].exit: 300 is out of range: expected 0 to 255"],
  ["expect-bad-state.yaml", "5:12 expect[0].state: expected one of alive, killed, exited, got \"sleeping\""],
  ["expect-error-on-sleep.yaml", "5:9 processes[0].run[0].expect_error: sleep does not fail with an errno"],
  ["expect-error-on-touch.yaml", "6:9 processes[0].run[1].expect_error: touch does not fail with an errno (a bad access kills the process: expect state: killed)"],
  ["expect-error-unknown.yaml", "5:23 processes[0].run[0].expect_error: unknown errno \"ENOMEMORY\" (did you mean \"ENOMEM\"?)"],
  ["expect-min-above-max.yaml", "4:10 expect[0].max: max 102400 kB is below min 204800 kB"],
  ["expect-no-bounds.yaml", "2:5 expect[0]: expected min, max or equals"],
  ["expect-not-list.yaml", "4:3 expect: expected a list of expectations, got a mapping"],
  ["expect-step-inside.yaml", "2:5 expect[0].mmap: a step in expect: steps go in a process's run: list"],
  ["expect-unknown-capture.yaml", "6:14 expect[0].capture: no capture labelled \"after\" (labels: before)"],
  ["expect-unknown-process.yaml", "4:14 expect[0].process: no process named \"dbb\" (did you mean \"db\"?) (processes: db)"],
  ["fork-child-dup-name.yaml", "4:23 processes[0].run[0].fork.name: process name \"a\" is already used at processes[0]"],
  ["fork-child-unknown-region.yaml", "7:32 processes[0].run[0].fork.run[0].touch.region: no mapping named \"buf\" (this process has mapped nothing by name yet)"],
  ["madvise-bad-advice.yaml", "5:41 processes[0].run[1].madvise.advice: unknown madvise advice \"forget\""],
  ["memory-absurd.yaml", "2:11 machine.memory: size 4T is too large: at most 1T"],
  ["memory-negative.yaml", "2:11 machine.memory: size must not be negative, got \"-512M\""],
  ["memory-not-page.yaml", "2:11 machine.memory: size 536870913 is not a multiple of the 4K page size"],
  ["memory-tiny.yaml", "2:11 machine.memory: memory must be between 80M and 1T, got 4M"],
  ["memory-typo.yaml", "2:11 machine.memory: invalid size \"512 megs\": expected a number with an optional unit K, M, G, T or P (e.g. 512M)"],
  ["mmap-bad-flag.yaml", "4:45 processes[0].run[0].mmap.flags: unknown mmap flag \"huge\""],
  ["mmap-bad-prot.yaml", "4:44 processes[0].run[0].mmap.prot: bad protection \"rwz\": use letters r, w, x or \"none\""],
  ["mmap-dup-name.yaml", "5:23 processes[0].run[1].mmap.name: a mapping named \"buf\" already exists (mapped at processes[0].run[0]); unmap it first or pick another name"],
  ["mmap-missing-size.yaml", "4:15 processes[0].run[0].mmap.size: missing (required)"],
  ["mmap-size-absurd.yaml", "4:34 processes[0].run[0].mmap.size: size 1P is too large: at most 128T"],
  ["mmap-size-negative.yaml", "4:34 processes[0].run[0].mmap.size: size must not be negative, got \"-4K\""],
  ["only-comments.yaml", "1:1 empty scenario: expected a mapping with machine: and processes:"],
  ["oom-adj-range.yaml", "3:20 processes[0].oom_score_adj: 2000 is out of range: expected -1000 to 1000"],
  ["process-dup-name.yaml", "3:11 processes[1].name: process name \"a\" is already used at processes[0]"],
  ["process-name-too-long.yaml", "2:11 processes[0].name: process name \"a-very-long-process-name\" must be 1 to 15 letters, digits or _.+- (it becomes the task's comm)"],
  ["process-no-name.yaml", "2:5 processes[0].name: missing (required)"],
  ["process-unknown-key.yaml", "3:5 processes[0].oom_adj: unknown key in a process; expected one of: name, oom_score_adj, uid, start, cgroup, cpu, run"],
  ["processes-not-list.yaml", "2:3 processes: expected a list of processes, got a mapping"],
  ["run-not-list.yaml", "4:7 processes[0].run: expected a list of steps, got a mapping"],
  ["seed-negative.yaml", "1:7 seed: -1 is out of range: expected 0 to 4294967295"],
  ["sleep-bad.yaml", "4:16 processes[0].run[0].sleep: invalid duration \"a while\": expected a number with a unit ns, us, ms, s, min or h (e.g. 100ms)"],
  ["sleep-no-unit.yaml", "4:16 processes[0].run[0].sleep: a duration needs a unit (ns, us, ms, s, min, h): write 10ms or 10s"],
  ["step-after-exit.yaml", "5:9 processes[0].run[1]: step after the exit at processes[0].run[0]: an exited process runs nothing more"],
  ["step-in-expect-key.yaml", "4:9 processes[0].run[0].expect: unknown step; expectations go in the top-level expect: list; steps are: mmap, munmap, mprotect, mremap, brk, madvise, mlock, munlock, touch, fork, exit, sleep, oom_score_adj, write, sysctl, capture, wait, swapon, swapoff, mount, file, drop_caches, sync, msync, compact, memfd, shm, cgroup, userfaultfd, uffdio, kmalloc, kfree, mkfiles"],
  ["step-needs-args.yaml", "4:9 processes[0].run[0]: step \"mmap\" needs arguments: write mmap: …"],
  ["step-outside-run.yaml", "3:5 processes[0].mmap: a step outside a program: put it in this process's run: list"],
  ["step-typo.yaml", "5:9 processes[0].run[1].tuoch: unknown step (did you mean \"touch\"?); steps are: mmap, munmap, mprotect, mremap, brk, madvise, mlock, munlock, touch, fork, exit, sleep, oom_score_adj, write, sysctl, capture, wait, swapon, swapoff, mount, file, drop_caches, sync, msync, compact, memfd, shm, cgroup, userfaultfd, uffdio, kmalloc, kfree, mkfiles"],
  ["sysctl-bad-name.yaml", "3:5 machine.sysctl.swappiness: not a sysctl name: expected a dotted name such as vm.swappiness"],
  ["sysctl-not-map.yaml", "2:11 machine.sysctl: expected a mapping of sysctl names to values, got \"vm.swappiness=100\""],
  ["sysctl-rejected.yaml", "3:27 machine.sysctl.vm.overcommit_memory: the kernel refused \"7\" (EINVAL)"],
  ["sysctl-unknown.yaml", "3:19 machine.sysctl.vm.swapiness: no such sysctl (/proc/sys/vm/swapiness does not exist)"],
  ["thp-bad.yaml", "2:8 machine.thp: expected one of always, madvise, never, got \"sometimes\""],
  ["time-limit-absurd.yaml", "1:13 time_limit: duration 100h is too long: at most 24h of simulated time"],
  ["top-is-list.yaml", "1:1 expected a scenario mapping (machine:, processes:, expect:), got a list"],
  ["top-is-scalar.yaml", "1:1 expected a scenario mapping (machine:, processes:, expect:), got \"just some text\""],
  ["touch-after-munmap.yaml", "6:26 processes[0].run[2].touch.region: mapping \"buf\" was unmapped at processes[0].run[1]"],
  ["touch-alpha-without-zipf.yaml", "5:48 processes[0].run[1].touch.alpha: alpha only applies to pattern: zipf (this touch is random)"],
  ["touch-bad-access.yaml", "5:39 processes[0].run[1].touch.access: expected one of read, write, exec, got \"modify\""],
  ["touch-bad-pattern.yaml", "5:40 processes[0].run[1].touch.pattern: expected one of sequential, random, stride, zipf, got \"zigzag\""],
  ["touch-past-end.yaml", "5:53 processes[0].run[1].touch.length: offset 512K + length 1M is past the end of mapping \"buf\" (1M)"],
  ["touch-repeat-and-duration.yaml", "5:42 processes[0].run[1].touch.duration: give either repeat or duration, not both"],
  ["touch-stride-missing.yaml", "5:40 processes[0].run[1].touch.stride: missing (required by pattern: stride)"],
  ["touch-unknown-region.yaml", "13:26 processes[1].run[3].touch.region: no mapping named \"heap\" (mapped here: buf)"],
  ["touch-zipf-negative-alpha.yaml", "5:53 processes[0].run[1].touch.alpha: -1 is out of range: expected more than 0 and at most 10"],
  ["two-actions.yaml", "5:9 processes[0].run[0].touch: one action per step: \"mmap\" and \"touch\" must be separate list items"],
  ["two-documents.yaml", "2:1 more than one YAML document: a scenario is one document (remove the ---)"],
  ["unknown-machine-key.yaml", "3:3 machine.swap: unknown key in machine; expected one of: memory, cpus, nodes, distance, thp, kernelcore, movablecore, initrd, memmap, sysctl, disks"],
  ["unknown-step.yaml", "4:9 processes[0].run[0].malloc: unknown step (did you mean \"kmalloc\"?); steps are: mmap, munmap, mprotect, mremap, brk, madvise, mlock, munlock, touch, fork, exit, sleep, oom_score_adj, write, sysctl, capture, wait, swapon, swapoff, mount, file, drop_caches, sync, msync, compact, memfd, shm, cgroup, userfaultfd, uffdio, kmalloc, kfree, mkfiles"],
  ["unknown-top-key.yaml", "2:1 proceses: unknown key in the scenario (did you mean \"processes\"?); expected one of: version, name, description, seed, machine, cgroups, processes, expect, time_limit"],
  ["version-2.yaml", "1:10 version: this mmsim reads scenario format version 1 only, not 2"],
  ["wait-unknown.yaml", "4:9 processes[0].run[0].wait: no process named \"b\" (did you mean \"a\"?) (processes: a)"],
  ["write-outside-proc.yaml", "4:24 processes[0].run[0].write.path: only /proc and /sys files can be written, got \"/etc/passwd\""],
];

async function run(file: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(["run", `${dir}/${file}`], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("malformed scenarios", () => {
  it("has a pinned message for every file in the folder, and at least 40 of them", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
    expect(files).toEqual(cases.map((c) => c[0]).sort());
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  for (const [file, message] of cases) {
    it(`${file}: ${message.replace(/^\d+:\d+ /, "").slice(0, 70)}`, async () => {
      const r = await run(file);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toBe(`${dir}/${file}:${message}\n`);
      expect(r.err.split("\n").length).toBe(2); // one line
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it("locates the issue's own example at the touch's region value", async () => {
    const r = await run("touch-unknown-region.yaml");
    expect(r.err).toBe(`${dir}/touch-unknown-region.yaml:13:26 processes[1].run[3].touch.region: no mapping named "heap" (mapped here: buf)\n`);
  });

  it("says so on one line, exit 2, for a scenario that does not exist", async () => {
    let err = "";
    const code = await runCli(["run", "no-such-scenario"], { out: () => {}, err: (s) => void (err += s) });
    expect(code).toBe(2);
    expect(err).toBe('error: no scenario file or shipped scenario named "no-such-scenario" (mmsim scenarios lists the shipped ones)\n');
  });
});
