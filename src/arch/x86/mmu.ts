/**
 * The model's MMU: a task's accesses to its memory, each walking the page tables and, when the
 * PTE allows it (present, user, writable for writes, not NX for instruction fetches), setting the
 * accessed and dirty bits as the hardware does; otherwise raising the page fault (fault.ts) and
 * retrying the translation, as the CPU re-executes the instruction. access_range touches every
 * page of a range, access_addrs replays a trace of addresses; both are fast enough to replay
 * millions of accesses, and report a signal (SIGSEGV, SIGBUS, an unresolved OOM, a pending
 * SIGKILL) as a value.
 *
 * Speed without a second semantics: a fault inside the last fault's VMA with its PTE table
 * present skips the entry's lookups (fault_in_table), and runs of first-touch / CoW write faults
 * go through memory.ts's anon_write_run, which does per page what do_anonymous_page and
 * do_wp_page do. A machine with a tracepoint listener takes the general path for every fault;
 * mm/memory.fastpath.test.ts runs random programs both ways and requires identical state.
 *
 * Not a kernel file: the hardware's side of the fault. TLB flushes are implicit (no TLB: every
 * access sees the current PTE).
 * @kernel arch/x86/mm/fault.c do_user_addr_fault (the retry the CPU's re-execution makes)
 */
import { KernelBug } from "../../kernel/bug.js";
import type { Kernel } from "../../kernel/kernel.js";
import { cond_resched } from "../../kernel/kthread.js";
import { fatal_signal_pending, type task_struct } from "../../kernel/sched.js";
import { anon_write_run, VM_FAULT_ERROR, VM_FAULT_OOM, VM_FAULT_RETRY, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV } from "../../mm/memory.js";
import { GFP_KERNEL } from "../../mm/gfp.js";
import { mem_cgroup_handle_over_high } from "../../mm/memcontrol.js";
import { type mm_struct, type vm_area_struct, VM_SHARED } from "../../mm/mm_types.js";
import { ACCESS_LOG_FILE, ACCESS_LOG_WRITE } from "../../kernel/access_log.js";
import { lru_gen_use_mm } from "../../mm/lru_gen.js";
import { OOM_KILL } from "../../mm/vmstat_items.js";
import { access_error, do_user_addr_fault, fault_in_table, type FaultOutcome, SEGV_ACCERR, userfault_retry, X86_PF_INSTR, X86_PF_PROT, X86_PF_USER, X86_PF_WRITE } from "./fault.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_NX, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER, huge_pmd_lookup, NO_TABLE, PMD_SIZE, pte_index, pte_table_lookup, type PgtablePool } from "./pgtable.js";

/**
 * Not a vm_fault_t bit: how access_range tells stop() that the fault succeeded but the task now
 * has SIGKILL pending (the kernel checks fatal_signal_pending on the way back to user mode).
 */
const VM_FAULT_SIGKILL_PENDING = -1;
/**
 * Not a vm_fault_t bit either: the fault went to a userfaultfd and the task now sleeps in
 * handle_userfault (task.uffd_wait), so the access stops at that address without a signal.
 */
const VM_FAULT_UFFD_BLOCKED = -2;

/** Which kind of access an `access_range` call makes. */
export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;

/** What an access did: faults taken, and how it ended. SIGSEGV/SIGBUS/OOM stop the access. */
export interface AccessResult {
  /** Pages accessed before the access stopped (all of them unless a signal stopped it). */
  pages: number;
  /** Minor faults taken (the task's min_flt grew by this). */
  minflt: number;
  /** Major faults taken. */
  majflt: number;
  /**
   * "SIGSEGV", "SIGBUS", "OOM" (VM_FAULT_OOM: the OOM killer's turn), "SIGKILL" (the OOM killer
   * chose this very task during one of its faults: the fault completes from the reserves, and the
   * pending SIGKILL kills the task on its way back to user mode), or null.
   */
  signal: "SIGSEGV" | "SIGBUS" | "OOM" | "SIGKILL" | null;
  /** The faulting address when a signal stopped the access, else -1. */
  addr: number;
  /** SEGV_MAPERR (1, no VMA) or SEGV_ACCERR (2, the VMA forbids the access), when SIGSEGV. */
  si_code: number;
  /**
   * The access stopped because the task sleeps in handle_userfault (its fault went to a
   * userfaultfd): `addr` is the faulting address, `pages` the accesses made before it. The
   * task's next access first completes that fault (once a fill or UFFDIO_WAKE has woken it),
   * then goes on; until then every access stops at once the same way.
   */
  blocked: boolean;
}

