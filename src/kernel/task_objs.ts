/**
 * A task's kernel objects, as copy_process takes them and free_task gives them back: the
 * task_struct and its 16 KiB vmalloc'd stack (counted in KernelStack, with the per-CPU cache of
 * two stacks, and charged to the forking task's memcg), the cred and the LSM blobs, files, fs,
 * sighand, signal and pid. Apart from kernel/fork.ts so that kernel threads (kthread.ts, which
 * the page allocator imports) can be given theirs without importing the address-space code
 * fork.ts needs.
 * @kernel kernel/fork.c dup_task_struct, alloc_thread_stack_node, free_thread_stack,
 *   account_kernel_stack, memcg_charge_kernel_stack, exit_task_stack_account, copy_process,
 *   free_task
 */
import { GFP_KERNEL, GFP_KERNEL_ACCOUNT, __GFP_ZERO } from "../mm/gfp.js";
import { kfree, kmalloc, kmem_cache_alloc, kmem_cache_free } from "../mm/slab_common.js";
import type { kmem_cache } from "../mm/slab.js";
import { __vmalloc_node_range, vfree, VMALLOC_END_MODEL, VMALLOC_START_MODEL, type vm_struct } from "../mm/vmalloc.js";
import { NR_KERNEL_STACK_KB } from "../mm/vmstat_items.js";
import { __memcg_kmem_charge_page, __memcg_kmem_uncharge_page } from "../mm/memcontrol.js";
import { mod_page_node_state } from "../mm/rmap.js";
import { KernelBug } from "./bug.js";
import { errnoValues } from "./errno.js";
import type { Kernel } from "./kernel.js";
import type { task_struct } from "./sched.js";

// ---------------------------------------------------------------------------------------------
// A task's kernel objects
// ---------------------------------------------------------------------------------------------

/** clone() flags copy_process reads (include/uapi/linux/sched.h). */
export const CLONE_VM = 0x00000100;
export const CLONE_FS = 0x00000200;
export const CLONE_FILES = 0x00000400;
export const CLONE_SIGHAND = 0x00000800;
export const CLONE_THREAD = 0x00010000;
/** The exit signal in the low byte: a plain fork. */
export const SIGCHLD = 17;
/** x86-64 without KASAN: 16 KiB kernel stacks (THREAD_SIZE_ORDER 2), aligned to their size with VMAP_STACK. */
export const THREAD_SIZE = 16384;
export const THREAD_ALIGN = THREAD_SIZE;
/** Stacks of exited tasks each CPU keeps for the next fork. @kernel kernel/fork.c NR_CACHED_STACKS */
export const NR_CACHED_STACKS = 2;
/** LSM blob sizes of Debian's LSMs (apparmor, landlock for creds; apparmor, tomoyo for tasks). */
const LBS_CRED = 16;
const LBS_TASK = 48;

/** The objects copy_process gives a task, by address (0: none, shared, or made without the slab). */
export class task_objs {
  task = 0;
  /** The kernel stack's vmalloc address. */
  stack = 0;
  cred = 0;
  cred_security = 0;
  task_security = 0;
  files = 0;
  fs = 0;
  sighand = 0;
  signal = 0;
  pid = 0;
}

/** Pages of a kernel stack (THREAD_SIZE / PAGE_SIZE). */
const STACK_PAGES = THREAD_SIZE / 4096;

/**
 * A kernel stack: one of this CPU's cached stacks, else 16 KiB of vmalloc (16 KiB aligned, so
 * each leaves a 12 KiB hole after its guard page), its pages then charged to the current task's
 * memcg. `caller` is the vmallocinfo caller: the inlined dup_task_struct of kernel_clone, or
 * fork_idle's for an idle task. Returns the address, or 0 (-ENOMEM: no memory, or the memcg
 * could not take the charge; the stack is vfreed then, a cached one too, as 6.1 does).
 * @kernel kernel/fork.c alloc_thread_stack_node
 */
