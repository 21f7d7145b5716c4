/**
 * Multi-page reads of a block filesystem's files (fs/mpage.c): a readahead window's pages are
 * mapped to disk blocks with the filesystem's get_block — which maps a whole extent at once, up
 * to the end of the indirect block that holds it — and read with as few bios as the layout
 * allows: one per run of contiguous blocks. On ext2 a run ends where an indirect block sits
 * between two data blocks, so a 64 MiB file with 4 KiB blocks reads in its 32-page windows plus
 * one more bio per indirect block crossed (pc-read: 535 requests for the last 16068 pages).
 * Pages wholly past EOF or in a hole are zeroed without I/O; each read page is uptodate and
 * unlocked when its bio completes (mpage_end_io). No buffer heads are attached to pages mapped
 * this way.
 *
 * Simplified: a page whose blocks are not contiguous, or partly a hole, is read with one bio of
 * its own instead of through buffer heads (block_read_full_folio); no bio size limit beyond the
 * window (BIO_MAX_VECS is 256 pages; windows are at most ra_pages).
 *
 * Writes (part B): mpage_writepages walks the mapping's dirty pages (write_cache_pages) and
 * builds bios the same way — a page whose blocks are mapped and contiguous joins the open bio
 * when its first block follows the bio's last, up to BIO_MAX_VECS (256 pages, 1 MiB); a page
 * that is not (a hole, blocks out of order) is written with a bio of its own, as
 * block_write_full_page would. Each page is PG_writeback (NR_WRITEBACK) from its submission
 * until its bio completes (end_page_writeback_file); its buffers are clean from the submission
 * (clean_buffers). A page wholly past EOF is not written.
 * @kernel fs/mpage.c mpage_readahead, mpage_read_folio, do_mpage_readpage, mpage_bio_submit,
 *   mpage_end_io, mpage_writepages, __mpage_writepage, clean_buffers
 */
import type { Kernel } from "../kernel/kernel.js";
import { BIO_MAX_VECS, type block_device, END_FOLIO_WRITE, type mpage_wbio, END_MPAGE_READ, REQ_OP_READ, REQ_OP_WRITE, submit_bio } from "../block/blk.js";
import { __folio_start_writeback, write_cache_pages } from "../mm/page-writeback.js";
import { clean_page_buffers } from "./buffer.js";
import { F, PG_locked, PG_mappedtodisk, PG_uptodate } from "../mm/memmap.js";
import type { address_space, file, inode, readahead_control, writeback_control } from "./fs.js";

/**
 * A filesystem's block mapper: maps file block `iblock` of `ino` and as many following blocks as
 * are contiguous on disk (at most `maxblocks`), allocating when `create`. Writes the first disk
 * block (0 for a hole) and the count into `out[0]`, `out[1]`, and 1 into `out[2]` if the blocks
 * were just allocated. Returns 0 or -errno.
 * @kernel include/linux/fs.h get_block_t
 */
export type get_block_t = (k: Kernel, ino: inode, iblock: number, maxblocks: number, create: boolean, out: Float64Array) => number;

const MAPPEDTODISK = F(PG_mappedtodisk);

/** An mpage read in progress: the open bio's pages and the next block it can take. */
interface mpage_args {
  /** The pfns of the open bio, in the readahead request's page array: [bio_start, bio_end). */
  bio_start: number;
  bio_end: number;
  /** The disk block after the open bio's last one (-1: no bio open). */
  next_block: number;
  /** The mapped extent get_block last returned: file blocks [first_logical, + nblocks) at pblk. */
  first_logical: number;
  nblocks: number;
  pblk: number;
}

/** Submits the open bio (mpage_bio_submit): one read request for its pages. */
function mpage_bio_submit(k: Kernel, ino: inode, pages: Int32Array, a: mpage_args): void {
  const n = a.bio_end - a.bio_start;
  if (n > 0) {
    const bdev = ino.i_sb.s_bdev;
    if (bdev !== null) submit_bio(k, bdev, REQ_OP_READ, pages, a.bio_start, n, n * 8, END_MPAGE_READ);
  }
  a.bio_start = a.bio_end;
  a.next_block = -1;
}

/** A page is done without I/O: zeroed (a hole or past EOF), uptodate, unlocked. */
function zero_page_done(k: Kernel, pfn: number): void {
  k.mem_map.flags[pfn] = (k.mem_map.flags[pfn] | F(PG_uptodate)) & ~F(PG_locked);
}

