import { PNG } from 'pngjs';
import { normalizeMap, upsampleBilinear } from '../core/alignment';
import { resizeMask, type Mask } from '../core/mask';
import { textMask } from '../core/textMask';
import { resize, type RgbImage } from '../core/iqa/image';
import { colormapLut, type Colormap } from '../core/colormap';

export type Rgb = readonly [number, number, number];

/** An opaque RGB raster drawn in plain JS and encoded with pngjs. */
export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(background, i * 3);
  }

  /** Copies an image with its top-left corner at (x, y), clipped to the raster. */
  blit(img: RgbImage, x: number, y: number): void {
    for (let r = 0; r < img.height; r++) {
      const Y = y + r;
      if (Y < 0 || Y >= this.height) continue;
      for (let c = 0; c < img.width; c++) {
        const X = x + c;
        if (X < 0 || X >= this.width) continue;
        const s = (r * img.width + c) * 3;
        this.data.set(img.data.subarray(s, s + 3), (Y * this.width + X) * 3);
      }
    }
  }

  /** Paints `color` with per-pixel coverage `alpha` (w x h, values in [0, 1]) at (x, y). */
  blend(alpha: ArrayLike<number>, w: number, h: number, x: number, y: number, color: Rgb): void {
    for (let r = 0; r < h; r++) {
      const Y = y + r;
      if (Y < 0 || Y >= this.height) continue;
      for (let c = 0; c < w; c++) {
        const X = x + c;
        const a = alpha[r * w + c];
        if (X < 0 || X >= this.width || !(a > 0)) continue;
        const o = (Y * this.width + X) * 3;
        for (let k = 0; k < 3; k++) this.data[o + k] = Math.round(this.data[o + k] * (1 - a) + color[k] * a);
      }
    }
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    this.blend(new Float32Array(w * h).fill(1), w, h, x, y, color);
  }

  /**
   * Text in the built-in stroke font (upper case, digits, punctuation), centred in the box
   * (x, y, w, h) with a cap height of `capFrac` of the box height (shrunk to fit the width).
   */
  text(str: string, x: number, y: number, w: number, h: number, color: Rgb = [0, 0, 0], capFrac = 0.6): void {
    if (!str.trim()) return;
    const side = Math.max(w, h);
    const m = textMask(str, { size: side, aspect: w / h, fontSize: capFrac }).mask;
    const cov = resizeMask(m, w, h).data;
    this.blend(cov, w, h, x, y, color);
  }

  png(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    for (let i = 0; i < this.width * this.height; i++) {
      png.data[i * 4] = this.data[i * 3];
      png.data[i * 4 + 1] = this.data[i * 3 + 1];
      png.data[i * 4 + 2] = this.data[i * 3 + 2];
      png.data[i * 4 + 3] = 255;
    }
    return PNG.sync.write(png);
  }
}

/**
 * A CAM overlay: the photo (resized to w x h), the ReLU'd map bilinearly upsampled over it,
 * min-max normalised, through the colormap at `opacity`, and optionally the target mask's outline.
 * @param raw map at feature resolution (mw x mh, row-major)
 */
export function overlayImage(
  photo: RgbImage,
  raw: ArrayLike<number>,
  mw: number,
  mh: number,
  w: number,
  h: number,
  opts: { colormap?: Colormap; opacity?: number; outline?: Mask | null } = {},
): RgbImage {
  const base = photo.width === w && photo.height === h ? photo : resize(photo, w, h);
  const relu = Float32Array.from(raw, (v) => Math.max(0, v));
  const S = normalizeMap(upsampleBilinear(relu, mw, mh, w, h));
  const lut = colormapLut(opts.colormap ?? 'jet');
  const a = opts.opacity ?? 0.5;
  const out = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const k = Math.round(S[i] * 255) * 3;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(base.data[i * 3 + c] * (1 - a) + lut[k + c] * a);
  }
  const img = { width: w, height: h, data: out };
  if (opts.outline) drawOutline(img, opts.outline);
  return img;
}

/** Draws the boundary of a mask (binarised at 0.5, resized to the image) in white over black. */
export function drawOutline(img: RgbImage, mask: Mask): void {
  const { width: w, height: h } = img;
  const m = mask.width === w && mask.height === h ? mask.data : resizeMask(mask, w, h).data;
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && m[y * w + x] >= 0.5;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inside(x, y)) continue;
      const edge = !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1);
      if (!edge) continue;
      const o = (y * w + x) * 3;
      img.data[o] = 255;
      img.data[o + 1] = 255;
      img.data[o + 2] = 255;
    }
  }
}
