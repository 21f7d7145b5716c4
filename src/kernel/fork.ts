/**
 * The memory side of fork and of an mm's end: kernel_clone makes the child task, copy_mm/dup_mm
 * give it a copy of the parent's address space (dup_mmap: every VMA but VM_DONTCOPY ones, each
 * with its anon_vma chain and, unless VM_WIPEONFORK, its PTEs copied write-protected by
 * copy_page_range), and mmput/mmdrop tear an mm down (exit_mmap, then the PGD).
 *
 * What the child's mm starts with, as dup_mm/mm_init leave it: the layout fields (brk, mmap_base,
 * start_stack, code/data bounds) and total_vm/data_vm/exec_vm/stack_vm copied; rss counters,
 * locked_vm and pinned_vm zero; mlock not inherited (VM_LOCKED/VM_LOCKONFAULT cleared on every
 * VMA, def_flags keeps only VM_NOHUGEPAGE); hiwater_rss = the copied rss, hiwater_vm = total_vm.
 * The child task inherits comm, uid, oom_score_adj and rlimits, and starts with zero fault counts.
 *
 * The kernel objects of a task come from their caches as copy_process takes them (sl-fork: each
 * of 500 children adds a task_struct, a 16 KiB vmalloc'd stack counted in KernelStack, a cred
 * with its LSM blob (kmalloc-cg-16), a task LSM blob (kmalloc-64), files_struct, fs_struct,
 * sighand_struct, signal_struct, a pid, an mm_struct with its maple tree node, and a
 * vm_area_struct per VMA with its anon_vma_chain links and anon_vmas); kernel threads share
 * kthreadd's files and fs (CLONE_FS | CLONE_FILES). Stacks freed at exit go to the CPU's cache
 * of two (NR_CACHED_STACKS) before vfree.
 *
 * Simplified: no threads (CLONE_VM), vfork or clone flags; no uprobes, KSM, khugepaged or
 * userfaultfd hooks; a failed fork (ENOMEM from overcommit or a page-table allocation) tears the
 * partial child mm down at once; a task's objects are freed when it is reaped, without the RCU
 * grace period that delays task_struct, cred and pid in the kernel.
 * @kernel kernel/fork.c kernel_clone, copy_process, copy_mm, dup_mm, dup_mmap, mm_init, mmput,
 *   __mmput, mmdrop, __mmdrop, mm_alloc_pgd, mm_free_pgd, dup_task_struct,
 *   alloc_thread_stack_node, free_thread_stack, account_kernel_stack, copy_creds, copy_files,
 *   copy_fs, copy_sighand, copy_signal, free_task
 * @kernel kernel/cred.c prepare_creds
 * @kernel kernel/pid.c alloc_pid
 * @kernel security/security.c lsm_cred_alloc, lsm_task_alloc
 */
import { khugepaged_exit } from "../mm/khugepaged.js";
import { mm_put_huge_zero_page } from "../mm/huge_memory.js";
import { cgroup_post_fork } from "./cgroup/cgroup.js";
import { NO_TABLE, pgd_alloc, pgd_free } from "../arch/x86/pgtable.js";
import { copy_page_range } from "../mm/memory.js";
import { dup_userfaultfd } from "../fs/userfaultfd.js";
import { dup_fd } from "../fs/file_table.js";
import { lru_gen_add_mm, lru_gen_del_mm } from "../mm/lru_gen.js";
import { exit_mmap, vma_link_bulk, vm_stat_account } from "../mm/mmap.js";
import { flush_tlb_mm } from "../arch/x86/tlb.js";
import {
  allocate_mm,
  anon_vma_fork,
  free_mm,
  get_mm_rss,
  mm_struct,
  type vm_area_struct,
  vm_area_dup,
  vma_pages,
  VM_ACCOUNT,
  VM_DONTCOPY,
  VM_LOCKED,
  VM_LOCKONFAULT,
  VM_WIPEONFORK,
} from "../mm/mm_types.js";
import { security_vm_enough_memory_mm } from "../mm/util.js";
import { errnoValues } from "./errno.js";
import type { Kernel } from "./kernel.js";
import { psi_enqueue } from "./psi.js";
import { copy_process_objects, free_task_objects, SIGCHLD } from "./task_objs.js";
import { fatal_signal_pending, task_struct } from "./sched.js";

/** include/linux/errno.h: restart the syscall without SA_RESTART (kernel-internal, never seen by a task that dies). */
const ERESTARTNOINTR = 513;

