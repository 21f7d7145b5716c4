import { describe, expect, it } from "vitest";
import { start_kernel } from "../kernel/start_kernel.js";
import { Errno } from "../kernel/errno.js";
import { spawnProcess } from "../sim/process.js";
import { MiB } from "./types.js";
import { VM_ACCOUNT, VM_GROWSDOWN, VM_SOFTDIRTY, type vm_area_struct } from "./mm_types.js";
import { find_vma, offset_in_page, vm_start_gap, stack_guard_gap } from "./mmap.js";
import fc from "fast-check";
import { taskOf } from "../api/internals.js";
import { checkMm } from "../sim/invariants/mm.js";

function boot() {
  return start_kernel({ memory: 512 * MiB });
}

function layout(p: ReturnType<typeof spawnProcess>): string[] {
  return taskOf(p).mm!.mm_mt.map((v) => `${v.vm_start.toString(16)}-${v.vm_end.toString(16)}`);
}

describe("address-space layout", () => {
  it("maps a static binary like w1's /bin/anon, with mmap_base 128 MiB below TASK_SIZE", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "anon" });
    expect(taskOf(p).mm!.mmap_base).toBe(0x7ffff7fff000);
    expect(layout(p)).toEqual([
      "400000-401000",
      "401000-47b000",
      "47b000-4a3000",
      "4a3000-4a7000",
      "4a7000-4aa000",
      "4aa000-4af000",
      "4af000-4d1000",
      "7ffff7ff9000-7ffff7ffd000",
      "7ffff7ffd000-7ffff7fff000",
      "7ffffffde000-7ffffffff000",
    ]);
    // w1 before its 128 MiB mmap: VmSize 992 kB, data 168 kB, stack 132 kB, exec 496 kB.
    expect(taskOf(p).mm!.total_vm * 4).toBe(992);
    expect(taskOf(p).mm!.data_vm * 4).toBe(168);
    expect(taskOf(p).mm!.stack_vm * 4).toBe(132);
    expect(taskOf(p).mm!.exec_vm * 4).toBe(496);
  });

  it("places the first anonymous mmap right below the vvar page, as w1 shows", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "anon" });
    const a = p.mmap(128 * MiB);
    expect(a).toBe(0x7fffefff9000);
    const b = p.mmap(64 * 1024);
    // Adjacent anonymous private memory merges into one VMA (mmap_region's vma_expand).
    expect(b).toBe(a - 64 * 1024);
    expect(find_vma(taskOf(p).mm!, a)!.vm_start).toBe(b);
    expect(find_vma(taskOf(p).mm!, a)!.vm_flags & VM_ACCOUNT).toBe(VM_ACCOUNT);
    expect(find_vma(taskOf(p).mm!, a)!.vm_flags & VM_SOFTDIRTY).toBe(VM_SOFTDIRTY);
  });

  it("keeps stack_guard_gap below a growsdown stack when placing hints", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "anon" });
    const stack = find_vma(taskOf(p).mm!, 0x7ffffffde000)!;
    expect(stack.vm_flags & VM_GROWSDOWN).toBe(VM_GROWSDOWN);
    expect(vm_start_gap(stack)).toBe(stack.vm_start - stack_guard_gap);
    // A hint inside the gap is refused and the allocator picks another place.
    const hint = stack.vm_start - 4096 * 4;
    const got = p.mmap(4096, { addr: hint });
    expect(got).not.toBe(hint);
  });
});

describe("munmap splits", () => {
  it("splits a VMA in three when the middle is unmapped, and unaccounts the hole", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const before = k.vm_committed_as;
    const a = p.mmap(16 * 4096);
    expect(k.vm_committed_as - before).toBe(16);
    const n = taskOf(p).mm!.map_count;
    p.munmap(a + 4 * 4096, 4 * 4096);
    expect(taskOf(p).mm!.map_count).toBe(n + 1);
    expect(k.vm_committed_as - before).toBe(12);
    expect(find_vma(taskOf(p).mm!, a)!.vm_end).toBe(a + 4 * 4096);
    expect(find_vma(taskOf(p).mm!, a + 4 * 4096)!.vm_start).toBe(a + 8 * 4096);
    expect(find_vma(taskOf(p).mm!, a + 8 * 4096)!.vm_pgoff).toBe((a + 8 * 4096) / 4096);
  });

  it("rejects an unaligned start with EINVAL", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    expect(() => p.munmap(0x10001, 4096)).toThrow(Errno);
  });
});

