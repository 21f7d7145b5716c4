/**
 * The file API of Process (open, readFd/writeFd, pread/pwrite, lseek, ftruncate, unlink, mmap of a
 * file, fadvise, mincore) on bad input: the kernel's errno or signal, never a KernelBug.
 */
import { describe, expect, it } from "vitest";
import { Errno } from "../kernel/errno.js";
import { Machine } from "./machine.js";
import { ProcessKilled } from "./process.js";

function errno(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof Errno) return e.code;
    if (e instanceof ProcessKilled) return `killed ${e.signal}`;
    throw e;
  }
  return "ok";
}

describe("Process file API: the kernel's answers to bad input", () => {
  const setup = () => {
    const m = Machine.boot({ memory: "256M" });
    const p = m.spawn({ name: "t" });
    p.mkdir("/mnt/t");
    p.mount("/mnt/t", { fstype: "tmpfs", size: "1M" });
    return { m, p };
  };

  it("fills a 1 MiB tmpfs with a short write, then answers ENOSPC; Shmem holds the 256 pages", () => {
    const { m, p } = setup();
    const shmem0 = Number(/^Shmem:\s+(\d+)/m.exec(m.read("/proc/meminfo"))?.[1]);
    const fd = p.open("/mnt/t/f", "rw|create");
    expect(p.writeFd(fd, 2 << 20)).toBe(1 << 20);
    expect(errno(() => p.writeFd(fd, 4096))).toBe("ENOSPC");
    expect(Number(/^Shmem:\s+(\d+)/m.exec(m.read("/proc/meminfo"))?.[1]) - shmem0).toBe(1024);
    p.close(fd);
    p.unlink("/mnt/t/f");
    expect(Number(/^Shmem:\s+(\d+)/m.exec(m.read("/proc/meminfo"))?.[1])).toBe(shmem0);
  });

  it("refuses negative offsets with EINVAL and closed or read-only descriptors with EBADF", () => {
    const { p } = setup();
    const fd = p.open("/mnt/t/f", "rw|create");
    expect(errno(() => p.pread(fd, 4096, -1))).toBe("EINVAL");
    expect(errno(() => p.lseek(fd, -5))).toBe("EINVAL");
    p.close(fd);
    expect(errno(() => p.readFd(fd, 10))).toBe("EBADF");
    expect(errno(() => p.close(fd))).toBe("EBADF");
    const ro = p.open("/mnt/t/f", "r");
    expect(errno(() => p.writeFd(ro, 10))).toBe("EBADF");
    expect(errno(() => p.mmap(4096, { fd: ro, flags: "shared", prot: "rw" }))).toBe("EACCES");
  });

  it("answers ENOENT for an unlinked or missing file and EINVAL for O_DIRECT on tmpfs (6.1)", () => {
    const { p } = setup();
    p.close(p.open("/mnt/t/g", "w|create"));
    p.unlink("/mnt/t/g");
    expect(errno(() => p.open("/mnt/t/g", "r"))).toBe("ENOENT");
    expect(errno(() => p.unlink("/mnt/t/nope"))).toBe("ENOENT");
    expect(errno(() => p.open("/mnt/t/h", "rw|create|direct"))).toBe("EINVAL");
  });

  it("kills with SIGBUS an access past EOF after truncating below a shared mapping", () => {
    const { p } = setup();
    const fd = p.open("/mnt/t/f", "rw|create");
    p.ftruncate(fd, 64 * 1024);
    const a = p.mmap(64 * 1024, { fd, flags: "shared", prot: "rw" });
    expect(p.read(a, 64 * 1024).pages).toBe(16);
    p.ftruncate(fd, 8192);
    expect(p.read(a, 8192).pages).toBe(2);
    expect(errno(() => p.read(a + 16384, 4096))).toBe("killed SIGBUS");
  });

  it("keeps an unlinked file's pages until the last descriptor closes", () => {
    const { m, p } = setup();
    const cached = (): number => Number(/^Cached:\s+(\d+)/m.exec(m.read("/proc/meminfo"))?.[1]);
    const fd = p.open("/mnt/t/f", "rw|create");
    const c0 = cached();
    p.writeFd(fd, 64 * 1024);
    p.unlink("/mnt/t/f");
    expect(cached() - c0).toBe(64);
    expect(p.pread(fd, 4096, 0)).toBe(4096);
    p.close(fd);
    expect(cached()).toBe(c0);
  });
});
