import { msssim } from '@blazediff/ssim/msssim';
import { toRgba, type RgbImage } from './image';

/**
 * Quality labels: MS-SSIM (Wang, Simoncelli & Bovik 2003; @blazediff/ssim's implementation of
 * the reference MATLAB code: luma only, 11-tap Gaussian window sigma 1.5, 5 scales with the
 * standard weights, product combination) of a distorted image against its reference.
 */

/**
 * Smallest side for 5-scale MS-SSIM: the coarsest scale is side / 16 and must hold the
 * 11-pixel window (176 / 16 = 11). Labels are computed at LABEL_SIZE >= this.
 */
export const MSSSIM_MIN_SIDE = 176;

export class LabelSizeError extends Error {
  constructor(width: number, height: number) {
    super(`MS-SSIM needs images of at least ${MSSSIM_MIN_SIDE}x${MSSSIM_MIN_SIDE}; got ${width}x${height}`);
    this.name = 'LabelSizeError';
  }
}

/** MS-SSIM of `dist` against `ref` (same size, >= MSSSIM_MIN_SIDE), in [0, 1]. */
export function msssimOf(ref: RgbImage, dist: RgbImage): number {
  if (ref.width !== dist.width || ref.height !== dist.height) {
    throw new RangeError(`msssimOf: sizes differ (${ref.width}x${ref.height} vs ${dist.width}x${dist.height})`);
  }
  if (Math.min(ref.width, ref.height) < MSSSIM_MIN_SIDE) throw new LabelSizeError(ref.width, ref.height);
  const v = msssim(toRgba(ref), toRgba(dist), undefined, ref.width, ref.height);
  // a negative contrast term at a coarse scale makes the product NaN: that is no similarity
  return Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
}

/**
 * MS-SSIM -> quality score on 0–100, linear in the log of the MS-SSIM distance d = 1 - MS-SSIM:
 *
 *   score = 100 * clamp( log(d1 / d) / log(d1 / d0), 0, 1 ),   d0 = 0.001, d1 = 0.5
 *
 * d <= 0.001 (MS-SSIM >= 0.999: no visible change) scores 100; d >= 0.5 (MS-SSIM <= 0.5) scores
 * 0. MS-SSIM crowds near 1 for the visible range (0.99 is already clearly noisy), so a linear
 * map would squeeze barely-visible to moderate into a few points; the log spreads them, so the
 * MSE training loss weighs mild and severe distortions alike. Monotone, so SRCC and KRCC
 * against it equal those against MS-SSIM itself.
 */
export const SCORE_MAP = { d0: 0.001, d1: 0.5 } as const;

export function msssimToScore(m: number): number {
  const d = 1 - m;
  if (!(d > SCORE_MAP.d0)) return 100;
  if (d >= SCORE_MAP.d1) return 0;
  return (100 * Math.log(SCORE_MAP.d1 / d)) / Math.log(SCORE_MAP.d1 / SCORE_MAP.d0);
}

/** Inverse of msssimToScore on (0, 100): the MS-SSIM a score stands for. */
export function scoreToMsssim(score: number): number {
  const s = Math.max(0, Math.min(100, score)) / 100;
  return 1 - SCORE_MAP.d1 * Math.pow(SCORE_MAP.d0 / SCORE_MAP.d1, s);
}
