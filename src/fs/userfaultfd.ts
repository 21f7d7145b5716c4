/**
 * userfaultfd: a file descriptor through which a process handles page faults on its own memory.
 * userfaultfd(2) makes the context (the flags, the features UFFDIO_API enables, the mm it
 * serves, two wait queues of faults) behind an `anon_inode:[userfaultfd]` file; UFFDIO_REGISTER
 * arms ranges of VMAs (VM_UFFD_MISSING / VM_UFFD_WP / VM_UFFD_MINOR, splitting and merging VMAs
 * as mprotect would); a fault on an armed VMA that the kernel would otherwise resolve itself goes
 * to handle_userfault, which queues a UFFD_EVENT_PAGEFAULT message and puts the faulting task to
 * sleep; read(2) hands the messages out (moving them from fault_pending_wqh to fault_wqh);
 * UFFDIO_COPY / ZEROPAGE / CONTINUE fill the range (mm/userfaultfd.ts) and wake the sleepers
 * whose address it covers, and UFFDIO_WAKE wakes without filling. The woken fault is retried
 * (VM_FAULT_RETRY, then FAULT_FLAG_TRIED): it finds the page and completes, a major fault for
 * the task. close() (userfaultfd_release) disarms every VMA and wakes everyone.
 *
 * How a sleeping fault is modelled: the model runs a task's memory accesses to completion inside
 * one call, so a fault cannot sleep in the middle of one. handle_userfault instead records the
 * wait on the task (task_struct.uffd_wait) and returns VM_FAULT_RETRY; the fault entry
 * (arch/x86/fault.ts) sees the task is waiting and stops the access there, reported as
 * `blocked` (arch/x86/mmu.ts). The caller — the scenario runner's scheduler — does not run the
 * task again until a wake has marked the wait `waken`; its next access first completes the
 * interrupted fault (the retry: userfault_retry in fault.ts), then goes on.
 *
 * Privilege: the model's root is uid 0 (kernel/sched.ts capable: every capability); a task of
 * another uid lacks CAP_SYS_PTRACE, so userfaultfd(2) without UFFD_USER_MODE_ONLY needs
 * vm.unprivileged_userfaultfd = 1 (6.1's default 0: EPERM), and UFFD_FEATURE_EVENT_FORK is EPERM.
 *
 * Simplified: one thread per process (the handler of a scenario is a second runnable of the same
 * task, src/workload/uffd_steps.ts); a blocking read(2) with no message cannot sleep in the model
 * and returns nothing (the caller polls again after the next fault); faults from GUP (populate,
 * mlock) pass no FAULT_FLAG_ALLOW_RETRY in the model, so handle_userfault answers them
 * VM_FAULT_SIGBUS as the kernel answers a caller that cannot retry; no non-cooperative events
 * (UFFD_FEATURE_EVENT_FORK/REMAP/REMOVE/UNMAP are accepted by UFFDIO_API but no event message is
 * ever queued: a fork drops the child's registration as without EVENT_FORK, a moving mremap
 * the new VMA's as without EVENT_REMAP (mremap_userfaultfd_prep), munmap just drops it); no
 * poll(2), no /dev/userfaultfd; UFFD_FEATURE_THREAD_ID's
 * ptid is the pid (one thread); the anon inode is made at the first userfaultfd(2) (the
 * kernel's at boot by anon_inode_init), so machines that never use one keep their boot counts.
 * @kernel fs/userfaultfd.c userfaultfd_ctx, handle_userfault, userfault_msg,
 *   userfaultfd_must_wait, userfaultfd_wake_function, __wake_userfault, wake_userfault,
 *   userfaultfd_ctx_read, userfaultfd_read, validate_range, userfaultfd_register,
 *   userfaultfd_unregister, userfaultfd_wake, userfaultfd_copy, userfaultfd_zeropage,
 *   userfaultfd_writeprotect, userfaultfd_continue, userfaultfd_api, userfaultfd_ioctl,
 *   userfaultfd_show_fdinfo, userfaultfd_release, dup_userfaultfd, new_userfaultfd,
 *   userfaultfd_syscall_allowed, sys_userfaultfd
 * @kernel fs/anon_inodes.c anon_inode_getfd
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { capable, get_current, PF_EXITING, type task_struct } from "../kernel/sched.js";
import { FAULT_FLAG_ALLOW_RETRY, FAULT_FLAG_USER, FAULT_FLAG_WRITE, VM_FAULT_NOPAGE, VM_FAULT_RETRY, VM_FAULT_SIGBUS } from "../mm/memory.js";
import { find_vma, split_vma, vma_merge, vma_prev, vma_set_page_prot } from "../mm/mmap.js";
import { type mm_struct, type vm_area_struct, VM_HUGETLB, VM_MAYWRITE, VM_SHARED, VM_UFFD_MINOR_HI, VM_UFFD_MISSING, VM_UFFD_WP } from "../mm/mm_types.js";
import {
  __mcopy_atomic,
  __VM_UFFD_FLAGS_LO,
  _UFFDIO_CONTINUE,
  _UFFDIO_WRITEPROTECT,
  MCOPY_ATOMIC_CONTINUE,
  MCOPY_ATOMIC_NORMAL,
  MCOPY_ATOMIC_ZEROPAGE,
  mwriteprotect_range,
  UFFD_ALL_IOCTLS_HEX,
  UFFD_API,
  UFFD_API_FEATURES,
  UFFD_API_IOCTLS,
  UFFD_API_RANGE_IOCTLS,
  UFFD_API_RANGE_IOCTLS_BASIC,
  UFFD_API_REGISTER_MODES,
  UFFD_EVENT_PAGEFAULT,
  UFFD_FEATURE_EVENT_FORK,
  UFFD_FEATURE_EXACT_ADDRESS,
  UFFD_FEATURE_SIGBUS,
  UFFD_FEATURE_THREAD_ID,
  UFFD_PAGEFAULT_FLAG_MINOR,
  UFFD_PAGEFAULT_FLAG_WP,
  UFFD_PAGEFAULT_FLAG_WRITE,
  UFFD_USER_MODE_ONLY,
  UFFDIO_COPY_MODE_DONTWAKE,
  UFFDIO_COPY_MODE_WP,
  UFFDIO_CONTINUE_MODE_DONTWAKE,
  UFFDIO_REGISTER_MODE_MINOR,
  UFFDIO_REGISTER_MODE_MISSING,
  UFFDIO_REGISTER_MODE_WP,
  UFFDIO_WRITEPROTECT_MODE_DONTWAKE,
  UFFDIO_WRITEPROTECT_MODE_WP,
  UFFDIO_ZEROPAGE_MODE_DONTWAKE,
  uffd_wp_range,
  userfaultfd_missing,
  userfaultfd_wp,
  vma_can_userfault,
} from "../mm/userfaultfd.js";
import { alloc_file, fd_install, fget, fput } from "./file_table.js";
import { type file, type file_operations, FMODE_READ, inode, new_mapping_id, O_NONBLOCK, O_RDONLY, super_block, type super_operations } from "./fs.js";
import { empty_aops, empty_iops, get_next_ino } from "./inode.js";

const { EINVAL, EPERM, EBUSY, ENOMEM, EAGAIN, ESRCH } = errnoValues;

/** UFFD_CLOEXEC and UFFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK (UFFD_SHARED_FCNTL_FLAGS), 0o2004000. */
export const UFFD_SHARED_FCNTL_FLAGS = 0o2000000 | 0o4000;
/** Internal: UFFDIO_API has been done (the top bit of ctx->features). */
export const UFFD_FEATURE_INITIALIZED = 1 << 31;
/** The largest address a user mapping may have (TASK_SIZE_MAX with 4-level paging): validate_range's task_size. */
const TASK_SIZE = 2 ** 47 - 4096;

