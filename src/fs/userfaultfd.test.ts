/**
 * userfaultfd (fs/userfaultfd.c, mm/userfaultfd.c) through the Process API: the errno each
 * syscall and ioctl answers for bad input, as 6.1's argument checks give them; fault delivery,
 * the order of messages and wakes, and how the faults are counted; VMA splits and merges on
 * (un)registration; fork and close; /proc/PID/fdinfo and smaps.
 */
import { describe, expect, it } from "vitest";
import { Machine, type Process } from "../api/index.js";
import { errnoOf } from "../kernel/errno.testutil.js";
import { kernelOf } from "../api/internals.js";
import { checkMm } from "../sim/invariants/mm.js";
import { KernelBug } from "../kernel/bug.js";
import { VM_UFFD_MISSING } from "../mm/mm_types.js";

const PAGE = 4096;

function setup(pages = 16): { m: Machine; p: Process; a: number; uffd: number } {
  const m = Machine.boot({ memory: "256M" });
  const p = m.spawn({ name: "pc" });
  const a = p.mmap(pages * PAGE);
  p.madvise(a, pages * PAGE, "nohugepage");
  const uffd = p.userfaultfd("nonblock");
  p.uffdApi(uffd);
  return { m, p, a, uffd };
}

function vmstat(m: Machine, name: string): number {
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(m.read("/proc/vmstat"))?.[1] ?? NaN);
}

/** The maps lines of the VMAs in [lo, hi). */
function mapsIn(m: Machine, p: Process, lo: number, hi: number): string[] {
  return m
    .read(`/proc/${p.pid}/maps`)
    .split("\n")
    .filter((l) => {
      const [s, e] = l.split(" ")[0].split("-").map((x) => parseInt(x, 16));
      return s >= lo && e <= hi;
    });
}

describe("userfaultfd(2)", () => {
  it("refuses unknown flags with EINVAL and takes cloexec, nonblock, user_mode_only", () => {
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ name: "u" });
    expect(errnoOf(() => p.userfaultfd(0x1))).toBe("ok"); // UFFD_USER_MODE_ONLY
    expect(errnoOf(() => p.userfaultfd("cloexec|nonblock"))).toBe("ok");
    expect(errnoOf(() => p.userfaultfd(0x2))).toBe("EINVAL");
    expect(errnoOf(() => p.userfaultfd(0o100))).toBe("EINVAL"); // O_CREAT is no uffd flag
  });

  it("needs CAP_SYS_PTRACE or user_mode_only while vm.unprivileged_userfaultfd is 0 (6.1's default)", () => {
    const m = Machine.boot({ memory: "128M" });
    expect(m.read("/proc/sys/vm/unprivileged_userfaultfd")).toBe("0\n");
    const u = m.spawn({ name: "user", uid: 1000 });
    expect(errnoOf(() => u.userfaultfd(0))).toBe("EPERM");
    expect(errnoOf(() => u.userfaultfd("user_mode_only"))).toBe("ok");
    m.write("/proc/sys/vm/unprivileged_userfaultfd", "1");
    expect(errnoOf(() => u.userfaultfd(0))).toBe("ok");
    // EVENT_FORK needs CAP_SYS_PTRACE whatever the sysctl says.
    const fd = u.userfaultfd(0);
    expect(errnoOf(() => u.uffdApi(fd, "event_fork"))).toBe("EPERM");
  });
});

