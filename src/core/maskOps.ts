/**
 * Rasterising onto a Mask. Every coordinate is normalised: (u, v) in [0, 1]², u to the right,
 * v down, over the (squashed, square) model input. The mask is shown stretched over the photo,
 * so a shape that must look round on the photo has different radii in u and v (`aspect`).
 *
 * Shapes (rect, ellipse, lasso) are filled with exact horizontal coverage over SUBROWS
 * sub-scanlines per pixel row, so their edges are anti-aliased and their area matches the
 * analytic area. Painting takes the max with the mask, erasing the min with (1 - coverage),
 * so overlapping pieces of one stroke never darken or accumulate.
 *
 * Pure functions return a new Mask; the `...InPlace` ones mutate their target (used while a
 * brush stroke is being drawn) and say which pixels they touched.
 */
import { MASK_SIZE } from './config';
import { resizeMask, type Mask } from './mask';

export type PaintMode = 'paint' | 'erase';

/** A point in normalised image coordinates. */
export interface UV {
  u: number;
  v: number;
}

/** Pixel rectangle [x0, x1) x [y0, y1) of a mask. */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface BrushOptions {
  /** Brush radius along u, as a fraction of the image width. */
  radiusU: number;
  /** Brush radius along v, as a fraction of the image height. */
  radiusV: number;
  /** 0: hard edge (1 px anti-aliasing); 1: the value falls off from the centre to the rim. */
  softness: number;
  mode: PaintMode;
  /** Peak value a paint stroke lays down (default 1). */
  strength?: number;
}

const SUBROWS = 4;

export function emptyMask(width = MASK_SIZE, height = width): Mask {
  return { width, height, data: new Float32Array(width * height) };
}

export function fullMask(width = MASK_SIZE, height = width): Mask {
  return { width, height, data: new Float32Array(width * height).fill(1) };
}

export function cloneMask(mask: Mask): Mask {
  return { width: mask.width, height: mask.height, data: mask.data.slice() };
}

/** Same size and the same values. */
export function masksEqual(a: Mask, b: Mask): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** 1 - m everywhere. */
export function invertMask(mask: Mask): Mask {
  return { width: mask.width, height: mask.height, data: mask.data.map((x) => 1 - x) };
}

/** The same-sized all-zero mask. */
export function clearMask(mask: Mask): Mask {
  return emptyMask(mask.width, mask.height);
}

