import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTinyModel } from '../core/model';
import { presetMask } from '../core/mask';
import { startBackend } from './backend';
import { frozenCut, isCut } from '../core/graph';
import { fineTune, type SteerSettings, type TrainItem } from '../core/steer/fineTune';
import { patternRgba } from './testFixtures';

beforeAll(() => startBackend());

const S = 32;
function items(n: number): TrainItem[] {
  return Array.from({ length: n }, (_, i) => {
    const rgba = patternRgba(S, S, i + 1);
    const data = new Uint8Array(S * S * 3);
    for (let p = 0; p < S * S; p++) data.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
    return { image: { width: S, height: S, data }, score: 10 + 10 * i, mask: i % 2 ? presetMask('corners') : null };
  });
}
const settings: SteerSettings = { steps: 3, batchSize: 4, learningRate: 1e-3, lambda: 2, seed: 3, camLoss: 'mse', sharpness: 1, optimizer: 'adam', detachAlpha: true };

describe('frozen prefix', () => {
  it('finds the end of a non-trainable prefix, and none in a fully trainable model', () => {
    const m = buildTinyModel(S, 7);
    expect(frozenCut(m, 'cam_target')).toBeNull();
    expect(isCut(m, 1)).toBe(true);
    m.getLayer('conv1').trainable = false;
    expect(frozenCut(m, 'cam_target')).toBe('conv1');
    m.dispose();
  });

  it('training the tail on cached activations equals training the model with the prefix frozen', async () => {
    const a = buildTinyModel(S, 7);
    const b = buildTinyModel(S, 7);
    a.getLayer('conv1').trainable = false;
    b.getLayer('conv1').trainable = false;
    const data = items(6);
    const before = tf.memory().numTensors;
    const ca = await fineTune(a, 'cam_target', data, settings);
    const afterA = tf.memory().numTensors;
    const cb = await fineTune(b, 'cam_target', data, settings, undefined, 'conv1');
    expect(tf.memory().numTensors).toBe(afterA);
    expect(afterA).toBeGreaterThanOrEqual(before);
    for (let i = 0; i < ca.length; i++) {
      expect(cb[i].task).toBeCloseTo(ca[i].task, 5);
      expect(cb[i].cam).toBeCloseTo(ca[i].cam, 5);
    }
    const wa = a.getWeights();
    const wb = b.getWeights();
    for (let i = 0; i < wa.length; i++) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(wa[i], wb[i]))).dataSync()[0]);
      expect(d).toBeLessThan(1e-5);
    }
    a.dispose();
    b.dispose();
  });

  it('leaves no tensors behind per step', async () => {
    const m = buildTinyModel(S, 7);
    await fineTune(m, 'cam_target', items(4), { ...settings, steps: 1 });
    const n = tf.memory().numTensors;
    await fineTune(m, 'cam_target', items(4), { ...settings, steps: 4 });
    expect(tf.memory().numTensors).toBe(n);
    m.dispose();
  });
});

describe('constraints', () => {
  it("keeps the shipped tiny model's non-negative score weights non-negative while steering (both paths)", async () => {
    for (const cut of [null, 'conv1']) {
      const m = buildTinyModel(S, 7, { nonNegativeScore: true });
      m.getLayer('conv1').trainable = cut === null;
      // far below 0: a few small steps cannot bring them back, only the projection can
      // (assigned to the variable: LayerVariable.write, behind setWeights, would project it)
      const score = m.getLayer('score');
      const kernel = score.weights[0].read() as tf.Variable;
      tf.tidy(() => kernel.assign(tf.fill(kernel.shape, -1)));
      await fineTune(m, 'cam_target', items(6), { ...settings, steps: 2, learningRate: 1e-4 }, undefined, cut);
      expect(Math.min(...(await score.getWeights()[0].data()))).toBeGreaterThanOrEqual(0);
      m.dispose();
    }
  });
});
