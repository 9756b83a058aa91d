import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchOf, type BatchSource } from '../batch';
import { TARGET_LAYER } from '../config';
import { registerTrainingKernels } from '../kernels';
import { presetMask, resizeMask } from '../mask';
import { buildTinyModel } from '../model';
import { useCpuBackend } from '../testUtil';
import { Trainer } from '../trainer';
import { RunControl } from './control';
import { DivergenceError, runTraining, type RunHooks } from './run';

beforeAll(async () => {
  registerTrainingKernels('cpu');
  await useCpuBackend();
});

const SIZE = 16;
const GRID = { h: SIZE / 4, w: SIZE / 4 };
const corners = resizeMask(presetMask('corners'), GRID.w, GRID.h).data;

/** Four random images; labels 10..70; the first two steered to the corners. `badFrom`: labels `bad` (NaN) from that step on. */
function source(badFrom = Infinity, bad = NaN): { src: BatchSource; nextBatch: RunHooks['nextBatch'] } {
  const images = [0, 1, 2, 3].map((i) => tf.randomUniform([SIZE, SIZE, 3], 0, 1, 'float32', 11 + i) as tf.Tensor3D);
  let step = 0;
  const src: BatchSource = {
    size: 4,
    inputs: (idx) => tf.stack(idx.map((i) => images[i])) as tf.Tensor4D,
    score: (i) => (step >= badFrom ? bad : 10 + 20 * i),
    mask: (i) => (i < 2 ? corners : null),
  };
  return {
    src,
    nextBatch: (s) => {
      step = s;
      return batchOf(src, [0, 1, 2, 3], GRID);
    },
  };
}

