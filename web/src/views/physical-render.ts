/**
 * Draws the page-frame map: every pfn is a cell on a grid `perRow` pages wide (a power of two,
 * a multiple of a pageblock), coloured through a 256-entry lookup table from one byte per page
 * (the class byte) or per pageblock (zone, migratetype). Zoomed in, one page covers several
 * pixels; zoomed out, one pixel covers several pages and shows their average colour (each
 * visible page is read once per frame, accumulated into its pixel: 4 Mi pages in ~10 ms). The
 * pixels go into one reused ImageData as 32-bit words; zoomed in, a pixel row that shows the same
 * grid row as the one above it is a copy of it. Free buddy blocks are outlined once a page
 * is 4 pixels wide or more.
 */
/** The pixels of a canvas (an ImageData is one). */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray<ArrayBuffer>;
}

/**
 * What the renderer uses of a canvas's 2D context (a CanvasRenderingContext2D is one): written
 * without the DOM's types so the renderer runs, and is tested, under node too.
 */
export interface Context2D {
  createImageData(w: number, h: number): Pixels;
  putImageData(img: Pixels, dx: number, dy: number): void;
  save(): void;
  restore(): void;
  beginPath(): void;
  rect(x: number, y: number, w: number, h: number): void;
  stroke(): void;
  strokeStyle: unknown;
  lineWidth: number;
}

export interface Camera {
  /** Pixels per page. */
  scale: number;
  /** The grid coordinates (column, row; in pages) at the canvas's top-left corner. */
  x: number;
  y: number;
}

export interface Source {
  /** One byte per page (shift 0) or per pageblock (shift 9). */
  bytes: Uint8Array;
  shift: number;
  /** Colour of each byte value, packed as ImageData words (0xAABBGGRR). */
  lut: Uint32Array;
}

/**
 * One class byte per page of a rectangle of the grid only — rows [r0, r1), columns [c0, c1),
 * row by row — for a machine too large for a whole map (the inspector's `classes` answer).
 */
