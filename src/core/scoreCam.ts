import * as tf from '@tensorflow/tfjs';
import { EPS } from './config';
import { scoreUnit, type SplitModel } from './graph';

/**
 * Score-CAM (Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional
 * Neural Networks", CVPR-W 2020), a CAM that uses no gradient. Each channel k of the target
 * layer's activations A becomes a mask: upsampled (bilinear) to the input, min-max normalised
 * to [0, 1]. The model scores the input multiplied by each mask; the channel weights are the
 * softmax over channels of those scores, and the map is ReLU(sum_k w_k A_k), as
 * pytorch-grad-cam computes it.
 *
 * It costs one forward pass per channel, in batches of `batchSize`.
 * @param x one input [1, H, W, 3]
 * @returns the map [h, w] after ReLU (not normalised); the caller disposes it
 */
export async function scoreCam(
  model: tf.LayersModel,
  split: SplitModel,
  x: tf.Tensor4D,
  opts: { batchSize?: number; outputIndex?: number } = {},
): Promise<tf.Tensor2D> {
  const bs = opts.batchSize ?? 32;
  const [, H, W] = x.shape;
  const A = tf.tidy(() => split.forward(x).A.squeeze([0]) as tf.Tensor3D);
  const [h, w, K] = A.shape;
  const scores = new Float32Array(K);
  try {
    for (let k0 = 0; k0 < K; k0 += bs) {
      const n = Math.min(bs, K - k0);
      const s = tf.tidy(() => {
        // channels k0..k0+n as masks [n, H, W, 1] in [0, 1]
        const ch = tf.transpose(tf.slice(A, [0, 0, k0], [h, w, n]), [2, 0, 1]).expandDims(3) as tf.Tensor4D;
        const up = tf.image.resizeBilinear(ch, [H, W], false, true);
        const mn = tf.min(up, [1, 2, 3], true);
        const mx = tf.max(up, [1, 2, 3], true);
        const masks = tf.div(tf.sub(up, mn), tf.add(tf.sub(mx, mn), EPS));
        return scoreUnit(model.predict(tf.mul(x, masks)) as tf.Tensor, opts.outputIndex);
      });
      scores.set(await s.data(), k0);
      s.dispose();
    }
    return tf.tidy(() => {
      const weights = tf.softmax(tf.tensor1d(scores));
      return tf.relu(tf.sum(tf.mul(A, weights), -1)) as tf.Tensor2D;
    });
  } finally {
    A.dispose();
  }
}
