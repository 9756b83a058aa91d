import * as tf from '@tensorflow/tfjs';
import { DISTORTIONS, type JpegCodec } from './distort';
import { resize, rgbToTensor, type RgbImage } from './iqa/image';
import { LABEL_SIZE, distortAndLabel } from './iqa/samples';
import { mulberry32 } from './random';

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
 * The in-app training set: each reference (the whole photo squashed to a LABEL_SIZE square,
 * as the model sees it) pristine plus every distortion at every level, labelled by MS-SSIM
 * at LABEL_SIZE (src/core/iqa/label.ts), then resized to the model input.
 */
export async function buildDistortedSet(
  refs: { id: string; square: RgbImage }[],
  opts: { inputSize: number; seed: number; jpeg: JpegCodec },
  onProgress?: (done: number, total: number) => void,
): Promise<Sample[]> {
  const plan = DISTORTIONS.flatMap((d) => d.levels.map((param, i) => ({ d, level: i + 1, param })));
  const total = refs.length * (1 + plan.length);
  const rand = mulberry32(opts.seed);
  const out: Sample[] = [];
  const toInput = (img: RgbImage) => rgbToTensor(resize(img, opts.inputSize, opts.inputSize));
  try {
    for (const ref of refs) {
      if (ref.square.width !== LABEL_SIZE || ref.square.height !== LABEL_SIZE) throw new RangeError(`buildDistortedSet: references must be ${LABEL_SIZE} px squares`);
      out.push({ refId: ref.id, distortion: null, level: 0, image: toInput(ref.square), score: 100 });
      for (const p of plan) {
        const r = await distortAndLabel(ref.square, p.d, p.param, Math.floor(rand() * 2 ** 31), opts.jpeg);
        out.push({ refId: ref.id, distortion: p.d.id, level: p.level, image: toInput(r.image), score: r.score });
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
