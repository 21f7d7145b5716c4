/**
 * System V shared memory (ipc/shm.c) through the Process API: the errnos of shmget, shmat, shmdt
 * and shmctl as 6.1 gives them, attach counts, destruction at the last detach after IPC_RMID,
 * kernel.shm_rmid_forced, the /proc/sys/kernel/shm* limits and /proc/sysvipc/shm's text.
 */
import { describe, expect, it } from "vitest";
import { Machine, type Process } from "../api/index.js";
import { kernelOf } from "../api/internals.js";
import { checkPageCache } from "../sim/invariants/pagecache.js";
import { checkMm } from "../sim/invariants/mm.js";
import { errnoOf } from "../kernel/errno.testutil.js";

const errno = errnoOf;

function boot(): { m: Machine; p: Process } {
  const m = Machine.boot({ memory: "256M" });
  return { m, p: m.spawn({ name: "shm" }) };
}

function meminfo(m: Machine, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(m.read("/proc/meminfo"))?.[1]);
}

const HEADER = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";

describe("shmget", () => {
  it("IPC_PRIVATE makes a new segment each time: ids 0, 1, … (seq 0 << 15 | idx)", () => {
    const { p } = boot();
    expect(p.shmget("private", 4096)).toBe(0);
    expect(p.shmget("private", 4096)).toBe(1);
    expect(p.shmget(0, 8192)).toBe(2);
  });

  it("a key: ENOENT without creat, EEXIST with creat|excl, EINVAL when bigger than the segment, EACCES without permission", () => {
    const { m, p } = boot();
    expect(errno(() => p.shmget(0x1234, 4096))).toBe("ENOENT");
    const id = p.shmget(0x1234, 8192, "creat", 0o600);
    expect(p.shmget(0x1234, 4096)).toBe(id);
    expect(p.shmget(0x1234, 0)).toBe(id);
    expect(errno(() => p.shmget(0x1234, 4096, "creat|excl"))).toBe("EEXIST");
    expect(errno(() => p.shmget(0x1234, 8193))).toBe("EINVAL");
    const other = m.spawn({ name: "other", uid: 1000 });
    expect(errno(() => other.shmget(0x1234, 4096, 0o600))).toBe("EACCES");
    expect(errno(() => other.shmget(0x1234, 4096, 0))).toBe("ok");
  });

  it("sizes: 0 is EINVAL (SHMMIN 1), above kernel.shmmax EINVAL, above kernel.shmall ENOSPC, past shmmni ENOSPC", () => {
    const { m, p } = boot();
    expect(errno(() => p.shmget("private", 0))).toBe("EINVAL");
    expect(m.read("/proc/sys/kernel/shmmax")).toBe("18446744073692774399\n");
    expect(m.read("/proc/sys/kernel/shmall")).toBe("18446744073692774399\n");
    expect(m.read("/proc/sys/kernel/shmmni")).toBe("4096\n");
    expect(m.read("/proc/sys/kernel/shm_rmid_forced")).toBe("0\n");
    m.write("/proc/sys/kernel/shmmax", "65536");
    expect(errno(() => p.shmget("private", 65537))).toBe("EINVAL");
    expect(errno(() => p.shmget("private", 65536))).toBe("ok");
    m.write("/proc/sys/kernel/shmall", "20");
    // 16 pages in use: 5 more pages do not fit.
    expect(errno(() => p.shmget("private", 5 * 4096))).toBe("ENOSPC");
    expect(errno(() => p.shmget("private", 4 * 4096))).toBe("ok");
    m.write("/proc/sys/kernel/shmall", "1000");
    m.write("/proc/sys/kernel/shmmni", "3");
    expect(errno(() => p.shmget("private", 4096))).toBe("ok");
    expect(errno(() => p.shmget("private", 4096))).toBe("ENOSPC");
    expect(errno(() => m.write("/proc/sys/kernel/shmmni", "32769"))).toBe("EINVAL");
    expect(errno(() => m.write("/proc/sys/kernel/shm_rmid_forced", "2"))).toBe("EINVAL");
    expect(errno(() => m.write("/proc/sys/kernel/shmmax", "-1"))).toBe("EINVAL");
  });

  it("a segment is charged to Committed_AS whole unless noreserve; overcommit mode 2 refuses one too big with ENOMEM", () => {
    const { m, p } = boot();
    const c0 = meminfo(m, "Committed_AS");
    p.shmget("private", 16 << 20);
    expect(meminfo(m, "Committed_AS") - c0).toBe(16 << 10);
    p.shmget("private", 16 << 20, "noreserve");
    expect(meminfo(m, "Committed_AS") - c0).toBe(16 << 10);
    m.write("/proc/sys/vm/overcommit_memory", "2");
    expect(errno(() => p.shmget("private", 1 << 30))).toBe("ENOMEM");
  });
});

