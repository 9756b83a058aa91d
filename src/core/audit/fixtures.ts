/**
 * Hand-built models for the audit's tests, whose right answers are known.
 */
import * as tf from '@tensorflow/tfjs';

/** Name of the CAM layer of quadrantModel. */
export const QUADRANT_LAYER = 'cam_target';

/**
 * A "quality" model whose score depends only on the image's top-left quadrant:
 *   lap: 3x3 conv, 2 filters, fixed: +L and -L on the grey image (L = 4-neighbour Laplacian,
 *        grey = channel mean), ReLU, so lap_0 + lap_1 = |L * grey| (sharpness)
 *   cam_target: 4x4 average pooling -> [S/4, S/4, 2]
 *   crop to the top-left (S/8 x S/8) cells -> GAP -> dense with weights [1, 1], bias 0
 * so q = mean |Laplacian| over the top-left quadrant (pixels 0..S/2, one more through the conv's
 * reach). Blurring lowers it. dq/dA is w / (S/8)^2 on the top-left cells and 0 elsewhere, so
 * HiResCAM and LayerCAM point at the top-left quadrant while GradCAM, GradCAM++ and XGradCAM
 * (one weight per channel) spread over the whole image.
 * @param size S, a multiple of 8
 */
export function quadrantModel(size: number): tf.LayersModel {
  if (size % 8) throw new RangeError('quadrantModel: size must be a multiple of 8');
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const lap = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', useBias: false, name: 'lap' });
  const pool = tf.layers.averagePooling2d({ poolSize: 4, strides: 4, name: QUADRANT_LAYER });
  const crop = tf.layers.cropping2D({ cropping: [[0, size / 8], [0, size / 8]], name: 'crop' });
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' });
  const dense = tf.layers.dense({ units: 1, name: 'score' });
  const out = dense.apply(gap.apply(crop.apply(pool.apply(lap.apply(input))))) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'quadrant' });
  const L = [0, 1, 0, 1, -4, 1, 0, 1, 0];
  const kernel = new Float32Array(3 * 3 * 3 * 2);
  for (let k = 0; k < 9; k++) {
    for (let c = 0; c < 3; c++) {
      kernel[(k * 3 + c) * 2] = L[k] / 3;
      kernel[(k * 3 + c) * 2 + 1] = -L[k] / 3;
    }
  }
  tf.tidy(() => {
    lap.setWeights([tf.tensor4d(kernel, [3, 3, 3, 2])]);
    dense.setWeights([tf.tensor2d([1, 1], [2, 1]), tf.zeros([1])]);
  });
  return model;
}

/** n seeded uniform-noise images [n, S, S, 3] in [0, 1] (sharp everywhere). */
export function noiseImages(n: number, size: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([n, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** A map over a rows x cols grid that is 1 on the top-left quadrant's cells and 0 elsewhere. */
export function quadrantMap(rows: number, cols: number, quadrant: 'top-left' | 'bottom-right'): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const tl = r < rows / 2 && c < cols / 2;
      const br = r >= rows / 2 && c >= cols / 2;
      out[r * cols + c] = (quadrant === 'top-left' ? tl : br) ? 1 : 0;
    }
  }
  return out;
}
