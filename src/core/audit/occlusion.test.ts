import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testUtil';
import { noiseImages, quadrantMap, quadrantModel } from './fixtures';
import { occlusionAgreement, occlusionSensitivity, patchStarts } from './occlusion';
import { blurImages, meanImages, modelScorer } from './perturb';

beforeAll(useCpuBackend);

const S = 32;

describe('patchStarts', () => {
  it('steps by the stride and adds a last position at the edge', () => {
    expect(patchStarts(32, 8, 4)).toEqual([0, 4, 8, 12, 16, 20, 24]);
    expect(patchStarts(10, 4, 4)).toEqual([0, 4, 6]);
    expect(patchStarts(4, 4, 2)).toEqual([0]);
    expect(() => patchStarts(4, 5, 1)).toThrow(RangeError);
  });
});

describe('occlusion on a model that only sees the top-left quadrant', () => {
  let model: tf.LayersModel;
  let x: tf.Tensor4D;
  let xb: tf.Tensor4D;
  let xm: tf.Tensor4D;
  beforeAll(() => {
    model = quadrantModel(S);
    x = noiseImages(1, S, 5);
    xb = blurImages(x, S / 16);
    xm = meanImages(x);
  });
  afterAll(() => {
    tf.dispose([x, xb, xm]);
    model.dispose();
  });

  it.each([
    ['blurred', () => xb],
    ['mean', () => xm],
  ])('lights up the top-left quadrant only (fill: %s)', async (_name, fill) => {
    const before = tf.memory().numTensors;
    const r = await occlusionSensitivity(modelScorer(model), x, fill(), { patch: 4, stride: 2, batchSize: 64 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.ys).toEqual(patchStarts(S, 4, 2));
    expect(r.delta.length).toBe(r.ys.length * r.xs.length);
    // the score reads pixels 0..16 of each axis (the quadrant plus the Laplacian's reach)
    let inside = 0;
    let outside = 0;
    r.ys.forEach((y0, i) =>
      r.xs.forEach((x0, j) => {
        const d = Math.abs(r.delta[i * r.xs.length + j]);
        if (y0 > 16 || x0 > 16) outside = Math.max(outside, d);
        if (y0 + 4 <= 16 && x0 + 4 <= 16) inside = Math.min(inside || Infinity, d);
      }),
    );
    expect(outside).toBeLessThan(1e-6);
    expect(inside).toBeGreaterThan(1e-3); // every patch inside the quadrant changes the score
    // pixel map: no mass beyond what a patch touching pixel 16 covers, most of it in the quadrant
    let reach = 0;
    let quadrant = 0;
    let mass = 0;
    for (let y = 0; y < S; y++) {
      for (let xx = 0; xx < S; xx++) {
        const v = r.pixelMap[y * S + xx];
        mass += v;
        if (y < 16 + 4 && xx < 16 + 4) reach += v;
        if (y < 16 && xx < 16) quadrant += v;
      }
    }
    expect(reach / mass).toBeCloseTo(1, 6);
    expect(quadrant / mass).toBeGreaterThan(0.9);
    // occluding a sharp noise region with blur or its mean colour lowers the score
    const quadrantDeltas = Array.from(r.delta).filter((_, k) => r.ys[Math.floor(k / r.xs.length)] < 12 && r.xs[k % r.xs.length] < 12);
    expect(Math.min(...quadrantDeltas)).toBeGreaterThan(0);
  });

  it('agrees with a map of the true quadrant and not with a wrong one', async () => {
    const r = await occlusionSensitivity(modelScorer(model), x, xb, { patch: 4, stride: 2, batchSize: 64 });
    const truth = occlusionAgreement(quadrantMap(8, 8, 'top-left'), 8, 8, r.pixelMap, S, S, 16, 0.2);
    const wrong = occlusionAgreement(quadrantMap(8, 8, 'bottom-right'), 8, 8, r.pixelMap, S, S, 16, 0.2);
    const flat = occlusionAgreement(new Float32Array(64).fill(1), 8, 8, r.pixelMap, S, S, 16, 0.2);
    expect(truth.chance).toBeCloseTo(Math.ceil(0.2 * 256) / 256, 12);
    expect(truth.spearman).toBeGreaterThan(0.6);
    expect(truth.energy).toBeGreaterThan(0.5);
    expect(wrong.spearman).toBeLessThan(0);
    expect(wrong.energy).toBeLessThan(0.01);
    // a map that points everywhere scores chance on energy and 0 on Spearman
    expect(flat.spearman).toBe(0);
    expect(flat.energy).toBeCloseTo(flat.chance, 6);
  });
});
