/**
 * Path names: walking a path through the dcache (lookup asks the directory's filesystem for a
 * name the dcache does not have, as ext2 reads its directory blocks), crossing mounts, following
 * symlinks; and the syscalls that work on names — open(2) with O_CREAT/O_EXCL/O_TRUNC,
 * unlink(2), mkdir(2) — with the kernel's errnos.
 *
 * Every path is absolute: a relative one is taken from the root, the model's only working
 * directory.
 * Simplified: no permissions (the caller is root), no negative dentries, no hard links, no
 * rename, no RCU walk; "d_path" is the path of the walk that opened the file, with " (deleted)"
 * once its name is gone.
 * @kernel fs/namei.c path_lookupat, link_path_walk, walk_component, lookup_fast, __lookup_slow,
 *   traverse_mounts, step_into, do_filp_open, path_openat, do_open, open_last_lookups, do_unlinkat,
 *   do_mkdirat, vfs_create, vfs_unlink, vfs_mkdir
 * @kernel fs/open.c do_sys_open, build_open_flags, do_dentry_open
 * @kernel fs/dcache.c d_path
 */
import { errnoValues } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { task_struct } from "../kernel/sched.js";
import {
  dentry,
  FMODE_LSEEK,
  FMODE_PREAD,
  FMODE_PWRITE,
  FMODE_READ,
  FMODE_WRITE,
  type inode,
  O_ACCMODE,
  O_CREAT,
  O_DIRECT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  S_IFDIR,
  S_IFMT,
  S_IFREG,
  S_ISDIR,
  S_ISLNK,
  S_ISREG,
  SB_RDONLY,
  type vfsmount,
} from "./fs.js";
import { alloc_file, fd_install, fput } from "./file_table.js";
import { d_alloc, d_delete, d_instantiate, d_touch, dget, dput } from "./dcache.js";
import { do_truncate } from "./open.js";

/** NAME_MAX and PATH_MAX (include/uapi/linux/limits.h). */
export const NAME_MAX = 255;
export const PATH_MAX = 4096;
/** MAXSYMLINKS: symlinks followed in one walk before ELOOP. */
export const MAXSYMLINKS = 40;

/** The mount whose root dentry is `d`, or null. */
function mount_of_root(k: Kernel, d: dentry): vfsmount | null {
  for (const m of k.vfs.mounts) if (m.mnt_root === d) return m;
  return null;
}

/** Steps onto whatever is mounted on `d`, repeatedly (traverse_mounts). @kernel fs/namei.c traverse_mounts */
function follow_mount(d: dentry): dentry {
  while (d.d_mounted !== null) d = d.d_mounted.mnt_root;
  return d;
}

/** `..` of `d`: its parent, leaving a mount through its mountpoint. */
function follow_dotdot(k: Kernel, d: dentry): dentry {
  for (let guard = 0; guard < 64; guard++) {
    if (d.d_parent !== null) return d.d_parent;
    const m = mount_of_root(k, d);
    if (m === null || m.mnt_mountpoint === null) return d; // the root's .. is the root
    d = m.mnt_mountpoint;
  }
  return d;
}

/**
 * The child `name` of directory dentry `dir`: from the dcache, else the filesystem's lookup
 * (which the dcache then keeps). Null if there is none.
 * @kernel fs/namei.c lookup_fast, __lookup_slow
 */
export function d_lookup(k: Kernel, dir: dentry, name: string): dentry | null {
  const hit = dir.d_subdirs.get(name);
  if (hit !== undefined) return hit;
  const dino = dir.d_inode;
  if (dino === null || !dino.i_op.lookup) return null;
  const ino = dino.i_op.lookup(k, dino, name);
  if (ino === null) return null;
  // d_alloc_parallel + d_splice_alias, and the walk's dput: an unused dentry on the LRU.
  const d = d_alloc(k, dir, name, ino);
  dput(k, d);
  return d;
}

/** The result of a walk: the dentry and the path it was reached by. */
export interface walk_result {
  dentry: dentry;
  path: string;
}

/**
 * Walks `path` from the root; follows a final symlink when `follow`. The dentry (on the mounted
 * filesystem's side of a mountpoint) or -ENOENT, -ENOTDIR, -ENAMETOOLONG, -ELOOP.
 * @kernel fs/namei.c path_lookupat, link_path_walk, walk_component
 */
export function path_lookup(k: Kernel, path: string, follow = true): walk_result | number {
  return walk(k, path, follow, 0);
}

