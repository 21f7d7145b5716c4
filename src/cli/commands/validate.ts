/**
 * `mmsim validate SCENARIO [--keep DIR] [--json] [--capture NAME] [--timeout S] [--seed N]`:
 * runs a scenario on a real Linux 6.1 under QEMU and in the model, and prints both side by side
 * with the tolerance each field is judged by (docs/validate.md).
 *
 * This file is the shell: it finds the host tools, prepares the guest in a cache folder (Debian's
 * 6.1 kernel image package downloaded with `apt-get download` and unpacked with `dpkg -x`,
 * never installed; busybox-static; tools/guest/mmguest.c built with `gcc -static`), writes the
 * initramfs and disks, boots QEMU under a hard timeout and reads its console. Compiling the
 * scenario, reading the console and comparing are the pure src/validate modules (via src/api).
 *
 * The cache is $MMSIM_CACHE, else $XDG_CACHE_HOME/mmsim, else ~/.cache/mmsim (folder
 * `validate/`); temporary files go to the system temp folder and are removed unless --keep.
 *
 * Exit codes: 0 every judged field agrees within its tolerance; 1 some field does not, or the
 * guest could not be run (QEMU or a package missing, the guest panicked or hung) — one line says
 * which; 2 a usage error: a bad option, a scenario that does not parse, a step the guest cannot
 * perform, a machine too large for this host.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, closeSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { freemem, homedir, tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import {
  compareSides,
  compileScenario,
  cpioNewc,
  formatComparison,
  formatComparisonJson,
  guestSide,
  modelSide,
  NotValidatable,
  oomReports,
  parseConsole,
  qemuArgs,
  runArchive,
  runInfo,
  RUN_ARCHIVE_SIZE,
  ScenarioError,
  VIRTIO_MODULES,
  EXT2_MODULES,
  type CpioEntry,
  type GuestPlan,
  type ModelFacts,
  type Scenario,
} from "../../api/index.js";
import { UsageError, type CliIo } from "../main.js";
import { loadScenario, scenarioFailure } from "./run.js";

/** The repository (tools/guest, test/realkernel/data), from src/cli/commands or dist/cli/commands. */
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const GUEST_SRC = join(REPO, "tools", "guest");

/** The kernel the project's ground truth came from (test/realkernel/data/README.md). */
export const KERNEL_PACKAGE = "linux-image-6.1.0-56-amd64";
/** Host memory a guest may not exceed: this share of what the host has available. */
const HOST_MEMORY_SHARE = 0.75;
/** The console log is read up to this size; a guest printing more is cut off (a runaway). */
const MAX_CONSOLE = 64 * 2 ** 20;

/** The host side could not run the guest: missing tools, a failed download, a guest that died. */
class EnvironmentError extends Error {
  override readonly name = "EnvironmentError";
}

export interface ValidateOptions {
  keep?: string;
  json?: boolean;
  capture?: string;
  timeout: number;
  seed?: number;
}

function parseTimeout(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 5 || Number(v) > 3600) throw new InvalidArgumentError("timeout must be a whole number of seconds from 5 to 3600");
  return Number(v);
}

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 2 ** 32 - 1) throw new InvalidArgumentError("seed must be a whole number from 0 to 4294967295");
  return Number(v);
}

