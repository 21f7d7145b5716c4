/**
 * Overcommit accounting (mm/util.c __vm_enough_memory) at its exact boundaries. Every expected
 * value is the 6.1 formula applied to the machine's inputs, not the model's output:
 *
 *   OVERCOMMIT_GUESS:  refuse iff pages > totalram_pages() + total_swap_pages
 *   OVERCOMMIT_NEVER:  allowed = vm_commit_limit()
 *                      allowed -= sysctl_admin_reserve_kbytes >> (PAGE_SHIFT - 10)   if !cap_sys_admin
 *                      allowed -= min(mm->total_vm / 32, sysctl_user_reserve_kbytes >> (PAGE_SHIFT - 10))   if mm
 *                      grant iff percpu_counter_read_positive(&vm_committed_as) < allowed,
 *                      where vm_committed_as already includes the request (vm_acct_memory first).
 */
import { describe, expect, it } from "vitest";
import { errnoValues } from "../kernel/errno.js";
import { Machine } from "../sim/machine.js";
import { procRead, procWrite } from "../fs/proc/root.js";
import { spawnProcess } from "../sim/process.js";
import { __vm_enough_memory, vm_commit_limit } from "./util.js";
import { totalram_pages } from "./page_alloc.js";
import { follow_pte } from "./memory.js";
import { find_vma } from "./mmap.js";
import { type file, MM_ANONPAGES } from "./mm_types.js";
import { shmem_file_setup } from "./shmem.js";
import { kernelOf, taskOf } from "../api/internals.js";

const ENOMEM = -errnoValues.ENOMEM;

function boot(swap = false) {
  return kernelOf(Machine.boot(swap ? { memory: "256M", swap: { size: "64M" } } : { memory: "256M" }));
}

describe("__vm_enough_memory, OVERCOMMIT_GUESS (mode 0)", () => {
  it("grants a single request of exactly totalram + swap pages and refuses one page more (pages > limit)", () => {
    for (const swap of [false, true]) {
      const k = boot(swap);
      k.vm.overcommit_memory = 0;
      const limit = totalram_pages(k) + k.total_swap_pages;
      expect(k.total_swap_pages).toBe(swap ? 64 * 256 - 1 : 0); // the header page is not swap space
      const c0 = k.vm_committed_as;
      expect(__vm_enough_memory(k, null, limit, false)).toBe(0);
      expect(k.vm_committed_as).toBe(c0 + limit); // granted: the charge stays
      expect(__vm_enough_memory(k, null, limit + 1, false)).toBe(ENOMEM);
      expect(k.vm_committed_as).toBe(c0 + limit); // refused: the charge is taken back
    }
  });
});

