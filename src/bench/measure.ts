/**
 * The benchmark's measurement, shared by Node (scripts/bench/) and the browser worker
 * (src/bench/bench.worker.ts) so every environment in the table is timed the same way:
 * the real training step (one-pass differentiable GradCAM loss, Adam, batch 8), one- vs
 * two-pass, and the live view's heatmap emission every N steps. Pure tfjs: no DOM, no Node.
 * It is a benchmark, not a test: nothing here asserts a time.
 */
import * as tf from '@tensorflow/tfjs';
import { heatmapAtMaskSize, energyInMask } from '../core/alignment';
import { makeBatch, disposeBatch } from '../core/batch';
import { computeCam } from '../core/cam';
import { SCORE_SCALE, TARGET_LAYER } from '../core/config';
import type { Sample } from '../core/dataset';
import type { SteerBatch } from '../core/loss';
import { presetMask, resizeMask } from '../core/mask';
import { buildTinyModel } from '../core/model';
import { Trainer } from '../core/trainer';
import { BENCH_SEED, TRAIN } from './config';
import { buildMobileNetV2 } from './mobilenet';


/** Models the benchmark builds itself; anything else is a layers-model folder. */
export const BUILTIN_MODELS = {
  /** The app's in-app baseline model (non-negative score layer) at 64 px. */
  tiny: { inputSize: 64, layerName: TARGET_LAYER, build: (size = 64) => buildTinyModel(size, BENCH_SEED, { nonNegativeScore: true }) },
  /** MobileNetV2-0.35 at 224 px with random weights: the cost of the shipped model's step. */
  'mnv2-035-random': { inputSize: 224, layerName: 'out_relu', build: (size = 224) => buildMobileNetV2(0.35, size, BENCH_SEED) },
} as const;
export type BuiltinModel = keyof typeof BUILTIN_MODELS;
export const isBuiltinModel = (id: string): id is BuiltinModel => Object.hasOwn(BUILTIN_MODELS, id);


export interface MeasureOptions {
  /** Timed steps per variant (>= 10 for reported figures). */
  steps: number;
  warmup: number;
  batch: number;
  /** Live-view heatmap every this many steps in the streaming variant. */
  emitEvery: number;
}

/** What the benchmark needs to know about the model it times. */
export interface BenchModelInfo {
  id: string;
  inputSize: number;
  layerName: string;
}

/** One live-view frame as the training worker emits it (src/worker/session.ts). */
export interface BenchFrame {
  step: number;
  width: number;
  height: number;
  /** Raw GradCAM map [h * w]; the browser worker transfers its buffer to the page. */
  data: Float32Array;
  energy: number;
  score: number;
}

export interface MeasureHooks {
  /** Receives every live-view frame of the streaming variant (the browser posts it to the page). */
  onFrame?(frame: BenchFrame): void;
  /** After each timed iteration (one-pass, two-pass and streaming step). */
  onProgress?(done: number, total: number): void;
}

