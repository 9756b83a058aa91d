import { normalizeMap } from '../core/alignment';
import type { Mask } from '../core/mask';
import { colormapLut, type Colormap } from '../core/colormap';

export interface HeatmapDrawOptions {
  opacity: number;
  colormap: Colormap;
  /** Draw the outline of this mask over the overlay. */
  outline?: Mask | null;
}

/** Map (row-major w x h, any range) -> RGBA image with the colormap, alpha = opacity. */
export function heatmapToImageData(data: ArrayLike<number>, w: number, h: number, colormap: Colormap, opacity: number): ImageData {
  const n = normalizeMap(Array.from(data, (v) => Math.max(0, v)));
  const lut = colormapLut(colormap);
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const k = Math.round(n[i] * 255) * 3;
    rgba[4 * i] = lut[k];
    rgba[4 * i + 1] = lut[k + 1];
    rgba[4 * i + 2] = lut[k + 2];
    rgba[4 * i + 3] = Math.round(opacity * 255);
  }
  return new ImageData(rgba, w, h);
}

/** Draws the photo, the heatmap stretched over it (bilinear), and optionally the mask outline. */
export function drawHeatmapOverlay(
  ctx: CanvasRenderingContext2D,
  image: CanvasImageSource | null,
  map: { data: ArrayLike<number>; width: number; height: number } | null,
  opts: HeatmapDrawOptions,
): void {
  const { width: W, height: H } = ctx.canvas;
  ctx.clearRect(0, 0, W, H);
  if (image) ctx.drawImage(image, 0, 0, W, H);
  if (map) {
    const small = new OffscreenCanvas(map.width, map.height);
    small.getContext('2d')!.putImageData(heatmapToImageData(map.data, map.width, map.height, opts.colormap, opts.opacity), 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, W, H);
  }
  if (opts.outline) drawMaskOutline(ctx, opts.outline);
}

/** Solid white outline of the mask's cells at 0.5, scaled to the canvas. */
export function drawMaskOutline(ctx: CanvasRenderingContext2D, mask: Mask): void {
  const { width: W, height: H } = ctx.canvas;
  const sx = W / mask.width;
  const sy = H / mask.height;
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < mask.width && y < mask.height && mask.data[y * mask.width + x] >= 0.5;
  ctx.save();
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let y = 0; y <= mask.height; y++) {
    for (let x = 0; x <= mask.width; x++) {
      if (on(x, y) !== on(x, y - 1)) {
        ctx.moveTo(x * sx, y * sy);
        ctx.lineTo((x + 1) * sx, y * sy);
      }
      if (on(x, y) !== on(x - 1, y)) {
        ctx.moveTo(x * sx, y * sy);
        ctx.lineTo(x * sx, (y + 1) * sy);
      }
    }
  }
  ctx.stroke();
  ctx.restore();
}

/** Tints the mask region over the photo. */
export function drawMaskTint(ctx: CanvasRenderingContext2D, image: CanvasImageSource | null, mask: Mask, opacity: number): void {
  const { width: W, height: H } = ctx.canvas;
  ctx.clearRect(0, 0, W, H);
  if (image) ctx.drawImage(image, 0, 0, W, H);
  const rgba = new Uint8ClampedArray(mask.width * mask.height * 4);
  for (let i = 0; i < mask.data.length; i++) {
    rgba[4 * i] = 76;
    rgba[4 * i + 1] = 194;
    rgba[4 * i + 2] = 255;
    rgba[4 * i + 3] = Math.round(mask.data[i] * opacity * 255);
  }
  const small = new OffscreenCanvas(mask.width, mask.height);
  small.getContext('2d')!.putImageData(new ImageData(rgba, mask.width, mask.height), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, W, H);
  drawMaskOutline(ctx, mask);
}
