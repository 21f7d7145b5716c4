/**
 * The physical view's renderer (web/src/views/physical-render.ts) under node, with a stand-in 2D
 * context: zoomed in, every pixel is the colour of the page under its centre (checked against a
 * plain per-pixel reference, so the copied rows are right); a window of class bytes (the
 * single pages of a machine over PAGE_MAP_LIMIT) draws, where it covers, exactly what the whole
 * map draws there, zoomed in and zoomed out, and leaves the pyramid elsewhere.
 */
import { describe, expect, it } from "vitest";
import { BlockPyramid, PhysRenderer, type Camera, type Context2D, type Pixels } from "../../web/src/views/physical-render.js";

/** A 2D context with what the renderer uses: ImageData buffers and putImageData (keeps the last). */
function fakeContext(): { ctx: Context2D; pixels: () => Uint32Array } {
  let last: Uint32Array = new Uint32Array(0);
  const none = (): void => undefined;
  const ctx: Context2D = {
    createImageData: (w: number, h: number): Pixels => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
    putImageData: (img: Pixels) => {
      last = new Uint32Array(img.data.slice().buffer);
    },
    save: none,
    restore: none,
    beginPath: none,
    rect: none,
    stroke: none,
    strokeStyle: "",
    lineWidth: 1,
  };
  return { ctx, pixels: () => last };
}

/** Deterministic class bytes (xorshift), runs of equal bytes as a real map has. */
function classes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 2463534242;
  let v = 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    if ((x >>> 0) % 5 === 0) v = (x >>> 8) & 255;
    out[i] = v;
  }
  return out;
}

const LUT = Uint32Array.from({ length: 256 }, (_, i) => (0xff000000 | (i * 0x010305)) >>> 0);
const BG = 0xff000000;

describe("PhysRenderer", () => {
  it("zoomed in, every pixel shows the page under its centre", () => {
    const max = 2 ** 17 - 300; // a partial last row
    const r = new PhysRenderer(max);
    const bytes = classes(max);
    const { ctx, pixels } = fakeContext();
    for (const cam of [{ scale: 2.15, x: -3.2, y: -1.7 }, { scale: 7, x: 100.4, y: 200.9 }, { scale: 1, x: 0, y: r.rows - 300 }] as Camera[]) {
      const w = 301;
      const h = 217;
      r.draw(ctx, w, h, cam, { bytes, shift: 0, lut: LUT }, BG);
      const px = pixels();
      let bad = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const col = Math.floor(cam.x + (x + 0.5) / cam.scale);
          const row = Math.floor(cam.y + (y + 0.5) / cam.scale);
          const pfn = row * r.perRow + col;
          const want = col >= 0 && col < r.perRow && row >= 0 && row < r.rows && pfn < max ? LUT[bytes[pfn]] : BG;
          if (px[y * w + x] !== want) bad++;
        }
      }
      expect(bad).toBe(0);
    }
  });

  it("a window of class bytes draws what the whole map draws where it covers, the pyramid elsewhere", () => {
    const max = 2 ** 18;
    const r = new PhysRenderer(max);
    const bytes = classes(max);
    const pbPages = 512;
    // A pyramid of one colour, to tell its pixels from the window's.
    const PYR = 0xff123456;
    const pyr = new BlockPyramid(new Uint32Array(max / pbPages).fill(PYR), r.perRow, pbPages);
    const win = { r0: 40, r1: 90, c0: 100, c1: 400 };
    const winBytes = new Uint8Array((win.r1 - win.r0) * (win.c1 - win.c0));
    for (let row = win.r0; row < win.r1; row++) winBytes.set(bytes.subarray(row * r.perRow + win.c0, row * r.perRow + win.c1), (row - win.r0) * (win.c1 - win.c0));
    const whole = fakeContext();
    const windowed = fakeContext();
    for (const cam of [{ scale: 3, x: 90.5, y: 30.25 }, { scale: 0.6, x: 50, y: 10 }] as Camera[]) {
      const w = 420;
      const h = 180;
      r.draw(whole.ctx, w, h, cam, { bytes, shift: 0, lut: LUT }, BG);
      r.drawBlocks(windowed.ctx, w, h, cam, pyr, BG, { bytes: winBytes, lut: LUT, ...win });
      const a = whole.pixels();
      const b = windowed.pixels();
      let inside = 0;
      let outside = 0;
      let bad = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          // A pixel wholly inside the window: the whole map's colour; wholly outside it but on the
          // grid: the pyramid's.
          const cA = cam.x + x / cam.scale;
          const cB = cam.x + (x + 1) / cam.scale;
          const rA = cam.y + y / cam.scale;
          const rB = cam.y + (y + 1) / cam.scale;
          if (cA >= win.c0 && cB <= win.c1 && rA >= win.r0 && rB <= win.r1) {
            inside++;
            if (b[y * w + x] !== a[y * w + x]) bad++;
          } else if ((cB <= win.c0 || cA >= win.c1 || rB <= win.r0 || rA >= win.r1) && cA >= 0 && rA >= 0 && cB <= r.perRow && rB <= r.rows) {
            outside++;
            if (b[y * w + x] !== PYR) bad++;
          }
        }
      }
      expect(inside).toBeGreaterThan(1000);
      expect(outside).toBeGreaterThan(1000);
      expect(bad).toBe(0);
    }
  });
});
