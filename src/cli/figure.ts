import { resize, type RgbImage } from '../core/iqa/image';
import type { Mask } from '../core/mask';
import { overlayImage, Raster } from './raster';

export interface FigureCell {
  /** GradCAM after ReLU at feature resolution. */
  raw: Float32Array;
  /** Mask outline drawn over the overlay (the column's target), or null. */
  outline: Mask | null;
  /** Caption under the cell, e.g. "EIM 0.72  Q 63". */
  caption: string;
}

export interface FigureSpec {
  columns: string[];
  /** Each row's image (squashed into the square cells) and the CAM grid of its maps. */
  rows: { label: string; image: RgbImage; grid: { h: number; w: number }; cells: FigureCell[] }[];
  /** Side of each image cell in pixels. */
  cell?: number;
}

/**
 * The reproduce figure: one row per test image, one column per model, each cell the model's
 * GradCAM over the image with its target mask outlined and a caption. Text is drawn with the
 * app's stroke font (upper case).
 */
export function drawFigure(spec: FigureSpec): Buffer {
  const cell = spec.cell ?? 192;
  const pad = 8;
  const labelW = 132;
  const headerH = 34;
  const captionH = 22;
  const rowH = cell + captionH + pad;
  const width = labelW + spec.columns.length * (cell + pad) + pad;
  const height = headerH + spec.rows.length * rowH + pad;
  const r = new Raster(width, height, [255, 255, 255]);
  const dark = [20, 20, 20] as const;
  spec.columns.forEach((c, j) => r.text(c, labelW + j * (cell + pad), 6, cell, headerH - 10, dark, 0.7));
  spec.rows.forEach((row, i) => {
    const y = headerH + i * rowH;
    r.text(row.label, 4, y + cell / 2 - 12, labelW - 12, 24, dark, 0.6);
    const photo = resize(row.image, cell, cell);
    row.cells.forEach((c, j) => {
      const x = labelW + j * (cell + pad);
      r.blit(overlayImage(photo, c.raw, row.grid.w, row.grid.h, cell, cell, { outline: c.outline }), x, y);
      r.text(c.caption, x, y + cell + 3, cell, captionH - 5, [60, 60, 60], 0.75);
    });
  });
  return r.png();
}
