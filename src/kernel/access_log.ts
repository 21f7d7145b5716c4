/**
 * The model's record of the page accesses the MMU made (`mmsim run X --record-accesses FILE`):
 * not a kernel structure. While a Machine records, access_range and access_addrs append one
 * entry per page a task's access reached (the pages before a signal stopped it): the virtual
 * page number and the pid for an anonymous or private page, the page's index in its file and the
 * inode number for a page of a shared file mapping. The shell drains it between scenario steps
 * into the recorded-access format (src/replay/access_format.ts).
 *
 * Not recorded: page-cache pages read or written through file descriptors (read/write syscalls
 * reach no PTE) and the kernel's own accesses (copy_from_user of syscall buffers).
 */

/** Entry flag: the access wrote the page. */
export const ACCESS_LOG_WRITE = 1;
/** Entry flag: a page of a file mapping (space is an inode number, page an index in the file). */
export const ACCESS_LOG_FILE = 2;

/** Growable columns of accesses; memory grows by doubling, nothing is allocated per access. */
export class AccessLog {
  page = new Float64Array(4096);
  space = new Uint32Array(4096);
  flags = new Uint8Array(4096);
  /** Entries held. */
  n = 0;

  /** Appends `count` consecutive pages from `page` of one space with the same flags. */
  addRun(page: number, count: number, space: number, flags: number): void {
    if (this.n + count > this.page.length) this.grow(this.n + count);
    const p = this.page;
    const s = this.space;
    const f = this.flags;
    for (let i = 0; i < count; i++) {
      const o = this.n + i;
      p[o] = page + i;
      s[o] = space;
      f[o] = flags;
    }
    this.n += count;
  }

  private grow(min: number): void {
    let cap = this.page.length * 2;
    while (cap < min) cap *= 2;
    const page = new Float64Array(cap);
    page.set(this.page.subarray(0, this.n));
    const space = new Uint32Array(cap);
    space.set(this.space.subarray(0, this.n));
    const flags = new Uint8Array(cap);
    flags.set(this.flags.subarray(0, this.n));
    this.page = page;
    this.space = space;
    this.flags = flags;
  }
}
