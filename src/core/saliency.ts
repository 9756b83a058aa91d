/**
 * Spectral residual saliency (Hou & Zhang, "Saliency detection: a spectral residual approach",
 * CVPR 2007): the log amplitude spectrum minus its local mean is the "unexpected" part of the
 * image; transformed back with the original phase, squared and smoothed, it marks salient regions.
 *
 * Works on the squashed square image, like the model and the mask, at SALIENCY_SIZE. The image
 * is mirrored to 2n x 2n before the FFT so the periodic transform sees no jump at the borders
 * (which would otherwise be the most "salient" thing). tfjs FFT on whatever backend is active;
 * every op runs inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import { normalizeMap, upsampleBilinear } from './alignment';
import { MASK_SIZE, SALIENT_AREA } from './config';
import { resizeMask, type Mask } from './mask';
import { binarizeMask } from './maskOps';

/**
 * 60, near the paper's 64. The mirrored side 120 is not a power of two on purpose: tfjs's cpu
 * FFT then runs as one DFT matmul, ~5x faster than its radix-2 path (~0.2 s instead of ~1 s).
 */
export const SALIENCY_SIZE = 60;

/**
 * Sigma of the map's Gaussian smoothing, in pixels at SALIENCY_SIZE. The authors' code uses 2.5,
 * which leaves the map in specks; 5 merges them into object-sized regions, which a 6 x 6 CAM grid
 * can draw (docs/cli.md, "The salient target").
 */
export const SALIENCY_SIGMA = 5;

/** A saliency map in [0, 1] (min-max normalised), same layout as a Mask. */
export type SaliencyMap = Mask;

export interface SaliencyOptions {
  /** Side of the square the image is reduced to before the FFT (default SALIENCY_SIZE). */
  size?: number;
  /** Side of the local-mean filter on the log amplitude (default 3). */
  meanFilter?: number;
  /** Sigma of the Gaussian smoothing of the map, in pixels at `size` (default SALIENCY_SIGMA). */
  sigma?: number;
  /** Side of the returned map (default MASK_SIZE). */
  outSize?: number;
}

/** Rec. 601 luma of RGBA pixels, in [0, 1]. */
export function greyFromRgba(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const o = i * 4;
    out[i] = (0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2]) / 255;
  }
  return out;
}

/** 2-D FFT of a complex [n, n] tensor (FFT over rows, then over columns). */
function fft2(re: tf.Tensor2D, im: tf.Tensor2D, inverse: boolean): { re: tf.Tensor2D; im: tf.Tensor2D } {
  const f = inverse ? tf.spectral.ifft : tf.spectral.fft;
  const rows = f(tf.complex(re, im));
  const cols = f(tf.complex(tf.transpose(tf.real(rows)), tf.transpose(tf.imag(rows))));
  return { re: tf.transpose(tf.real(cols)) as tf.Tensor2D, im: tf.transpose(tf.imag(cols)) as tf.Tensor2D };
}

function gaussianKernel(sigma: number): tf.Tensor1D {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  return tf.tensor1d(k.map((v) => v / s));
}

/** Separable Gaussian blur of [n, n] with zero padding, renormalised at the borders. */
function blur(x: tf.Tensor2D, sigma: number): tf.Tensor2D {
  const k = gaussianKernel(sigma);
  const n = k.shape[0];
  const kx = k.reshape([1, n, 1, 1]) as tf.Tensor4D;
  const ky = k.reshape([n, 1, 1, 1]) as tf.Tensor4D;
  const run = (t: tf.Tensor2D) =>
    tf.conv2d(tf.conv2d(t.reshape([1, t.shape[0], t.shape[1], 1]) as tf.Tensor4D, kx, 1, 'same'), ky, 1, 'same');
  return tf.div(run(x), run(tf.onesLike(x))).reshape(x.shape) as tf.Tensor2D;
}

