/**
 * The model's own recorded page accesses: the format `mmsim run X --record-accesses FILE` will
 * write (issue 19, phase 2) and `mmsim replay --format mmsim` reads. Little-endian binary:
 *
 * ```
 * header, 32 bytes
 *   0   8  magic "MMSIMACC"
 *   8   4  u32 version = 1
 *  12   4  u32 record size in bytes = 16 (a later version may append fields; readers skip them)
 *  16   4  u32 page shift = 12 (4 KiB pages)
 *  20   4  u32 reserved = 0
 *  24   8  u64 number of records, or 0 when the writer streamed and could not know it
 * record, 16 bytes
 *   0   8  u64 page: the virtual page number (address >> page shift) of an anonymous or
 *          private page, or the page's index in its file for a page-cache page; < 2^44
 *   8   4  u32 space: the pid of the process for anonymous pages, the inode number for file pages
 *  12   1  u8 flags: bit 0 write, bit 1 file page; the other bits are zero
 *  13   3  reserved, zero
 * ```
 *
 * A replay key is the pair (space and its kind, page): the same virtual page of two processes
 * is two keys, as it is two pages to the kernel's LRU.
 */

/** The first eight bytes of every mmsim access trace. */
export const ACCESS_MAGIC = "MMSIMACC";
/** The version this code writes and reads. */
export const ACCESS_VERSION = 1;
/** Header bytes before the first record. */
export const ACCESS_HEADER_SIZE = 32;
/** Bytes per record (version 1). */
export const ACCESS_RECORD_SIZE = 16;
/** Record flag: the access wrote the page. */
export const ACCESS_FLAG_WRITE = 1;
/** Record flag: a page-cache (file) page; `space` is then an inode number. */
export const ACCESS_FLAG_FILE = 2;
/** Pages are below 2^44, so the high half of a page number is at most this. */
export const MAX_ACCESS_PAGE_HI = (1 << 12) - 1;

/** The 32-byte header for a trace of `records` accesses (0: not known when the header is written). */
export function encodeAccessHeader(records = 0, pageShift = 12): Uint8Array {
  const h = new Uint8Array(ACCESS_HEADER_SIZE);
  const v = new DataView(h.buffer);
  for (let i = 0; i < ACCESS_MAGIC.length; i++) h[i] = ACCESS_MAGIC.charCodeAt(i);
  v.setUint32(8, ACCESS_VERSION, true);
  v.setUint32(12, ACCESS_RECORD_SIZE, true);
  v.setUint32(16, pageShift, true);
  v.setUint32(24, records % 4294967296, true);
  v.setUint32(28, Math.floor(records / 4294967296), true);
  return h;
}

/**
 * Collects accesses into chunks of encoded records for a shell to write out; the model side of
 * `--record-accesses` (phase 2) calls `add` per access, with no allocation until a chunk fills.
 */
export class AccessTraceWriter {
  private buf: Uint8Array;
  private view: DataView;
  private off = 0;
  private n = 0;

  constructor(
    /** Receives each full chunk (and the last, partial one from `flush`); the bytes are reused afterwards. */
    private readonly out: (bytes: Uint8Array) => void,
    chunkRecords = 4096,
  ) {
    this.buf = new Uint8Array(chunkRecords * ACCESS_RECORD_SIZE);
    this.view = new DataView(this.buf.buffer);
  }

  /** Accesses added so far. */
  get records(): number {
    return this.n;
  }

  /** Appends one access. @throws RangeError for a page at or beyond 2^44 or a space beyond u32. */
  add(page: number, space: number, write: boolean, file: boolean): void {
    if (!(page >= 0 && page < 2 ** 44 && Number.isInteger(page))) throw new RangeError(`page ${page} is not an integer below 2^44`);
    if (!(space >= 0 && space <= 0xffffffff && Number.isInteger(space))) throw new RangeError(`space ${space} is not a u32`);
    const v = this.view;
    const o = this.off;
    v.setUint32(o, page % 4294967296, true);
    v.setUint32(o + 4, Math.floor(page / 4294967296), true);
    v.setUint32(o + 8, space, true);
    v.setUint32(o + 12, (write ? ACCESS_FLAG_WRITE : 0) | (file ? ACCESS_FLAG_FILE : 0), true);
    this.off = o + ACCESS_RECORD_SIZE;
    this.n++;
    if (this.off === this.buf.length) this.flush();
  }

  /** Hands out what is buffered. */
  flush(): void {
    if (this.off === 0) return;
    this.out(this.buf.subarray(0, this.off));
    this.off = 0;
  }
}
