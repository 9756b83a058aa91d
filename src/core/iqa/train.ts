import * as tf from '@tensorflow/tfjs';
import { batchOf, batchSampler, type BatchSource } from '../batch';
import { scoresOf, type InputSource } from '../evaluation';
import { qualityMetrics, type QualityMetrics } from '../metrics';
import { camLayerNames } from '../model';
import { runTraining } from '../steer/run';
import { Trainer } from '../trainer';

/**
 * Quality-only pretraining of a LayersModel on IQA samples (no CAM loss): the steering engine
 * (core/steer/run) at lambda 0 with MSE between the score and label / SCORE_SCALE, Adam with
 * linear warm-up and cosine decay, and the weights with the best validation SRCC kept.
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
}

/** Where the model is cut for training: its CAM layer and an optional frozen prefix (graph.splitModel). */
export interface PretrainModelOptions {
  /** Any spatial layer (the split needs one); default the model's last. */
  layerName?: string;
  /** Inputs are this layer's activations (cachedSource) and only the layers after it train. */
  cut?: string | null;
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

export async function pretrainQuality(
  model: tf.LayersModel,
  train: BatchSource,
  /** Validation images (any sizes: batched by shape), with their labels. */
  val: InputSource & Pick<BatchSource, 'score'>,
  cfg: PretrainConfig,
  hooks: { onStep?: (s: StepInfo) => void; onEval?: (e: EvalInfo) => void; shouldStop?: () => boolean } = {},
  opts: PretrainModelOptions = {},
): Promise<PretrainResult> {
  if (train.size === 0) throw new Error('pretrainQuality: empty training set');
  const layerName = opts.layerName ?? camLayerNames(model).at(-1)!;
  const trainer = new Trainer(model, { layerName, cut: opts.cut ?? null, learningRate: cfg.learningRate, optimizer: 'adam', lambda: 0, camLoss: 'mse', detachAlpha: true });
  const next = batchSampler(Array.from({ length: train.size }, (_, i) => i), cfg.batchSize, cfg.seed);
  const grid = { h: 1, w: 1 };
  const labels = Float32Array.from({ length: val.size }, (_, i) => val.score(i));
  // validation images go through the whole model (a cut's cached activations are for training only)
  const predictVal = () => scoresOf(model, val);
  const metrics = new Map<number, QualityMetrics>();
  let finalLoss = NaN;
  let lr = cfg.learningRate;
  try {
    const res = await runTraining(
      trainer,
      { phase: 'pretrain', steps: cfg.steps, readEvery: 1, learningRateAt: (s) => (lr = learningRateAt(cfg, s)) },
      {
        nextBatch: () => batchOf(train, next(), grid),
        onRead: (r) => {
          finalLoss = r.losses.total;
          hooks.onStep?.({ step: r.step, loss: finalLoss, lr });
        },
        validation: {
          every: cfg.evalEvery,
          keepBest: true,
          measure: async (step) => {
            const m = qualityMetrics(await predictVal(), labels);
            metrics.set(step, m);
            return m.srcc;
          },
          onMeasure: (step, _v, best) => hooks.onEval?.({ step, val: metrics.get(step)!, best }),
        },
        control: { get stopped() { return hooks.shouldStop?.() ?? false; }, checkpoint: async () => {} },
      },
    );
    if (res.best) return { bestStep: res.best.step, bestVal: metrics.get(res.best.step)!, finalLoss };
    // stopped before the first validation: the weights as they are
    const val0 = qualityMetrics(await predictVal(), labels);
    hooks.onEval?.({ step: res.steps, val: val0, best: true });
    return { bestStep: res.steps, bestVal: val0, finalLoss };
  } finally {
    trainer.dispose();
  }
}