export interface BenchRow {
  env: string;
  model: string;
  inputSize: number;
  batch: number;
  steps: number;
  medianMs: number;
  /** Fastest timed step: the least disturbed by other processes on a shared machine. */
  minMs: number;
  firstStepMs: number;
  imagesPerSec: number;
  tensorsBefore: number;
  tensorsAfter: number;
  /** Right after the first timed step (the optimizers' slots exist from the first step on). */
  tensorsAfterWarmup: number;
  dataIdsBefore: number;
  dataIdsAfter: number;
  /** Tensor count identical after every timed step. */
  tensorsFlat: boolean;
  twoPassMedianMs: number;
  onePassOverTwoPass: number;
  streamingMedianMs: number;
  /** Mean streaming iteration over mean plain step, minus 1 (sensitive to outliers on a loaded machine). */
  streamingOverhead: number;
  /** Median time of one live-view emission (computeCam, readback, energy; in the browser also the post). */
  emitMedianMs: number;
  /** emitMedianMs / (emitEvery x medianMs): the same overhead from medians, robust to a few disturbed steps. */
  streamingOverheadFromMedians: number;
  firstLosses: number[];
  /**
   * tf.memory().numBytes after the run; on wasm also the heap size (it only grows: a peak);
   * `extras`: the backend's own numeric tf.memory() fields (GPU bytes on webgl/webgpu).
   */
  memory: { numBytes: number; wasmHeapBytes?: number; extras?: Record<string, number> };
  /** Node webgpu rows: the adapter Dawn gave (software or hardware, so runs cannot be confused). */
  gpuAdapter?: { vendor: string; architecture: string; description: string; device: string; isFallbackAdapter: boolean | null; software: boolean; icd?: string };
  /** wasm rows: threads tfjs-backend-wasm runs. */
  wasmThreads?: number;
  /** With --gpu-memory: nvidia-smi's peak during the row over the level before it (MiB, whole GPU). */
  gpuMemoryPeakMiB?: number;
  /** Where the model's weights came from (trained folder or random with a seed). */
  weights?: string;
  /** Browser rows: the backend initBackend started (checked against the one asked for). */
  backend?: { name: string; adapter: string; fallbackAdapter: boolean | null; reasons: string[] };
  /** Browser rows: live-view frames the worker posted (transferred) and the page received. */
  frames?: { posted: number; received?: number };
  /** Browser rows: the browser's user agent. */
  userAgent?: string;
  /** Browser rows: seconds from navigation to the result (model load, all steps). */
  wallSeconds?: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A seeded synthetic batch (random images, 'corners' masks on half the samples), as src/core/trainer.test.ts builds one. */
export function benchBatch(model: tf.LayersModel, layerName: string, size: number, n: number): SteerBatch {
  const shape = model.getLayer(layerName).outputShape as number[];
  const grid = { h: shape[1], w: shape[2] };
  const samples: Sample[] = Array.from({ length: n }, (_, i) => ({
    refId: i % 2 === 0 ? 'steered' : 'other',
    distortion: null,
    level: 0,
    image: tf.randomUniform([size, size, 3], 0, 1, 'float32', 100 + i) as tf.Tensor3D,
    score: 10 + (80 * i) / Math.max(1, n - 1),
  }));
  const mask = resizeMask(presetMask('corners'), grid.w, grid.h).data;
  const batch = makeBatch(samples, samples.map((_, i) => i), new Map([['steered', mask]]), grid);
  tf.dispose(samples.map((s) => s.image));
  return batch;
}

async function timeStep(trainer: Trainer, batch: SteerBatch): Promise<{ ms: number; losses: number[] }> {
  const t0 = performance.now();
  const l = trainer.step(batch);
  const losses = Array.from(await l.data());
  l.dispose();
  return { ms: performance.now() - t0, losses };
}

const CORNERS = presetMask('corners');

/** What the training worker does every `emitEvery` steps for the live view (src/worker/session.ts `heatmap`). */
async function emitHeatmap(trainer: Trainer, x: tf.Tensor4D, step: number, onFrame?: (f: BenchFrame) => void): Promise<void> {
  const { q, map } = computeCam(trainer.split, x, 'gradcam');
  const [data, score] = await Promise.all([map.data() as Promise<Float32Array>, q.data()]);
  const [, h, w] = map.shape;
  tf.dispose([q, map]);
  const energy = energyInMask(heatmapAtMaskSize(data, w, h, CORNERS.width, CORNERS.height), CORNERS.data);
  onFrame?.({ step, width: w, height: h, data, energy, score: score[0] * SCORE_SCALE });
}

/** The backend's numeric tf.memory() fields beyond the engine's own (GPU bytes on webgl/webgpu). */
function memoryExtras(): Record<string, number> | undefined {
  const core = new Set(['numTensors', 'numDataBuffers', 'numBytes']);
  const entries = Object.entries(tf.memory()).filter(([k, v]) => !core.has(k) && typeof v === 'number');
  return entries.length ? Object.fromEntries(entries as [string, number][]) : undefined;
}

/**
 * Times the training step of `model` on the active backend: the first step (kernel and
 * shader compilation), `warmup` steps, then `steps` interleaved iterations of a one-pass
 * step, a two-pass step and a streaming step (plus a heatmap every `emitEvery`). The caller
 * owns the model; everything else made here is disposed.
 */
export async function measureTraining(env: string, model: tf.LayersModel, m: BenchModelInfo, o: MeasureOptions, hooks: MeasureHooks = {}): Promise<BenchRow> {
  const batch = benchBatch(model, m.layerName, m.inputSize, o.batch);
  const x1 = batch.x.slice([0], [1]) as tf.Tensor4D;
  const one = new Trainer(model, { ...TRAIN, layerName: m.layerName });
  const two = new Trainer(model, { ...TRAIN, layerName: m.layerName, twoPass: true });
  try {
    const tensorsBefore = tf.memory().numTensors;
    const dataIdsBefore = tf.engine().backend.numDataIds();

    const first = await timeStep(one, batch);
    for (let i = 0; i < o.warmup; i++) await timeStep(one, batch);
    for (let i = 0; i < Math.max(1, o.warmup); i++) await timeStep(two, batch);
    await emitHeatmap(one, x1, 0);
    // Interleaved so load from other processes hits all variants alike.
    const onePass: number[] = [];
    const twoPass: number[] = [];
    const streaming: number[] = [];
    const counts: number[] = [];
    const emits: number[] = [];
    for (let i = 0; i < o.steps; i++) {
      onePass.push((await timeStep(one, batch)).ms);
      counts.push(tf.memory().numTensors);
      twoPass.push((await timeStep(two, batch)).ms);
      const t0 = performance.now();
      await timeStep(one, batch);
      if (i % o.emitEvery === 0) {
        const e0 = performance.now();
        await emitHeatmap(one, x1, i + 1, hooks.onFrame);
        emits.push(performance.now() - e0);
      }
      streaming.push(performance.now() - t0);
      hooks.onProgress?.(i + 1, o.steps);
    }
    const tensorsAfter = tf.memory().numTensors;
    const dataIdsAfter = tf.engine().backend.numDataIds();
    const numBytes = tf.memory().numBytes;
    const extras = memoryExtras();
    const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length;

    const med = median(onePass);
    // Streaming: the mean step including every emitEvery-th emission, over the plain mean.
    const streamMean = streaming.reduce((a, b) => a + b, 0) / streaming.length;
    const plainMean = onePass.reduce((a, b) => a + b, 0) / onePass.length;
    return {
      env,
      model: m.id,
      inputSize: m.inputSize,
      batch: o.batch,
      steps: o.steps,
      medianMs: med,
      minMs: Math.min(...onePass),
      firstStepMs: first.ms,
      imagesPerSec: (o.batch * 1000) / med,
      tensorsBefore,
      tensorsAfter,
      tensorsAfterWarmup: counts[0],
      dataIdsBefore,
      dataIdsAfter,
      tensorsFlat: new Set(counts).size === 1,
      twoPassMedianMs: median(twoPass),
      onePassOverTwoPass: med / median(twoPass),
      streamingMedianMs: median(streaming),
      streamingOverhead: streamMean / plainMean - 1,
      emitMedianMs: median(emits),
      streamingOverheadFromMedians: median(emits) / (o.emitEvery * med),
      firstLosses: first.losses,
      memory: { numBytes, ...(heap ? { wasmHeapBytes: heap } : {}), ...(extras ? { extras } : {}) },
    };
  } finally {
    one.dispose();
    two.dispose();
    disposeBatch(batch);
    x1.dispose();
  }
}
