/**
 * System V shared memory (ipc/shm.c, with ipc/util.c's id allocation): shmget makes a segment —
 * an unlinked file "SYSV<key>" on the internal tmpfs (shmem_kernel_file_setup), so its pages are
 * shmem pages (Shmem, swapped by shmem_writepage) — shmat maps it MAP_SHARED into the caller,
 * shmdt unmaps it, shmctl reads it (IPC_STAT) or removes it (IPC_RMID: destroyed at once when
 * nothing is attached, else marked SHM_DEST, its key made private, and destroyed at the last
 * detach). The limits are the namespace's kernel.shmmax (bytes per segment), kernel.shmall (pages
 * in all segments), kernel.shmmni (segments), with 6.1's defaults (ULONG_MAX − 2^24, the same,
 * 4096) and errnos; kernel.shm_rmid_forced destroys a segment as soon as nothing is attached to it
 * (and, when set, every orphan already so), and at exit the segments the task created.
 * /proc/sysvipc/shm is sysvipc_shm_proc_show's text, the 64-bit header and column widths.
 *
 * Ids: a segment's id is seq << 15 | idx (IPCMNI_SHIFT 15), idx from idr_alloc_cyclic over
 * [0, max(in_use × 3/2, 64)) and seq raised whenever the cyclic cursor wraps (ipc_idr_alloc):
 * the first segments of a boot are 0, 1, 2…; after 64 allocations the index wraps and ids go on at
 * 32768 + idx. shm_nattch is the number of VMAs mapping the segment (shm_open/shm_close per VMA:
 * a fork or a split VMA counts again), read here from the segment file's i_mmap.
 *
 * Simplified: one IPC namespace; credentials are the task's uid, its gid taken equal to it (the
 * model has no groups), root (uid 0) holding CAP_IPC_OWNER and CAP_SYS_ADMIN; the times (atime,
 * dtime, ctime) are whole seconds of the simulated clock since boot, not the epoch; shm_atim,
 * shm_lprid and shm_dtim move at shmat and shmdt (and at the detach that exit does), not at each
 * fork or split of a VMA; SHM_HUGETLB is refused with EINVAL (no hugetlbfs segments), SHM_LOCK /
 * SHM_UNLOCK, IPC_SET, IPC_INFO, SHM_INFO and SHM_STAT with EINVAL (not modelled); no
 * checkpoint/restore next_id.
 * @kernel ipc/shm.c newseg, ksys_shmget, shm_more_checks, do_shmat, ksys_shmdt, shm_destroy,
 *   do_shm_rmid, shm_may_destroy, shm_try_destroy_orphaned, shm_destroy_orphaned, exit_shm,
 *   shm_add_rss_swap, sysvipc_shm_proc_show, shm_init_ns, shmctl_stat, ksys_shmctl, shm_close,
 *   shm_open, shm_release
 * @kernel ipc/util.c ipcget, ipcget_new, ipcget_public, ipc_addid, ipc_idr_alloc, ipcperms,
 *   ipc_check_perms, ipc_obtain_object_check, ipc_set_key_private
 * @kernel ipc/ipc_sysctl.c proc_ipc_dointvec_minmax_orphans
 */
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import { errnoValues } from "../kernel/errno.js";
import { alloc_file, fput, get_file } from "../fs/file_table.js";
import { type file, type file_operations, FMODE_READ, FMODE_WRITE } from "../fs/fs.js";
import { do_mmap, do_munmap, find_vma, find_vma_intersection, MAP_FIXED, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE } from "../mm/mmap.js";
import { SHMEM_I, shmem_file_operations, shmem_file_setup } from "../mm/shmem.js";
import { type vm_area_struct, VM_NORESERVE } from "../mm/mm_types.js";
import { PAGE_SIZE } from "../mm/types.js";

