/**
 * memfd_create and file seals (mm/memfd.c, the seal checks of mm/shmem.c) through the Process
 * API: each seal refuses what 6.1 refuses with 6.1's errno, and nothing else.
 */
import { describe, expect, it } from "vitest";
import { Machine, type Process } from "../api/index.js";
import { errnoOf } from "../kernel/errno.testutil.js";

const errno = errnoOf;

function proc(): { m: Machine; p: Process } {
  const m = Machine.boot({ memory: "256M" });
  return { m, p: m.spawn({ name: "memfd" }) };
}

const SEAL = 1;
const SHRINK = 2;
const GROW = 4;
const WRITE = 8;
const FUTURE_WRITE = 16;

describe("memfd_create", () => {
  it("makes an anonymous tmpfs file, sealed against seals unless allow_sealing", () => {
    const { m, p } = proc();
    const a = p.memfdCreate("plain");
    expect(p.getSeals(a)).toBe(SEAL);
    expect(errno(() => p.addSeals(a, "grow"))).toBe("EPERM");
    const b = p.memfdCreate("buf", "allow_sealing|cloexec");
    expect(p.getSeals(b)).toBe(0);
    expect(p.fstat(b).size).toBe(0);
    p.ftruncate(b, 64 << 10);
    expect(p.pwrite(b, 64 << 10, 0)).toBe(64 << 10);
    const addr = p.mmap(64 << 10, { fd: b, flags: "shared", prot: "rw" });
    expect(m.read(`/proc/${p.pid}/maps`)).toContain(`${addr.toString(16)}-${(addr + 65536).toString(16)} rw-s 00000000 00:01 `);
    expect(m.read(`/proc/${p.pid}/maps`)).toMatch(/ {2,}\/memfd:buf \(deleted\)\n/);
  });

  it("refuses bad names and flags with the kernel's errnos", () => {
    const { p } = proc();
    expect(errno(() => p.memfdCreate("x".repeat(249)))).toBe("ok");
    expect(errno(() => p.memfdCreate("x".repeat(250)))).toBe("EINVAL");
    expect(errno(() => p.memfdCreate("a\0b"))).toBe("EFAULT");
    expect(errno(() => p.memfdCreate("x", 0x100))).toBe("EINVAL");
    expect(errno(() => p.memfdCreate("x", "hugetlb"))).toBe("EINVAL");
    expect(() => p.memfdCreate("x", "sealable")).toThrow(/unknown memfd_create flag "sealable"/);
  });
});

