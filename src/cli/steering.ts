import * as tf from '@tensorflow/tfjs';
import type { CamLossType, OptimizerType } from '../core/config';
import { SCORE_SCALE } from '../core/config';
import { batchSampler } from '../core/batch';
import { rgbBatchToTensor, type RgbImage } from '../core/iqa/image';
import type { IqaSample } from '../core/iqa/samples';
import { steeringLoss, type SteerBatch } from '../core/loss';
import { gridTarget, type Mask } from '../core/mask';
import { Trainer } from '../core/trainer';
import { CliError } from './io';
import { salientMask, type MaskSpec } from './masks';
import { CutError, makeTail } from './tail';

/** Fine-tuning settings of `steer` and `reproduce` (lambda 0 = quality only: the baseline). */
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

export interface CurvePoint {
  step: number;
  total: number;
  task: number;
  cam: number;
}

export class DivergedError extends CliError {
  constructor(step: number, lr: number) {
    super(`training diverged (non-finite loss) at step ${step}; try a smaller --lr than ${lr}`);
    this.name = 'DivergedError';
  }
}

/**
 * The target mask of each sample. A fixed mask is the same for all; a salient mask is the
 * saliency of the sample's pristine image: samples of the IQA pipeline come in groups (a
 * reference square or crop, pristine first, then its distorted copies), and all copies of a
 * group share the pristine image's mask.
 */
export async function sampleMasks(samples: readonly { refId: string; distortion: string | null; image: RgbImage }[], spec: MaskSpec): Promise<Mask[]> {
  if (spec.kind === 'fixed') return samples.map(() => spec.mask);
  const out: Mask[] = [];
  let current: Mask | null = null;
  let ref = '';
  for (const s of samples) {
    if (current === null || s.distortion === null || s.refId !== ref) {
      current = await salientMask(s.image, spec.threshold);
      ref = s.refId;
    }
    out.push(current);
  }
  return out;
}

export function trainItems(samples: readonly IqaSample[], masks: readonly (Mask | null)[] | null): TrainItem[] {
  return samples.map((s, i) => ({ image: s.image, score: s.score, mask: masks ? masks[i] : null }));
}

/**
 * Fine-tunes `model` in place with core's Trainer (one-pass differentiable GradCAM loss with
 * detached alpha): L = MSE(q, y) + lambda * camLoss(GradCAM, mask) over seeded batches.
 * Items without a mask get the task loss only. Losses are read back every step (to stop on
 * divergence) and reported to `onStep`.
 */
export async function fineTune(
  model: tf.LayersModel,
  layerName: string,
  items: readonly TrainItem[],
  s: SteerSettings,
  onStep?: (p: CurvePoint) => void,
  /** Train only the layers after this one, on its cached activations (see tail.ts). */
  cut?: string | null,
  /** The cut's activations of `items` (prefixFeatures), when the caller has them already. */
  features?: Float32Array,
): Promise<CurvePoint[]> {
  if (items.length === 0) throw new CliError('no training images');
  const shape = model.getLayer(layerName).outputShape as number[];
  const [h, w] = [shape[1], shape[2]];
  const grids = items.map((it) => (it.mask ? gridTarget(it.mask, w, h, s.sharpness) : null));
  if (cut) return fineTuneTail(model, layerName, cut, items, grids, s, onStep, features);
  const trainer = new Trainer(model, {
    layerName,
    learningRate: s.learningRate,
    optimizer: s.optimizer,
    lambda: s.lambda,
    camLoss: s.camLoss,
    detachAlpha: s.detachAlpha,
  });
  const next = batchSampler(
    items.map((_, i) => i),
    s.batchSize,
    s.seed,
  );
  const curve: CurvePoint[] = [];
  try {
    for (let step = 1; step <= s.steps; step++) {
      const idx = next();
      const batch = makeBatch(items, grids, idx, h, w);
      let losses: Float32Array;
      try {
        const l = trainer.step(batch);
        losses = (await l.data()) as Float32Array;
        l.dispose();
      } finally {
        tf.dispose([batch.x, batch.y, batch.masks, batch.maskWeight]);
      }
      if (!losses.every((v) => Number.isFinite(v))) throw new DivergedError(step, s.learningRate);
      const p = { step, total: losses[0], task: losses[1], cam: losses[2] };
      curve.push(p);
      onStep?.(p);
    }
  } finally {
    trainer.dispose();
  }
  return curve;
}

/**
 * Keras constraints (e.g. the shipped tiny model's non-negative score weights) are applied by
 * model.fit, not by optimizer.applyGradients: this projects the trainable weights after a step
 * of the tail path (core's Trainer does the same for whole models), so fine-tuning keeps the
 * model inside the family it was defined in.
 */
export function constraintProjector(model: tf.LayersModel): () => void {
  const constrained = model.trainableWeights.filter((w) => w.constraint);
  return () =>
    tf.tidy(() => {
      for (const w of constrained) (w.read() as tf.Variable).assign(w.constraint.apply(w.read()));
    });
}

function tailOf(model: tf.LayersModel, cut: string, layerName: string) {
  try {
    return makeTail(model, cut, layerName);
  } catch (e) {
    if (e instanceof CutError) throw new CliError(e.message);
    throw e;
  }
}

