import * as tf from '@tensorflow/tfjs';
import { EPS, type CamLossType } from './config';
import { gradCamOnePass, gradCamWithAlpha, minMaxNormalize } from './cam';
import type { SplitModel } from './graph';

/** One training batch. Masks are at feature-grid resolution. */
export interface SteerBatch {
  /** images [B, H, W, 3] */
  x: tf.Tensor4D;
  /** quality labels / SCORE_SCALE [B] */
  y: tf.Tensor1D;
  /** target masks at the feature grid [B, h, w], values in [0, 1] */
  masks: tf.Tensor3D;
  /** 1 where the sample's CAM is steered, 0 where only the task loss applies [B] */
  maskWeight: tf.Tensor1D;
}

export interface LossParts {
  total: tf.Scalar;
  task: tf.Scalar;
  cam: tf.Scalar;
}

/**
 * Per-sample CAM loss [B] between GradCAM [B, h, w] and masks [B, h, w].
 * - mse: mean squared error between min-max normalised GradCAM and the mask;
 * - outside: fraction of GradCAM energy outside the mask;
 * - bce: binary cross-entropy of the normalised GradCAM against the mask.
 */
export function camLossPerSample(type: CamLossType, cam: tf.Tensor3D, masks: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    switch (type) {
      case 'mse':
        return tf.mean(tf.squaredDifference(minMaxNormalize(cam), masks), [1, 2]) as tf.Tensor1D;
      case 'outside': {
        const outside = tf.sum(tf.mul(cam, tf.sub(1, masks)), [1, 2]);
        return tf.div(outside, tf.add(tf.sum(cam, [1, 2]), EPS)) as tf.Tensor1D;
      }
      case 'bce': {
        const p = tf.clipByValue(minMaxNormalize(cam), 1e-4, 1 - 1e-4);
        const ll = tf.add(tf.mul(masks, tf.log(p)), tf.mul(tf.sub(1, masks), tf.log(tf.sub(1, p))));
        return tf.neg(tf.mean(ll, [1, 2])) as tf.Tensor1D;
      }
      default: {
        const never: never = type;
        throw new Error(`unknown CAM loss ${String(never)}`);
      }
    }
  });
}

export interface SteerLossOptions {
  lambda: number;
  camLoss: CamLossType;
  detachAlpha: boolean;
  /** Two-pass reference: alpha from a separate forward pass, passed in as a constant. */
  alpha?: tf.Tensor4D;
}

/**
 * L = MSE(q, y) + lambda * weighted mean over steered samples of the CAM loss.
 * Call inside a gradient tape. With `alpha` given, uses it (two-pass); else one pass.
 * With lambda = 0 only the task loss is computed (the CAM part reads 0).
 */
export function steeringLoss(split: SplitModel, batch: SteerBatch, opts: SteerLossOptions): LossParts {
  if (opts.lambda === 0 && !opts.alpha) {
    // quality only (the baseline): no CAM, so no head gradient to compute
    const task = tf.losses.meanSquaredError(batch.y, split.forward(batch.x).q) as tf.Scalar;
    return { total: task, task, cam: tf.scalar(0) };
  }
  const { q, cam } = opts.alpha
    ? gradCamWithAlpha(split, batch.x, opts.alpha)
    : gradCamOnePass(split, batch.x, opts.detachAlpha);
  const task = tf.losses.meanSquaredError(batch.y, q) as tf.Scalar;
  const per = camLossPerSample(opts.camLoss, cam, batch.masks);
  const camLoss = tf.div(tf.sum(tf.mul(per, batch.maskWeight)), tf.maximum(tf.sum(batch.maskWeight), 1)) as tf.Scalar;
  const total = tf.add(task, tf.mul(camLoss, opts.lambda)) as tf.Scalar;
  return { total, task, cam: camLoss };
}