export interface WindowSource {
  bytes: Uint8Array;
  lut: Uint32Array;
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** What the two drawing loops read: bytes[((row - r0) * stride + (col - c0)) >>> shift] for the rows and columns covered. */
interface GridBytes {
  bytes: Uint8Array;
  shift: number;
  lut: Uint32Array;
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  stride: number;
}

/** Pages per grid row: about twice as wide as tall, whole pageblocks, at least 512. */
export function gridWidth(maxPfn: number): number {
  return Math.max(512, 2 ** Math.ceil(Math.log2(Math.sqrt(2 * maxPfn))));
}

export function pack(r: number, g: number, b: number): number {
  return (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
}

export class PhysRenderer {
  readonly perRow: number;
  readonly rows: number;
  private img: Pixels | null = null;
  private u32 = new Uint32Array(0);
  private accR = new Int32Array(0);
  private accG = new Int32Array(0);
  private accB = new Int32Array(0);
  private accN = new Int32Array(0);
  private readonly lutR = new Uint8Array(256);
  private readonly lutG = new Uint8Array(256);
  private readonly lutB = new Uint8Array(256);
  private colPx = new Int32Array(0);

  constructor(readonly maxPfn: number) {
    this.perRow = gridWidth(maxPfn);
    this.rows = Math.ceil(maxPfn / this.perRow);
  }

  /** The camera that shows the whole machine in w × h pixels. */
  wholeMachineCamera(w: number, h: number): Camera {
    const scale = Math.min(w / this.perRow, h / this.rows);
    return { scale, x: -(w / scale - this.perRow) / 2, y: -(h / scale - this.rows) / 2 };
  }

  /** The pfn under a pixel, or null outside the map. */
  pfnAt(cam: Camera, px: number, py: number): number | null {
    const col = Math.floor(cam.x + px / cam.scale);
    const row = Math.floor(cam.y + py / cam.scale);
    if (col < 0 || col >= this.perRow || row < 0 || row >= this.rows) return null;
    const pfn = row * this.perRow + col;
    return pfn < this.maxPfn ? pfn : null;
  }

  /** The pixel rectangle of a pfn (top-left x, y and the side). */
  pixelOf(cam: Camera, pfn: number): { x: number; y: number; s: number } {
    return { x: (pfn % this.perRow - cam.x) * cam.scale, y: (Math.floor(pfn / this.perRow) - cam.y) * cam.scale, s: cam.scale };
  }

  /**
   * Draws a machine too large for a page map from its pageblock pyramid and, over it, the single
   * pages of `win` where it covers the canvas; returns the pyramid level drawn.
   */
  drawBlocks(ctx: Context2D, w: number, h: number, cam: Camera, pyr: BlockPyramid, background: number, win: WindowSource | null = null): number {
    this.ensure(ctx, w, h);
    this.u32.fill(background);
    const level = drawPyramid(this.u32, w, h, cam, pyr, this.rows);
    if (win !== null) {
      const g: GridBytes = { bytes: win.bytes, shift: 0, lut: win.lut, r0: win.r0, r1: Math.min(win.r1, this.rows), c0: win.c0, c1: Math.min(win.c1, this.perRow), stride: win.c1 - win.c0 };
      if (cam.scale >= 1) this.drawZoomedIn(w, h, cam, g);
      else this.drawAggregated(w, h, cam, g);
    }
    if (this.img) ctx.putImageData(this.img, 0, 0);
    return level;
  }

  private ensure(ctx: Context2D, w: number, h: number): void {
    if (this.img === null || this.img.width !== w || this.img.height !== h) {
      this.img = ctx.createImageData(w, h);
      this.u32 = new Uint32Array(this.img.data.buffer);
      this.accR = new Int32Array(w);
      this.accG = new Int32Array(w);
      this.accB = new Int32Array(w);
      this.accN = new Int32Array(w);
    }
  }

  draw(ctx: Context2D, w: number, h: number, cam: Camera, src: Source, background: number): void {
    this.ensure(ctx, w, h);
    const out = this.u32;
    out.fill(background);
    const g: GridBytes = { ...src, r0: 0, r1: this.rows, c0: 0, c1: this.perRow, stride: this.perRow };
    if (cam.scale >= 1) this.drawZoomedIn(w, h, cam, g);
    else this.drawAggregated(w, h, cam, g);
    if (this.img) ctx.putImageData(this.img, 0, 0);
  }

  private drawZoomedIn(w: number, h: number, cam: Camera, src: GridBytes): void {
    const out = this.u32;
    const { bytes, shift, lut, r0, r1, c0, c1, stride } = src;
    const R = this.perRow;
    const max = this.maxPfn;
    if (this.colPx.length < w) this.colPx = new Int32Array(w);
    const col = this.colPx;
    // The span of pixel columns that show covered grid columns (a copied row copies only it).
    let xa = w;
    let xb = 0;
    for (let px = 0; px < w; px++) {
      const c = Math.floor(cam.x + (px + 0.5) / cam.scale);
      col[px] = c >= c0 && c < c1 ? c : -1;
      if (col[px] >= 0) {
        xa = Math.min(xa, px);
        xb = px + 1;
      }
    }
    if (xb <= xa) return;
    // Zoomed in, consecutive pixel rows show the same grid row (a page is `scale` pixels high):
    // the first is drawn page by page, the others copied from it.
    let lastRow = -1;
    for (let py = 0; py < h; py++) {
      const row = Math.floor(cam.y + (py + 0.5) / cam.scale);
      if (row < r0 || row >= r1) continue;
      const o = py * w;
      if (row === lastRow) {
        out.copyWithin(o + xa, o - w + xa, o - w + xb);
        continue;
      }
      lastRow = row;
      const base = row * R;
      const at = (row - r0) * stride - c0;
      for (let px = xa; px < xb; px++) {
        const c = col[px];
        if (c < 0 || base + c >= max) continue;
        out[o + px] = lut[bytes[(at + c) >>> shift]];
      }
    }
  }

  private drawAggregated(w: number, h: number, cam: Camera, src: GridBytes): void {
    const out = this.u32;
    const { bytes, shift, stride } = src;
    // The colour table split into channels, as small integers: a Uint32Array entry above 2^31 is
    // a double in V8, and a double per page read was most of the time (230 ms for 4 Mi pages).
    const lr = this.lutR;
    const lg = this.lutG;
    const lb = this.lutB;
    for (let i = 0; i < 256; i++) {
      const v = src.lut[i];
      lr[i] = v & 255;
      lg[i] = (v >>> 8) & 255;
      lb[i] = (v >>> 16) & 255;
    }
    const R = this.perRow;
    const max = this.maxPfn;
    const s = cam.scale;
    // Visible columns and the pixel each falls in.
    const c0 = Math.max(src.c0, Math.floor(cam.x));
    const c1 = Math.min(src.c1, Math.ceil(cam.x + w / s));
    if (c1 <= c0) return;
    if (this.colPx.length < R) this.colPx = new Int32Array(R);
    const colPx = this.colPx;
    for (let c = c0; c < c1; c++) {
      const px = Math.floor((c - cam.x) * s);
      colPx[c] = px >= 0 && px < w ? px : -1;
    }
    const r0 = Math.max(src.r0, Math.floor(cam.y));
    const r1 = Math.min(src.r1, Math.ceil(cam.y + h / s));
    const aR = this.accR;
    const aG = this.accG;
    const aB = this.accB;
    const aN = this.accN;
    let curPy = -1;
    for (let r = r0; r <= r1; r++) {
      const py = r < r1 ? Math.floor((r - cam.y) * s) : -2;
      if (py !== curPy) {
        // Flush the finished pixel row: each pixel's average colour.
        if (curPy >= 0 && curPy < h) {
          const o = curPy * w;
          for (let px = 0; px < w; px++) {
            const n = aN[px];
            if (n === 0) continue;
            out[o + px] = (0xff000000 | (((aB[px] / n) | 0) << 16) | (((aG[px] / n) | 0) << 8) | ((aR[px] / n) | 0)) >>> 0;
            aR[px] = 0;
            aG[px] = 0;
            aB[px] = 0;
            aN[px] = 0;
          }
        }
        curPy = py;
      }
      if (py < 0 || py >= h) continue;
      const base = r * R;
      const at = (r - src.r0) * stride - src.c0;
      const cEnd = Math.min(c1, max - base);
      // Consecutive columns share a pixel: sum them in locals, store once per pixel.
      let px = colPx[c0];
      let sr = 0;
      let sg = 0;
      let sb = 0;
      let sn = 0;
      for (let c = c0; c < cEnd; c++) {
        const p = colPx[c];
        if (p !== px) {
          if (px >= 0) {
            aR[px] += sr;
            aG[px] += sg;
            aB[px] += sb;
            aN[px] += sn;
          }
          px = p;
          sr = sg = sb = sn = 0;
        }
        const b = shift === 0 ? bytes[at + c] : bytes[(at + c) >>> shift];
        sr += lr[b];
        sg += lg[b];
        sb += lb[b];
        sn++;
      }
      if (px >= 0 && sn > 0) {
        aR[px] += sr;
        aG[px] += sg;
        aB[px] += sb;
        aN[px] += sn;
      }
    }
  }

  /** Outlines free buddy blocks (class bytes: kind 1 = free, order in the high nibble). */
  outlineFree(ctx: Context2D, w: number, h: number, cam: Camera, classes: Uint8Array | WindowSource, colour: string): void {
    if (cam.scale < 4) return;
    const R = this.perRow;
    // The whole map, or a window of it (bytes of rows [g.r0, g.r1) × columns [g.c0, g.c1)).
    const g = classes instanceof Uint8Array ? { bytes: classes, r0: 0, r1: this.rows, c0: 0, c1: R } : classes;
    const stride = g.c1 - g.c0;
    const bytes = g.bytes;
    const r0 = Math.max(g.r0, Math.floor(cam.y));
    const r1 = Math.min(g.r1, this.rows, Math.ceil(cam.y + h / cam.scale));
    const c0 = Math.max(g.c0, Math.floor(cam.x));
    const c1 = Math.min(g.c1, R, Math.ceil(cam.x + w / cam.scale));
    ctx.save();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = r0; r < r1; r++) {
      const base = r * R;
      const at = (r - g.r0) * stride - g.c0;
      let c = c0;
      // Start at the head of a block that began before the visible columns.
      while (c < c1) {
        const pfn = base + c;
        if (pfn >= this.maxPfn) break;
        const v = bytes[at + c];
        if ((v & 15) !== 1) {
          c++;
          continue;
        }
        const size = 1 << (v >> 4);
        const head = pfn - (pfn % size);
        const end = Math.min(head + size, base + g.c1);
        const x0 = (Math.max(head, base + g.c0) - base - cam.x) * cam.scale;
        const x1 = (end - base - cam.x) * cam.scale;
        const y0 = (r - cam.y) * cam.scale;
        ctx.rect(Math.round(x0) + 0.5, Math.round(y0) + 0.5, Math.max(1, Math.round(x1 - x0) - 1), Math.max(1, Math.round(cam.scale) - 1));
        c = end - base;
      }
    }
    ctx.stroke();
    ctx.restore();
  }
}

/**
 * The pageblock pyramid a machine too large for a byte per page (more than PAGE_MAP_LIMIT pages:
 * 1 TiB is 2^28) is drawn from. Level 0 is one colour per pageblock (512 pages: a strip of the
 * grid 512 pages wide and one row high), the average colour of its pages from the worker's
 * per-pageblock summary; level L averages 2^L pageblocks stacked in consecutive rows. A frame
 * draws from the level whose cells are at least one pixel high, one cell per rectangle of
 * pixels, so its cost is the pixels plus the visible cells (a 1 TiB machine fitted in 1440×900:
 * level 5, 64 × 256 cells) whatever the machine's size.
 */
export class BlockPyramid {
  /** Per level: packed colours (0xAABBGGRR), `blocksPerRow` × rows(level). */
  readonly levels: Uint32Array[] = [];
  readonly blocksPerRow: number;
  readonly rows: number;

