import * as tf from '@tensorflow/tfjs';
import { alignmentScores, gridBound, heatmapAtMaskSize, type AlignmentScores, type GridBound } from './alignment';
import { CAM_METHODS, computeAllCams, computeCam, type CamMethod } from './cam';
import { SCORE_SCALE } from './config';
import { predictScores, type SplitModel } from './graph';
import { binarizeMask } from './maskOps';
import type { BatchSource } from './batch';
import { areaFraction, type Mask } from './mask';
import { qualityMetrics, type QualityMetrics } from './metrics';
import { qualityIntervals, typeLevelOracle, type BootstrapOptions, type QualityIntervals, type TypeLevel } from './stats';

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

/** A CAM layer's grid: rows h, columns w. */
export interface Grid {
  h: number;
  w: number;
}

/** Scores and every CAM method's maps for many inputs, in batches (computeAllCams). */
export interface AllCams {
  scores: Float32Array;
  /** Each input's grid (inputs of different sizes have different grids). */
  grids: Grid[];
  /** maps[method][i]: input i's map, grids[i].h x grids[i].w after ReLU. */
  maps: Record<CamMethod, Float32Array[]>;
}

/**
 * Inputs by index: `inputs` returns a new [B, H, W, 3] tensor the caller disposes; `sizeOf`
 * (when inputs differ in size) keys each input's size, so only same-sized inputs share a batch.
 */
export type InputSource = Pick<BatchSource, 'size' | 'inputs'> & { sizeOf?(i: number): { width: number; height: number } };

/**
 * Pixels one inference batch may hold: 16 crops of 224 px, 4 whole images of 512 x 384. Whole
 * working images at a crop's batch size ran MobileNetV2 out of wasm's 4 GB.
 */
export const MAX_BATCH_PIXELS = 16 * 224 * 224;

