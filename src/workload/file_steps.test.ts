/**
 * The file steps (issue 14): mount, file, drop_caches, mmap of a file and machine.disks — parsed
 * with their defaults, bad arguments refused with located one-line messages, and run with the
 * kernel's errnos and signals reaching the scenario (expect_error, a killed process).
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "./parse.js";
import { runScenario } from "./runner.js";
import { ScenarioError } from "./schema.js";
import { scenarioError } from "./parse.testutil.js";

const head = "machine: { memory: 256M }\nprocesses:\n  - name: sh\n    run:\n";
const withDisk = "machine:\n  memory: 256M\n  disks: [{ path: /dev/vda, size: 16M, fs: ext2, files: [{ path: f8, size: 8M }, { path: dir }] }]\nprocesses:\n  - name: sh\n    run:\n";

const err = scenarioError;

function runErr(text: string): string {
  try {
    runScenario(parseScenario(text, "s.yaml"));
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  return "ran";
}

describe("file steps: parsing", () => {
  it("reads mount, file, drop_caches and a file mmap with their defaults", () => {
    const sc = parseScenario(
      withDisk +
        "      - mount: { path: /mnt/d/, type: ext2, device: /dev/vda, readonly: true }\n" +
        "      - mount: { path: /mnt/t, type: tmpfs, size: 10%, nr_inodes: 9, huge: never }\n" +
        "      - file: { path: /mnt/t/x, op: create, size: 1M }\n" +
        "      - file: { path: /mnt/d/f8, op: read, pattern: zipf, alpha: 1.2, count: 10 }\n" +
        "      - file: { path: /mnt/t/x, op: write, offset: 4K, length: 64K, pattern: stride, stride: 16K, direct: false }\n" +
        "      - file: { path: /mnt/t/x, op: fadvise, advice: dontneed }\n" +
        "      - file: { path: /mnt/t/x, op: truncate, size: 0 }\n" +
        "      - file: { path: /mnt/t/x, op: unlink }\n" +
        "      - mmap: { name: m, size: 8M, prot: r, file: /mnt/d/f8, offset: 4K }\n" +
        "      - drop_caches: 1\n",
      "s.yaml",
    );
    expect(sc.machine.disks).toEqual([{ pos: { line: 3, col: 11 }, path: "machine.disks[0]", dev: "/dev/vda", size: 16 << 20, fs: "ext2", files: [{ path: "f8", size: 8 << 20 }, { path: "dir" }] }]);
    const r = sc.processes[0].run;
    expect(r[0]).toMatchObject({ kind: "mount", target: "/mnt/d", fstype: "ext2", source: "/dev/vda", readonly: true });
    expect(r[1]).toMatchObject({ kind: "mount", target: "/mnt/t", fstype: "tmpfs", size: "10%", nr_inodes: 9, huge: "never", readonly: false });
    expect(r[2]).toMatchObject({ kind: "file", op: "create", file: "/mnt/t/x", size: 1 << 20, bs: 128 << 10, window_pages: 256 });
    // the read's window is the disk file's 8 MiB, known from machine.disks, in 4 KiB calls
    expect(r[3]).toMatchObject({ kind: "file", op: "read", pattern: { kind: "zipf", alpha: 1.2 }, count: 10, bs: 4096, offset: 0, window_pages: 2048, repeat: 1, direct: false });
    expect(r[4]).toMatchObject({ op: "write", offset: 4096, length: 65536, pattern: { kind: "stride", stride: 16384 }, bs: 4096 });
    expect(r[5]).toMatchObject({ op: "fadvise", advice: "dontneed", offset: 0 });
    expect(r[6]).toMatchObject({ op: "truncate", size: 0 });
    expect(r[7]).toMatchObject({ op: "unlink" });
    expect(r[8]).toMatchObject({ kind: "mmap", name: "m", file: "/mnt/d/f8", offset: 4096, flags: "shared", prot: "r" });
    expect(r[9]).toMatchObject({ kind: "drop_caches", value: 1 });
  });

  it("refuses bad arguments with located messages", () => {
    const e = (steps: string): string => err(head + steps);
    expect(e("      - file: { path: /mnt/t/x, op: copy }\n")).toBe('s.yaml:5:37 processes[0].run[0].file.op: expected one of create, read, write, truncate, unlink, fadvise, fsync, fdatasync, got "copy"');
    expect(e("      - file: { path: mnt/x, op: read }\n")).toMatch(/^s\.yaml:5:23 processes\[0\]\.run\[0\]\.file\.path: expected an absolute path/);
    expect(e("      - file: { path: /mnt/../etc, op: read }\n")).toMatch(/file\.path: "\.\." is not allowed/);
    expect(e("      - file: { path: /proc/meminfo, op: read }\n")).toMatch(/file\.path: \/proc and \/sys files are read with capture:/);
    expect(e("      - file: { path: /mnt/t/x, op: truncate }\n")).toMatch(/^s\.yaml:5:\d+ processes\[0\]\.run\[0\]\.file\.size: missing \(truncate needs the new size/);
    expect(e("      - file: { path: /mnt/t/x, op: unlink, size: 1M }\n")).toMatch(/file\.size: op: unlink takes no size$/);
    expect(e("      - file: { path: /mnt/t/x, op: read, advice: random }\n")).toMatch(/file\.advice: op: read takes no advice \(it takes offset, length, bs/);
    expect(e("      - file: { path: /mnt/t/x, op: fadvise }\n")).toMatch(/file\.advice: missing \(fadvise needs the advice/);
    expect(e("      - file: { path: /mnt/t/x, op: fadvise, advice: forget }\n")).toMatch(/file\.advice: expected one of normal, random/);
    expect(e("      - file: { path: /mnt/t/x, op: read, offset: -4K }\n")).toMatch(/file\.offset: size must not be negative/);
    expect(e("      - file: { path: /mnt/t/x, op: read, pattern: stride, stride: 6K, bs: 4K }\n")).toMatch(/file\.stride: .*multiple of the 4K page size|file\.stride: the stride must be a multiple of bs/);
    expect(e("      - file: { path: /mnt/t/x, op: write, bs: 1G }\n")).toMatch(/file\.bs: size 1G is too large/);
    expect(e("      - mount: { path: /mnt/t, type: btrfs }\n")).toMatch(/mount\.type: expected one of tmpfs, ext2, got "btrfs"/);
    expect(e("      - mount: { path: /mnt/d, type: ext2, device: /dev/vda }\n")).toMatch(/^s\.yaml:5:\d+ processes\[0\]\.run\[0\]\.mount\.device: no disk \/dev\/vda in machine\.disks \(add one:/);
    expect(e("      - mount: { path: /mnt/d, type: ext2 }\n")).toMatch(/mount\.device: missing/);
    expect(e("      - mount: { path: /proc, type: tmpfs }\n")).toMatch(/mount\.path: cannot mount on \/proc/);
    expect(e("      - mount: { path: /mnt/t, type: tmpfs, device: /dev/vda }\n")).toMatch(/mount\.device: a tmpfs has no device/);
    expect(e("      - mount: { path: /mnt/t, type: tmpfs, size: 0% }\n")).toMatch(/mount\.size: a percentage of RAM from 1% to 10000%/);
    expect(e("      - drop_caches: 4\n")).toMatch(/drop_caches: 4 is out of range: expected 1 to 3/);
    expect(e("      - mmap: { name: m, size: 1M, flags: shared }\n")).toMatch(/mmap\.flags: a mapping without anonymous in its flags maps a file: give it with file: PATH/);
    expect(e("      - mmap: { name: m, size: 1M, flags: shared|anonymous, file: /mnt/x }\n")).toMatch(/mmap\.flags: a mapping of file \/mnt\/x cannot be anonymous/);
    expect(e("      - mmap: { name: m, size: 1M, offset: 4K }\n")).toMatch(/mmap\.offset: offset only applies to a file mapping/);
    expect(e("      - mmap: { name: m, size: 1M, file: /mnt/x, offset: 100 }\n")).toMatch(/mmap\.offset: size 100 is not a multiple of the 4K page size/);
  });

  it("refuses bad disks with located messages", () => {
    const d = (disks: string): string => err(`machine:\n  disks: ${disks}\nprocesses: []\n`);
    expect(d("[{ path: /dev/sda, size: 1M }]")).toMatch(/^s\.yaml:2:\d+ machine\.disks\[0\]\.path: expected a virtio disk \/dev\/vda … \/dev\/vdz, got "\/dev\/sda"/);
    expect(d("[{ path: /dev/vda, size: 1M }, { path: /dev/vda, size: 1M }]")).toMatch(/machine\.disks\[1\]\.path: \/dev\/vda is already a disk/);
    expect(d("[{ path: /dev/vda, size: 32K }]")).toMatch(/machine\.disks\[0\]\.size: a disk is at least 64K/);
    expect(d("[{ path: /dev/vda, size: 1M, files: [] }]")).toMatch(/machine\.disks\[0\]\.files: only a disk with fs: ext2 holds files/);
    expect(d("[{ path: /dev/vda, size: 1M, fs: xfs }]")).toMatch(/machine\.disks\[0\]\.fs: expected one of ext2/);
    expect(d("[{ path: /dev/vda, size: 1M, fs: ext2, block_size: 512 }]")).toMatch(/machine\.disks\[0\]\.block_size: 512 is out of range/);
    expect(d("[{ path: /dev/vda, size: 1M, fs: ext2, files: [{ path: /abs }] }]")).toMatch(/machine\.disks\[0\]\.files\[0\]\.path: expected a path inside the filesystem/);
    expect(d("[{ path: /dev/vda, size: 1M, fs: ext2, files: [{ path: a }, { path: a }] }]")).toMatch(/machine\.disks\[0\]\.files\[1\]\.path: "a" is already a file of this disk/);
    expect(d("[{ path: /dev/vda, size: 1M, fs: ext2, files: [{ path: a, size: 2M }] }]")).toMatch(/files\[0\]\.size: size 2M is too large: at most 1M/);
    expect(d("{ path: /dev/vda }")).toMatch(/machine\.disks: expected a list of disks/);
    // files that do not fit together: the library says so, located at the disk
    const big = "machine:\n  disks: [{ path: /dev/vda, size: 1M, fs: ext2, files: [{ path: a, size: 700K }, { path: b, size: 700K }] }]\nprocesses: []\n";
    expect(runErr(big)).toMatch(/^s\.yaml:2:\d+ machine\.disks\[0\]: /);
  });
});

describe("file steps: running", () => {
  /** The run's process outcome and expectation failures. */
  function run(text: string): { state: string; error?: string; signal?: string; fails: string[]; timeline: string } {
    const r = runScenario(parseScenario(text, "s.yaml"));
    const p = r.processes[0];
    return { state: p.state, error: p.error, signal: p.signal, fails: r.expectations.filter((e) => !e.ok).map((e) => `${e.what}: ${e.actual}`), timeline: r.timeline.map((t) => t.text).join("\n") };
  }

  it("passes the kernel's errnos to expect_error: ENOENT, EROFS, EINVAL for O_DIRECT on tmpfs, ENOSPC mid-write", () => {
    const r = run(
      withDisk +
        "      - mount: { path: /mnt/d, type: ext2, device: /dev/vda, readonly: true }\n" +
        "      - file: { path: /mnt/d/nope, op: read }\n        expect_error: ENOENT\n" +
        "      - file: { path: /mnt/d/new, op: create, size: 4K }\n        expect_error: EROFS\n" +
        "      - file: { path: /mnt/d/f8, op: truncate, size: 0 }\n        expect_error: EROFS\n" +
        "      - mount: { path: /mnt/t, type: tmpfs, size: 64K }\n" +
        "      - file: { path: /mnt/t/x, op: create, size: 8K }\n" +
        "      - file: { path: /mnt/t/x, op: read, direct: true }\n        expect_error: EINVAL\n" +
        "      - file: { path: /mnt/t/x, op: write, offset: 32K, length: 64K, bs: 4K }\n        expect_error: ENOSPC\n" +
        "      - file: { path: /mnt/d, op: unlink }\n        expect_error: EISDIR\n",
    );
    expect(r.fails).toEqual([]);
    expect(r.state).toBe("alive");
    expect(r.timeline.match(/as expected/g)?.length).toBe(6);
  });

  it("ends the program with exit(1) on an errno it did not expect, naming the step", () => {
    const r = run(head + "      - file: { path: /mnt/none/x, op: read }\n");
    expect(r.state).toBe("exited");
    expect(r.error).toBe("read /mnt/none/x failed: ENOENT (s.yaml:5)");
  });

  it("a write expected to fail that succeeds is a failed expectation", () => {
    const r = run(head + "      - mount: { path: /mnt/t, type: tmpfs }\n      - file: { path: /mnt/t/x, op: create, size: 64K }\n        expect_error: ENOSPC\n");
    expect(r.fails).toEqual(["file fails with ENOSPC: success"]);
  });

  it("truncating a mapped file below the mapping: an access past EOF is SIGBUS", () => {
    const r = run(
      head +
        "      - mount: { path: /mnt/t, type: tmpfs }\n" +
        "      - file: { path: /mnt/t/x, op: create, size: 64K }\n" +
        "      - mmap: { name: m, size: 64K, file: /mnt/t/x, flags: shared }\n" +
        "      - touch: { region: m, access: read }\n" +
        "      - file: { path: /mnt/t/x, op: truncate, size: 16K }\n" +
        "      - touch: { region: m, offset: 16K, length: 4K, access: read }\n",
    );
    expect(r.state).toBe("killed");
    expect(r.signal).toBe("SIGBUS");
  });

  it("an unlinked file stays while mapped; its pages go when the mapping goes", () => {
    const sc = parseScenario(
      head +
        "      - mount: { path: /mnt/t, type: tmpfs }\n" +
        "      - file: { path: /mnt/t/x, op: create, size: 4M }\n" +
        "        capture: { label: a, path: /proc/meminfo }\n" +
        "      - mmap: { name: m, size: 4M, file: /mnt/t/x, flags: shared, prot: rw }\n" +
        "      - file: { path: /mnt/t/x, op: unlink }\n" +
        "      - touch: { region: m, access: write }\n" +
        "        capture: { label: b, path: /proc/meminfo }\n" +
        "      - munmap: { region: m }\n" +
        "        capture: { label: c, path: /proc/meminfo }\n" +
        "      - file: { path: /mnt/t/x, op: read }\n        expect_error: ENOENT\n" +
        "expect:\n" +
        "  - { capture: b, field: Shmem, since: a, equals: 0 }\n" +
        "  - { capture: c, field: Shmem, since: a, equals: -4096 }\n",
      "s.yaml",
    );
    const r = runScenario(sc);
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
  });

  it("a read of a window past the end reads nothing; fadvise DONTNEED drops the clean cache", () => {
    const r = runScenario(
      parseScenario(
        withDisk +
          "      - mount: { path: /mnt/d, type: ext2, device: /dev/vda }\n" +
          "      - file: { path: /mnt/d/f8, op: read, offset: 16M }\n" +
          "      - file: { path: /mnt/d/f8, op: read }\n        capture: { label: read, path: /proc/meminfo }\n" +
          "      - file: { path: /mnt/d/f8, op: fadvise, advice: dontneed }\n        capture: { label: dropped, path: /proc/meminfo }\n" +
          "expect:\n  - { capture: dropped, field: Inactive(file), since: read, max: -8192 }\n",
        "s.yaml",
      ),
    );
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(r.timeline.map((t) => t.text)).toContain("read /mnt/d/f8: nothing to read (the window is empty)");
  });
});