/** Adds the `validate` subcommand. */
export function registerValidate(program: Command, io: CliIo): void {
  program
    .command("validate")
    .description("run a scenario on a real Linux 6.1 under QEMU and in the model, and compare them field by field")
    .argument("<scenario>", "scenario file, or the name of a shipped scenario (mmsim scenarios)")
    .option("--keep <dir>", "keep the guest's files (initramfs, console log, disks) in this folder")
    .option("--json", "print the comparison as JSON")
    .option("--capture <name>", "store the real side as a new ground-truth set in test/realkernel/data/NAME")
    .option("--timeout <seconds>", "hard limit on the QEMU run", parseTimeout, 240)
    .option("--seed <n>", "seed of the model's and the guest's PRNG (default: the scenario's)", parseSeed)
    .action(async (ref: string, o: ValidateOptions) => {
      if (o.capture !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(o.capture)) throw new UsageError(`--capture name "${o.capture}" must be letters, digits, '.', '_' or '-' (up to 64)`);
      if (o.capture !== undefined && existsSync(join(REPO, "test", "realkernel", "data", o.capture))) throw new UsageError(`test/realkernel/data/${o.capture} already exists; choose another --capture name`);
      let sc: Scenario;
      try {
        sc = loadScenario(ref);
      } catch (e) {
        if (e instanceof ScenarioError) scenarioFailure(io, e);
        throw e;
      }
      try {
        await validate(sc, o, io);
      } catch (e) {
        if (e instanceof NotValidatable) {
          io.err(`${e.message}\n`);
          throw new CommanderError(2, "mmsim.notValidatable", e.message);
        }
        if (e instanceof ScenarioError) scenarioFailure(io, e);
        throw e;
      }
    });
}

/** The cache folder (see the header). */
export function cacheDir(): string {
  const env = process.env;
  const base = env.MMSIM_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "mmsim");
  return join(base, "validate");
}

function which(cmd: string): string | null {
  for (const d of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  return { ok: r.status === 0, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? String(r.error.message) : "") };
}

function firstLine(s: string): string {
  return s.trim().split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
}

/** A statically linked ELF has no PT_INTERP program header (busybox must run with no libc in the guest). */
function isStaticElf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return false;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (ph.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

interface Kernel {
  vmlinuz: string;
  release: string;
  modules: string;
  pkg: string;
  version: string;
}

/** Debian's 6.1 kernel image, downloaded once into the cache and unpacked (never installed). */
function ensureKernel(cache: string, io: CliIo): Kernel {
  const kdir = join(cache, "kimg");
  const want = process.env.MMSIM_KERNEL_PACKAGE ?? KERNEL_PACKAGE;
  const findVmlinuz = (): string | undefined => (existsSync(join(kdir, "boot")) ? readdirSync(join(kdir, "boot")).find((f) => f.startsWith("vmlinuz-")) : undefined);
  if (!findVmlinuz()) {
    if (!which("apt-get") || !which("dpkg")) throw new EnvironmentError(`the kernel package ${want} is not in ${cache} and apt-get/dpkg are missing to fetch it (a Debian or Ubuntu host is needed)`);
    io.err(`mmsim validate: downloading ${want} with apt-get (once) into ${cache}\n`);
    for (const f of readdirSync(cache)) if (f.endsWith(".deb")) rmSync(join(cache, f));
    let r = run("apt-get", ["download", want], { cwd: cache });
    if (!r.ok) {
      run("apt-get", ["-o", "DPkg::Lock::Timeout=300", "update", "-qq"]);
      r = run("apt-get", ["download", want], { cwd: cache });
    }
    if (!r.ok) throw new EnvironmentError(`apt-get could not download ${want}: ${firstLine(r.err)} (set MMSIM_KERNEL_PACKAGE to another 6.1 linux-image package)`);
    const deb = readdirSync(cache).find((f) => f.endsWith(".deb"));
    if (!deb) throw new EnvironmentError(`apt-get download ${want} left no .deb in ${cache}`);
    rmSync(join(cache, "kimg.tmp"), { recursive: true, force: true });
    const x = run("dpkg", ["-x", join(cache, deb), join(cache, "kimg.tmp")]);
    if (!x.ok) throw new EnvironmentError(`dpkg -x ${deb} failed: ${firstLine(x.err)}`);
    rmSync(kdir, { recursive: true, force: true });
    renameSync(join(cache, "kimg.tmp"), kdir);
  }
  const vm = findVmlinuz() as string;
  const release = vm.slice("vmlinuz-".length);
  const deb = readdirSync(cache).find((f) => f.endsWith(".deb"));
  let pkg = want;
  let version = "unknown";
  if (deb) {
    const p = run("dpkg-deb", ["-f", join(cache, deb), "Package", "Version"]);
    pkg = /Package: (\S+)/.exec(p.out)?.[1] ?? pkg;
    version = /Version: (\S+)/.exec(p.out)?.[1] ?? version;
  }
  return { vmlinuz: join(kdir, "boot", vm), release, modules: join(kdir, "lib", "modules", release, "kernel"), pkg, version };
}

function sha(...parts: Array<string | Uint8Array>): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex").slice(0, 16);
}