describe("brk", () => {
  it("grows the heap VMA in place and shrinks it again", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const cur = p.brk();
    expect(cur).toBe(0x4d1000);
    expect(p.brk(cur + 10 * 4096)).toBe(cur + 10 * 4096);
    expect(find_vma(taskOf(p).mm!, cur)!.vm_end).toBe(cur + 10 * 4096);
    expect(find_vma(taskOf(p).mm!, cur)!.vm_start).toBe(0x4af000);
    expect(p.brk(cur)).toBe(cur);
    expect(find_vma(taskOf(p).mm!, 0x4af000)!.vm_end).toBe(cur);
  });
});

describe("growsdown stacks", () => {
  it("grows the stack on a fault below it, within RLIMIT_STACK, counting stack_vm", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t" });
    const stack = find_vma(taskOf(p).mm!, 0x7ffffffde000)!;
    const s0 = taskOf(p).mm!.stack_vm;
    p.touch(stack.vm_start - 64 * 4096, 4096, { write: true });
    expect(stack.vm_start).toBe(0x7ffffffde000 - 64 * 4096);
    expect(taskOf(p).mm!.stack_vm).toBe(s0 + 64);
  });

  it("refuses to grow past RLIMIT_STACK: the access is a SIGSEGV", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", rlimits: { stack: 256 * 1024 } });
    expect(() => p.touch(0x7ffffffff000 - 512 * 1024, 4096, { write: true })).toThrow();
    expect(p.alive).toBe(false);
  });

  it("keeps stack_guard_gap from a mapping below: growing into the gap fails", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const below = p.mmap(4096, { addr: 0x40000000, flags: "private|anonymous|fixed" });
    const s = p.mmap(4096, { addr: below + 4096 + stack_guard_gap + 8 * 4096, flags: "private|anonymous|fixed|growsdown" });
    expect(find_vma(taskOf(p).mm!, s)!.vm_flags & VM_GROWSDOWN).toBe(VM_GROWSDOWN);
    p.touch(s - 8 * 4096, 4096, { write: true }); // still a gap's width away: grows
    expect(find_vma(taskOf(p).mm!, s)!.vm_start).toBe(s - 8 * 4096);
    expect(() => p.touch(s - 9 * 4096, 4096, { write: true })).toThrow(); // inside the gap
  });
});

describe("legacy (bottom-up) layout", () => {
  it("with vm.legacy_va_layout = 1, mappings grow up from TASK_UNMAPPED_BASE, filling holes first-fit", () => {
    const k = boot();
    k.vm.legacy_va_layout = 1;
    const p = spawnProcess(k, { comm: "t", image: null });
    const base = Math.ceil(Math.floor((2 ** 47 - 4096) / 3) / 4096) * 4096;
    const a = p.mmap(4 * 4096, { prot: "r" });
    const b = p.mmap(4 * 4096, { prot: "rw" });
    expect(a).toBe(base);
    expect(b).toBe(base + 4 * 4096);
    p.munmap(a, 4 * 4096);
    expect(p.mmap(2 * 4096, { prot: "r" })).toBe(base);
  });
});

describe("top-down search limits", () => {
  it("searches down to PAGE_SIZE, not mmap_min_addr (x86-64): root may get a page below 64 KiB", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const base = taskOf(p).mm!.mmap_base;
    p.mmap(base - 0x10000, { addr: 0x10000, prot: "none", flags: "private|anonymous|fixed|noreserve" });
    // arch_get_unmapped_area_topdown's low_limit is PAGE_SIZE; cap_mmap_addr lets CAP_SYS_RAWIO in.
    expect(p.mmap(4096, { prot: "r" })).toBe(0xf000);
  });

  it("falls back to the bottom-up search when nothing below mmap_base is free", () => {
    const k = boot();
    const p = spawnProcess(k, { comm: "t", image: null });
    const base = taskOf(p).mm!.mmap_base;
    p.mmap(base - 0x1000, { addr: 0x1000, prot: "none", flags: "private|anonymous|fixed|noreserve" });
    expect(p.mmap(4096, { prot: "r" })).toBe(base);
  });
});

