/**
 * Tensor helpers of the audit: scoring images in batches, the fully blurred and mean-filled
 * images, and blends of an image with one of those under per-pixel weights.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussianBlur } from '../distort';
import type { AuditTracker } from './progress';

/**
 * Model scores for a batch of images, in model output units (quality / SCORE_SCALE).
 * Called inside tf.tidy. @param x [B, H, W, 3] @returns [B] (or any shape with B elements)
 */
export type Scorer = (x: tf.Tensor4D) => tf.Tensor;

/** Scorer of a LayersModel with one scalar output per image (inference mode). */
export function modelScorer(model: tf.LayersModel): Scorer {
  return (x) => tf.reshape(model.predict(x, { batchSize: x.shape[0] }) as tf.Tensor, [-1]);
}

/**
 * Scores `count` images built `batchSize` at a time by `make(start, n)` (a [n, H, W, 3] tensor,
 * built and freed inside a tidy), one predict call per batch. After each batch the tracker (if
 * any) counts n passes and may throw AuditCancelledError.
 * @returns [count] scores in model units
 */
export async function scoreInBatches(
  count: number,
  batchSize: number,
  make: (start: number, n: number) => tf.Tensor4D,
  scorer: Scorer,
  tracker?: AuditTracker,
): Promise<Float32Array> {
  const out = new Float32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const s = tf.tidy(() => tf.reshape(scorer(make(start, n)), [-1]));
    try {
      out.set(await s.data(), start);
    } finally {
      s.dispose();
    }
    await tracker?.advance(n);
  }
  return out;
}

/**
 * Each image Gaussian-blurred with `sigma` pixels (reflected edges; distort.gaussianBlur).
 * @param x [N, H, W, 3] @returns [N, H, W, 3]
 */
export function blurImages(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => tf.stack(tf.unstack(x).map((img) => gaussianBlur(img as tf.Tensor3D, sigma))) as tf.Tensor4D);
}

/** Each image replaced by its per-channel mean colour. @param x [N, H, W, 3] @returns [N, H, W, 3] */
export function meanImages(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(tf.onesLike(x), tf.mean(x, [1, 2], true)) as tf.Tensor4D);
}

/**
 * n blends of one image with a target image: out_i = x + w_i * (target - x).
 * @param x [1, H, W, 3] @param target [1, H, W, 3]
 * @param weights [n * H * W] per-pixel weight of the target (0 = image, 1 = target)
 * @returns [n, H, W, 3]
 */
export function blendStack(x: tf.Tensor4D, target: tf.Tensor4D, weights: Float32Array, n: number): tf.Tensor4D {
  const [, H, W] = x.shape;
  return tf.tidy(() => {
    const w = tf.tensor4d(weights, [n, H, W, 1]);
    return tf.add(x, tf.mul(w, tf.sub(target, x))) as tf.Tensor4D;
  });
}
