import * as tf from '@tensorflow/tfjs';
import { sampleSource } from '../core/batch';
import { CAM_METHODS, computeAllCams, type CamMethod } from '../core/cam';
import { SCORE_SCALE } from '../core/config';
import type { Sample } from '../core/dataset';
import { alignmentOf, alignmentSummary, scoresOf } from '../core/evaluation';
import { splitModel } from '../core/graph';
import type { Mask } from '../core/mask';
import { qualityMetrics } from '../core/metrics';
import type { RunControl } from '../core/steer/control';
import type { FromWorker, ModelMetrics, QualityMetrics } from '../protocol/messages';
import { bitmapToTensor } from './pixels';
import type { ModelRegistry } from './registry';

export interface EvaluateDeps {
  registry: ModelRegistry;
  images: ReadonlyMap<string, ImageBitmap>;
  /** Labelled samples at an input size, and which reference ids count as the test split. */
  samplesFor(inputSize: number): Promise<{ samples: Sample[]; testIds: Set<string> | null }>;
  post(msg: FromWorker): void;
}

/** Quality accuracy of a model on the test references' samples (all samples without a split). */
async function quality(model: tf.LayersModel, samples: Sample[], testIds: Set<string> | null, outputIndex = 0): Promise<QualityMetrics | null> {
  const chosen = samples.filter((s) => !testIds || testIds.has(s.refId));
  if (chosen.length < 3) return null;
  const preds = await scoresOf(model, sampleSource(chosen, new Map()), { outputIndex, batchSize: 16 });
  const m = qualityMetrics(preds, chosen.map((s) => s.score));
  return { srcc: m.srcc, plcc: m.plcc, krcc: m.krcc, n: chosen.length };
}

/**
 * Compare-grid evaluation: for every model and image, the CAM maps of all methods from one
 * forward pass; cells of the requested method stream to the UI; per-model alignment
 * (core/evaluation alignmentSummary over the images) and quality metrics follow.
 */
export async function evaluate(
  msg: { requestId: number; modelIds: string[]; imageIds: string[]; method: CamMethod; masks: Record<string, Mask>; masksByModel?: Record<string, Record<string, Mask>> },
  deps: EvaluateDeps,
  control: RunControl,
): Promise<void> {
  const total = msg.modelIds.length * (msg.imageIds.length + 1);
  let done = 0;
  for (const modelId of msg.modelIds) {
    const meta = deps.registry.meta(modelId);
    const model = await deps.registry.model(modelId);
    const split = splitModel(model, meta.layerName, meta.outputIndex);
    const maps = Object.fromEntries(CAM_METHODS.map((m) => [m, [] as Float32Array[]])) as Record<CamMethod, Float32Array[]>;
    const masks: Mask[] = [];
    let grid = { h: 0, w: 0 };
    for (const imageId of msg.imageIds) {
      const bitmap = deps.images.get(imageId);
      const mask = (msg.masksByModel?.[modelId] ?? msg.masks)[imageId];
      if (!bitmap || !mask) continue;
      const x = tf.tidy(() => bitmapToTensor(bitmap, meta.inputSize).expandDims(0) as tf.Tensor4D);
      const { q, maps: cams } = computeAllCams(split, x);
      x.dispose();
      const score = (await q.data())[0] * SCORE_SCALE;
      masks.push(mask);
      for (const method of CAM_METHODS) {
        const [, h, w] = cams[method].shape;
        grid = { h, w };
        const data = (await cams[method].data()) as Float32Array;
        maps[method].push(data);
        if (method === msg.method) deps.post({ type: 'cell', requestId: msg.requestId, cell: { modelId, imageId, method, width: w, height: h, data: data.slice(), score, alignment: alignmentOf(data, h, w, mask) } });
      }
      tf.dispose([q, ...Object.values(cams)]);
      deps.post({ type: 'evalProgress', requestId: msg.requestId, done: ++done, total });
      await control.checkpoint();
      if (control.stopped) return;
    }
    const alignment: ModelMetrics['alignment'] = {};
    if (masks.length) {
      for (const m of CAM_METHODS) {
        const { n, ...a } = alignmentSummary(maps[m], grid, masks);
        alignment[m] = { ...a, images: n };
      }
    }
    const { samples, testIds } = await deps.samplesFor(meta.inputSize);
    const metrics: ModelMetrics = {
      quality: await quality(model, samples, testIds, meta.outputIndex),
      alignment,
      basis: `${testIds ? 'test-split' : 'all'} photos' distorted copies for quality; ${msg.imageIds.length} image(s) with their masks for alignment`,
    };
    await deps.registry.update(modelId, { metrics });
    deps.post({ type: 'evaluation', requestId: msg.requestId, modelId, metrics });
    deps.post({ type: 'evalProgress', requestId: msg.requestId, done: ++done, total });
  }
}
