import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TARGET_LAYER } from './config';
import { presetMask } from './mask';
import { buildTinyModel } from './model';
import { relativeError, TINY_TRAINER, tinySteerBatch, useCpuBackend } from './testUtil';
import { Trainer, trainableVariables, type TrainerOptions } from './trainer';

beforeAll(useCpuBackend);

const SIZE = 16;
const GRID = SIZE / 4;


const base = TINY_TRAINER;

function grads(opts: Partial<TrainerOptions>) {
  const model = buildTinyModel(SIZE, 5);
  const t = new Trainer(model, { ...base, ...opts });
  const out = t.gradients(tinySteerBatch(SIZE));
  const byLayer = Object.fromEntries(
    model.trainableWeights.map((w) => [w.originalName, out.grads[(w.read() as tf.Variable).name]]),
  );
  return { loss: out.loss.dataSync()[0], byLayer };
}

describe('differentiable GradCAM', () => {
  it('one pass gives the same loss and weight gradients as the two-pass reference', () => {
    const one = grads({ twoPass: false });
    const two = grads({ twoPass: true });
    expect(Math.abs(one.loss - two.loss) / Math.abs(two.loss)).toBeLessThan(1e-4);
    expect(Object.keys(one.byLayer).length).toBe(8);
    for (const [name, g] of Object.entries(one.byLayer)) {
      expect(relativeError(g, two.byLayer[name]), name).toBeLessThan(1e-4);
    }
  });

  it('detaching alpha changes the gradient (the attached variant has second-order terms)', () => {
    const detached = grads({ detachAlpha: true });
    const attached = grads({ detachAlpha: false });
    expect(Math.abs(detached.loss - attached.loss)).toBeLessThan(1e-6);
    const diffs = Object.entries(detached.byLayer).map(([n, g]) => relativeError(g, attached.byLayer[n]));
    expect(Math.max(...diffs)).toBeGreaterThan(1e-3);
  });

  it('the CAM loss has a gradient on the backbone (lambda > 0 changes conv gradients)', () => {
    const withCam = grads({ lambda: 1 });
    const without = grads({ lambda: 0 });
    expect(relativeError(withCam.byLayer['conv1/kernel'], without.byLayer['conv1/kernel'])).toBeGreaterThan(1e-3);
  });

  it('trainable scope picks all layers, the target layer and after, or only the head', () => {
    const model = buildTinyModel(SIZE, 5);
    const names = (scope: 'all' | 'last' | 'head') => trainableVariables(model, TARGET_LAYER, scope).map((v) => v.name.split('/')[0]);
    expect(new Set(names('all'))).toEqual(new Set(['conv1', 'conv2', 'cam_target', 'score']));
    expect(new Set(names('last'))).toEqual(new Set(['cam_target', 'score']));
    expect(new Set(names('head'))).toEqual(new Set(['score']));
  });

  it('applies Keras weight constraints (nonNeg) after every step', () => {
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 4, padding: 'same', activation: 'relu', name: TARGET_LAYER, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
    const dense = tf.layers.dense({ units: 1, kernelConstraint: tf.constraints.nonNeg(), kernelInitializer: tf.initializers.constant({ value: 0.01 }) });
    const out = dense.apply(tf.layers.globalAveragePooling2d({}).apply(conv.apply(input))) as tf.SymbolicTensor;
    const trainer = new Trainer(tf.model({ inputs: input, outputs: out }), { ...base, lambda: 0, learningRate: 0.5 });
    const b = tinySteerBatch(SIZE);
    b.y.dispose();
    const low = { ...b, y: tf.fill([4], -1) as tf.Tensor1D }; // push the score, and so the dense weights, down
    for (let i = 0; i < 10; i++) trainer.step(low).dispose();
    const w = Array.from(dense.getWeights()[0].dataSync());
    expect(Math.min(...w)).toBeGreaterThanOrEqual(0);
    expect(w.filter((v) => v === 0).length).toBeGreaterThan(0);
  });

  it('keeps the tensor count flat across training steps', async () => {
    const model = buildTinyModel(SIZE, 1);
    const trainer = new Trainer(model, base);
    const b = tinySteerBatch(SIZE);
    const counts: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const losses = trainer.step(b);
      if (i % 5 === 0) await losses.data();
      losses.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(counts[9]).toBe(counts[1]);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('steering toward corners raises GradCAM energy in the corners', async () => {
    const { computeCam } = await import('./cam');
    const { heatmapAtMaskSize, energyInMask } = await import('./alignment');
    const model = buildTinyModel(SIZE, 2);
    const trainer = new Trainer(model, { ...base, lambda: 5, learningRate: 3e-3 });
    const b = tinySteerBatch(SIZE);
    const mask = presetMask('corners', 0.25, 16);
    const energy = () =>
      tf.tidy(() => {
        const { map } = computeCam(trainer.split, b.x.slice([0], [1]) as tf.Tensor4D, 'gradcam');
        return energyInMask(heatmapAtMaskSize(map.dataSync(), GRID, GRID, 16, 16), mask.data);
      });
    const before = energy();
    for (let i = 0; i < 60; i++) trainer.step(b).dispose();
    expect(energy()).toBeGreaterThan(before + 0.1);
  });
});