/**
 * Activations of the frozen prefix (up to `cut`) for images, flattened one after another: the
 * same for every model that shares the prefix's weights, so `reproduce` computes them once.
 */
export async function prefixFeatures(model: tf.LayersModel, cut: string, layerName: string, images: readonly RgbImage[]): Promise<Float32Array> {
  const tail = tailOf(model, cut, layerName);
  const per = tail.featureShape.reduce((a, b) => a * b, 1);
  const feats = new Float32Array(images.length * per);
  for (let i = 0; i < images.length; i += 16) {
    const chunk = images.slice(i, i + 16);
    const f = tf.tidy(() => tail.prefix(rgbBatchToTensor(chunk)));
    feats.set(await f.data(), i * per);
    f.dispose();
  }
  return feats;
}

/**
 * fineTune for a model with a frozen prefix: the prefix runs once per image, then each step is
 * core's steering loss on the tail (the same loss and update as Trainer.step).
 */
async function fineTuneTail(
  model: tf.LayersModel,
  layerName: string,
  cut: string,
  items: readonly TrainItem[],
  grids: readonly (Float32Array | null)[],
  s: SteerSettings,
  onStep?: (p: CurvePoint) => void,
  features?: Float32Array,
): Promise<CurvePoint[]> {
  const tail = tailOf(model, cut, layerName);
  const project = constraintProjector(model);
  const per = tail.featureShape.reduce((a, b) => a * b, 1);
  const feats = features ?? (await prefixFeatures(model, cut, layerName, items.map((it) => it.image)));
  if (feats.length !== items.length * per) throw new Error(`fineTune: ${feats.length} cached values for ${items.length} images of ${per}`);
  const shape = model.getLayer(layerName).outputShape as number[];
  const [h, w] = [shape[1], shape[2]];
  const optimizer: tf.Optimizer = s.optimizer === 'adam' ? tf.train.adam(s.learningRate) : tf.train.momentum(s.learningRate, 0.9);
  const featShape: number[] = tail.featureShape;
  const next = batchSampler(
    items.map((_, i) => i),
    s.batchSize,
    s.seed,
  );
  const curve: CurvePoint[] = [];
  try {
    for (let step = 1; step <= s.steps; step++) {
      const idx = next();
      const batch = batchTargets(items, grids, idx, h, w);
      const xs = new Float32Array(idx.length * per);
      idx.forEach((k, b) => xs.set(feats.subarray(k * per, (k + 1) * per), b * per));
      const x = tf.tensor(xs, [idx.length, ...featShape]) as tf.Tensor as tf.Tensor4D;
      let losses: Float32Array;
      try {
        const l = tf.tidy(() => {
          let parts: tf.Tensor1D | undefined;
          const { grads } = tf.variableGrads(() => {
            const r = steeringLoss(tail.split, { ...batch, x }, { lambda: s.lambda, camLoss: s.camLoss, detachAlpha: s.detachAlpha });
            parts = tf.keep(tf.stack([r.total, r.task, r.cam]) as tf.Tensor1D);
            return r.total;
          }, tail.vars);
          optimizer.applyGradients(grads);
          tf.dispose(grads);
          return parts!;
        });
        project();
        losses = (await l.data()) as Float32Array;
        l.dispose();
      } finally {
        tf.dispose([x, batch.y, batch.masks, batch.maskWeight]);
      }
      if (!losses.every((v) => Number.isFinite(v))) throw new DivergedError(step, s.learningRate);
      const p = { step, total: losses[0], task: losses[1], cam: losses[2] };
      curve.push(p);
      onStep?.(p);
    }
  } finally {
    optimizer.dispose();
  }
  return curve;
}

function makeBatch(items: readonly TrainItem[], grids: readonly (Float32Array | null)[], idx: readonly number[], h: number, w: number): SteerBatch {
  return { x: rgbBatchToTensor(idx.map((k) => items[k].image)), ...batchTargets(items, grids, idx, h, w) };
}

/** Labels, masks at the feature grid and mask weights of a batch. */
function batchTargets(items: readonly TrainItem[], grids: readonly (Float32Array | null)[], idx: readonly number[], h: number, w: number): Omit<SteerBatch, 'x'> {
  const n = h * w;
  const masks = new Float32Array(idx.length * n);
  const weights = new Float32Array(idx.length);
  idx.forEach((k, b) => {
    const g = grids[k];
    if (g) {
      masks.set(g, b * n);
      weights[b] = 1;
    }
  });
  return {
    y: tf.tensor1d(idx.map((k) => items[k].score / SCORE_SCALE)),
    masks: tf.tensor3d(masks, [idx.length, h, w]),
    maskWeight: tf.tensor1d(weights),
  };
}

/** A curve thinned to at most ~`max` points (always keeping the last). */
export function thinCurve(curve: readonly CurvePoint[], max = 100): CurvePoint[] {
  const every = Math.max(1, Math.ceil(curve.length / max));
  return curve.filter((_, i) => i % every === 0 || i === curve.length - 1);
}

/** Defaults of `camsteer steer` and of each model `camsteer reproduce` trains. */
export const STEER_DEFAULTS: SteerSettings = {
  steps: 300,
  batchSize: 16,
  learningRate: 1e-3,
  lambda: 2,
  seed: 7,
  camLoss: 'mse',
  sharpness: 1,
  optimizer: 'adam',
  detachAlpha: true,
};
