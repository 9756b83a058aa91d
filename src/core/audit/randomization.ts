/**
 * Model randomisation sanity check (Adebayo et al. 2018, "Sanity checks for saliency maps"),
 * cascading version (docs/audit.md).
 *
 * On a copy of the model, the layers with trainable weights are re-initialised one at a time from
 * the output down to the input, cumulatively. Each trainable weight w is replaced by
 * N(0, rms(w)^2) noise of the same shape (rms(w) = sqrt(mean(w^2)), so the scale is kept; an
 * all-zero weight stays zero), seeded per layer and weight. Non-trainable weights (batch-norm
 * moving statistics) are kept. After each evaluated step every method's maps are compared with
 * the original model's maps of the same images: |Spearman| over the feature cells, and SSIM of
 * the min-max normalised maps (maps.ssim2d). A method whose maps stay similar explains the
 * image, not the model.
 */
import * as tf from '@tensorflow/tfjs';
import { normalizeMap } from '../alignment';
import { CAM_METHODS, computeAllCams, type CamMethod } from '../cam';
import { splitModel } from '../graph';
import { cloneModel } from '../model';
import { spearmanMaps, ssim2d } from './maps';
import { CAM_PASS_COST, type AuditTracker } from './progress';

/** Maps [B, h, w] of a batch [B, H, W, 3], per method name. Called inside tf.tidy. */
export type Explainer = (x: tf.Tensor4D) => Record<string, tf.Tensor3D>;
/** Builds the explainer of a model (the original, or its randomised copy). */
export type ExplainerFactory = (model: tf.LayersModel) => Explainer;

/** The CAM methods on one layer (cam.computeAllCams; maps after ReLU, not normalised). */
export function camExplainer(layerName: string, methods: readonly CamMethod[]): ExplainerFactory {
  return (model) => {
    const split = splitModel(model, layerName);
    return (x) => {
      const { q, maps } = computeAllCams(split, x);
      q.dispose();
      const out: Record<string, tf.Tensor3D> = {};
      for (const m of CAM_METHODS) {
        if (methods.includes(m)) out[m] = maps[m];
        else maps[m].dispose();
      }
      return out;
    };
  };
}

/** Maps of every image, read back: per name, one [h * w] array per image. */
export interface ExplainedMaps {
  h: number;
  w: number;
  maps: Record<string, Float32Array[]>;
}

/**
 * Runs an explainer over images in batches of `batchSize` and reads the maps back.
 * @param images [N, H, W, 3]
 */
export async function explainAll(
  explainer: Explainer,
  images: tf.Tensor4D,
  batchSize: number,
  tracker?: AuditTracker,
): Promise<ExplainedMaps> {
  const N = images.shape[0];
  const maps: Record<string, Float32Array[]> = {};
  let h = 0;
  let w = 0;
  for (let start = 0; start < N; start += batchSize) {
    const n = Math.min(batchSize, N - start);
    const out = tf.tidy(() => explainer(tf.slice(images, [start, 0, 0, 0], [n, -1, -1, -1])));
    try {
      for (const [name, t] of Object.entries(out)) {
        [, h, w] = t.shape;
        const data = (await t.data()) as Float32Array;
        const list = (maps[name] ??= []);
        for (let i = 0; i < n; i++) list.push(data.slice(i * h * w, (i + 1) * h * w));
      }
    } finally {
      tf.dispose(Object.values(out));
    }
    await tracker?.advance(n * CAM_PASS_COST);
  }
  return { h, w, maps };
}

/** Names of the layers with weights, from the output down (the cascade's order). */
export function randomizableLayers(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.weights.length > 0 && l.getClassName() !== 'InputLayer').map((l) => l.name).reverse();
}

/**
 * Numbers of randomised layers after which the maps are compared: every layer when there are at
 * most `maxSteps`, else 1 (the top layer alone), L (all) and evenly spaced counts between.
 */
