import * as tf from '@tensorflow/tfjs';
import { SCORE_SCALE } from '../config';
import { qualityMetrics, type QualityMetrics } from '../metrics';
import { mulberry32, shuffledIndices } from '../random';
import { rgbBatchToTensor } from './image';
import type { IqaSample } from './samples';

/**
 * Quality-only pretraining of a LayersModel on IQA samples (no CAM loss): MSE between the
 * model's output and score / SCORE_SCALE, Adam with linear warm-up and cosine decay, the
 * weights with the best validation SRCC kept. Pure tfjs, every step tidy.
 */

export interface PretrainConfig {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Steps of linear warm-up before the cosine decay (to learningRate * minLrFraction). */
  warmupSteps: number;
  minLrFraction: number;
  /** Evaluate on the validation set every this many steps (and at the end). */
  evalEvery: number;
  seed: number;
  /** L2 weight decay on conv / dense kernels added to the loss (0 = none). */
  weightDecay?: number;
  /**
   * The `training` flag layers get during steps (default true). False keeps BatchNormalization
   * on its moving statistics, the usual choice when fine-tuning a pretrained backbone.
   */
  applyTraining?: boolean;
}

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
}

export interface EvalInfo {
  step: number;
  val: QualityMetrics;
  best: boolean;
}

export interface PretrainResult {
  bestStep: number;
  bestVal: QualityMetrics;
  finalLoss: number;
}

export function learningRateAt(cfg: PretrainConfig, step: number): number {
  if (step < cfg.warmupSteps) return (cfg.learningRate * (step + 1)) / cfg.warmupSteps;
  const t = (step - cfg.warmupSteps) / Math.max(1, cfg.steps - cfg.warmupSteps);
  const lo = cfg.learningRate * cfg.minLrFraction;
  return lo + 0.5 * (cfg.learningRate - lo) * (1 + Math.cos(Math.PI * Math.min(1, t)));
}

/**
 * What a model is trained and evaluated on: labels and a way to make the input batch of any
 * indices (images, or cached activations of a frozen backbone).
 */
export interface QualitySet {
  /** Scores on 0–100. */
  scores: Float32Array;
  /** Model input for the given indices; the caller disposes it. */
  batch(indices: readonly number[]): tf.Tensor;
}

/** A QualitySet of images: inputs are [B, S, S, 3] in [0, 1]. */
export function imageSet(samples: readonly IqaSample[]): QualitySet {
  return {
    scores: Float32Array.from(samples, (s) => s.score),
    batch: (idx) => rgbBatchToTensor(idx.map((i) => samples[i].image)),
  };
}

/** Model scores (0–100) of a whole set, in batches; no tensors left behind. */
export async function predictSet(model: tf.LayersModel, set: QualitySet, batchSize = 32): Promise<Float32Array> {
  const n = set.scores.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, n - i) }, (_, k) => i + k);
    const y = tf.tidy(() => (model.predict(set.batch(idx)) as tf.Tensor).reshape([idx.length]).mul(SCORE_SCALE));
    out.set(await y.data(), i);
    y.dispose();
  }
  return out;
}

/** Model scores (0–100) of image samples. */
export function predictScores(model: tf.LayersModel, samples: readonly IqaSample[], batchSize = 32): Promise<Float32Array> {
  return predictSet(model, imageSet(samples), batchSize);
}

/** SRCC / PLCC / KRCC of the model's scores against the labels. */
export async function evaluateSet(model: tf.LayersModel, set: QualitySet): Promise<QualityMetrics> {
  return qualityMetrics(await predictSet(model, set), set.scores);
}

export async function pretrainQuality(
  model: tf.LayersModel,
  train: QualitySet,
  val: QualitySet,
  cfg: PretrainConfig,
  hooks: { onStep?: (s: StepInfo) => void; onEval?: (e: EvalInfo) => void; shouldStop?: () => boolean } = {},
): Promise<PretrainResult> {
  if (train.scores.length === 0) throw new Error('pretrainQuality: empty training set');
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = model.trainableWeights.filter((w) => /kernel/.test(w.name)).map((w) => w.read());
  // optimizer.applyGradients ignores Keras constraints (model.fit applies them): project here
  const constrained = model.trainableWeights.filter((w) => w.constraint);
  const optimizer: tf.Optimizer = tf.train.adam(cfg.learningRate);
  const rand = mulberry32(cfg.seed);
  let order: number[] = [];
  const nextBatch = () => {
    const idx: number[] = [];
    while (idx.length < Math.min(cfg.batchSize, train.scores.length)) {
      if (order.length === 0) order = shuffledIndices(train.scores.length, rand);
      idx.push(order.pop()!);
    }
    return idx;
  };
  let best: { step: number; val: QualityMetrics; weights: tf.Tensor[] } | null = null;
  let finalLoss = NaN;
  const evaluate = async (step: number) => {
    const m = await evaluateSet(model, val);
    const isBest = !best || m.srcc > best.val.srcc;
    if (isBest) {
      best?.weights.forEach((w) => w.dispose());
      best = { step, val: m, weights: model.getWeights().map((w) => w.clone()) };
    }
    hooks.onEval?.({ step, val: m, best: isBest });
  };
  try {
    for (let step = 0; step < cfg.steps; step++) {
      if (hooks.shouldStop?.()) break;
      const lr = learningRateAt(cfg, step);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const idx = nextBatch();
      const loss = tf.tidy(() => {
        const x = train.batch(idx);
        const y = tf.tensor2d(idx.map((i) => train.scores[i] / SCORE_SCALE), [idx.length, 1]);
        const { value, grads } = tf.variableGrads(() => {
          const pred = model.apply(x, { training: cfg.applyTraining ?? true }) as tf.Tensor;
          let l = tf.losses.meanSquaredError(y, pred) as tf.Scalar;
          if (cfg.weightDecay) l = l.add(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))).mul(cfg.weightDecay));
          return l;
        }, vars);
        optimizer.applyGradients(grads);
        for (const w of constrained) (w.read() as tf.Variable).assign(w.constraint.apply(w.read()));
        return value;
      });
      finalLoss = (await loss.data())[0];
      loss.dispose();
      hooks.onStep?.({ step: step + 1, loss: finalLoss, lr });
      if ((step + 1) % cfg.evalEvery === 0 || step + 1 === cfg.steps) await evaluate(step + 1);
    }
    if (!best) await evaluate(0);
    const b = best as unknown as { step: number; val: QualityMetrics; weights: tf.Tensor[] };
    model.setWeights(b.weights);
    return { bestStep: b.step, bestVal: b.val, finalLoss };
  } finally {
    (best as { weights: tf.Tensor[] } | null)?.weights.forEach((w) => w.dispose());
    optimizer.dispose();
  }
}
