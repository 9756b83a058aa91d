import * as tf from '@tensorflow/tfjs';
import { alignmentScores, gridBound, heatmapAtMaskSize, type AlignmentScores, type GridBound } from '../core/alignment';
import { CAM_METHODS, computeAllCams, type CamMethod } from '../core/cam';
import { SCORE_SCALE } from '../core/config';
import type { Sample } from '../core/dataset';
import { splitModel } from '../core/graph';
import { areaFraction, type Mask } from '../core/mask';
import { qualityMetrics } from '../core/metrics';
import type { FromWorker, MethodAlignment, ModelMetrics, QualityMetrics } from '../protocol/messages';
import { bitmapToTensor } from './pixels';
import type { ModelRegistry } from './registry';
import type { RunControl } from './session';

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
  const preds: number[] = [];
  for (let i = 0; i < chosen.length; i += 16) {
    const q = tf.tidy(() => {
      const out = model.predict(tf.stack(chosen.slice(i, i + 16).map((s) => s.image))) as tf.Tensor2D;
      return (out.shape[1]! > 1 ? out.slice([0, outputIndex], [-1, 1]) : out).reshape([-1]);
    });
    preds.push(...(await q.data()));
    q.dispose();
  }
  const m = qualityMetrics(preds.map((p) => p * SCORE_SCALE), chosen.map((s) => s.score));
  return { srcc: m.srcc, plcc: m.plcc, krcc: m.krcc, n: chosen.length };
}

/**
 * Compare-grid evaluation: for every model and image, the CAM maps of all methods from one
 * forward pass; cells of the requested method stream to the UI; per-model alignment
 * (averaged over images) and quality metrics follow.
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
    const sums = Object.fromEntries(CAM_METHODS.map((m) => [m, { energy: 0, pointing: 0, iou50: 0, meanIou: 0, auc: 0, chance: 0, exactFit: 0, bestCell: 0, images: 0 }])) as Record<CamMethod, Required<MethodAlignment>>;
    for (const imageId of msg.imageIds) {
      const bitmap = deps.images.get(imageId);
      const mask = (msg.masksByModel?.[modelId] ?? msg.masks)[imageId];
      if (!bitmap || !mask) continue;
      const x = tf.tidy(() => bitmapToTensor(bitmap, meta.inputSize).expandDims(0) as tf.Tensor4D);
      const { q, maps } = computeAllCams(split, x);
      x.dispose();
      const score = (await q.data())[0] * SCORE_SCALE;
      let bound: GridBound | null = null;
      for (const method of CAM_METHODS) {
        const t = maps[method];
        const [, h, w] = t.shape;
        const data = (await t.data()) as Float32Array;
        const a: AlignmentScores = alignmentScores(heatmapAtMaskSize(data, w, h, mask.width, mask.height), mask.data);
        const s = sums[method];
        for (const k of ['energy', 'pointing', 'iou50', 'meanIou', 'auc'] as const) s[k] += a[k];
        s.chance += areaFraction(mask);
        bound ??= gridBound(mask, h, w);
        s.exactFit += bound.exactFit;
        s.bestCell += bound.bestCell;
        s.images++;
        if (method === msg.method) deps.post({ type: 'cell', requestId: msg.requestId, cell: { modelId, imageId, method, width: w, height: h, data, score, alignment: a } });
      }
      tf.dispose([q, ...Object.values(maps)]);
      deps.post({ type: 'evalProgress', requestId: msg.requestId, done: ++done, total });
      await control.checkpoint();
      if (control.stopped) return;
    }
    const alignment: ModelMetrics['alignment'] = {};
    for (const m of CAM_METHODS) {
      const s = sums[m];
      if (!s.images) continue;
      const n = s.images;
      alignment[m] = { energy: s.energy / n, pointing: s.pointing / n, iou50: s.iou50 / n, meanIou: s.meanIou / n, auc: s.auc / n, chance: s.chance / n, exactFit: s.exactFit / n, bestCell: s.bestCell / n, images: n };
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