describe("file steps: fuzzed arguments", () => {
  it("any value in any file-step field parses to a located error or runs to the end: never a stack trace", () => {
    const values = ["0", "-1", "4K", "1T", "2T", "abc", "/", "/mnt/t", "/mnt/t/x", "/dev/vda", "''", "[1, 2]", "{ a: 1 }", "true", "null", "3", "100%", "7", "random", "zipf", "create", "read", "write", "truncate", "unlink", "fadvise", "dontneed", "tmpfs", "ext2"];
    const template = [
      "      - mount: { path: %, type: %, size: %, nr_inodes: % }",
      "      - file: { path: %, op: %, size: % }",
      "      - file: { path: %, op: %, offset: %, length: %, bs: %, pattern: % }",
      "      - mmap: { name: m, size: 64K, file: %, flags: %, offset: % }",
      "      - touch: { region: m, access: % }",
      "      - file: { path: %, op: %, advice: % }",
      "      - drop_caches: %",
    ];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const base = ["/mnt/t", "tmpfs", "1M", "9", "/mnt/t/x", "create", "64K", "/mnt/t/x", "read", "0", "64K", "4K", "random", "/mnt/t/x", "shared", "0", "read", "/mnt/t/x", "fadvise", "dontneed", "3"];
    // the unmutated program runs
    let k0 = 0;
    expect(runScenario(parseScenario(head + template.map((l) => l.replace(/%/g, () => base[k0++])).join("\n") + "\n", "f.yaml")).processes[0].state).toBe("alive");
    let errors = 0;
    let runs = 0;
    for (let i = 0; i < 200; i++) {
      const vals = base.slice();
      for (let k = 0; k < 1 + rnd(2); k++) vals[rnd(vals.length)] = values[rnd(values.length)];
      let j = 0;
      const text = head + template.map((l) => l.replace(/%/g, () => vals[j++])).join("\n") + "\n";
      let sc;
      try {
        sc = parseScenario(text, "f.yaml");
      } catch (e) {
        expect(e, text).toBeInstanceOf(ScenarioError);
        expect((e as Error).message.split("\n").length).toBe(1);
        errors++;
        continue;
      }
      const r = runScenario(sc, { force: true });
      expect(r.processes.length).toBe(1);
      runs++;
    }
    expect(errors).toBeGreaterThan(20);
    expect(runs).toBeGreaterThan(10);
  });
});

