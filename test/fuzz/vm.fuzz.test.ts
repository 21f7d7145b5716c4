/**
 * Property test over the whole VM: random sequences of mmap (anonymous private and shared,
 * fixed and not), munmap, mprotect, mremap, madvise, mlock/munlock, brk, fork, exit and memory
 * access over several processes, with the address-space invariant checker (checkMm: VMAs sorted
 * and non-overlapping, rss counters equal to the PTEs, mapcount equal to the mappings, page-table
 * pages accounted, no page both free and mapped) after every step, plus the accounting this part
 * owns: total_vm, data_vm, exec_vm, stack_vm, locked_vm and map_count equal to what the VMAs add
 * up to, Committed_AS equal to the VM_ACCOUNT VMAs plus the charged shmem files, the anon_vma
 * chains consistent. Failed syscalls (Errno) and processes killed by SIGSEGV are expected
 * outcomes; a KernelBug or a broken invariant fails the property.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/kernel/errno.js";
import type { Kernel } from "../../src/kernel/kernel.js";
import { start_kernel } from "../../src/kernel/start_kernel.js";
import { find_vma, is_data_mapping, is_exec_mapping, is_stack_mapping } from "../../src/mm/mmap.js";
import { type mm_struct, VM_ACCOUNT, VM_EXEC, VM_LOCKED, VM_READ, VM_WRITE, vma_pages } from "../../src/mm/mm_types.js";
import { MiB } from "../../src/mm/types.js";
import { F, PG_mlocked } from "../../src/mm/memmap.js";
import { global_node_page_state, global_zone_page_state } from "../../src/mm/vmstat.js";
import { shmem_mappings } from "../../src/mm/shmem.js";
import { NR_MLOCK, NR_SHMEM } from "../../src/mm/vmstat_items.js";
import { checkMm } from "../../src/sim/invariants/mm.js";
import { _PAGE_SPECIAL, walk_present_ptes } from "../../src/arch/x86/pgtable.js";
import { type Process, ProcessKilled, spawnProcess } from "../../src/sim/process.js";
import { taskOf } from "../../src/api/internals.js";

const PAGE = 4096;
/** A window of 64 pages where fixed mappings collide on purpose. */
const WIN = 0x10000000;
const WIN_PAGES = 64;

type Op =
  | { op: "mmap"; who: number; page: number; pages: number; prot: number; shared: boolean; fixed: boolean; populate: boolean }
  | { op: "munmap"; who: number; page: number; pages: number }
  | { op: "mprotect"; who: number; page: number; pages: number; prot: number }
  | { op: "mremap"; who: number; page: number; pages: number; newPages: number; move: boolean; fixedTo: number }
  | { op: "madvise"; who: number; page: number; pages: number; advice: string }
  | { op: "mlock"; who: number; page: number; pages: number; unlock: boolean; onFault: boolean }
  | { op: "access"; who: number; page: number; pages: number; write: boolean }
  | { op: "brk"; who: number; delta: number }
  | { op: "fork"; who: number }
  | { op: "exit"; who: number }
  | { op: "spawn" };

const who = fc.nat({ max: 7 });
const page = fc.nat({ max: WIN_PAGES - 1 });
const pages = fc.integer({ min: 1, max: 16 });
const prot = fc.constantFrom(0, 1, 3, 5, 7);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("mmap" as const), who, page, pages, prot, shared: fc.boolean(), fixed: fc.boolean(), populate: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("munmap" as const), who, page, pages }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mprotect" as const), who, page, pages, prot }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("mremap" as const), who, page, pages, newPages: pages, move: fc.boolean(), fixedTo: fc.integer({ min: -1, max: WIN_PAGES - 1 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("madvise" as const),
      who,
      page,
      pages,
      advice: fc.constantFrom("dontneed", "free", "dontfork", "dofork", "wipeonfork", "keeponfork", "cold", "pageout", "willneed", "hugepage", "nohugepage", "populate_write", "populate_read", "random"),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("mlock" as const), who, page, pages, unlock: fc.boolean(), onFault: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("access" as const), who, page, pages, write: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("brk" as const), who, delta: fc.integer({ min: -8, max: 16 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("fork" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("exit" as const), who }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("spawn" as const) }) },
);