/** shmget's key for a segment no other shmget finds. */
export const IPC_PRIVATE = 0;
/** shmget flags (include/uapi/linux/ipc.h, shm.h). */
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
export const SHM_HUGETLB = 0o4000;
export const SHM_NORESERVE = 0o10000;
/** shmat flags. */
export const SHM_RDONLY = 0o10000;
export const SHM_RND = 0o20000;
export const SHM_REMAP = 0o40000;
export const SHM_EXEC = 0o100000;
/** shmctl commands. */
export const IPC_RMID = 0;
export const IPC_SET = 1;
export const IPC_STAT = 2;
/** shm_perm.mode's state bits above the permissions. */
export const SHM_DEST = 0o1000;
export const SHM_LOCKED = 0o2000;
/** The smallest segment (SHMMIN) and the defaults of kernel.shmmni, shmmax and shmall. */
export const SHMMIN = 1;
export const SHMMNI = 4096;
/** ULONG_MAX − 2^24: no limit in practice (shmmax in bytes, shmall in pages), as decimal text (a ulong above 2^53). */
export const SHMMAX = "18446744073692774399";
export const SHMALL = SHMMAX;
/** SHMLBA on x86: a page. */
const SHMLBA = PAGE_SIZE;
/** IPCMNI_SHIFT and IPCMNI: an id is seq << 15 | idx, at most 32768 indexes. */
const IPCMNI_SHIFT = 15;
const IPCMNI = 1 << IPCMNI_SHIFT;
/** ipc_min_cycle (RADIX_TREE_MAP_SIZE): the cyclic allocator's smallest range. */
const ipc_min_cycle = 64;
/** ipcid_seq_max(): INT_MAX >> IPCMNI_SHIFT. */
const IPCID_SEQ_MAX = 0x7fffffff >> IPCMNI_SHIFT;

/** A segment. @kernel ipc/shm.c struct shmid_kernel */
export class shmid_kernel {
  key = 0;
  id = 0;
  /** Permission bits and SHM_DEST. */
  mode = 0;
  uid = 0;
  gid = 0;
  cuid = 0;
  cgid = 0;
  shm_segsz = 0;
  shm_cprid = 0;
  shm_lprid = 0;
  shm_atim = 0;
  shm_dtim = 0;
  shm_ctim = 0;
  /** The tmpfs file behind it (its base file: shp->shm_file). */
  shm_file: file;
  /** The pid of the creator while it lives (shm_creator / its shm_clist), 0 once it exited. */
  creator = 0;
  /** Attaches being made (do_shmat holds one across its do_mmap). */
  attaching = 0;
  /** Removed from the ids (ipc_valid_object false). */
  deleted = false;
  constructor(f: file) {
    this.shm_file = f;
  }
}

/** The IPC namespace's shm half. @kernel include/linux/ipc_namespace.h struct ipc_namespace */
export class shm_namespace {
  /** kernel.shmmax and kernel.shmall, unsigned longs kept as their decimal text (a machine's state holds no bigint). */
  shm_ctlmax = SHMMAX;
  shm_ctlall = SHMALL;
  shm_ctlmni = SHMMNI;
  shm_rmid_forced = 0;
  /** Pages in all segments. */
  shm_tot = 0;
  /** The idr: index → segment. */
  readonly ids = new Map<number, shmid_kernel>();
  in_use = 0;
  seq = 0;
  last_idx = -1;
  /** idr_alloc_cyclic's cursor. */
  idr_next = 0;
}

/** The segment's attach count: the VMAs that map it (shm_open/shm_close), with do_shmat's hold. */
export function shm_nattch(shp: shmid_kernel): number {
  return shp.shm_file.f_mapping.i_mmap.size + shp.attaching;
}

function now_seconds(k: Kernel): number {
  return Math.floor(k.now_ns / 1e9);
}

/** Can the caller have `flag`'s rwx (any of user/group/other triads)? @kernel ipc/util.c ipcperms */
function ipcperms(t: task_struct, shp: shmid_kernel, flag: number): boolean {
  const requested = (flag >> 6) | (flag >> 3) | flag;
  let granted = shp.mode;
  if (t.uid === shp.cuid || t.uid === shp.uid) granted >>= 6;
  else if (t.uid === shp.gid || t.uid === shp.cgid) granted >>= 3;
  return (requested & ~granted & 0o7) === 0 || t.uid === 0;
}