function walk(k: Kernel, path: string, follow: boolean, depth: number): walk_result | number {
  if (path.length === 0) return -errnoValues.ENOENT;
  if (path.length >= PATH_MAX) return -errnoValues.ENAMETOOLONG;
  const root = k.vfs.root;
  if (root === null) return -errnoValues.ENOENT;
  let d = follow_mount(root);
  const names: string[] = [];
  const parts = path.split("/").filter((p) => p !== "");
  for (let n = 0; n < parts.length; n++) {
    const c = parts[n];
    if (c.length > NAME_MAX) return -errnoValues.ENAMETOOLONG;
    const dino = d.d_inode;
    if (dino === null || !S_ISDIR(dino.i_mode)) return -errnoValues.ENOTDIR;
    if (c === ".") continue;
    if (c === "..") {
      d = follow_mount(follow_dotdot(k, d));
      names.pop();
      continue;
    }
    const child = d_lookup(k, d, c);
    if (child === null || child.d_inode === null) return -errnoValues.ENOENT;
    const last = n === parts.length - 1;
    const cino = child.d_inode;
    if (S_ISLNK(cino.i_mode) && (!last || follow)) {
      if (depth >= MAXSYMLINKS) return -errnoValues.ELOOP;
      const target = String(cino.i_private);
      const base = target.startsWith("/") ? "" : "/" + names.join("/");
      const rest = parts.slice(n + 1).join("/");
      return walk(k, `${base}/${target}${rest ? "/" + rest : ""}`, follow, depth + 1);
    }
    names.push(c);
    d = follow_mount(child);
  }
  d_touch(d);
  return { dentry: d, path: "/" + names.join("/") };
}

/** The parent directory of `path`'s last component, and that component. */
export function lookup_parent(k: Kernel, path: string): { parent: dentry; last: string; path: string } | number {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) return -errnoValues.EISDIR;
  const last = parts[parts.length - 1];
  if (last.length > NAME_MAX) return -errnoValues.ENAMETOOLONG;
  if (last === "." || last === "..") return -errnoValues.EISDIR;
  const dir = walk(k, "/" + parts.slice(0, -1).join("/"), true, 0);
  if (typeof dir === "number") return dir;
  const ino = dir.dentry.d_inode;
  if (ino === null || !S_ISDIR(ino.i_mode)) return -errnoValues.ENOTDIR;
  return { parent: dir.dentry, last, path: (dir.path === "/" ? "" : dir.path) + "/" + last };
}

/** Is the filesystem of `ino` mounted read-only? */
function read_only(ino: inode): boolean {
  return (ino.i_sb.s_flags & SB_RDONLY) !== 0;
}

/**
 * Creates `name` in `parent` through its filesystem's create (a regular file, or with S_IFDIR a
 * directory): the new dentry with a reference for the caller (who dputs it), or -errno (EROFS,
 * ENOSPC…). A negative dentry of the name is reused (d_instantiate); a tmpfs dentry is pinned
 * (shmem_mknod's extra dget: tmpfs dentries are the files).
 * @kernel fs/namei.c vfs_create, vfs_mkdir
 * @kernel mm/shmem.c shmem_mknod
 */
export function vfs_create(k: Kernel, parent: dentry, name: string, mode: number): dentry | number {
  const dino = parent.d_inode as inode;
  if (read_only(dino)) return -errnoValues.EROFS;
  if (!dino.i_op.create) return -errnoValues.EPERM;
  const ino = dino.i_op.create(k, dino, name, mode);
  if (typeof ino === "number") return ino;
  const neg = parent.d_subdirs.get(name);
  let d: dentry;
  if (neg !== undefined && neg.d_inode === null) {
    d = dget(neg);
    d_instantiate(k, d, ino);
  } else {
    d = d_alloc(k, parent, name, ino);
  }
  if (ino.shmem) dget(d);
  if (S_ISDIR(ino.i_mode)) dino.i_nlink++;
  return d;
}

/** build_open_flags: the f_mode an open's access mode gives. @kernel fs/open.c build_open_flags */
function open_fmode(flags: number): number {
  const acc = flags & O_ACCMODE;
  const m = acc === O_RDONLY ? FMODE_READ : acc === O_WRONLY ? FMODE_WRITE : acc === O_RDWR ? FMODE_READ | FMODE_WRITE : 0;
  return m | FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
}

/**
 * open(2): walks (creating the file with O_CREAT), checks the access, truncates with O_TRUNC,
 * and installs the open file at the lowest free descriptor. The descriptor or -errno: ENOENT,
 * EEXIST (O_CREAT|O_EXCL on an existing name), EISDIR (a directory opened for writing), ENOTDIR
 * (O_DIRECTORY on a file), EROFS, EINVAL (O_DIRECT where the file cannot do it, a bad access
 * mode), EMFILE, ENOSPC, ELOOP (O_NOFOLLOW on a symlink).
 * @kernel fs/open.c do_sys_open, do_dentry_open
 * @kernel fs/namei.c do_filp_open, open_last_lookups, do_open
 */
export function do_sys_open(k: Kernel, t: task_struct, path: string, flags: number, mode: number): number {
  if ((flags & O_ACCMODE) === 3) return -errnoValues.EINVAL;
  let found: walk_result | number;
  let created: dentry | null = null;
  if ((flags & O_CREAT) !== 0) {
    const lp = lookup_parent(k, path);
    if (typeof lp === "number") return lp;
    const existing = d_lookup(k, lp.parent, lp.last);
    if (existing !== null && existing.d_inode !== null) {
      if ((flags & O_EXCL) !== 0) return -errnoValues.EEXIST;
      found = path_lookup(k, path, (flags & O_NOFOLLOW) === 0);
    } else {
      const d = vfs_create(k, lp.parent, lp.last, S_IFREG | (mode & 0o7777));
      if (typeof d === "number") return d;
      created = d;
      found = { dentry: d, path: lp.path };
    }
  } else {
    found = path_lookup(k, path, (flags & O_NOFOLLOW) === 0);
  }
  const fd = do_open(k, t, found, flags);
  // terminate_walk's path_put of the created dentry (the open file holds its own reference).
  if (created !== null) dput(k, created);
  return fd;
}

