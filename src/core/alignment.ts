/**
 * Alignment of a heatmap with a mask (docs/architecture.md, "The math"). Heatmaps and masks are row-major
 * arrays of the same size; masks are binarised at 0.5.
 */
import { resizeMask, type Mask } from './mask';

/** Min-max normalise to [0, 1]. A constant map becomes all ones (it points everywhere). */
export function normalizeMap(map: ArrayLike<number>): Float32Array {
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < map.length; i++) {
    mn = Math.min(mn, map[i]);
    mx = Math.max(mx, map[i]);
  }
  const out = new Float32Array(map.length);
  const range = mx - mn;
  for (let i = 0; i < map.length; i++) out[i] = range > 0 ? (map[i] - mn) / range : 1;
  return out;
}

/** Energy-based pointing game: sum of S inside the mask over the sum of S. */
export function energyInMask(S: ArrayLike<number>, M: ArrayLike<number>): number {
  if (S.length !== M.length) throw new Error(`energyInMask: sizes differ (${S.length} vs ${M.length})`);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < S.length; i++) {
    const s = Math.max(0, S[i]);
    total += s;
    if (M[i] >= 0.5) inside += s;
  }
  return total > 0 ? inside / total : 0;
}

/** Source taps of bilinear resampling from n cells to N pixels along one axis (align-corners false). */
function bilinearTaps(n: number, N: number): { i0: Int32Array; i1: Int32Array; t: Float32Array } {
  const i0 = new Int32Array(N);
  const i1 = new Int32Array(N);
  const t = new Float32Array(N);
  for (let X = 0; X < N; X++) {
    const f = Math.min(Math.max((X + 0.5) * (n / N) - 0.5, 0), n - 1);
    i0[X] = Math.floor(f);
    i1[X] = Math.min(i0[X] + 1, n - 1);
    t[X] = f - i0[X];
  }
  return { i0, i1, t };
}

/**
 * Bilinear upsampling of a row-major h x w map to H x W (align-corners false, like
 * tf.image.resizeBilinear with halfPixelCenters).
 */
export function upsampleBilinear(map: ArrayLike<number>, w: number, h: number, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H);
  const xs = bilinearTaps(w, W);
  const ys = bilinearTaps(h, H);
  for (let Y = 0; Y < H; Y++) {
    const [y0, y1, ty] = [ys.i0[Y], ys.i1[Y], ys.t[Y]];
    for (let X = 0; X < W; X++) {
      const [x0, x1, tx] = [xs.i0[X], xs.i1[X], xs.t[X]];
      const top = map[y0 * w + x0] * (1 - tx) + map[y0 * w + x1] * tx;
      const bot = map[y1 * w + x0] * (1 - tx) + map[y1 * w + x1] * tx;
      out[Y * W + X] = top * (1 - ty) + bot * ty;
    }
  }
  return out;
}

/**
 * Energy-in-mask of every single-cell heatmap on an h x w grid (that cell 1, the others 0,
 * upsampled and normalised as heatmapAtMaskSize does), against a W x H mask, row-major [h * w].
 * The upsampled one-cell map is its bilinear weight at each pixel, whose minimum is 0, so its
 * energy is sum_{p in M} weight / sum_p weight, accumulated in one pass over the pixels.
 */
export function singleCellEnergies(M: ArrayLike<number>, W: number, H: number, w: number, h: number): Float32Array {
  if (M.length !== W * H) throw new Error(`singleCellEnergies: mask of ${M.length} values is not ${W} x ${H}`);
  const inside = new Float64Array(w * h);
  const total = new Float64Array(w * h);
  const xs = bilinearTaps(w, W);
  const ys = bilinearTaps(h, H);
  const add = (cell: number, weight: number, m: boolean) => {
    total[cell] += weight;
    if (m) inside[cell] += weight;
  };
  for (let Y = 0; Y < H; Y++) {
    const [y0, y1, ty] = [ys.i0[Y], ys.i1[Y], ys.t[Y]];
    for (let X = 0; X < W; X++) {
      const [x0, x1, tx] = [xs.i0[X], xs.i1[X], xs.t[X]];
      const m = M[Y * W + X] >= 0.5;
      add(y0 * w + x0, (1 - ty) * (1 - tx), m);
      add(y0 * w + x1, (1 - ty) * tx, m);
      add(y1 * w + x0, ty * (1 - tx), m);
      add(y1 * w + x1, ty * tx, m);
    }
  }
  return Float32Array.from(inside, (v, i) => (total[i] > 0 ? v / total[i] : 0));
}