/**
 * Maps page `pages[slot]` (file page `index`) and adds it to the open bio, or submits that bio
 * and starts another; `nr_left` pages of the request remain from this one.
 * @kernel fs/mpage.c do_mpage_readpage
 */
function do_mpage_readpage(k: Kernel, ino: inode, pages: Int32Array, slot: number, index: number, nr_left: number, a: mpage_args, get_block: get_block_t): void {
  const pfn = pages[slot];
  const bs = ino.i_sb.s_blocksize;
  const bpp = 4096 / bs;
  const block_in_file = index * bpp;
  let last_block = block_in_file + nr_left * bpp;
  const last_block_in_file = Math.ceil(ino.i_size / bs);
  if (last_block > last_block_in_file) last_block = last_block_in_file;
  // The page lies wholly inside the extent get_block last mapped, and before EOF: its blocks are
  // the extent's, contiguous (what the per-block loop below finds for them, in one step). A 32-page
  // window of a file with 1 KiB blocks takes this path for 31 of its pages or all 32.
  if (a.pblk !== 0 && block_in_file >= a.first_logical && block_in_file + bpp <= a.first_logical + a.nblocks && block_in_file + bpp <= last_block_in_file) {
    const pblk = a.pblk + (block_in_file - a.first_logical);
    k.mem_map.flags[pfn] |= MAPPEDTODISK;
    if (a.next_block !== pblk || a.bio_end !== slot) {
      mpage_bio_submit(k, ino, pages, a);
      a.bio_start = slot;
    }
    a.bio_end = slot + 1;
    a.next_block = pblk + bpp;
    return;
  }
  const out = k.vfs.map_out;
  let first = -1;
  let holes = 0;
  let contiguous = true;
  for (let b = 0; b < bpp; b++) {
    const fb = block_in_file + b;
    if (fb >= last_block_in_file) {
      holes++;
      continue;
    }
    let pblk: number;
    if (fb >= a.first_logical && fb < a.first_logical + a.nblocks) {
      pblk = a.pblk === 0 ? 0 : a.pblk + (fb - a.first_logical);
    } else {
      const err = get_block(k, ino, fb, Math.max(1, last_block - fb), false, out);
      if (err < 0) {
        zero_page_done(k, pfn);
        return;
      }
      a.first_logical = fb;
      a.nblocks = Math.max(1, out[1]);
      a.pblk = out[0];
      pblk = out[0];
    }
    if (pblk === 0) {
      holes++;
      continue;
    }
    if (first < 0) first = pblk - b;
    else if (pblk !== first + b) contiguous = false;
  }
  if (first < 0) {
    // a whole hole (or past EOF): zeroed, no I/O
    zero_page_done(k, pfn);
    return;
  }
  k.mem_map.flags[pfn] |= MAPPEDTODISK;
  if (holes > 0 || !contiguous) {
    // confused: the page is read on its own (block_read_full_folio)
    mpage_bio_submit(k, ino, pages, a);
    a.bio_start = slot;
    a.bio_end = slot + 1;
    mpage_bio_submit(k, ino, pages, a);
    a.bio_start = a.bio_end = slot + 1;
    return;
  }
  if (a.next_block !== first || a.bio_end !== slot) {
    mpage_bio_submit(k, ino, pages, a);
    a.bio_start = slot;
  }
  a.bio_end = slot + 1;
  a.next_block = first + bpp;
}

/**
 * ->readahead of a block filesystem: maps and reads the request's pages in as few bios as the
 * layout allows.
 * @kernel fs/mpage.c mpage_readahead
 */
export function mpage_readahead(k: Kernel, rac: readahead_control, get_block: get_block_t): void {
  const ino = rac.mapping.host;
  if (ino === null) return;
  const a: mpage_args = { bio_start: 0, bio_end: 0, next_block: -1, first_logical: 0, nblocks: 0, pblk: 0 };
  const n = rac._nr_pages;
  for (let i = 0; i < n; i++) do_mpage_readpage(k, ino, rac.pages, i, rac._index + i, n - i, a, get_block);
  mpage_bio_submit(k, ino, rac.pages, a);
}

/**
 * ->read_folio of a block filesystem: one page, read as a one-page readahead would.
 * @kernel fs/mpage.c mpage_read_folio
 */