/** A page-fault message as read(2) returns it (struct uffd_msg, the pagefault member). */
export class uffd_msg {
  constructor(
    /** UFFD_EVENT_PAGEFAULT. */
    readonly event: number,
    /** UFFD_PAGEFAULT_FLAG_WRITE / _WP / _MINOR. */
    readonly flags: number,
    /** The faulting address, page aligned (exact with UFFD_FEATURE_EXACT_ADDRESS). */
    readonly address: number,
    /** The faulting thread (UFFD_FEATURE_THREAD_ID), else 0. */
    readonly ptid: number,
  ) {}
}

/**
 * One sleeping fault: its message, the task, and whether a wake has come. It sits on
 * fault_pending_wqh until read, then on fault_wqh until woken.
 * @kernel fs/userfaultfd.c struct userfaultfd_wait_queue
 */
export class userfaultfd_wait_queue {
  /** Set by the wake (userfaultfd_wake_function): the task may retry its fault. */
  waken = false;
  constructor(
    readonly msg: uffd_msg,
    readonly task: task_struct,
    readonly ctx: userfaultfd_ctx,
    /** The fault's address (unaligned: the retry takes the fault again there). */
    readonly real_address: number,
    /** The fault's flags, for the retry. */
    readonly fault_flags: number,
  ) {}
}

/**
 * One userfaultfd: the faults not yet read and those read but not yet woken (oldest first), the
 * syscall flags, the features (with UFFD_FEATURE_INITIALIZED once UFFDIO_API is done), and the
 * mm it serves.
 * @kernel fs/userfaultfd.c struct userfaultfd_ctx
 */
