import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Prng } from "../kernel/random.js";
import { parseScenario } from "../workload/parse.js";
import { runScenario } from "../workload/runner.js";
import { compileScenario, decodeValue, doubleBits, encodeValue, guestMachine, modelFacts, NotValidatable } from "./compile.js";
import { NOT_VALIDATABLE } from "./shipped.testutil.js";

const SCENARIOS = fileURLToPath(new URL("../../scenarios/", import.meta.url));
const shipped = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.slice(0, -5))
  .filter((n) => !NOT_VALIDATABLE.includes(n));
const load = (name: string) => parseScenario(readFileSync(`${SCENARIOS}${name}.yaml`), `scenarios/${name}.yaml`);
const yaml = (body: string) => parseScenario(body, "t.yaml");

/** Refusal of a one-process scenario with this program (YAML lines under run:). */
function refusal(run: string, machine = ""): NotValidatable {
  const sc = yaml(`name: t\n${machine}processes:\n  - name: p\n    run:\n${run}`);
  try {
    compileScenario(sc, { checkOnly: true });
  } catch (e) {
    if (e instanceof NotValidatable) return e;
    throw e;
  }
  throw new Error("compiled");
}

describe("compileScenario on the shipped scenarios", () => {
  for (const name of shipped) {
    it(`${name}: compiles (timed touches with placeholder counts), every process and step declared`, () => {
      const sc = load(name);
      const plan = compileScenario(sc, { checkOnly: true });
      const lines = plan.input.split("\n");
      expect(lines[0]).toBe("mmguest 1");
      expect(lines[lines.length - 2]).toBe("end");
      const steps = (list: (typeof sc.processes)[number]["run"]): number => list.reduce((a, s) => a + 1 + (s.kind === "fork" ? steps(s.run) : 0), 0);
      expect(lines.filter((l) => l.startsWith("step ")).length).toBe(sc.processes.reduce((a, p) => a + steps(p.run), 0));
      expect(lines.filter((l) => l.startsWith("proc ")).length).toBe(plan.processes.length);
      // no line carries a raw space inside a value: every token is a word or key=value
      for (const l of lines.filter((x) => x.startsWith("step ") || x.startsWith("cap "))) for (const tok of l.split(" ").slice(3)) expect(tok).not.toBe("");
      expect(plan.machine.memoryBytes).toBe(sc.machine.memory ?? 512 * 2 ** 20);
    });
  }

  it("refuses the kernel-allocation steps, which a guest cannot reproduce, naming the step", () => {
    for (const name of NOT_VALIDATABLE) expect(() => compileScenario(load(name), { checkOnly: true }), name).toThrow(NotValidatable);
    expect(refusal("      - kmalloc: { size: 64, count: 1 }\n").message).toMatch(/kernel allocation has no user-space equivalent/);
    expect(refusal("      - mkfiles: { path: /tmp, count: 1 }\n").message).toMatch(/mkfiles/);
    expect(refusal("      - mmap: { name: r, size: 64K }\n      - userfaultfd: { region: r }\n").message).toMatch(/userfaultfd .* not in the guest's step set/);
    expect(refusal("      - fork: { name: c, cpu: 1 }\n", "machine:\n  cpus: 2\n").message).toMatch(/fork\.cpu: the guest does not pin processes to CPUs/);
  });

  it("makes a timed touch as many accesses as the model made (tour's zipf and random touches)", () => {
    const sc = load("tour");
    expect(() => compileScenario(sc)).toThrow(/needs the model's access count/);
    const r = runScenario(sc, { timelineCap: 1e6 });
    const facts = modelFacts(sc, r.timeline);
    const touches = r.timeline.filter((e) => e.event === "touch").map((e) => Number(/: (\d+) accesses/.exec(e.text)?.[1]));
    const plan = compileScenario(sc, { facts });
    const counts = [...plan.input.matchAll(/step \d+ touch .* count=(\d+) repeat=1 ps=(\d+)/g)].map((m) => Number(m[1])).filter((n) => n > 0);
    // the db's zipf read and the two workers' random writes are timed: their counts are the model's
    expect(counts.length).toBe(3);
    for (const c of counts) expect(touches).toContain(c);
    expect(facts.forkOrder).toEqual(["worker1", "worker2"]);
    expect(plan.notes.some((n) => /makes the model's \d+ accesses/.test(n))).toBe(true);
  });

  it("gives each process the seed the runner draws for it, forks in the model's order", () => {
    const sc = load("tour");
    const plan = compileScenario(sc, { checkOnly: true, facts: { touchAccesses: new Map(), forkOrder: ["worker2", "worker1"] } });
    const rng = new Prng(sc.seed ^ 0x5ce7a410);
    const want = [rng.get_random_u32(), rng.get_random_u32(), rng.get_random_u32()];
    expect(plan.processes.slice(0, 3).map((p) => p.seed)).toEqual(want);
    // worker2 forked first here, so it took the next draw
    const w2 = rng.get_random_u32();
    const w1 = rng.get_random_u32();
    expect(plan.processes.find((p) => p.name === "worker1")?.seed).toBe(w1);
    expect(plan.processes.find((p) => p.name === "worker2")?.seed).toBe(w2);
    expect(plan.processes.find((p) => p.name === "worker2")?.parent).toBe(1);
  });

  it("asks for a disk per swap device, vda first, with the scenario's size", () => {
    const plan = compileScenario(load("w5-swap"), { checkOnly: true });
    expect(plan.disks).toEqual([{ dev: "vda", bytes: 512 * 2 ** 20 }]);
    expect(plan.input).toMatch(/step 0 swapon at=processes\[0\]\.run\[0\] path=\/dev\/vda size=536870912 rot=1/);
  });
});

describe("compileScenario refuses what the guest cannot do, naming the step", () => {
  it("an exec touch", () => {
    const e = refusal("      - mmap: { name: m, size: 1M, prot: rwx }\n      - touch: { region: m, access: exec }\n");
    expect(e.message).toBe("t.yaml:6 processes[0].run[1].touch.access: the guest cannot fetch instructions from the pages it touches (exec touches need code in them)");
  });

  it("a swap file, a swap path that is not a virtio disk, a device latency", () => {
    expect(refusal("      - swapon: { path: /swapfile, size: 64M, type: file }\n").message).toMatch(/^t\.yaml:5 processes\[0\]\.run\[0\]\.swapon\.type: the guest has no disk file system/);
    expect(refusal("      - swapon: { path: /dev/sdb, size: 64M }\n").message).toMatch(/swapon\.path: the guest's swap areas are virtio disks/);
    expect(refusal("      - swapon: { path: /dev/vda, size: 64M, latency: 1ms }\n").message).toMatch(/swapon\.latency: QEMU cannot give a virtio disk a fixed latency/);
  });

  it("sync, msync (its flags as MS_* bits), fsync and fdatasync (file ops 6 and 7) go to the guest", () => {
    const sc = yaml("name: t\nprocesses:\n  - name: p\n    run:\n      - sync\n      - mmap: { name: m, size: 64K, flags: shared|anonymous }\n      - msync: { region: m, length: 8K, flags: async|invalidate }\n      - file: { path: /tmp/x, op: fsync }\n      - file: { path: /tmp/x, op: fdatasync }\n");
    const steps = compileScenario(sc).input.split("\n").filter((l) => l.startsWith("step "));
    expect(steps[0]).toBe("step 0 sync at=processes[0].run[0]");
    // MS_ASYNC 1 | MS_INVALIDATE 2 (include/uapi/asm-generic/mman-common.h)
    expect(steps[2]).toBe("step 0 msync at=processes[0].run[2] region=0 off=0 len=8192 flags=3");
    expect(steps[3]).toMatch(/^step 0 file at=processes\[0\]\.run\[3\] path=\/tmp\/x op=6 /);
    expect(steps[4]).toMatch(/^step 0 file at=processes\[0\]\.run\[4\] path=\/tmp\/x op=7 /);
  });

  it("memory cgroups: made before the processes, +memory on the way down, a process started or moved into its group", () => {
    const sc = yaml("name: t\ncgroups:\n  - path: /pod\n    files: { memory.max: 96M }\n  - path: /pod/app\n    files: { memory.high: 64M, memory.oom.group: 1 }\n  - path: /solo\nprocesses:\n  - name: p\n    cgroup: /pod/app\n    run:\n      - cgroup: /solo\n  - name: q\n    run:\n      - exit: 0\n");
    const lines = compileScenario(sc).input.split("\n");
    const head = lines.filter((l) => l.startsWith("sysctl ") || l.startsWith("mkdir "));
    // /pod gets +memory because /pod/app is made under it; the leaves /pod/app and /solo do not
    // (cgroup v2 refuses processes in a group that distributes a controller: EBUSY)
    expect(head).toEqual([
      "sysctl /sys/fs/cgroup/cgroup.subtree_control +memory",
      "mkdir /sys/fs/cgroup/pod",
      "sysctl /sys/fs/cgroup/pod/memory.max 96M",
      "sysctl /sys/fs/cgroup/pod/cgroup.subtree_control +memory",
      "mkdir /sys/fs/cgroup/pod/app",
      "sysctl /sys/fs/cgroup/pod/app/memory.high 64M",
      "sysctl /sys/fs/cgroup/pod/app/memory.oom.group 1",
      "mkdir /sys/fs/cgroup/solo",
    ]);
    expect(lines.filter((l) => l.startsWith("proc "))).toEqual([
      expect.stringMatching(/^proc 0 p parent=-1 .* cg=\/sys\/fs\/cgroup\/pod\/app$/),
      expect.stringMatching(/^proc 1 q parent=-1 start=0 adj=0 seed=\d+$/),
    ]);
    // echo 0 > cgroup.procs: the worker moves itself
    expect(lines.find((l) => l.startsWith("step 0 "))).toBe("step 0 write at=processes[0].run[0] path=/sys/fs/cgroup/solo/cgroup.procs value=0");
  });

  it("refuses a cgroup path the guest's fixed fields cannot hold", () => {
    const deep = "/" + "g".repeat(100);
    expect(() => compileScenario(yaml(`name: t\ncgroups:\n  - path: ${deep}\nprocesses:\n  - name: p\n    run:\n      - exit: 0\n`))).toThrow(/^t\.yaml:3 cgroups\[0\]\.path: the guest takes cgroup paths of at most 96 bytes$/);
  });

  it("passes MAP_HUGETLB and MADV_COLLAPSE through to the guest as their numbers", () => {
    const sc = yaml("name: t\nprocesses:\n  - name: p\n    run:\n      - sysctl: { vm.nr_hugepages: 4 }\n      - mmap: { name: m, size: 4M, flags: private|anonymous|hugetlb }\n      - madvise: { region: m, advice: collapse }\n");
    const lines = compileScenario(sc).input.split("\n");
    // MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB = 0x2 | 0x20 | 0x40000; MADV_COLLAPSE = 25.
    expect(lines.find((l) => / mmap /.test(l))).toMatch(/ flags=262178( |$)/);
    expect(lines.find((l) => / madvise /.test(l))).toMatch(/ advice=25( |$)/);
  });

  it("a timed touch without the model's count", () => {
    const sc = yaml("name: t\nprocesses:\n  - name: p\n    run:\n      - mmap: { name: m, size: 1M }\n      - touch: { region: m, pattern: random, duration: 1ms }\n");
    expect(() => compileScenario(sc)).toThrow(/t\.yaml:6 processes\[0\]\.run\[1\]\.touch\.duration: a touch for a duration needs the model's access count/);
  });

  it("a capture label the harness reserves, a value too long for the guest's fields", () => {
    expect(refusal("      - capture: { label: '@start.meminfo', path: /proc/meminfo }\n").message).toMatch(/^t\.yaml:5 processes\[0\]\.run\[0\]\.capture: labels starting with @ are the validation harness's own/);
    expect(refusal(`      - write: { path: /proc/sys/vm/swappiness, value: "${"1".repeat(800)}" }\n`).message).toMatch(/processes\[0\]\.run\[0\]\.write\.value: the guest takes at most 767 bytes here, not 800$/);
  });

  it("memory QEMU cannot be given (not whole MiB)", () => {
    expect(() => guestMachine(yaml("name: t\nmachine:\n  memory: 300000K\nprocesses:\n  - name: p\n    run:\n      - exit: 0\n"))).toThrow(/machine\.memory: QEMU takes whole MiB/);
  });
});

describe("the guest input's encoding", () => {
  it("round-trips any text, never leaving a space, = , % or @ in a value", () => {
    for (const s of ["plain", "256 256 32 0 0", "a=b%c@d", "tab\tnew\nline", "ünïcode ✓", ""]) {
      const e = encodeValue(s);
      expect(e).not.toMatch(/[\s=@]/);
      expect(decodeValue(e)).toBe(s);
    }
  });

  it("carries zipf's alpha as its exact IEEE bits", () => {
    expect(doubleBits(1.1)).toBe("3ff199999999999a");
    expect(doubleBits(1)).toBe("3ff0000000000000");
  });
});

describe("compileScenario: the file steps (issue 14)", () => {
  it("turns mount, file, drop_caches and a file mmap into guest lines, and an ext2 disk into an image to make", () => {
    const sc = yaml(
      "name: f\nmachine:\n  disks: [{ path: /dev/vdb, size: 16M, fs: ext2, read_ahead_kb: 256, files: [{ path: f8, size: 8M }] }]\nprocesses:\n  - name: p\n    run:\n" +
        "      - mount: { path: /mnt/t, type: tmpfs, size: 1M, nr_inodes: 5 }\n" +
        "      - mount: { path: /mnt/d, type: ext2, device: /dev/vdb, readonly: true }\n" +
        "      - file: { path: /mnt/t/x, op: create, size: 64K, bs: 4K }\n" +
        "      - file: { path: /mnt/d/f8, op: read, pattern: zipf, alpha: 1.5, count: 9 }\n" +
        "      - file: { path: /mnt/d/f8, op: fadvise, advice: dontneed, offset: 4K, length: 8K }\n" +
        "      - file: { path: /mnt/t/x, op: truncate, size: 4K }\n" +
        "      - mmap: { name: m, size: 8M, prot: r, file: /mnt/d/f8, offset: 4K }\n" +
        "      - drop_caches: 3\n" +
        "      - file: { path: /mnt/t/x, op: unlink }\n",
    );
    const plan = compileScenario(sc, { checkOnly: true });
    const steps = plan.input.split("\n").filter((l) => l.startsWith("step ") || l.startsWith("sysctl "));
    expect(steps).toEqual([
      "sysctl /sys/block/vdb/queue/read_ahead_kb 256",
      "step 0 mount at=processes[0].run[0] path=/mnt/t type=0 opts=size%3D1024k,nr_inodes%3D5 ro=0",
      "step 0 mount at=processes[0].run[1] path=/mnt/d type=1 dev=/dev/vdb ro=1",
      "step 0 file at=processes[0].run[2] path=/mnt/t/x op=0 off=65536 bs=4096 pattern=0 param=0 count=0 repeat=1 direct=0 advice=0 ps=500000",
      `step 0 file at=processes[0].run[3] path=/mnt/d/f8 op=1 off=0 bs=4096 pattern=3 param=${doubleBits(1.5)} count=9 repeat=1 direct=0 advice=0 ps=500000`,
      "step 0 file at=processes[0].run[4] path=/mnt/d/f8 op=5 off=4096 len=8192 bs=131072 pattern=0 param=0 count=0 repeat=1 direct=0 advice=4 ps=12900000",
      "step 0 file at=processes[0].run[5] path=/mnt/t/x op=3 off=4096 bs=131072 pattern=0 param=0 count=0 repeat=1 direct=0 advice=0 ps=12900000",
      "step 0 mmap at=processes[0].run[6] region=0 size=8388608 prot=1 flags=1 file=/mnt/d/f8 foff=4096",
      "step 0 write at=processes[0].run[7] path=/proc/sys/vm/drop_caches value=3",
      "step 0 file at=processes[0].run[8] path=/mnt/t/x op=4 off=0 bs=131072 pattern=0 param=0 count=0 repeat=1 direct=0 advice=0 ps=12900000",
    ]);
    // vda is an unused letter: a 1 MiB blank disk keeps the names in probe order
    expect(plan.disks).toEqual([
      { dev: "vda", bytes: 2 ** 20 },
      { dev: "vdb", bytes: 16 * 2 ** 20, ext2: { files: [{ path: "f8", size: 8 * 2 ** 20 }] } },
    ]);
  });

  it("turns a compact step into the write of compact_memory or a node's compact file", () => {
    const plan = compileScenario(yaml("name: c\nprocesses:\n  - name: p\n    run:\n      - compact: all\n      - compact: 0\n"), { checkOnly: true });
    expect(plan.input.split("\n").filter((l) => l.startsWith("step "))).toEqual([
      "step 0 write at=processes[0].run[0] path=/proc/sys/vm/compact_memory value=1",
      "step 0 write at=processes[0].run[1] path=/sys/devices/system/node/node0/compact value=1",
    ]);
  });

  it("turns a memfd step into one guest line: its seals as F_SEAL_* bits", () => {
    const plan = compileScenario(yaml("name: m\nprocesses:\n  - name: p\n    run:\n      - memfd: { name: b, size: 64K, seals: shrink|write, prot: r }\n"), { checkOnly: true });
    expect(plan.input.split("\n").filter((l) => l.startsWith("step "))).toEqual(["step 0 memfd at=processes[0].run[0] region=0 name=b size=65536 prot=1 flags=1 seals=10 sealable=1"]);
  });

  it("refuses what the guest cannot do, naming the field", () => {
    expect(refusal("      - mount: { path: /mnt/t, type: tmpfs }\n      - file: { path: /mnt/t/x, op: create, size: 4M, bs: 2M }\n").message).toBe(
      "t.yaml:6 processes[0].run[1].file.bs: the guest reads and writes through a buffer of bs bytes of its own memory: at most 1M to validate",
    );
    expect(refusal("      - exit: 0\n", "machine:\n  disks: [{ path: /dev/vda, size: 1M, latency: 1ms }]\n").message).toMatch(/^t\.yaml:3 machine\.disks\[0\]\.latency: QEMU cannot give a virtio disk a fixed latency/);
    expect(refusal("      - swapon: { path: /dev/vda, size: 1M }\n", "machine:\n  disks: [{ path: /dev/vda, size: 1M }]\n").message).toMatch(/swapon\.path: \/dev\/vda is a disk of machine\.disks/);
  });
});