describe("__vm_enough_memory, OVERCOMMIT_NEVER (mode 2)", () => {
  /** A machine in mode 2 with round reserves, and a task whose mm has a known total_vm. */
  function strict() {
    const k = boot(true);
    k.vm.overcommit_memory = 2;
    k.vm.overcommit_ratio = 50;
    k.vm.admin_reserve_kbytes = 8192; // 2048 pages
    k.vm.user_reserve_kbytes = 4096; // 1024 pages
    const p = spawnProcess(k, { comm: "t", image: null });
    const mm = taskOf(p).mm!;
    return { k, p, mm };
  }
  /** Sets vm_committed_as so that charging `pages` more lands it exactly on `target`. */
  function commitTo(k: ReturnType<typeof boot>, target: number, pages: number): void {
    k.vm_committed_as = target - pages;
  }

  it("keeps back the admin reserve from non-root callers only", () => {
    const { k } = strict();
    // vm_commit_limit = totalram * 50 / 100 + swap
    expect(vm_commit_limit(k)).toBe(Math.floor((totalram_pages(k) * 50) / 100) + k.total_swap_pages);
    const rootAllowed = vm_commit_limit(k);
    const userAllowed = rootAllowed - 2048;
    // mm == NULL: no user reserve. Granted iff committed (request included) < allowed.
    commitTo(k, userAllowed - 1, 16);
    expect(__vm_enough_memory(k, null, 16, false)).toBe(0);
    commitTo(k, userAllowed, 16);
    expect(__vm_enough_memory(k, null, 16, false)).toBe(ENOMEM);
    expect(k.vm_committed_as).toBe(userAllowed - 16);
    // CAP_SYS_ADMIN may dig into the admin reserve, up to the limit itself.
    commitTo(k, userAllowed, 16);
    expect(__vm_enough_memory(k, null, 16, true)).toBe(0);
    commitTo(k, rootAllowed - 1, 16);
    expect(__vm_enough_memory(k, null, 16, true)).toBe(0);
    commitTo(k, rootAllowed, 16);
    expect(__vm_enough_memory(k, null, 16, true)).toBe(ENOMEM);
  });

  it("keeps back min(total_vm / 32, user_reserve) for the calling mm", () => {
    const { k, mm } = strict();
    // A small process: total_vm / 32 is under the 1024-page user reserve.
    mm.total_vm = 3200;
    let allowed = vm_commit_limit(k) - 2048 - 100;
    commitTo(k, allowed - 1, 1);
    expect(__vm_enough_memory(k, mm, 1, false)).toBe(0);
    commitTo(k, allowed, 1);
    expect(__vm_enough_memory(k, mm, 1, false)).toBe(ENOMEM);
    // A large one: capped at user_reserve_kbytes (1024 pages), not total_vm / 32 = 2000.
    mm.total_vm = 64000;
    allowed = vm_commit_limit(k) - 2048 - 1024;
    commitTo(k, allowed - 1, 1);
    expect(__vm_enough_memory(k, mm, 1, false)).toBe(0);
    commitTo(k, allowed, 1);
    expect(__vm_enough_memory(k, mm, 1, false)).toBe(ENOMEM);
    // Root keeps only the user reserve back.
    allowed = vm_commit_limit(k) - 1024;
    commitTo(k, allowed - 1, 1);
    expect(__vm_enough_memory(k, mm, 1, true)).toBe(0);
    commitTo(k, allowed, 1);
    expect(__vm_enough_memory(k, mm, 1, true)).toBe(ENOMEM);
  });

  it("refuses a non-root mmap that root may still make (through the syscall path, /proc/sys writes)", () => {
    const k = boot(true);
    procWrite(k, "/proc/sys/vm/overcommit_memory", "2\n");
    procWrite(k, "/proc/sys/vm/admin_reserve_kbytes", "16384\n"); // 4096 pages
    procWrite(k, "/proc/sys/vm/user_reserve_kbytes", "0\n");
    const user = spawnProcess(k, { comm: "user", uid: 1000, image: null });
    const root = spawnProcess(k, { comm: "root", image: null });
    const limitKb = Number(/CommitLimit:\s+(\d+) kB/.exec(procRead(k, "/proc/meminfo"))![1]);
    expect(limitKb).toBe(vm_commit_limit(k) * 4);
    // Room left for root: limit - committed - 1 pages (committed must stay below the limit).
    const rootRoom = vm_commit_limit(k) - k.vm_committed_as - 1;
    const pages = rootRoom - 2048; // inside the admin reserve for a non-root caller
    expect(() => user.mmap(pages * 4096, { prot: "rw", flags: "private|anonymous" })).toThrow(/ENOMEM/);
    const a = root.mmap(pages * 4096, { prot: "rw", flags: "private|anonymous" });
    expect(a).toBeGreaterThan(0);
    expect(k.log.dmesg()).toMatch(/__vm_enough_memory: pid: \d+, comm: user, no enough memory for the allocation/);
  });
});

describe("vm_commit_limit with overcommit_kbytes", () => {
  it("takes overcommit_kbytes >> (PAGE_SHIFT - 10) pages instead of the ratio, plus swap", () => {
    // mm/util.c vm_commit_limit: allowed = sysctl_overcommit_kbytes >> (PAGE_SHIFT - 10) when set.
    const k = boot(true);
    procWrite(k, "/proc/sys/vm/overcommit_kbytes", "100000\n");
    expect(vm_commit_limit(k)).toBe(25000 + k.total_swap_pages);
    expect(procRead(k, "/proc/meminfo")).toMatch(new RegExp(`CommitLimit:\\s+${(25000 + k.total_swap_pages) * 4} kB`));
    procWrite(k, "/proc/sys/vm/overcommit_ratio", "50\n"); // writing the ratio clears the kbytes
    expect(vm_commit_limit(k)).toBe(Math.floor((totalram_pages(k) * 50) / 100) + k.total_swap_pages);
  });
});

