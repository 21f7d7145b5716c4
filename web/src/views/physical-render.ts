/**
 * Draws the page-frame map: every pfn is a cell on a grid `perRow` pages wide (a power of two,
 * a multiple of a pageblock), coloured through a 256-entry lookup table from one byte per page
 * (the class byte) or per pageblock (zone, migratetype). Zoomed in, one page covers several
 * pixels; zoomed out, one pixel covers several pages and shows their average colour (each
 * visible page is read once per frame, accumulated into its pixel: 4 Mi pages in ~10 ms). The
 * pixels go into one reused ImageData as 32-bit words. Free buddy blocks are outlined once a page
 * is 4 pixels wide or more.
 */
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
  private img: ImageData | null = null;
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
  fit(w: number, h: number): Camera {
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

  draw(ctx: CanvasRenderingContext2D, w: number, h: number, cam: Camera, src: Source, background: number): void {
    if (this.img === null || this.img.width !== w || this.img.height !== h) {
      this.img = ctx.createImageData(w, h);
      this.u32 = new Uint32Array(this.img.data.buffer);
      this.accR = new Int32Array(w);
      this.accG = new Int32Array(w);
      this.accB = new Int32Array(w);
      this.accN = new Int32Array(w);
    }
    const out = this.u32;
    out.fill(background);
    if (cam.scale >= 1) this.drawZoomedIn(w, h, cam, src);
    else this.drawAggregated(w, h, cam, src);
    ctx.putImageData(this.img, 0, 0);
  }

  private drawZoomedIn(w: number, h: number, cam: Camera, src: Source): void {
    const out = this.u32;
    const { bytes, shift, lut } = src;
    const R = this.perRow;
    const max = this.maxPfn;
    if (this.colPx.length < w) this.colPx = new Int32Array(w);
    const col = this.colPx;
    for (let px = 0; px < w; px++) {
      const c = Math.floor(cam.x + (px + 0.5) / cam.scale);
      col[px] = c >= 0 && c < R ? c : -1;
    }
    for (let py = 0; py < h; py++) {
      const row = Math.floor(cam.y + (py + 0.5) / cam.scale);
      if (row < 0 || row >= this.rows) continue;
      const base = row * R;
      const o = py * w;
      for (let px = 0; px < w; px++) {
        const c = col[px];
        if (c < 0) continue;
        const pfn = base + c;
        if (pfn >= max) continue;
        out[o + px] = lut[bytes[pfn >>> shift]];
      }
    }
  }

  private drawAggregated(w: number, h: number, cam: Camera, src: Source): void {
    const out = this.u32;
    const { bytes, shift } = src;
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
    const c0 = Math.max(0, Math.floor(cam.x));
    const c1 = Math.min(R, Math.ceil(cam.x + w / s));
    if (c1 <= c0) return;
    if (this.colPx.length < R) this.colPx = new Int32Array(R);
    const colPx = this.colPx;
    for (let c = c0; c < c1; c++) {
      const px = Math.floor((c - cam.x) * s);
      colPx[c] = px >= 0 && px < w ? px : -1;
    }
    const r0 = Math.max(0, Math.floor(cam.y));
    const r1 = Math.min(this.rows, Math.ceil(cam.y + h / s));
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
        const b = shift === 0 ? bytes[base + c] : bytes[(base + c) >>> shift];
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
  outlineFree(ctx: CanvasRenderingContext2D, w: number, h: number, cam: Camera, classes: Uint8Array, colour: string): void {
    if (cam.scale < 4) return;
    const R = this.perRow;
    const r0 = Math.max(0, Math.floor(cam.y));
    const r1 = Math.min(this.rows, Math.ceil(cam.y + h / cam.scale));
    const c0 = Math.max(0, Math.floor(cam.x));
    const c1 = Math.min(R, Math.ceil(cam.x + w / cam.scale));
    ctx.save();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = r0; r < r1; r++) {
      const base = r * R;
      let c = c0;
      // Start at the head of a block that began before the visible columns.
      while (c < c1) {
        const pfn = base + c;
        if (pfn >= this.maxPfn) break;
        const v = classes[pfn];
        if ((v & 15) !== 1) {
          c++;
          continue;
        }
        const size = 1 << (v >> 4);
        const head = pfn - (pfn % size);
        const end = Math.min(head + size, base + R);
        const x0 = (Math.max(head, base) - base - cam.x) * cam.scale;
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