export class userfaultfd_ctx {
  readonly fault_pending_wqh: userfaultfd_wait_queue[] = [];
  readonly fault_wqh: userfaultfd_wait_queue[] = [];
  /** References: the file, and each sleeping fault. */
  refcount = 1;
  features = 0;
  released = false;
  /** Non-cooperative events in flight (never, in the model: see the header). */
  mmap_changing = 0;
  constructor(
    /** userfaultfd(2)'s flags: O_CLOEXEC, O_NONBLOCK, UFFD_USER_MODE_ONLY. */
    readonly flags: number,
    readonly mm: mm_struct,
  ) {}
}

/** The context behind an open userfaultfd file, or null for any other file. */
export function userfaultfd_file_ctx(f: file): userfaultfd_ctx | null {
  return f.private_data instanceof userfaultfd_ctx ? f.private_data : null;
}

/** UFFDIO_API has been done on it. @kernel fs/userfaultfd.c userfaultfd_is_initialized */
function userfaultfd_is_initialized(ctx: userfaultfd_ctx): boolean {
  return (ctx.features & UFFD_FEATURE_INITIALIZED) !== 0;
}

// ---------------------------------------------------------------------------------------------
// Fault delivery
// ---------------------------------------------------------------------------------------------

/**
 * The message of a fault at `address` for `reason`.
 * @kernel fs/userfaultfd.c userfault_msg
 */
function userfault_msg(address: number, real_address: number, flags: number, reason: UffdReason, features: number, pid: number): uffd_msg {
  let mflags = 0;
  if ((flags & FAULT_FLAG_WRITE) !== 0) mflags |= UFFD_PAGEFAULT_FLAG_WRITE;
  if (reason === "wp") mflags |= UFFD_PAGEFAULT_FLAG_WP;
  if (reason === "minor") mflags |= UFFD_PAGEFAULT_FLAG_MINOR;
  return new uffd_msg(UFFD_EVENT_PAGEFAULT, mflags, (features & UFFD_FEATURE_EXACT_ADDRESS) !== 0 ? real_address : address, (features & UFFD_FEATURE_THREAD_ID) !== 0 ? pid : 0);
}

/** handle_userfault's `reason`: VM_UFFD_MISSING, VM_UFFD_WP or VM_UFFD_MINOR. */
export type UffdReason = "missing" | "wp" | "minor";

/**
 * A fault the kernel would resolve itself, on a VMA armed for `reason`: deliver it. The message
 * is queued on fault_pending_wqh and the faulting task (current) waits (task.uffd_wait) until a
 * fill or UFFDIO_WAKE covering `address` wakes it; returns VM_FAULT_RETRY, the retry being the
 * caller's (see the header). Answers without waiting: VM_FAULT_SIGBUS for an exiting task, a VMA
 * without a context, UFFD_FEATURE_SIGBUS, a kernel fault on a UFFD_USER_MODE_ONLY uffd, or a
 * fault that may not retry (GUP in the model); VM_FAULT_NOPAGE once the uffd is being released.
 * userfaultfd_must_wait always finds the PTE as the caller left it (one CPU: nothing runs
 * between the check and the wait), so every delivered fault waits.
 * @kernel fs/userfaultfd.c handle_userfault, userfaultfd_must_wait, userfaultfd_get_blocking_state
 */
export function handle_userfault(k: Kernel, vma: vm_area_struct, real_address: number, flags: number, reason: UffdReason): number {
  const t = get_current(k);
  if (t === undefined || (t.flags & PF_EXITING) !== 0) return VM_FAULT_SIGBUS;
  const ctx = vma.vm_userfaultfd_ctx;
  if (ctx === null) return VM_FAULT_SIGBUS;
  if ((ctx.features & UFFD_FEATURE_SIGBUS) !== 0) return VM_FAULT_SIGBUS;
  if ((flags & FAULT_FLAG_USER) === 0 && (ctx.flags & UFFD_USER_MODE_ONLY) !== 0) return VM_FAULT_SIGBUS;
  if (ctx.released) return VM_FAULT_NOPAGE;
  if ((flags & FAULT_FLAG_ALLOW_RETRY) === 0) return VM_FAULT_SIGBUS;
  const address = Math.floor(real_address / 4096) * 4096;
  const uwq = new userfaultfd_wait_queue(userfault_msg(address, real_address, flags, reason, ctx.features, t.pid), t, ctx, real_address, flags);
  ctx.refcount++; // userfaultfd_ctx_get
  ctx.fault_pending_wqh.push(uwq);
  // set_current_state(TASK_INTERRUPTIBLE) for a user fault; schedule() is the caller's (above).
  t.uffd_wait = uwq;
  return VM_FAULT_RETRY;
}

/**
 * Wakes the faults of `ctx` whose address lies in [start, start + len) (len 0: all), read or
 * not, and takes them off the queues. Returns how many.
 * @kernel fs/userfaultfd.c wake_userfault, __wake_userfault, userfaultfd_wake_function
 */
