/**
 * Alignment of a heatmap with a mask (DESIGN.md §3). Heatmaps and masks are row-major
 * arrays of the same size; masks are binarised at 0.5.
 */

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

/**
 * Bilinear upsampling of a row-major h x w map to H x W (align-corners false, like
 * tf.image.resizeBilinear with halfPixelCenters).
 */
export function upsampleBilinear(map: ArrayLike<number>, w: number, h: number, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let Y = 0; Y < H; Y++) {
    const fy = Math.min(Math.max((Y + 0.5) * (h / H) - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let X = 0; X < W; X++) {
      const fx = Math.min(Math.max((X + 0.5) * (w / W) - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const tx = fx - x0;
      const top = map[y0 * w + x0] * (1 - tx) + map[y0 * w + x1] * tx;
      const bot = map[y1 * w + x0] * (1 - tx) + map[y1 * w + x1] * tx;
      out[Y * W + X] = top * (1 - ty) + bot * ty;
    }
  }
  return out;
}

/** Heatmap at feature resolution -> ReLU, upsampled to the mask's size, min-max normalised. */
export function heatmapAtMaskSize(raw: ArrayLike<number>, w: number, h: number, W: number, H: number): Float32Array {
  const relu = Float32Array.from(raw, (v) => Math.max(0, v));
  return normalizeMap(upsampleBilinear(relu, w, h, W, H));
}