describe("the memfd step", () => {
  it("creates, sizes, seals and maps a memfd; a write seal refuses a shared writable mapping with EPERM", () => {
    const sc = parseScenario(
      head +
        "      - memfd: { name: buf, size: 1M }\n" +
        "      - touch: { region: buf, access: write }\n" +
        "        capture: { label: a, path: /proc/meminfo }\n" +
        "      - memfd: { name: sealed, size: 64K, seals: shrink|grow|write }\n        expect_error: EPERM\n" +
        "      - memfd: { name: ro, size: 64K, seals: write, prot: r }\n" +
        "      - touch: { region: ro, access: read }\n" +
        "        capture: { label: maps, path: /proc/self/maps }\n" +
        "expect:\n  - { capture: maps, matches: 'rw-s 00000000 00:01 \\d+ +/memfd:buf \\(deleted\\)', equals: 1 }\n  - { capture: maps, matches: 'r--s 00000000 00:01 \\d+ +/memfd:ro \\(deleted\\)', equals: 1 }\n",
      "s.yaml",
    );
    expect(sc.processes[0].run[2]).toMatchObject({ kind: "memfd", name: "sealed", size: 65536, seals: "shrink|grow|write", prot: "rw", flags: "shared" });
    const r = runScenario(sc);
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(r.processes[0].state).toBe("alive");
  });

  it("refuses bad seals and anonymous flags, located", () => {
    expect(err(head + "      - memfd: { name: m, size: 1M, seals: grow|glue }\n")).toMatch(/^s\.yaml:5:\d+ processes\[0\]\.run\[0\]\.memfd\.seals: unknown seal "glue"/);
    expect(err(head + "      - memfd: { name: m, size: 1M, flags: shared|anonymous }\n")).toMatch(/memfd\.flags: a memfd mapping maps the file/);
    expect(err(head + "      - memfd: { name: m }\n")).toMatch(/memfd.*size/);
  });
});