function alloc_thread_stack_node(k: Kernel, node: number, caller: string): number {
  const cache = k.cached_stacks;
  const base = k.cpu * NR_CACHED_STACKS;
  let stack = 0;
  for (let i = 0; i < NR_CACHED_STACKS; i++) {
    const s = cache[base + i] ?? 0;
    if (!s) continue;
    cache[base + i] = 0;
    stack = s;
    break;
  }
  // THREADINFO_GFP & ~__GFP_ACCOUNT: the pages are charged one by one below, not by the allocator.
  if (!stack) stack = __vmalloc_node_range(k, THREAD_SIZE, THREAD_ALIGN, VMALLOC_START_MODEL, VMALLOC_END_MODEL, GFP_KERNEL | __GFP_ZERO, 0, node, caller);
  if (!stack) return 0;
  // memcg_kmem_enabled: with no memcg but the root, nothing would be charged.
  if (k.memcg.nr_memcgs === 0) return stack;
  const vm = k.vmalloc.find_vm_area(stack);
  if (vm && memcg_charge_kernel_stack(k, vm) !== 0) {
    vfree(k, stack);
    return 0;
  }
  return stack;
}

/**
 * Charges each page of a stack to the current task's memcg as kernel memory (memcg_kmem_charge_page,
 * GFP_KERNEL, order 0); when one fails, the pages charged before it are uncharged. 0 or -ENOMEM.
 * Only when a memcg other than the root exists (memcg_kmem_enabled); in the root nothing is charged.
 * @kernel kernel/fork.c memcg_charge_kernel_stack
 */
function memcg_charge_kernel_stack(k: Kernel, vm: vm_struct): number {
  if (vm.nr_pages !== STACK_PAGES) throw new KernelBug("memcg_charge_kernel_stack: a stack of the wrong size", { nr_pages: vm.nr_pages });
  for (let i = 0; i < STACK_PAGES; i++) {
    const ret = __memcg_kmem_charge_page(k, vm.pages[i], GFP_KERNEL, 0);
    if (ret !== 0) {
      for (let j = 0; j < i; j++) __memcg_kmem_uncharge_page(k, vm.pages[j], 0);
      return ret;
    }
  }
  return 0;
}

/**
 * KernelStack: 4 kB per stack page, on the page's node and in the memcg the page is charged to
 * (mod_lruvec_page_state: memory.stat's kernel_stack).
 * @kernel kernel/fork.c account_kernel_stack
 */
function account_kernel_stack(k: Kernel, stack: number, account: number): void {
  const vm = k.vmalloc.find_vm_area(stack);
  if (!vm) return;
  for (let i = 0; i < vm.nr_pages; i++) mod_page_node_state(k, vm.pages[i], NR_KERNEL_STACK_KB, account * 4);
}

/**
 * The exiting task's stack stops counting: KernelStack down, then each page's charge back to its
 * memcg. The stack itself is kept until the task is freed (free_thread_stack).
 * @kernel kernel/fork.c exit_task_stack_account
 */
function exit_task_stack_account(k: Kernel, stack: number): void {
  account_kernel_stack(k, stack, -1);
  const vm = k.vmalloc.find_vm_area(stack);
  if (!vm) return;
  for (let i = 0; i < vm.nr_pages; i++) __memcg_kmem_uncharge_page(k, vm.pages[i], 0);
}

/**
 * An exited task's stack: into a free slot of this CPU's cache, else vfree (whose range waits
 * on the lazy purge list). @kernel kernel/fork.c free_thread_stack, try_release_thread_stack_to_cache
 */
function free_thread_stack(k: Kernel, stack: number): void {
  const cache = k.cached_stacks;
  const base = k.cpu * NR_CACHED_STACKS;
  for (let i = 0; i < NR_CACHED_STACKS; i++) {
    if (cache[base + i]) continue;
    cache[base + i] = stack;
    return;
  }
  vfree(k, stack);
}

/** An object of `c` into `o[f]`; false when the cache has nothing to give. */
function take(k: Kernel, c: kmem_cache | null, gfp: number, site: string): number {
  return c ? kmem_cache_alloc(k, c, gfp, site) || -1 : 0;
}

