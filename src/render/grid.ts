import type { Mask } from '../core/mask';
import type { CompareCell } from '../protocol/messages';
import type { Colormap } from '../core/colormap';
import { drawHeatmapOverlay } from './heatmap';

export interface GridSpec {
  rows: { id: string; label: string; image: CanvasImageSource | null }[];
  cols: { id: string; label: string }[];
  cells: Record<string, CompareCell>;
  /** The mask outlined on each row's image. */
  maskOf(imageId: string): Mask | null;
  colormap: Colormap;
  opacity: number;
  cellSize: number;
}

/** Draws the compare grid (header row and column, one overlay per cell) into a 2D context. */
export function drawGrid(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, spec: GridSpec): void {
  const { rows, cols, cellSize: c } = spec;
  const head = 28;
  const side = 120;
  ctx.fillStyle = '#111418';
  ctx.fillRect(0, 0, side + cols.length * c, head + rows.length * c);
  ctx.fillStyle = '#e6e6e6';
  ctx.font = '13px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  cols.forEach((col, j) => ctx.fillText(col.label.slice(0, 34), side + j * c + 6, head / 2, c - 12));
  rows.forEach((row, i) => {
    ctx.fillText(row.label.slice(0, 16), 6, head + i * c + c / 2, side - 12);
    cols.forEach((col, j) => {
      const cell = spec.cells[`${col.id}|${row.id}`];
      const tile = new OffscreenCanvas(c - 4, c - 4);
      drawHeatmapOverlay(tile.getContext('2d') as unknown as CanvasRenderingContext2D, row.image, cell ?? null, { colormap: spec.colormap, opacity: spec.opacity, outline: spec.maskOf(row.id) });
      ctx.drawImage(tile, side + j * c + 2, head + i * c + 2);
      if (cell) {
        ctx.fillStyle = 'rgba(0,0,0,0.6)';
        ctx.fillRect(side + j * c + 2, head + (i + 1) * c - 22, c - 4, 20);
        ctx.fillStyle = '#e6e6e6';
        ctx.fillText(`in mask ${(cell.alignment.energy * 100).toFixed(1)}% · q ${cell.score.toFixed(1)}`, side + j * c + 8, head + (i + 1) * c - 12);
      }
    });
  });
}

export function gridSize(spec: Pick<GridSpec, 'rows' | 'cols' | 'cellSize'>): { width: number; height: number } {
  return { width: 120 + spec.cols.length * spec.cellSize, height: 28 + spec.rows.length * spec.cellSize };
}

export async function gridPng(spec: GridSpec): Promise<Blob> {
  const { width, height } = gridSize(spec);
  const canvas = new OffscreenCanvas(width, height);
  drawGrid(canvas.getContext('2d')!, spec);
  return canvas.convertToBlob({ type: 'image/png' });
}