/** Consecutive runs of at most `batchSize` indices (and MAX_BATCH_PIXELS) whose inputs have the same size. */
export function shapeBatches(src: InputSource, batchSize: number): number[][] {
  const out: number[][] = [];
  const key = (i: number) => {
    const s = src.sizeOf?.(i);
    return s ? `${s.width}x${s.height}` : '';
  };
  const capOf = (i: number) => {
    const s = src.sizeOf?.(i);
    return s ? Math.max(1, Math.min(batchSize, Math.floor(MAX_BATCH_PIXELS / (s.width * s.height)))) : batchSize;
  };
  let cur: number[] = [];
  for (let i = 0; i < src.size; i++) {
    if (cur.length && (cur.length >= capOf(cur[0]) || key(i) !== key(cur[0]))) {
      out.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) out.push(cur);
  return out;
}

export async function allCamsOf(
  split: SplitModel,
  src: InputSource,
  opts: { batchSize?: number; methods?: readonly CamMethod[]; onProgress?: (done: number) => void } = {},
): Promise<AllCams> {
  const methods = opts.methods ?? CAM_METHODS;
  const scores = new Float32Array(src.size);
  const grids: Grid[] = [];
  const maps = Object.fromEntries(CAM_METHODS.map((m) => [m, [] as Float32Array[]])) as Record<CamMethod, Float32Array[]>;
  let done = 0;
  for (const idx of shapeBatches(src, opts.batchSize ?? 16)) {
    const res = tf.tidy(() => computeAllCams(split, src.inputs(idx)));
    try {
      const [, h, w] = res.maps.gradcam.shape;
      scores.set(Array.from(await res.q.data(), (v) => v * SCORE_SCALE), idx[0]);
      for (const m of methods) {
        const d = (await res.maps[m].data()) as Float32Array;
        for (let b = 0; b < idx.length; b++) maps[m].push(d.slice(b * h * w, (b + 1) * h * w));
      }
      for (let b = 0; b < idx.length; b++) grids.push({ h, w });
    } finally {
      tf.dispose([res.q, ...Object.values(res.maps)]);
    }
    done += idx.length;
    opts.onProgress?.(done);
  }
  return { scores, grids, maps };
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

/** Mean gridBound over masks; each distinct mask and grid (fixed masks repeat) computed once. */
function gridBoundOf(masks: readonly Mask[], grids: (i: number) => Grid): GridBound {
  const seen = new Map<Mask, Map<string, GridBound>>();
  const all = masks.map((m, i) => {
    const { h, w } = grids(i);
    const byGrid = seen.get(m) ?? seen.set(m, new Map()).get(m)!;
    return byGrid.get(`${h}x${w}`) ?? byGrid.set(`${h}x${w}`, gridBound(m, h, w)).get(`${h}x${w}`)!;
  });
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
export function alignmentSummary(maps: readonly Float32Array[], grids: Grid | readonly Grid[], masks: readonly Mask[]): AlignmentSummary {
  if (maps.length !== masks.length) throw new Error(`alignmentSummary: ${maps.length} maps, ${masks.length} masks`);
  const gridOf = (i: number): Grid => ('h' in grids ? grids : grids[i]);
  const per = maps.map((raw, i) => alignmentOf(raw, gridOf(i).h, gridOf(i).w, masks[i]));
  const pick = (k: keyof AlignmentScores) => finiteMean(per.map((p) => p[k]));
  return {
    n: maps.length,
    energy: pick('energy'),
    pointing: pick('pointing'),
    iou50: pick('iou50'),
    meanIou: pick('meanIou'),
    auc: pick('auc'),
    chance: finiteMean(masks.map((m) => areaFraction(binarizeMask(m, 0.5)))),
    ...gridBoundOf(masks, gridOf),
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

/** Model scores (0–100) of every input of a source, in batches of same-sized inputs; no tensors left behind. */
export async function scoresOf(
  model: tf.LayersModel,
  src: InputSource,
  opts: { outputIndex?: number; batchSize?: number } = {},
): Promise<Float32Array> {
  const out = new Float32Array(src.size);
  for (const idx of shapeBatches(src, opts.batchSize ?? 32)) {
    const y = tf.tidy(() => predictScores(model, src.inputs(idx), opts.outputIndex));
    out.set(await y.data(), idx[0]);
    y.dispose();
  }
  return out;
}

/** What the quality summary needs of an evaluation image. */
export interface LabelledImage extends TypeLevel {
  refId: string;
  score: number;
}

/**
 * The quality figures of a model on a labelled set, as every host reports them: SRCC / PLCC /
 * KRCC on the distorted images (the pristine ones all score 100), overall and per distortion
 * type, each with a 95% bootstrap interval over reference photos; the type-and-level oracle on
 * the same images (its predictions from `oracleFrom`, other references); the pristine images'
 * mean score; and how many scores fall outside 0–100.
 */
export interface QualitySummary {
  overall: QualityIntervals;
  byType: Record<string, QualityIntervals>;
  oracle: QualityIntervals | null;
  pristine: { n: number; meanScore: number };
  outOfRange: number;
}

export function qualitySummary(pred: ArrayLike<number>, images: readonly LabelledImage[], oracleFrom: readonly LabelledImage[] | null, opts: BootstrapOptions = {}): QualitySummary {
  const distorted = images.flatMap((s, i) => (s.distortion !== null ? [i] : []));
  const on = (idx: number[], p: ArrayLike<number> = pred) =>
    qualityIntervals(idx.map((i) => p[i]), idx.map((i) => images[i].score), idx.map((i) => images[i].refId), opts);
  const types = [...new Set(distorted.map((i) => images[i].distortion as string))].sort();
  const pristine = images.flatMap((s, i) => (s.distortion === null ? [pred[i]] : []));
  let outOfRange = 0;
  for (let i = 0; i < pred.length; i++) if (!(pred[i] >= 0 && pred[i] <= 100)) outOfRange++;
  return {
    overall: on(distorted),
    byType: Object.fromEntries(types.map((t) => [t, on(distorted.filter((i) => images[i].distortion === t))])),
    oracle: oracleFrom?.length ? on(distorted, typeLevelOracle(oracleFrom, images)) : null,
    pristine: { n: pristine.length, meanScore: pristine.length ? pristine.reduce((a, b) => a + b, 0) / pristine.length : NaN },
    outOfRange,
  };
}