describe("shmat, shmdt, shmctl", () => {
  it("attach, touch, stat: Shmem and nattch move; the maps line names /SYSV<key> (deleted) with the shmid as inode", () => {
    const { m, p } = boot();
    const shmem0 = meminfo(m, "Shmem");
    const id = p.shmget(0xbeef, 1 << 20, "creat", 0o640);
    const a = p.shmat(id);
    expect(p.shmctl(id, "stat")?.nattch).toBe(1);
    p.touch(a, 1 << 20, { write: true });
    expect(meminfo(m, "Shmem") - shmem0).toBe(1024);
    expect(m.read(`/proc/${p.pid}/maps`)).toMatch(new RegExp(`^${a.toString(16)}-${(a + (1 << 20)).toString(16)} rw-s 00000000 00:01 ${id} +/SYSV0000beef \\(deleted\\)$`, "m"));
    const st = p.shmctl(id, "stat");
    expect(st).toMatchObject({ key: 0xbeef, mode: 0o640, size: 1 << 20, cpid: p.pid, lpid: p.pid, nattch: 1, uid: 0 });
    // A fork attaches again (shm_open on the child's copy of the VMA).
    const c = p.fork();
    expect(p.shmctl(id, "stat")?.nattch).toBe(2);
    c.exit();
    expect(p.shmctl(id, "stat")?.nattch).toBe(1);
    p.shmdt(a);
    expect(p.shmctl(id, "stat")?.nattch).toBe(0);
    // Detached but not removed: the pages stay.
    expect(meminfo(m, "Shmem") - shmem0).toBe(1024);
    p.shmctl(id, "rmid");
    expect(meminfo(m, "Shmem")).toBe(shmem0);
    expect(errno(() => p.shmctl(id, "stat"))).toBe("EINVAL");
    checkPageCache(kernelOf(m));
    checkMm(kernelOf(m));
  });

  it("IPC_RMID while attached: SHM_DEST, key private, destroyed at the last detach", () => {
    const { m, p } = boot();
    const shmem0 = meminfo(m, "Shmem");
    const id = p.shmget(42, 65536, "creat");
    const a = p.shmat(id);
    p.touch(a, 65536, { write: true });
    p.shmctl(id, "rmid");
    expect(p.shmctl(id, "stat")).toMatchObject({ key: 0, mode: 0o1600, nattch: 1 });
    expect(errno(() => p.shmget(42, 4096))).toBe("ENOENT");
    expect(meminfo(m, "Shmem") - shmem0).toBe(64);
    p.shmdt(a);
    expect(meminfo(m, "Shmem")).toBe(shmem0);
    expect(errno(() => p.shmat(id))).toBe("EINVAL");
    expect(m.read("/proc/sysvipc/shm")).toBe(HEADER);
  });

  it("shmat's address rules: SHM_RND rounds down, an unaligned address is EINVAL, a mapped range EINVAL without remap; rdonly maps r--s", () => {
    const { m, p } = boot();
    const id = p.shmget("private", 8192);
    const a = p.shmat(id);
    expect(errno(() => p.shmat(id, { addr: a }))).toBe("EINVAL");
    expect(errno(() => p.shmat(id, { addr: a + 100 }))).toBe("EINVAL");
    expect(errno(() => p.shmat(id, { flags: "remap" }))).toBe("EINVAL");
    const b = p.shmat(id, { addr: a + 0x100000 + 100, flags: "rnd|rdonly" });
    expect(b).toBe(a + 0x100000);
    expect(m.read(`/proc/${p.pid}/maps`)).toContain(`${b.toString(16)}-${(b + 8192).toString(16)} r--s `);
    expect(errno(() => p.mprotect(b, 8192, "rw"))).toBe("EACCES");
    expect(p.shmat(id, { addr: a, flags: "remap" })).toBe(a);
    expect(errno(() => p.shmdt(a + 4096))).toBe("EINVAL");
    expect(errno(() => p.shmat(12345))).toBe("EINVAL");
    expect(errno(() => p.shmat(-1))).toBe("EINVAL");
    const other = m.spawn({ name: "other", uid: 1000 });
    expect(errno(() => other.shmat(id))).toBe("EACCES");
    expect(errno(() => other.shmctl(id, "rmid"))).toBe("EPERM");
  });

  it("kernel.shm_rmid_forced: a segment goes at its last detach, and setting it removes the orphans", () => {
    const { m, p } = boot();
    const q = m.spawn({ name: "maker" });
    const orphan = q.shmget("private", 4096);
    q.exit();
    const id = p.shmget("private", 4096);
    const a = p.shmat(id);
    m.write("/proc/sys/kernel/shm_rmid_forced", "1");
    expect(errno(() => p.shmctl(orphan, "stat"))).toBe("EINVAL");
    expect(p.shmctl(id, "stat")?.nattch).toBe(1);
    p.shmdt(a);
    expect(errno(() => p.shmctl(id, "stat"))).toBe("EINVAL");
    // At exit, the segments the task made and nothing has attached go too.
    const r = m.spawn({ name: "r" });
    const made = r.shmget("private", 4096);
    r.exit();
    expect(errno(() => p.shmctl(made, "stat"))).toBe("EINVAL");
  });
});

describe("/proc/sysvipc/shm", () => {
  it("prints sysvipc_shm_proc_show's columns: key and id %10d, perms %4o, size, rss and swap %21lu", () => {
    const { m, p } = boot();
    const id = p.shmget(0x5eed, 65536, "creat", 0o666);
    const a = p.shmat(id);
    p.touch(a, 16384, { write: true });
    // atime and ctime: second 1 of the simulated clock (boot takes about 1.2 s); never detached.
    const line = `     24301          0   666                 65536 ${String(p.pid).padStart(5)} ${String(p.pid).padStart(5)}      1     0     0     0     0          1          0          1                 16384                     0\n`;
    expect(m.read("/proc/sysvipc/shm")).toBe(HEADER + line);
  });
});
