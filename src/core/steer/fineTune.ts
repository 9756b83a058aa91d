import * as tf from '@tensorflow/tfjs';
import { batchOf, batchSampler, cachedSource, imageSource, type BatchSource } from '../batch';
import type { CamLossType, OptimizerType } from '../config';
import { gridFor, prefixActivations, splitModel } from '../graph';
import type { RgbImage } from '../iqa/image';
import type { InputSource } from '../evaluation';
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
 * The inputs must share a size (a fully convolutional model's crops, a square model's input).
 */
export async function prefixFeatures(model: tf.LayersModel, cut: string, layerName: string, src: InputSource): Promise<{ features: Float32Array; shape: number[] }> {
  splitModel(model, layerName, 0, cut); // throws CutError before any work when the cut is not usable
  let features: Float32Array | null = null;
  let shape: number[] = [];
  for (let i = 0; i < src.size; i += 16) {
    const idx = Array.from({ length: Math.min(16, src.size - i) }, (_, k) => i + k);
    const f = tf.tidy(() => prefixActivations(model, cut, src.inputs(idx)));
    if (!features) {
      shape = f.shape.slice(1);
      features = new Float32Array(src.size * shape.reduce((a, b) => a * b, 1));
    }
    features.set(await f.data(), (i * features.length) / src.size);
    f.dispose();
  }
  return { features: features ?? new Float32Array(0), shape };
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
  features?: { features: Float32Array; shape: number[] },
): Promise<CurvePoint[]> {
  if (items.length === 0) throw new Error('no training images');
  const grid = gridFor(model, layerName, items[0].image.height, items[0].image.width);
  let src: BatchSource = imageSource(items, items.map((it) => (it.mask ? gridTarget(it.mask, grid.w, grid.h, s.sharpness) : null)));
  const trainer = new Trainer(model, { layerName, cut, learningRate: s.learningRate, optimizer: s.optimizer, lambda: s.lambda, camLoss: s.camLoss, detachAlpha: s.detachAlpha });
  try {
    if (cut) {
      const f = features ?? (await prefixFeatures(model, cut, layerName, src));
      src = cachedSource(src, f.features, f.shape);
    }
    const next = batchSampler(Array.from({ length: items.length }, (_, i) => i), s.batchSize, s.seed);
    const res = await runTraining(trainer, { phase: 'steering', steps: s.steps, readEvery: 1 }, { nextBatch: () => batchOf(src, next(), grid), onRead });
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
