import * as tf from '@tensorflow/tfjs';
import type { CamLossType, OptimizerType, TrainableScope } from './config';
import { gradCamAlpha } from './cam';
import { splitModel, type SplitModel } from './graph';
import { steeringLoss, type SteerBatch } from './loss';

export interface TrainerOptions {
  layerName: string;
  learningRate: number;
  optimizer: OptimizerType;
  lambda: number;
  camLoss: CamLossType;
  detachAlpha: boolean;
  /** Use the two-pass reference (alpha from a separate forward). For tests and benchmarks. */
  twoPass?: boolean;
  /** Which layers train (default all). 'head' cannot move GradCAM when alpha is detached. */
  trainable?: TrainableScope;
  /** The output unit that is the score (classifiers); default 0. */
  outputIndex?: number;
  /**
   * Train only the layers after this one: batches then carry its activations
   * (graph.prefixActivations) instead of images, so a frozen prefix runs once per image.
   */
  cut?: string | null;
}

/** The trainable variables of the layers a scope selects, relative to the target layer (and after a cut). */
export function trainableVariables(model: tf.LayersModel, layerName: string, scope: TrainableScope = 'all', cut: string | null = null): tf.Variable[] {
  const target = model.layers.findIndex((l) => l.name === layerName);
  const first = cut === null ? 0 : model.layers.findIndex((l) => l.name === cut) + 1;
  const layers = model.layers.filter((_, i) => i >= first && (scope === 'all' || (scope === 'last' ? i >= target : i > target)));
  return layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
}

/** Losses of one step, as a [3] tensor (total, task, cam) the caller reads or disposes. */
export type StepResult = tf.Tensor1D;

/**
 * Owns the optimizer and runs training steps on a model. Every step is tidy: after
 * `step()` the only new tensor is the returned loss vector (and the optimizer's slots,
 * created once on the first step).
 */
export class Trainer {
  readonly split: SplitModel;
  private readonly optimizer: tf.Optimizer;
  private readonly vars: tf.Variable[];
  /** Trained weights with a Keras constraint (e.g. nonNeg), projected after every update. */
  private readonly constrained: tf.LayerVariable[];

  constructor(
    readonly model: tf.LayersModel,
    private opts: TrainerOptions,
  ) {
    this.split = splitModel(model, opts.layerName, opts.outputIndex, opts.cut ?? null);
    this.optimizer =
      opts.optimizer === 'adam' ? tf.train.adam(opts.learningRate) : tf.train.momentum(opts.learningRate, 0.9);
    this.vars = trainableVariables(model, opts.layerName, opts.trainable, opts.cut ?? null);
    if (!this.vars.length) throw new Error(`No trainable weights in scope "${opts.trainable ?? 'all'}" of this model`);
    this.constrained = model.trainableWeights.filter((w) => w.constraint && this.vars.includes(w.read() as tf.Variable));
  }

  setLambda(lambda: number): void {
    this.opts = { ...this.opts, lambda };
  }

  get lambda(): number {
    return this.opts.lambda;
  }

  get learningRate(): number {
    return this.opts.learningRate;
  }

  /** Changes the step size of the next steps (a schedule); the optimizer's moments are kept. */
  setLearningRate(lr: number): void {
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    this.opts = { ...this.opts, learningRate: lr };
  }

  /** One optimisation step. Returns [total, task, cam] losses; the caller disposes it. */
  step(batch: SteerBatch): StepResult {
    return tf.tidy(() => {
      const alpha = this.opts.twoPass ? gradCamAlpha(this.split, batch.x) : undefined;
      let parts: tf.Tensor1D | undefined;
      const { grads } = tf.variableGrads(() => {
        const l = steeringLoss(this.split, batch, { ...this.opts, alpha });
        parts = tf.keep(tf.stack([l.total, l.task, l.cam]) as tf.Tensor1D);
        return l.total;
      }, this.vars);
      this.optimizer.applyGradients(grads);
      tf.dispose(grads);
      // optimizer.applyGradients ignores Keras constraints (model.fit applies them): do it here
      for (const w of this.constrained) (w.read() as tf.Variable).assign(w.constraint.apply(w.read()));
      return parts!;
    });
  }

  /** Loss and weight gradients without applying them (tests compare one- and two-pass). */
  gradients(batch: SteerBatch): { loss: tf.Scalar; grads: tf.NamedTensorMap } {
    return tf.tidy(() => {
      const alpha = this.opts.twoPass ? gradCamAlpha(this.split, batch.x) : undefined;
      const { value, grads } = tf.variableGrads(
        () => steeringLoss(this.split, batch, { ...this.opts, alpha }).total,
        this.vars,
      );
      return { loss: value, grads };
    });
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