/** The segment of `id`, or -EINVAL (no such index, or an old sequence). @kernel ipc/util.c ipc_obtain_object_check */
function shm_obtain_object_check(ns: shm_namespace, id: number): shmid_kernel | number {
  if (!Number.isInteger(id) || id < 0) return -errnoValues.EINVAL;
  const shp = ns.ids.get(id & (IPCMNI - 1));
  if (shp === undefined || shp.id !== id) return -errnoValues.EINVAL;
  return shp;
}

/**
 * The next index: the first free one from the cyclic cursor up to `max`, else from 0; the
 * sequence rises when the index does not move forward. -ENOSPC when all are taken.
 * @kernel ipc/util.c ipc_idr_alloc
 */
function ipc_idr_alloc(ns: shm_namespace): number {
  const max_idx = Math.min(Math.max(Math.floor((ns.in_use * 3) / 2), ipc_min_cycle), IPCMNI);
  let idx = -1;
  for (let i = Math.min(ns.idr_next, max_idx); i < max_idx; i++) {
    if (!ns.ids.has(i)) {
      idx = i;
      break;
    }
  }
  if (idx < 0) {
    for (let i = 0; i < Math.min(ns.idr_next, max_idx); i++) {
      if (!ns.ids.has(i)) {
        idx = i;
        break;
      }
    }
  }
  if (idx < 0) return -errnoValues.ENOSPC;
  ns.idr_next = idx + 1;
  if (idx <= ns.last_idx) {
    ns.seq++;
    if (ns.seq >= IPCID_SEQ_MAX) ns.seq = 0;
  }
  ns.last_idx = idx;
  return idx;
}

/**
 * A new segment of `size` bytes: its file on the internal tmpfs (charged to Committed_AS unless
 * SHM_NORESERVE outside overcommit mode 2), an id, the creator's credentials. The id or -errno:
 * EINVAL (size below SHMMIN or above shmmax, SHM_HUGETLB), ENOSPC (shmall or shmmni reached),
 * ENOMEM (overcommit refused the size).
 * @kernel ipc/shm.c newseg
 * @kernel ipc/util.c ipc_addid
 */
function newseg(k: Kernel, t: task_struct, key: number, size: number, shmflg: number): number {
  const ns = k.ipc_shm;
  if (size < SHMMIN || BigInt(size) > BigInt(ns.shm_ctlmax)) return -errnoValues.EINVAL;
  const numpages = Math.ceil(size / PAGE_SIZE);
  if (BigInt(ns.shm_tot + numpages) > BigInt(ns.shm_ctlall)) return -errnoValues.ENOSPC;
  if (shmflg & SHM_HUGETLB) return -errnoValues.EINVAL; // Simplified: no hugetlbfs segments
  const acctflag = shmflg & SHM_NORESERVE && k.vm.overcommit_memory !== 2 ? VM_NORESERVE : 0;
  const name = `SYSV${(key >>> 0).toString(16).padStart(8, "0")}`;
  const f = shmem_file_setup(k, t, name, size, acctflag);
  if (typeof f === "number") return f;
  // ipc_addid
  if (ns.in_use >= Math.min(ns.shm_ctlmni, IPCMNI)) {
    fput(k, f);
    return -errnoValues.ENOSPC;
  }
  const idx = ipc_idr_alloc(ns);
  if (idx < 0) {
    fput(k, f);
    return idx;
  }
  const shp = new shmid_kernel(f);
  shp.key = key;
  shp.mode = shmflg & 0o777;
  shp.uid = shp.cuid = t.uid;
  shp.gid = shp.cgid = t.uid;
  shp.id = (ns.seq << IPCMNI_SHIFT) + idx;
  shp.shm_cprid = t.tgid;
  shp.shm_ctim = now_seconds(k);
  shp.shm_segsz = size;
  shp.creator = t.tgid;
  ns.ids.set(idx, shp);
  ns.in_use++;
  // The shmid is the inode number /proc/PID/maps shows.
  f.f_inode.i_ino = shp.id;
  ns.shm_tot += numpages;
  return shp.id;
}