describe("the refusal message, pr_warn_ratelimited", () => {
  it("prints ten refusals per 5 s window, then reports how many it suppressed", () => {
    // lib/ratelimit.c ___ratelimit with DEFAULT_RATELIMIT_INTERVAL (5 * HZ) and _BURST (10):
    // the first 10 calls print, the rest count as missed; the first call after the window ends
    // prints "<func>: <missed> callbacks suppressed" and starts a new window.
    // Both policies refuse through __vm_enough_memory's `error:` label, so they share the state.
    const k = boot(false);
    const lines = (): string[] => k.log.dmesg().split("\n").filter((l) => l.includes("__vm_enough_memory"));
    k.vm.overcommit_memory = 0;
    const huge = totalram_pages(k) + 1;
    for (let i = 0; i < 7; i++) expect(__vm_enough_memory(k, null, huge, false)).toBe(ENOMEM);
    expect(lines().length).toBe(7);
    k.vm.overcommit_memory = 2;
    const big = vm_commit_limit(k);
    for (let i = 0; i < 6; i++) expect(__vm_enough_memory(k, null, big, false)).toBe(ENOMEM);
    expect(lines().length).toBe(10);
    expect(lines().every((l) => / no enough memory for the allocation$/.test(l))).toBe(true);
    k.now_ns += 4e9; // still inside the window (time_is_before_jiffies(begin + interval) is false)
    expect(__vm_enough_memory(k, null, big, false)).toBe(ENOMEM);
    expect(lines().length).toBe(10);
    k.now_ns += 2e9;
    expect(__vm_enough_memory(k, null, big, false)).toBe(ENOMEM);
    const after = lines();
    expect(after.length).toBe(12);
    expect(after[10]).toMatch(/__vm_enough_memory: 4 callbacks suppressed$/);
    expect(after[11]).toMatch(/ no enough memory for the allocation$/);
    // A window that suppressed nothing reports nothing when the next one starts.
    k.now_ns += 6e9;
    expect(__vm_enough_memory(k, null, big, false)).toBe(ENOMEM);
    expect(lines().length).toBe(13);
    expect(lines()[12]).toMatch(/ no enough memory for the allocation$/);
  });
});

describe("the mmap syscall (sys_mmap → ksys_mmap_pgoff → vm_mmap_pgoff)", () => {
  it("faults in a MAP_POPULATE mapping before returning, and ignores a populate that fails", () => {
    // mm/util.c vm_mmap_pgoff: do_mmap, then mm_populate(ret, populate), which ignores errors.
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const a = p.mmap(8 * 4096, { flags: "private|anonymous|populate" });
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(8);
    expect(follow_pte(k, taskOf(p).mm!, a + 7 * 4096)?.pfn ?? 0).toBeGreaterThan(0);
    const b = p.mmap(8 * 4096, { prot: "none", flags: "private|anonymous|populate" }); // -EFAULT ignored
    expect(b).toBeGreaterThan(0);
    expect(taskOf(p).mm!.rss_stat[MM_ANONPAGES]).toBe(8);
  });

  it("takes the file offset in bytes, page aligned, and maps from page offset / PAGE_SIZE", () => {
    // arch/x86/kernel/sys_x86_64.c sys_mmap: off & ~PAGE_MASK → -EINVAL; ksys_mmap_pgoff(…, off >> PAGE_SHIFT).
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const f = shmem_file_setup(k, null, "f", 16 * 4096, 0) as file;
    const a = p.mmap(4 * 4096, { flags: "private", prot: "r", file: f, offset: 3 * 4096 });
    expect(find_vma(taskOf(p).mm!, a)!.vm_pgoff).toBe(3);
    expect(() => p.mmap(4096, { flags: "private", prot: "r", file: f, offset: 4096 + 512 })).toThrow(/EINVAL/);
  });
});

