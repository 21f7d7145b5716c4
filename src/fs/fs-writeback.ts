/**
 * The part of fs/fs-writeback.c part A needs: marking an inode dirty. An inode whose pages (or
 * metadata) become dirty gets I_DIRTY_* in i_state and, the first time, its dirtied_when and a
 * place at the tail of its disk's b_dirty list (the bdi_writeback's), the order the flusher
 * writes inodes back in. tmpfs inodes have no writeback (noop_backing_dev_info): their dirty
 * pages are never written back, so they are put on no list.
 *
 * Seam for part B: wb_workfn, wb_writeback, writeback_sb_inodes, __writeback_single_inode,
 * sync_inodes_sb and the periodic and background writeback walk k's disks' b_dirty lists.
 * @kernel fs/fs-writeback.c __mark_inode_dirty, inode_io_list_move_locked
 */
import type { Kernel } from "../kernel/kernel.js";
import { I_DIRTY, I_FREEING, type inode } from "./fs.js";

/**
 * Marks `ino` dirty with `flags` (I_DIRTY_PAGES, I_DIRTY_SYNC…); the first dirtying stamps
 * dirtied_when and queues it on its disk's b_dirty list.
 * @kernel fs/fs-writeback.c __mark_inode_dirty
 */
export function __mark_inode_dirty(k: Kernel, ino: inode, flags: number): void {
  if ((ino.i_state & flags) === flags) return;
  const was_dirty = ino.i_state & I_DIRTY;
  ino.i_state |= flags;
  if (was_dirty || (ino.i_state & I_FREEING) !== 0) return;
  const bdev = ino.i_bdev ?? ino.i_sb.s_bdev;
  if (bdev === null) return; // noop_backing_dev_info: no writeback
  ino.dirtied_when = k.now_ns;
  bdev.bdi.b_dirty.push(ino);
}

/** Takes an inode off its disk's dirty list (it was cleaned or is being evicted). @kernel fs/fs-writeback.c inode_io_list_del */
export function inode_io_list_del(ino: inode): void {
  const bdev = ino.i_bdev ?? ino.i_sb.s_bdev;
  if (bdev === null) return;
  const l = bdev.bdi.b_dirty;
  const i = l.indexOf(ino);
  if (i >= 0) l.splice(i, 1);
  ino.i_state &= ~I_DIRTY;
}