/** Heatmap at feature resolution -> ReLU, upsampled to the mask's size, min-max normalised. */
export function heatmapAtMaskSize(raw: ArrayLike<number>, w: number, h: number, W: number, H: number): Float32Array {
  const relu = Float32Array.from(raw, (v) => Math.max(0, v));
  return normalizeMap(upsampleBilinear(relu, w, h, W, H));
}

/**
 * What a heatmap on an h x w feature grid can score against a mask, before any training:
 * - bestCell: the energy-in-mask of the best single-cell map (all of the heatmap on the one
 *   cell the mask covers most, once upsampled): what concentrating on one cell reaches;
 * - exactFit: that of the mask itself resampled to the grid (area means), i.e. of a heatmap
 *   that equals the MSE loss's target exactly.
 * A coarse grid cannot draw a thin shape: its exact fit spills energy onto the cells' borders.
 * bestCell is what heatmaps practically top out at (not a proven maximum: min-max
 * normalisation of the upsampled map can shift a little more energy in).
 */
export interface GridBound {
  bestCell: number;
  exactFit: number;
}

export function gridBound(mask: Mask, h: number, w: number): GridBound {
  const { width: W, height: H, data } = mask;
  const cells = singleCellEnergies(data, W, H, w, h);
  const fit = resizeMask(mask, w, h).data;
  return { bestCell: Math.max(...cells), exactFit: energyInMask(heatmapAtMaskSize(fit, w, h, W, H), data) };
}

/** Pointing game: 1 when the (first) maximum of S lies in the mask, else 0. */
export function pointingHit(S: ArrayLike<number>, M: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < S.length; i++) if (S[i] > S[best]) best = i;
  return M[best] >= 0.5 ? 1 : 0;
}

/** IoU of {S >= tau} with the binarised mask. Both empty gives 0. */
export function iouAt(S: ArrayLike<number>, M: ArrayLike<number>, tau: number): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < S.length; i++) {
    const a = S[i] >= tau;
    const b = M[i] >= 0.5;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union ? inter / union : 0;
}

/** Mean IoU over tau = 0.1, 0.2, ..., 0.9. */
export function meanIou(S: ArrayLike<number>, M: ArrayLike<number>): number {
  let s = 0;
  for (let k = 1; k <= 9; k++) s += iouAt(S, M, k / 10);
  return s / 9;
}

/**
 * Pixel-level ROC AUC of S as a score for M (Mann–Whitney U with average ranks for ties).
 * Returns NaN when the mask is empty or full.
 */
export function rocAuc(S: ArrayLike<number>, M: ArrayLike<number>): number {
  const n = S.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => S[a] - S[b]);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && S[order[j + 1]] === S[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (M[order[k]] >= 0.5) {
        rankSumPos += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (!pos || !neg) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface AlignmentScores {
  energy: number;
  pointing: number;
  iou50: number;
  meanIou: number;
  auc: number;
}

/** Every alignment metric (docs/architecture.md, "The math") for one normalised heatmap and mask of the same size. */
export function alignmentScores(S: ArrayLike<number>, M: ArrayLike<number>): AlignmentScores {
  return { energy: energyInMask(S, M), pointing: pointingHit(S, M), iou50: iouAt(S, M, 0.5), meanIou: meanIou(S, M), auc: rocAuc(S, M) };
}
