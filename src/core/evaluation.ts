import * as tf from '@tensorflow/tfjs';
import { alignmentScores, gridBound, heatmapAtMaskSize, type AlignmentScores, type GridBound } from './alignment';
import { CAM_METHODS, computeAllCams, computeCam, type CamMethod } from './cam';
import { SCORE_SCALE } from './config';
import { predictScores, type SplitModel } from './graph';
import { binarizeMask } from './maskOps';
import type { BatchSource } from './batch';
import { areaFraction, type Mask } from './mask';
import { qualityMetrics, type QualityMetrics } from './metrics';

/**
 * The one evaluation summary of CamSteer: quality metrics of predicted scores and per-CAM-method
 * alignment with masks, with one rule for chance level, empty masks and non-finite values. The
 * app's metrics table, `camsteer eval`, `camsteer reproduce` and the scripts all report these.
 */

/** One CAM: the score (0–100) and the map after ReLU at feature resolution (h x w, row-major). */
export interface CamOutput {
  score: number;
  h: number;
  w: number;
  raw: Float32Array;
}

/** computeCam on one input [1, H, W, 3]; reads the results back and frees every tensor. */
export async function camOf(split: SplitModel, x: tf.Tensor4D, method: CamMethod): Promise<CamOutput> {
  const { q, map } = computeCam(split, x, method);
  try {
    const [, h, w] = map.shape;
    const raw = (await map.data()) as Float32Array;
    const score = (await q.data())[0] * SCORE_SCALE;
    return { score, h, w, raw: Float32Array.from(raw) };
  } finally {
    tf.dispose([q, map]);
  }
}

/** Scores and every CAM method's maps for many inputs, in batches (computeAllCams). */
export interface AllCams {
  scores: Float32Array;
  h: number;
  w: number;
  /** maps[method][i]: input i's map, h x w after ReLU. */
  maps: Record<CamMethod, Float32Array[]>;
}

/** Inputs by index: `inputs` returns a new [B, H, W, 3] tensor the caller disposes. */
export type InputSource = Pick<BatchSource, 'size' | 'inputs'>;

export async function allCamsOf(
  split: SplitModel,
  src: InputSource,
  opts: { batchSize?: number; methods?: readonly CamMethod[]; onProgress?: (done: number) => void } = {},
): Promise<AllCams> {
  const bs = opts.batchSize ?? 16;
  const methods = opts.methods ?? CAM_METHODS;
  const scores = new Float32Array(src.size);
  const maps = Object.fromEntries(CAM_METHODS.map((m) => [m, [] as Float32Array[]])) as Record<CamMethod, Float32Array[]>;
  let h = 0;
  let w = 0;
  for (let i = 0; i < src.size; i += bs) {
    const idx = Array.from({ length: Math.min(bs, src.size - i) }, (_, k) => i + k);
    const res = tf.tidy(() => computeAllCams(split, src.inputs(idx)));
    try {
      [, h, w] = res.maps.gradcam.shape;
      scores.set(Array.from(await res.q.data(), (v) => v * SCORE_SCALE), i);
      for (const m of methods) {
        const d = (await res.maps[m].data()) as Float32Array;
        for (let b = 0; b < idx.length; b++) maps[m].push(d.slice(b * h * w, (b + 1) * h * w));
      }
    } finally {
      tf.dispose([res.q, ...Object.values(res.maps)]);
    }
    opts.onProgress?.(i + idx.length);
  }
  return { scores, h, w, maps };
}

/**
 * Mean alignment over images, the chance level and what the feature grid allows (gridBound, the
 * energy-in-mask of the best single-cell map and of the mask itself resampled to the grid).
 */
export interface AlignmentSummary extends AlignmentScores {
  n: number;
  chance: number;
  bestCell: number;
  exactFit: number;
}

/** Mean of the finite values; NaN when there are none. */
export function finiteMean(xs: readonly number[]): number {
  const ok = xs.filter((v) => Number.isFinite(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** Mean gridBound over masks; each distinct mask (fixed masks repeat) computed once. */
function gridBoundOf(masks: readonly Mask[], h: number, w: number): GridBound {
  const seen = new Map<Mask, GridBound>();
  const all = masks.map((m) => seen.get(m) ?? seen.set(m, gridBound(m, h, w)).get(m)!);
  return { bestCell: finiteMean(all.map((b) => b.bestCell)), exactFit: finiteMean(all.map((b) => b.exactFit)) };
}

/** Alignment of one raw map (h x w) with its mask: ReLU'd, upsampled to the mask, min-max normalised. */
export function alignmentOf(raw: ArrayLike<number>, h: number, w: number, mask: Mask): AlignmentScores {
  return alignmentScores(heatmapAtMaskSize(raw, w, h, mask.width, mask.height), mask.data);
}

/**
 * Alignment of maps (feature resolution) with masks, one mask per map, averaged over images.
 * The rule, the same everywhere: masks are binarised at 0.5; each metric is the mean of its
 * finite values (AUC is undefined for an empty or full mask, and such images drop out of it);
 * chance is the mean binarised mask area — what a heatmap that ignores the mask scores.
 */
export function alignmentSummary(maps: readonly Float32Array[], h: number, w: number, masks: readonly Mask[]): AlignmentSummary {
  if (maps.length !== masks.length) throw new Error(`alignmentSummary: ${maps.length} maps, ${masks.length} masks`);
  const per = maps.map((raw, i) => alignmentOf(raw, h, w, masks[i]));
  const pick = (k: keyof AlignmentScores) => finiteMean(per.map((p) => p[k]));
  return {
    n: maps.length,
    energy: pick('energy'),
    pointing: pick('pointing'),
    iou50: pick('iou50'),
    meanIou: pick('meanIou'),
    auc: pick('auc'),
    chance: finiteMean(masks.map((m) => areaFraction(binarizeMask(m, 0.5)))),
    ...gridBoundOf(masks, h, w),
  };
}

/** SRCC / PLCC / KRCC of predicted against reference scores, overall and per group. */
export interface QualityReport extends QualityMetrics {
  groups?: Record<string, QualityMetrics>;
}

/**
 * Quality metrics of predictions. With `distortions` (one per image, null = pristine), the
 * pristine images are left out (they all score 100) and each distortion type also gets its own
 * metrics.
 */
export function qualityReport(pred: ArrayLike<number>, label: ArrayLike<number>, distortions?: readonly (string | null)[]): QualityReport {
  const idx = Array.from({ length: pred.length }, (_, i) => i).filter((i) => !distortions || distortions[i] !== null);
  const m = (ii: number[]) => qualityMetrics(ii.map((i) => pred[i]), ii.map((i) => label[i]));
  const all: QualityReport = m(idx);
  if (distortions) {
    const names = [...new Set(idx.map((i) => distortions[i] as string))].sort();
    all.groups = Object.fromEntries(names.map((g) => [g, m(idx.filter((i) => distortions[i] === g))]));
  }
  return all;
}

/** Model scores (0–100) of every input of a source, in batches; no tensors left behind. */
export async function scoresOf(
  model: tf.LayersModel,
  src: InputSource,
  opts: { outputIndex?: number; batchSize?: number } = {},
): Promise<Float32Array> {
  const bs = opts.batchSize ?? 32;
  const out = new Float32Array(src.size);
  for (let i = 0; i < src.size; i += bs) {
    const idx = Array.from({ length: Math.min(bs, src.size - i) }, (_, k) => i + k);
    const y = tf.tidy(() => predictScores(model, src.inputs(idx), opts.outputIndex));
    out.set(await y.data(), i);
    y.dispose();
  }
  return out;
}