/** The VM accounting this part owns, recomputed from the VMAs. */
function checkAccounting(k: Kernel, procs: Process[], baseline: number): void {
  let committed = baseline;
  const shmemFiles = new Set<unknown>();
  const mms = new Set<mm_struct>();
  for (const t of k.tasks.byPid.values()) if (t.mm) mms.add(t.mm);
  for (const mm of mms) {
    let total = 0;
    let data = 0;
    let exec = 0;
    let stack = 0;
    let locked = 0;
    let prevEnd = 0;
    for (const v of mm.mm_mt) {
      expect(v.vm_start).toBeGreaterThanOrEqual(prevEnd);
      expect(v.vm_end).toBeGreaterThan(v.vm_start);
      prevEnd = v.vm_end;
      const n = vma_pages(v);
      total += n;
      if (is_exec_mapping(v.vm_flags)) exec += n;
      else if (is_stack_mapping(v.vm_flags)) stack += n;
      else if (is_data_mapping(v.vm_flags)) data += n;
      if (v.vm_flags & VM_LOCKED) locked += n;
      if (v.vm_flags & VM_ACCOUNT) committed += n;
      if (v.vm_file && v.vm_file.f_path.startsWith("/dev/zero")) shmemFiles.add(v.vm_file);
      if (v.anon_vma) {
        expect(v.anon_vma_chain).toContain(v.anon_vma);
        expect(v.anon_vma.rb_root.has(v)).toBe(true);
        expect(k.anon_vmas.get(v.anon_vma.id)).toBe(v.anon_vma);
      }
      for (const av of v.anon_vma_chain) expect(av.rb_root.has(v)).toBe(true);
    }
    expect(mm.map_count).toBe(mm.mm_mt.length);
    expect({ total: mm.total_vm, data: mm.data_vm, exec: mm.exec_vm, stack: mm.stack_vm, locked: mm.locked_vm }).toEqual({ total, data, exec, stack, locked });
  }
  for (const f of shmemFiles) committed += Math.ceil((f as { f_inode: { i_size: number } }).f_inode.i_size / PAGE);
  expect(k.vm_committed_as).toBe(committed);
  // Mlocked: NR_MLOCK counts exactly the pages with PG_mlocked.
  let mlocked = 0;
  const flags = k.mem_map.flags;
  for (let pfn = 0; pfn < flags.length; pfn++) if (flags[pfn] & F(PG_mlocked)) mlocked++;
  expect(global_zone_page_state(k, NR_MLOCK)).toBe(mlocked);
  // Every page mapped in a VM_LOCKED VMA is mlocked (the zero page aside).
  const pool = k.pgtables;
  for (const mm of mms) {
    for (const v of mm.mm_mt) {
      if (!(v.vm_flags & VM_LOCKED)) continue;
      walk_present_ptes(k, mm.pgd, v.vm_start, v.vm_end, (addr, i) => {
        if (pool.ent_flags[i] & _PAGE_SPECIAL) return;
        expect({ addr, mlocked: (flags[pool.ent_pfn[i]] & F(PG_mlocked)) !== 0 }).toEqual({ addr, mlocked: true });
      });
    }
  }
  // Shmem: the page cache of the live shmem files, no more (a released file's pages are gone).
  let cached = 0;
  for (const as of shmem_mappings(k)) cached += as.nrpages;
  expect(global_node_page_state(k, NR_SHMEM)).toBe(cached);
  void procs;
}

/** Outcomes by operation, to show the sequences do reach the code (printed once at the end). */
const outcomes = new Map<string, number>();
function note(key: string): void {
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}

