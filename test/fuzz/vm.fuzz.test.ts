/**
 * Property test over the whole VM: random sequences of mmap (anonymous private and shared,
 * fixed and not), munmap, mprotect, mremap, madvise, mlock/munlock, brk, fork, exit and memory
 * access over several processes, with the address-space invariant checker (checkMm: VMAs sorted
 * and non-overlapping, rss counters equal to the PTEs, mapcount equal to the mappings, page-table
 * pages accounted, no page both free and mapped) after every step, plus the accounting this part
 * owns: total_vm, data_vm, exec_vm, stack_vm, locked_vm and map_count equal to what the VMAs add
 * up to, Committed_AS equal to the VM_ACCOUNT VMAs plus the charged shmem files, the anon_vma
 * chains consistent. Every operation's outcome is checked against what 6.1 returns for it in the
 * state it ran in (`expected` below, each rule citing the kernel function): success, one errno,
 * or SIGSEGV for an access the VMAs do not allow; any other outcome, a KernelBug or a broken
 * invariant fails the property. Each test takes 15–20 s on a quiet 2-core host and has 300 s, as
 * the other fuzzers: at a load average of 15 they took over 100 s (the default is 60).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Errno } from "../../src/kernel/errno.js";
import type { Kernel } from "../../src/kernel/kernel.js";
import { start_kernel } from "../../src/kernel/start_kernel.js";
import { find_vma, is_data_mapping, is_exec_mapping, is_stack_mapping } from "../../src/mm/mmap.js";
import { anon_vma_vmas, type mm_struct, VM_ACCOUNT, VM_EXEC, VM_LOCKED, VM_READ, VM_SHARED, VM_WRITE, type vm_area_struct, vma_anon_vmas, vma_is_anonymous, vma_pages } from "../../src/mm/mm_types.js";
import { MiB } from "../../src/mm/types.js";
import { F, folio_nr_pages, PG_head, PG_mlocked, PG_tail } from "../../src/mm/memmap.js";
import { is_huge_zero_page, pmd_addr_end, pmd_trans_huge_lock } from "../../src/mm/huge_memory.js";
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

/**
 * Dense syscall sequences for the errno oracle: one process, 16 pages, mostly flag changes, so
 * that locked, PROT_NONE and shared VMAs meet every call and its error paths.
 */
