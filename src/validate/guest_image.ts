/**
 * What the guest boots, built as bytes and argument lists (the CLI writes the files and runs
 * QEMU): the initramfs archives in the kernel's "newc" cpio format, the QEMU command line for a
 * compiled scenario's machine and disks, and the run_info text a capture is stored with.
 *
 * The initramfs is two archives one after the other, which the kernel unpacks in turn
 * (init/initramfs.c unpack_to_rootfs): the base — busybox, mmguest, /init and the virtio
 * modules, gzip-compressed and cached — and the run's own, uncompressed, holding /run.in (the
 * compiled scenario) and the module lists, zero-padded to RUN_ARCHIVE_SIZE so the initrd's size
 * is known before the scenario is compiled: the model boots with that size (it decides how many
 * pages "Freeing initrd memory" gives back, so MemTotal).
 */
import type { GuestDisk, GuestMachine, GuestPlan } from "./compile.js";

/** The run's own archive, padded to this size (the compiled scenario may use up to RUN_INPUT_MAX of it). */
export const RUN_ARCHIVE_SIZE = 256 * 1024;
export const RUN_INPUT_MAX = 240 * 1024;

/**
 * The kernel command line every validation boot gets: the realkernel captures', plus
 * no_timer_check — under TCG on a busy host the IO-APIC timer check in check_timer can time out
 * and panic the boot ("IO-APIC + timer doesn't work!"); skipping it changes nothing in mm.
 */
export const BASE_CMDLINE = ["console=ttyS0", "nokaslr", "norandmaps", "panic=-1", "no_timer_check"] as const;

/** The virtio block driver and its dependencies, in load order (no modules.dep in the guest). */
export const VIRTIO_MODULES = [
  "drivers/virtio/virtio_ring.ko",
  "drivers/virtio/virtio.ko",
  "drivers/virtio/virtio_pci_modern_dev.ko",
  "drivers/virtio/virtio_pci_legacy_dev.ko",
  "drivers/virtio/virtio_pci.ko",
  "drivers/block/virtio_blk.ko",
] as const;

/** The modules that mount an ext2 disk (ext4's driver, as the realkernel w6 workload loaded), in load order. */
export const EXT2_MODULES = ["lib/crc16.ko", "fs/mbcache.ko", "fs/jbd2/jbd2.ko", "crypto/crc32c_generic.ko", "fs/ext4/ext4.ko"] as const;

