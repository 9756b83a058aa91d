import * as tf from '@tensorflow/tfjs';
import { batchOf, batchSampler, cachedSource, imageSource, type BatchSource, type CachedActivations } from '../batch';
import type { CamLossType, OptimizerType } from '../config';
import { gridFor, prefixActivations, splitModel } from '../graph';
import { referenceBatches } from './plan';
import type { RgbImage } from '../iqa/image';
import { shapeBatches, type InputSource } from '../evaluation';
import { gridTarget, type Mask } from '../mask';
import { Trainer } from '../trainer';
import { runTraining, type CurvePoint, type ReadBack } from './run';

/** Settings of a fine-tuning run on decoded images (camsteer steer and reproduce; lambda 0 = quality only). */
export interface SteerSettings {
  steps: number;
  batchSize: number;
  learningRate: number;
  lambda: number;
  seed: number;
  camLoss: CamLossType;
  /** Sharpness of the CAM target at the feature grid (core/mask gridTarget; 1 = the mask's area means). */
  sharpness: number;
  optimizer: OptimizerType;
  detachAlpha: boolean;
}

/** One training image: the model input, its quality label (0–100) and its target mask (or none). */
export interface TrainItem {
  image: RgbImage;
  score: number;
  mask: Mask | null;
}

/**
 * Activations of the frozen prefix (up to `cut`) for a source's inputs, one block per input: the
 * same for every model that shares the prefix's weights, so `reproduce` computes them once.
 * Inputs of one size are run together (InputSource.sizeOf).
 */
export async function prefixFeatures(
  model: tf.LayersModel,
  cut: string,
  layerName: string,
  src: InputSource,
  onProgress?: (done: number, total: number) => void,
): Promise<CachedActivations> {
  splitModel(model, layerName, 0, cut); // throws CutError before any work when the cut is not usable
  const blocks: Float32Array[] = [];
  const shapes: number[][] = [];
  for (const idx of shapeBatches(src, 16)) {
    const f = tf.tidy(() => prefixActivations(model, cut, src.inputs(idx)));
    const data = await f.data();
    const shape = f.shape.slice(1);
    const per = data.length / idx.length;
    for (let b = 0; b < idx.length; b++) {
      blocks.push(Float32Array.from(data.subarray(b * per, (b + 1) * per)));
      shapes.push(shape);
    }
    f.dispose();
    onProgress?.(blocks.length, src.size);
  }
  return { blocks, shapes };
}

/**
 * Fine-tunes `model` in place with the steering engine (one-pass differentiable GradCAM loss with
 * detached alpha): L = MSE(q, y) + lambda * camLoss(GradCAM, mask) over seeded batches. Items
 * without a mask get the task loss only. Losses are read back every step. With `cut`, only the
 * layers after it train, on its activations (computed here unless `features` are given).
 * Throws DivergenceError (weights rolled back) when the run diverges.
 */
export async function fineTune(
  model: tf.LayersModel,
  layerName: string,
  items: readonly TrainItem[],
  s: SteerSettings,
  onRead?: (r: ReadBack) => void,
  cut: string | null = null,
  features?: CachedActivations,
  /** Each item's reference photo: batches then take one photo's items each, so items may be whole images of different sizes. */
  byReference?: readonly string[],
): Promise<CurvePoint[]> {
  if (items.length === 0) throw new Error('no training images');
  const grids = new Map<string, { h: number; w: number }>();
  const gridAt = (i: number) => {
    const { width: w, height: h } = items[i].image;
    const key = `${w}x${h}`;
    return grids.get(key) ?? grids.set(key, gridFor(model, layerName, h, w)).get(key)!;
  };
  let src: BatchSource = imageSource(
    items,
    items.map((it, i) => (it.mask ? gridTarget(it.mask, gridAt(i).w, gridAt(i).h, s.sharpness) : null)),
  );
  const trainer = new Trainer(model, { layerName, cut, learningRate: s.learningRate, optimizer: s.optimizer, lambda: s.lambda, camLoss: s.camLoss, detachAlpha: s.detachAlpha });
  try {
    if (cut) src = cachedSource(src, features ?? (await prefixFeatures(model, cut, layerName, src)));
    const next = byReference ? referenceBatches(byReference, s.batchSize, s.seed) : batchSampler(Array.from({ length: items.length }, (_, i) => i), s.batchSize, s.seed);
    const res = await runTraining(trainer, { phase: 'steering', steps: s.steps, readEvery: 1 }, {
      nextBatch: () => {
        const idx = next();
        return batchOf(src, idx, gridAt(idx[0]));
      },
      onRead,
    });
    return res.curve;
  } finally {
    trainer.dispose();
  }
}

/** A curve thinned to at most ~`max` points (always keeping the last). */
export function thinCurve(curve: readonly CurvePoint[], max = 100): CurvePoint[] {
  const every = Math.max(1, Math.ceil(curve.length / max));
  return curve.filter((_, i) => i % every === 0 || i === curve.length - 1);
}