describe("the ioctls' errnos for bad input", () => {
  it("UFFDIO_API: EINVAL for unknown features and when done twice; everything else EINVAL before it", () => {
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ name: "u" });
    const a = p.mmap(4 * PAGE);
    const fd = p.userfaultfd();
    expect(errnoOf(() => p.uffdRegister(fd, a, PAGE, "missing"))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdRead(fd))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdApi(fd, 1 << 13))).toBe("EINVAL");
    const api = p.uffdApi(fd, "sigbus|thread_id");
    expect(api.features).toBe(0x1fff);
    expect(api.ioctls).toEqual(["UFFDIO_REGISTER", "UFFDIO_UNREGISTER", "UFFDIO_API"]);
    expect(errnoOf(() => p.uffdApi(fd))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdApi(99))).toBe("EBADF");
    const file = p.memfdCreate("x");
    expect(errnoOf(() => p.uffdApi(file))).toBe("ENOTTY");
  });

  it("UFFDIO_REGISTER: EINVAL, EPERM, EBUSY, ENOMEM as userfaultfd_register answers", () => {
    const { m, p, a, uffd } = setup();
    const cases: Array<[string, () => unknown]> = [
      ["EINVAL", () => p.uffdRegister(uffd, a, PAGE, 0)], // no mode
      ["EINVAL", () => p.uffdRegister(uffd, a, PAGE, 1 << 3)], // unknown mode bit
      ["EINVAL", () => p.uffdRegister(uffd, a + 1, PAGE, "missing")], // start not page aligned
      ["EINVAL", () => p.uffdRegister(uffd, a, 100, "missing")], // len not page aligned
      ["EINVAL", () => p.uffdRegister(uffd, a, 0, "missing")], // empty
      ["EINVAL", () => p.uffdRegister(uffd, 2 ** 47, PAGE, "missing")], // past TASK_SIZE
      ["EINVAL", () => p.uffdRegister(uffd, a, PAGE, "minor")], // MINOR on anonymous memory
      ["EINVAL", () => p.uffdRegister(uffd, a - 64 * PAGE, PAGE, "missing")], // no VMA meets the range
      // (ENOMEM, no VMA at or after start, cannot happen here: the stack tops the address space.)
    ];
    for (const [want, call] of cases) expect(errnoOf(call), String(call)).toBe(want);
    // EBUSY: registered with another uffd.
    p.uffdRegister(uffd, a, 4 * PAGE, "missing");
    const other = p.userfaultfd();
    p.uffdApi(other);
    expect(errnoOf(() => p.uffdRegister(other, a + 2 * PAGE, 4 * PAGE, "missing"))).toBe("EBUSY");
    void m;
  });

  it("UFFDIO_REGISTER: EPERM on a shared mapping without VM_MAYWRITE", () => {
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ name: "u" });
    p.mkdir("/mnt/u");
    p.mount("/mnt/u", { fstype: "tmpfs" });
    const w = p.open("/mnt/u/f", "w|create");
    p.ftruncate(w, 4 * PAGE);
    p.close(w);
    const r = p.open("/mnt/u/f", "r");
    const a = p.mmap(4 * PAGE, { fd: r, flags: "shared", prot: "r" });
    const uffd = p.userfaultfd();
    p.uffdApi(uffd);
    expect(errnoOf(() => p.uffdRegister(uffd, a, 4 * PAGE, "missing"))).toBe("EPERM");
    // WP outside anonymous memory: vma_can_userfault says no (see mm/userfaultfd.ts).
    const rw = p.open("/mnt/u/f", "rw");
    const b = p.mmap(4 * PAGE, { fd: rw, flags: "shared", prot: "rw" });
    expect(errnoOf(() => p.uffdRegister(uffd, b, 4 * PAGE, "wp"))).toBe("EINVAL");
    expect(p.uffdRegister(uffd, b, 4 * PAGE, "missing|minor")).toEqual(["UFFDIO_WAKE", "UFFDIO_COPY", "UFFDIO_ZEROPAGE", "UFFDIO_CONTINUE"]);
  });

  it("UFFDIO_COPY / ZEROPAGE / WAKE / WRITEPROTECT / UNREGISTER: the kernel's errnos", () => {
    const { p, a, uffd } = setup();
    const src = p.mmap(4 * PAGE);
    p.touch(src, 4 * PAGE, { write: true });
    // ENOENT: not inside one registered VMA.
    expect(errnoOf(() => p.uffdCopy(uffd, a, src, PAGE))).toBe("ENOENT");
    p.uffdRegister(uffd, a, 8 * PAGE, "missing");
    expect(errnoOf(() => p.uffdCopy(uffd, a + 6 * PAGE, src, 4 * PAGE))).toBe("ENOENT"); // runs past the VMA
    expect(errnoOf(() => p.uffdCopy(uffd, a + 1, src, PAGE))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdCopy(uffd, a, src, PAGE, 1 << 2))).toBe("EINVAL"); // unknown mode
    expect(errnoOf(() => p.uffdCopy(uffd, a, src, PAGE, "wp"))).toBe("EINVAL"); // WP copy into a range not registered WP
    expect(errnoOf(() => p.uffdCopy(uffd, a, 2 ** 64 - PAGE, PAGE))).toBe("EINVAL"); // source wraps
    expect(errnoOf(() => p.uffdCopy(uffd, a, 0x1000, PAGE))).toBe("EFAULT"); // source not mapped
    expect(p.uffdCopy(uffd, a, src, PAGE)).toBe(PAGE);
    expect(errnoOf(() => p.uffdCopy(uffd, a, src, PAGE))).toBe("EEXIST");
    // A copy that stops part way: the bytes done, and EAGAIN.
    expect(errnoOf(() => p.uffdCopy(uffd, a, src, 2 * PAGE))).toBe("EEXIST"); // the first page exists: nothing copied
    p.uffdCopy(uffd, a + 3 * PAGE, src, PAGE);
    expect(errnoOf(() => p.uffdCopy(uffd, a + 2 * PAGE, src, 2 * PAGE))).toBe("EAGAIN"); // one page done, then EEXIST
    expect(errnoOf(() => p.uffdZeropage(uffd, a, PAGE))).toBe("EEXIST");
    expect(errnoOf(() => p.uffdZeropage(uffd, a + 4 * PAGE, PAGE, 2))).toBe("EINVAL");
    expect(p.uffdZeropage(uffd, a + 4 * PAGE, PAGE)).toBe(PAGE);
    expect(errnoOf(() => p.uffdWake(uffd, a, 0))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdWake(uffd, a + 5, PAGE))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdWake(uffd, a, PAGE))).toBe("ok");
    // WRITEPROTECT: bad mode bits, WP with DONTWAKE, and a range not registered WP.
    expect(errnoOf(() => p.uffdWriteprotect(uffd, a, PAGE, 1 << 2))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdWriteprotect(uffd, a, PAGE, "wp|dontwake"))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdWriteprotect(uffd, a, PAGE, "wp"))).toBe("ENOENT");
    // CONTINUE: anonymous memory has no page cache to map.
    expect(errnoOf(() => p.uffdContinue(uffd, a + 5 * PAGE, PAGE))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdUnregister(uffd, a, 3))).toBe("EINVAL");
    expect(errnoOf(() => p.uffdUnregister(uffd, a, 8 * PAGE))).toBe("ok");
    // read(2): nothing pending on a nonblock uffd.
    expect(errnoOf(() => p.uffdRead(uffd))).toBe("EAGAIN");
  });
});

