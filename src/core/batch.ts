import * as tf from '@tensorflow/tfjs';
import { SCORE_SCALE } from './config';
import type { Sample } from './dataset';
import type { SteerBatch } from './loss';
import { mulberry32, shuffledIndices } from './random';

/**
 * Builds a SteerBatch from samples. `maskGrids` maps a reference id to its mask at the
 * feature grid (h x w, row-major); samples of other references get mask weight 0.
 */
export function makeBatch(
  samples: Sample[],
  indices: number[],
  maskGrids: ReadonlyMap<string, Float32Array>,
  grid: { h: number; w: number },
): SteerBatch {
  const n = grid.h * grid.w;
  const masks = new Float32Array(indices.length * n);
  const weights = new Float32Array(indices.length);
  const labels = new Float32Array(indices.length);
  indices.forEach((idx, b) => {
    const s = samples[idx];
    labels[b] = s.score / SCORE_SCALE;
    const m = maskGrids.get(s.refId);
    if (m) {
      masks.set(m, b * n);
      weights[b] = 1;
    }
  });
  return {
    x: tf.stack(indices.map((i) => samples[i].image)) as tf.Tensor4D,
    y: tf.tensor1d(labels),
    masks: tf.tensor3d(masks, [indices.length, grid.h, grid.w]),
    maskWeight: tf.tensor1d(weights),
  };
}

export function disposeBatch(b: SteerBatch): void {
  tf.dispose([b.x, b.y, b.masks, b.maskWeight]);
}

/** Endless seeded sampler of batch indices: reshuffles the pool each epoch. */
export function batchSampler(pool: number[], batchSize: number, seed: number): () => number[] {
  const rand = mulberry32(seed);
  let order: number[] = [];
  return () => {
    const out: number[] = [];
    while (out.length < Math.min(batchSize, pool.length)) {
      if (order.length === 0) order = shuffledIndices(pool.length, rand).map((i) => pool[i]);
      out.push(order.pop()!);
    }
    return out;
  };
}
