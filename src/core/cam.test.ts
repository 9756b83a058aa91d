import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAM_METHODS, camFromGradients, computeCam, type CamMethod } from './cam';
import { splitModel } from './graph';
import { useCpuBackend } from './testUtil';

beforeAll(useCpuBackend);

// A hand-built model: identity 1x1 conv (so A = x), then flatten + dense with known weights,
// so q = sum W * A and dq/dA = W, which varies over space and makes every method differ.
const H = 2;
const W = 2;
const K = 2;
const A_VALUES = [1, 2, 0, 3, 4, 1, 2, 0]; // [h, w, k] row-major
const W_VALUES = [0.5, -1, 1, 0.25, -0.5, 2, 1, 1];

function handModel(): tf.LayersModel {
  const input = tf.input({ shape: [H, W, K] });
  const conv = tf.layers.conv2d({ filters: K, kernelSize: 1, useBias: false, name: 'cam_target' });
  const flat = tf.layers.flatten();
  const dense = tf.layers.dense({ units: 1, useBias: false });
  const out = dense.apply(flat.apply(conv.apply(input))) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  conv.setWeights([tf.tensor4d([1, 0, 0, 1], [1, 1, K, K])]);
  dense.setWeights([tf.tensor2d(W_VALUES, [H * W * K, 1])]);
  return model;
}

const at = (arr: number[], i: number, j: number, k: number) => arr[(i * W + j) * K + k];
const relu = (v: number) => Math.max(0, v);

/** The CAM formulas (docs/architecture.md, "The math") in plain loops. */
function handCam(method: CamMethod, A: number[], G: number[]): number[] {
  const sumA = [0, 1].map((k) => [0, 1, 2, 3].reduce((s, p) => s + A[p * K + k], 0));
  const weights = [0, 1].map((k) => {
    let s = 0;
    for (let p = 0; p < H * W; p++) {
      const g = G[p * K + k];
      const a = A[p * K + k];
      if (method === 'gradcam') s += g / (H * W);
      if (method === 'gradcampp') s += ((g * g) / (2 * g * g + sumA[k] * g ** 3 + 1e-6)) * relu(g);
      if (method === 'xgradcam') s += (g * a) / (sumA[k] + 1e-7);
    }
    return s;
  });
  const out: number[] = [];
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = at(A, i, j, k);
        const g = at(G, i, j, k);
        if (method === 'hirescam') s += g * a;
        else if (method === 'layercam') s += relu(g) * a;
        else s += weights[k] * a;
      }
      out.push(relu(s));
    }
  }
  return out;
}

describe('CAM methods on a hand-built model', () => {
  it('GradCAM equals the value worked out by hand', () => {
    // alpha = mean over space of W per channel: k0 (0.5+1-0.5+1)/4 = 0.5, k1 (-1+0.25+2+1)/4 = 0.5625
    // map = relu(0.5*A0 + 0.5625*A1) = [0.5+1.125, 0+1.6875, 2+0.5625, 1+0] (then ReLU)
    const model = handModel();
    const { map } = computeCam(splitModel(model, 'cam_target'), tf.tensor4d(A_VALUES, [1, H, W, K]), 'gradcam');
    const got = Array.from(map.dataSync());
    [1.625, 1.6875, 2.5625, 1].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
  });

  it.each(CAM_METHODS)('%s equals the formula computed in plain loops', (method) => {
    const model = handModel();
    const split = splitModel(model, 'cam_target');
    const { q, map } = computeCam(split, tf.tensor4d(A_VALUES, [1, H, W, K]), method);
    const expected = handCam(method, A_VALUES, W_VALUES);
    const got = Array.from(map.dataSync());
    expect(map.shape).toEqual([1, H, W]);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(q.dataSync()[0]).toBeCloseTo(A_VALUES.reduce((s, a, i) => s + a * W_VALUES[i], 0), 5);
  });

  it('methods give different maps on a spatial head', () => {
    const A = tf.tensor4d(A_VALUES, [1, H, W, K]);
    const G = tf.tensor4d(W_VALUES, [1, H, W, K]);
    const maps = CAM_METHODS.map((m) => Array.from(camFromGradients(m, A, G).dataSync()).join(','));
    expect(new Set(maps).size).toBeGreaterThanOrEqual(4);
  });

  it('with a GAP head, GradCAM, HiResCAM and XGradCAM agree up to scale at the last layer', () => {
    const input = tf.input({ shape: [4, 4, 3] });
    const conv = tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', name: 't', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) });
    const out = tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) })
      .apply(tf.layers.globalAveragePooling2d({}).apply(conv.apply(input))) as tf.SymbolicTensor;
    const split = splitModel(tf.model({ inputs: input, outputs: out }), 't');
    const x = tf.randomUniform([1, 4, 4, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const norm = (m: CamMethod) => {
      const v = Array.from(computeCam(split, x, m).map.dataSync());
      const mx = Math.max(...v, 1e-12);
      return v.map((a) => a / mx);
    };
    const g = norm('gradcam');
    for (const m of ['hirescam', 'xgradcam'] as CamMethod[]) norm(m).forEach((v, i) => expect(v).toBeCloseTo(g[i], 4));
  });
});

describe('classifier outputs', () => {
  it('explains the chosen output unit of a [B, C] output', () => {
    const input = tf.input({ shape: [H, W, K] });
    const conv = tf.layers.conv2d({ filters: K, kernelSize: 1, useBias: false, name: 'cam_target' });
    const dense = tf.layers.dense({ units: 3, useBias: false });
    const out = dense.apply(tf.layers.flatten().apply(conv.apply(input))) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    conv.setWeights([tf.tensor4d([1, 0, 0, 1], [1, 1, K, K])]);
    const cols = [W_VALUES, W_VALUES.map((v) => -v), W_VALUES.map((v, i) => v * (i % 3))];
    const kernel = Array.from({ length: H * W * K }, (_, r) => cols.map((c) => c[r])).flat();
    dense.setWeights([tf.tensor2d(kernel, [H * W * K, 3])]);
    for (const unit of [0, 2]) {
      const { q, map } = computeCam(splitModel(model, 'cam_target', unit), tf.tensor4d(A_VALUES, [1, H, W, K]), 'hirescam');
      const expected = handCam('hirescam', A_VALUES, cols[unit]);
      Array.from(map.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
      expect(q.dataSync()[0]).toBeCloseTo(A_VALUES.reduce((s, a, i) => s + a * cols[unit][i], 0), 5);
    }
  });
});
