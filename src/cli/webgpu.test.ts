/**
 * The webgpu backend on Node (node-webgpu), on whatever adapter Dawn finds: the hardware GPU
 * where there is one, else SwiftShader (CI). A file of its own: vitest runs each test file in
 * its own module graph, so switching tfjs to webgpu here does not reach other files' tests.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { computeAllCams, CAM_METHODS, type CamMethod } from '../core/cam';
import { TARGET_LAYER } from '../core/config';
import { splitModel } from '../core/graph';
import type { SteerBatch } from '../core/loss';
import { buildTinyModel } from '../core/model';
import { tinySteerBatch } from '../core/testUtil';
import { Trainer, type TrainerOptions } from '../core/trainer';
import { adapterLabel, backendInfo, startBackend } from './backend';

/**
 * Tolerances, as relative L2 errors ||a - b|| / ||b||, for float32 on a GPU.
 * - One pass against two passes on the same GPU: the same float32 arithmetic reached by two op
 *   graphs (alpha from the same forward, or from a second one), so the only room for a
 *   difference is the summation order of the GPU's reductions: about sqrt(n) * 6e-8 for the
 *   n <= 4608-term sums here, 4e-6. 1e-4 leaves a 25x margin (SwiftShader gives exactly 0), and
 *   the attached-alpha gradient, whose second-order terms the detached one lacks, differs by
 *   more than 1e-3, which a test below checks: a wrong gradient cannot pass.
 * - CAM maps on the GPU against the cpu backend: other convolution kernels (tiled matrix
 *   products on the GPU, direct loops on the cpu) round each term differently, and that
 *   compounds through three conv layers and the head gradient; a GPU may also fuse
 *   multiply-adds. The same bound: measured 1e-7 to 3e-7 on SwiftShader, 1e-4 leaves room for a
 *   hardware GPU's arithmetic, and a wrong kernel is off by O(1).
 */
const TOL_PASSES = 1e-4;
const TOL_CAM_VS_CPU = 1e-4;

const SIZE = 32;
const GRID = SIZE / 4;

/** Why webgpu cannot run here, or null when it started. */
const unavailable: string | null = await startBackend('webgpu', { note: () => undefined }).then(
  () => null,
  (e: unknown) => (e instanceof Error ? e.message : String(e)),
);
if (unavailable) console.warn(`webgpu tests skipped: ${unavailable}`);

async function relErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - y[i]) ** 2;
    den += y[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}


const base: TrainerOptions = { layerName: TARGET_LAYER, learningRate: 1e-3, optimizer: 'adam', lambda: 1, camLoss: 'mse', detachAlpha: true };

/** Loss and weight gradients (by weight name) of a fresh tiny model with fixed weights. */
function gradients(opts: Partial<TrainerOptions>, b: SteerBatch): { loss: tf.Scalar; byWeight: Record<string, tf.Tensor>; dispose(): void } {
  const model = buildTinyModel(SIZE, 5);
  const t = new Trainer(model, { ...base, ...opts });
  const { loss, grads } = t.gradients(b);
  const byWeight = Object.fromEntries(model.trainableWeights.map((w) => [w.originalName, grads[(w.read() as tf.Variable).name]]));
  return {
    loss,
    byWeight,
    dispose: () => {
      tf.dispose([loss, ...Object.values(grads)]);
      t.dispose();
      model.dispose();
    },
  };
}

describe.skipIf(unavailable !== null)(`webgpu backend on Node${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  afterAll(() => {
    // Dawn's device keeps Node's event loop alive; the backend's dispose destroys it.
    if (tf.getBackend() === 'webgpu') tf.removeBackend('webgpu');
  });

  it('runs on webgpu and names its adapter', () => {
    const info = backendInfo();
    expect(info.name).toBe('webgpu');
    expect(info.adapter).toBeDefined();
    console.info(`webgpu adapter: ${adapterLabel(info.adapter!)}`);
  });

  it('one-pass differentiable GradCAM: the same loss and weight gradients as the two-pass reference', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const b = tinySteerBatch(SIZE);
    const one = gradients({ twoPass: false }, b);
    const two = gradients({ twoPass: true }, b);
    try {
      expect(Object.keys(one.byWeight).length).toBe(8);
      const errs = { loss: await relErr(one.loss, two.loss) } as Record<string, number>;
      for (const [name, g] of Object.entries(one.byWeight)) errs[name] = await relErr(g, two.byWeight[name]);
      console.info(`one- vs two-pass, largest relative error: ${Math.max(...Object.values(errs)).toExponential(1)}`);
      for (const [name, e] of Object.entries(errs)) expect(e, name).toBeLessThan(TOL_PASSES);
    } finally {
      one.dispose();
      two.dispose();
      tf.dispose([b.x, b.y, b.masks, b.maskWeight]);
    }
  });

  it('the tolerance tells a different gradient apart: attached alpha differs by more than 1e-3', async () => {
    const b = tinySteerBatch(SIZE);
    const detached = gradients({ detachAlpha: true }, b);
    const attached = gradients({ detachAlpha: false }, b);
    try {
      const diffs = await Promise.all(Object.entries(detached.byWeight).map(([n, g]) => relErr(g, attached.byWeight[n])));
      expect(Math.max(...diffs)).toBeGreaterThan(1e-3);
    } finally {
      detached.dispose();
      attached.dispose();
      tf.dispose([b.x, b.y, b.masks, b.maskWeight]);
    }
  });

  it("the five CAM maps and the scores equal the cpu backend's", async () => {
    // The same seeded weights and input on each backend: tfjs draws seeded random numbers on
    // the CPU. (Moving tensors between backends would need a synchronous GPU read.)
    const run = async () => {
      const model = buildTinyModel(SIZE, 5);
      const x = tf.randomUniform([4, SIZE, SIZE, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const { q, maps } = computeAllCams(splitModel(model, TARGET_LAYER), x);
      const out = { q: tf.tensor(await q.data()), maps: {} as Record<string, tf.Tensor>, shape: maps.gradcam.shape };
      for (const m of CAM_METHODS) out.maps[m] = tf.tensor(await maps[m].data());
      tf.dispose([q, x, ...Object.values(maps)]);
      model.dispose();
      return out;
    };
    expect(tf.getBackend()).toBe('webgpu');
    const gpu = await run();
    await tf.setBackend('cpu');
    const cpu = await run();
    try {
      expect(gpu.shape).toEqual([4, GRID, GRID]);
      expect(await relErr(gpu.q, cpu.q)).toBeLessThan(TOL_CAM_VS_CPU);
      const errs: Record<string, number> = {};
      for (const m of CAM_METHODS as readonly CamMethod[]) {
        const cpuMax = Math.max(...(await cpu.maps[m].data()));
        expect(cpuMax, `${m}: a map that is all zero would compare trivially`).toBeGreaterThan(0);
        errs[m] = await relErr(gpu.maps[m], cpu.maps[m]);
      }
      console.info(`CAM maps, webgpu vs cpu, relative errors: ${Object.entries(errs).map(([m, e]) => `${m} ${e.toExponential(1)}`).join(', ')}`);
      for (const [m, e] of Object.entries(errs)) expect(e, m).toBeLessThan(TOL_CAM_VS_CPU);
    } finally {
      tf.dispose([gpu.q, cpu.q, ...Object.values(gpu.maps), ...Object.values(cpu.maps)]);
      await tf.setBackend('webgpu');
    }
  });
});
