/**
 * Occlusion sensitivity (Zeiler & Fergus 2014): a gradient-free reference map, and the agreement
 * of a CAM map with it (docs/audit.md).
 *
 * A patch x patch square slides over the image with the given stride (a last position is added
 * so the patches reach the right and bottom edges); at each position the square is replaced by
 * the fill image (blurred image, or the per-channel mean colour) and the score is recorded.
 *   delta(i, j) = s(x) - s(x occluded at (i, j))        signed, model units
 * Positive delta: the covered region raised the score. The pixel map is, per pixel, the mean
 * |delta| over the positions whose patch covers it.
 */
import type * as tf from '@tensorflow/tfjs';
import { energyInMask, normalizeMap, upsampleBilinear } from '../alignment';
import { poolToGrid, spearmanMaps, topFractionMask } from './maps';
import { blendStack, scoreInBatches, type Scorer } from './perturb';
import type { AuditTracker } from './progress';

export interface OcclusionOptions {
  patch: number;
  stride: number;
  batchSize: number;
}

export interface OcclusionResult {
  /** Top-left corners of the patch positions along y and along x. */
  ys: number[];
  xs: number[];
  patch: number;
  /** s(x) in model units. */
  scoreOriginal: number;
  /** delta at each position [ys.length * xs.length], row-major, model units. */
  delta: Float32Array;
  /** Mean |delta| over the positions covering each pixel [H * W]. */
  pixelMap: Float32Array;
}

/** Patch starts 0, stride, 2 stride, ... <= size - patch, plus size - patch when the steps miss it. */
export function patchStarts(size: number, patch: number, stride: number): number[] {
  if (patch < 1 || patch > size || stride < 1) throw new RangeError(`occlusion: patch ${patch} / stride ${stride} do not fit ${size} px`);
  const out: number[] = [];
  for (let s = 0; s <= size - patch; s += stride) out.push(s);
  if (out[out.length - 1] !== size - patch) out.push(size - patch);
  return out;
}

/**
 * Occlusion sensitivity of one image: 1 + positions images scored in batches.
 * @param image [1, H, W, 3] @param fill [1, H, W, 3] what an occluded square shows
 */
export async function occlusionSensitivity(
  scorer: Scorer,
  image: tf.Tensor4D,
  fill: tf.Tensor4D,
  opts: OcclusionOptions,
  tracker?: AuditTracker,
): Promise<OcclusionResult> {
  const [, H, W] = image.shape;
  const { patch } = opts;
  const ys = patchStarts(H, patch, opts.stride);
  const xs = patchStarts(W, patch, opts.stride);
  const P = ys.length * xs.length;
  const make = (start: number, n: number) => {
    const weights = new Float32Array(n * H * W);
    for (let j = 0; j < n; j++) {
      const idx = start + j - 1; // index 0 is the unoccluded image
      if (idx < 0) continue;
      const y0 = ys[Math.floor(idx / xs.length)];
      const x0 = xs[idx % xs.length];
      const base = j * H * W;
      for (let y = y0; y < y0 + patch; y++) weights.fill(1, base + y * W + x0, base + y * W + x0 + patch);
    }
    return blendStack(image, fill, weights, n);
  };
  const scores = await scoreInBatches(P + 1, opts.batchSize, make, scorer, tracker);
  const s0 = scores[0];
  const delta = Float32Array.from(scores.subarray(1), (s) => s0 - s);

  const sum = new Float64Array(H * W);
  const count = new Float64Array(H * W);
  for (let i = 0; i < ys.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      const d = Math.abs(delta[i * xs.length + j]);
      for (let y = ys[i]; y < ys[i] + patch; y++) {
        for (let x = xs[j]; x < xs[j] + patch; x++) {
          sum[y * W + x] += d;
          count[y * W + x]++;
        }
      }
    }
  }
  const pixelMap = Float32Array.from(sum, (s, p) => (count[p] ? s / count[p] : 0));
  return { ys, xs, patch, scoreOriginal: s0, delta, pixelMap };
}

export interface OcclusionAgreement {
  /** Spearman of the CAM and the occlusion map over the agreement grid's cells. */
  spearman: number;
  /** Share of the (normalised) CAM's energy inside the occlusion top region. */
  energy: number;
  /** Area share of the top region: what a map that ignores occlusion scores on `energy`. */
  chance: number;
}

/**
 * Agreement of a CAM map with an occlusion map. Both go to pixel resolution (CAM: ReLU and
 * bilinear upsampling; occlusion: its pixel map), then to a grid x grid mean per cell. The CAM
 * is min-max normalised there (as the alignment metrics normalise heatmaps, docs/architecture.md "The math"). The top region is the
 * `topFraction` of cells with the largest occlusion value.
 * @param cam [camH * camW] CAM at feature resolution
 * @param occlusionPixels [H * W] OcclusionResult.pixelMap
 */
export function occlusionAgreement(
  cam: ArrayLike<number>,
  camH: number,
  camW: number,
  occlusionPixels: ArrayLike<number>,
  H: number,
  W: number,
  grid: number,
  topFraction: number,
): OcclusionAgreement {
  const g = Math.min(grid, H, W);
  const relu = Float32Array.from(cam, (v) => Math.max(0, v));
  const camGrid = normalizeMap(poolToGrid(upsampleBilinear(relu, camW, camH, W, H), H, W, g, g));
  const occGrid = poolToGrid(occlusionPixels, H, W, g, g);
  const region = topFractionMask(occGrid, topFraction);
  const chance = region.reduce((s, v) => s + v, 0) / region.length;
  return { spearman: spearmanMaps(camGrid, occGrid), energy: energyInMask(camGrid, region), chance };
}
