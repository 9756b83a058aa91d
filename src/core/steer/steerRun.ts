import type * as tf from '@tensorflow/tfjs';
import { batchOf, cachedSource, imageSource, type BatchSource } from '../batch';
import type { IqaSample } from '../iqa/samples';
import { cropMask, gridTarget, type Mask } from '../mask';
import type { CamLossType, OptimizerType, TrainableScope } from '../config';
import type { InputSource } from '../evaluation';
import { frozenCut, gridFor } from '../graph';
import { Trainer } from '../trainer';
import { prefixFeatures } from './fineTune';
import { steeringPlan } from './plan';
import { GUARD_EVERY_STEPS, GUARD_TOLERANCE, qualityGuard, srccOf, teacherScores, withTeacher } from './recipe';
import { runTraining, type CurvePoint, type ReadBack, type RunControlLike, type RunResult } from './run';

/** What a steering run of one or more photos trains on: items with masks (targets) and without (replayed). */
export interface SteeringItems {
  /** Each item's reference photo. */
  refIds: string[];
  /** Inputs (all one size), labels, and masks at the grid for the steered items. */
  source: BatchSource;
  /** Side of the (square) inputs. */
  side: number;
}

/**
 * Steering items from labelled crops: each crop of a steered photo gets that photo's mask (over
 * its whole working image) cut like the crop and resampled to the grid; the others none.
 */
export function cropItems(
  crops: readonly IqaSample[],
  maskOf: (refId: string) => Mask | null,
  dims: (refId: string) => { w: number; h: number },
  grid: (side: number) => { h: number; w: number },
  sharpness: number,
): SteeringItems {
  const side = crops[0]?.image.width ?? 0;
  const g = grid(side);
  const masks = crops.map((c) => {
    const m = maskOf(c.refId);
    if (!m || !c.crop) return null;
    const { w, h } = dims(c.refId);
    return gridTarget(cropMask(m, c.crop, w, h), g.w, g.h, sharpness);
  });
  return { refIds: crops.map((c) => c.refId), source: imageSource(crops, masks), side };
}

export interface SteeringSettings {
  steps: number;
  batchSize: number;
  learningRate: number;
  lambda: number;
  camLoss: CamLossType;
  optimizer: OptimizerType;
  detachAlpha: boolean;
  trainable?: TrainableScope;
  seed: number;
  /** Read-backs every this many steps. */
  readEvery: number;
  /** Steps between the quality guard's measurements (default GUARD_EVERY_STEPS). */
  guardEvery?: number;
}

export interface SteeringRunOptions {
  /** The model trained in place. */
  model: tf.LayersModel;
  /** The model it started from: the teacher of the replayed items and the guard's reference. */
  base: tf.LayersModel;
  layerName: string;
  outputIndex?: number;
  items: SteeringItems;
  /** The steered photos (the rest of the items are replayed). */
  targets: ReadonlySet<string>;
  /** Photos never trained on (the test split), unless steered. */
  exclude: ReadonlySet<string> | null;
  /** Whether other photos are replayed in each batch (false: every item is a target's). */
  replay: boolean;
  /** Train only after this layer (its activations cached once); undefined: the model's frozen prefix, if any (frozenCut). */
  cut?: string | null;
  /** Validation images for the guard (null: no guard). */
  validation: (InputSource & Pick<BatchSource, 'score'>) | null;
  settings: SteeringSettings;
  startStep?: number;
  curve?: CurvePoint[];
  onRead?(r: ReadBack): Promise<number | null | void> | number | null | void;
  onValidation?(step: number, srcc: number, base: number): void;
  onProgress?(message: string): void;
  control?: RunControlLike;
}

export interface SteeringOutcome extends RunResult {
  /** Validation SRCC of the base and of the model as it ends (rolled back when the guard stopped it). */
  quality: { base: number; steered: number; tolerance: number } | null;
}

/**
 * One steering run with the recipe that keeps quality (core/steer/recipe): the base model as the
 * teacher of the replayed items' scores, the quality guard on validation SRCC, and a frozen
 * prefix run once per item. The app's worker and `camsteer steer` both run their steering here.
 * Throws DivergenceError (weights rolled back) when the run diverges.
 */
export async function steerRun(o: SteeringRunOptions): Promise<SteeringOutcome> {
  const s = o.settings;
  const grid = gridFor(o.model, o.layerName, o.items.side, o.items.side);
  o.onProgress?.('Scoring the replayed photos with the base model');
  const teacher = await teacherScores(o.base, o.items.source, o.outputIndex);
  let source = withTeacher(o.items.source, teacher, (i) => !o.targets.has(o.items.refIds[i]));
  const baseVal = o.validation ? await srccOf(o.base, o.validation, o.outputIndex) : null;
  if (baseVal !== null) o.onValidation?.(o.startStep ?? 0, baseVal, baseVal);
  const cut = o.cut === undefined ? frozenCut(o.model, o.layerName) : o.cut;
  if (cut) {
    o.onProgress?.('Running the frozen layers once over the training images');
    source = cachedSource(source, await prefixFeatures(o.model, cut, o.layerName, o.items.source));
  }
  const trainer = new Trainer(o.model, { layerName: o.layerName, outputIndex: o.outputIndex, cut, learningRate: s.learningRate, optimizer: s.optimizer, lambda: s.lambda, camLoss: s.camLoss, detachAlpha: s.detachAlpha, trainable: s.trainable });
  const plan = steeringPlan(o.items.refIds, o.targets, { exclude: o.exclude, replay: o.replay, batchSize: s.batchSize, seed: s.seed });
  try {
    const res = await runTraining(
      trainer,
      { phase: 'steering', steps: s.steps, startStep: o.startStep, readEvery: s.readEvery },
      {
        nextBatch: () => batchOf(source, plan.next(), grid),
        onRead: o.onRead,
        validation:
          o.validation && baseVal !== null
            ? qualityGuard(o.model, o.validation, baseVal, { every: s.guardEvery ?? GUARD_EVERY_STEPS, outputIndex: o.outputIndex, onMeasure: (step, v) => o.onValidation?.(step, v, baseVal) })
            : undefined,
        control: o.control,
      },
      o.curve ?? [],
    );
    const quality = o.validation && baseVal !== null ? { base: baseVal, steered: await srccOf(o.model, o.validation, o.outputIndex), tolerance: GUARD_TOLERANCE } : null;
    return { ...res, quality };
  } finally {
    trainer.dispose();
  }
}
