import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CamLossType } from './config';
import { camLossPerSample } from './loss';
import { useCpuBackend } from './testUtil';

beforeAll(useCpuBackend);

/** Per-sample CAM losses of maps [B, 2, 2] against masks [B, 2, 2]. */
function loss(type: CamLossType, cams: number[][], masks: number[][]): number[] {
  return tf.tidy(() => Array.from(camLossPerSample(type, tf.tensor3d(cams.flat(), [cams.length, 2, 2]), tf.tensor3d(masks.flat(), [masks.length, 2, 2])).dataSync()));
}

// one map with its peak in the mask's one cell, some energy in a cell outside, zero elsewhere
const CAM = [1, 3, 0, 0];
const MASK = [0, 1, 0, 0];

describe('camLossPerSample', () => {
  it('mse: squared error of the min-max-normalised map against the mask', () => {
    // normalised [1/3, 1, 0, 0]
    expect(loss('mse', [CAM], [MASK])[0]).toBeCloseTo(1 / 9 / 4, 6);
  });

  it('outside: share of the raw map outside the mask', () => {
    expect(loss('outside', [CAM], [MASK])[0]).toBeCloseTo(1 / 4, 6);
  });

  it('outside is not offset-invariant: a constant added to the map counts as energy outside', () => {
    expect(loss('outside', [CAM.map((v) => v + 5)], [MASK])[0]).toBeCloseTo((1 + 15) / (4 + 20), 6);
  });

  it('mse ignores an offset and a scale of the map', () => {
    expect(loss('mse', [CAM.map((v) => 2 * v + 5)], [MASK])[0]).toBeCloseTo(loss('mse', [CAM], [MASK])[0], 6);
  });

  it('bce: cross-entropy of the clipped normalised map against the mask', () => {
    const expected = -(Math.log(2 / 3) + 3 * Math.log(1 - 1e-4)) / 4;
    expect(loss('bce', [CAM], [MASK])[0]).toBeCloseTo(expected, 5);
  });

  it('is per sample', () => {
    const out = loss('outside', [CAM, [0, 1, 0, 0]], [MASK, MASK]);
    expect(out[0]).toBeCloseTo(0.25, 6);
    expect(out[1]).toBeCloseTo(0, 6);
  });
});