/**
 * The kernel objects of a new task, as copy_process takes them: the task_struct and its stack
 * (dup_task_struct), the cred and its LSM blob (copy_creds → prepare_creds), the task's LSM blob
 * (security_task_alloc), files_struct (copy_files) and fs_struct (copy_fs) unless shared,
 * sighand_struct and signal_struct unless a thread, and a pid. 0, or -ENOMEM with nothing kept.
 * @kernel kernel/fork.c copy_process, dup_task_struct
 */
export function copy_process_objects(k: Kernel, t: task_struct, clone_flags: number, caller = "kernel_clone+0xbf/0x430", with_pid = true): number {
  const c = k.slab.cachep;
  if (!c.task_struct_cachep) return 0;
  const o = new task_objs();
  t.kobj = o;
  const fail = (): number => {
    free_task_objects(k, t);
    return -errnoValues.ENOMEM;
  };
  // dup_task_struct: alloc_task_struct_node, alloc_thread_stack_node, account_kernel_stack
  if ((o.task = take(k, c.task_struct_cachep, GFP_KERNEL, "dup_task_struct")) < 0) return fail();
  o.stack = alloc_thread_stack_node(k, -1, caller);
  if (!o.stack) return fail();
  account_kernel_stack(k, o.stack, 1);
  // copy_creds → prepare_creds: the cred, and security_prepare_creds' blob (GFP_KERNEL_ACCOUNT)
  if ((o.cred = take(k, c.cred_jar, GFP_KERNEL, "prepare_creds")) < 0) return fail();
  if (!(o.cred_security = kmalloc(k, LBS_CRED, GFP_KERNEL_ACCOUNT | __GFP_ZERO, "security_prepare_creds"))) return fail();
  // security_task_alloc → lsm_task_alloc
  if (!(o.task_security = kmalloc(k, LBS_TASK, GFP_KERNEL | __GFP_ZERO, "security_task_alloc"))) return fail();
  if (!(clone_flags & CLONE_FILES) && (o.files = take(k, c.files_cachep, GFP_KERNEL, "dup_fd")) < 0) return fail();
  if (!(clone_flags & CLONE_FS) && (o.fs = take(k, c.fs_cachep, GFP_KERNEL, "copy_fs_struct")) < 0) return fail();
  if (!(clone_flags & CLONE_SIGHAND) && (o.sighand = take(k, c.sighand_cachep, GFP_KERNEL, "copy_sighand")) < 0) return fail();
  if (!(clone_flags & CLONE_THREAD) && (o.signal = take(k, c.signal_cachep, GFP_KERNEL | __GFP_ZERO, "copy_signal")) < 0) return fail();
  if (with_pid && (o.pid = take(k, c.pid_cachep, GFP_KERNEL, "alloc_pid")) < 0) return fail();
  return 0;
}

/**
 * A reaped task's objects go back: the stack (accounted out, then cached or vfreed) and every
 * object copy_process took. @kernel kernel/fork.c free_task, exit_task_stack_account
 * @kernel kernel/exit.c release_task
 */
export function free_task_objects(k: Kernel, t: task_struct): void {
  const o = t.kobj;
  if (!o) return;
  t.kobj = null;
  const c = k.slab.cachep;
  const put = (cache: kmem_cache | null, addr: number, site: string): void => {
    if (cache && addr > 0) kmem_cache_free(k, cache, addr, site);
  };
  if (o.stack) {
    // do_exit's (or copy_process's failure path's) exit_task_stack_account, then free_task's
    // release_task_stack: the model has no zombies, so both happen here.
    exit_task_stack_account(k, o.stack);
    free_thread_stack(k, o.stack);
  }
  put(c.pid_cachep, o.pid, "delayed_put_pid");
  put(c.signal_cachep, o.signal, "free_signal_struct");
  put(c.sighand_cachep, o.sighand, "__cleanup_sighand");
  put(c.fs_cachep, o.fs, "free_fs_struct");
  put(c.files_cachep, o.files, "put_files_struct");
  if (o.task_security > 0) kfree(k, o.task_security, "security_task_free");
  if (o.cred_security > 0) kfree(k, o.cred_security, "security_cred_free");
  put(c.cred_jar, o.cred, "put_cred_rcu");
  put(c.task_struct_cachep, o.task, "free_task");
}

