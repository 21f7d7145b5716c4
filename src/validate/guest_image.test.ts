import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../workload/parse.js";
import { compileScenario } from "./compile.js";
import { BASE_CMDLINE, cpioNewc, qemuArgs, RUN_ARCHIVE_SIZE, runArchive } from "./guest_image.js";

/** Reads a newc archive back: name → [mode, data]. */
function readNewc(b: Uint8Array): Map<string, { mode: number; data: string }> {
  const out = new Map<string, { mode: number; data: string }>();
  const dec = new TextDecoder("latin1");
  let o = 0;
  const pad = (n: number): number => (n + 3) & ~3;
  while (o + 110 <= b.length) {
    const h = dec.decode(b.subarray(o, o + 110));
    expect(h.slice(0, 6)).toBe("070701");
    const f = (i: number): number => parseInt(h.slice(6 + 8 * i, 14 + 8 * i), 16);
    const mode = f(1);
    const size = f(6);
    const namesize = f(11);
    const name = dec.decode(b.subarray(o + 110, o + 110 + namesize - 1));
    const data = pad(o + 110 + namesize);
    if (name === "TRAILER!!!") break;
    out.set(name, { mode, data: dec.decode(b.subarray(data, data + size)) });
    o = pad(data + size);
  }
  return out;
}

describe("the guest's initramfs archives", () => {
  it("writes newc entries the way cpio reads them: files, directories, symlinks", () => {
    const a = cpioNewc([
      { name: "bin", type: "dir", perm: 0o755 },
      { name: "bin/x", type: "file", perm: 0o755, data: new TextEncoder().encode("hello") },
      { name: "bin/y", type: "symlink", perm: 0o777, data: new TextEncoder().encode("x") },
    ]);
    const e = readNewc(a);
    expect(e.get("bin")?.mode).toBe(0o40755);
    expect(e.get("bin/x")).toEqual({ mode: 0o100755, data: "hello" });
    expect(e.get("bin/y")).toEqual({ mode: 0o120777, data: "x" });
    // GNU cpio lists the same archive
    const dir = mkdtempSync(join(tmpdir(), "cpio-test-"));
    try {
      writeFileSync(join(dir, "a.cpio"), a);
      const r = spawnSync("cpio", ["-t", "-F", join(dir, "a.cpio")], { encoding: "utf8" });
      if (r.status === 0) expect(r.stdout.trim().split("\n")).toEqual(["bin", "bin/x", "bin/y"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pads the run's archive to a fixed size, so the initrd's size is known before compiling", () => {
    const sc = parseScenario(readFileSync("scenarios/w5-swap.yaml"), "w5-swap.yaml");
    const plan = compileScenario(sc, { checkOnly: true });
    const a = runArchive(plan);
    expect(a.length).toBe(RUN_ARCHIVE_SIZE);
    const e = readNewc(a);
    expect(e.get("run.in")?.data).toBe(plan.input);
    expect(e.get("etc/mmguest-disks")?.data).toBe("vda\n");
    expect(e.get("etc/mmguest-virtio")?.data.split("\n")[0]).toBe("virtio_ring.ko");
    expect(() => runArchive({ ...plan, input: "x".repeat(RUN_ARCHIVE_SIZE) })).toThrow(/the guest takes at most/);
  });
});

describe("qemuArgs", () => {
  const paths = { kernel: "K", initrd: "I", console: "C", disks: ["D0"] };
  it("boots the realkernel machine: memory, CPUs, strict boot order, the base command line", () => {
    const a = qemuArgs({ memoryBytes: 256 * 2 ** 20, cpus: 1, cmdline: ["transparent_hugepage=never"] }, [{ dev: "vda", bytes: 2 ** 29 }], paths);
    expect(a.join(" ")).toBe(
      "-nodefaults -no-user-config -no-reboot -display none -monitor none -boot strict=on -serial file:C -m 256M -kernel K -initrd I -accel tcg " +
        "-drive file=D0,format=raw,if=virtio,cache=unsafe -smp 1 -append " +
        [...BASE_CMDLINE, "transparent_hugepage=never"].join(" "),
    );
  });

  it("gives NUMA nodes memory backends, CPUs and distances, and a swap disk its bandwidth", () => {
    const a = qemuArgs({ memoryBytes: 2 ** 30, cpus: 2, nodes: [{ bytes: 2 ** 29, cpus: [0] }, { bytes: 2 ** 29, cpus: [1] }], distance: [[10, 21], [21, 10]], cmdline: [] }, [{ dev: "vda", bytes: 2 ** 29, bandwidth: 1e8 }], paths, "kvm");
    const s = a.join(" ");
    expect(s).toContain("-object memory-backend-ram,id=m0,size=512M -numa node,nodeid=0,cpus=0,memdev=m0 -object memory-backend-ram,id=m1,size=512M -numa node,nodeid=1,cpus=1,memdev=m1");
    expect(s).toContain("-numa dist,src=0,dst=1,val=21");
    expect(s).toContain("cache=unsafe,throttling.bps-total=100000000");
    expect(s).toContain("-enable-kvm -cpu host,-arch-capabilities");
  });
});