describe("fault delivery", () => {
  it("queues a message, stops the access, and completes the fault as a major one once a copy wakes it", () => {
    const { m, p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 16 * PAGE, "missing");
    const src = p.mmap(PAGE);
    p.touch(src, PAGE, { write: true });
    const pgfault0 = vmstat(m, "pgfault");
    const min0 = p.status().minflt;
    const r = p.touch(a, 4 * PAGE, { write: true });
    expect(r).toMatchObject({ blocked: true, pages: 0, addr: a, signal: null, minflt: 0, majflt: 0 });
    expect(p.userfaultWait).toBe(a);
    // The first attempt counted pgfault, not min_flt (VM_FAULT_RETRY).
    expect(vmstat(m, "pgfault")).toBe(pgfault0 + 1);
    expect(p.status().minflt).toBe(min0);
    expect(m.read(`/proc/${p.pid}/fdinfo/${uffd}`)).toMatch(/^pending:\t1\ntotal:\t1\n/m);
    // Still asleep: a second access stops at once, at the same place.
    expect(p.touch(a, PAGE)).toMatchObject({ blocked: true, pages: 0, addr: a });
    expect(vmstat(m, "pgfault")).toBe(pgfault0 + 1);
    const msgs = p.uffdRead(uffd);
    expect(msgs).toEqual([{ event: "pagefault", address: a, write: true, wp: false, minor: false, ptid: 0 }]);
    expect(m.read(`/proc/${p.pid}/fdinfo/${uffd}`)).toMatch(/^pending:\t0\ntotal:\t1\n/m);
    // A copy elsewhere wakes nothing.
    p.uffdCopy(uffd, a + 8 * PAGE, src, PAGE);
    expect(p.userfaultWait).toBe(a);
    p.uffdCopy(uffd, a, src, PAGE);
    expect(p.userfaultWait).toBeNull();
    expect(m.read(`/proc/${p.pid}/fdinfo/${uffd}`)).toMatch(/^pending:\t0\ntotal:\t0\n/m);
    // The retry: pgfault again, and a major fault for the task (FAULT_FLAG_TRIED); the access
    // goes on to the next page, which faults to the uffd in turn.
    const r2 = p.touch(a, 4 * PAGE, { write: true });
    expect(r2).toMatchObject({ blocked: true, pages: 1, addr: a + PAGE, majflt: 1, minflt: 0 });
    expect(vmstat(m, "pgfault")).toBe(pgfault0 + 3);
    expect(vmstat(m, "pgmajfault")).toBe(0);
    // The copied page is the process's: one more anonymous page (the source's is the other).
    expect(p.status().rssAnonKb).toBeGreaterThanOrEqual(8);
  });

  it("delivers read faults without mapping the zero page, and ZEROPAGE maps it", () => {
    const { m, p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 16 * PAGE, "missing");
    expect(p.touch(a + PAGE, PAGE).blocked).toBe(true);
    expect(p.uffdRead(uffd)).toEqual([{ event: "pagefault", address: a + PAGE, write: false, wp: false, minor: false, ptid: 0 }]);
    const anon0 = m.read("/proc/meminfo");
    p.uffdZeropage(uffd, a + PAGE, PAGE);
    expect(p.touch(a + PAGE, PAGE)).toMatchObject({ blocked: false, pages: 1, majflt: 1 });
    expect(m.read("/proc/meminfo").match(/AnonPages:.*/)?.[0]).toBe(anon0.match(/AnonPages:.*/)?.[0]);
  });

  it("wakes by range: UFFDIO_WAKE without a fill makes the retry fault to the uffd again", () => {
    const { p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 16 * PAGE, "missing");
    p.touch(a + 2 * PAGE, PAGE, { write: true });
    p.uffdWake(uffd, a, 2 * PAGE); // does not cover it
    expect(p.userfaultWait).toBe(a + 2 * PAGE);
    p.uffdWake(uffd, a + 2 * PAGE, PAGE);
    expect(p.userfaultWait).toBeNull();
    // Nothing was filled: the retry goes to the uffd again. The woken message left the queue
    // unread (the wake takes it off fault_pending_wqh), so one message is there: the new one.
    expect(p.touch(a + 2 * PAGE, PAGE, { write: true })).toMatchObject({ blocked: true, pages: 0 });
    expect(p.uffdRead(uffd).map((x) => x.address)).toEqual([a + 2 * PAGE]);
  });

  it("reads at most `max` messages, with the thread id when asked (exact_address: the page's, the model's MMU faults by page)", () => {
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ name: "u" });
    const q = m.spawn({ name: "v" });
    const a = p.mmap(8 * PAGE);
    const uffd = p.userfaultfd("nonblock");
    p.uffdApi(uffd, "thread_id|exact_address");
    p.uffdRegister(uffd, a, 8 * PAGE, "missing");
    expect(p.touch(a + 3 * PAGE + 123, 1).blocked).toBe(true);
    p.uffdWake(uffd, a + 3 * PAGE, PAGE);
    expect(p.touch(a + 3 * PAGE, PAGE).blocked).toBe(true);
    p.uffdWake(uffd, a + 3 * PAGE, PAGE);
    expect(p.touch(a + 3 * PAGE, 2 * PAGE).blocked).toBe(true);
    void q;
    expect(p.uffdRead(uffd, 1)).toEqual([{ event: "pagefault", address: a + 3 * PAGE, write: false, wp: false, minor: false, ptid: p.pid }]);
    p.uffdCopy(uffd, a + 3 * PAGE, a + 3 * PAGE - PAGE, PAGE);
    expect(p.touch(a + 3 * PAGE, 2 * PAGE).blocked).toBe(true);
    // The one read above was answered; the access went on to the next page, whose fault waits.
    expect(p.uffdRead(uffd).map((x) => x.address)).toEqual([a + 4 * PAGE]);
  });

  it("answers SIGBUS instead with UFFD_FEATURE_SIGBUS", () => {
    const m = Machine.boot({ memory: "128M" });
    const p = m.spawn({ name: "u" });
    const a = p.mmap(8 * PAGE);
    const uffd = p.userfaultfd();
    p.uffdApi(uffd, "sigbus");
    p.uffdRegister(uffd, a, 8 * PAGE, "missing");
    expect(() => p.touch(a, PAGE)).toThrow(/SIGBUS/);
  });

  it("delivers write-protect faults and resolves them with UFFDIO_WRITEPROTECT (0), then an ordinary reuse", () => {
    const { m, p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 16 * PAGE, "wp");
    p.touch(a, 4 * PAGE, { write: true }); // WP only: missing pages fault in as usual
    p.uffdWriteprotect(uffd, a, 4 * PAGE, "wp");
    // Reads still go through; a write faults to the uffd.
    expect(p.touch(a, 4 * PAGE).blocked).toBe(false);
    const r = p.touch(a + PAGE, PAGE, { write: true });
    expect(r.blocked).toBe(true);
    expect(p.uffdRead(uffd)).toEqual([{ event: "pagefault", address: a + PAGE, write: true, wp: true, minor: false, ptid: 0 }]);
    // mprotect may not make a uffd-wp PTE writable behind the uffd's back.
    const reuse0 = vmstat(m, "pgreuse");
    p.uffdWriteprotect(uffd, a + PAGE, PAGE, "");
    expect(p.userfaultWait).toBeNull();
    // Resolving cleared the uffd-wp bit only: the retry is a write fault that reuses the page.
    expect(p.touch(a + PAGE, PAGE, { write: true })).toMatchObject({ blocked: false, majflt: 1 });
    expect(vmstat(m, "pgreuse")).toBe(reuse0 + 1);
    // The other protected pages still fault.
    expect(p.touch(a + 2 * PAGE, PAGE, { write: true }).blocked).toBe(true);
  });

  it("costs the first-touch fast path nothing outside registered VMAs: counts are those of an unregistered run", () => {
    const count = (register: boolean): [number, number] => {
      const m = Machine.boot({ memory: "128M" });
      const p = m.spawn({ name: "u" });
      const a = p.mmap(64 * PAGE);
      const b = p.mmap(64 * PAGE);
      if (register) {
        const uffd = p.userfaultfd();
        p.uffdApi(uffd);
        p.uffdRegister(uffd, b, 64 * PAGE, "missing");
      }
      p.touch(a, 64 * PAGE, { write: true });
      return [vmstat(m, "pgfault"), p.status().minflt];
    };
    const [f0, min0] = count(false);
    const [f1, min1] = count(true);
    expect(f1 - f0).toBe(0);
    expect(min1 - min0).toBe(0);
  });
});