/**
 * shmget(2): IPC_PRIVATE always makes a new segment; another key finds its segment (EEXIST with
 * IPC_CREAT|IPC_EXCL, EINVAL if smaller than `size`, EACCES without the permission the flags'
 * low nine bits ask) or makes one with IPC_CREAT (ENOENT without). The id or -errno.
 * @kernel ipc/shm.c ksys_shmget, shm_more_checks
 * @kernel ipc/util.c ipcget, ipcget_new, ipcget_public, ipc_check_perms
 */
export function ksys_shmget(k: Kernel, t: task_struct, key: number, size: number, shmflg: number): number {
  const ns = k.ipc_shm;
  key |= 0; // key_t is an int
  if (key === IPC_PRIVATE) return newseg(k, t, key, size, shmflg);
  let found: shmid_kernel | undefined;
  for (const shp of ns.ids.values()) if (shp.key === key) found = shp;
  if (found === undefined) return shmflg & IPC_CREAT ? newseg(k, t, key, size, shmflg) : -errnoValues.ENOENT;
  if (shmflg & IPC_CREAT && shmflg & IPC_EXCL) return -errnoValues.EEXIST;
  if (found.shm_segsz < size) return -errnoValues.EINVAL;
  if (!ipcperms(t, found, shmflg)) return -errnoValues.EACCES;
  return found.id;
}

/**
 * The segment goes: out of the ids, its pages out of shm_tot, its file's reference dropped (the
 * file and its pages go with the last reference).
 * @kernel ipc/shm.c shm_destroy, shm_rmid
 */
function shm_destroy(k: Kernel, shp: shmid_kernel): void {
  const ns = k.ipc_shm;
  ns.ids.delete(shp.id & (IPCMNI - 1));
  ns.in_use--;
  shp.deleted = true;
  ns.shm_tot -= Math.ceil(shp.shm_segsz / PAGE_SIZE);
  fput(k, shp.shm_file);
}

/** Nothing attached, and removed or shm_rmid_forced. @kernel ipc/shm.c shm_may_destroy */
function shm_may_destroy(k: Kernel, shp: shmid_kernel): boolean {
  return shm_nattch(shp) === 0 && (k.ipc_shm.shm_rmid_forced !== 0 || (shp.mode & SHM_DEST) !== 0);
}

/**
 * The last reference to an attach's file went (its VMAs are gone): shm_close's check, once per
 * attach rather than per VMA (see Simplified), destroys a segment that may now go.
 * @kernel ipc/shm.c shm_close, shm_release
 */
function shm_release(k: Kernel, f: file): void {
  for (const shp of k.ipc_shm.ids.values()) {
    if (shp.shm_file.f_inode !== f.f_inode) continue;
    shp.shm_dtim = now_seconds(k);
    if (shm_may_destroy(k, shp)) shm_destroy(k, shp);
    return;
  }
}

/**
 * An attach's mmap: the segment's shmem file maps it (sfd->file->f_op->mmap). Looked up at the
 * call, not copied at import: ipc/ and mm/ import each other, and reading shmem_file_operations
 * while this module is evaluated fails when a program imports it first (test/import_first.test.ts).
 * @kernel ipc/shm.c shm_mmap
 */
function shm_mmap(f: file, vma: vm_area_struct, k: Kernel): number {
  const mmap = shmem_file_operations.mmap;
  return mmap === undefined ? -errnoValues.ENODEV : mmap(f, vma, k);
}

/** The file operations of an attach: shmem's mapping, the release above. @kernel ipc/shm.c shm_file_operations */
export const shm_file_operations: file_operations = Object.freeze({
  name: "shm_file_operations",
  mmap: shm_mmap,
  // no get_unmapped_area: shmem's file has none in the model (6.1's shmem_get_unmapped_area
  // only aligns for huge=), so the mm's own search places the attach
  release: shm_release,
});

/**
 * shmat(2): maps segment `shmid` MAP_SHARED — read-only with SHM_RDONLY, executable with
 * SHM_EXEC — at `shmaddr` (rounded down to SHMLBA with SHM_RND, else it must be page-aligned;
 * MAP_FIXED over nothing already mapped unless SHM_REMAP) or where mmap chooses. The address or
 * -errno (EINVAL, EIDRM, EACCES, ENOMEM).
 * @kernel ipc/shm.c do_shmat
 */
