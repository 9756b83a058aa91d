import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTinyModel } from '../model';
import { srcc } from '../metrics';
import { mulberry32 } from '../random';
import { registerTrainingKernels } from '../kernels';
import { useCpuBackend } from '../testUtil';
import type { IqaSample } from './samples';
import { imageSource } from '../batch';
import { scoresOf } from '../evaluation';
import { learningRateAt, pretrainQuality, type PretrainConfig } from './train';

/** Flat grey images with uniform noise of a random amplitude; quality falls with it. */
function noisySamples(n: number, size: number, seed: number): IqaSample[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const amp = r();
    const data = new Uint8Array(size * size * 3);
    for (let k = 0; k < data.length; k++) data[k] = Math.round(128 + 120 * amp * (r() - 0.5));
    return { refId: `r${i}`, distortion: 'noise', level: 1 + 4 * amp, param: amp, msssim: 1 - amp / 2, score: 100 * (1 - amp), image: { width: size, height: size, data } };
  });
}

const cfg: PretrainConfig = { steps: 60, batchSize: 8, learningRate: 1e-2, warmupSteps: 5, minLrFraction: 0.1, evalEvery: 20, seed: 3 };

beforeAll(async () => {
  registerTrainingKernels('cpu');
  await useCpuBackend();
});

describe('learningRateAt', () => {
  it('warms up linearly, then decays by a cosine to the floor', () => {
    expect(learningRateAt(cfg, 0)).toBeCloseTo(cfg.learningRate / 5, 12);
    expect(learningRateAt(cfg, 4)).toBeCloseTo(cfg.learningRate, 12);
    expect(learningRateAt(cfg, 5)).toBeCloseTo(cfg.learningRate, 12);
    expect(learningRateAt(cfg, 60)).toBeCloseTo(cfg.learningRate * 0.1, 12);
    expect(learningRateAt(cfg, 30)).toBeLessThan(learningRateAt(cfg, 20));
  });
});

describe('pretrainQuality', () => {
  const train = noisySamples(48, 32, 1);
  const val = noisySamples(16, 32, 2);

  it('learns a noise-level score, keeps the best validation weights, leaks nothing', async () => {
    const model = buildTinyModel(32, 5, { widths: [8, 8, 8] });
    const before = tf.memory().numTensors;
    const evals: number[] = [];
    let firstLoss = NaN;
    let lastLoss = NaN;
    const res = await pretrainQuality(model, imageSource(train, null), imageSource(val, null), cfg, {
      onStep: (s) => {
        if (s.step === 1) firstLoss = s.loss;
        lastLoss = s.loss;
      },
      onEval: (e) => evals.push(e.val.srcc),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(evals.length).toBe(3);
    expect(res.bestVal.srcc).toBe(Math.max(...evals));
    expect(lastLoss).toBeLessThan(firstLoss);
    expect(res.bestVal.srcc).toBeGreaterThan(0.8);
    // the restored weights are the best step's: predicting val again gives the same SRCC
    const pred = await scoresOf(model, imageSource(val, null));
    expect(srcc(pred, val.map((s) => s.score))).toBeCloseTo(res.bestVal.srcc, 6);
    model.dispose();
  }, 60_000);

  it('projects Keras constraints after each step (nonNeg score weights stay >= 0)', async () => {
    // unconstrained, this set drives score weights negative (noise lowers quality)
    const free = buildTinyModel(32, 5, { widths: [8, 8, 8] });
    const nonNeg = buildTinyModel(32, 5, { widths: [8, 8, 8], nonNegativeScore: true });
    const short = { ...cfg, steps: 20, evalEvery: 20 };
    await pretrainQuality(free, imageSource(train, null), imageSource(val, null), short);
    await pretrainQuality(nonNeg, imageSource(train, null), imageSource(val, null), short);
    const minScoreWeight = (m: tf.LayersModel) => tf.tidy(() => m.getLayer('score').getWeights()[0].min().dataSync()[0]);
    expect(minScoreWeight(free)).toBeLessThan(0);
    expect(minScoreWeight(nonNeg)).toBeGreaterThanOrEqual(0);
    free.dispose();
    nonNeg.dispose();
  }, 60_000);
});