/** The guest program, built with gcc -static into the cache (rebuilt when its source changes). */
function buildGuest(cache: string): string {
  const src = readFileSync(join(GUEST_SRC, "mmguest.c"));
  const out = join(cache, "build", `mmguest-${sha(src)}`);
  if (existsSync(out)) return out;
  if (!which("gcc")) throw new EnvironmentError("gcc is missing: the guest program tools/guest/mmguest.c is built with gcc -static (apt-get install gcc libc6-dev)");
  mkdirSync(join(cache, "build"), { recursive: true });
  const r = run("gcc", ["-static", "-O2", "-std=gnu11", "-ffp-contract=off", "-s", "-o", out + ".tmp", join(GUEST_SRC, "mmguest.c"), "-lm"]);
  if (!r.ok) throw new EnvironmentError(`gcc -static could not build tools/guest/mmguest.c: ${firstLine(r.err)} (is libc6-dev installed?)`);
  renameSync(out + ".tmp", out);
  return out;
}

interface Base {
  path: string;
  bytes: number;
  busybox: string;
}

/** The base initramfs (busybox, mmguest, /init, the virtio modules), gzip-compressed and cached. */
function baseInitrd(cache: string, kernel: Kernel, guest: string): Base {
  const bb = which("busybox") ?? "/bin/busybox";
  if (!existsSync(bb)) throw new EnvironmentError("busybox is missing: the guest's /init needs busybox-static (apt-get install busybox-static)");
  if (!isStaticElf(bb)) throw new EnvironmentError(`${bb} is dynamically linked; the guest needs busybox-static (apt-get install busybox-static)`);
  const init = readFileSync(join(GUEST_SRC, "init"));
  const bbBytes = readFileSync(bb);
  const guestBytes = readFileSync(guest);
  const mods = [...VIRTIO_MODULES, ...EXT2_MODULES].map((m) => {
    const p = join(kernel.modules, m);
    if (!existsSync(p)) throw new EnvironmentError(`the kernel package has no ${m} (looked in ${kernel.modules})`);
    return { name: m.split("/").pop() as string, data: readFileSync(p) };
  });
  const key = sha("base-3", init, bbBytes, guestBytes, kernel.release);
  const out = join(cache, "build", `base-${key}.cpio.gz`);
  const bbVersion = firstLine(run(bb, ["--help"]).out + run(bb, ["--help"]).err).replace(/\s+multi-call binary\.?/, "");
  if (!existsSync(out)) {
    const applets = run(bb, ["--list"]).out.split("\n").filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== "busybox");
    const entries: CpioEntry[] = [];
    for (const d of ["bin", "dev", "proc", "sys", "tmp", "etc", "lib", "lib/modules"]) entries.push({ name: d, type: "dir", perm: 0o755 });
    entries.push({ name: "bin/busybox", type: "file", perm: 0o755, data: new Uint8Array(bbBytes) });
    entries.push({ name: "bin/mmguest", type: "file", perm: 0o755, data: new Uint8Array(guestBytes) });
    for (const a of applets) if (a !== "mmguest") entries.push({ name: `bin/${a}`, type: "symlink", perm: 0o777, data: new TextEncoder().encode("busybox") });
    entries.push({ name: "init", type: "file", perm: 0o755, data: new Uint8Array(init) });
    for (const m of mods) entries.push({ name: `lib/modules/${m.name}`, type: "file", perm: 0o644, data: new Uint8Array(m.data) });
    // the run's uncompressed archive follows: the kernel reads a cpio header only at a 4-byte
    // aligned offset, and skips the zeros that pad the gzip member up to it
    const gz = gzipSync(cpioNewc(entries), { level: 9 });
    writeFileSync(out + ".tmp", Buffer.concat([gz, Buffer.alloc((512 - (gz.length % 512)) % 512)]));
    renameSync(out + ".tmp", out);
  }
  return { path: out, bytes: statSync(out).size, busybox: bbVersion };
}

