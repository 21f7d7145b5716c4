/**
 * The x86 page-fault entry for user mode: the error code the CPU pushes, do_user_addr_fault
 * (find the VMA, grow a VM_GROWSDOWN stack, access_error, handle_mm_fault with its retry) and
 * the signals it ends in. The MMU model that raises these faults is mmu.ts; what a fault does to
 * the page tables and pages is mm/memory.ts.
 * @kernel arch/x86/mm/fault.c do_user_addr_fault, access_error, trace_page_fault_entries
 * @kernel arch/x86/include/asm/trap_pf.h X86_PF_PROT, X86_PF_WRITE, X86_PF_USER, X86_PF_INSTR
 * @kernel include/uapi/asm-generic/siginfo.h SEGV_MAPERR, SEGV_ACCERR
 *
 * A fault that goes to a userfaultfd stops the access with VM_FAULT_RETRY while the task sleeps
 * (fs/userfaultfd.ts); userfault_retry is the retry once it is woken.
 *
 * Simplified: no kernel-mode faults, no protection keys, no vsyscall emulation, no mmap lock
 * (one thread), and the model has no instruction pointer (the tracepoint's ip reads 0).
 */
import type { Kernel } from "../../kernel/kernel.js";
import type { task_struct } from "../../kernel/sched.js";
import {
  FAULT_FLAG_ALLOW_RETRY,
  FAULT_FLAG_INSTRUCTION,
  FAULT_FLAG_KILLABLE,
  FAULT_FLAG_TRIED,
  FAULT_FLAG_USER,
  FAULT_FLAG_WRITE,
  handle_mm_fault,
  handle_mm_fault_in_table,
  VM_FAULT_RETRY,
  VM_FAULT_SIGSEGV,
} from "../../mm/memory.js";
import { expand_stack, find_vma } from "../../mm/mmap.js";
import { KernelBug } from "../../kernel/bug.js";
import { UFFD_PAGEFAULT_FLAG_WP, userfaultfd_finish_wait } from "../../mm/userfaultfd.js";
import { type mm_struct, type vm_area_struct, vma_is_accessible, VM_GROWSDOWN, VM_WRITE } from "../../mm/mm_types.js";

// ---- the page-fault error code (arch/x86/include/asm/trap_pf.h) ----
/** The PTE was present: a protection fault. */
export const X86_PF_PROT = 1 << 0;
export const X86_PF_WRITE = 1 << 1;
export const X86_PF_USER = 1 << 2;
export const X86_PF_INSTR = 1 << 4;

/** si_code of a SIGSEGV: no mapping at the address. */
export const SEGV_MAPERR = 1;
/** si_code of a SIGSEGV: the mapping forbids the access. */
export const SEGV_ACCERR = 2;

/** The fault flags of a user fault with this error code (do_user_addr_fault's). */
export function user_fault_flags(error_code: number): number {
  let flags = FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
  if ((error_code & X86_PF_WRITE) !== 0) flags |= FAULT_FLAG_WRITE;
  if ((error_code & X86_PF_INSTR) !== 0) flags |= FAULT_FLAG_INSTRUCTION;
  return flags;
}

/**
 * Does the VMA forbid this access? Writes need VM_WRITE; a read that found a present PTE was
 * refused by the PTE itself (PROT_NONE or an exec of an NX page); other reads need any access.
 * @kernel arch/x86/mm/fault.c access_error
 */
export function access_error(error_code: number, vma: vm_area_struct): boolean {
  if ((error_code & X86_PF_WRITE) !== 0) return (vma.vm_flags & VM_WRITE) === 0;
  if ((error_code & X86_PF_PROT) !== 0) return true;
  return !vma_is_accessible(vma);
}

/**
 * How a fault entry ended, filled by do_user_addr_fault: its vm_fault_t, and the si_code of the
 * SIGSEGV it would send (0 for none). The caller passes its own (the MMU's per-access state).
 */
export interface FaultOutcome {
  ret: number;
  si_code: number;
}

/**
 * A user-mode page fault at `addr`: find the VMA (growing a VM_GROWSDOWN stack), check the
 * access, run handle_mm_fault (again, marked tried, while it asks for a retry). Returns the VMA
 * that handled it, or null; `outcome` gets the vm_fault_t, and the si_code of a SIGSEGV
 * (SEGV_MAPERR: no VMA, SEGV_ACCERR: the VMA forbids the access). Emits the
 * exceptions:page_fault_user tracepoint.
 * @kernel arch/x86/mm/fault.c do_user_addr_fault, trace_page_fault_entries
 * @kernel arch/x86/include/asm/trace/exceptions.h page_fault_user
 */
export function do_user_addr_fault(
  k: Kernel,
  t: task_struct,
  mm: mm_struct,
  addr: number,
  error_code: number,
  hint: vm_area_struct | null,
  outcome: FaultOutcome,
): vm_area_struct | null {
  if (k.trace.pageEvents && k.trace.enabled("page_fault_user")) {
    // The model has no instruction pointer: ip reads 0.
    k.trace.emit("page_fault_user", { address: addr, ip: 0, error_code: error_code }, `address=0x${addr.toString(16)} ip=0x0 error_code=0x${error_code.toString(16)}`);
  }
  return fault_retry(k, t, mm, addr, error_code, user_fault_flags(error_code), hint, outcome);
}

/**
 * A fault the kernel cannot serve: SIGSEGV with this si_code (SEGV_MAPERR from
 * bad_area_nosemaphore, SEGV_ACCERR from bad_area_access_error; never SEGV_PKUERR: the model's CPU has no PKU).
 * @kernel arch/x86/mm/fault.c __bad_area, bad_area_nosemaphore, bad_area_access_error
 */
