import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGET_LAYER } from '../config';
import { buildTinyModel } from '../model';
import { useCpuBackend } from '../testUtil';
import { noiseImages } from './fixtures';
import {
  camExplainer,
  cascadeCheckpoints,
  cascadingRandomization,
  randomizableLayers,
  reinitializeLayer,
  type ExplainerFactory,
} from './randomization';
import { methodVerdict, type MethodSummary } from './verdict';

beforeAll(useCpuBackend);

const S = 32;
const OPTS = { maxSteps: 6, seed: 1, batchSize: 8 };

describe('cascade plan', () => {
  it('evaluates every layer when few, else the top, the bottom and evenly spaced counts', () => {
    expect(cascadeCheckpoints(4, 6)).toEqual([1, 2, 3, 4]);
    expect(cascadeCheckpoints(11, 6)).toEqual([1, 3, 5, 7, 9, 11]);
    expect(cascadeCheckpoints(100, 1)).toEqual([100]);
  });

  it('goes from the output layer down', () => {
    const m = buildTinyModel(S, 1);
    expect(randomizableLayers(m)).toEqual(['score', TARGET_LAYER, 'conv2', 'conv1']);
    m.dispose();
  });
});

describe('reinitializeLayer', () => {
  it('draws new weights of the same shape and scale, seeded', async () => {
    const m = buildTinyModel(S, 1);
    const layer = m.getLayer('conv2');
    const rms = (t: tf.Tensor) => tf.tidy(() => tf.sqrt(tf.mean(tf.square(t))).dataSync()[0]);
    const before = layer.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync().slice(), rms: rms(w) }));
    await reinitializeLayer(layer, 5);
    const after = layer.getWeights();
    after.forEach((w, i) => {
      expect(w.shape).toEqual(before[i].shape);
      if (before[i].rms === 0) {
        expect(rms(w)).toBe(0); // zero biases stay zero
      } else {
        expect(Array.from(w.dataSync())).not.toEqual(Array.from(before[i].values));
        expect(rms(w) / before[i].rms).toBeGreaterThan(0.9);
        expect(rms(w) / before[i].rms).toBeLessThan(1.1);
      }
    });
    const twin = buildTinyModel(S, 1);
    await reinitializeLayer(twin.getLayer('conv2'), 5);
    expect(Array.from(twin.getLayer('conv2').getWeights()[0].dataSync())).toEqual(Array.from(after[0].dataSync()));
    twin.dispose();
    m.dispose();
  });
});

describe('cascading randomisation', () => {
  let images: tf.Tensor4D;
  beforeAll(() => {
    images = noiseImages(2, S, 7);
  });
  afterAll(() => images.dispose());

  it('changes the maps of gradient methods, leaves the model alone and frees its tensors', async () => {
    const model = buildTinyModel(S, 3);
    const weights = model.getWeights().map((w) => w.dataSync().slice());
    const before = tf.memory().numTensors;
    const r = await cascadingRandomization(model, images, camExplainer(TARGET_LAYER, ['gradcam', 'layercam']), OPTS);
    expect(tf.memory().numTensors).toBe(before);
    model.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(weights[i])));

    expect(r.steps.map((s) => s.layer)).toEqual(['score', TARGET_LAYER, 'conv2', 'conv1']);
    expect(r.steps[3].randomized).toEqual(['score', TARGET_LAYER, 'conv2', 'conv1']);
    expect(r.mapSize).toEqual([S / 4, S / 4]);
    expect(Object.keys(r.methods)).toEqual(['gradcam', 'layercam']);
    for (const m of ['gradcam', 'layercam']) {
      const { spearman, ssim } = r.methods[m];
      expect(spearman).toHaveLength(4);
      expect(ssim).toHaveLength(4);
      // once the head and the CAM layer are random, the map has little to do with the original
      expect(spearman[3]).toBeLessThan(0.5);
      expect(ssim[3]).toBeLessThan(0.5);
      expect(r.example[m]).toHaveLength(5);
      expect(r.example[m][0]).toHaveLength((S / 4) ** 2);
    }
    // randomising the score layer alone already changes GradCAM (its weights set alpha)
    expect(r.methods.gradcam.spearman[0]).toBeLessThan(0.9);
  });

  it('fails the check for a "method" that ignores the weights', async () => {
    const model = buildTinyModel(S, 3);
    // brightness pooled to the feature grid: a map of the image, whatever the model
    const imageOnly: ExplainerFactory = () => (x) => ({
      brightness: tf.squeeze(tf.avgPool(tf.mean(x, -1, true) as tf.Tensor4D, 4, 4, 'valid'), [3]) as tf.Tensor3D,
    });
    const r = await cascadingRandomization(model, images, imageOnly, OPTS);
    for (let i = 0; i < r.steps.length; i++) {
      expect(r.methods.brightness.spearman[i]).toBeCloseTo(1, 10);
      expect(r.methods.brightness.ssim[i]).toBeCloseTo(1, 10);
    }
    const summary: MethodSummary = {
      deletionAuc: 0.7,
      insertionAuc: 0.7,
      randomDeletionAuc: 0.5,
      randomInsertionAuc: 0.5,
      deletionGap: 0.2,
      insertionGap: 0.2,
      faithfulnessGap: 0.2,
      faithfulnessGapSe: 0.02,
      occlusionSpearman: 0.6,
      occlusionEnergy: 0.5,
      occlusionChance: 0.2,
      sanitySpearman: r.methods.brightness.spearman.at(-1)!,
      sanitySsim: r.methods.brightness.ssim.at(-1)!,
    };
    const v = methodVerdict('gradcam', summary);
    expect(v.sanity.status).toBe('fail');
    expect(v.level).toBe('questionable');
    expect(v.sentence).toMatch(/barely changes when the model's weights are randomised/);
    model.dispose();
  });
});