export interface CpioEntry {
  /** Path inside the archive, without a leading slash: "bin/busybox". */
  name: string;
  /** "file" (data), "dir", or "symlink" (data is the target). */
  type: "file" | "dir" | "symlink";
  /** Permission bits, e.g. 0o755. */
  perm: number;
  data?: Uint8Array;
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

/**
 * A "newc" cpio archive (what `cpio -o -H newc` writes, and the kernel's initramfs reads): for
 * each entry a 110-byte ASCII header, the name and its NUL padded to 4 bytes, the data padded to
 * 4 bytes; then the TRAILER!!! entry. mtime 0 and inodes counted from 1, so the same entries give
 * the same bytes.
 */
export function cpioNewc(entries: CpioEntry[], padTo = 0): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let len = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    len += b.length;
  };
  const pad4 = (): void => {
    if (len % 4) push(new Uint8Array(4 - (len % 4)));
  };
  let ino = 1;
  const one = (name: string, mode: number, data: Uint8Array, nlink: number): void => {
    const nameBytes = enc.encode(name + "\0");
    const h = "070701" + [ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map(hex8).join("");
    push(enc.encode(h));
    push(nameBytes);
    pad4();
    push(data);
    pad4();
  };
  for (const e of entries) {
    const mode = (e.type === "dir" ? S_IFDIR : e.type === "symlink" ? S_IFLNK : S_IFREG) | (e.perm & 0o7777);
    one(e.name, mode, e.data ?? new Uint8Array(0), e.type === "dir" ? 2 : 1);
  }
  ino = 0;
  one("TRAILER!!!", 0, new Uint8Array(0), 1);
  if (padTo > 0 && len > padTo) throw new RangeError(`cpio archive of ${len} bytes does not fit in ${padTo}`);
  const out = new Uint8Array(Math.max(len, padTo));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The run's archive: /run.in, and when the scenario swaps, the disks to wait for and the modules to load. */
export function runArchive(plan: GuestPlan): Uint8Array {
  const enc = new TextEncoder();
  const input = enc.encode(plan.input);
  if (input.length > RUN_INPUT_MAX) throw new RangeError(`the compiled scenario is ${input.length} bytes; the guest takes at most ${RUN_INPUT_MAX}`);
  const entries: CpioEntry[] = [{ name: "run.in", type: "file", perm: 0o644, data: input }];
  if (plan.disks.length) {
    entries.push({ name: "etc", type: "dir", perm: 0o755 });
    // ext4 (which mounts ext2) only when a disk holds one: the modules' memory is the guest's, not the model's
    const mods = plan.disks.some((d) => d.ext2) ? [...VIRTIO_MODULES, ...EXT2_MODULES] : VIRTIO_MODULES;
    entries.push({ name: "etc/mmguest-virtio", type: "file", perm: 0o644, data: enc.encode(mods.map((m) => m.split("/").pop()).join("\n") + "\n") });
    entries.push({ name: "etc/mmguest-disks", type: "file", perm: 0o644, data: enc.encode(plan.disks.map((d) => d.dev).join("\n") + "\n") });
  }
  return cpioNewc(entries, RUN_ARCHIVE_SIZE);
}

export interface QemuPaths {
  kernel: string;
  initrd: string;
  console: string;
  /** One image file per plan disk, in the same order. */
  disks: string[];
}

/**
 * The QEMU arguments for a plan: the realkernel harness's machine (i440FX "pc", SeaBIOS, the
 * TCG qemu64 CPU; src/arch/x86/e820.ts models its e820), RAM and CPUs from the scenario, NUMA
 * nodes as memory backends, a virtio disk per swap device (that SeaBIOS leaves alone).
 */
export function qemuArgs(m: GuestMachine, disks: GuestDisk[], paths: QemuPaths, accel: "tcg" | "kvm" = "tcg"): string[] {
  // -boot strict=on: SeaBIOS sets up only boot devices, so a swap disk does not make it reserve
  // 12 KiB more at the top of low RAM (e820 0x...dd000 instead of 0x...e0000: realkernel w5's
  // MemTotal is 210740 kB, not 210752) and the e820 stays the one src/arch/x86/e820.ts models
  const a = ["-nodefaults", "-no-user-config", "-no-reboot", "-display", "none", "-monitor", "none", "-boot", "strict=on", "-serial", `file:${paths.console}`];
  a.push("-m", `${m.memoryBytes / 2 ** 20}M`, "-kernel", paths.kernel, "-initrd", paths.initrd);
  if (accel === "kvm") a.push("-enable-kvm", "-cpu", "host,-arch-capabilities");
  else a.push("-accel", "tcg");
  if (m.nodes) {
    m.nodes.forEach((n, i) => {
      a.push("-object", `memory-backend-ram,id=m${i},size=${n.bytes / 2 ** 20}M`);
      a.push("-numa", `node,nodeid=${i}${n.cpus.length ? `,cpus=${cpuList(n.cpus)}` : ""},memdev=m${i}`);
    });
    m.distance?.forEach((row, i) => row.forEach((v, j) => i < j && a.push("-numa", `dist,src=${i},dst=${j},val=${v}`)));
  }
  disks.forEach((d, i) => {
    const throttle = d.bandwidth !== undefined ? `,throttling.bps-total=${Math.max(1, Math.round(d.bandwidth))}` : "";
    a.push("-drive", `file=${paths.disks[i]},format=raw,if=virtio,cache=unsafe${throttle}`);
  });
  a.push("-smp", String(m.cpus), "-append", [...BASE_CMDLINE, ...m.cmdline].join(" "));
  return a;
}

/** "0-3" or "0,2,5" as QEMU's cpus= takes it (ranges joined with ':' would need several cpus= keys). */
function cpuList(cpus: number[]): string {
  const s = [...cpus].sort((x, y) => x - y);
  const contiguous = s.every((c, i) => i === 0 || c === s[i - 1] + 1);
  if (contiguous) return s.length === 1 ? String(s[0]) : `${s[0]}-${s[s.length - 1]}`;
  return s.join(",cpus=");
}

/** The provenance a captured ground-truth set is stored with (the realkernel run_info keys, and more). */
export function runInfo(f: {
  workload: string;
  scenarioFile: string;
  seed: number;
  kernelPackage: string;
  kernelVersion: string;
  kernelRelease: string;
  accel: string;
  machine: GuestMachine;
  qemuVersion: string;
  qemuArgs: string[];
  qemuExit: number | string;
  completed: boolean;
  wallSeconds: number;
  busybox: string;
  initrdBytes: number;
}): string {
  return [
    `workload: ${f.workload}`,
    `scenario: ${f.scenarioFile} (seed ${f.seed})`,
    `harness: mmsim validate (tools/guest/mmguest.c, tools/guest/init)`,
    `kernel_package: ${f.kernelPackage} ${f.kernelVersion}`,
    `kernel_release: ${f.kernelRelease}`,
    `busybox: ${f.busybox}`,
    `initrd_bytes: ${f.initrdBytes}`,
    `accel: ${f.accel}`,
    `memory: ${f.machine.memoryBytes / 2 ** 20}M`,
    `smp: ${f.machine.cpus}`,
    `qemu: ${f.qemuVersion}`,
    `qemu_args: ${f.qemuArgs.join(" ")}`,
    `qemu_exit: ${f.qemuExit}`,
    `completed: ${f.completed ? "yes" : "no"}`,
    `wall_seconds: ${f.wallSeconds.toFixed(1)}`,
    "",
  ].join("\n");
}
