import type * as tf from '@tensorflow/tfjs';
import type { BatchSource } from '../batch';
import { scoresOf, type InputSource } from '../evaluation';
import { srcc } from '../metrics';
import type { Validation } from './run';

/**
 * The steering recipe that keeps quality (docs/architecture.md, "Steering that keeps quality"),
 * shared by the app and `camsteer steer`:
 * - the base model is the teacher on the replayed photos: their targets are the base's own
 *   scores, so steering the heatmap does not drift the scores it had learnt;
 * - a quality guard: validation SRCC measured during the run; a fall of more than
 *   GUARD_TOLERANCE below the base's stops the run and rolls it back to its last good point.
 */

/** How far validation SRCC may fall below the base model's before the guard stops a run. */
export const GUARD_TOLERANCE = 0.02;

/** Steps between the guard's measurements (rounded up to a read-back). */
export const GUARD_EVERY_STEPS = 20;

/** Scores (0–100) of the base model on inputs: the teacher's targets for replayed items. */
export function teacherScores(base: tf.LayersModel, src: InputSource, outputIndex = 0): Promise<Float32Array> {
  return scoresOf(base, src, { outputIndex, batchSize: 16 });
}

/** The same items with the replayed ones' targets replaced by the teacher's scores. */
export function withTeacher(src: BatchSource, teacher: ArrayLike<number>, replayed: (i: number) => boolean): BatchSource {
  return { ...src, score: (i) => (replayed(i) ? teacher[i] : src.score(i)) };
}

/** SRCC of a model's scores on a labelled set. */
export async function srccOf(model: tf.LayersModel, set: InputSource & Pick<BatchSource, 'score'>, outputIndex = 0): Promise<number> {
  return srcc(await scoresOf(model, set, { outputIndex }), Array.from({ length: set.size }, (_, i) => set.score(i)));
}

/**
 * The guard as the engine's validation: SRCC of `model` on `set` every `every` steps, with a floor
 * GUARD_TOLERANCE (or `tolerance`) below the base model's SRCC on the same set.
 */
export function qualityGuard(
  model: tf.LayersModel,
  set: InputSource & Pick<BatchSource, 'score'>,
  base: number,
  opts: { every: number; outputIndex?: number; tolerance?: number; onMeasure?: Validation['onMeasure'] },
): Validation {
  return {
    every: opts.every,
    keepBest: false,
    guard: { floor: base - (opts.tolerance ?? GUARD_TOLERANCE) },
    measure: () => srccOf(model, set, opts.outputIndex),
    onMeasure: opts.onMeasure,
  };
}
