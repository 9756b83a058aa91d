import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBatch, disposeBatch } from './batch';
import { computeAllCams } from './cam';
import { TARGET_LAYER } from './config';
import type { Sample } from './dataset';
import { splitModel } from './graph';
import { registerTrainingKernels } from './kernels';
import { presetMask, resizeMask } from './mask';
import { buildTinyModel, cloneModel } from './model';
import { useCpuBackend } from './testUtil';
import { Trainer } from './trainer';

beforeAll(async () => {
  await useCpuBackend();
  // IS_TEST makes tfjs check every kernel for leaked data ids, and wasm's FusedMatMul
  // trips it on its internal reshapes; the test below checks the backends' data ids itself.
  tf.env().set('IS_TEST', false);
});
afterAll(() => tf.setBackend('cpu'));

function samples(n: number, size: number): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    refId: i % 2 ? 'a' : 'b', distortion: null, level: 0, score: 10 * i,
    image: tf.randomUniform([size, size, 3], 0, 1, 'float32', i) as tf.Tensor3D,
  }));
}

describe('memory', () => {
  it('tensor count is identical after every step past warm-up, over 500 steps', () => {
    const model = buildTinyModel(8, 3);
    const trainer = new Trainer(model, { layerName: TARGET_LAYER, learningRate: 1e-3, optimizer: 'adam', lambda: 1, camLoss: 'mse', detachAlpha: true });
    const data = samples(4, 8);
    const grid = resizeMask(presetMask('corners'), 2, 2).data;
    const counts = new Set<number>();
    for (let step = 1; step <= 500; step++) {
      const batch = makeBatch(data, [step % 4, (step + 1) % 4], new Map([['a', grid]]), { h: 2, w: 2 });
      trainer.step(batch).dispose();
      disposeBatch(batch);
      if (step > 1) counts.add(tf.memory().numTensors);
    }
    expect([...counts]).toHaveLength(1);
  }, 120_000);

  it('switching models and backends 20 times leaks nothing', async () => {
    const x = () => tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const cycle = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      if (backend === 'wasm') registerTrainingKernels('wasm');
      const model = buildTinyModel(16, 1);
      const copy = await cloneModel(model);
      const input = x();
      const { q, maps } = computeAllCams(splitModel(copy, TARGET_LAYER), input);
      await q.data();
      tf.dispose([q, ...Object.values(maps), input]);
      model.dispose();
      copy.dispose();
    };
    await cycle('cpu');
    await cycle('wasm');
    await tf.setBackend('cpu');
    const dataIds = () => ['cpu', 'wasm'].map((b) => (tf.findBackend(b) as unknown as { numDataIds(): number }).numDataIds());
    const start = { tensors: tf.memory().numTensors, dataIds: dataIds() };
    for (let i = 0; i < 20; i++) await cycle(i % 2 ? 'wasm' : 'cpu');
    await tf.setBackend('cpu');
    expect(tf.memory().numTensors).toBe(start.tensors);
    expect(dataIds()).toEqual(start.dataIds);
  }, 120_000);
});
