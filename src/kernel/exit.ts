/**
 * Process exit: do_exit drops the address space (exit_mm → mmput, which tears it down when the
 * last user goes), folds the task's fault counts into its parent's (the cmin_flt/cmaj_flt that
 * wait() collects), reparents children to init, and the task is released.
 *
 * Simplified: the parent is assumed to reap at once (as a shell waiting on its child does, or
 * with SIGCHLD ignored), so a task goes straight from running to released (EXIT_DEAD); no
 * zombies linger in /proc. Signals are not delivered: a fatal signal is recorded as the exit
 * status ((signal) for a kill, (code << 8) for exit()).
 * @kernel kernel/exit.c do_exit, exit_mm, release_task, forget_original_parent, wait_task_zombie
 */
import { userfaultfd_finish_wait } from "../mm/userfaultfd.js";
import { cgroup_exit } from "./cgroup/cgroup.js";
import type { Kernel } from "./kernel.js";
import { free_task_objects, mmput } from "./fork.js";
import { exit_files } from "../fs/file_table.js";
import { kmem_driver_release } from "../mm/slab_driver.js";
import { exit_shm } from "../ipc/shm.js";
import { PF_EXITING, type task_struct } from "./sched.js";
import { psi_dequeue } from "./psi.js";
import { get_mm_hiwater_rss } from "../mm/mm_types.js";
import { enter_lazy_tlb } from "../arch/x86/tlb.js";

/** exit_mm: detach and drop the task's mm. */
export function exit_mm(k: Kernel, t: task_struct): void {
  const mm = t.mm;
  if (!mm) return;
  // setmax_mm_hiwater_rss: the peak RSS getrusage reports.
  const hiwater = get_mm_hiwater_rss(mm);
  if (t.signal.maxrss < hiwater) t.signal.maxrss = hiwater;
  t.mm = null;
  // enter_lazy_tlb: the exiting task runs on without an mm; its CPU keeps the mm loaded, lazily,
  // until exit_mmap's flush (freed tables reach lazy CPUs) or the next task there drops it.
  if (k.tlb.loaded_mm[k.cpu] === mm) enter_lazy_tlb(k);
  mmput(k, mm);
}

/**
 * do_exit: the task stops using memory and is released. `code` is the wait status
 * ((exit code << 8) or the killing signal number).
 */
export function do_exit(k: Kernel, t: task_struct, code: number): void {
  if (t.state === "X") return;
  t.flags |= PF_EXITING;
  t.exit_code = code;
  // A task killed while it slept in handle_userfault leaves the uffd's wait queue.
  if (t.uffd_wait !== null) userfaultfd_finish_wait(t);
  exit_mm(k, t);
  // exit_sem, exit_shm: SysV segments it created (shm_rmid_forced destroys the unattached ones).
  exit_shm(k, t);
  // exit_files: every descriptor is closed (a file unlinked while open loses its pages here).
  exit_files(k, t);
  // The kernel-allocation driver's objects held for the task go back (slab_driver.ts).
  kmem_driver_release(k, t);
  // forget_original_parent: orphans go to init.
  const init = k.tasks.init;
  for (const cpid of t.children) {
    const c = k.tasks.find(cpid);
    if (c) {
      c.ppid = init.pid;
      init.children.add(cpid);
    }
  }
  t.children.clear();
  // wait_task_zombie (the parent reaps): its counts move to the parent's signal_struct.
  const parent = k.tasks.find(t.ppid);
  if (parent) {
    parent.signal.cmin_flt += t.min_flt + t.signal.cmin_flt;
    parent.signal.cmaj_flt += t.maj_flt + t.signal.cmaj_flt;
    parent.children.delete(t.pid);
  }
  t.state = "X";
  // do_task_dead's last schedule: the task stops counting for pressure, in its cgroup's groups
  // (6.1's cgroup_exit leaves task->cgroups in place until the task is freed; the model's clears
  // it, so the dequeue goes first).
  psi_dequeue(k, t, false);
  cgroup_exit(k, t);
  k.tasks.byPid.delete(t.pid);
  // release_task → put_task_struct → free_task: the task's kernel objects go back.
  free_task_objects(k, t);
}