export function do_shmat(k: Kernel, t: task_struct, shmid: number, shmaddr: number, shmflg: number): number {
  let addr = shmaddr;
  let flags = MAP_SHARED;
  if (shmid < 0) return -errnoValues.EINVAL;
  if (addr) {
    if (addr % SHMLBA !== 0) {
      if (shmflg & SHM_RND) {
        addr -= addr % SHMLBA;
        if (!addr && shmflg & SHM_REMAP) return -errnoValues.EINVAL;
      } else return -errnoValues.EINVAL;
    }
    flags |= MAP_FIXED;
  } else if (shmflg & SHM_REMAP) return -errnoValues.EINVAL;
  let prot: number;
  let acc_mode: number;
  let f_mode: number;
  if (shmflg & SHM_RDONLY) {
    prot = PROT_READ;
    acc_mode = 0o444;
    f_mode = FMODE_READ;
  } else {
    prot = PROT_READ | PROT_WRITE;
    acc_mode = 0o666;
    f_mode = FMODE_READ | FMODE_WRITE;
  }
  if (shmflg & SHM_EXEC) {
    prot |= PROT_EXEC;
    acc_mode |= 0o111;
  }
  const shp = shm_obtain_object_check(k.ipc_shm, shmid);
  if (typeof shp === "number") return shp;
  if (!ipcperms(t, shp, acc_mode)) return -errnoValues.EACCES;
  if (shp.deleted) return -errnoValues.EIDRM;
  const mm = t.mm;
  if (mm === null) return -errnoValues.EINVAL;
  shp.attaching++;
  const base = get_file(shp.shm_file);
  const size = base.f_inode.i_size;
  const clone = alloc_file(k, base.f_inode, base.f_path, null, f_mode, 0);
  clone.f_op = shm_file_operations;
  let err = 0;
  if (addr && (shmflg & SHM_REMAP) === 0 && find_vma_intersection(mm, addr, addr + size) !== null) err = -errnoValues.EINVAL;
  else {
    const out = { addr: 0, populate: 0 };
    const r = do_mmap(k, t, clone, addr, size, prot, flags, 0, out);
    if (r < 0) err = r;
    else {
      addr = r;
      shp.shm_atim = now_seconds(k);
      shp.shm_lprid = t.tgid;
    }
  }
  fput(k, clone);
  fput(k, base);
  shp.attaching--;
  if (shm_may_destroy(k, shp) && !shp.deleted) shm_destroy(k, shp);
  return err !== 0 ? err : addr;
}

/** Is `vma` an attach of a segment mapped from `addr` (offset equal to its distance from addr)? */
function shm_vma_from(vma: { vm_file: file | null; vm_start: number; vm_pgoff: number }, addr: number): boolean {
  return vma.vm_file !== null && vma.vm_file.f_op === shm_file_operations && (vma.vm_start - addr) / PAGE_SIZE === vma.vm_pgoff;
}

/**
 * shmdt(2): the attach at `shmaddr` — the first segment VMA from there on whose offset matches —
 * and every VMA of the same attach within the segment's size after it are unmapped. 0 or -EINVAL.
 * @kernel ipc/shm.c ksys_shmdt
 */
export function ksys_shmdt(k: Kernel, t: task_struct, shmaddr: number): number {
  const mm = t.mm;
  if (mm === null || shmaddr % PAGE_SIZE !== 0) return -errnoValues.EINVAL;
  let vma = find_vma(mm, shmaddr);
  let f: file | null = null;
  let size = 0;
  while (vma !== null) {
    const next = find_vma(mm, vma.vm_end);
    if (shm_vma_from(vma, shmaddr)) {
      f = vma.vm_file as file;
      size = f.f_inode.i_size;
      lprid_of(k, f, t);
      do_munmap(k, mm, vma.vm_start, vma.vm_end - vma.vm_start);
      vma = next;
      break;
    }
    vma = next;
  }
  if (f === null) return -errnoValues.EINVAL;
  size = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
  while (vma !== null && vma.vm_end - shmaddr <= size) {
    const next = find_vma(mm, vma.vm_end);
    if (shm_vma_from(vma, shmaddr) && vma.vm_file === f) do_munmap(k, mm, vma.vm_start, vma.vm_end - vma.vm_start);
    vma = next;
  }
  return 0;
}

