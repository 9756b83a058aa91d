import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testUtil';
import { deletionInsertion, imagesPerRanking, stepCounts } from './deletion';
import { noiseImages, quadrantMap, quadrantModel } from './fixtures';
import { blurImages, modelScorer, type Scorer } from './perturb';

beforeAll(useCpuBackend);

const S = 32;
const GRID: [number, number] = [8, 8];
const OPTS = { steps: 8, randomOrders: 3, seed: 1, batchSize: 32 };

describe('step counts', () => {
  it('spreads T steps over the regions and caps T at their number', () => {
    expect(stepCounts(64, 8)).toEqual([0, 8, 16, 24, 32, 40, 48, 56, 64]);
    expect(stepCounts(4, 16)).toEqual([0, 1, 2, 3, 4]);
    expect(imagesPerRanking(64, 8)).toBe(14);
  });
});

describe('deletion and insertion on a model that only sees the top-left quadrant', () => {
  let model: tf.LayersModel;
  let x: tf.Tensor4D;
  let xb: tf.Tensor4D;
  beforeAll(() => {
    model = quadrantModel(S);
    x = noiseImages(1, S, 3);
    xb = blurImages(x, S / 16);
  });
  afterAll(() => {
    tf.dispose([x, xb]);
    model.dispose();
  });

  it('ranks the true region above random orders, and a wrong one below', async () => {
    const truth = quadrantMap(8, 8, 'top-left');
    const wrong = quadrantMap(8, 8, 'bottom-right');
    const r = await deletionInsertion(modelScorer(model), x, xb, { truth, wrong }, GRID, OPTS);

    expect(r.scoreBlurred).toBeLessThan(0.2 * r.scoreOriginal); // blur removes most of the sharpness
    expect(r.fractions).toEqual([0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
    for (const c of [r.curves.truth, r.curves.wrong, r.random]) {
      expect(c.deletion[0]).toBe(0);
      expect(c.deletion.at(-1)).toBe(1);
      expect(c.insertion[0]).toBe(0);
      expect(c.insertion.at(-1)).toBe(1);
    }
    // the true ranking has removed the whole quadrant at 25%: effect ~1 from there on
    expect(r.curves.truth.deletion[2]).toBeGreaterThan(0.95);
    expect(r.curves.truth.insertion[2]).toBeGreaterThan(0.95);
    expect(r.curves.truth.deletionAuc - r.random.deletionAuc).toBeGreaterThan(0.25);
    expect(r.curves.truth.insertionAuc - r.random.insertionAuc).toBeGreaterThan(0.25);
    // the wrong ranking first removes regions that do not matter: nothing happens until 75%
    expect(Math.abs(r.curves.wrong.deletion[2])).toBeLessThan(0.05);
    expect(r.curves.wrong.deletionAuc).toBeLessThan(r.random.deletionAuc - 0.05);
    expect(r.curves.wrong.insertionAuc).toBeLessThan(r.random.insertionAuc - 0.05);
  });

  it('scores everything in a few predict calls of at most batchSize images', async () => {
    const base = modelScorer(model);
    const sizes: number[] = [];
    const counting: Scorer = (t) => {
      sizes.push(t.shape[0]);
      return base(t);
    };
    await deletionInsertion(counting, x, xb, { a: quadrantMap(8, 8, 'top-left') }, GRID, OPTS);
    const expected = 2 + (1 + OPTS.randomOrders) * imagesPerRanking(64, OPTS.steps); // 58
    expect(sizes.reduce((s, n) => s + n, 0)).toBe(expected);
    expect(sizes).toEqual([32, 26]);
  });

  it('scores rankings that order the regions alike once (a scaled map, equal ties)', async () => {
    const base = modelScorer(model);
    let scored = 0;
    const counting: Scorer = (t) => {
      scored += t.shape[0];
      return base(t);
    };
    const truth = quadrantMap(8, 8, 'top-left'); // flat inside and outside the quadrant: ties
    const scaled = truth.map((v) => 3 * v);
    const r = await deletionInsertion(counting, x, xb, { truth, scaled, wrong: quadrantMap(8, 8, 'bottom-right') }, GRID, OPTS);
    expect(scored).toBe(2 + (2 + OPTS.randomOrders) * imagesPerRanking(64, OPTS.steps));
    expect(r.curves.scaled).toEqual(r.curves.truth);
    expect(r.curves.wrong).not.toEqual(r.curves.truth);
  });

  it('is deterministic for a seed and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const flat = new Float32Array(64); // all ties: the order is the seeded tie-break
    const a = await deletionInsertion(modelScorer(model), x, xb, { flat }, GRID, OPTS);
    const b = await deletionInsertion(modelScorer(model), x, xb, { flat }, GRID, OPTS);
    expect(a).toEqual(b);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a ranking of the wrong size', async () => {
    await expect(deletionInsertion(modelScorer(model), x, xb, { bad: [1, 2, 3] }, GRID, OPTS)).rejects.toThrow(RangeError);
  });
});