describe("registration splits and merges VMAs as userfaultfd_register does", () => {
  it("splits a partial registration out of its VMA, with um in smaps, and merges it back on unregister", () => {
    const { m, p, a, uffd } = setup();
    const before = mapsIn(m, p, a, a + 16 * PAGE);
    expect(before).toHaveLength(1);
    expect(p.uffdRegister(uffd, a + 4 * PAGE, 4 * PAGE, "missing")).toEqual(["UFFDIO_WAKE", "UFFDIO_COPY", "UFFDIO_ZEROPAGE"]);
    expect(mapsIn(m, p, a, a + 16 * PAGE)).toHaveLength(3);
    const smaps = m.read(`/proc/${p.pid}/smaps`);
    expect(smaps.match(/^VmFlags:.* um .*$/gm)).toHaveLength(1);
    // Registering the same range again is a no-op; an overlapping one extends it by merging.
    p.uffdRegister(uffd, a + 4 * PAGE, 4 * PAGE, "missing");
    expect(mapsIn(m, p, a, a + 16 * PAGE)).toHaveLength(3);
    p.uffdRegister(uffd, a + 6 * PAGE, 4 * PAGE, "missing");
    expect(mapsIn(m, p, a, a + 16 * PAGE)).toHaveLength(3);
    // WP too: the flag shows as uw.
    p.uffdRegister(uffd, a + 4 * PAGE, 6 * PAGE, "missing|wp");
    expect(m.read(`/proc/${p.pid}/smaps`).match(/^VmFlags:.* um uw .*$/gm)).toHaveLength(1);
    checkMm(kernelOf(m));
    p.uffdUnregister(uffd, a, 16 * PAGE);
    expect(mapsIn(m, p, a, a + 16 * PAGE)).toEqual(before);
    expect(m.read(`/proc/${p.pid}/smaps`)).not.toMatch(/ um /);
    checkMm(kernelOf(m));
  });

  it("the invariant checker catches a VMA whose flags and context disagree", () => {
    const { m, p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 4 * PAGE, "missing");
    checkMm(kernelOf(m));
    const vma = kernelOf(m).tasks.find(p.pid)?.mm?.mm_mt.mt_find(a);
    if (!vma) throw new Error("no VMA");
    vma.vm_flags &= ~VM_UFFD_MISSING;
    expect(() => checkMm(kernelOf(m))).toThrow(KernelBug);
  });

  it("unregistering wakes the faults waiting in the range; they then fault in as plain memory", () => {
    const { p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 16 * PAGE, "missing");
    p.touch(a, PAGE, { write: true });
    p.uffdUnregister(uffd, a, 16 * PAGE);
    expect(p.userfaultWait).toBeNull();
    expect(p.touch(a, 16 * PAGE, { write: true })).toMatchObject({ blocked: false, pages: 16, majflt: 1, minflt: 15 });
  });
});