/**
 * VM_INIT_DEF_MASK: the only def_flags bit a child keeps (VM_NOHUGEPAGE, 0x40000000). Written
 * out: fork.ts and mm_types.ts share an import cycle, and reading the imported VM_NOHUGEPAGE at
 * module evaluation throws under plain Node when mm_types.js is imported first.
 * @kernel include/linux/mm.h
 */
const VM_INIT_DEF_MASK = 0x40000000;

/**
 * Copies the parent's VMAs and page tables into `mm`. Returns 0 or a negative errno (ENOMEM),
 * leaving what was copied so far for the caller to tear down.
 * @kernel kernel/fork.c dup_mmap
 */
export function dup_mmap(k: Kernel, t: task_struct, mm: mm_struct, oldmm: mm_struct): number {
  mm.total_vm = oldmm.total_vm;
  mm.data_vm = oldmm.data_vm;
  mm.exec_vm = oldmm.exec_vm;
  mm.stack_vm = oldmm.stack_vm;
  // A snapshot array, not the tree's iterator: a generator costs more than the copy, per fork.
  const vmas = oldmm.mm_mt.toArray();
  for (let i = 0; i < vmas.length; i++) {
    const mpnt = vmas[i];
    if ((mpnt.vm_flags & VM_DONTCOPY) !== 0) {
      vm_stat_account(mm, mpnt.vm_flags, -vma_pages(mpnt));
      continue;
    }
    // The charge is made against oldmm, as the kernel's "/* sic */" notes; it then belongs to
    // the child's VM_ACCOUNT VMA, which exit_mmap unaccounts (also on a failed fork).
    if ((mpnt.vm_flags & VM_ACCOUNT) !== 0 && security_vm_enough_memory_mm(k, t, oldmm, vma_pages(mpnt)) !== 0) {
      return -errnoValues.ENOMEM;
    }
    const tmp: vm_area_struct = vm_area_dup(k, mpnt, mm);
    if (!tmp.obj && k.slab.cachep.vm_area_cachep) return -errnoValues.ENOMEM;
    // dup_userfaultfd: the child's copy of a registered VMA is disarmed (no UFFD_FEATURE_EVENT_FORK).
    if (tmp.vm_userfaultfd_ctx !== null) dup_userfaultfd(tmp);
    tmp.anon_vma = null;
    if ((tmp.vm_flags & VM_WIPEONFORK) === 0) anon_vma_fork(k.anon_vmas, tmp, mpnt);
    tmp.vm_flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
    vma_link_bulk(mm, tmp);
    if ((tmp.vm_flags & VM_WIPEONFORK) === 0) {
      const ret = copy_page_range(k, tmp, mpnt);
      if (ret !== 0) return ret;
    }
  }
  return 0;
}

/**
 * A copy of the parent's mm for the child, or a negative errno.
 * @kernel kernel/fork.c dup_mm, mm_init
 */
export function dup_mm(k: Kernel, t: task_struct, oldmm: mm_struct): mm_struct | number {
  const mm = new mm_struct();
  if (!allocate_mm(k, mm)) return -errnoValues.ENOMEM;
  // memcpy(mm, oldmm): the layout.
  mm.mmap_base = oldmm.mmap_base;
  mm.task_size = oldmm.task_size;
  mm.start_code = oldmm.start_code;
  mm.end_code = oldmm.end_code;
  mm.start_data = oldmm.start_data;
  mm.end_data = oldmm.end_data;
  mm.start_brk = oldmm.start_brk;
  mm.brk = oldmm.brk;
  mm.start_stack = oldmm.start_stack;
  mm.arg_start = oldmm.arg_start;
  mm.arg_end = oldmm.arg_end;
  mm.env_start = oldmm.env_start;
  mm.env_end = oldmm.env_end;
  mm.mmap_legacy_base = oldmm.mmap_legacy_base;
  mm.topdown = oldmm.topdown;
  // mm_init: flags masked, def_flags masked, counters zero, a fresh PGD.
  mm.def_flags = oldmm.def_flags & VM_INIT_DEF_MASK;
  // dup_mm's memcpy copies mm->context; arch_dup_pkeys adds nothing without OSPKE.
  mm.pkey_allocation_map = oldmm.pkey_allocation_map;
  mm.execute_only_pkey = oldmm.execute_only_pkey;
  if (!pgd_alloc(k, mm)) {
    free_mm(k, mm);
    return -errnoValues.ENOMEM;
  }
  const err = dup_mmap(k, t, mm, oldmm);
  // dup_mmap's end: the parent's PTEs lost write permission (copy-on-write), so flush every
  // CPU that may cache them, success or not.
  flush_tlb_mm(k, oldmm);
  if (err !== 0) {
    mmput(k, mm);
    return err;
  }
  mm.hiwater_rss = get_mm_rss(mm);
  mm.hiwater_vm = mm.total_vm;
  return mm;
}

