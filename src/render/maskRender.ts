/**
 * Pure canvas drawing for the mask studio: the photo background, the mask overlay, shape
 * previews and the brush cursor, and the feature-grid preview. Components own the canvases and
 * call these; nothing here holds React state. Sizes are in canvas pixels (device pixels).
 */
import type { Mask } from '../core/mask';
import type { UV } from '../core/maskOps';

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
export type RGB = [number, number, number];

export const MASK_COLORS = {
  accent: '#4cc2ff',
  panel: '#1a1f26',
  background: '#111418',
  text: '#e6e6e6',
} as const;

/** '#rgb' or '#rrggbb' -> [r, g, b]; anything else is the accent colour. */
export function parseHexColor(hex: string): RGB {
  let h = hex.trim().replace(/^#/, '');
  if (h.length === 3) h = [...h].map((c) => c + c).join('');
  if (!/^[0-9a-f]{6}$/i.test(h)) return parseHexColor(MASK_COLORS.accent);
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/** RGBA of the overlay at the mask's own resolution: the colour, alpha = value x opacity. */
export function maskOverlayPixels(mask: Mask, color: RGB, opacity: number, out?: Uint8ClampedArray): Uint8ClampedArray {
  const n = mask.width * mask.height;
  const px = out && out.length === n * 4 ? out : new Uint8ClampedArray(n * 4);
  const a = Math.max(0, Math.min(1, opacity)) * 255;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    px[o] = color[0];
    px[o + 1] = color[1];
    px[o + 2] = color[2];
    px[o + 3] = mask.data[i] * a;
  }
  return px;
}

type Scratch = HTMLCanvasElement | OffscreenCanvas;
let scratch: { canvas: Scratch; ctx: Ctx; pixels: ImageData } | null = null;

/** A reusable canvas of w x h for putImageData -> scaled drawImage. */
function scratchCanvas(w: number, h: number): { canvas: Scratch; ctx: Ctx; pixels: ImageData } {
  if (scratch && scratch.canvas.width === w && scratch.canvas.height === h) return scratch;
  const canvas: Scratch =
    typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d') as Ctx | null;
  if (!ctx) throw new Error('2D canvas unavailable');
  scratch = { canvas, ctx, pixels: ctx.createImageData(w, h) };
  return scratch;
}

/** The photo stretched over the whole canvas (the model sees it squashed the same way). */
export function drawPhoto(ctx: Ctx, image: CanvasImageSource | null, width: number, height: number): void {
  ctx.save();
  ctx.fillStyle = MASK_COLORS.background;
  ctx.fillRect(0, 0, width, height);
  if (image) {
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(image, 0, 0, width, height);
  } else {
    // No photo: a faint checkerboard, so the mask area still reads as "on something".
    const cell = Math.max(8, Math.round(Math.min(width, height) / 16));
    ctx.fillStyle = '#1c2128';
    for (let y = 0; y < height; y += cell) {
      for (let x = (y / cell) % 2 ? cell : 0; x < width; x += 2 * cell) ctx.fillRect(x, y, cell, cell);
    }
  }
  ctx.restore();
}

export interface OverlayOptions {
  width: number;
  height: number;
  color?: string;
  /** 0..1 */
  opacity: number;
  /** Smooth the mask when stretching it to the canvas (default true); false shows its pixels. */
  smooth?: boolean;
}

/** Clears the canvas and draws the mask over it, stretched to width x height. */
export function drawMaskOverlay(ctx: Ctx, mask: Mask, opts: OverlayOptions): void {
  ctx.clearRect(0, 0, opts.width, opts.height);
  if (opts.opacity <= 0) return;
  const s = scratchCanvas(mask.width, mask.height);
  maskOverlayPixels(mask, parseHexColor(opts.color ?? MASK_COLORS.accent), opts.opacity, s.pixels.data);
  s.ctx.putImageData(s.pixels, 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = opts.smooth ?? true;
  ctx.drawImage(s.canvas, 0, 0, opts.width, opts.height);
  ctx.restore();
}

/** A shape being dragged, in normalised coordinates. */
export type ShapePreview =
  | { kind: 'rect' | 'ellipse'; a: UV; b: UV }
  | { kind: 'lasso'; points: UV[] }
  | { kind: 'brush'; at: UV; radiusPx: number };

export interface PreviewOptions {
  width: number;
  height: number;
  /** Line width in canvas pixels (default 1.5 x devicePixelRatio-free 1.5). */
  lineWidth?: number;
  erase?: boolean;
}

/** Clears the canvas and draws the outline of the shape being drawn (or the brush cursor). */
export function drawShapePreview(ctx: Ctx, shape: ShapePreview | null, opts: PreviewOptions): void {
  const { width: W, height: H } = opts;
  ctx.clearRect(0, 0, W, H);
  if (!shape) return;
  ctx.save();
  ctx.lineWidth = opts.lineWidth ?? 1.5;
  ctx.beginPath();
  switch (shape.kind) {
    case 'rect': {
      const x = Math.min(shape.a.u, shape.b.u) * W;
      const y = Math.min(shape.a.v, shape.b.v) * H;
      ctx.rect(x, y, Math.abs(shape.b.u - shape.a.u) * W, Math.abs(shape.b.v - shape.a.v) * H);
      break;
    }
    case 'ellipse': {
      const rx = (Math.abs(shape.b.u - shape.a.u) * W) / 2;
      const ry = (Math.abs(shape.b.v - shape.a.v) * H) / 2;
      ctx.ellipse(((shape.a.u + shape.b.u) / 2) * W, ((shape.a.v + shape.b.v) / 2) * H, rx, ry, 0, 0, 2 * Math.PI);
      break;
    }
    case 'lasso':
      shape.points.forEach((p, i) => (i ? ctx.lineTo(p.u * W, p.v * H) : ctx.moveTo(p.u * W, p.v * H)));
      if (shape.points.length > 2) ctx.closePath();
      break;
    case 'brush':
      ctx.arc(shape.at.u * W, shape.at.v * H, Math.max(1, shape.radiusPx), 0, 2 * Math.PI);
      break;
    default: {
      const never: never = shape;
      throw new Error(`unknown shape ${JSON.stringify(never)}`);
    }
  }
  if (shape.kind !== 'brush') {
    ctx.fillStyle = opts.erase ? 'rgba(17, 20, 24, 0.35)' : 'rgba(76, 194, 255, 0.18)';
    ctx.fill();
  }
  // Dark then light dashes: visible on bright and dark photos alike.
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
  ctx.stroke();
  ctx.setLineDash([5, 4]);
  ctx.strokeStyle = opts.erase ? '#ff8a80' : '#ffffff';
  ctx.stroke();
  ctx.restore();
}

export interface GridOptions {
  width: number;
  height: number;
  color?: string;
  /** Drawn dimmed under the cells, for orientation. */
  photo?: CanvasImageSource | null;
  /** Print each cell's value when cells are at least this many pixels wide (default 28; 0: never). */
  labelMinCell?: number;
}

/**
 * The mask as the loss sees it: one block per feature-grid cell (grid = the mask already
 * downsampled to gw x gh, e.g. with resizeMask), its value as the block's strength.
 */
export function drawFeatureGrid(ctx: Ctx, grid: Mask, opts: GridOptions): void {
  const { width: W, height: H } = opts;
  const [r, g, b] = parseHexColor(opts.color ?? MASK_COLORS.accent);
  ctx.save();
  ctx.fillStyle = MASK_COLORS.background;
  ctx.fillRect(0, 0, W, H);
  if (opts.photo) {
    ctx.globalAlpha = 0.35;
    ctx.drawImage(opts.photo, 0, 0, W, H);
    ctx.globalAlpha = 1;
  }
  const cw = W / grid.width;
  const ch = H / grid.height;
  const label = (opts.labelMinCell ?? 28) > 0 && cw >= (opts.labelMinCell ?? 28) && ch >= 14;
  ctx.font = `${Math.round(Math.min(cw, ch) * 0.3)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      const v = Math.max(0, Math.min(1, grid.data[y * grid.width + x]));
      const x0 = Math.round(x * cw);
      const y0 = Math.round(y * ch);
      const x1 = Math.round((x + 1) * cw);
      const y1 = Math.round((y + 1) * ch);
      ctx.fillStyle = `rgba(${r}, ${g}, ${b}, ${(0.08 + 0.82 * v).toFixed(3)})`;
      ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
      if (label) {
        ctx.fillStyle = v > 0.55 ? MASK_COLORS.background : MASK_COLORS.text;
        ctx.fillText(v >= 0.995 ? '1' : v < 0.005 ? '0' : v.toFixed(2).replace(/^0/, ''), (x0 + x1) / 2, (y0 + y1) / 2);
      }
    }
  }
  ctx.strokeStyle = 'rgba(230, 230, 230, 0.25)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = 0; x <= grid.width; x++) {
    const px = Math.min(W - 0.5, Math.round(x * cw) + 0.5);
    ctx.moveTo(px, 0);
    ctx.lineTo(px, H);
  }
  for (let y = 0; y <= grid.height; y++) {
    const py = Math.min(H - 0.5, Math.round(y * ch) + 0.5);
    ctx.moveTo(0, py);
    ctx.lineTo(W, py);
  }
  ctx.stroke();
  ctx.restore();
}