const densePage = fc.nat({ max: 15 });
const densePages = fc.integer({ min: 1, max: 8 });
const denseArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mmap" as const), who: fc.constant(0), page: densePage, pages: densePages, prot, shared: fc.boolean(), fixed: fc.constant(true), populate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("munmap" as const), who: fc.constant(0), page: densePage, pages: densePages }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mprotect" as const), who: fc.constant(0), page: densePage, pages: densePages, prot }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("mlock" as const), who: fc.constant(0), page: densePage, pages: densePages, unlock: fc.boolean(), onFault: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("madvise" as const),
      who: fc.constant(0),
      page: densePage,
      pages: densePages,
      advice: fc.constantFrom("dontneed", "free", "wipeonfork", "cold", "pageout", "populate_write", "populate_read", "willneed"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("mremap" as const), who: fc.constant(0), page: densePage, pages: densePages, newPages: densePages, move: fc.boolean(), fixedTo: fc.integer({ min: -1, max: 31 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("access" as const), who: fc.constant(0), page: densePage, pages: densePages, write: fc.boolean() }) },
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
      const chain = vma_anon_vmas(k.anon_vmas, v);
      if (v.anon_vma) {
        expect(chain).toContain(v.anon_vma);
        expect(anon_vma_vmas(k.anon_vmas, v.anon_vma)).toContain(v);
        expect(k.anon_vmas.get(v.anon_vma.id)).toBe(v.anon_vma);
      }
      for (const av of chain) expect(anon_vma_vmas(k.anon_vmas, av).filter((x) => x === v)).toHaveLength(1);
    }
    expect(mm.map_count).toBe(mm.mm_mt.length);
    expect({ total: mm.total_vm, data: mm.data_vm, exec: mm.exec_vm, stack: mm.stack_vm, locked: mm.locked_vm }).toEqual({ total, data, exec, stack, locked });
  }
  for (const f of shmemFiles) committed += Math.ceil((f as { f_inode: { i_size: number } }).f_inode.i_size / PAGE);
  expect(k.vm_committed_as).toBe(committed);
  // Mlocked: NR_MLOCK counts exactly the pages with PG_mlocked (a THP's head: all 512).
  let mlocked = 0;
  const flags = k.mem_map.flags;
  for (let pfn = 0; pfn < flags.length; pfn++) if (flags[pfn] & F(PG_mlocked)) mlocked += folio_nr_pages(k.mem_map, pfn);
  expect(global_zone_page_state(k, NR_MLOCK)).toBe(mlocked);
  // Every page mapped in a VM_LOCKED VMA is mlocked (the zero page aside; a PMD-mapped THP by
  // its head; a PTE-mapped THP's subpages are skipped by 6.1's mlock_pte_range).
  const pool = k.pgtables;
  for (const mm of mms) {
    for (const v of mm.mm_mt) {
      if (!(v.vm_flags & VM_LOCKED)) continue;
      for (let addr = v.vm_start; addr < v.vm_end; addr = pmd_addr_end(addr, v.vm_end)) {
        const pmdi = pmd_trans_huge_lock(k, v, addr);
        if (pmdi < 0 || is_huge_zero_page(k, pool.ent_pfn[pmdi])) continue;
        expect({ addr, mlocked: (flags[pool.ent_pfn[pmdi]] & F(PG_mlocked)) !== 0 }).toEqual({ addr, mlocked: true });
      }
      walk_present_ptes(k, mm.pgd, v.vm_start, v.vm_end, (addr, i) => {
        if (pool.ent_flags[i] & _PAGE_SPECIAL) return;
        if (flags[pool.ent_pfn[i]] & (F(PG_head) | F(PG_tail))) return;
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

/** The VMAs of `mm` that intersect [start, end), in address order. */
function vmasIn(mm: mm_struct | null, start: number, end: number): vm_area_struct[] {
  return mm ? mm.mm_mt.filter((v) => v.vm_start < end && v.vm_end > start) : [];
}
/** Is every byte of [start, end) inside some VMA? */
function covered(mm: mm_struct | null, start: number, end: number): boolean {
  let at = start;
  for (const v of vmasIn(mm, start, end)) {
    if (v.vm_start > at) return false;
    at = v.vm_end;
  }
  return at >= end;
}
/** vma_lookup: the VMA containing addr. */
function vmaAt(mm: mm_struct | null, addr: number): vm_area_struct | null {
  return mm?.mm_mt.find((v) => v.vm_start <= addr && addr < v.vm_end) ?? null;
}
const accessible = (v: vm_area_struct): boolean => (v.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
/**
 * Does [start, end) of VMA v reach past the end of its file? A shared anonymous mapping is a
 * shmem file the size it was mapped with; mremap can grow the mapping but not the file, and a
 * fault past i_size is VM_FAULT_SIGBUS (shmem_get_folio_gfp: index >= i_size → -EINVAL).
 */
function pastEof(v: vm_area_struct, start: number, end: number): boolean {
  if (!v.vm_file) return false;
  const last = v.vm_pgoff + (Math.min(end, v.vm_end) - v.vm_start) / PAGE - 1;
  return last >= Math.ceil(v.vm_file.f_inode.i_size / PAGE) && Math.max(start, v.vm_start) < Math.min(end, v.vm_end);
}

/**
 * madvise_walk_vmas: the first VMA whose visit fails decides the error (earlier VMAs keep the
 * advice); otherwise -ENOMEM if part of the range was unmapped, else 0.
 */
function madviseOutcome(mm: mm_struct | null, start: number, end: number, advice: string): string {
  const vmas = vmasIn(mm, start, end);
  if (vmas.length === 0) return "ENOMEM";
  for (const v of vmas) {
    const locked = (v.vm_flags & VM_LOCKED) !== 0;
    switch (advice) {
      case "dontneed": // madvise_dontneed_free_valid_vma: VM_LOCKED is forbidden
      case "cold": // madvise_cold / madvise_pageout: !can_madv_lru_vma (VM_LOCKED)
      case "pageout":
        if (locked) return "EINVAL";
        break;
      case "free": // ... and madvise_free_single_vma: !vma_is_anonymous (shared anonymous is shmem)
        if (locked || !vma_is_anonymous(v)) return "EINVAL";
        break;
      case "wipeonfork": // madvise_behavior: vma->vm_file || VM_SHARED
        if (v.vm_file !== null || (v.vm_flags & VM_SHARED) !== 0) return "EINVAL";
        break;
      case "populate_read": // madvise_populate → faultin_vma_page_range: check_vma_flags fails → -EINVAL;
        if ((v.vm_flags & VM_READ) === 0) return "EINVAL"; // a fault that raises SIGBUS → -EFAULT
        if (pastEof(v, start, end)) return "EFAULT";
        break;
      case "populate_write":
        if ((v.vm_flags & VM_WRITE) === 0) return "EINVAL";
        if (pastEof(v, start, end)) return "EFAULT";
        break;
      // willneed (CONFIG_SWAP: swapin walk), dontfork/dofork, keeponfork, hugepage/nohugepage,
      // random: no error for these anonymous VMAs.
    }
  }
  return covered(mm, start, end) ? "ok" : "ENOMEM";
}

/** What 6.1 returns for one operation in the current state: "ok", an errno name or a signal. */
function expected(p: Process, o: Op, a: { start: number; len: number; to: number }): string {
  const mm = taskOf(p).mm;
  const end = a.start + a.len;
  switch (o.op) {
    case "mmap": // aligned, non-zero, anonymous: do_mmap succeeds (MAP_POPULATE ignores its errors)
    case "munmap": // __do_munmap: aligned start, non-zero length; unmapped parts are no error
    case "brk":
    case "fork":
    case "exit":
    case "spawn":
      return "ok";
    case "mprotect":
      // do_mprotect_pkey: -ENOMEM unless [start, end) is all mapped; anonymous VMAs have every
      // VM_MAY* bit, so never -EACCES.
      return covered(mm, a.start, end) ? "ok" : "ENOMEM";
    case "mlock": {
      // apply_vma_lock_flags: -ENOMEM on a hole. mlock (not ONFAULT) sets VM_LOCKED alone (its
      // VM_LOCKONFAULT is cleared), then __mm_populate: a PROT_NONE VMA gives -EFAULT, which
      // __mlock_posix_error_return turns into -ENOMEM.
      if (!covered(mm, a.start, end)) return "ENOMEM";
      // A populate fault past a shmem file's end is -EFAULT too.
      if (o.unlock || o.onFault) return "ok";
      return vmasIn(mm, a.start, end).some((v) => !accessible(v) || pastEof(v, a.start, end)) ? "ENOMEM" : "ok";
    }
    case "madvise":
      return madviseOutcome(mm, a.start, end, o.advice);
    case "mremap": {
      // SYSCALL mremap: vma_lookup(addr) first (-EFAULT), then:
      const vma = vmaAt(mm, a.start);
      if (!vma) return "EFAULT";
      const newLen = o.newPages * PAGE;
      if (a.to >= 0) {
        // mremap_to: overlapping ranges -EINVAL; vma_to_resize with old_len = min(old, new):
        // -EFAULT if that runs past the VMA; then move_vma.
        if (a.start + a.len > a.to && a.to + newLen > a.start) return "EINVAL";
        return Math.min(a.len, newLen) > vma.vm_end - a.start ? "EFAULT" : "ok";
      }
      if (a.len >= newLen) return "ok"; // a shrinking remap just unmaps the tail
      if (a.len > vma.vm_end - a.start) return "EFAULT"; // vma_to_resize: across VMA boundaries
      // In place when it ends the VMA and vma_expandable finds [vm_end, +delta) free; else move
      // with MREMAP_MAYMOVE, or -ENOMEM.
      const expandable = a.len === vma.vm_end - a.start && vmasIn(mm, vma.vm_end, vma.vm_end + newLen - a.len).length === 0;
      return expandable || o.move ? "ok" : "ENOMEM";
    }
    case "access": {
      // The MMU: the first page without a VMA allowing the access raises SIGSEGV (SEGV_MAPERR or
      // SEGV_ACCERR; none of these VMAs grows down); a page past a shmem file's end, SIGBUS.
      for (let at = a.start; at < end; at += PAGE) {
        const v = vmaAt(mm, at);
        if (!v || !(o.write ? v.vm_flags & VM_WRITE : accessible(v))) return "SIGSEGV";
        if (pastEof(v, at, at + PAGE)) return "SIGBUS";
      }
      return "ok";
    }
  }
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
  // The range each operation works on, decided before it runs.
  let args = { start: 0, len: 0, to: -1 };
  let touch = true;
  switch (o.op) {
    case "mmap":
      args = { start: at(o.page), len: o.pages * PAGE, to: -1 };
      break;
    case "munmap":
    case "mprotect":
    case "madvise":
    case "mlock": {
      const [start, len] = aim(o.page, o.pages);
      args = { start, len, to: -1 };
      break;
    }
    case "mremap": {
      const [start, len] = aim(o.page, o.pages);
      args = { start, len, to: o.fixedTo >= 0 ? at(o.fixedTo) : -1 };
      break;
    }
    case "access": {
      // Mostly access what the mapping allows (a SIGSEGV ends the process, which would cut the
      // sequence short); one access in eight goes wherever it was aimed.
      const start = at(o.page);
      const pmm = taskOf(p).mm;
      const v = pmm ? find_vma(pmm, start) : null;
      const allowed = v !== null && v.vm_start <= start && (o.write ? v.vm_flags & VM_WRITE : v.vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
      if (allowed) args = { start, len: Math.min(o.pages * PAGE, v.vm_end - start), to: -1 };
      else if (o.page % 8 === 0) args = { start, len: o.pages * PAGE, to: -1 };
      else touch = false;
      break;
    }
  }
  const want = touch ? expected(p, o, args) : "ok";
  let got = "ok";
  try {
    switch (o.op) {
      case "mmap":
        p.mmap(o.pages * PAGE, {
          prot: o.prot,
          flags: `${o.shared ? "shared" : "private"}|anonymous${o.fixed ? "|fixed" : ""}${o.populate ? "|populate" : ""}`,
          addr: args.start,
        });
        break;
      case "munmap":
        p.munmap(args.start, args.len);
        break;
      case "mprotect":
        p.mprotect(args.start, args.len, o.prot);
        break;
      case "mremap":
        if (args.to >= 0) p.mremap(args.start, args.len, o.newPages * PAGE, { fixed: args.to });
        else p.mremap(args.start, args.len, o.newPages * PAGE, { mayMove: o.move });
        break;
      case "madvise":
        p.madvise(args.start, args.len, o.advice);
        break;
      case "mlock":
        if (o.unlock) p.munlock(args.start, args.len);
        else p.mlock(args.start, args.len, { onFault: o.onFault });
        break;
      case "access":
        if (touch) p.touch(args.start, args.len, { write: o.write });
        break;
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
  } catch (e) {
    if (!(e instanceof Errno) && !(e instanceof ProcessKilled)) throw e;
    got = e instanceof Errno ? e.code : e.signal;
  }
  note(`${o.op}:${got}`);
  expect(got, `${o.op} ${JSON.stringify(o)} at ${args.start.toString(16)}+${args.len.toString(16)}`).toBe(want);
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
    // The sequences must exercise the successful paths, and the errors the oracle predicts.
    for (const op of ["mmap", "munmap", "mprotect", "mremap", "madvise", "mlock", "access", "fork", "exit"]) {
      expect(outcomes.get(`${op}:ok`) ?? 0).toBeGreaterThan(20);
    }
    for (const key of ["mprotect:ENOMEM", "mremap:EFAULT", "madvise:ENOMEM", "madvise:EINVAL", "mlock:ENOMEM", "access:SIGSEGV"]) {
      expect(outcomes.get(key) ?? 0, key).toBeGreaterThan(0);
    }
  }, 300_000);

  it("returns 6.1's errno for every call of 300 dense sequences on 16 pages (locked, PROT_NONE and shared VMAs)", () => {
    const before = new Map(outcomes);
    fc.assert(
      fc.property(fc.array(denseArb, { minLength: 10, maxLength: 40, size: "max" }), (ops) => {
        const k = start_kernel({ memory: 128 * MiB });
        const procs: Process[] = [spawnProcess(k, { comm: "p0", image: null })];
        for (const o of ops) step(k, procs, o);
        checkMm(k);
      }),
      { numRuns: 300, seed: 20261206 },
    );
    const seen = (key: string): number => (outcomes.get(key) ?? 0) - (before.get(key) ?? 0);
    for (const key of ["madvise:EINVAL", "madvise:ENOMEM", "mlock:ENOMEM", "mprotect:ENOMEM", "mremap:EFAULT", "mremap:EINVAL", "mremap:ENOMEM", "access:SIGSEGV"]) {
      expect(seen(key), key).toBeGreaterThan(0);
    }
  }, 300_000);
});