function trainer(seed = 5): Trainer {
  return new Trainer(buildTinyModel(SIZE, seed), { layerName: TARGET_LAYER, learningRate: 1e-2, optimizer: 'adam', lambda: 1, camLoss: 'mse', detachAlpha: true });
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('runTraining', () => {
  it('reads back every readEvery steps and at the last, and leaves no tensors behind', async () => {
    const t = trainer();
    const { nextBatch } = source();
    await runTraining(t, { phase: 'steering', steps: 1, readEvery: 1 }, { nextBatch }); // optimizer slots
    const before = tf.memory().numTensors;
    const reads: number[] = [];
    const res = await runTraining(t, { phase: 'steering', steps: 7, readEvery: 3 }, { nextBatch, onRead: (r) => void reads.push(r.step) });
    expect(reads).toEqual([3, 6, 7]);
    expect(res.curve.map((p) => p.step)).toEqual([3, 6, 7]);
    expect(res.curve.every((p) => p.total === 7 && p.phase === 'steering' && p.energy === null)).toBe(true);
    expect(res.steps).toBe(7);
    expect(tf.memory().numTensors).toBe(before);
    t.model.dispose();
    t.dispose();
  });

  it('rolls back to the last read-back with finite losses and reports the step', async () => {
    const t = trainer();
    const { nextBatch } = source(3);
    const at = new Map<number, number[][]>();
    const before = tf.memory().numTensors;
    const err = await runTraining(t, { phase: 'steering', steps: 10, readEvery: 2 }, { nextBatch, onRead: (r) => void at.set(r.step, weightsOf(t.model)) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as DivergenceError).step).toBe(4);
    expect((err as DivergenceError).goodStep).toBe(2);
    expect(weightsOf(t.model)).toEqual(at.get(2));
    // only the optimizer's slots are new: Adam's two moments per weight
    expect(tf.memory().numTensors - before).toBe(2 * t.model.trainableWeights.length);
    t.model.dispose();
    t.dispose();
  });

  it('also counts a finite loss that explodes as divergence (a model scoring far outside 0–100)', async () => {
    const t = trainer();
    // labels of 10^5 from step 3: the task loss jumps from about 0.2 to about 10^5
    const { nextBatch } = source(3, 1e5);
    const err = await runTraining(t, { phase: 'steering', steps: 10, readEvery: 1 }, { nextBatch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as DivergenceError).step).toBe(4);
    expect((err as DivergenceError).goodStep).toBe(3);
    t.model.dispose();
    t.dispose();
  });

  it('keeps the weights of the best validation and stops when told to', async () => {
    const t = trainer();
    const { nextBatch } = source();
    const values = [0.5, 0.9, 0.7, 0.2];
    const seen: { step: number; best: boolean }[] = [];
    const at = new Map<number, number[][]>();
    let k = 0;
    const res = await runTraining(t, { phase: 'steering', steps: 20, readEvery: 1 }, {
      nextBatch,
      validation: {
        every: 2,
        keepBest: true,
        measure: async (step) => {
          at.set(step, weightsOf(t.model));
          return values[k++];
        },
        stopWhen: (v, best) => v < best - 0.5,
        onMeasure: (step, _v, best) => void seen.push({ step, best }),
      },
    });
    expect(seen).toEqual([{ step: 2, best: true }, { step: 4, best: true }, { step: 6, best: false }, { step: 8, best: false }]);
    expect(res.stoppedBy).toBe('validation');
    expect(res.steps).toBe(8);
    expect(res.best).toEqual({ step: 4, value: 0.9 });
    expect(weightsOf(t.model)).toEqual(at.get(4));
    t.model.dispose();
    t.dispose();
  });

  it('the quality guard stops below its floor and rolls back to the last measurement above it', async () => {
    const t = trainer();
    const { nextBatch } = source();
    const values = [0.9, 0.85, 0.5, 0.95];
    const at = new Map<number, number[][]>();
    let k = 0;
    const start = weightsOf(t.model);
    const res = await runTraining(t, { phase: 'steering', steps: 20, readEvery: 2 }, {
      nextBatch,
      validation: { every: 2, keepBest: false, guard: { floor: 0.8 }, measure: async (step) => (at.set(step, weightsOf(t.model)), values[k++]) },
    });
    expect(res.stoppedBy).toBe('guard');
    expect(res.guard).toEqual({ step: 6, value: 0.5, rolledBackTo: 4 });
    expect(res.steps).toBe(6);
    expect(weightsOf(t.model)).toEqual(at.get(4));
    expect(weightsOf(t.model)).not.toEqual(start);
    // a first measurement below the floor goes back to the start's weights
    const t2 = trainer();
    const start2 = weightsOf(t2.model);
    const r2 = await runTraining(t2, { phase: 'steering', steps: 20, readEvery: 2 }, { nextBatch, validation: { every: 2, keepBest: false, guard: { floor: 0.8 }, measure: async () => 0.1 } });
    expect(r2.guard).toEqual({ step: 2, value: 0.1, rolledBackTo: 0 });
    expect(weightsOf(t2.model)).toEqual(start2);
    for (const x of [t, t2]) {
      x.model.dispose();
      x.dispose();
    }
  });

  it('stops between steps when the control says so, and resumes from a later start step', async () => {
    const t = trainer();
    const { nextBatch } = source();
    const control = new RunControl();
    const res = await runTraining(t, { phase: 'baseline', steps: 10, readEvery: 1 }, { nextBatch, control, onRead: (r) => void (r.step === 3 && control.stop()) });
    expect(res).toMatchObject({ steps: 3, stoppedBy: 'control' });
    const resumed = await runTraining(t, { phase: 'baseline', steps: 5, startStep: 3, readEvery: 1 }, { nextBatch }, [...res.curve]);
    expect(resumed.curve.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(resumed.stoppedBy).toBeNull();
    t.model.dispose();
    t.dispose();
  });

  it('follows a learning-rate schedule', async () => {
    const t = trainer();
    const { nextBatch } = source();
    const rates: number[] = [];
    await runTraining(t, { phase: 'pretrain', steps: 3, readEvery: 1, learningRateAt: (s) => 1e-4 * (s + 1) }, { nextBatch, onRead: () => void rates.push(t.learningRate) });
    expect(rates.map((r) => +r.toFixed(6))).toEqual([1e-4, 2e-4, 3e-4]);
    t.model.dispose();
    t.dispose();
  });
});