function step(k: Kernel, procs: Process[], o: Op): void {
  if (o.op === "spawn") {
    if (procs.length < 8) procs.push(spawnProcess(k, { comm: `p${procs.length}`, image: procs.length % 2 ? null : "static" }));
    return;
  }
  if (procs.length === 0) procs.push(spawnProcess(k, { comm: "respawn" }));
  const p = procs[o.who % procs.length];
  const at = (pg: number): number => WIN + pg * PAGE;
  // Three operations in four are aimed inside the VMA at (or after) their page, so that ranges
  // are mostly mapped; the rest keep their raw range and meet holes and edges.
  const aim = (pg: number, n: number): [number, number] => {
    const start = at(pg);
    const pmm = taskOf(p).mm;
    const v = pmm ? find_vma(pmm, start) : null;
    if (pg % 4 === 3 || v === null || v.vm_start >= WIN + WIN_PAGES * PAGE) return [start, n * PAGE];
    const s0 = Math.max(start, v.vm_start);
    return [s0, Math.min(n * PAGE, v.vm_end - s0)];
  };
  try {
    switch (o.op) {
      case "mmap":
        p.mmap(o.pages * PAGE, {
          prot: o.prot,
          flags: `${o.shared ? "shared" : "private"}|anonymous${o.fixed ? "|fixed" : ""}${o.populate ? "|populate" : ""}`,
          addr: at(o.page),
        });
        break;
      case "munmap":
        p.munmap(...aim(o.page, o.pages));
        break;
      case "mprotect":
        p.mprotect(...aim(o.page, o.pages), o.prot);
        break;
      case "mremap": {
        const [a, len] = aim(o.page, o.pages);
        if (o.fixedTo >= 0) p.mremap(a, len, o.newPages * PAGE, { fixed: at(o.fixedTo) });
        else p.mremap(a, len, o.newPages * PAGE, { mayMove: o.move });
        break;
      }
      case "madvise":
        p.madvise(...aim(o.page, o.pages), o.advice);
        break;
      case "mlock":
        if (o.unlock) p.munlock(...aim(o.page, o.pages));
        else p.mlock(...aim(o.page, o.pages), { onFault: o.onFault });
        break;
      case "access": {
        // Mostly access what the mapping allows (a SIGSEGV ends the process, which would cut the
        // sequence short); one access in eight goes wherever it was aimed.
        const start = at(o.page);
        const pmm = taskOf(p).mm;
        const v = pmm ? find_vma(pmm, start) : null;
        const allowed = v !== null && v.vm_start <= start && (o.write ? v.vm_flags & VM_WRITE : v.vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
        if (allowed) p.touch(start, Math.min(o.pages * PAGE, v.vm_end - start), { write: o.write });
        else if (o.page % 8 === 0) p.touch(start, o.pages * PAGE, { write: o.write });
        break;
      }
      case "brk":
        p.brk(p.brk() + o.delta * PAGE);
        break;
      case "fork":
        if (procs.length < 8) procs.push(p.fork());
        break;
      case "exit":
        p.exit();
        break;
    }
    note(`${o.op}:ok`);
  } catch (e) {
    if (!(e instanceof Errno) && !(e instanceof ProcessKilled)) throw e;
    note(`${o.op}:${e instanceof Errno ? e.code : e.signal}`);
  }
  for (let i = procs.length - 1; i >= 0; i--) if (!procs[i].alive) procs.splice(i, 1);
}

describe("VM property: random syscall sequences keep every invariant", () => {
  it("holds after every step of 50 random sequences over up to eight processes", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 60, size: "max" }), (ops) => {
        const k = start_kernel({ memory: 128 * MiB });
        const baseline = k.vm_committed_as;
        const procs: Process[] = [spawnProcess(k, { comm: "p0" }), spawnProcess(k, { comm: "p1", image: null })];
        checkMm(k);
        for (const o of ops) {
          step(k, procs, o);
          checkMm(k);
          checkAccounting(k, procs, baseline);
        }
        for (const p of procs) p.exit();
        checkMm(k);
        // Everything the processes charged is given back when they are gone.
        expect(k.vm_committed_as).toBe(baseline);
      }),
      { numRuns: 50, seed: 20261122 },
    );
    // The sequences must exercise the successful paths, not only the refusals.
    for (const op of ["mmap", "munmap", "mprotect", "mremap", "madvise", "mlock", "access", "fork", "exit"]) {
      expect(outcomes.get(`${op}:ok`) ?? 0).toBeGreaterThan(20);
    }
  });
});
