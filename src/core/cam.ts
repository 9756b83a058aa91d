import * as tf from '@tensorflow/tfjs';
import { EPS } from './config';
import type { SplitModel } from './graph';
import { CAM_METHODS, type CamMethod } from './camMethods';

export { CAM_METHODS, CAM_METHOD_LABELS, type CamMethod } from './camMethods';

const SPATIAL: [number, number] = [1, 2];

/**
 * CAM map from activations and their gradients, as docs/architecture.md ("The math") defines each method.
 * @param A activations [B, h, w, K]
 * @param g dq/dA [B, h, w, K]
 * @returns map after ReLU [B, h, w]
 */
export function camFromGradients(method: CamMethod, A: tf.Tensor4D, g: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    let weighted: tf.Tensor4D;
    switch (method) {
      case 'gradcam':
        weighted = tf.mul(tf.mean(g, SPATIAL, true), A);
        break;
      case 'hirescam':
        weighted = tf.mul(g, A);
        break;
      case 'gradcampp': {
        const g2 = tf.square(g);
        const g3 = tf.mul(g2, g);
        const sumA = tf.sum(A, SPATIAL, true);
        const a = tf.div(g2, tf.add(tf.add(tf.mul(g2, 2), tf.mul(sumA, g3)), 1e-6));
        const w = tf.sum(tf.mul(a, tf.relu(g)), SPATIAL, true);
        weighted = tf.mul(w, A);
        break;
      }
      case 'xgradcam': {
        const w = tf.div(tf.sum(tf.mul(g, A), SPATIAL, true), tf.add(tf.sum(A, SPATIAL, true), EPS));
        weighted = tf.mul(w, A);
        break;
      }
      case 'layercam':
        weighted = tf.mul(tf.relu(g), A);
        break;
      default: {
        const never: never = method;
        throw new Error(`unknown CAM method ${String(never)}`);
      }
    }
    return tf.relu(tf.sum(weighted, -1)) as tf.Tensor3D;
  });
}

/** Scores and a CAM map for a batch, outside any training tape. Returns q [B] and map [B, h, w]. */
export function computeCam(
  split: SplitModel,
  x: tf.Tensor4D,
  method: CamMethod,
): { q: tf.Tensor1D; map: tf.Tensor3D } {
  return tf.tidy(() => {
    const { A, q, head } = split.forward(x);
    return { q, map: camFromGradients(method, A, headGradient(head, A)) };
  });
}

/** dq/dA [B, h, w, K]: gradient of the summed scores through the head alone. */
export function headGradient(head: (A: tf.Tensor4D) => tf.Tensor1D, A: tf.Tensor4D): tf.Tensor4D {
  return tf.grad((a: tf.Tensor) => tf.sum(head(a as tf.Tensor4D)))(A) as tf.Tensor4D;
}

/**
 * Stop-gradient: a new tensor on the same data, made without going through the engine's
 * kernel runner, so no tape node produces it and backprop ends there. Unlike an identity with a zero gradient, the ops
 * that computed `x` drop out of the backward pass entirely instead of being walked with zeros.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const identity = tf.getKernel('Identity', tf.getBackend());
  if (!identity) throw new Error(`stopGradient: backend ${tf.getBackend()} has no Identity kernel`);
  // The backend's Identity shares the data (bumping its ref count); called directly, it is not
  // recorded on the gradient tape.
  const info = identity.kernelFunc({ inputs: { x }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}

/**
 * Differentiable GradCAM in one forward pass. Call inside a gradient tape (tf.variableGrads).
 * alpha = mean_ij dq/dA is computed from the same forward pass; with `detachAlpha` it is cut
 * from the graph, so gradients reach the weights through A only (no second-order terms).
 * @returns q [B] and GradCAM [B, h, w] (after ReLU, not normalised)
 */
export function gradCamOnePass(
  split: SplitModel,
  x: tf.Tensor4D,
  detachAlpha: boolean,
): { q: tf.Tensor1D; cam: tf.Tensor3D } {
  const { A, q, head } = split.forward(x);
  const alpha = tf.mean(headGradient(head, A), SPATIAL, true);
  const a = detachAlpha ? stopGradient(alpha) : alpha;
  return { q, cam: tf.relu(tf.sum(tf.mul(a, A), -1)) as tf.Tensor3D };
}

/** alpha [B, 1, 1, K] from a separate forward pass: the two-pass reference. */
export function gradCamAlpha(split: SplitModel, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const { A, head } = split.forward(x);
    return tf.mean(headGradient(head, A), SPATIAL, true) as tf.Tensor4D;
  });
}

/** GradCAM with a given (constant) alpha: the second pass of the two-pass reference. */
export function gradCamWithAlpha(
  split: SplitModel,
  x: tf.Tensor4D,
  alpha: tf.Tensor4D,
): { q: tf.Tensor1D; cam: tf.Tensor3D } {
  const { A, q } = split.forward(x);
  return { q, cam: tf.relu(tf.sum(tf.mul(alpha, A), -1)) as tf.Tensor3D };
}

/** Per-image min-max normalisation of maps [B, h, w] to [0, 1]. */
export function minMaxNormalize(cam: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const mn = tf.min(cam, SPATIAL, true);
    const mx = tf.max(cam, SPATIAL, true);
    return tf.div(tf.sub(cam, mn), tf.add(tf.sub(mx, mn), EPS)) as tf.Tensor3D;
  });
}

/** Every CAM method from one forward pass and one gradient. Returns q [B] and maps [B, h, w]. */
export function computeAllCams(split: SplitModel, x: tf.Tensor4D): { q: tf.Tensor1D; maps: Record<CamMethod, tf.Tensor3D> } {
  return tf.tidy(() => {
    const { A, q, head } = split.forward(x);
    const g = headGradient(head, A);
    const maps = Object.fromEntries(CAM_METHODS.map((m) => [m, camFromGradients(m, A, g)])) as Record<CamMethod, tf.Tensor3D>;
    return { q, maps };
  });
}