/**
 * An ext2 image as the model's Machine.addDisk makes one (`mke2fs -t ext2 -d`, the realkernel
 * harness's way): its files filled with non-zero bytes (mke2fs -d stores all-zero blocks as
 * holes, which the model's layout does not have), a fixed UUID and directory hash seed.
 */
function makeExt2Image(work: string, dev: string, image: string, bytes: number, fs: { blockSize?: number; files: Array<{ path: string; size?: number }> }): void {
  if (which("mke2fs") === null && !existsSync("/usr/sbin/mke2fs") && !existsSync("/sbin/mke2fs")) throw new EnvironmentError("mke2fs is missing: the guest's ext2 disks are made with it (apt-get install e2fsprogs)");
  const mke2fs = which("mke2fs") ?? (existsSync("/usr/sbin/mke2fs") ? "/usr/sbin/mke2fs" : "/sbin/mke2fs");
  const src = join(work, `${dev}.src`);
  mkdirSync(src, { recursive: true });
  const chunk = Buffer.alloc(1 << 20, 0xa5);
  for (const f of fs.files) {
    const p = join(src, f.path);
    mkdirSync(dirname(p), { recursive: true });
    if (f.size === undefined) {
      mkdirSync(p, { recursive: true });
      continue;
    }
    const fd = openSync(p, "w");
    for (let left = f.size; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    closeSync(fd);
  }
  const args = ["-q", "-t", "ext2", ...(fs.blockSize ? ["-b", String(fs.blockSize)] : []), "-U", "7e1f0c2a-5b7d-4c1e-9a55-3f0d2b6c8e10", "-E", "hash_seed=1d3c5e7f-2a4b-4c6d-8e0f-a1b2c3d4e5f6", "-d", src, "-F", image, `${Math.floor(bytes / 1024)}k`];
  const r = run(mke2fs, args);
  rmSync(src, { recursive: true, force: true });
  if (!r.ok) throw new EnvironmentError(`mke2fs could not make the ext2 image of ${dev}: ${firstLine(r.err)}`);
}

/** CPU seconds of reaped children so far (fields 16 and 17 of /proc/self/stat, at 100 ticks/s). */
function childCpuSeconds(): number {
  try {
    const f = readFileSync("/proc/self/stat", "utf8");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[13]) + Number(rest[14])) / 100;
  } catch {
    return NaN;
  }
}

interface QemuRun {
  exit: number | string;
  timedOut: boolean;
  wallSeconds: number;
  cpuSeconds: number;
  stderr: string;
}