export function mpage_read_folio(k: Kernel, _f: file | null, pfn: number, get_block: get_block_t): number {
  const mapping = k.vfs.mappings.get(k.mem_map.mapping[pfn]);
  const ino = mapping?.host ?? null;
  if (ino === null) return -5;
  const pages = new Int32Array([pfn]);
  const a: mpage_args = { bio_start: 0, bio_end: 0, next_block: -1, first_logical: 0, nblocks: 0, pblk: 0 };
  do_mpage_readpage(k, ino, pages, 0, k.mem_map.index[pfn], 1, a, get_block);
  mpage_bio_submit(k, ino, pages, a);
  return 0;
}

/** A read bio completed: its pages are uptodate and unlocked. @kernel fs/mpage.c mpage_end_io */
export function mpage_end_io_read(k: Kernel, pfn: number): void {
  k.mem_map.flags[pfn] = (k.mem_map.flags[pfn] | F(PG_uptodate)) & ~F(PG_locked);
}

/** Submits the open write bio. */
export function mpage_write_submit(k: Kernel, b: mpage_wbio): void {
  if (b.nr > 0 && b.bdev !== null) submit_bio(k, b.bdev, REQ_OP_WRITE, b.pages, 0, b.nr, b.nr * 8, END_FOLIO_WRITE);
  b.nr = 0;
  b.next_sector = -1;
}

/**
 * Adds page `pfn` of `mapping`, whose data starts at `sector` of `bdev` (-1: not contiguous on
 * disk, it gets a bio of its own), to the open write bio, starting its writeback.
 * @kernel fs/mpage.c __mpage_writepage
 */
export function mpage_add_write(k: Kernel, b: mpage_wbio, bdev: block_device, mapping: address_space, pfn: number, sector: number): void {
  if (b.nr > 0 && (sector < 0 || b.bdev !== bdev || sector !== b.next_sector || b.nr === BIO_MAX_VECS)) mpage_write_submit(k, b);
  clean_page_buffers(k, pfn);
  __folio_start_writeback(k, mapping, pfn);
  b.bdev = bdev;
  b.pages[b.nr++] = pfn;
  b.next_sector = sector < 0 ? -1 : sector + 8;
  if (sector < 0) mpage_write_submit(k, b);
}

/**
 * ->writepages of a block filesystem's files: the dirty pages written in as few bios as the
 * layout allows.
 * @kernel fs/mpage.c mpage_writepages
 */
export function mpage_writepages(k: Kernel, mapping: address_space, wbc: writeback_control, get_block: get_block_t): number {
  const b = k.blk.wbio;
  b.ext_n = 0;
  const ret = write_cache_pages(k, mapping, wbc, (kk, m, pfn) => mpage_writepage_one(kk, m, pfn, b, get_block));
  mpage_write_submit(k, b);
  return ret;
}

/** Maps one page's blocks and adds it to the bio (or writes it alone when they are not contiguous). */
function mpage_writepage_one(k: Kernel, mapping: address_space, pfn: number, b: mpage_wbio, get_block: get_block_t): number {
  const ino = mapping.host as inode;
  const bdev = ino.i_sb.s_bdev;
  if (bdev === null) return 0;
  const index = k.mem_map.index[pfn];
  const bs = ino.i_sb.s_blocksize;
  const bpp = 4096 / bs;
  const last_block_in_file = Math.ceil(ino.i_size / bs);
  const first_block = index * bpp;
  if (first_block >= last_block_in_file) return 0; // wholly past EOF: nothing to write
  const nblocks = Math.min(bpp, last_block_in_file - first_block);
  // The extent mapped for an earlier page covers this one (map_bh reused, as __mpage_writepage
  // does with its buffer_head): no new walk of the block map.
  if (first_block < b.ext_first || first_block + nblocks > b.ext_first + b.ext_n) {
    const out = k.vfs.map_out;
    const err = get_block(k, ino, first_block, Math.max(nblocks, last_block_in_file - first_block), false, out);
    if (err < 0) return err;
    b.ext_first = first_block;
    b.ext_n = out[0] === 0 ? 0 : out[1];
    b.ext_pblk = out[0];
    if (out[0] === 0 || out[1] < nblocks) {
      // a hole or a page whose blocks are not contiguous: a bio of its own
      b.ext_n = 0;
      mpage_add_write(k, b, bdev, mapping, pfn, -1);
      return 0;
    }
  }
  mpage_add_write(k, b, bdev, mapping, pfn, (b.ext_pblk + (first_block - b.ext_first)) * (bs / 512));
  return 0;
}