export function cascadeCheckpoints(layers: number, maxSteps: number): number[] {
  if (layers <= maxSteps) return Array.from({ length: layers }, (_, i) => i + 1);
  if (maxSteps <= 1) return [layers];
  const out = new Set<number>();
  for (let j = 0; j < maxSteps; j++) out.add(Math.round(1 + ((layers - 1) * j) / (maxSteps - 1)));
  return [...out].sort((a, b) => a - b);
}

/**
 * Re-initialises a layer's weights in place: N(0, rms^2) per weight (see the module comment).
 * Trainable weights only; a frozen layer is made trainable first (call this on a copy).
 */
export async function reinitializeLayer(layer: tf.layers.Layer, seed: number): Promise<void> {
  layer.trainable = true;
  const weights = layer.trainableWeights;
  for (let i = 0; i < weights.length; i++) {
    const value = weights[i].read();
    const rmsT = tf.tidy(() => tf.sqrt(tf.mean(tf.square(value))));
    const rms = (await rmsT.data())[0]; // async: no synchronous GPU readback
    rmsT.dispose();
    const fresh = rms > 0 ? tf.randomNormal(value.shape, 0, rms, 'float32', seed * 7919 + i) : tf.zerosLike(value);
    weights[i].write(fresh);
    fresh.dispose();
  }
}

export interface RandomizationStep {
  /** The layer randomised last (the lowest so far). */
  layer: string;
  /** Every layer randomised at this step, from the top down. */
  randomized: string[];
}

export interface MethodRandomization {
  /** Mean over images of |Spearman| with the original map, one per step. */
  spearman: number[];
  /** Mean over images of SSIM with the original (normalised) map, one per step. */
  ssim: number[];
}

export interface RandomizationResult {
  steps: RandomizationStep[];
  mapSize: [number, number];
  methods: Record<string, MethodRandomization>;
  /** Image 0's min-max normalised maps: the original first, then one per step ([h * w] each). */
  example: Record<string, number[][]>;
}

export interface RandomizationOptions {
  maxSteps: number;
  seed: number;
  /** Images per CAM batch. */
  batchSize: number;
}

/**
 * Cascading randomisation on a copy of `model` (the model itself is not touched).
 * @param images [N, H, W, 3]
 * @param original the original model's maps of these images when already computed (explainAll)
 */
export async function cascadingRandomization(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  factory: ExplainerFactory,
  opts: RandomizationOptions,
  tracker?: AuditTracker,
  original?: ExplainedMaps,
): Promise<RandomizationResult> {
  const base = original ?? (await explainAll(factory(model), images, opts.batchSize, tracker));
  const { h, w } = base;
  const names = Object.keys(base.maps);
  const layers = randomizableLayers(model);
  const checkpoints = cascadeCheckpoints(layers.length, opts.maxSteps);
  const methods: Record<string, MethodRandomization> = {};
  const example: Record<string, number[][]> = {};
  for (const name of names) {
    methods[name] = { spearman: [], ssim: [] };
    example[name] = [Array.from(normalizeMap(base.maps[name][0]))];
  }
  const steps: RandomizationStep[] = [];

  const copy = await cloneModel(model);
  try {
    const explainer = factory(copy);
    let done = 0;
    for (const count of checkpoints) {
      for (; done < count; done++) await reinitializeLayer(copy.getLayer(layers[done]), opts.seed * 1009 + done + 1);
      tracker?.check();
      const now = await explainAll(explainer, images, opts.batchSize, tracker);
      steps.push({ layer: layers[count - 1], randomized: layers.slice(0, count) });
      for (const name of names) {
        const before = base.maps[name];
        const after = now.maps[name];
        let rho = 0;
        let ssim = 0;
        for (let i = 0; i < before.length; i++) {
          rho += Math.abs(spearmanMaps(before[i], after[i]));
          ssim += ssim2d(normalizeMap(before[i]), normalizeMap(after[i]), h, w);
        }
        methods[name].spearman.push(rho / before.length);
        methods[name].ssim.push(ssim / before.length);
        example[name].push(Array.from(normalizeMap(after[0])));
      }
    }
  } finally {
    copy.dispose();
  }
  return { steps, mapSize: [h, w], methods, example };
}
