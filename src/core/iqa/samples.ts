import { DISTORTIONS, type Distortion, type JpegCodec } from '../distort';
import { mulberry32 } from '../random';
import { crop, flipHorizontal, prepareSquare, resize, rgbToTensor, tensorToRgb, checkImageSize, type RgbImage } from './image';
import { msssimOf, msssimToScore } from './label';

/**
 * The synthetic IQA set. A reference is cut to a square and resized to LABEL_SIZE; each
 * distortion is applied there and labelled there with MS-SSIM against that square (5-scale
 * MS-SSIM needs >= 176 px); only then is the image resized to the model's input size. So a
 * label always describes what an encoder would have stored at LABEL_SIZE, and every model
 * sees the same labels whatever its input size.
 */
export const LABEL_SIZE = 192;

export interface Reference {
  id: string;
  /** Any size >= 32 px; cropped and resized here. */
  image: RgbImage;
}

export interface IqaSample {
  refId: string;
  /** Distortion id, or null for the pristine reference. */
  distortion: string | null;
  /** 0 for pristine, 1..5 for the fixed levels, fractional for sampled parameters. */
  level: number;
  /** The distortion's parameter (noise sigma, blur sigma, JPEG quality); 0 for pristine. */
  param: number;
  msssim: number;
  /** Quality on 0–100 (msssimToScore). */
  score: number;
  /** inputSize x inputSize RGB. */
  image: RgbImage;
}

export interface SampleOptions {
  /** Side of the model input the images are resized to. */
  inputSize: number;
  jpeg: JpegCodec;
  seed: number;
  /** Side at which distortions are applied and labelled (default LABEL_SIZE). */
  labelSize?: number;
  /** Include the undistorted reference (score 100) once per square. Default true. */
  pristine?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The parameter at fractional level t in [1, 5]: geometric interpolation between the two
 * neighbouring levels (levels are roughly log-spaced, as in KADID-10k).
 */
export function paramAtLevel(levels: readonly number[], t: number): number {
  const x = Math.max(1, Math.min(levels.length, t)) - 1;
  const i = Math.min(levels.length - 2, Math.floor(x));
  const f = x - i;
  return levels[i] * Math.pow(levels[i + 1] / levels[i], f);
}

/** Distorts a labelSize square, quantises to 8 bits, labels it. */
export async function distortAndLabel(
  square: RgbImage,
  distortion: Distortion,
  param: number,
  seed: number,
  jpeg: JpegCodec,
): Promise<{ image: RgbImage; msssim: number; score: number }> {
  const t = rgbToTensor(square);
  try {
    const out = await distortion.apply(t, param, { seed, jpeg });
    try {
      const image = await tensorToRgb(out);
      const m = msssimOf(square, image);
      return { image, msssim: m, score: msssimToScore(m) };
    } finally {
      out.dispose();
    }
  } finally {
    t.dispose();
  }
}

const seedFrom = (rand: () => number) => Math.floor(rand() * 2 ** 31);

async function samplesOfSquare(
  refId: string,
  square: RgbImage,
  plan: { distortion: Distortion; level: number; param: number }[],
  opts: SampleOptions,
  rand: () => number,
  out: IqaSample[],
  tick: () => void,
): Promise<void> {
  const toInput = (img: RgbImage) => resize(img, opts.inputSize, opts.inputSize);
  if (opts.pristine ?? true) {
    out.push({ refId, distortion: null, level: 0, param: 0, msssim: 1, score: 100, image: toInput(square) });
    tick();
  }
  for (const p of plan) {
    const r = await distortAndLabel(square, p.distortion, p.param, seedFrom(rand), opts.jpeg);
    out.push({ refId, distortion: p.distortion.id, level: p.level, param: p.param, msssim: r.msssim, score: r.score, image: toInput(r.image) });
    tick();
  }
}

/**
 * The fixed set (validation, test, and the fixed part of training): per reference its centred
 * square, pristine + every distortion at its 5 levels. Deterministic for a given seed.
 */
export async function buildFixedSet(refs: readonly Reference[], opts: SampleOptions): Promise<IqaSample[]> {
  const labelSize = opts.labelSize ?? LABEL_SIZE;
  const plan = DISTORTIONS.flatMap((distortion) => distortion.levels.map((param, i) => ({ distortion, level: i + 1, param })));
  const per = plan.length + ((opts.pristine ?? true) ? 1 : 0);
  const total = refs.length * per;
  const rand = mulberry32(opts.seed);
  const out: IqaSample[] = [];
  const tick = () => opts.onProgress?.(out.length, total);
  for (const ref of refs) {
    const square = prepareSquare(ref.image, labelSize);
    await samplesOfSquare(ref.id, square, plan, opts, rand, out, tick);
  }
  return out;
}

export interface AugmentOptions extends SampleOptions {
  /** Random squares cut from each reference. */
  cropsPerRef: number;
  /** Smallest crop side as a fraction of the image's shorter side (default 0.5). */
  minCropFraction?: number;
  /** Distorted copies per distortion type and crop, at random levels in [1, 5] (default 5). */
  levelsPerType?: number;
}

/**
 * Training augmentation: random squares (random size, position and horizontal flip) of each
 * reference, each with every distortion at random fractional levels in [1, 5]. Seeded.
 */
export async function buildAugmentedSet(refs: readonly Reference[], opts: AugmentOptions): Promise<IqaSample[]> {
  const labelSize = opts.labelSize ?? LABEL_SIZE;
  const minFrac = opts.minCropFraction ?? 0.5;
  const perType = opts.levelsPerType ?? 5;
  const per = DISTORTIONS.length * perType + ((opts.pristine ?? true) ? 1 : 0);
  const total = refs.length * opts.cropsPerRef * per;
  const rand = mulberry32(opts.seed);
  const out: IqaSample[] = [];
  const tick = () => opts.onProgress?.(out.length, total);
  for (const ref of refs) {
    const { width: W, height: H } = ref.image;
    checkImageSize(W, H);
    const short = Math.min(W, H);
    for (let c = 0; c < opts.cropsPerRef; c++) {
      const side = Math.max(1, Math.round(short * (minFrac + (1 - minFrac) * rand())));
      const x = Math.floor(rand() * (W - side + 1));
      const y = Math.floor(rand() * (H - side + 1));
      let square = resize(crop(ref.image, x, y, side, side), labelSize, labelSize);
      if (rand() < 0.5) square = flipHorizontal(square);
      const plan = DISTORTIONS.flatMap((distortion) =>
        Array.from({ length: perType }, (_, k) => {
          // stratified: one level per fifth of [1, 5], so every crop spans mild to severe
          const level = 1 + (4 * (k + rand())) / perType;
          return { distortion, level, param: paramAtLevel(distortion.levels, level) };
        }),
      );
      await samplesOfSquare(ref.id, square, plan, opts, rand, out, tick);
    }
  }
  return out;
}