describe("fork and close", () => {
  it("fork without UFFD_FEATURE_EVENT_FORK: the child's VMAs are disarmed and its uffd-wp bits cleared", () => {
    const { m, p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 16 * PAGE, "missing|wp");
    const src = p.mmap(PAGE);
    p.touch(src, PAGE, { write: true });
    p.uffdCopy(uffd, a, src, PAGE);
    p.uffdWriteprotect(uffd, a, PAGE, "wp");
    const c = p.fork();
    expect(m.read(`/proc/${c.pid}/smaps`)).not.toMatch(/ u[mw] /);
    expect(m.read(`/proc/${p.pid}/smaps`)).toMatch(/ um uw /);
    // The child's faults are its own: a missing page is a plain fault, a write to the
    // parent's protected page a plain CoW.
    expect(c.touch(a + PAGE, PAGE, { write: true })).toMatchObject({ blocked: false, minflt: 1 });
    expect(c.touch(a, PAGE, { write: true })).toMatchObject({ blocked: false, minflt: 1 });
    // The parent's protection stands.
    expect(p.touch(a, PAGE, { write: true }).blocked).toBe(true);
    // The child shares the descriptor but not the ranges: nothing of its own is pending.
    expect(p.uffdRead(uffd).map((x) => x.wp)).toEqual([true]);
    checkMm(kernelOf(m));
  });

  it("a moving mremap disarms the new VMA (no UFFD_FEATURE_EVENT_REMAP)", () => {
    const { m, p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 16 * PAGE, "missing");
    const b = p.mremap(a, 16 * PAGE, 32 * PAGE, { mayMove: true });
    expect(b).not.toBe(a);
    expect(m.read(`/proc/${p.pid}/smaps`)).not.toMatch(/ um /);
    checkMm(kernelOf(m));
    expect(p.touch(b, PAGE, { write: true }).blocked).toBe(false);
  });

  it("close disarms every VMA of the uffd, merges them back and wakes the waiters", () => {
    const { m, p, a, uffd } = setup();
    p.uffdRegister(uffd, a + 4 * PAGE, 4 * PAGE, "missing");
    expect(mapsIn(m, p, a, a + 16 * PAGE)).toHaveLength(3);
    p.touch(a + 4 * PAGE, PAGE);
    p.close(uffd);
    expect(p.userfaultWait).toBeNull();
    expect(mapsIn(m, p, a, a + 16 * PAGE)).toHaveLength(1);
    checkMm(kernelOf(m));
    expect(p.touch(a + 4 * PAGE, 4 * PAGE)).toMatchObject({ blocked: false, pages: 4 });
  });

  it("a task killed while it waits leaves the queue", () => {
    const { m, p, a, uffd } = setup();
    p.uffdRegister(uffd, a, 16 * PAGE, "missing");
    const c = p.fork();
    // The parent's fault waits; fdinfo, read by another process, shows it.
    p.touch(a, PAGE);
    const reader = m.spawn({ name: "r" });
    expect(reader.readFile(`/proc/${p.pid}/fdinfo/${uffd}`)).toMatch(/^total:\t1$/m);
    p.kill();
    void c;
    expect(m.read(`/proc/${c.pid}/fdinfo/${uffd}`)).toMatch(/^pending:\t0\ntotal:\t0\n/m);
  });
});

describe("/proc/PID/fdinfo", () => {
  it("prints seq_show's lines and userfaultfd_show_fdinfo's", () => {
    const { m, p, uffd } = setup();
    const text = m.read(`/proc/${p.pid}/fdinfo/${uffd}`);
    // O_RDONLY | O_NONBLOCK; API: UFFD_API, the features with the initialized bit, every ioctl.
    expect(text).toMatch(/^pos:\t0\nflags:\t04000\nmnt_id:\t\d+\nino:\t\d+\npending:\t0\ntotal:\t0\nAPI:\taa:80000000:80000000000000df\n$/);
    expect(errnoOf(() => m.read(`/proc/${p.pid}/fdinfo/${uffd + 7}`))).toBe("ENOENT");
  });
});