/** do_open: the checks, the file, O_TRUNC, the descriptor. @kernel fs/namei.c do_open */
function do_open(k: Kernel, t: task_struct, found: walk_result | number, flags: number): number {
  if (typeof found === "number") return found;
  const ino = found.dentry.d_inode as inode;
  if (S_ISLNK(ino.i_mode)) return -errnoValues.ELOOP;
  const fmode = open_fmode(flags);
  if (S_ISDIR(ino.i_mode) && (fmode & FMODE_WRITE) !== 0) return -errnoValues.EISDIR;
  if ((flags & O_DIRECTORY) !== 0 && !S_ISDIR(ino.i_mode)) return -errnoValues.ENOTDIR;
  if ((fmode & FMODE_WRITE) !== 0 && read_only(ino)) return -errnoValues.EROFS;
  // do_dentry_open: O_DIRECT needs the mapping's direct_IO.
  if ((flags & O_DIRECT) !== 0 && !ino.i_mapping.a_ops.direct_IO) return -errnoValues.EINVAL;
  const f = alloc_file(k, ino, found.path, found.dentry, fmode, flags & ~(O_CREAT | O_EXCL | O_TRUNC));
  if ((flags & O_TRUNC) !== 0 && (fmode & FMODE_WRITE) !== 0 && S_ISREG(ino.i_mode)) {
    const err = do_truncate(k, ino, 0);
    if (err < 0) {
      fput(k, f);
      return err;
    }
  }
  const fd = fd_install(t, f);
  if (fd < 0) fput(k, f);
  return fd;
}

/**
 * unlink(2): the name goes; the inode loses a link, and goes when nothing else holds it (an
 * open file or a mapping keeps it, with its page cache, until the last close or munmap).
 * -ENOENT, -EISDIR (a directory), -EROFS, -EBUSY (a mountpoint).
 * @kernel fs/namei.c do_unlinkat, vfs_unlink
 */
export function do_unlinkat(k: Kernel, path: string): number {
  const lp = lookup_parent(k, path);
  if (typeof lp === "number") return lp === -errnoValues.EISDIR ? -errnoValues.EISDIR : lp;
  const d = d_lookup(k, lp.parent, lp.last);
  if (d === null || d.d_inode === null) return -errnoValues.ENOENT;
  const ino = d.d_inode;
  if (S_ISDIR(ino.i_mode)) return -errnoValues.EISDIR;
  if (d.d_mounted !== null) return -errnoValues.EBUSY;
  const dino = lp.parent.d_inode as inode;
  if (read_only(dino)) return -errnoValues.EROFS;
  if (!dino.i_op.unlink) return -errnoValues.EPERM;
  dget(d); // the walk's reference
  const err = dino.i_op.unlink(k, dino, lp.last, ino);
  if (err) {
    dput(k, d);
    return err;
  }
  // shmem_unlink's dput undoes shmem_mknod's pin; then d_delete and the walk's dput: the dentry
  // turns negative (or, still open, is unhashed) and the inode loses the dentry's reference.
  if (ino.shmem) dput(k, d);
  d_delete(k, d);
  return 0;
}

/** mkdir(2): -EEXIST if the name exists. @kernel fs/namei.c do_mkdirat */
export function do_mkdirat(k: Kernel, path: string, mode: number): number {
  const lp = lookup_parent(k, path);
  if (typeof lp === "number") return lp === -errnoValues.EISDIR ? -errnoValues.EEXIST : lp;
  const existing = d_lookup(k, lp.parent, lp.last);
  if (existing !== null && existing.d_inode !== null) return -errnoValues.EEXIST;
  const d = vfs_create(k, lp.parent, lp.last, S_IFDIR | (mode & 0o7777));
  if (typeof d === "number") return d;
  dput(k, d);
  return 0;
}

/** Creates every missing directory of `path` (mkdir -p), for boot-time setup. */
export function mkdir_p(k: Kernel, path: string): dentry | number {
  let cur = "";
  for (const c of path.split("/").filter((p) => p !== "")) {
    cur += "/" + c;
    const r = path_lookup(k, cur);
    if (typeof r !== "number") {
      if (r.dentry.d_inode !== null && (r.dentry.d_inode.i_mode & S_IFMT) !== S_IFDIR) return -errnoValues.ENOTDIR;
      continue;
    }
    const err = do_mkdirat(k, cur, 0o755);
    if (err < 0) return err;
  }
  const r = path_lookup(k, path);
  return typeof r === "number" ? r : r.dentry;
}