function __bad_area(outcome: FaultOutcome, si_code: number): null {
  outcome.ret = VM_FAULT_SIGSEGV;
  outcome.si_code = si_code;
  return null;
}

/**
 * do_user_addr_fault from its `retry:` label: the VMA found (`hint` when it covers addr, as the
 * MMU's last VMA spares a lookup), a stack grown down to addr, the access checked, and
 * handle_mm_fault run. The first attempt and a woken userfault's retry both come here.
 * @kernel arch/x86/mm/fault.c do_user_addr_fault (retry:)
 */
function fault_retry(k: Kernel, t: task_struct, mm: mm_struct, addr: number, error_code: number, flags: number, hint: vm_area_struct | null, outcome: FaultOutcome): vm_area_struct | null {
  let vma = hint !== null && hint.vm_start <= addr && addr < hint.vm_end ? hint : find_vma(mm, addr);
  outcome.ret = 0;
  outcome.si_code = 0;
  if (vma === null) return __bad_area(outcome, SEGV_MAPERR);
  if (vma.vm_start > addr) {
    if ((vma.vm_flags & VM_GROWSDOWN) === 0) return __bad_area(outcome, SEGV_MAPERR);
    vma = expand_stack(k, t, mm, addr);
    if (vma === null) return __bad_area(outcome, SEGV_MAPERR);
  }
  if (access_error(error_code, vma)) return __bad_area(outcome, SEGV_ACCERR);
  return fault_vma(k, t, vma, addr, flags, outcome);
}

/**
 * handle_mm_fault on a checked VMA, again (marked tried) while it asks for a retry — unless the
 * task now sleeps in handle_userfault (t.uffd_wait): then VM_FAULT_RETRY is left in
 * outcome.ret for the MMU to stop the access (see fs/userfaultfd.ts).
 */
function fault_vma(k: Kernel, t: task_struct, vma: vm_area_struct, addr: number, flags: number, outcome: FaultOutcome): vm_area_struct {
  let ret = handle_mm_fault(k, t, vma, addr, flags);
  // The fault dropped the lock to wait for I/O (do_swap_page): take it again, marked tried.
  while ((ret & VM_FAULT_RETRY) !== 0) {
    if (t.uffd_wait !== null) break;
    flags |= FAULT_FLAG_TRIED;
    ret = handle_mm_fault(k, t, vma, addr, flags);
  }
  outcome.ret = ret;
  return vma;
}

/**
 * The rest of a fault that slept in handle_userfault, once woken: do_user_addr_fault's
 * `goto retry` (fault_retry) — the VMA looked up again (the mapping may have changed meanwhile,
 * a stack may grow to it), the access checked, and handle_mm_fault run again with FAULT_FLAG_TRIED (which makes it a major fault for
 * the task). It may sleep again (UFFDIO_WAKE without a fill): outcome.ret then keeps
 * VM_FAULT_RETRY. Returns the faulting address; outcome.si_code says SEGV_MAPERR / SEGV_ACCERR
 * when the mapping went away or changed meanwhile.
 * @kernel arch/x86/mm/fault.c do_user_addr_fault (retry:)
 */
export function userfault_retry(k: Kernel, t: task_struct, mm: mm_struct, outcome: FaultOutcome): number {
  const uwq = t.uffd_wait;
  if (uwq === null || !uwq.waken) throw new KernelBug("userfault_retry without a woken userfault", { pid: t.pid });
  const addr = uwq.real_address;
  const flags = uwq.fault_flags | FAULT_FLAG_TRIED;
  // The error code of the access, as the first attempt had it: a write-protect fault found the PTE present.
  let error_code = X86_PF_USER;
  if ((flags & FAULT_FLAG_WRITE) !== 0) error_code |= X86_PF_WRITE;
  if ((flags & FAULT_FLAG_INSTRUCTION) !== 0) error_code |= X86_PF_INSTR;
  if ((uwq.msg.flags & UFFD_PAGEFAULT_FLAG_WP) !== 0) error_code |= X86_PF_PROT;
  userfaultfd_finish_wait(t);
  fault_retry(k, t, mm, addr, error_code, flags, null, outcome);
  return addr;
}

/**
 * do_user_addr_fault + handle_mm_fault for the MMU loops' common case, where the caller already
 * knows what the general entry would find: the last fault's VMA contains `addr` (so find_vma and
 * stack growth have nothing to do), nobody listens to page_fault_user (trace.pageEvents is false), access_error passed, and the PTE table
 * exists (entry index `i`), so __handle_mm_fault's table walk would return it unchanged. What
 * remains is exactly the general path's: handle_mm_fault_in_table (PGFAULT, handle_pte_fault,
 * mm_account_fault), retried as do_user_addr_fault retries. Returns the vm_fault_t.
 */
export function fault_in_table(k: Kernel, t: task_struct, vma: vm_area_struct, addr: number, error_code: number, i: number): number {
  let flags = user_fault_flags(error_code);
  let ret = handle_mm_fault_in_table(k, t, vma, addr, flags, i);
  while ((ret & VM_FAULT_RETRY) !== 0) {
    if (t.uffd_wait !== null) break; // asleep in handle_userfault: the MMU stops the access
    flags |= FAULT_FLAG_TRIED;
    ret = handle_mm_fault_in_table(k, t, vma, addr, flags, i);
  }
  return ret;
}
