/**
 * The bi_end_io of each kind of bio the model submits, called by the block layer's completion
 * (blk.ts complete_head) once per page of a completed request: what the kernel's bio end_io
 * functions do for the pages of a bio.
 * @kernel mm/page_io.c end_swap_bio_read, end_swap_bio_write
 * @kernel fs/mpage.c mpage_end_io
 * @kernel fs/buffer.c end_buffer_read_sync, end_buffer_async_write
 * @kernel mm/filemap.c folio_end_writeback
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { end_buffer_read_sync } from "../fs/buffer.js";
import { mpage_end_io_read } from "../fs/mpage.js";
import { end_swap_bio_read, end_swap_bio_write } from "../mm/page_io.js";
import { end_page_writeback_file } from "../mm/page-writeback.js";

/**
 * Completes page `pfn` of a request whose end_io kind is `end` (blk.ts END_*): a buffer head for
 * END_BH_*, -1 for a direct I/O page. `last` says it is the request's last page.
 */
export function blk_end_io(k: Kernel, end: number, pfn: number, last: boolean): void {
  switch (end) {
    case 0: // END_SWAP_READ
      end_swap_bio_read(k, pfn);
      return;
    case 1: // END_SWAP_WRITE
      end_swap_bio_write(k, pfn);
      return;
    case 2: // END_MPAGE_READ
      mpage_end_io_read(k, pfn);
      return;
    case 3: // END_BH_READ
      end_buffer_read_sync(k, pfn);
      return;
    case 4: // END_BH_WRITE: end_buffer_async_write, the page's last buffer
    case 5: // END_FOLIO_WRITE: mpage_end_io (write)
      end_page_writeback_file(k, pfn);
      return;
    case 6: // END_DIRECT: the waiter completes the dio
      return;
    default:
      void last;
      throw new KernelBug("blk_end_io: unknown end_io kind", { end, pfn });
  }
}
