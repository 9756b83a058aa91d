import { DISTORTIONS, type Distortion, type JpegCodec } from '../distort';
import { mulberry32 } from '../random';
import { checkImageSize, crop, flipHorizontal, resize, rgbToTensor, tensorToRgb, type RgbImage } from './image';
import { MSSSIM_MIN_SIDE, msssimOf, msssimToScore } from './label';

/**
 * The synthetic IQA set and the protocol every quality model follows (docs/data.md):
 *
 * - An image is judged at its **working size**: its long side brought down to WORKING_SIZE
 *   (never up), aspect kept. Distortions are applied there, so they stay as visible as a
 *   viewer sees them; nothing is squashed or resized after distorting.
 * - Evaluation images are whole working images, labelled by MS-SSIM of the whole distorted
 *   image against the reference at the working size.
 * - Training images are CROP_SIZE crops of distorted working images, each labelled by the
 *   MS-SSIM of the crop against the same crop of the reference: the label describes exactly
 *   the pixels the model sees. Models are fully convolutional with a global average pool, so
 *   one trained on crops scores a whole image as the average of its parts.
 */
export const WORKING_SIZE = 512;
export const CROP_SIZE = 224;

export interface Reference {
  id: string;
  /** Any size >= 32 px. */
  image: RgbImage;
}

export interface IqaSample {
  refId: string;
  /** Distortion id, or null for the pristine reference. */
  distortion: string | null;
  /** 0 for pristine, 1..5 for the fixed levels, fractional for sampled parameters. */
  level: number;
  /** The distortion's parameter (noise sigma, blur sigma, JPEG quality, ...); 0 for pristine. */
  param: number;
  msssim: number;
  /** Quality on 0–100 (msssimToScore). */
  score: number;
  /** A whole working image (evaluation) or a crop of one (training). */
  image: RgbImage;
  /** For a crop: where it was cut from the reference's working image, and whether it was mirrored. */
  crop?: CropBox;
}

/** A square crop of a working image: top-left corner and side in pixels, mirrored left-right or not. */
export interface CropBox {
  x: number;
  y: number;
  size: number;
  flip: boolean;
}

