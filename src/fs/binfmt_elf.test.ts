/**
 * Address-space randomisation at exec (load_elf_binary's PF_RANDOMIZE rule, randomize_stack_top,
 * arch_align_stack, vdso_addr, arch_randomize_brk, arch_pick_mmap_layout's arch_rnd) against the
 * 6.1 rules, through the public Machine API.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../api/index.js";
import { kernelOf, taskOf } from "../api/internals.js";
import { PF_RANDOMIZE } from "../kernel/sched.js";
import { TASK_SIZE } from "../mm/mm_types.js";

/** The [start, end) of the maps line named `name` (or the unnamed anonymous one for ""). */
function range(maps: string, name: string): [number, number] {
  const line = maps.split("\n").find((l) => (name === "" ? /00:00 0 *$/.test(l) && !l.includes("[") : l.endsWith(name)));
  if (line === undefined) throw new Error(`no ${name} in\n${maps}`);
  const [a, b] = line.split(" ")[0].split("-");
  return [parseInt(a, 16), parseInt(b, 16)];
}

function layout(seed: number, va: number, opts: { randomize?: boolean } = {}): { maps: string; flags: number; mmap_base: number; start_brk: number } {
  const m = Machine.boot({ seed, sysctl: { "kernel.randomize_va_space": va } });
  const p = m.spawn({ name: "p", ...opts });
  p.mmap(1 << 20);
  const t = taskOf(p);
  return { maps: m.read(`/proc/${p.pid}/maps`), flags: t.flags, mmap_base: t.mm!.mmap_base, start_brk: t.mm!.start_brk };
}

describe("randomize_va_space and PF_RANDOMIZE (fs/binfmt_elf.c load_elf_binary)", () => {
  it("reads 0 at boot (the model boots with norandmaps) and stores any int, as proc_dointvec", () => {
    const m = Machine.boot();
    expect(m.read("/proc/sys/kernel/randomize_va_space")).toBe("0\n");
    m.write("/proc/sys/kernel/randomize_va_space", "3");
    expect(m.read("/proc/sys/kernel/randomize_va_space")).toBe("3\n");
    expect(() => m.write("/proc/sys/kernel/randomize_va_space", "x")).toThrow(/EINVAL/);
    expect(kernelOf(m).randomize_va_space).toBe(3);
  });

  it("0 gives w1's fixed layout: stack at the top page, vdso below mmap_base, heap after bss", () => {
    const l = layout(1, 0);
    expect(l.flags & PF_RANDOMIZE).toBe(0);
    expect(range(l.maps, "[stack]")).toEqual([0x7ffffffde000, 0x7ffffffff000]);
    expect(range(l.maps, "[vdso]")).toEqual([0x7ffff7ffd000, 0x7ffff7fff000]);
    expect(l.mmap_base).toBe(TASK_SIZE - 128 * 2 ** 20);
    expect(l.start_brk).toBe(0x4af000);
  });

  it("2: stack, mmap_base, vdso and brk move within the kernel's ranges", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const l = layout(seed, 2);
      expect(l.flags & PF_RANDOMIZE).toBe(PF_RANDOMIZE);
      const [, stackEnd] = range(l.maps, "[stack]");
      // randomize_stack_top: up to 0x3fffff pages, then arch_align_stack: up to one page more
      expect(stackEnd).toBeLessThanOrEqual(TASK_SIZE);
      expect(stackEnd).toBeGreaterThanOrEqual(TASK_SIZE - 0x400000 * 4096);
      // vdso_addr: [vvar][vdso] above the stack, ending at or below the next 2 MiB boundary
      const [vvar] = range(l.maps, "[vvar]");
      const [, vdsoEnd] = range(l.maps, "[vdso]");
      expect(vvar).toBeGreaterThanOrEqual(stackEnd);
      expect(vdsoEnd).toBeLessThanOrEqual(Math.ceil((stackEnd + 0x6000) / 2 ** 21) * 2 ** 21);
      // mmap_base: below the 16 GiB + 8 MiB + 1 MiB gap by up to 2^28 pages (mmap_rnd_bits 28)
      const top = TASK_SIZE - (0x3fffff * 4096 + 8 * 2 ** 20 + 2 ** 20);
      expect(l.mmap_base).toBeLessThanOrEqual(top);
      expect(l.mmap_base).toBeGreaterThan(top - 2 ** 28 * 4096);
      // arch_randomize_brk: a page after bss, then up to 1 GiB
      expect(l.start_brk).toBeGreaterThanOrEqual(0x4af000 + 4096);
      expect(l.start_brk).toBeLessThan(0x4af000 + 4096 + 2 ** 30);
      expect(range(l.maps, "[heap]")[0]).toBe(l.start_brk);
    }
  });

  it("the same seed gives the same layout; another seed, or the next process, another", () => {
    expect(layout(7, 2).maps).toBe(layout(7, 2).maps);
    expect(layout(7, 2).maps).not.toBe(layout(8, 2).maps);
    const m = Machine.boot({ seed: 7, sysctl: { "kernel.randomize_va_space": 2 } });
    const a = m.read(`/proc/${m.spawn({ name: "a" }).pid}/maps`);
    const b = m.read(`/proc/${m.spawn({ name: "b" }).pid}/maps`);
    expect(range(a, "[stack]")).not.toEqual(range(b, "[stack]"));
  });

  it("1 randomises stack, mmap and vdso but leaves brk right after bss", () => {
    const l = layout(3, 1);
    expect(l.flags & PF_RANDOMIZE).toBe(PF_RANDOMIZE);
    expect(range(l.maps, "[stack]")[1]).not.toBe(TASK_SIZE);
    expect(l.start_brk).toBe(0x4af000);
  });

  it("personality(ADDR_NO_RANDOMIZE) (randomize: false) keeps the fixed layout under 2", () => {
    expect(layout(1, 2, { randomize: false }).maps).toBe(layout(1, 0).maps);
  });

  it("a forked child keeps PF_RANDOMIZE and its parent's layout", () => {
    const m = Machine.boot({ seed: 5, sysctl: { "kernel.randomize_va_space": 2 } });
    const p = m.spawn({ name: "p" });
    const c = p.fork();
    expect(taskOf(c).flags & PF_RANDOMIZE).toBe(PF_RANDOMIZE);
    expect(taskOf(c).mm!.mmap_base).toBe(taskOf(p).mm!.mmap_base);
    expect(m.read(`/proc/${c.pid}/maps`)).toBe(m.read(`/proc/${p.pid}/maps`));
  });
});