describe("F_ADD_SEALS / F_GET_SEALS", () => {
  it("shrink and grow: ftruncate, a write past the end and fallocate past it fail with EPERM; writes inside go", () => {
    const { p } = proc();
    const fd = p.memfdCreate("s", "allow_sealing");
    p.ftruncate(fd, 16384);
    p.addSeals(fd, "shrink|grow");
    expect(p.getSeals(fd)).toBe(SHRINK | GROW);
    expect(errno(() => p.ftruncate(fd, 8192))).toBe("EPERM");
    expect(errno(() => p.ftruncate(fd, 32768))).toBe("EPERM");
    expect(errno(() => p.ftruncate(fd, 16384))).toBe("ok");
    expect(errno(() => p.pwrite(fd, 4096, 16384))).toBe("EPERM");
    expect(p.pwrite(fd, 4096, 12288)).toBe(4096);
    expect(errno(() => p.fallocate(fd, 0, 20480))).toBe("EPERM");
    expect(errno(() => p.fallocate(fd, 0, 16384))).toBe("ok");
  });

  it("write: EBUSY while a shared writable mapping exists; then no write(2), no shared writable mmap, no hole punched", () => {
    const { p } = proc();
    const fd = p.memfdCreate("w", "allow_sealing");
    p.ftruncate(fd, 65536);
    const rw = p.mmap(65536, { fd, flags: "shared", prot: "rw" });
    p.touch(rw, 65536, { write: true });
    expect(errno(() => p.addSeals(fd, "write"))).toBe("EBUSY");
    expect(p.getSeals(fd)).toBe(0);
    p.munmap(rw, 65536);
    p.addSeals(fd, "write");
    expect(p.getSeals(fd)).toBe(WRITE);
    expect(errno(() => p.pwrite(fd, 4096, 0))).toBe("EPERM");
    expect(errno(() => p.mmap(65536, { fd, flags: "shared", prot: "rw" }))).toBe("EPERM");
    expect(errno(() => p.fallocate(fd, 0, 4096, "punch_hole|keep_size"))).toBe("EPERM");
    // A shared read-only mapping is allowed, but can never be made writable (no VM_MAYWRITE).
    const ro = p.mmap(65536, { fd, flags: "shared", prot: "r" });
    expect(p.touch(ro, 65536).signal).toBeNull();
    expect(errno(() => p.mprotect(ro, 65536, "rw"))).toBe("EACCES");
    // A private mapping still copies on write: the file does not change.
    const priv = p.mmap(65536, { fd, flags: "private", prot: "rw" });
    expect(p.touch(priv, 65536, { write: true }).signal).toBeNull();
    // Growing is still allowed: F_SEAL_WRITE protects the contents, not the size.
    expect(errno(() => p.ftruncate(fd, 131072))).toBe("ok");
  });

  it("future_write: the mapping already there keeps writing; new writes and shared writable mappings fail", () => {
    const { p } = proc();
    const fd = p.memfdCreate("f", "allow_sealing");
    p.ftruncate(fd, 65536);
    const rw = p.mmap(65536, { fd, flags: "shared", prot: "rw" });
    p.addSeals(fd, "future_write");
    expect(p.touch(rw, 65536, { write: true }).signal).toBeNull();
    expect(errno(() => p.pwrite(fd, 4096, 0))).toBe("EPERM");
    expect(errno(() => p.mmap(65536, { fd, flags: "shared", prot: "rw" }))).toBe("EPERM");
    expect(errno(() => p.mmap(65536, { fd, flags: "shared", prot: "r" }))).toBe("ok");
  });

  it("seal: no seal may be added after it; unknown bits are EINVAL; a closed descriptor EBADF; a read-only one EPERM", () => {
    const { p } = proc();
    const fd = p.memfdCreate("x", "allow_sealing");
    expect(errno(() => p.addSeals(fd, 0x20))).toBe("EINVAL");
    expect(errno(() => p.addSeals(fd, 2 ** 32))).toBe("EINVAL");
    p.addSeals(fd, "seal");
    expect(errno(() => p.addSeals(fd, "grow"))).toBe("EPERM");
    expect(errno(() => p.addSeals(fd, 0))).toBe("EPERM");
    p.close(fd);
    expect(errno(() => p.getSeals(fd))).toBe("EBADF");
    expect(errno(() => p.addSeals(fd, "grow"))).toBe("EBADF");
    expect(() => p.addSeals(0, "glue")).toThrow(/unknown seal "glue"/);
    // A tmpfs file opened read-only cannot be sealed; a plain tmpfs file is born F_SEAL_SEAL.
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs" });
    const w = p.open("/mnt/t/f", "w|create");
    expect(p.getSeals(w)).toBe(SEAL);
    const r = p.open("/mnt/t/f", "r");
    expect(errno(() => p.addSeals(r, "grow"))).toBe("EPERM");
    expect(FUTURE_WRITE).toBe(0x10);
  });

  it("a truncate below a mapping of a memfd: an access past the new end is SIGBUS, as on any tmpfs file", () => {
    const { p } = proc();
    const fd = p.memfdCreate("t");
    p.ftruncate(fd, 65536);
    const a = p.mmap(65536, { fd, flags: "shared", prot: "rw" });
    p.touch(a, 65536, { write: true });
    p.ftruncate(fd, 16384);
    expect(p.touch(a, 16384, { write: true }).signal).toBeNull();
    expect(() => p.touch(a + 16384, 4096)).toThrow(/killed by SIGBUS at 0x[0-9a-f]+/);
    expect(p.status().killedBy).toBe("SIGBUS");
  });
});
