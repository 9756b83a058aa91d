import * as tf from '@tensorflow/tfjs';
import { alignmentScores, gridBound, heatmapAtMaskSize, type AlignmentScores, type GridBound } from '../core/alignment';
import { CAM_METHODS, computeAllCams, computeCam, type CamMethod } from '../core/cam';
import { SCORE_SCALE } from '../core/config';
import type { SplitModel } from '../core/graph';
import { rgbBatchToTensor, type RgbImage } from '../core/iqa/image';
import { binarizeMask } from '../core/maskOps';
import { areaFraction, type Mask } from '../core/mask';
import { qualityMetrics, type QualityMetrics } from '../core/metrics';

/** One CAM: the score (0–100) and the map after ReLU at feature resolution (h x w, row-major). */
export interface CamOutput {
  score: number;
  h: number;
  w: number;
  raw: Float32Array;
}

/** core's computeCam on one input [1, S, S, 3]; reads the results back and frees every tensor. */
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

/** Scores and every CAM method's maps for many images, in batches (computeAllCams). */
export interface AllCams {
  scores: Float32Array;
  h: number;
  w: number;
  /** maps[method][i]: image i's map, h x w after ReLU. */
  maps: Record<CamMethod, Float32Array[]>;
}

export async function allCamsOf(
  split: SplitModel,
  images: readonly RgbImage[],
  opts: { batchSize?: number; methods?: readonly CamMethod[]; onProgress?: (done: number) => void } = {},
): Promise<AllCams> {
  const bs = opts.batchSize ?? 16;
  const methods = opts.methods ?? CAM_METHODS;
  const scores = new Float32Array(images.length);
  const maps = Object.fromEntries(CAM_METHODS.map((m) => [m, [] as Float32Array[]])) as Record<CamMethod, Float32Array[]>;
  let h = 0;
  let w = 0;
  for (let i = 0; i < images.length; i += bs) {
    const chunk = images.slice(i, i + bs);
    const res = tf.tidy(() => computeAllCams(split, rgbBatchToTensor(chunk)));
    try {
      [, h, w] = res.maps.gradcam.shape;
      scores.set(Array.from(await res.q.data(), (v) => v * SCORE_SCALE), i);
      for (const m of methods) {
        const d = (await res.maps[m].data()) as Float32Array;
        for (let b = 0; b < chunk.length; b++) maps[m].push(d.slice(b * h * w, (b + 1) * h * w));
      }
    } finally {
      tf.dispose([res.q, ...Object.values(res.maps)]);
    }
    opts.onProgress?.(Math.min(images.length, i + bs));
  }
  return { scores, h, w, maps };
}

/**
 * Mean alignment over images, the chance level (mean area of the binarised masks) and what the
 * feature grid allows (core/alignment gridBound, mean over the masks): the energy-in-mask of the
 * best single-cell map and of the mask itself resampled to the grid.
 */
export interface AlignmentSummary extends AlignmentScores {
  n: number;
  chance: number;
  bestCell: number;
  exactFit: number;
}

const mean = (xs: number[]) => {
  const ok = xs.filter((v) => Number.isFinite(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
};

/** Mean gridBound over masks; each distinct mask (fixed masks repeat) computed once. */
function gridBoundOf(masks: readonly Mask[], h: number, w: number): GridBound {
  const seen = new Map<Mask, GridBound>();
  const all = masks.map((m) => seen.get(m) ?? seen.set(m, gridBound(m, h, w)).get(m)!);
  return { bestCell: mean(all.map((b) => b.bestCell)), exactFit: mean(all.map((b) => b.exactFit)) };
}

/**
 * DESIGN.md §3 alignment of maps (feature resolution) with masks, one mask per map: each map
 * ReLU'd, bilinearly upsampled to the mask's size and min-max normalised, then energy-in-mask,
 * pointing game, IoU@0.5, mean IoU and AUC; averaged over images (AUC over those it is defined for).
 */
export function alignmentSummary(maps: readonly Float32Array[], h: number, w: number, masks: readonly Mask[]): AlignmentSummary {
  if (maps.length !== masks.length) throw new Error(`alignmentSummary: ${maps.length} maps, ${masks.length} masks`);
  const per = maps.map((raw, i) => {
    const M = masks[i];
    return alignmentScores(heatmapAtMaskSize(raw, w, h, M.width, M.height), M.data);
  });
  const pick = (k: keyof AlignmentScores) => mean(per.map((p) => p[k]));
  return {
    n: maps.length,
    energy: pick('energy'),
    pointing: pick('pointing'),
    iou50: pick('iou50'),
    meanIou: pick('meanIou'),
    auc: pick('auc'),
    chance: mean(masks.map((m) => areaFraction(binarizeMask(m, 0.5)))),
    ...gridBoundOf(masks, h, w),
  };
}

/** SRCC / PLCC / KRCC of predicted against reference scores, overall and per group. */
export interface QualityReport extends QualityMetrics {
  groups?: Record<string, QualityMetrics>;
}

/**
 * Quality metrics of predictions. With `distortions` (one per image, null = pristine), the
 * pristine images are left out (they all score 100; as scripts/eval.ts reports) and each
 * distortion type also gets its own metrics.
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
