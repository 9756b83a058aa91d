import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitModel } from './graph';
import { scoreCam } from './scoreCam';
import { useCpuBackend } from './testUtil';

beforeAll(useCpuBackend);

/**
 * A hand-computable model: input [1, 2, 2, 1 -> 3 channels summed], a 1x1 "conv" with fixed
 * weights as the target layer (2 channels), then the score = mean of the input's first channel
 * over the image. Channel 0 of A is 1 on the top row, channel 1 is 1 on the left column.
 */
function model(): tf.LayersModel {
  const input = tf.input({ shape: [2, 2, 3] });
  const t = tf.layers.conv2d({ filters: 2, kernelSize: 1, useBias: false, name: 't', trainable: false }).apply(input) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const score = tf.layers.dense({ units: 1, useBias: false, name: 'score' }).apply(gap) as tf.SymbolicTensor;
  // the CAM layer must feed the output for splitModel's head; add 0 x its mean
  const tg = tf.layers.globalAveragePooling2d({}).apply(t) as tf.SymbolicTensor;
  const zero = tf.layers.dense({ units: 1, useBias: false, name: 'zero', kernelInitializer: 'zeros' }).apply(tg) as tf.SymbolicTensor;
  const out = tf.layers.add().apply([score, zero]) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  m.getLayer('score').setWeights([tf.tensor2d([[1], [0], [0]])]);
  return m;
}

describe('Score-CAM', () => {
  it('weights each channel by the softmax of the score of the input masked by it (hand-computed)', async () => {
    const m = model();
    // input channel 0: [[1, 2], [3, 4]]; the 1x1 conv reads channels 1 and 2, which carry the masks
    const x = tf.tensor4d(
      [
        [1, 1, 1],
        [2, 1, 0],
        [3, 0, 1],
        [4, 0, 0],
      ].flat(),
      [1, 2, 2, 3],
    );
    // A_0 = input channel 1 (top row), A_1 = input channel 2 (left column)
    m.getLayer('t').setWeights([tf.tensor4d([0, 0, 1, 0, 0, 1], [1, 1, 3, 2])]);
    const map = await scoreCam(m, splitModel(m, 't'), x, { batchSize: 1 });
    // masked scores: mean of channel 0 under the top-row mask = (1 + 2) / 4 = 0.75, under the left-column mask = (1 + 3) / 4 = 1
    const w0 = Math.exp(0.75) / (Math.exp(0.75) + Math.exp(1));
    const w1 = 1 - w0;
    const want = [w0 + w1, w0, w1, 0];
    const got = Array.from(await map.data());
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(want[i], 5);
    const before = tf.memory().numTensors;
    (await scoreCam(m, splitModel(m, 't'), x)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([map, x]);
    m.dispose();
  });
});
