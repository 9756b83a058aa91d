import * as tf from '@tensorflow/tfjs';
import { DISTORTIONS, type DistortionContext } from './distort';
import { mulberry32 } from './random';

/** One training sample: an image of a reference photo, pristine or distorted, with its label. */
export interface Sample {
  refId: string;
  distortion: string | null;
  level: number;
  /** [S, S, 3] in [0, 1]; owned by the dataset */
  image: tf.Tensor3D;
  /** quality on 0–100 */
  score: number;
}

/**
 * Foundation label: distortion severity mapped to 0–100. Pristine = 100, level L (1..5) =
 * 100 - 18 L (82, 64, 46, 28, 10). Later labels use a full-reference metric instead.
 */
export function severityScore(level: number): number {
  return 100 - 18 * level;
}

/** Pristine + every distortion at every level, for each reference image [S, S, 3]. */
export async function buildDistortedSet(
  refs: { id: string; image: tf.Tensor3D }[],
  ctx: DistortionContext,
  onProgress?: (done: number, total: number) => void,
): Promise<Sample[]> {
  const total = refs.length * (1 + DISTORTIONS.reduce((n, d) => n + d.levels.length, 0));
  const out: Sample[] = [];
  const rand = mulberry32(ctx.seed);
  for (const ref of refs) {
    out.push({ refId: ref.id, distortion: null, level: 0, image: tf.clone(ref.image), score: severityScore(0) });
    for (const d of DISTORTIONS) {
      for (let li = 0; li < d.levels.length; li++) {
        const seed = Math.floor(rand() * 2 ** 31);
        const image = await d.apply(ref.image, d.levels[li], { ...ctx, seed });
        out.push({ refId: ref.id, distortion: d.id, level: li + 1, image, score: severityScore(li + 1) });
      }
      onProgress?.(out.length, total);
    }
  }
  return out;
}

export function disposeSamples(samples: Sample[]): void {
  for (const s of samples) s.image.dispose();
}