function runQemu(args: string[], timeoutS: number): Promise<QemuRun> {
  return new Promise((resolvePromise, reject) => {
    const cpu0 = childCpuSeconds();
    const t0 = Date.now();
    const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < 65536) stderr += d.toString();
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutS * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new EnvironmentError(`could not start qemu-system-x86_64: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ exit: code ?? signal ?? "?", timedOut, wallSeconds: (Date.now() - t0) / 1000, cpuSeconds: childCpuSeconds() - cpu0, stderr });
    });
  });
}

/** The whole run: host checks, the model, the guest, the comparison. */
async function validate(sc: Scenario, o: ValidateOptions, io: CliIo): Promise<void> {
  // what the scenario asks of the host, before anything is downloaded or built
  const machine = compileScenarioMachine(sc);
  const avail = freemem();
  if (machine.memoryBytes > avail * HOST_MEMORY_SHARE) {
    throw new NotValidatable(sc.file, 1, "machine.memory", `${machine.memoryBytes / 2 ** 20} MiB is more than this host can give a guest (${Math.floor(avail / 2 ** 20)} MiB available; at most ${HOST_MEMORY_SHARE * 100}% of it)`);
  }
  if (!which("qemu-system-x86_64")) throw new EnvironmentError("qemu-system-x86_64 is missing: install it (apt-get install qemu-system-x86) to boot the real kernel");
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const kernel = ensureKernel(cache, io);
  const guest = buildGuest(cache);
  const base = baseInitrd(cache, kernel, guest);
  const initrdBytes = base.bytes + RUN_ARCHIVE_SIZE;

  // the model first: the guest repeats its decisions (how many accesses a timed touch made)
  const cpuModel0 = process.cpuUsage();
  const tModel0 = Date.now();
  const model = modelSide(sc, { seed: o.seed, initrdBytes });
  let modelCpu = cpuSeconds(process.cpuUsage(cpuModel0));
  let modelWall = (Date.now() - tModel0) / 1000;
  const plan: GuestPlan = compileScenario(sc, { facts: model.facts, seed: o.seed });

  const work = o.keep !== undefined ? resolve(o.keep) : mkdtempSync(join(tmpdir(), "mmsim-validate-"));
  mkdirSync(work, { recursive: true });
  const cleanup = (): void => {
    if (o.keep === undefined) rmSync(work, { recursive: true, force: true });
  };
  try {
    const initrd = join(work, "initrd.img");
    writeFileSync(initrd, Buffer.concat([readFileSync(base.path), runArchive(plan)]));
    writeFileSync(join(work, "run.in"), plan.input);
    const disks = plan.disks.map((d) => {
      const p = join(work, `${d.dev}.img`);
      closeSync(openSync(p, "w"));
      spawnSync("truncate", ["-s", String(d.bytes), p]);
      if (statSync(p).size !== d.bytes) throw new EnvironmentError(`could not create the ${d.bytes}-byte disk image ${p}`);
      if (d.ext2) makeExt2Image(work, d.dev, p, d.bytes, d.ext2);
      return p;
    });
    const consolePath = join(work, "console.log");
    const accel = process.env.MMSIM_ACCEL === "kvm" ? "kvm" : "tcg";
    const args = qemuArgs(plan.machine, plan.disks, { kernel: kernel.vmlinuz, initrd, console: consolePath, disks }, accel);
    writeFileSync(join(work, "qemu.args"), args.join("\n") + "\n");
    const q = await runQemu(args, o.timeout);
    const consoleText = existsSync(consolePath) ? readConsole(consolePath) : "";
    const parsed = parseConsole(consoleText);
    const real = guestSide(sc, parsed);
    const qemuVersion = firstLine(run("qemu-system-x86_64", ["--version"]).out);
    const info = runInfo({
      workload: o.capture ?? sc.name,
      scenarioFile: sc.file,
      seed: o.seed ?? sc.seed,
      kernelPackage: kernel.pkg,
      kernelVersion: kernel.version,
      kernelRelease: kernel.release,
      accel,
      machine: plan.machine,
      qemuVersion,
      qemuArgs: args.map((a) => a.split(work).join("$WORK").split(cache).join("$MMSIM_CACHE")),
      qemuExit: q.timedOut ? "timeout" : q.exit,
      completed: parsed.done !== undefined,
      wallSeconds: q.wallSeconds,
      busybox: base.busybox,
      initrdBytes,
    });
    writeFileSync(join(work, "run_info"), info);
    const inputError = parsed.events.find((e) => e.kind === "input_error");
    if (inputError) throw new EnvironmentError(`the guest refused its input: ${inputError.fields.error}`);
    // a guest that did not get to the end: say why, in one line
    if (!real.complete) {
      const why = q.timedOut
        ? `the guest did not finish within --timeout ${o.timeout} s (it hung, or the scenario needs more time)`
        : parsed.panic !== undefined && model.side.panic === undefined
          ? `the guest kernel panicked: ${parsed.panic}`
          : parsed.started === undefined
            ? `the guest never started the scenario (QEMU exit ${q.exit}${q.stderr ? `: ${firstLine(q.stderr)}` : ""}; ${parsed.otherLines} console lines)`
            : parsed.panic !== undefined
              ? undefined
              : `the guest stopped before the end of the scenario (QEMU exit ${q.exit})`;
      if (why !== undefined) throw new EnvironmentError(why);
    }
    // the model again, now starting with the guest's free memory (src/validate/side.ts pinToGuest)
    const cpuB = process.cpuUsage();
    const tB = Date.now();
    const startZones = real.captures.get("@start.zoneinfo");
    const calibrated = startZones !== undefined ? modelSide(sc, { seed: o.seed, initrdBytes, pinTo: startZones }) : model;
    modelCpu += cpuSeconds(process.cpuUsage(cpuB));
    modelWall += (Date.now() - tB) / 1000;
    const notes = [...plan.notes];
    if (calibrated.pinnedPages) notes.push(`the model starts with the guest's free memory: ${calibrated.pinnedPages} pages (${(calibrated.pinnedPages * 4) / 1024} MiB) of kernel memory it does not model (slab, stacks, the initramfs, the guest's supervisor) taken before the processes start`);
    if (!sameFacts(model.facts, calibrated.facts)) notes.push("the calibrated model made other timed-touch counts or fork order than the run the guest repeated; the touch counts compared come from the first run");
    const cmp = compareSides(sc, plan, calibrated.side, real);
    const timing = { guestWallSeconds: q.wallSeconds, guestCpuSeconds: q.cpuSeconds, modelWallSeconds: modelWall, modelCpuSeconds: modelCpu };
    if (o.json) io.out(formatComparisonJson(cmp, { kernel: `${kernel.pkg} ${kernel.version}`, timing, notes }));
    else {
      io.out(formatComparison(cmp, { kernel: `${kernel.pkg} ${kernel.version}`, notes }));
      io.err(`guest: ${q.wallSeconds.toFixed(1)} s wall, ${q.cpuSeconds.toFixed(1)} s CPU (QEMU ${accel.toUpperCase()}); model: ${modelWall.toFixed(2)} s wall, ${modelCpu.toFixed(2)} s CPU\n`);
    }
    if (o.capture !== undefined) {
      const dir = storeCapture(o.capture, work, parsed.captures, real.dmesg, sc);
      io.err(`stored the real side in ${dir}\n`);
    }
    if (o.keep !== undefined) io.err(`kept the guest's files in ${work}\n`);
    if (!cmp.ok) {
      const bad = cmp.rows.filter((r) => r.ok === false).length;
      throw new Error(`${bad} of ${cmp.rows.filter((r) => r.ok !== null).length} judged fields disagree beyond their tolerance`);
    }
  } finally {
    cleanup();
  }
}