describe("the fsync, fdatasync, sync and msync steps", () => {
  const ext2 = "machine:\n  memory: 256M\n  disks: [{ path: /dev/vda, size: 64M, fs: ext2, bandwidth: 100M }]\nprocesses:\n  - name: sh\n    run:\n      - mount: { path: /mnt/d, type: ext2, device: /dev/vda }\n";

  it("parses them with their defaults", () => {
    const sc = parseScenario(
      ext2 +
        "      - file: { path: /mnt/d/f, op: create, size: 1M }\n" +
        "      - file: { path: /mnt/d/f, op: fsync }\n" +
        "      - file: { path: /mnt/d/f, op: fdatasync }\n" +
        "      - sync\n" +
        "      - sync:\n" +
        "      - mmap: { name: m, size: 1M, file: /mnt/d/f }\n" +
        "      - msync: { region: m }\n" +
        "      - msync: { region: m, offset: 4K, length: 8K, flags: async | invalidate }\n",
      "s.yaml",
    );
    const r = sc.processes[0].run;
    expect(r[2]).toMatchObject({ kind: "file", op: "fsync", file: "/mnt/d/f" });
    expect(r[3]).toMatchObject({ kind: "file", op: "fdatasync" });
    expect(r[4]).toMatchObject({ kind: "sync", path: "processes[0].run[4]" });
    expect(r[5]).toMatchObject({ kind: "sync" });
    expect(r[7]).toMatchObject({ kind: "msync", region: "m", offset: 0, flags: "sync" });
    expect(r[7]).not.toHaveProperty("length", expect.anything());
    expect(r[8]).toMatchObject({ kind: "msync", region: "m", offset: 4096, length: 8192, flags: "async|invalidate" });
  });

  it("refuses bad arguments with located messages", () => {
    const e = (steps: string): string => err(head + steps);
    expect(e("      - file: { path: /mnt/t/x, op: fsync, offset: 4K }\n")).toMatch(/^s\.yaml:5:\d+ processes\[0\]\.run\[0\]\.file\.offset: op: fsync takes no offset$/);
    expect(e("      - file: { path: /mnt/t/x, op: fdatasync, size: 1M }\n")).toMatch(/file\.size: op: fdatasync takes no size$/);
    expect(e("      - sync: /mnt/t\n")).toMatch(/^s\.yaml:5:\d+ processes\[0\]\.run\[0\]\.sync: sync takes no arguments/);
    expect(e("      - msync: { region: nope }\n")).toMatch(/^s\.yaml:5:\d+ processes\[0\]\.run\[0\]\.msync\.region: no mapping named "nope"/);
    expect(e("      - mmap: { name: m, size: 64K }\n      - msync: { region: m, flags: sync|now }\n")).toMatch(/^s\.yaml:6:\d+ processes\[0\]\.run\[1\]\.msync\.flags: unknown msync flag "now": expected sync, async, invalidate/);
    expect(e("      - mmap: { name: m, size: 64K }\n      - msync: { region: m, offset: 64K }\n")).toMatch(/msync\.offset: offset 64K is past the end of mapping "m"/);
    expect(e("      - mmap: { name: m, size: 64K }\n      - msync: { region: m, offset: 100 }\n")).toMatch(/msync\.offset: size 100 is not a multiple of the 4K page size/);
    expect(e("      - mmap: { name: m, size: 64K }\n      - msync: { region: m, length: 128K }\n")).toMatch(/msync\.length: offset 0 \+ length 128K is past the end/);
    expect(e("      - msync: m\n")).toMatch(/msync: expected msync's arguments as a mapping/);
  });

  /** The expectations that failed, and the timeline's texts. */
  function outcome(text: string): { fails: string[]; timeline: string[]; state: string; error?: string } {
    const r = runScenario(parseScenario(text, "s.yaml"));
    return { fails: r.expectations.filter((e) => !e.ok).map((e) => `${e.what}: ${e.actual}`), timeline: r.timeline.map((t) => t.text), state: r.processes[0].state, error: r.processes[0].error };
  }

  it("fsync, fdatasync and sync write the dirty pages and wait; the counters and the timeline say so", () => {
    const r = outcome(
      ext2 +
        "      - file: { path: /mnt/d/a, op: create, size: 2M }\n" +
        "        capture: [{ label: dirty, path: /proc/meminfo }, { label: v0, path: /proc/vmstat }]\n" +
        "      - file: { path: /mnt/d/a, op: fsync }\n" +
        "        capture: [{ label: fsynced, path: /proc/meminfo }, { label: v1, path: /proc/vmstat }]\n" +
        "      - file: { path: /mnt/d/b, op: create, size: 1M }\n" +
        "      - file: { path: /mnt/d/b, op: fdatasync }\n" +
        "        capture: { label: v2, path: /proc/vmstat }\n" +
        "      - file: { path: /mnt/d/c, op: create, size: 1M }\n" +
        "        capture: { label: dirty3, path: /proc/meminfo }\n" +
        "      - sync:\n" +
        "        capture: [{ label: synced, path: /proc/meminfo }, { label: v3, path: /proc/vmstat }]\n" +
        "      - file: { path: /mnt/d/nope, op: fsync }\n        expect_error: ENOENT\n" +
        "expect:\n" +
        "  - { capture: dirty, field: Dirty, min: 2048 }\n" +
        // the block bitmaps are the filesystem's: fsync leaves them to the flusher
        "  - { capture: fsynced, field: Dirty, max: 12 }\n" +
        "  - { capture: fsynced, field: Writeback, equals: 0 }\n" +
        "  - { capture: v1, field: nr_written, since: v0, min: 512 }\n" +
        "  - { capture: v2, field: nr_written, since: v1, min: 256 }\n" +
        "  - { capture: dirty3, field: Dirty, min: 1024 }\n" +
        "  - { capture: synced, field: Dirty, equals: 0 }\n" +
        "  - { capture: synced, field: Writeback, equals: 0 }\n" +
        "  - { capture: v3, field: nr_written, since: v2, min: 256 }\n",
    );
    expect(r.fails).toEqual([]);
    expect(r.state).toBe("alive");
    expect(r.timeline.find((t) => t.startsWith("fsync /mnt/d/a: "))).toMatch(/^fsync \/mnt\/d\/a: \d+ pages written in \d/);
    expect(r.timeline.find((t) => t.startsWith("fdatasync /mnt/d/b: "))).toMatch(/pages written/);
    expect(r.timeline.find((t) => t.startsWith("sync: "))).toMatch(/^sync: \d+ pages written in /);
  });

  it("msync: MS_SYNC writes a shared mapping's dirty pages, MS_ASYNC writes none, and the kernel's errnos reach expect_error", () => {
    const r = outcome(
      ext2 +
        "      - file: { path: /mnt/d/f, op: create, size: 1M }\n" +
        "      - sync\n" +
        "      - mmap: { name: m, size: 1M, file: /mnt/d/f, flags: shared, prot: rw }\n" +
        "      - touch: { region: m, access: write }\n" +
        "        capture: [{ label: w, path: /proc/meminfo }, { label: v0, path: /proc/vmstat }]\n" +
        "      - msync: { region: m, flags: async }\n" +
        "        capture: [{ label: a, path: /proc/meminfo }, { label: v1, path: /proc/vmstat }]\n" +
        "      - msync: { region: m, offset: 512K }\n" +
        "        capture: [{ label: half, path: /proc/meminfo }, { label: v2, path: /proc/vmstat }]\n" +
        "      - msync: { region: m, flags: sync|invalidate }\n" +
        "        capture: [{ label: s, path: /proc/meminfo }, { label: v3, path: /proc/vmstat }]\n" +
        "      - msync: { region: m, flags: sync|async }\n        expect_error: EINVAL\n" +
        "      - munmap: { region: m, offset: 256K, length: 256K }\n" +
        "      - msync: { region: m }\n        expect_error: ENOMEM\n" +
        "      - mlock: { region: m, length: 64K }\n" +
        "      - msync: { region: m, length: 64K, flags: invalidate }\n        expect_error: EBUSY\n" +
        "expect:\n" +
        "  - { capture: w, field: Dirty, min: 1024 }\n" +
        "  - { capture: v1, field: nr_written, since: v0, equals: 0 }\n" +
        "  - { capture: a, field: Dirty, since: w, equals: 0 }\n" +
        "  - { capture: v2, field: nr_written, since: v1, equals: 128 }\n" +
        "  - { capture: half, field: Dirty, since: w, equals: -512 }\n" +
        "  - { capture: v3, field: nr_written, since: v2, equals: 128 }\n" +
        "  - { capture: s, field: Dirty, equals: 0 }\n",
    );
    expect(r.fails).toEqual([]);
    expect(r.state).toBe("alive");
    expect(r.timeline).toContain("msync m MS_ASYNC: 0 pages written in 0ns");
    expect(r.timeline.find((t) => t.startsWith("msync m +512K 512K MS_SYNC: "))).toMatch(/: 128 pages written in /);
    expect(r.timeline.filter((t) => /failed with (EINVAL|ENOMEM|EBUSY), as expected/.test(t)).length).toBe(3);
  });

  it("an fsync of a file that is not open for the step's reason ends the program, named", () => {
    const r = outcome(head + "      - file: { path: /mnt/none, op: fdatasync }\n");
    expect(r.state).toBe("exited");
    expect(r.error).toBe("fdatasync /mnt/none failed: ENOENT (s.yaml:5)");
  });
});