/**
 * The MMU running a task's accesses to every page of [addr, addr + len): for each page it walks
 * the tables and, when the PTE allows the access (present, user, writable for writes, not NX for
 * instruction fetches), sets the accessed bit (and dirty for writes) as the hardware does;
 * otherwise it takes a page fault and retries. A signal (SIGSEGV, SIGBUS) or an unresolved OOM
 * stops the access and is reported as a value; the caller decides what happens to the task.
 */
export function access_range(k: Kernel, t: task_struct, addr: number, len: number, kind: number): AccessResult {
  const res = access_range_mmu(k, t, addr, len, kind);
  if (k.access_log !== null && res.pages > 0) record_accesses(k, t, Math.floor(addr / 4096), res.pages, kind === ACCESS_WRITE);
  return res;
}

function access_range_mmu(k: Kernel, t: task_struct, addr: number, len: number, kind: number): AccessResult {
  const res: AccessResult = { pages: 0, minflt: 0, majflt: 0, signal: null, addr: -1, si_code: 0, blocked: false };
  const mm = t.mm;
  if (mm === null) throw new KernelBug("access_range on a task without an mm", { pid: t.pid });
  if (len <= 0) return res;
  const first = Math.floor(addr / 4096) * 4096;
  const end = Math.ceil((addr + len) / 4096) * 4096;
  const m = mmu_access(k, t, mm, kind);
  const write = kind === ACCESS_WRITE;
  const pool = m.pool;
  const minBefore = t.min_flt;
  const majBefore = t.maj_flt;
  if (t.uffd_wait !== null) {
    const ret = resume_userfault(k, t, m);
    if (ret !== 0) return stop(res, t, minBefore, majBefore, m.addr, ret, m.si_code, 0);
  }
  let a = first;
  while (a < end) {
    const pmdEnd = Math.min(end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
    let table = pte_table_lookup(k, mm.pgd, a);
    let j = pte_index(a);
    const n = (pmdEnd - a) / 4096;
    for (let c = 0; c < n; c++, j++) {
      if (table !== NO_TABLE) {
        const i = table * 512 + j;
        const f = pool.ent_flags[i];
        if ((f & m.need) === m.need && (f & m.forbidNx) === 0) {
          pool.ent_flags[i] = f | m.set;
          continue;
        }
      } else if (huge_hit(k, m, mm.pgd, a)) {
        // A huge PMD (THP or hugetlb) allows the access: it covers the rest of this PMD's pages.
        break;
      }
      const pa = a + c * 4096;
      const vma = m.vma;
      if (write && table !== NO_TABLE && vma !== null && vma.vm_start <= pa && pa < vma.vm_end && !k.trace.pageEvents && !access_error(fault_code(m, pool, table, j), vma)) {
        // A run of write faults of one kind, handled in one loop (see anon_write_run).
        const done = anon_write_run(k, t, vma, pool, table, j, Math.min(j + (n - c), j + (vma.vm_end - pa) / 4096), pa);
        if (done > 0) {
          c += done - 1;
          j += done - 1;
          if (k.vm_events[OOM_KILL] !== m.kills) {
            m.kills = k.vm_events[OOM_KILL];
            if (fatal_signal_pending(t)) return stop(res, t, minBefore, majBefore, pa + (done - 1) * 4096, VM_FAULT_SIGKILL_PENDING, 0, (pa - first) / 4096 + done);
          }
          continue;
        }
        if (done < 0) {
          const at = pa + (-done - 1) * 4096;
          return stop(res, t, minBefore, majBefore, at, VM_FAULT_OOM, 0, (at - first) / 4096);
        }
      }
      const ret = fault_and_retry(k, t, m, pa, table, j);
      if (ret !== 0) return stop(res, t, minBefore, majBefore, pa, ret, m.si_code, (pa - first) / 4096 + (ret === VM_FAULT_SIGKILL_PENDING ? 1 : 0));
      if (table === NO_TABLE) {
        // The retried access went through the PTE table the fault made, or (m.table NO_TABLE)
        // through the huge PMD it mapped: the accesses to the rest of that PMD hit.
        table = m.table;
        if (table === NO_TABLE) break;
      }
    }
    a = pmdEnd;
  }
  res.pages = (end - first) / 4096;
  res.minflt = t.min_flt - minBefore;
  res.majflt = t.maj_flt - majBefore;
  return res;
}

/**
 * The MMU replaying an access trace: one access per address of `addrs`, in order (any order,
 * repeats allowed), each a hit when its PTE allows it (setting accessed/dirty) or a fault and a
 * retry otherwise, exactly as access_range does page by page. Stops at the first signal.
 * `pages` in the result counts the accesses made. Only the first `count` addresses are used (a
 * caller reusing one buffer for batches of any length hands it over without copying).
 */
export function access_addrs(k: Kernel, t: task_struct, addrs: ArrayLike<number>, kind: number, count: number = addrs.length): AccessResult {
  const res = access_addrs_mmu(k, t, addrs, count, kind);
  if (k.access_log !== null) for (let n = 0; n < res.pages; n++) record_accesses(k, t, Math.floor(addrs[n] / 4096), 1, kind === ACCESS_WRITE);
  return res;
}

/**
 * Appends the pages [vpn, vpn + count) a task reached to the machine's access log: a page of a
 * shared file mapping as (inode, index in the file), any other as (pid, virtual page).
 */
function record_accesses(k: Kernel, t: task_struct, vpn: number, count: number, write: boolean): void {
  const log = k.access_log;
  const mm = t.mm;
  if (log === null || mm === null) return;
  const wflag = write ? ACCESS_LOG_WRITE : 0;
  let p = vpn;
  const end = vpn + count;
  while (p < end) {
    const vma = mm.mm_mt.mt_find(p * 4096);
    if (vma === null || vma.vm_start > p * 4096) throw new KernelBug("access_log: an accessed page outside every VMA", { addr: p * 4096 });
    const n = Math.min(end, vma.vm_end / 4096) - p;
    const file = vma.vm_file;
    if (file !== null && (vma.vm_flags & VM_SHARED) !== 0) log.addRun((vma.vm_pgoff | 0) + (p - vma.vm_start / 4096), n, file.f_inode.i_ino, wflag | ACCESS_LOG_FILE);
    else log.addRun(p, n, t.tgid, wflag);
    p += n;
  }
}

function access_addrs_mmu(k: Kernel, t: task_struct, addrs: ArrayLike<number>, count: number, kind: number): AccessResult {
  const res: AccessResult = { pages: 0, minflt: 0, majflt: 0, signal: null, addr: -1, si_code: 0, blocked: false };
  const mm = t.mm;
  if (mm === null) throw new KernelBug("access_addrs on a task without an mm", { pid: t.pid });
  const m = mmu_access(k, t, mm, kind);
  const pool = m.pool;
  const minBefore = t.min_flt;
  const majBefore = t.maj_flt;
  if (t.uffd_wait !== null) {
    const ret = resume_userfault(k, t, m);
    if (ret !== 0) return stop(res, t, minBefore, majBefore, m.addr, ret, m.si_code, 0);
  }
  for (let n = 0; n < count; n++) {
    const pa = Math.floor(addrs[n] / 4096) * 4096;
    const table = pte_table_lookup(k, mm.pgd, pa);
    const j = pte_index(pa);
    if (table !== NO_TABLE) {
      const i = table * 512 + j;
      const f = pool.ent_flags[i];
      if ((f & m.need) === m.need && (f & m.forbidNx) === 0) {
        pool.ent_flags[i] = f | m.set;
        continue;
      }
    } else if (huge_hit(k, m, mm.pgd, pa)) {
      continue;
    }
    const ret = fault_and_retry(k, t, m, pa, table, j);
    if (ret !== 0) return stop(res, t, minBefore, majBefore, pa, ret, m.si_code, n + (ret === VM_FAULT_SIGKILL_PENDING ? 1 : 0));
  }
  res.pages = count;
  res.minflt = t.min_flt - minBefore;
  res.majflt = t.maj_flt - majBefore;
  return res;
}

/** One task's run of accesses of one kind through the MMU: what a PTE must allow, and the walk's memory. */
interface MmuAccess extends FaultOutcome {
  readonly mm: mm_struct;
  readonly pool: PgtablePool;
  /** The bits a PTE must have (present, user, and RW for writes). */
  readonly need: number;
  /** _PAGE_NX for instruction fetches: the bit a PTE must not have. */
  readonly forbidNx: number;
  /** What the MMU sets on a hit: accessed, and dirty for writes. */
  readonly set: number;
  /** The page-fault error code's access bits (user, write, instruction fetch). */
  readonly codeBase: number;
  /** The VMA of the last fault: the next miss inside it skips the VMA lookup and table walk. */
  vma: vm_area_struct | null;
  /** OOM_KILL when last looked at: fatal_signal_pending is asked only after it moves. */
  kills: number;
  /** do_user_addr_fault's outcome (FaultOutcome): the vm_fault_t, and the si_code of the signal it stopped with. */
  ret: number;
  si_code: number;
  /** The address of an interrupted userfault resume_userfault stopped at. */
  addr: number;
  /**
   * The PTE table fault_and_retry's successful retry went through, or NO_TABLE when it went
   * through a huge PMD (which then allows the access to the whole PMD).
   */
  table: number;
}

function mmu_access(k: Kernel, t: task_struct, mm: mm_struct, kind: number): MmuAccess {
  // The task is on the CPU: context_switch's lru_gen_use_mm (the model has no context switch of
  // its own; a run of accesses starts when the scheduler has switched the task in).
  lru_gen_use_mm(mm);
  const write = kind === ACCESS_WRITE;
  const exec = kind === ACCESS_EXEC;
  return {
    mm,
    pool: k.pgtables,
    need: _PAGE_PRESENT | _PAGE_USER | (write ? _PAGE_RW : 0),
    forbidNx: exec ? _PAGE_NX : 0,
    set: write ? _PAGE_ACCESSED | _PAGE_DIRTY : _PAGE_ACCESSED,
    codeBase: X86_PF_USER | (write ? X86_PF_WRITE : 0) | (exec ? X86_PF_INSTR : 0),
    vma: null,
    kills: k.vm_events[OOM_KILL],
    ret: 0,
    si_code: 0,
    addr: -1,
    table: NO_TABLE,
  };
}

/**
 * A task that slept in handle_userfault accesses memory again: first its interrupted fault is
 * finished (userfault_retry), as the kernel's task continues inside the fault once woken. 0 when
 * the access can go on; VM_FAULT_UFFD_BLOCKED while the task is still asleep (not woken yet, or
 * the retry went to the uffd again); a VM_FAULT_* error to stop with (m.si_code, m.addr).
 */
function resume_userfault(k: Kernel, t: task_struct, m: MmuAccess): number {
  const uwq = t.uffd_wait;
  if (uwq === null) return 0;
  m.addr = uwq.real_address;
  if (!uwq.waken) return VM_FAULT_UFFD_BLOCKED;
  userfault_retry(k, t, m.mm, m);
  if (t.uffd_wait !== null) return VM_FAULT_UFFD_BLOCKED;
  if ((m.ret & VM_FAULT_ERROR) !== 0) return m.ret;
  if (k.need_resched) cond_resched(k);
  return 0;
}

/** The error code the CPU pushes: a protection fault when the PTE (or huge PMD) was present, a missing-page one otherwise. */
function fault_code(m: MmuAccess, pool: PgtablePool, table: number, j: number): number {
  return table !== NO_TABLE && (pool.ent_flags[table * 512 + j] & _PAGE_PRESENT) !== 0 ? m.codeBase | X86_PF_PROT : m.codeBase;
}

/**
 * The MMU's walk ending at a huge PMD leaf (PSE): when it allows the access, set its accessed
 * (and dirty) bits and report a hit; a missing or refusing leaf is a miss, the fault's business.
 */
function huge_hit(k: Kernel, m: MmuAccess, pgd: number, addr: number): boolean {
  const hi = huge_pmd_lookup(k, pgd, addr);
  if (hi < 0) return false;
  const pool = m.pool;
  const f = pool.ent_flags[hi];
  if ((f & m.need) !== m.need || (f & m.forbidNx) !== 0) return false;
  pool.ent_flags[hi] = f | m.set;
  return true;
}

/**
 * An access the PTE refused: take the page fault as the CPU would, then retry the translation
 * once, as the CPU re-executes the instruction. Returns 0 when the access went through (accessed
 * and dirty set), or the code that stops the access: a VM_FAULT_* error (m.si_code says which
 * SIGSEGV), or VM_FAULT_SIGKILL_PENDING when the fault made this task the OOM killer's victim
 * (the kernel delivers the SIGKILL on the way back to user mode).
 * @kernel arch/x86/mm/fault.c do_user_addr_fault
 */
function fault_and_retry(k: Kernel, t: task_struct, m: MmuAccess, pa: number, table: number, j: number): number {
  const pool = m.pool;
  let code = 0;
  let i = -1;
  let f = 0;
  // A fault that returned without error but left the entry refusing the access lost a race with
  // the reclaim its own allocation ran (wp_page_copy's pte_same failed): the CPU re-executes the
  // access and faults again. Bounded: a fault that keeps losing is a model bug.
  for (let tries = 0; ; tries++) {
    code = fault_code(m, pool, table, j);
    const vma = m.vma;
    if (table !== NO_TABLE && vma !== null && vma.vm_start <= pa && pa < vma.vm_end && !k.trace.pageEvents && !access_error(code, vma)) {
      // Inside the last fault's VMA with the table present: do_user_addr_fault's lookups would
      // find what we already hold, so go straight to the PTE fault.
      const ret = fault_in_table(k, t, vma, pa, code, table * 512 + j);
      if ((ret & (VM_FAULT_ERROR | VM_FAULT_RETRY)) !== 0) {
        // VM_FAULT_RETRY comes back only when the task sleeps in handle_userfault.
        if ((ret & VM_FAULT_ERROR) === 0) return VM_FAULT_UFFD_BLOCKED;
        m.si_code = 0;
        return ret;
      }
    } else {
      m.vma = do_user_addr_fault(k, t, m.mm, pa, code, vma, m);
      if ((m.ret & (VM_FAULT_ERROR | VM_FAULT_RETRY)) !== 0) return (m.ret & VM_FAULT_ERROR) === 0 ? VM_FAULT_UFFD_BLOCKED : m.ret;
    }
    // The retried translation: through the PTE, or the huge PMD the fault left in its place
    // (asked first when there was no PTE table: a THP fault is one per PMD, a PTE table's first
    // fault one in 512). A PMD is a huge leaf or a table pointer, never both.
    if (table === NO_TABLE) {
      i = huge_pmd_lookup(k, m.mm.pgd, pa);
      if (i < 0) {
        table = pte_table_lookup(k, m.mm.pgd, pa);
        if (table !== NO_TABLE) i = table * 512 + j;
      }
    } else {
      i = table * 512 + j;
    }
    if (i < 0) throw new KernelBug("page fault resolved without mapping the address", { addr: pa });
    f = pool.ent_flags[i];
    if ((f & m.need) === m.need || (f & m.forbidNx) !== 0) break;
    if (tries === 7) throw new KernelBug("page fault keeps leaving the entry refusing the access", { addr: pa, flags: f });
  }
  if ((f & m.need) === m.need && (f & m.forbidNx) === 0) {
    pool.ent_flags[i] = f | m.set;
    m.table = table;
    // Back to user space: a kthread the fault woke (kswapd) gets the CPU first, then the
    // resume work: reclaim and throttling for pages charged over memory.high.
    if (k.need_resched) cond_resched(k);
    if (t.memcg_nr_pages_over_high !== 0) mem_cgroup_handle_over_high(k, t, GFP_KERNEL);
    if (k.vm_events[OOM_KILL] !== m.kills) {
      m.kills = k.vm_events[OOM_KILL];
      if (fatal_signal_pending(t)) return VM_FAULT_SIGKILL_PENDING;
    }
    return 0;
  }
  // The fault resolved but the PTE still refuses: an exec of an NX page (x86 reports it as a
  // protection fault, which access_error rejects). Fault again to get the signal.
  m.vma = do_user_addr_fault(k, t, m.mm, pa, code | X86_PF_PROT, m.vma, m);
  if (m.si_code === 0) m.si_code = SEGV_ACCERR;
  return m.ret | VM_FAULT_SIGSEGV;
}

function stop(
  res: AccessResult,
  t: task_struct,
  minBefore: number,
  majBefore: number,
  addr: number,
  ret: number,
  si_code: number,
  pages: number,
): AccessResult {
  res.pages = pages;
  res.minflt = t.min_flt - minBefore;
  res.majflt = t.maj_flt - majBefore;
  res.addr = addr;
  if (ret === VM_FAULT_UFFD_BLOCKED) res.blocked = true;
  else if (ret === VM_FAULT_SIGKILL_PENDING) res.signal = "SIGKILL";
  else if ((ret & VM_FAULT_OOM) !== 0) res.signal = "OOM";
  else if ((ret & VM_FAULT_SIGBUS) !== 0) res.signal = "SIGBUS";
  else {
    res.signal = "SIGSEGV";
    res.si_code = si_code;
  }
  return res;
}
