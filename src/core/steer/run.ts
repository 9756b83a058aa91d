import * as tf from '@tensorflow/tfjs';
import { disposeBatch } from '../batch';
import type { SteerBatch } from '../loss';
import type { Trainer } from '../trainer';

/**
 * The one training loop of CamSteer. The app's worker, `camsteer steer`, `camsteer reproduce`
 * and `camsteer pretrain` all run their steps through `runTraining`; they differ only in the
 * batches they feed it and in what they do at a read-back (docs/architecture.md).
 *
 * Per step: one tidy Trainer.step. Every `readEvery` steps (and at the last) the losses are read
 * back: a diverged run (non-finite or exploded losses) is rolled back to the weights of the last good read-back and reported with DivergenceError; otherwise the host's
 * `onRead` runs (progress, heatmaps, checkpoints) and, when due, the validation metric, whose
 * best weights can be kept. Between steps the host's control yields (pause/stop).
 */

/** Which training a curve point belongs to (the app's loss chart colours them). */
export type TrainPhase = 'preparing' | 'baseline' | 'steering' | 'pretrain';

/** One read-back of a run: losses and (for steering) the target photo's energy-in-mask. */
export interface CurvePoint {
  phase: TrainPhase;
  step: number;
  /** Steps in the run. */
  total: number;
  task: number;
  cam: number;
  energy: number | null;
}

export interface Losses {
  total: number;
  task: number;
  cam: number;
}

/**
 * A finite loss can still mean a diverged run: at a learning rate of 10 a linear-score model
 * ends up scoring every image near -4000 with finite losses. So a run also counts as diverged
 * when its task loss (MSE of scores / 100) exceeds both 1 — predictions off by more than the
 * whole 0–100 range on average — and EXPLOSION times the task loss at its first read-back.
 */
export const EXPLOSION = 100;

export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    readonly goodStep: number,
    readonly learningRate: number,
  ) {
    super(
      `Training diverged: the loss became NaN, infinite or exploded by step ${step}. The weights were rolled back to step ${goodStep}, ` +
        `the last one checked. Try a smaller learning rate (now ${learningRate}; ${learningRate / 10} is a good next try).`,
    );
    this.name = 'DivergenceError';
  }
}

/** What the loop asks of its host between steps: a stop flag and a yield that blocks while paused. */
export interface RunControlLike {
  readonly stopped: boolean;
  checkpoint(): Promise<void>;
}

export interface ReadBack {
  step: number;
  total: number;
  losses: Losses;
  /** Steps per second since the previous read-back. */
  stepsPerSec: number;
}

export interface Validation {
  /** Measure every this many steps (at read-backs; rounded up to one) and at the last step. */
  every: number;
  /** The metric, higher is better (e.g. validation SRCC). */
  measure(step: number): Promise<number>;
  /** At the end, restore the weights of the best measurement (ties: the earliest). */
  keepBest: boolean;
  /** Also measure before the first step (the start's value can then be the best). */
  atStart?: boolean;
  /** Stop early when this returns true for a measurement. */
  stopWhen?(value: number, best: number): boolean;
  /**
   * A quality guard: a measurement below `floor` stops the run and rolls the weights back to
   * the last measurement at or above it (the run's start when there was none).
   */
  guard?: { floor: number };
  onMeasure?(step: number, value: number, best: boolean): void;
}

/** What the quality guard did: the measurement that fell below its floor, and where the weights went back to. */
export interface GuardTrip {
  step: number;
  value: number;
  rolledBackTo: number;
}

export interface TrainingRun {
  phase: TrainPhase;
  /** The step the run ends at (absolute; a resumed run starts past 0). */
  steps: number;
  startStep?: number;
  /** Read the losses back every this many steps (and at the last). 1 checks every step. */
  readEvery: number;
  /** Step size per step (a schedule); the trainer's own rate when absent. */
  learningRateAt?(step: number): number;
}

export interface RunHooks {
  /** The next batch; the loop disposes it after the step. */
  nextBatch(step: number): SteerBatch;
  /** At each read-back that passed the divergence check; returns the curve point's energy. */
  onRead?(r: ReadBack): Promise<number | null | void> | number | null | void;
  validation?: Validation;
  control?: RunControlLike;
  /** Clock in ms (performance.now in both hosts); injected so tests can fix it. */
  now?(): number;
}

export interface RunResult {
  /** The last step trained (startStep when stopped before the first). */
  steps: number;
  curve: CurvePoint[];
  /** The best validation measurement, when validation ran. */
  best: { step: number; value: number } | null;
  /** Why the run ended before `steps`: the host's stop, the validation's stop rule or its guard. */
  stoppedBy: 'control' | 'validation' | 'guard' | null;
  guard: GuardTrip | null;
}

