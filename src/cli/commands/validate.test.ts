/**
 * `mmsim validate` without a real QEMU: usage errors, a missing QEMU, and — with a stand-in
 * qemu-system-x86_64 script and a stand-in kernel in a temporary cache — a guest that hangs,
 * one whose kernel panics, one that prints garbage: each a one-line message and the right exit
 * code, the temporary files removed (or kept with --keep). The real end-to-end run is the opt-in
 * test at the end (MMSIM_VALIDATE=1), which boots Debian's 6.1 kernel under QEMU.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXT2_MODULES, VIRTIO_MODULES } from "../../api/index.js";
import { runCli } from "../main.js";

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let out = "";
  let err = "";
  try {
    const code = await runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const gcc = spawnSync("gcc", ["--version"]).status === 0;
if (!gcc) console.warn("validate.test.ts: gcc is not installed, so the runs with a stand-in QEMU (which build tools/guest) are skipped");

let work = "";
let emptyBin = "";
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "mmsim-validate-test-"));
  emptyBin = join(work, "empty-bin");
  mkdirSync(emptyBin);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("mmsim validate: mistakes in the command or the scenario (exit 2)", () => {
  it("refuses a step the guest cannot perform, naming it, before anything is downloaded", async () => {
    const f = join(work, "exec.yaml");
    writeFileSync(f, "name: exec\nprocesses:\n  - name: p\n    run:\n      - mmap: { name: m, size: 1M, prot: rwx }\n      - touch: { region: m, access: exec }\n");
    const r = await cli(["validate", f], { PATH: emptyBin });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${f}:6 processes[0].run[1].touch.access: the guest cannot fetch instructions from the pages it touches (exec touches need code in them)\n`);
    expect(r.out).toBe("");
  });

  it("refuses a machine larger than this host can give a guest", async () => {
    const f = join(work, "big.yaml");
    writeFileSync(f, "name: big\nmachine:\n  memory: 64G\nprocesses:\n  - name: p\n    run:\n      - exit: 0\n");
    const r = await cli(["validate", f], { PATH: emptyBin });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^\S+big\.yaml:1 machine\.memory: 65536 MiB is more than this host can give a guest \(\d+ MiB available; at most 75% of it\)\n$/);
  });

  it("refuses a bad option, an unknown scenario, a bad --capture name", async () => {
    expect((await cli(["validate", "anon-touch", "--timeout", "1"])).code).toBe(2);
    const u = await cli(["validate", "no-such-scenario"]);
    expect(u.code).toBe(2);
    expect(u.err).toBe('error: no scenario file or shipped scenario named "no-such-scenario" (mmsim scenarios lists the shipped ones)\n');
    const c = await cli(["validate", "anon-touch", "--capture", "../x"]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/^error: --capture name "\.\.\/x" must be letters/);
    const scen = await cli(["validate", join(work, "missing.yaml")]);
    expect(scen.code).toBe(2);
  });
});

describe("mmsim validate: what the host lacks (exit 1, one line)", () => {
  it("says QEMU is missing and how to get it", async () => {
    const r = await cli(["validate", "anon-touch"], { PATH: emptyBin });
    expect(r.code).toBe(1);
    expect(r.err).toBe("error: qemu-system-x86_64 is missing: install it (apt-get install qemu-system-x86) to boot the real kernel\n");
  });
});

const d = gcc ? describe : describe.skip;

d("mmsim validate with a stand-in QEMU: a guest that hangs, panics or prints garbage", () => {
  let bin = "";
  let cache = "";
  const tmpBefore = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith("mmsim-validate-") && !f.startsWith("mmsim-validate-test-"));
  beforeAll(() => {
    bin = join(work, "bin");
    cache = join(work, "cache");
    mkdirSync(bin);
    // a stand-in kernel package in the cache: vmlinuz and the virtio modules, never booted
    const kimg = join(cache, "validate", "kimg");
    mkdirSync(join(kimg, "boot"), { recursive: true });
    writeFileSync(join(kimg, "boot", "vmlinuz-6.1.0-test"), "not a kernel");
    for (const m of [...VIRTIO_MODULES, ...EXT2_MODULES]) {
      const p = join(kimg, "lib", "modules", "6.1.0-test", "kernel", m);
      mkdirSync(join(p, ".."), { recursive: true });
      writeFileSync(p, "module");
    }
    // busybox must be a static ELF: any will do for building the initramfs
    const stat = join(work, "static");
    writeFileSync(join(work, "s.c"), "int main(void){return 0;}\n");
    spawnSync("gcc", ["-static", "-o", stat, join(work, "s.c")]);
    copyFileSync(stat, join(bin, "busybox"));
    // qemu-system-x86_64: writes its console as FAKE_QEMU says
    writeFileSync(
      join(bin, "qemu-system-x86_64"),
      `#!/bin/sh
if [ "$1" = "--version" ]; then echo "QEMU emulator version 0.0 (stand-in)"; exit 0; fi
out=""
prev=""
for a in "$@"; do
  if [ "$prev" = "-serial" ]; then out="\${a#file:}"; fi
  prev="$a"
done
case "$FAKE_QEMU" in
hang) echo "[    0.000000] Linux version 6.1.0-test" > "$out"; exec sleep 600 ;;
panic) printf '[    0.000000] Linux version 6.1.0-test\\r\\n[    1.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009\\r\\n' > "$out" ;;
garbage) head -c 20000 /dev/urandom > "$out"; printf '\\n@@RK-BEGIN x\\n' >> "$out" ;;
esac
exit 0
`,
    );
    chmodSync(join(bin, "qemu-system-x86_64"), 0o755);
  });
  const env = (mode: string): Record<string, string> => ({ PATH: `${bin}:${process.env.PATH ?? ""}`, MMSIM_CACHE: cache, FAKE_QEMU: mode });

  it("stops a guest that hangs at --timeout and removes its temporary files", async () => {
    const before = tmpBefore();
    const r = await cli(["validate", "anon-touch", "--timeout", "5"], env("hang"));
    expect(r.code).toBe(1);
    expect(r.err).toBe("error: the guest did not finish within --timeout 5 s (it hung, or the scenario needs more time)\n");
    expect(tmpBefore()).toEqual(before);
  });

  it("says the guest kernel panicked, in one line", async () => {
    const r = await cli(["validate", "anon-touch"], env("panic"));
    expect(r.code).toBe(1);
    expect(r.err).toBe("error: the guest kernel panicked: Attempted to kill init! exitcode=0x00000009\n");
  });

  it("reads garbage on the console without a stack trace, and keeps the files with --keep", async () => {
    const keep = join(work, "kept");
    const r = await cli(["validate", "anon-touch", "--keep", keep], env("garbage"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: the guest never started the scenario \(QEMU exit 0; \d+ console lines\)\n$/);
    for (const f of ["initrd.img", "run.in", "console.log", "qemu.args", "run_info"]) expect(existsSync(join(keep, f)), f).toBe(true);
  });
});

/** Opt-in: boots Debian's 6.1 kernel under QEMU (downloads it once into the cache). */
const real = process.env.MMSIM_VALIDATE === "1" ? describe : describe.skip;
real("mmsim validate on a real Linux 6.1 (MMSIM_VALIDATE=1)", () => {
  it("validates anon-touch end to end: every judged field agrees", { timeout: 600_000 }, async () => {
    const r = await cli(["validate", "anon-touch"]);
    expect(r.err).toMatch(/^guest: [\d.]+ s wall, [\d.]+ s CPU \(QEMU TCG\); model: /);
    expect(r.out.trimEnd().endsWith("AGREE")).toBe(true);
    expect(r.out).toMatch(/\n {2}MemTotal +468416 +468416 +0 +exact +yes\n/);
    expect(r.code).toBe(0);
  });

  it("validates the file scenarios end to end: an ext2 disk made with mke2fs -d, a tmpfs with size= and nr_inodes=", { timeout: 900_000 }, async () => {
    // page-cache-read: the cold and warm reads, the mapped file's minor then major faults.
    const pc = await cli(["validate", "page-cache-read"]);
    expect(pc.out).toContain("note: /dev/vda: an ext2 image made by mke2fs -d on this host");
    expect(pc.out.trimEnd().endsWith("AGREE")).toBe(true);
    expect(pc.code).toBe(0);
    // tmpfs-full: the ENOSPC of size= and of nr_inodes= come where the model has them.
    const tf = await cli(["validate", "tmpfs-full"]);
    expect(tf.out).toMatch(/\n {2}processes\[0\]\.run\[3\] +ENOSPC +ENOSPC +exact +yes\n/);
    expect(tf.out.trimEnd().endsWith("AGREE")).toBe(true);
    expect(tf.code).toBe(0);
  });
});