/**
 * The spectral residual saliency of a square greyscale image, unnormalised.
 * @param grey [n, n] greyscale image
 * @returns [n, n] saliency
 */
export function spectralResidual(grey: tf.Tensor2D, meanFilter = 3, sigma = SALIENCY_SIGMA): tf.Tensor2D {
  return tf.tidy(() => {
    const n = grey.shape[0];
    // Mirror to 2n x 2n so the periodic FFT sees no jump at the borders (which would light them up).
    const wide = tf.concat([grey, tf.reverse(grey, 1)], 1);
    const big = tf.concat([wide, tf.reverse(wide, 0)], 0) as tf.Tensor2D;
    const m = 2 * n;
    const F = fft2(big, tf.zerosLike(big), false);
    const amp = tf.sqrt(tf.add(tf.square(F.re), tf.square(F.im)));
    const safeAmp = tf.maximum(amp, 1e-12);
    // Floor relative to the mean amplitude: the mirrored image has exact zeros (e.g. at Nyquist)
    // whose log would swamp the local mean around them.
    const logA = tf.log(tf.add(amp, tf.mul(tf.mean(amp), 1e-3)));
    const localMean = tf.avgPool(logA.reshape([1, m, m, 1]) as tf.Tensor4D, meanFilter, 1, 'same').reshape([m, m]);
    const residual = tf.exp(tf.sub(logA, localMean));
    // exp(R + iP) with cos P = re / |F|, sin P = im / |F|.
    const re = tf.mul(residual, tf.div(F.re, safeAmp)) as tf.Tensor2D;
    const im = tf.mul(residual, tf.div(F.im, safeAmp)) as tf.Tensor2D;
    const back = fft2(re, im, true);
    const power = tf.slice(tf.add(tf.square(back.re), tf.square(back.im)), [0, 0], [n, n]) as tf.Tensor2D;
    return sigma > 0 ? blur(power, sigma) : power;
  });
}

/**
 * Saliency map of a greyscale image of any size (squashed to a square), min-max normalised
 * and upsampled to outSize x outSize.
 * @param grey width * height values, row-major, any range
 */
export async function saliencyMap(
  grey: Float32Array,
  width: number,
  height: number,
  opts: SaliencyOptions = {},
): Promise<SaliencyMap> {
  const n = opts.size ?? SALIENCY_SIZE;
  const outSize = opts.outSize ?? MASK_SIZE;
  const small = resizeMask({ width, height, data: grey }, n, n).data;
  const t = tf.tidy(() => spectralResidual(tf.tensor2d(small, [n, n]), opts.meanFilter ?? 3, opts.sigma ?? SALIENCY_SIGMA));
  let raw: Float32Array;
  try {
    raw = (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
  const data = normalizeMap(n === outSize ? raw : upsampleBilinear(raw, n, n, outSize, outSize));
  // normalizeMap maps a constant map to ones; a flat image has nothing salient.
  if (data.every((v) => v === 1)) data.fill(0);
  return { width: outSize, height: outSize, data };
}

/**
 * The threshold that keeps the most salient `area` of the image (binarizeMask keeps values >= it):
 * the map's value at that rank, kept within the app's slider range [0.02, 0.98], so a flat
 * (all-zero) map gets an empty mask rather than a full one. (Hou & Zhang's object
 * map uses 3 x the mean saliency instead; on the bundled photos that keeps 2-7 % in specks.)
 */
export function suggestedSaliencyThreshold(map: SaliencyMap, area = SALIENT_AREA): number {
  const sorted = Float32Array.from(map.data).sort();
  const keep = Math.min(sorted.length, Math.max(1, Math.ceil(area * sorted.length)));
  return Math.min(0.98, Math.max(0.02, sorted[sorted.length - keep]));
}

/** Binary mask where the normalised saliency is at least `threshold`. */
export function saliencyMask(map: SaliencyMap, threshold: number): Mask {
  return binarizeMask(map, threshold);
}
