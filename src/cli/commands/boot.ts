/**
 * `mmsim boot`: boots a machine and prints its boot log, or the files asked for with --cat,
 * exactly as they read. A thin shell over the public API (Machine.boot, read, write, dmesg).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { Errno, Machine, type MachineConfig } from "../../api/index.js";
import { distanceProblem, formatSize, MAX_CPUS as LIB_MAX_CPUS, MAX_MEMORY as LIB_MAX_MEMORY, MAX_NODES as LIB_MAX_NODES, memoryProblem, MIN_MEMORY as LIB_MIN_MEMORY, MIN_NODE_MEMORY as LIB_MIN_NODE_MEMORY, nodeSizeProblem, parseSize } from "../../api/index.js";
import { UsageError, type CliIo } from "../main.js";

/** The library's machine range (src/sim/config.ts), the same for boot, run and Machine.boot. */
export const MIN_MEMORY = LIB_MIN_MEMORY;
export const MAX_MEMORY = LIB_MAX_MEMORY;
export const MAX_CPUS = LIB_MAX_CPUS;
export const MAX_NODES = LIB_MAX_NODES;
export const MIN_NODE_MEMORY = LIB_MIN_NODE_MEMORY;

/** A NUMA layout: each node's RAM and, optionally, the distance matrix (SLIT). */
export interface NumaSpec {
  sizes: number[];
  distance?: number[][];
}

/** Parses `--memory`: a size with an optional K/M/G/T unit, 80M to 1T (MIN_MEMORY..MAX_MEMORY), whole pages. */
export function parseMemoryOption(v: string): number {
  let bytes: number;
  try {
    bytes = parseSize(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  const bad = memoryProblem(bytes);
  if (bad) throw new InvalidArgumentError(bad);
  return bytes;
}

function parseIntOption(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`${name} must be a whole number`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}`);
    return n;
  };
}

/**
 * Parses `--numa SIZE[,SIZE…][:ROW/ROW…]`: each node's RAM, then optionally the node distance
 * matrix, rows separated by `/` and entries by `,` (the ACPI SLIT: 10 on the diagonal, 11 to 254
 * elsewhere). `512M,512M` is two 512 MiB nodes at the default distances (10 local, 20 remote);
 * `512M,512M:10,21/21,10` sets them.
 */
export function parseNumaSpec(v: string): NumaSpec {
  const [sizesPart, distPart, extra] = v.split(":");
  if (extra !== undefined) throw new InvalidArgumentError(`expected SIZE[,SIZE...][:ROW/ROW...], got "${v}"`);
  const sizes = sizesPart.split(",").map((s) => {
    let b: number;
    try {
      b = parseSize(s);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
    const bad = nodeSizeProblem(b);
    if (bad) throw new InvalidArgumentError(bad);
    return b;
  });
  if (sizes.length > MAX_NODES) throw new InvalidArgumentError(`at most ${MAX_NODES} nodes`);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > MAX_MEMORY) throw new InvalidArgumentError(`total memory must be at most ${formatSize(MAX_MEMORY)}`);
  if (distPart === undefined) return { sizes };
  const rows = distPart.split("/").map((r) => r.split(",").map((x) => (/^\d+$/.test(x) ? Number(x) : NaN)));
  const bad = distanceProblem(rows, sizes.length);
  if (bad) throw new InvalidArgumentError(bad.message);
  return { sizes, distance: rows };
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

interface BootOptions {
  memory?: number;
  cpus: number;
  nodes?: number;
  numa?: NumaSpec;
  thp?: "always" | "madvise" | "never";
  seed: number;
  write?: string[];
  cat?: string[];
  json?: boolean;
}

/**
 * Turns the options into the API's machine config, checking the combinations commander cannot.
 * --nodes N is passed on as a count: the machine splits RAM in whole 2 MiB blocks, the
 * remainder on the last node, and puts CPU i on node i (further CPUs on node 0, as QEMU leaves
 * CPUs without SRAT affinity).
 */
export function bootConfig(o: BootOptions): MachineConfig {
  if (o.nodes !== undefined && o.numa) throw new UsageError("--nodes and --numa cannot be used together");
  const config: MachineConfig = { cpus: o.cpus, seed: o.seed };
  if (o.thp) config.thp = o.thp;
  if (o.numa) {
    const total = o.numa.sizes.reduce((a, b) => a + b, 0);
    if (o.memory !== undefined && o.memory !== total)
      throw new UsageError(`--memory ${formatSize(o.memory)} does not match the --numa nodes' total ${formatSize(total)}`);
    config.memory = total;
    config.nodes = o.numa.sizes.map((size) => ({ size }));
    if (o.numa.distance) config.distance = o.numa.distance;
  } else {
    config.memory = o.memory ?? 512 * 2 ** 20;
    if (o.nodes !== undefined && o.nodes > 1) {
      const each = Math.floor(config.memory / o.nodes / (2 * 2 ** 20)) * 2 * 2 ** 20;
      if (each < MIN_NODE_MEMORY)
        throw new UsageError(`${formatSize(config.memory)} split over ${o.nodes} nodes leaves less than ${formatSize(MIN_NODE_MEMORY)} per node`);
      config.nodes = o.nodes;
    }
  }
  return config;
}

