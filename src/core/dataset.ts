import * as tf from '@tensorflow/tfjs';
import { DISTORTIONS, type JpegCodec } from './distort';
import { resize, rgbToTensor, tensorToRgb, type RgbImage } from './iqa/image';
import { msssimOf, msssimToScore } from './iqa/label';
import { mulberry32 } from './random';

/** Side both images are enlarged to for the MS-SSIM label (5-scale MS-SSIM needs >= 176 px). */
const LABEL_SIZE = 192;

/** One training sample: an image of a reference photo, pristine or distorted, with its label. */
export interface Sample {
  refId: string;
  distortion: string | null;
  level: number;
  /** [S, S, 3] in [0, 1]; owned by the dataset */
  image: tf.Tensor3D;
  /** quality on 0–100: MS-SSIM against the reference, mapped by msssimToScore */
  score: number;
}

/**
 * The in-app training set: each reference (the whole photo squashed to the model's input
 * square, as the model sees it) pristine plus every distortion at every level, applied at the
 * input size so the model can see it. Label: MS-SSIM (src/core/iqa/label.ts) of the distorted
 * image against the reference, both enlarged to LABEL_SIZE (5-scale MS-SSIM needs >= 176 px),
 * mapped to 0–100 by msssimToScore.
 */
export async function buildDistortedSet(
  refs: { id: string; square: RgbImage }[],
  opts: { seed: number; jpeg: JpegCodec },
  onProgress?: (done: number, total: number) => void,
): Promise<Sample[]> {
  const plan = DISTORTIONS.flatMap((d) => d.levels.map((param, i) => ({ d, level: i + 1, param })));
  const total = refs.length * (1 + plan.length);
  const rand = mulberry32(opts.seed);
  const out: Sample[] = [];
  const big = (img: RgbImage) => resize(img, LABEL_SIZE, LABEL_SIZE);
  try {
    for (const ref of refs) {
      const refTensor = rgbToTensor(ref.square);
      const refBig = big(ref.square);
      out.push({ refId: ref.id, distortion: null, level: 0, image: refTensor, score: 100 });
      for (const p of plan) {
        const image = await p.d.apply(refTensor, p.param, { seed: Math.floor(rand() * 2 ** 31), jpeg: opts.jpeg });
        const score = msssimToScore(msssimOf(refBig, big(await tensorToRgb(image))));
        out.push({ refId: ref.id, distortion: p.d.id, level: p.level, image, score });
      }
      onProgress?.(out.length, total);
    }
  } catch (e) {
    disposeSamples(out);
    throw e;
  }
  return out;
}

export function disposeSamples(samples: Sample[]): void {
  for (const s of samples) s.image.dispose();
}
