/**
 * Plain-number helpers of the audit: region grids, rankings, map resampling, curve areas and
 * the two map-similarity measures (Spearman, SSIM). Maps are row-major arrays; no tensors here.
 */
import { upsampleBilinear } from '../alignment';
import { srcc } from '../metrics';

/**
 * Cell of every pixel of an H x W image on a rows x cols grid: cell (r, c) covers pixel rows
 * floor(r H / rows) .. floor((r + 1) H / rows) - 1, and likewise for columns, so cells differ by at
 * most one pixel when the grid does not divide the image.
 * @returns [H * W] cell index r * cols + c per pixel
 */
export function cellIndexMap(H: number, W: number, rows: number, cols: number): Int32Array {
  if (rows < 1 || cols < 1 || rows > H || cols > W) throw new RangeError(`grid ${rows}x${cols} does not fit a ${W}x${H} image`);
  const out = new Int32Array(H * W);
  for (let y = 0; y < H; y++) {
    const r = Math.floor((y * rows) / H);
    for (let x = 0; x < W; x++) out[y * W + x] = r * cols + Math.floor((x * cols) / W);
  }
  return out;
}

/** Mean of a pixel map [H * W] over each cell of a rows x cols grid (see cellIndexMap). @returns [rows * cols] */
export function poolToGrid(map: ArrayLike<number>, H: number, W: number, rows: number, cols: number): Float32Array {
  const cells = cellIndexMap(H, W, rows, cols);
  const sum = new Float64Array(rows * cols);
  const count = new Float64Array(rows * cols);
  for (let p = 0; p < H * W; p++) {
    sum[cells[p]] += map[p];
    count[cells[p]]++;
  }
  return Float32Array.from(sum, (s, i) => s / count[i]);
}

/**
 * A map at some resolution h x w, brought to a rows x cols grid over an H x W image: unchanged
 * when the grid is the map's own, else bilinear upsampling to H x W, then the mean per cell.
 */
export function mapToGrid(map: ArrayLike<number>, h: number, w: number, H: number, W: number, rows: number, cols: number): Float32Array {
  if (h === rows && w === cols) return Float32Array.from(map);
  return poolToGrid(upsampleBilinear(map, w, h, W, H), H, W, rows, cols);
}

/**
 * Cells in order of decreasing value. Equal values are ordered by a random key from `rand`, so
 * a map with large flat areas (ReLU zeros) gets no credit for raster order.
 * @returns permutation of 0..n-1, most important first
 */
export function rankCells(values: ArrayLike<number>, rand: () => number): Int32Array {
  const n = values.length;
  const key = Float64Array.from({ length: n }, () => rand());
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => values[b] - values[a] || key[a] - key[b]);
  return Int32Array.from(idx);
}

/** Area under a curve by the trapezoid rule over xs (ascending). */
export function trapezoidAuc(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < xs.length; i++) s += ((xs[i] - xs[i - 1]) * (ys[i] + ys[i - 1])) / 2;
  return s;
}

function isConstant(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] !== a[0]) return false;
  return true;
}

/**
 * Spearman rank correlation of two maps of the same size (average ranks for ties). Where it is
 * undefined: both maps constant gives 1 (identical rankings: none), one constant gives 0 (a
 * constant map ranks nothing).
 */
export function spearmanMaps(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`spearmanMaps: sizes differ (${a.length} vs ${b.length})`);
  const ca = isConstant(a);
  const cb = isConstant(b);
  if (ca && cb) return 1;
  if (ca || cb) return 0;
  return srcc(a, b);
}

/** SSIM constants (docs/audit.md): maps compared at data range 1 after min-max normalisation. */
export const SSIM_CONSTANTS = { window: 7, k1: 0.01, k2: 0.03, dataRange: 1 } as const;

/**
 * SSIM of two h x w maps, scikit-image's defaults (`structural_similarity` with data_range = 1):
 * a uniform square window of side min(7, h, w) (made odd), sample (n - 1) variances and
 * covariance, C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = 1, averaged over every window that lies
 * inside the map. Maps smaller than 3 in a side use one window over the whole map with
 * population variances. Inputs should be min-max normalised to [0, 1].
 */
export function ssim2d(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number): number {
  if (a.length !== h * w || b.length !== h * w) throw new RangeError(`ssim2d: maps must be ${h}x${w}`);
  const { k1, k2, dataRange } = SSIM_CONSTANTS;
  const c1 = (k1 * dataRange) ** 2;
  const c2 = (k2 * dataRange) ** 2;
  let win = Math.min(SSIM_CONSTANTS.window, h, w);
  if (win % 2 === 0) win--;
  const small = win < 3;
  const wh = small ? h : win;
  const ww = small ? w : win;
  const np = wh * ww;
  const corr = small ? 1 : np / (np - 1);
  let total = 0;
  let windows = 0;
  for (let y0 = 0; y0 + wh <= h; y0++) {
    for (let x0 = 0; x0 + ww <= w; x0++) {
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let y = y0; y < y0 + wh; y++) {
        for (let x = x0; x < x0 + ww; x++) {
          const va = a[y * w + x];
          const vb = b[y * w + x];
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      const ua = sa / np;
      const ub = sb / np;
      const va = (saa / np - ua * ua) * corr;
      const vb = (sbb / np - ub * ub) * corr;
      const cov = (sab / np - ua * ub) * corr;
      total += ((2 * ua * ub + c1) * (2 * cov + c2)) / ((ua * ua + ub * ub + c1) * (va + vb + c2));
      windows++;
    }
  }
  return total / windows;
}

/**
 * The top `fraction` of cells by value as a 0/1 mask: the ceil(fraction n) largest values
 * (at least one; equal values: lower index first).
 */
export function topFractionMask(values: ArrayLike<number>, fraction: number): Float32Array {
  const n = values.length;
  const k = Math.min(n, Math.max(1, Math.ceil(fraction * n)));
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  const out = new Float32Array(n);
  for (let i = 0; i < k; i++) out[idx[i]] = 1;
  return out;
}

/** Mean of the finite entries; null when there are none. */
export function meanOf(values: readonly (number | null)[]): number | null {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (v !== null && Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : null;
}

/** Element-wise mean of equally long arrays; empty input gives []. */
export function meanCurve(curves: readonly ArrayLike<number>[]): number[] {
  if (!curves.length) return [];
  const out = new Array<number>(curves[0].length).fill(0);
  for (const c of curves) for (let i = 0; i < out.length; i++) out[i] += c[i] / curves.length;
  return out;
}