/** The image at its working size: long side min(own, workingSize), aspect kept. */
export function workingImage(img: RgbImage, workingSize = WORKING_SIZE): RgbImage {
  checkImageSize(img.width, img.height);
  const long = Math.max(img.width, img.height);
  if (long <= workingSize) return img;
  const f = workingSize / long;
  return resize(img, Math.max(1, Math.round(img.width * f)), Math.max(1, Math.round(img.height * f)));
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

/** Distorts an image, quantised to 8 bits as an encoder would store it. */
export async function distortImage(img: RgbImage, distortion: Distortion, param: number, seed: number, jpeg: JpegCodec): Promise<RgbImage> {
  const t = rgbToTensor(img);
  try {
    const out = await distortion.apply(t, param, { seed, jpeg });
    try {
      return await tensorToRgb(out);
    } finally {
      out.dispose();
    }
  } finally {
    t.dispose();
  }
}

/** Distorts and labels an image (>= MSSSIM_MIN_SIDE on each side) against itself. */
export async function distortAndLabel(
  image: RgbImage,
  distortion: Distortion,
  param: number,
  seed: number,
  jpeg: JpegCodec,
): Promise<{ image: RgbImage; msssim: number; score: number }> {
  const out = await distortImage(image, distortion, param, seed, jpeg);
  const m = msssimOf(image, out);
  return { image: out, msssim: m, score: msssimToScore(m) };
}

const seedFrom = (rand: () => number) => Math.floor(rand() * 2 ** 31);

export interface SampleOptions {
  jpeg: JpegCodec;
  seed: number;
  /** Long side of the working images (default WORKING_SIZE). */
  workingSize?: number;
  /** Distortion types to use (default all of DISTORTIONS). */
  distortions?: readonly Distortion[];
  onProgress?: (done: number, total: number) => void;
}

/**
 * The fixed set (validation, test): per reference its whole working image, pristine + every
 * distortion at its 5 levels, labelled at the working size. Deterministic for a given seed.
 */
export async function buildFixedSet(refs: readonly Reference[], opts: SampleOptions): Promise<IqaSample[]> {
  const types = opts.distortions ?? DISTORTIONS;
  const plan = types.flatMap((distortion) => distortion.levels.map((param, i) => ({ distortion, level: i + 1, param })));
  const total = refs.length * (plan.length + 1);
  const rand = mulberry32(opts.seed);
  const out: IqaSample[] = [];
  for (const ref of refs) {
    const w = workingImage(ref.image, opts.workingSize);
    if (Math.min(w.width, w.height) < MSSSIM_MIN_SIDE) throw new RangeError(`reference "${ref.id}" is ${w.width}x${w.height}; labels need at least ${MSSSIM_MIN_SIDE} px on each side`);
    out.push({ refId: ref.id, distortion: null, level: 0, param: 0, msssim: 1, score: 100, image: w });
    opts.onProgress?.(out.length, total);
    for (const p of plan) {
      const r = await distortAndLabel(w, p.distortion, p.param, seedFrom(rand), opts.jpeg);
      out.push({ refId: ref.id, distortion: p.distortion.id, level: p.level, param: p.param, msssim: r.msssim, score: r.score, image: r.image });
      opts.onProgress?.(out.length, total);
    }
  }
  return out;
}

export interface AugmentOptions extends SampleOptions {
  /** Side of the square crops (default CROP_SIZE; >= MSSSIM_MIN_SIDE). */
  cropSize?: number;
  /** Crops cut from each distorted working image (and from the pristine one). */
  cropsPerImage: number;
  /** Distorted copies per distortion type and reference, at stratified random levels in [1, 5] (default 5). */
  levelsPerType?: number;
}

/**
 * Training set: per reference, its working image pristine and distorted by every type at
 * `levelsPerType` random fractional levels (one per fifth of [1, 5], so every reference spans
 * mild to severe); from each, `cropsPerImage` random crops (random position, horizontal flip),
 * each labelled by MS-SSIM against the same crop of the reference. Seeded.
 */
export async function buildAugmentedSet(refs: readonly Reference[], opts: AugmentOptions): Promise<IqaSample[]> {
  const types = opts.distortions ?? DISTORTIONS;
  const side = opts.cropSize ?? CROP_SIZE;
  if (side < MSSSIM_MIN_SIDE) throw new RangeError(`crops of ${side} px cannot be labelled (MS-SSIM needs ${MSSSIM_MIN_SIDE})`);
  const perType = opts.levelsPerType ?? 5;
  const total = refs.length * (1 + types.length * perType) * opts.cropsPerImage;
  const rand = mulberry32(opts.seed);
  const out: IqaSample[] = [];
  for (const ref of refs) {
    const w = workingImage(ref.image, opts.workingSize);
    if (w.width < side || w.height < side) throw new RangeError(`reference "${ref.id}" is ${w.width}x${w.height}, smaller than the ${side} px crops`);
    const crops = (dist: RgbImage, meta: Omit<IqaSample, 'image' | 'msssim' | 'score' | 'refId' | 'crop'>) => {
      for (let c = 0; c < opts.cropsPerImage; c++) {
        const x = Math.floor(rand() * (w.width - side + 1));
        const y = Math.floor(rand() * (w.height - side + 1));
        const flip = rand() < 0.5;
        const ref0 = crop(w, x, y, side, side);
        const d0 = dist === w ? ref0 : crop(dist, x, y, side, side);
        const m = dist === w ? 1 : msssimOf(ref0, d0);
        out.push({ refId: ref.id, ...meta, msssim: m, score: msssimToScore(m), image: flip ? flipHorizontal(d0) : d0, crop: { x, y, size: side, flip } });
        opts.onProgress?.(out.length, total);
      }
    };
    crops(w, { distortion: null, level: 0, param: 0 });
    for (const distortion of types) {
      for (let k = 0; k < perType; k++) {
        const level = 1 + (4 * (k + rand())) / perType;
        const param = paramAtLevel(distortion.levels, level);
        const dist = await distortImage(w, distortion, param, seedFrom(rand), opts.jpeg);
        crops(dist, { distortion: distortion.id, level, param });
      }
    }
  }
  return out;
}

/**
 * Training crops of images that come with their own score (a dataset with human labels, no
 * references to compare against): `cropsPerImage` random crops (random position, horizontal
 * flip) of each image at its working size, each with the image's score. Seeded.
 */
export function buildScoredCrops(
  items: readonly { refId: string; image: RgbImage; score: number }[],
  opts: { cropSize?: number; cropsPerImage: number; seed: number; workingSize?: number },
): IqaSample[] {
  const side = opts.cropSize ?? CROP_SIZE;
  const rand = mulberry32(opts.seed);
  const out: IqaSample[] = [];
  for (const it of items) {
    const w = workingImage(it.image, opts.workingSize);
    if (w.width < side || w.height < side) throw new RangeError(`an image of "${it.refId}" is ${w.width}x${w.height}, smaller than the ${side} px crops`);
    for (let c = 0; c < opts.cropsPerImage; c++) {
      const x = Math.floor(rand() * (w.width - side + 1));
      const y = Math.floor(rand() * (w.height - side + 1));
      const flip = rand() < 0.5;
      const img = crop(w, x, y, side, side);
      out.push({ refId: it.refId, distortion: 'dataset', level: 0, param: 0, msssim: NaN, score: it.score, image: flip ? flipHorizontal(img) : img, crop: { x, y, size: side, flip } });
    }
  }
  return out;
}