/** strerror() of the errnos a file access can give. */
const STRERROR: Partial<Record<string, string>> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EINVAL: "Invalid argument",
  EIO: "Input/output error",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ERANGE: "Numerical result out of range",
};

/** Runs a file access, turning its Errno into `cat: PATH: Permission denied (EACCES)` style. */
function access<T>(what: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Errno) throw new Error(`${what} ${path}: ${STRERROR[e.code] ?? e.code} (${e.code})`);
    throw e;
  }
}

/** Registers `boot` on the program. */
export function registerBoot(program: Command, io: CliIo): void {
  program
    .command("boot")
    .description("Boot a simulated machine and print its boot log, or the files given with --cat, exactly as they read")
    .addOption(new Option("--memory <size>", "RAM, like QEMU -m: a size with a K/M/G/T unit (80M to 1T); default 512M").argParser(parseMemoryOption))
    .addOption(new Option("--cpus <n>", "CPUs (1 to 8192)").argParser(parseIntOption("--cpus", 1, MAX_CPUS)).default(1))
    .addOption(new Option("--nodes <n>", `NUMA nodes sharing --memory equally (1 to ${MAX_NODES})`).argParser(parseIntOption("--nodes", 1, MAX_NODES)))
    .addOption(
      new Option(
        "--numa <spec>",
        "NUMA layout SIZE[,SIZE...][:ROW/ROW...]: each node's RAM, optionally the distance matrix, e.g. 512M,512M or 512M,512M:10,21/21,10",
      ).argParser(parseNumaSpec),
    )
    .addOption(new Option("--thp <mode>", "transparent_hugepage= boot option (THP is off below 512M of RAM whatever this says)").choices(["always", "madvise", "never"]))
    .addOption(new Option("--seed <n>", "seed of the machine's random numbers").argParser(parseIntOption("--seed", 0, 2 ** 32 - 1)).default(1))
    .addOption(new Option("--write <path=value>", "after boot, write value to path (a /proc/sys file…); repeatable, applied in order").argParser(collect))
    .addOption(new Option("--cat <path>", "print this file as it reads after boot (repeatable, printed in order)").argParser(collect))
    .option("--json", "print one JSON object: the config, the boot log and the files")
    .addHelpText(
      "after",
      `
Exit codes: 0 ok, 1 a file could not be read or written, 2 a bad option.

Examples:
  mmsim boot --memory 1G --cat /proc/zoneinfo
  mmsim boot --numa 512M,512M --cpus 2 --cat /proc/buddyinfo --cat /sys/devices/system/node/node1/meminfo
  mmsim boot --write /proc/sys/vm/min_free_kbytes=16384 --cat /proc/zoneinfo
  mmsim boot --memory 2G --thp never --json`,
    )
    .action((o: BootOptions) => {
      const config = bootConfig(o);
      const writes = o.write ?? [];
      const cats = o.cat ?? [];
      const m = Machine.boot(config);
      for (const w of writes) {
        const eq = w.indexOf("=");
        if (eq <= 0) throw new UsageError(`--write expects PATH=VALUE, got "${w}"`);
        const path = w.slice(0, eq);
        access("write", path, () => m.write(path, w.slice(eq + 1)));
      }
      const files: Record<string, string> = {};
      for (const path of cats) files[path] = access("cat", path, () => m.read(path));
      if (o.json) {
        io.out(JSON.stringify({ config, dmesg: m.dmesg(), files }, null, 2) + "\n");
      } else if (cats.length) {
        for (const path of cats) io.out(files[path]);
      } else {
        io.out(m.dmesg());
      }
    });
}
