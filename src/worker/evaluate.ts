import * as tf from '@tensorflow/tfjs';
import { CAM_METHODS, computeAllCams, type CamMethod } from '../core/cam';
import { SCORE_SCALE } from '../core/config';
import { alignmentOf, alignmentSummary, scoresOf } from '../core/evaluation';
import { splitModel } from '../core/graph';
import type { Mask } from '../core/mask';
import { qualityMetrics } from '../core/metrics';
import type { RunControl } from '../core/steer/control';
import type { FromWorker, ModelMeta, ModelMetrics, QualityMetrics } from '../protocol/messages';
import type { PhotoData } from './photoData';
import type { ModelRegistry } from './registry';

export interface EvaluateDeps {
  registry: ModelRegistry;
  images: ReadonlyMap<string, ImageBitmap>;
  data: PhotoData;
  /** Which loaded photos are test-split references (null: no split). */
  testIds: Set<string> | null;
  post(msg: FromWorker): void;
}

/**
 * Quality accuracy of a model on the loaded test photos' distorted copies (every loaded photo's
 * without a split), whole, as the model judges them; the undistorted copies, all labelled 100,
 * are left out.
 */
async function quality(model: tf.LayersModel, meta: ModelMeta, deps: EvaluateDeps): Promise<QualityMetrics | null> {
  const ids = [...deps.images.keys()].filter((id) => !deps.testIds || deps.testIds.has(id));
  if (!ids.length) return null;
  const set = await deps.data.labelled(meta, ids, 7, 'whole');
  const preds = await scoresOf(model, set, { outputIndex: meta.outputIndex, batchSize: 8 });
  const keep = set.distortions.flatMap((d, i) => (d !== null ? [i] : []));
  if (keep.length < 3) return null;
  const m = qualityMetrics(keep.map((i) => preds[i]), keep.map((i) => set.score(i)));
  return { srcc: m.srcc, plcc: m.plcc, krcc: m.krcc, n: keep.length };
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
    const grids: { h: number; w: number }[] = [];
    for (const imageId of msg.imageIds) {
      const mask = (msg.masksByModel?.[modelId] ?? msg.masks)[imageId];
      if (!deps.images.has(imageId) || !mask) continue;
      const x = deps.data.input(imageId, meta);
      const { q, maps: cams } = computeAllCams(split, x);
      x.dispose();
      const score = (await q.data())[0] * SCORE_SCALE;
      masks.push(mask);
      grids.push({ h: cams.gradcam.shape[1], w: cams.gradcam.shape[2] });
      for (const method of CAM_METHODS) {
        const [, h, w] = cams[method].shape;
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
        const { n, ...a } = alignmentSummary(maps[m], grids, masks);
        alignment[m] = { ...a, images: n };
      }
    }
    const metrics: ModelMetrics = {
      quality: await quality(model, meta, deps),
      alignment,
      basis: `${deps.testIds ? 'test-split' : 'all'} photos' distorted copies for quality; ${msg.imageIds.length} image(s) with their masks for alignment`,
    };
    await deps.registry.update(modelId, { metrics });
    deps.post({ type: 'evaluation', requestId: msg.requestId, modelId, metrics });
    deps.post({ type: 'evalProgress', requestId: msg.requestId, done: ++done, total });
  }
}