describe("VMA lookups and page arithmetic", () => {
  it("mt_find lands on the first VMA ending above the address, whatever it answered before and for whichever mm", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const a = spawnProcess(k, { comm: "a" });
    const b = spawnProcess(k, { comm: "b", image: null });
    for (let i = 0; i < 6; i++) a.mmap((i + 1) * 4096);
    const mms = [taskOf(a).mm!, taskOf(b).mm!];
    const linear = (n: number, addr: number): vm_area_struct | null => {
      const set = mms[n].mm_mt.toArray();
      let i = 0;
      while (i < set.length && set[i].vm_end <= addr) i++;
      return i < set.length ? set[i] : null;
    };
    // Addresses near every VMA edge of both mms, asked in random order.
    const edges = mms.flatMap((m) => m.mm_mt.toArray().flatMap((v) => [v.vm_start - 1, v.vm_start, v.vm_end - 1, v.vm_end]));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1), fc.nat(edges.length - 1)), { minLength: 1, maxLength: 50 }), (asks) => {
        for (const [n, e] of asks) expect(mms[n].mm_mt.mt_find(edges[e])).toBe(linear(n, edges[e]));
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it("offset_in_page is x % 4096 for addresses up to 2^53, negative ones included", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (x) => {
        // === rather than toBe: -4096 % 4096 is -0, offset_in_page gives 0, equal for every use.
        expect(offset_in_page(x) === x % 4096).toBe(true);
      }),
      { numRuns: 500, seed: 3 },
    );
    expect(offset_in_page(0x7ffff7ff8000)).toBe(0);
    expect(offset_in_page(0x7ffff7ff8001)).toBe(1);
    expect(offset_in_page(-4097)).toBe(-1);
    expect(offset_in_page(-8192) === 0).toBe(true);
  });
});

describe("a crowded address space (the VMA tree at max_map_count)", () => {
  it("maps up to vm.max_map_count's default (65530) and answers ENOMEM past it; holes are found and refilled", () => {
    const k = start_kernel({ memory: 256 * MiB });
    const p = spawnProcess(k, { comm: "crowd" });
    const mm = taskOf(p).mm!;
    expect(k.vm.max_map_count).toBe(65530);
    // Alternate protections so no mapping merges with its neighbour: one VMA each.
    const addrs: number[] = [];
    // do_mmap refuses only once map_count is above the limit (mm/mmap.c: map_count > max), so
    // the last mapping that succeeds makes it 65531.
    while (mm.map_count <= 65530) addrs.push(p.mmap(4096, { prot: addrs.length % 2 === 0 ? "r" : "none" }));
    expect(mm.map_count).toBe(65531);
    expect(() => p.mmap(4096, { prot: "r" })).toThrow(/ENOMEM/);
    mm.mm_mt.mt_validate();
    checkMm(k);
    // Punch holes: each munmap in the middle of the block leaves a one-page gap that the next
    // top-down mmap finds (the highest gap below mmap_base that fits).
    const holes = [addrs[60_000], addrs[30_000], addrs[100]];
    for (const h of holes) p.munmap(h, 4096);
    for (const h of [...holes].sort((x, y) => y - x)) expect(p.mmap(4096, { prot: "r", flags: "private|anonymous" })).toBe(h);
    expect(mm.map_count).toBe(65531);
    mm.mm_mt.mt_validate();
  });
});

describe("mmap_min_addr (security/min_addr.c, security/commoncap.c cap_mmap_addr)", () => {
  const PAGE = 4096;
  const MAP_FIXED_ANON = "private|anonymous|fixed";
  it("64K by default: an unprivileged MAP_FIXED below it is EPERM, root's is allowed, a hint moves up to it", () => {
    const k = start_kernel({});
    const user = spawnProcess(k, { comm: "user", uid: 1000 });
    expect(() => user.mmap(PAGE, { addr: 0xf000, flags: MAP_FIXED_ANON })).toThrow(expect.objectContaining({ code: "EPERM" }));
    expect(user.mmap(PAGE, { addr: PAGE })).toBe(0x10000); // round_hint_to_min
    // the hint's page is taken now: arch_get_unmapped_area_topdown drops it and searches top-down
    expect(user.mmap(PAGE, { addr: PAGE })).toBeGreaterThan(2 ** 46);
    const root = spawnProcess(k, { comm: "root" });
    expect(root.mmap(PAGE, { addr: PAGE, flags: MAP_FIXED_ANON })).toBe(PAGE);
  });

  it("vm.mmap_min_addr 0: cap_mmap_addr lets a user map page 1, but hints still stop at the LSM's 64K", () => {
    const k = start_kernel({});
    k.vm.mmap_min_addr = 0; // as `sysctl -w vm.mmap_min_addr=0` by root
    const user = spawnProcess(k, { comm: "user", uid: 1000 });
    expect(user.mmap(PAGE, { addr: PAGE, flags: MAP_FIXED_ANON })).toBe(PAGE);
    expect(user.mmap(PAGE, { addr: 2 * PAGE })).toBe(0x10000);
  });
});