/** shm_close's shm_lprid: the detaching task. */
function lprid_of(k: Kernel, f: file, t: task_struct): void {
  for (const shp of k.ipc_shm.ids.values()) if (shp.shm_file.f_inode === f.f_inode) shp.shm_lprid = t.tgid;
}

/** What IPC_STAT reports (struct shmid64_ds). */
export interface shmid_ds {
  key: number;
  mode: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  shm_segsz: number;
  shm_atime: number;
  shm_dtime: number;
  shm_ctime: number;
  shm_cpid: number;
  shm_lpid: number;
  shm_nattch: number;
}

/**
 * shmctl(2): IPC_STAT (read permission; the segment's shmid64_ds) or IPC_RMID (the owner, the
 * creator or root: EPERM otherwise; destroyed now if nothing is attached, else marked SHM_DEST
 * with its key made private). The result, 0, or -errno (EINVAL for a bad id or command).
 * @kernel ipc/shm.c ksys_shmctl, shmctl_stat, shmctl_down, do_shm_rmid
 * @kernel ipc/util.c ipc_set_key_private
 */
export function ksys_shmctl(k: Kernel, t: task_struct, shmid: number, cmd: number): shmid_ds | number {
  const shp = shm_obtain_object_check(k.ipc_shm, shmid);
  if (cmd !== IPC_STAT && cmd !== IPC_RMID) return -errnoValues.EINVAL;
  if (typeof shp === "number") return shp;
  if (cmd === IPC_STAT) {
    if (!ipcperms(t, shp, 0o444)) return -errnoValues.EACCES;
    return {
      key: shp.key,
      mode: shp.mode,
      uid: shp.uid,
      gid: shp.gid,
      cuid: shp.cuid,
      cgid: shp.cgid,
      shm_segsz: shp.shm_segsz,
      shm_atime: shp.shm_atim,
      shm_dtime: shp.shm_dtim,
      shm_ctime: shp.shm_ctim,
      shm_cpid: shp.shm_cprid,
      shm_lpid: shp.shm_lprid,
      shm_nattch: shm_nattch(shp),
    };
  }
  if (t.uid !== 0 && t.uid !== shp.uid && t.uid !== shp.cuid) return -errnoValues.EPERM;
  if (shm_nattch(shp) !== 0) {
    shp.mode |= SHM_DEST;
    shp.key = IPC_PRIVATE;
  } else shm_destroy(k, shp);
  return 0;
}

/**
 * A task exits (after its mappings went): with shm_rmid_forced, the segments it created that
 * nothing is attached to are destroyed; either way they stop being its.
 * @kernel ipc/shm.c exit_shm
 */
export function exit_shm(k: Kernel, t: task_struct): void {
  const ns = k.ipc_shm;
  for (const shp of [...ns.ids.values()]) {
    if (shp.creator !== t.tgid) continue;
    shp.creator = 0;
    if (ns.shm_rmid_forced && shm_may_destroy(k, shp)) shm_destroy(k, shp);
  }
}

/**
 * kernel.shm_rmid_forced set to 1: every segment no live task created and nothing is attached to
 * goes now.
 * @kernel ipc/shm.c shm_destroy_orphaned, shm_try_destroy_orphaned
 */
function shm_destroy_orphaned(k: Kernel): void {
  for (const shp of [...k.ipc_shm.ids.values()]) {
    if (shp.creator !== 0 && k.tasks.find(shp.creator) !== undefined) continue;
    if (shm_may_destroy(k, shp)) shm_destroy(k, shp);
  }
}

/**
 * /proc/sysvipc/shm: the 64-bit header, then one line per segment in index order.
 * Worked example: a 64 KiB IPC_PRIVATE segment of pid 61, mode 0600, attached once with 16 pages
 * resident: "         0          0   600                 65536    61    61      1     0     0     0     0          …".
 * @kernel ipc/shm.c sysvipc_shm_proc_show, shm_add_rss_swap, shm_init
 */