/**
 * The child's mm: a copy of the parent's (fork without CLONE_VM).
 * @kernel kernel/fork.c copy_mm
 */
export function copy_mm(k: Kernel, parent: task_struct, child: task_struct): number {
  const oldmm = parent.mm;
  child.mm = null;
  if (oldmm === null) return 0; // a kernel thread
  const mm = dup_mm(k, parent, oldmm);
  if (typeof mm === "number") return mm;
  child.mm = mm;
  mm.owner = child.pid;
  return 0;
}

/**
 * fork(): a new task with a copy of the parent's address space. Returns the child, or a negative
 * errno (EAGAIN with no pid free, ENOMEM when the copy fails).
 * @kernel kernel/fork.c kernel_clone, copy_process
 */
export function kernel_clone(k: Kernel, parent: task_struct): task_struct | number {
  const pid = k.tasks.alloc_pid();
  if (pid < 0) return -errnoValues.EAGAIN;
  const child = new task_struct(pid, parent.comm, parent.uid, parent.pid, null, k.now_ns);
  if (copy_process_objects(k, child, SIGCHLD) !== 0) return -errnoValues.ENOMEM;
  child.personality = parent.personality;
  child.flags = parent.flags;
  child.signal.oom_score_adj = parent.signal.oom_score_adj;
  child.signal.oom_score_adj_min = parent.signal.oom_score_adj_min;
  const cur = child.signal.rlim_cur;
  const max = child.signal.rlim_max;
  for (let i = 0; i < cur.length; i++) {
    cur[i] = parent.signal.rlim_cur[i];
    max[i] = parent.signal.rlim_max[i];
  }
  // The child's page tables and copies are charged to the parent's memcg (it is current).
  const err = copy_mm(k, parent, child);
  if (err !== 0) {
    free_task_objects(k, child);
    return err;
  }
  // "A fatal signal pending means that current will exit, so the new thread can't slip out of
  // an OOM kill": the OOM killer chose the parent while copy_mm allocated page tables.
  if (fatal_signal_pending(parent)) {
    if (child.mm !== null) mmput(k, child.mm);
    child.mm = null;
    free_task_objects(k, child);
    return -ERESTARTNOINTR;
  }
  // copy_files: the child shares the parent's open files (one more reference each).
  child.files = dup_fd(parent.files);
  k.tasks.byPid.set(pid, child);
  parent.children.add(pid);
  cgroup_post_fork(k, parent, child);
  // kernel_clone, after copy_process: the child's own mm joins the multi-gen LRU's mm list of
  // the memcg the child is now in
  if (child.mm !== null) lru_gen_add_mm(k, child.mm);
  // wake_up_new_task: the child is runnable
  psi_enqueue(k, child, false);
  return child;
}

/**
 * Drops a user of the mm; the last tears the address space down (exit_mmap) and frees the PGD
 * (mmdrop → __mmdrop → mm_free_pgd, with mm_count following mm_users in the model).
 * @kernel kernel/fork.c mmput, __mmput, mmdrop, __mmdrop
 */
export function mmput(k: Kernel, mm: mm_struct): void {
  if (--mm.mm_users > 0) return;
  // __mmput: khugepaged lets go of the mm before exit_mmap, which then drops its hold on the
  // huge zero page.
  khugepaged_exit(k, mm);
  exit_mmap(k, mm);
  mm_put_huge_zero_page(k, mm);
  lru_gen_del_mm(k, mm);
  mm.mm_count--;
  if (mm.pgd !== NO_TABLE) pgd_free(k, mm);
  free_mm(k, mm);
}

// The task's kernel objects live in task_objs.ts (kthread.ts needs them without mmap.ts).
export { CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_THREAD, CLONE_VM, copy_process_objects, free_task_objects, NR_CACHED_STACKS, SIGCHLD, task_objs, THREAD_ALIGN, THREAD_SIZE } from "./task_objs.js";