export function wake_userfault(ctx: userfaultfd_ctx, start: number, len: number): number {
  let n = 0;
  for (const q of [ctx.fault_pending_wqh, ctx.fault_wqh]) {
    for (let j = 0; j < q.length; ) {
      const uwq = q[j];
      const a = uwq.msg.address;
      if (len !== 0 && (start > a || start + len <= a)) {
        j++;
        continue;
      }
      q.splice(j, 1);
      uwq.waken = true;
      n++;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The file: userfaultfd(2), read(2), close, fdinfo
// ---------------------------------------------------------------------------------------------

/** The file operations of a userfaultfd: release, and show_fdinfo for /proc/PID/fdinfo. */
export const userfaultfd_fops: file_operations = Object.freeze({
  name: "userfaultfd_fops",
  release: (k: Kernel, f: file): void => userfaultfd_release(k, f),
});

/** anon_inodefs's super_operations: nothing of its own. */
export const anon_inodefs_ops: super_operations = Object.freeze({ name: "anon_inodefs_ops" });

/**
 * The one inode every anon_inode file shares (anon_inode_inode on anon_inodefs), made on first
 * use (see the header).
 * @kernel fs/anon_inodes.c anon_inode_init, anon_inode_inode
 * @kernel fs/libfs.c alloc_anon_inode
 */
function anon_inode_inode(k: Kernel): inode {
  const v = k.vfs;
  if (v.anon_inode === null) {
    const sb = new super_block("anon_inodefs", 0, 0, anon_inodefs_ops, "anon_inodefs");
    // S_IRUSR | S_IWUSR, no type bits (alloc_anon_inode); the reference the kernel keeps forever.
    v.anon_inode = new inode(sb, get_next_ino(k), 0o600, new_mapping_id(k), empty_aops, empty_iops, userfaultfd_fops, 0);
  }
  return v.anon_inode;
}

/**
 * userfaultfd(2): a descriptor of a new context for the caller's mm. EINVAL for unknown flags,
 * EPERM without privilege (userfaultfd_syscall_allowed), EMFILE.
 * @kernel fs/userfaultfd.c sys_userfaultfd, userfaultfd_syscall_allowed, new_userfaultfd
 * @kernel fs/anon_inodes.c anon_inode_getfd
 */
export function sys_userfaultfd(k: Kernel, t: task_struct, flags: number): number {
  // Userspace-only faults are always allowed; kernel ones need CAP_SYS_PTRACE or the sysctl.
  if ((flags & UFFD_USER_MODE_ONLY) === 0 && !capable(t) && k.vm.unprivileged_userfaultfd === 0) return -EPERM;
  if ((flags & ~(UFFD_SHARED_FCNTL_FLAGS | UFFD_USER_MODE_ONLY)) !== 0) return -EINVAL;
  const mm = t.mm;
  if (mm === null) return -EINVAL;
  const ctx = new userfaultfd_ctx(flags, mm);
  mm.mm_count++; // mmgrab
  const f = alloc_file(k, anon_inode_inode(k), "anon_inode:[userfaultfd]", null, FMODE_READ, O_RDONLY | (flags & UFFD_SHARED_FCNTL_FLAGS));
  f.f_op = userfaultfd_fops;
  f.private_data = ctx;
  const fd = fd_install(t, f);
  if (fd < 0) fput(k, f);
  return fd;
}

/** The context of descriptor `fd` of `t`: -EBADF, or -EINVAL for a file that is no userfaultfd (its f_op has no such ioctl: -ENOTTY). */
export function uffd_fdget(t: task_struct, fd: number): userfaultfd_ctx | number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  const ctx = userfaultfd_file_ctx(f);
  return ctx === null ? -errnoValues.ENOTTY : ctx;
}

/**
 * read(2) of a userfaultfd: every pending fault message, oldest first, each moved to
 * fault_wqh (read, not yet woken). EINVAL before UFFDIO_API; with none pending, EAGAIN on an
 * O_NONBLOCK descriptor, an empty list otherwise (the model cannot sleep in read: see the
 * header).
 * @kernel fs/userfaultfd.c userfaultfd_read, userfaultfd_ctx_read, find_userfault
 */
export function userfaultfd_read(t: task_struct, fd: number, max: number): uffd_msg[] | number {
  const f = fget(t, fd);
  if (f === null) return -errnoValues.EBADF;
  const ctx = userfaultfd_file_ctx(f);
  if (ctx === null) return -EINVAL;
  if (!userfaultfd_is_initialized(ctx)) return -EINVAL;
  const out: uffd_msg[] = [];
  while (out.length < max && ctx.fault_pending_wqh.length > 0) {
    // find_userfault_in: the last entry of the list, the oldest (__add_wait_queue adds at the head).
    const uwq = ctx.fault_pending_wqh.shift() as userfaultfd_wait_queue;
    ctx.fault_wqh.push(uwq);
    out.push(uwq.msg);
  }
  if (out.length === 0 && (f.f_flags & O_NONBLOCK) !== 0) return -EAGAIN;
  return out;
}

/**
 * close of the last reference: the context is released, every VMA registered with it loses its
 * VM_UFFD_* flags (merging with its neighbours where it now can), and every waiting fault is
 * woken (its retry then takes the ordinary path).
 * @kernel fs/userfaultfd.c userfaultfd_release
 */
function userfaultfd_release(k: Kernel, f: file): void {
  const ctx = userfaultfd_file_ctx(f);
  if (ctx === null) return;
  ctx.released = true;
  const mm = ctx.mm;
  // mmget_not_zero: an mm whose last user has gone has no VMAs left to disarm.
  if (mm.mm_users > 0) {
    let prev: vm_area_struct | null = null;
    for (let vma = find_vma(mm, 0); vma !== null; ) {
      if (vma.vm_userfaultfd_ctx !== ctx) {
        prev = vma;
        vma = find_vma(mm, vma.vm_end);
        continue;
      }
      const new_flags = vma.vm_flags & ~__VM_UFFD_FLAGS_LO;
      const merged = vma_merge(k, mm, prev, vma.vm_start, vma.vm_end, new_flags, vma.anon_vma, vma.vm_file, vma.vm_pgoff, { ctx: null, flags_hi: vma.vm_flags_hi & ~VM_UFFD_MINOR_HI });
      const v = merged ?? vma;
      v.vm_flags = new_flags | 0;
      v.vm_flags_hi &= ~VM_UFFD_MINOR_HI;
      v.vm_userfaultfd_ctx = null;
      prev = v;
      vma = find_vma(mm, v.vm_end);
    }
  }
  wake_userfault(ctx, 0, 0);
  mm.mm_count--; // the mmgrab of new_userfaultfd (mmdrop)
  ctx.refcount--; // userfaultfd_ctx_put (the model keeps no object to free)
}

/**
 * The userfaultfd lines of /proc/PID/fdinfo/FD: faults not yet read, all waiting faults, and
 * the API version, enabled features (with the internal initialized bit) and ioctls.
 * @kernel fs/userfaultfd.c userfaultfd_show_fdinfo
 */
export function userfaultfd_show_fdinfo(ctx: userfaultfd_ctx): string {
  const pending = ctx.fault_pending_wqh.length;
  const total = pending + ctx.fault_wqh.length;
  return `pending:\t${pending}\ntotal:\t${total}\nAPI:\t${UFFD_API.toString(16)}:${(ctx.features >>> 0).toString(16)}:${UFFD_ALL_IOCTLS_HEX}\n`;
}

// ---------------------------------------------------------------------------------------------
// Fork
// ---------------------------------------------------------------------------------------------

/**
 * fork's copy of a registered VMA: without UFFD_FEATURE_EVENT_FORK (always, in the model: see
 * the header) the child's VMA is disarmed — no context, no VM_UFFD_* flags — so its faults are
 * ordinary ones. copy_present_pte then clears the uffd-wp bit of the child's PTEs.
 * @kernel fs/userfaultfd.c dup_userfaultfd
 */
export function dup_userfaultfd(vma: vm_area_struct): void {
  vma.vm_userfaultfd_ctx = null;
  vma.vm_flags &= ~__VM_UFFD_FLAGS_LO;
  vma.vm_flags_hi &= ~VM_UFFD_MINOR_HI;
}

// ---------------------------------------------------------------------------------------------
// The ioctls
// ---------------------------------------------------------------------------------------------

/** A range's checks: page aligned, not empty, inside the user address space. @kernel fs/userfaultfd.c validate_range */
function validate_range(start: number, len: number): number {
  if (start % 4096 !== 0) return -EINVAL;
  if (len % 4096 !== 0) return -EINVAL;
  if (len === 0) return -EINVAL;
  if (start >= TASK_SIZE) return -EINVAL;
  if (len > TASK_SIZE - start) return -EINVAL;
  return 0;
}

/** What UFFDIO_API answers: the features available and the ioctls (as ioctl numbers). */
export interface uffdio_api {
  features: number;
  ioctls: number[];
}

/**
 * UFFDIO_API: checks the API version (EINVAL) and requested features (EINVAL for unknown ones,
 * EPERM for EVENT_FORK without CAP_SYS_PTRACE), then enables them — once (EINVAL after).
 * @kernel fs/userfaultfd.c userfaultfd_api, uffd_ctx_features
 */
export function userfaultfd_api(t: task_struct, ctx: userfaultfd_ctx, api: number, features: number, out: uffdio_api): number {
  out.features = 0;
  out.ioctls = [];
  if (api !== UFFD_API) return -EINVAL;
  if ((features & UFFD_FEATURE_EVENT_FORK) !== 0 && !capable(t)) return -EPERM;
  if ((features & ~UFFD_API_FEATURES) !== 0) return -EINVAL;
  if (ctx.features !== 0) return -EINVAL;
  ctx.features = (features | UFFD_FEATURE_INITIALIZED) | 0;
  out.features = UFFD_API_FEATURES;
  out.ioctls = [...UFFD_API_IOCTLS];
  return 0;
}

/** The low vm_flags bits and the MINOR flag a registration mode asks for. */
function mode_vm_flags(mode: number): { lo: number; minor: boolean } {
  let lo = 0;
  if ((mode & UFFDIO_REGISTER_MODE_MISSING) !== 0) lo |= VM_UFFD_MISSING;
  if ((mode & UFFDIO_REGISTER_MODE_WP) !== 0) lo |= VM_UFFD_WP;
  return { lo, minor: (mode & UFFDIO_REGISTER_MODE_MINOR) !== 0 };
}

/**
 * UFFDIO_REGISTER of [start, start + len) in `mode`: every VMA meeting the range must be one
 * vma_can_userfault accepts (EINVAL), may be written (VM_MAYWRITE, else EPERM) and belong to no
 * other uffd (EBUSY); there must be one (EINVAL, or ENOMEM when none follows start). Then each
 * part of the range gets the flags and the context, merged into a neighbour when vma_merge can,
 * else split out of its VMA. `ioctls_out` gets the range's ioctls.
 * @kernel fs/userfaultfd.c userfaultfd_register
 */
export function userfaultfd_register(k: Kernel, ctx: userfaultfd_ctx, start: number, len: number, mode: number, ioctls_out: number[]): number {
  ioctls_out.length = 0;
  if (mode === 0 || (mode & ~UFFD_API_REGISTER_MODES) !== 0) return -EINVAL;
  const want = mode_vm_flags(mode);
  let ret = validate_range(start, len);
  if (ret !== 0) return ret;
  const end = start + len;
  const mm = ctx.mm;
  if (mm.mm_users === 0) return -ENOMEM; // mmget_not_zero
  let vma = find_vma(mm, start);
  if (vma === null) return -ENOMEM;
  if (vma.vm_start >= end) return -EINVAL;
  // A hugetlb first VMA: start must be huge-page aligned (2 MiB, the model's one hstate size).
  if ((vma.vm_flags & VM_HUGETLB) !== 0 && start % (2 << 20) !== 0) return -EINVAL;
  let basic_ioctls = false;
  for (let cur: vm_area_struct | null = vma; cur !== null && cur.vm_start < end; cur = find_vma(mm, cur.vm_end)) {
    if (!vma_can_userfault(cur, want.lo, want.minor)) return -EINVAL;
    if ((cur.vm_flags & VM_MAYWRITE) === 0) return -EPERM;
    if ((cur.vm_flags & VM_HUGETLB) !== 0 && end <= cur.vm_end && end > cur.vm_start && end % (2 << 20) !== 0) return -EINVAL;
    if (cur.vm_userfaultfd_ctx !== null && cur.vm_userfaultfd_ctx !== ctx) return -EBUSY;
    if ((cur.vm_flags & VM_HUGETLB) !== 0) basic_ioctls = true;
  }
  let prev = vma_prev(mm, vma);
  if (vma.vm_start < start) prev = vma;
  ret = 0;
  let s = start;
  while (vma !== null && vma.vm_start < end) {
    const minorNow = (vma.vm_flags_hi & VM_UFFD_MINOR_HI) !== 0;
    if (vma.vm_userfaultfd_ctx === ctx && (vma.vm_flags & want.lo) === want.lo && (!want.minor || minorNow)) {
      prev = vma;
      s = vma.vm_end;
      vma = find_vma(mm, s);
      continue;
    }
    if (vma.vm_start > s) s = vma.vm_start;
    const vma_end = Math.min(end, vma.vm_end);
    const new_flags = (vma.vm_flags & ~__VM_UFFD_FLAGS_LO) | want.lo;
    const new_hi = (vma.vm_flags_hi & ~VM_UFFD_MINOR_HI) | (want.minor ? VM_UFFD_MINOR_HI : 0);
    const pgoff = vma.vm_pgoff + (s - vma.vm_start) / 4096;
    const merged = vma_merge(k, mm, prev, s, vma_end, new_flags, vma.anon_vma, vma.vm_file, pgoff, { ctx, flags_hi: new_hi });
    if (merged !== null) {
      vma = merged;
    } else {
      if (vma.vm_start < s) {
        const r = split_vma(k, mm, vma, s, true);
        if (typeof r === "number") {
          ret = r;
          break;
        }
      }
      if (vma.vm_end > end) {
        const r = split_vma(k, mm, vma, end, false);
        if (typeof r === "number") {
          ret = r;
          break;
        }
      }
    }
    userfaultfd_set_vm_flags(vma, new_flags, new_hi);
    vma.vm_userfaultfd_ctx = ctx;
    prev = vma;
    s = vma.vm_end;
    vma = find_vma(mm, s);
  }
  if (ret === 0) {
    const ioctls = basic_ioctls ? UFFD_API_RANGE_IOCTLS_BASIC : UFFD_API_RANGE_IOCTLS;
    for (const n of ioctls) {
      if (n === _UFFDIO_WRITEPROTECT && (mode & UFFDIO_REGISTER_MODE_WP) === 0) continue;
      if (n === _UFFDIO_CONTINUE && (mode & UFFDIO_REGISTER_MODE_MINOR) === 0) continue;
      ioctls_out.push(n);
    }
  }
  return ret;
}

/**
 * Sets a VMA's flags (low word and high word). For shared mappings, we want to enable writenotify
 * while userfaultfd-wp is enabled (see vma_wants_writenotify): vm_page_prot is recomputed
 * whenever userfaultfd-wp changes. (WP registration is anonymous-only in the model, so a shared
 * VMA's WP bit never changes today; the branch keeps 6.1's rule for when it does.)
 * @kernel fs/userfaultfd.c userfaultfd_set_vm_flags
 */
function userfaultfd_set_vm_flags(vma: vm_area_struct, flags: number, flags_hi: number): void {
  const uffd_wp_changed = ((vma.vm_flags ^ flags) & VM_UFFD_WP) !== 0;
  vma.vm_flags = flags | 0;
  vma.vm_flags_hi = flags_hi;
  if ((vma.vm_flags & VM_SHARED) !== 0 && uffd_wp_changed) vma_set_page_prot(vma);
}

/**
 * UFFDIO_UNREGISTER of [start, start + len): every VMA meeting it must be one vma_can_userfault
 * accepts in its own modes (EINVAL); each registered part loses its flags and context (merged
 * or split as in REGISTER), its waiting missing faults are woken and its write protection is
 * lifted.
 * @kernel fs/userfaultfd.c userfaultfd_unregister
 */
export function userfaultfd_unregister(k: Kernel, ctx: userfaultfd_ctx, start: number, len: number): number {
  let ret = validate_range(start, len);
  if (ret !== 0) return ret;
  const end = start + len;
  const mm = ctx.mm;
  if (mm.mm_users === 0) return -ENOMEM;
  let vma = find_vma(mm, start);
  if (vma === null) return -ENOMEM;
  if (vma.vm_start >= end) return -EINVAL;
  if ((vma.vm_flags & VM_HUGETLB) !== 0 && start % (2 << 20) !== 0) return -EINVAL;
  for (let cur: vm_area_struct | null = vma; cur !== null && cur.vm_start < end; cur = find_vma(mm, cur.vm_end)) {
    if (!vma_can_userfault(cur, cur.vm_flags, (cur.vm_flags_hi & VM_UFFD_MINOR_HI) !== 0)) return -EINVAL;
  }
  let prev = vma_prev(mm, vma);
  if (vma.vm_start < start) prev = vma;
  ret = 0;
  let s = start;
  while (vma !== null && vma.vm_start < end) {
    if (vma.vm_userfaultfd_ctx === null) {
      prev = vma;
      s = vma.vm_end;
      vma = find_vma(mm, s);
      continue;
    }
    if (vma.vm_start > s) s = vma.vm_start;
    const vma_end = Math.min(end, vma.vm_end);
    // Wake any fault still waiting in the range, so it does not hang once the range is plain.
    if (userfaultfd_missing(vma)) wake_userfault(vma.vm_userfaultfd_ctx, s, vma_end - s);
    if (userfaultfd_wp(vma)) uffd_wp_range(k, vma, s, vma_end - s, false);
    const new_flags = vma.vm_flags & ~__VM_UFFD_FLAGS_LO;
    const new_hi = vma.vm_flags_hi & ~VM_UFFD_MINOR_HI;
    const pgoff = vma.vm_pgoff + (s - vma.vm_start) / 4096;
    const merged = vma_merge(k, mm, prev, s, vma_end, new_flags, vma.anon_vma, vma.vm_file, pgoff, { ctx: null, flags_hi: new_hi });
    if (merged !== null) {
      vma = merged;
    } else {
      if (vma.vm_start < s) {
        const r = split_vma(k, mm, vma, s, true);
        if (typeof r === "number") {
          ret = r;
          break;
        }
      }
      if (vma.vm_end > end) {
        const r = split_vma(k, mm, vma, end, false);
        if (typeof r === "number") {
          ret = r;
          break;
        }
      }
    }
    userfaultfd_set_vm_flags(vma, new_flags, new_hi);
    vma.vm_userfaultfd_ctx = null;
    prev = vma;
    s = vma.vm_end;
    vma = find_vma(mm, s);
  }
  return ret;
}

/** UFFDIO_WAKE: wakes the faults waiting in the range. @kernel fs/userfaultfd.c userfaultfd_wake */
export function userfaultfd_wake(ctx: userfaultfd_ctx, start: number, len: number): number {
  const ret = validate_range(start, len);
  if (ret !== 0) return ret;
  wake_userfault(ctx, start, len);
  return 0;
}

/** A fill's result: the ioctl's return, and the bytes filled (the `copy` / `zeropage` / `mapped` field). */
export interface uffdio_fill {
  ret: number;
  bytes: number;
}

/**
 * UFFDIO_COPY, UFFDIO_ZEROPAGE and UFFDIO_CONTINUE: checks (EAGAIN while mappings change,
 * validate_range, EINVAL for a wrapping source or unknown mode bits, ESRCH once the mm has no
 * user), the fill (__mcopy_atomic), then the wake of the filled range unless DONTWAKE. A fill
 * that stopped early returns EAGAIN with the bytes done.
 * @kernel fs/userfaultfd.c userfaultfd_copy, userfaultfd_zeropage, userfaultfd_continue
 */
export function userfaultfd_fill(k: Kernel, ctx: userfaultfd_ctx, kind: "copy" | "zeropage" | "continue", dst: number, src: number, len: number, mode: number, out: uffdio_fill): number {
  out.bytes = 0;
  out.ret = 0;
  if (ctx.mmap_changing !== 0) return (out.ret = -EAGAIN);
  let ret = validate_range(dst, len);
  if (ret !== 0) return (out.ret = ret);
  const allowed = kind === "copy" ? UFFDIO_COPY_MODE_DONTWAKE | UFFDIO_COPY_MODE_WP : kind === "zeropage" ? UFFDIO_ZEROPAGE_MODE_DONTWAKE : UFFDIO_CONTINUE_MODE_DONTWAKE;
  // The source range may not wrap past 2^64.
  if (kind === "copy" && src + len >= 2 ** 64) return (out.ret = -EINVAL);
  if ((mode & ~allowed) !== 0) return (out.ret = -EINVAL);
  if (ctx.mm.mm_users === 0) return (out.ret = -ESRCH);
  ret = __mcopy_atomic(k, ctx, dst, src, len, kind === "copy" ? MCOPY_ATOMIC_NORMAL : kind === "zeropage" ? MCOPY_ATOMIC_ZEROPAGE : MCOPY_ATOMIC_CONTINUE, kind === "copy" ? mode : 0);
  if (ret < 0) {
    out.bytes = ret;
    return (out.ret = ret);
  }
  out.bytes = ret;
  // The DONTWAKE bit is bit 0 of every mode.
  if ((mode & 1) === 0) wake_userfault(ctx, dst, ret);
  return (out.ret = ret === len ? 0 : -EAGAIN);
}

/**
 * UFFDIO_WRITEPROTECT: protect (MODE_WP) or unprotect [start, start + len) of a WP-registered
 * range; unprotecting wakes the faults waiting there unless DONTWAKE. EINVAL for unknown or
 * contradictory mode bits (WP with DONTWAKE), ENOENT for a range not in one WP VMA.
 * @kernel fs/userfaultfd.c userfaultfd_writeprotect
 */
export function userfaultfd_writeprotect(k: Kernel, ctx: userfaultfd_ctx, start: number, len: number, mode: number): number {
  if (ctx.mmap_changing !== 0) return -EAGAIN;
  let ret = validate_range(start, len);
  if (ret !== 0) return ret;
  if ((mode & ~(UFFDIO_WRITEPROTECT_MODE_DONTWAKE | UFFDIO_WRITEPROTECT_MODE_WP)) !== 0) return -EINVAL;
  const mode_wp = (mode & UFFDIO_WRITEPROTECT_MODE_WP) !== 0;
  const mode_dontwake = (mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE) !== 0;
  if (mode_wp && mode_dontwake) return -EINVAL;
  if (ctx.mm.mm_users === 0) return -ESRCH;
  ret = mwriteprotect_range(k, ctx, start, len, mode_wp);
  if (ret !== 0) return ret;
  if (!mode_wp && !mode_dontwake) wake_userfault(ctx, start, len);
  return 0;
}

/** Every ioctl but UFFDIO_API needs it done first. @kernel fs/userfaultfd.c userfaultfd_ioctl */
export function userfaultfd_ioctl_check(ctx: userfaultfd_ctx): number {
  return userfaultfd_is_initialized(ctx) ? 0 : -EINVAL;
}