/** 1 where m >= t, else 0. */
export function binarizeMask(mask: Mask, t = 0.5): Mask {
  return { width: mask.width, height: mask.height, data: mask.data.map((x) => (x >= t ? 1 : 0)) };
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Hermite smoothstep on [0, 1]. */
const smooth = (t: number) => t * t * (3 - 2 * t);

function composite(data: Float32Array, i: number, a: number, mode: PaintMode): void {
  if (mode === 'paint') {
    if (a > data[i]) data[i] = a;
  } else if (1 - a < data[i]) {
    data[i] = 1 - a;
  }
}

/**
 * Paints (or erases) one brush segment from p0 to p1 into `mask`, in place: an elliptical
 * brush (radii radiusU x radiusV) swept along the segment, round caps. A single point is
 * p0 === p1. Returns the touched pixels, or null when the segment misses the mask.
 */
export function brushSegmentInPlace(mask: Mask, p0: UV, p1: UV, opts: BrushOptions): PixelRect | null {
  const { width: W, height: H, data } = mask;
  const rx = Math.max(opts.radiusU, 1e-6) * W;
  const ry = Math.max(opts.radiusV, 1e-6) * H;
  const strength = clamp01(opts.strength ?? 1);
  // Work in a space scaled so the brush is the unit disc: distance to the segment < 1 is inside.
  const ax = (p0.u * W) / rx;
  const ay = (p0.v * H) / ry;
  const bx = (p1.u * W) / rx;
  const by = (p1.v * H) / ry;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const soft = clamp01(opts.softness);
  // Pixels up to half a pixel outside the rim get anti-aliasing coverage.
  const reach = 1 + 1 / Math.min(rx, ry);
  const rect = {
    x0: Math.max(0, Math.floor(Math.min(p0.u, p1.u) * W - rx - 1)),
    x1: Math.min(W, Math.ceil(Math.max(p0.u, p1.u) * W + rx + 1)),
    y0: Math.max(0, Math.floor(Math.min(p0.v, p1.v) * H - ry - 1)),
    y1: Math.min(H, Math.ceil(Math.max(p0.v, p1.v) * H + ry + 1)),
  };
  if (rect.x0 >= rect.x1 || rect.y0 >= rect.y1) return null;
  for (let y = rect.y0; y < rect.y1; y++) {
    const py = (y + 0.5) / ry;
    for (let x = rect.x0; x < rect.x1; x++) {
      const px = (x + 0.5) / rx;
      let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (ax + t * dx);
      const ey = py - (ay + t * dy);
      const d = Math.sqrt(ex * ex + ey * ey);
      if (d >= reach) continue;
      // Signed distance to the rim in pixels, to first order: (1 - d) / |grad d|.
      const grad = d > 1e-9 ? Math.sqrt((ex / rx) ** 2 + (ey / ry) ** 2) / d : 1;
      let a = clamp01(0.5 + (1 - d) / grad);
      if (soft > 0 && d > 1 - soft) a = Math.min(a, smooth(clamp01((1 - d) / soft)));
      if (a <= 0) continue;
      composite(data, y * W + x, a * strength, opts.mode);
    }
  }
  return rect;
}

/** A whole polyline stroke (pure). */
export function brushStroke(mask: Mask, points: UV[], opts: BrushOptions): Mask {
  const out = cloneMask(mask);
  if (points.length === 1) brushSegmentInPlace(out, points[0], points[0], opts);
  for (let i = 1; i < points.length; i++) brushSegmentInPlace(out, points[i - 1], points[i], opts);
  return out;
}

/**
 * Anti-aliased coverage in [0, 1] of a closed polygon (nonzero winding rule, so a lasso that
 * crosses itself fills every loop), per pixel of a W x H grid.
 */
export function polygonCoverage(points: UV[], W: number, H: number): Float32Array {
  const cov = new Float32Array(W * H);
  const n = points.length;
  if (n < 3) return cov;
  const xs = points.map((p) => p.u * W);
  const ys = points.map((p) => p.v * H);
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const y of ys) {
    ymin = Math.min(ymin, y);
    ymax = Math.max(ymax, y);
  }
  const r0 = Math.max(0, Math.floor(ymin));
  const r1 = Math.min(H, Math.ceil(ymax));
  const crossings: { x: number; dir: number }[] = [];
  const w = 1 / SUBROWS;
  for (let r = r0; r < r1; r++) {
    for (let s = 0; s < SUBROWS; s++) {
      const y = r + (s + 0.5) * w;
      crossings.length = 0;
      for (let i = 0; i < n; i++) {
        const j = (i + 1) % n;
        const y0 = ys[i];
        const y1 = ys[j];
        if ((y0 <= y && y < y1) || (y1 <= y && y < y0)) {
          const x = xs[i] + ((y - y0) / (y1 - y0)) * (xs[j] - xs[i]);
          crossings.push({ x, dir: y1 > y0 ? 1 : -1 });
        }
      }
      if (crossings.length < 2) continue;
      crossings.sort((a, b) => a.x - b.x);
      let wind = 0;
      for (let k = 0; k < crossings.length - 1; k++) {
        wind += crossings[k].dir;
        if (wind !== 0) addSpan(cov, r * W, W, crossings[k].x, crossings[k + 1].x, w);
      }
    }
  }
  return cov;
}

/** Adds weight x (horizontal overlap with [xa, xb]) to each pixel of one row. */
function addSpan(cov: Float32Array, rowStart: number, W: number, xa: number, xb: number, weight: number): void {
  const a = Math.max(0, xa);
  const b = Math.min(W, xb);
  if (b <= a) return;
  const c0 = Math.floor(a);
  const c1 = Math.min(W - 1, Math.ceil(b) - 1);
  for (let c = c0; c <= c1; c++) {
    const o = Math.min(c + 1, b) - Math.max(c, a);
    if (o > 0) cov[rowStart + c] += o * weight;
  }
}