export function sysvipc_shm_proc_show(k: Kernel): string {
  let s = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
  const idxs = [...k.ipc_shm.ids.keys()].sort((a, b) => a - b);
  for (const idx of idxs) {
    const shp = k.ipc_shm.ids.get(idx) as shmid_kernel;
    const ino = shp.shm_file.f_inode;
    const rss = ino.i_mapping.nrpages * PAGE_SIZE;
    const swp = SHMEM_I(ino).swapped * PAGE_SIZE;
    const w = (v: number, n: number): string => String(v).padStart(n, " ");
    s +=
      `${w(shp.key, 10)} ${w(shp.id, 10)}  ${shp.mode.toString(8).padStart(4, " ")} ${w(shp.shm_segsz, 21)} ${w(shp.shm_cprid, 5)} ${w(shp.shm_lprid, 5)}  ` +
      `${w(shm_nattch(shp), 5)} ${w(shp.uid, 5)} ${w(shp.gid, 5)} ${w(shp.cuid, 5)} ${w(shp.cgid, 5)} ${w(shp.shm_atim, 10)} ${w(shp.shm_dtim, 10)} ${w(shp.shm_ctim, 10)} ` +
      `${w(rss, 21)} ${w(swp, 21)}\n`;
  }
  return s;
}

/** A ulong sysctl value (decimal or 0x hex, blanks around): the value, or null for EINVAL. */
function parse_ulong(buf: string): bigint | null {
  const m = /^\s*(0x[0-9a-fA-F]+|\d+)\s*$/.exec(buf);
  if (m === null) return null;
  const v = BigInt(m[1]);
  return v > 2n ** 64n - 1n ? null : v;
}

/** An int sysctl value within [min, max]: the value, or null for EINVAL. */
function parse_int(buf: string, min: number, max: number): number | null {
  const m = /^\s*(-?\d+)\s*$/.exec(buf);
  if (m === null) return null;
  const v = Number(m[1]);
  return v < min || v > max ? null : v;
}

/**
 * The /proc/sys/kernel/shm* files: shmmax and shmall (proc_doulongvec_minmax), shmmni (0 to
 * IPCMNI) and shm_rmid_forced (0 or 1; setting it destroys the orphans), each read as its value
 * and a newline; a bad write is EINVAL.
 * @kernel ipc/ipc_sysctl.c ipc_sysctls, proc_ipc_dointvec_minmax_orphans
 */
export const shm_sysctls: readonly { procname: string; read(k: Kernel): string; write(k: Kernel, buf: string): number }[] = Object.freeze([
  Object.freeze({
    procname: "shmmax",
    read: (k: Kernel): string => `${k.ipc_shm.shm_ctlmax}\n`,
    write: (k: Kernel, buf: string): number => {
      const v = parse_ulong(buf);
      if (v === null) return -errnoValues.EINVAL;
      k.ipc_shm.shm_ctlmax = v.toString();
      return 0;
    },
  }),
  Object.freeze({
    procname: "shmall",
    read: (k: Kernel): string => `${k.ipc_shm.shm_ctlall}\n`,
    write: (k: Kernel, buf: string): number => {
      const v = parse_ulong(buf);
      if (v === null) return -errnoValues.EINVAL;
      k.ipc_shm.shm_ctlall = v.toString();
      return 0;
    },
  }),
  Object.freeze({
    procname: "shmmni",
    read: (k: Kernel): string => `${k.ipc_shm.shm_ctlmni}\n`,
    write: (k: Kernel, buf: string): number => {
      const v = parse_int(buf, 0, IPCMNI);
      if (v === null) return -errnoValues.EINVAL;
      k.ipc_shm.shm_ctlmni = v;
      return 0;
    },
  }),
  Object.freeze({
    procname: "shm_rmid_forced",
    read: (k: Kernel): string => `${k.ipc_shm.shm_rmid_forced}\n`,
    write: (k: Kernel, buf: string): number => {
      const v = parse_int(buf, 0, 1);
      if (v === null) return -errnoValues.EINVAL;
      k.ipc_shm.shm_rmid_forced = v;
      if (v) shm_destroy_orphaned(k);
      return 0;
    },
  }),
]);