function snapshot(model: tf.LayersModel): tf.Tensor[] {
  return model.getWeights().map((w) => tf.clone(w));
}

/**
 * Runs `trainer` for steps (startStep, steps]. Returns the curve of read-backs; throws
 * DivergenceError after rolling the weights back. Leaves no tensors behind but the model's and
 * the optimizer's.
 */
export async function runTraining(trainer: Trainer, run: TrainingRun, hooks: RunHooks, curve: CurvePoint[] = []): Promise<RunResult> {
  const now = hooks.now ?? (() => performance.now());
  const control = hooks.control;
  const val = hooks.validation;
  let step = run.startStep ?? 0;
  let windowStart = now();
  let windowSteps = 0;
  let good = { step, weights: snapshot(trainer.model) };
  let best: { step: number; value: number; weights: tf.Tensor[] | null } | null = null;
  let stoppedBy: RunResult['stoppedBy'] = null;
  let firstTask: number | null = null;
  let guardTrip: GuardTrip | null = null;
  // the guard's rollback point: the weights at the last measurement above its floor (at first, the start's)
  let lastGood: { step: number; weights: tf.Tensor[] } | null = val?.guard ? { step, weights: snapshot(trainer.model) } : null;
  const measure = async (at: number): Promise<boolean> => {
    if (!val) return false;
    const value = await val.measure(at);
    const isBest = !best || value > best.value;
    if (isBest) {
      if (best?.weights) tf.dispose(best.weights);
      best = { step: at, value, weights: val.keepBest ? snapshot(trainer.model) : null };
    }
    val.onMeasure?.(at, value, isBest);
    if (val.guard && lastGood) {
      if (value >= val.guard.floor) {
        tf.dispose(lastGood.weights);
        lastGood = { step: at, weights: snapshot(trainer.model) };
      } else {
        trainer.model.setWeights(lastGood.weights);
        guardTrip = { step: at, value, rolledBackTo: lastGood.step };
        return true;
      }
    }
    return val.stopWhen?.(value, best!.value) ?? false;
  };
  try {
    if (val?.atStart) await measure(step);
    const valEvery = val ? Math.max(1, Math.ceil(val.every / run.readEvery)) * run.readEvery : 0;
    while (step < run.steps && !control?.stopped) {
      if (run.learningRateAt) trainer.setLearningRate(run.learningRateAt(step));
      const batch = hooks.nextBatch(step);
      let losses: tf.Tensor1D;
      try {
        losses = trainer.step(batch);
      } finally {
        disposeBatch(batch);
      }
      step++;
      windowSteps++;
      if (step % run.readEvery !== 0 && step !== run.steps) {
        losses.dispose();
        await control?.checkpoint();
        continue;
      }
      const [total, task, cam] = Array.from(await losses.data());
      losses.dispose();
      firstTask ??= task;
      if (![total, task, cam].every(Number.isFinite) || task > Math.max(1, EXPLOSION * firstTask)) {
        trainer.model.setWeights(good.weights);
        throw new DivergenceError(step, good.step, trainer.learningRate);
      }
      tf.dispose(good.weights);
      good = { step, weights: snapshot(trainer.model) };
      const t = now();
      const read: ReadBack = { step, total: run.steps, losses: { total, task, cam }, stepsPerSec: (windowSteps * 1000) / Math.max(1, t - windowStart) };
      windowSteps = 0;
      windowStart = t;
      const energy = (await hooks.onRead?.(read)) ?? null;
      curve.push({ phase: run.phase, step, total: run.steps, task, cam, energy });
      if (val && (step % valEvery === 0 || step === run.steps) && (await measure(step))) {
        stoppedBy = guardTrip ? 'guard' : 'validation';
        break;
      }
      await control?.checkpoint();
    }
    if (control?.stopped && stoppedBy === null && step < run.steps) stoppedBy = 'control';
    const b = best as { step: number; value: number; weights: tf.Tensor[] | null } | null;
    if (b?.weights && !guardTrip) trainer.model.setWeights(b.weights);
    return { steps: step, curve, best: b ? { step: b.step, value: b.value } : null, stoppedBy, guard: guardTrip };
  } finally {
    tf.dispose(good.weights);
    if (lastGood) tf.dispose((lastGood as { weights: tf.Tensor[] }).weights);
    const b = best as { weights: tf.Tensor[] | null } | null;
    if (b?.weights) tf.dispose(b.weights);
  }
}