function sameFacts(a: ModelFacts, b: ModelFacts): boolean {
  return a.forkOrder.join(",") === b.forkOrder.join(",") && [...a.touchAccesses].every(([k, v]) => b.touchAccesses.get(k) === v);
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

/** Compiles without the model's facts, to refuse a step the guest cannot perform before anything runs. */
function compileScenarioMachine(sc: Scenario): GuestPlan["machine"] {
  return compileScenario(sc, { checkOnly: true }).machine;
}

function readConsole(path: string): string {
  const size = statSync(path).size;
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(Math.min(size, MAX_CONSOLE));
    readSync(fd, b, 0, b.length, 0);
    return b.toString("latin1");
  } finally {
    closeSync(fd);
  }
}

/** test/realkernel/data/NAME: the console log, each capture as a file, the kernel log, its OOM reports, provenance. */
function storeCapture(name: string, work: string, captures: ReadonlyArray<{ label: string; text: string }>, dmesg: string, sc: Scenario): string {
  const dir = join(REPO, "test", "realkernel", "data", name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(work, "console.log"), join(dir, "console.log"));
  cpSync(join(work, "run_info"), join(dir, "run_info"));
  cpSync(join(work, "run.in"), join(dir, "run.in"));
  for (const c of captures) {
    const file = c.label === "@dmesg" ? "dmesg" : c.label.replace(/^@/, "").replace(/[^A-Za-z0-9._-]/g, "_");
    writeFileSync(join(dir, file), c.text, "latin1");
  }
  oomReports(dmesg).forEach((r, i) => writeFileSync(join(dir, `oom_report.${i + 1}`), r, "latin1"));
  const src = existsSync(resolve(sc.file)) ? resolve(sc.file) : join(REPO, sc.file);
  if (existsSync(src)) cpSync(src, join(dir, "scenario.yaml"));
  return dir;
}