/** Applies a coverage map with paint (max) or erase (min with 1 - coverage), pure. */
export function applyCoverage(mask: Mask, cov: Float32Array, mode: PaintMode): Mask {
  const out = cloneMask(mask);
  for (let i = 0; i < cov.length; i++) if (cov[i] > 0) composite(out.data, i, Math.min(1, cov[i]), mode);
  return out;
}

/** Free-form lasso fill of a closed polygon (closed implicitly). */
export function fillPolygon(mask: Mask, points: UV[], mode: PaintMode = 'paint'): Mask {
  return applyCoverage(mask, polygonCoverage(points, mask.width, mask.height), mode);
}

/** Axis-aligned rectangle between two corners (any order). */
export function fillRect(mask: Mask, a: UV, b: UV, mode: PaintMode = 'paint'): Mask {
  const u0 = Math.min(a.u, b.u);
  const u1 = Math.max(a.u, b.u);
  const v0 = Math.min(a.v, b.v);
  const v1 = Math.max(a.v, b.v);
  return fillPolygon(
    mask,
    [
      { u: u0, v: v0 },
      { u: u1, v: v0 },
      { u: u1, v: v1 },
      { u: u0, v: v1 },
    ],
    mode,
  );
}

/** Vertices of the ellipse inscribed in the box between two corners. */
export function ellipsePolygon(a: UV, b: UV, segments = 256): UV[] {
  const cu = (a.u + b.u) / 2;
  const cv = (a.v + b.v) / 2;
  const ru = Math.abs(b.u - a.u) / 2;
  const rv = Math.abs(b.v - a.v) / 2;
  const pts: UV[] = [];
  for (let i = 0; i < segments; i++) {
    const t = (2 * Math.PI * i) / segments;
    pts.push({ u: cu + ru * Math.cos(t), v: cv + rv * Math.sin(t) });
  }
  return pts;
}

/** Ellipse inscribed in the box between two corners (any order). */
export function fillEllipse(mask: Mask, a: UV, b: UV, mode: PaintMode = 'paint'): Mask {
  return fillPolygon(mask, ellipsePolygon(a, b), mode);
}

export type MaskChannel = 'luminance' | 'alpha' | 'auto';

/**
 * A mask from RGBA pixels of any size (e.g. an uploaded PNG/JPEG), resized area-weighted to
 * size x size. 'luminance' uses Rec. 601 luma (white = 1); 'alpha' the alpha channel; 'auto'
 * uses alpha when some pixel is not opaque, else luminance.
 * @param rgba width * height * 4 bytes, row-major
 */
export function maskFromRgba(
  rgba: ArrayLike<number>,
  width: number,
  height: number,
  channel: MaskChannel = 'auto',
  size = MASK_SIZE,
): Mask {
  if (!(width > 0 && height > 0) || rgba.length < width * height * 4) {
    throw new Error(`maskFromRgba: ${rgba.length} bytes do not hold a ${width}x${height} RGBA image`);
  }
  const n = width * height;
  let useAlpha = channel === 'alpha';
  if (channel === 'auto') {
    for (let i = 0; i < n && !useAlpha; i++) if (rgba[i * 4 + 3] < 255) useAlpha = true;
  }
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    data[i] = useAlpha ? rgba[o + 3] / 255 : (0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2]) / 255;
  }
  const src: Mask = { width, height, data };
  if (width === size && height === size) return src;
  const out = resizeMask(src, size, size);
  for (let i = 0; i < out.data.length; i++) out.data[i] = clamp01(out.data[i]);
  return out;
}

/** Opaque greyscale RGBA of a mask (white = 1), e.g. to export it as PNG. */
export function maskToRgba(mask: Mask): Uint8ClampedArray {
  const out = new Uint8ClampedArray(mask.data.length * 4);
  for (let i = 0; i < mask.data.length; i++) {
    const g = Math.round(clamp01(mask.data[i]) * 255);
    out[i * 4] = g;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = g;
    out[i * 4 + 3] = 255;
  }
  return out;
}
