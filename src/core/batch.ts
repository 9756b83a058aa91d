import * as tf from '@tensorflow/tfjs';
import { SCORE_SCALE } from './config';
import type { Sample } from './dataset';
import { rgbBatchToTensor, type RgbImage } from './iqa/image';
import type { SteerBatch } from './loss';
import { mulberry32, shuffledIndices } from './random';

/**
 * What a training run draws its batches from: the model input of any indices (image tensors,
 * decoded images, or a frozen prefix's cached activations), each item's label and its target
 * at the feature grid (null: the task loss only).
 */
export interface BatchSource {
  readonly size: number;
  /** Model input [B, ...] for the given indices; the caller disposes it. */
  inputs(indices: readonly number[]): tf.Tensor4D;
  /** Label on 0–100. */
  score(i: number): number;
  /** Target at the feature grid (h x w, row-major), or null. */
  mask(i: number): Float32Array | null;
}

/** A SteerBatch of `indices` from a source; masks at `grid`. */
export function batchOf(src: BatchSource, indices: readonly number[], grid: { h: number; w: number }): SteerBatch {
  const n = grid.h * grid.w;
  const masks = new Float32Array(indices.length * n);
  const weights = new Float32Array(indices.length);
  const labels = new Float32Array(indices.length);
  indices.forEach((idx, b) => {
    labels[b] = src.score(idx) / SCORE_SCALE;
    const m = src.mask(idx);
    if (m) {
      masks.set(m, b * n);
      weights[b] = 1;
    }
  });
  return {
    x: src.inputs(indices),
    y: tf.tensor1d(labels),
    masks: tf.tensor3d(masks, [indices.length, grid.h, grid.w]),
    maskWeight: tf.tensor1d(weights),
  };
}

/** Samples with image tensors (the app's); `maskGrids` maps a reference id to its target. */
export function sampleSource(samples: readonly Sample[], maskGrids: ReadonlyMap<string, Float32Array>): BatchSource {
  return {
    size: samples.length,
    inputs: (idx) => tf.stack(idx.map((i) => samples[i].image)) as tf.Tensor4D,
    score: (i) => samples[i].score,
    mask: (i) => maskGrids.get(samples[i].refId) ?? null,
  };
}

/** Model inputs of decoded images (any sizes: `sizeOf` tells them), by index. */
export function imageInputs(images: readonly RgbImage[]): Pick<BatchSource, 'size' | 'inputs'> & { sizeOf(i: number): { width: number; height: number } } {
  return { size: images.length, inputs: (idx) => rgbBatchToTensor(idx.map((i) => images[i])), sizeOf: (i) => images[i] };
}

/** Decoded images (the CLI's), one target (or none) per image. */
export function imageSource(items: readonly { image: RgbImage; score: number }[], masks: readonly (Float32Array | null)[] | null): BatchSource {
  return {
    ...imageInputs(items.map((it) => it.image)),
    score: (i) => items[i].score,
    mask: (i) => masks?.[i] ?? null,
  };
}

/** Cached activations of a frozen prefix: one block per item, with its shape (without the batch axis). */
export interface CachedActivations {
  blocks: Float32Array[];
  shapes: number[][];
}

/**
 * The same items with their model input replaced by cached activations of a frozen prefix. A
 * batch must take items of one shape (images of one size).
 */
export function cachedSource(src: BatchSource, cache: CachedActivations): BatchSource {
  if (cache.blocks.length !== src.size) throw new Error(`cachedSource: ${cache.blocks.length} cached blocks for ${src.size} items`);
  return {
    ...src,
    inputs: (idx) => {
      const shape = cache.shapes[idx[0]];
      const per = cache.blocks[idx[0]].length;
      const out = new Float32Array(idx.length * per);
      idx.forEach((k, b) => {
        if (cache.blocks[k].length !== per) throw new Error('cachedSource: a batch mixes activations of different sizes');
        out.set(cache.blocks[k], b * per);
      });
      return tf.tensor(out, [idx.length, ...shape]) as tf.Tensor as tf.Tensor4D;
    },
  };
}

/** Builds a SteerBatch from app samples (sampleSource + batchOf). */
export function makeBatch(
  samples: Sample[],
  indices: number[],
  maskGrids: ReadonlyMap<string, Float32Array>,
  grid: { h: number; w: number },
): SteerBatch {
  return batchOf(sampleSource(samples, maskGrids), indices, grid);
}

export function disposeBatch(b: SteerBatch): void {
  tf.dispose([b.x, b.y, b.masks, b.maskWeight]);
}

/** Endless seeded sampler of batch indices: reshuffles the pool each epoch. */
export function batchSampler(pool: readonly number[], batchSize: number, seed: number): () => number[] {
  const rand = mulberry32(seed);
  let order: number[] = [];
  return () => {
    const out: number[] = [];
    while (out.length < Math.min(batchSize, pool.length)) {
      if (order.length === 0) order = shuffledIndices(pool.length, rand).map((i) => pool[i]);
      out.push(order.pop()!);
    }
    return out;
  };
}