  /** `colours[b]`: pageblock b's colour; `perRow`: pages per grid row (a multiple of the pageblock). */
  constructor(colours: Uint32Array, perRow: number, readonly pageblockPages: number) {
    this.blocksPerRow = perRow / pageblockPages;
    this.rows = Math.ceil(colours.length / this.blocksPerRow);
    const base = new Uint32Array(this.rows * this.blocksPerRow);
    base.set(colours);
    this.levels.push(base);
    const B = this.blocksPerRow;
    for (let prev = base, rows = this.rows; rows > 1; ) {
      const next = Math.ceil(rows / 2);
      const lvl = new Uint32Array(next * B);
      for (let r = 0; r < next; r++) {
        for (let c = 0; c < B; c++) {
          const a = prev[2 * r * B + c];
          const b = 2 * r + 1 < rows ? prev[(2 * r + 1) * B + c] : a;
          // Average each channel of the two (alpha stays opaque).
          lvl[r * B + c] = (0xff000000 | ((((a & 0xff) + (b & 0xff)) >> 1) & 0xff) | (((((a >>> 8) & 0xff) + ((b >>> 8) & 0xff)) >> 1) << 8) | (((((a >>> 16) & 0xff) + ((b >>> 16) & 0xff)) >> 1) << 16)) >>> 0;
        }
      }
      this.levels.push(lvl);
      prev = lvl;
      rows = next;
    }
  }
}

/**
 * Draws a pyramid: the level whose cells (2^L grid rows high) are at least one pixel high, each
 * cell filling its rectangle of pixels. `rowsOfGrid` is the grid's rows in pages.
 */
/** The pyramid level drawn at a scale: the first whose cells (2^L rows) are at least a pixel high. */
export function pyramidLevel(scale: number, levels: number): number {
  return Math.min(scale >= 1 ? 0 : Math.ceil(Math.log2(1 / scale)), levels - 1);
}

export function drawPyramid(out: Uint32Array, w: number, h: number, cam: Camera, pyr: BlockPyramid, rowsOfGrid: number): number {
  const s = cam.scale;
  const L = pyramidLevel(s, pyr.levels.length);
  const lvl = pyr.levels[L];
  const cellH = 2 ** L;
  const cellW = pyr.pageblockPages;
  const B = pyr.blocksPerRow;
  const lrows = Math.ceil(rowsOfGrid / cellH);
  const r0 = Math.max(0, Math.floor(cam.y / cellH));
  const r1 = Math.min(lrows, Math.ceil((cam.y + h / s) / cellH));
  const c0 = Math.max(0, Math.floor(cam.x / cellW));
  const c1 = Math.min(B, Math.ceil((cam.x + w / s) / cellW));
  for (let r = r0; r < r1; r++) {
    const y0 = Math.max(0, Math.round((r * cellH - cam.y) * s));
    const y1 = Math.min(h, Math.round((Math.min(rowsOfGrid, (r + 1) * cellH) - cam.y) * s));
    if (y1 <= y0) continue;
    for (let c = c0; c < c1; c++) {
      const x0 = Math.max(0, Math.round((c * cellW - cam.x) * s));
      const x1 = Math.min(w, Math.round(((c + 1) * cellW - cam.x) * s));
      if (x1 <= x0) continue;
      const v = lvl[r * B + c];
      for (let y = y0; y < y1; y++) out.fill(v, y * w + x0, y * w + x1);
    }
  }
  return L;
}
