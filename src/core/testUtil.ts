import * as tf from '@tensorflow/tfjs';
import { makeBatch } from './batch';
import type { Sample } from './dataset';
import type { SteerBatch } from './loss';
import { presetMask, resizeMask } from './mask';
import { TARGET_LAYER } from './config';
import type { TrainerOptions } from './trainer';

/** Node tests run on the cpu backend; quiet the "you are running in Node" banner. */
export async function useCpuBackend(): Promise<void> {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  await tf.ready();
}

/** ||a - b|| / max(||b||, tiny) */
export function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const num = tf.norm(tf.sub(a, b)).dataSync()[0];
    const den = tf.norm(b).dataSync()[0];
    return num / Math.max(den, 1e-12);
  });
}

/**
 * A training batch of four random size x size images (labels 10, 30, 50, 70), the first two
 * steered toward the corners at the tiny model's grid (size / 4). Seeded: the same every call.
 */
export function tinySteerBatch(size: number): SteerBatch {
  const grid = size / 4;
  const samples: Sample[] = [0, 1, 2, 3].map((i) => ({
    refId: i < 2 ? 'a' : 'b',
    distortion: null,
    level: 0,
    image: tf.randomUniform([size, size, 3], 0, 1, 'float32', 11 + i) as tf.Tensor3D,
    score: 20 * i + 10,
  }));
  const target = resizeMask(presetMask('corners'), grid, grid).data;
  const batch = makeBatch(samples, [0, 1, 2, 3], new Map([['a', target]]), { h: grid, w: grid });
  tf.dispose(samples.map((s) => s.image));
  return batch;
}

/** Trainer options of the tests' tiny-model steps (Adam 1e-3, lambda 1, MSE to the mask, alpha detached). */
export const TINY_TRAINER: TrainerOptions = { layerName: TARGET_LAYER, learningRate: 1e-3, optimizer: 'adam', lambda: 1, camLoss: 'mse', detachAlpha: true };
