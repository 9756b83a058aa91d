/**
 * The audit orchestrator: CAM maps, deletion/insertion curves, occlusion sensitivity and its
 * agreement with each map, cascading randomisation, a summary and a verdict per CAM method, in
 * one JSON-serialisable report (docs/audit.md).
 */
import * as tf from '@tensorflow/tfjs';
import { normalizeMap } from '../alignment';
import type { CamMethod } from '../camMethods';
import { CAM_METHODS } from '../camMethods';
import { SCORE_SCALE } from '../config';
import { splitModel } from '../graph';
import { AUDIT_DEFAULTS, type AuditOptions, type ResolvedAuditOptions } from './config';
import { deletionInsertion, imagesPerRanking, type DeletionResult } from './deletion';
import { mapToGrid, meanCurve, meanOf } from './maps';
import { occlusionAgreement, occlusionSensitivity, patchStarts } from './occlusion';
import { blurImages, meanImages, modelScorer } from './perturb';
import { AuditTracker, CAM_PASS_COST, type CancelCheck, type ProgressCallback } from './progress';
import { camExplainer, cascadeCheckpoints, cascadingRandomization, explainAll, randomizableLayers, type RandomizationResult } from './randomization';
import { auditVerdict, type AuditSummary, type AuditVerdict, type MethodSummary } from './verdict';

export class AuditInputError extends Error {
  constructor(detail: string) {
    super(`audit: ${detail}`);
    this.name = 'AuditInputError';
  }
}

/** Curves and AUCs of one ranking (a CAM method, or the random baseline) over the images. */
export interface CurveStats {
  /** Mean effect curves over the informative images [T + 1] ([] when none is). */
  deletion: number[];
  insertion: number[];
  /** Mean AUCs over the informative images; null when none is. */
  deletionAuc: number | null;
  insertionAuc: number | null;
  /** Per image; null for an image that is not informative. */
  deletionAucs: (number | null)[];
  insertionAucs: (number | null)[];
}

export interface MethodAgreement {
  /** Means over images. */
  spearman: number;
  energy: number;
  spearmanPerImage: number[];
  energyPerImage: number[];
}

export interface AuditReport {
  version: 1;
  layerName: string;
  /** [H, W] of the images. */
  inputSize: [number, number];
  numImages: number;
  /** [h, w] of the CAM layer. */
  featureGrid: [number, number];
  methods: CamMethod[];
  options: ResolvedAuditOptions;
  /** Scores on the 0–100 scale of each image and of its fully blurred copy. */
  scores: { original: number[]; blurred: number[] };
  /** Each method's map of each image at feature resolution, min-max normalised ([h * w] each). */
  cams: Partial<Record<CamMethod, number[][]>>;
  deletion: {
    grid: [number, number];
    /** Removed / revealed fraction of the regions at each curve point. */
    fractions: number[];
    /** Whether each image's blurred score differs enough from its score (options.minScoreChange). */
    informative: boolean[];
    methods: Partial<Record<CamMethod, CurveStats>>;
    random: CurveStats;
  };
  occlusion: {
    patch: number;
    stride: number;
    fill: ResolvedAuditOptions['occlusionFill'];
    /** [rows, cols] of patch positions. */
    positions: [number, number];
    /** Per image, signed score change s(x) - s(occluded) at each position, in score points. */
    delta: number[][];
    /** Mean |delta| over the images at each position, in score points. */
    meanAbs: number[];
    agreementGrid: number;
    /** Area share of the top region (energy overlap's chance level). */
    chance: number;
    agreement: Partial<Record<CamMethod, MethodAgreement>>;
  };
  randomization: RandomizationResult;
  summary: AuditSummary;
  /** The verdict without a reference; `auditVerdict(report.summary, baseline.summary)` compares. */
  verdict: AuditVerdict;
  timingsMs: { total: number; cams: number; deletion: number; occlusion: number; randomization: number };
}

/** Options with the model- and size-dependent defaults filled in. */
export function resolveAuditOptions(opts: AuditOptions, H: number, W: number, featureGrid: [number, number]): ResolvedAuditOptions {
  const S = Math.min(H, W);
  const patch = opts.occlusionPatch ?? Math.max(1, Math.round(S / AUDIT_DEFAULTS.patchDivisor));
  const methods = [...(opts.methods ?? CAM_METHODS)];
  const unknown = methods.filter((m) => !CAM_METHODS.includes(m));
  if (unknown.length || !methods.length) throw new AuditInputError(`unknown or no CAM methods: ${unknown.join(', ') || '(none)'}`);
  const r: ResolvedAuditOptions = {
    methods,
    blurSigma: opts.blurSigma ?? S / AUDIT_DEFAULTS.blurDivisor,
    deletionGrid: opts.deletionGrid ? [opts.deletionGrid, opts.deletionGrid] : featureGrid,
    steps: opts.steps ?? AUDIT_DEFAULTS.steps,
    randomOrders: opts.randomOrders ?? AUDIT_DEFAULTS.randomOrders,
    occlusionPatch: patch,
    occlusionStride: opts.occlusionStride ?? Math.max(1, Math.floor(patch / 2)),
    occlusionFill: opts.occlusionFill ?? AUDIT_DEFAULTS.occlusionFill,
    agreementGrid: opts.agreementGrid ?? AUDIT_DEFAULTS.agreementGrid,
    topFraction: opts.topFraction ?? AUDIT_DEFAULTS.topFraction,
    randomizationSteps: opts.randomizationSteps ?? AUDIT_DEFAULTS.randomizationSteps,
    batchSize: opts.batchSize ?? AUDIT_DEFAULTS.batchSize,
    seed: opts.seed ?? AUDIT_DEFAULTS.seed,
    minScoreChange: opts.minScoreChange ?? AUDIT_DEFAULTS.minScoreChange,
  };
  const positive = ['blurSigma', 'steps', 'occlusionPatch', 'occlusionStride', 'agreementGrid', 'batchSize', 'randomizationSteps'] as const;
  for (const k of positive) if (!(r[k] > 0) || !Number.isFinite(r[k])) throw new AuditInputError(`option ${k} must be positive (got ${r[k]})`);
  if (r.randomOrders < 1 || !Number.isInteger(r.randomOrders)) throw new AuditInputError(`option randomOrders must be a positive integer (got ${r.randomOrders})`);
  if (!(r.topFraction > 0 && r.topFraction <= 1)) throw new AuditInputError(`option topFraction must be in (0, 1] (got ${r.topFraction})`);
  if (r.deletionGrid[0] > H || r.deletionGrid[1] > W) throw new AuditInputError(`deletion grid ${r.deletionGrid.join('x')} is finer than the ${W}x${H} image`);
  if (patch > S) throw new AuditInputError(`occlusion patch ${patch} is larger than the ${S} px image`);
  if (Math.ceil(3 * r.blurSigma) >= S) throw new AuditInputError(`blur sigma ${r.blurSigma} is too large for a ${S} px image`);
  return r;
}

/** Images on a CAM batch: the gradient tape holds every activation, so fewer than predict batches. */
const CAM_BATCH = 8;

function stackImages(images: tf.Tensor4D | readonly tf.Tensor4D[]): tf.Tensor4D {
  const list = Array.isArray(images) ? images : [images as tf.Tensor4D];
  if (!list.length) throw new AuditInputError('no images');
  for (const t of list) {
    if (t.rank !== 4 || t.shape[3] !== 3) throw new AuditInputError(`images must be [N, H, W, 3] tensors (got [${t.shape.join(', ')}])`);
    if (t.shape[1] !== list[0].shape[1] || t.shape[2] !== list[0].shape[2]) throw new AuditInputError('images must all have the same size');
  }
  return tf.tidy(() => (list.length === 1 ? tf.clone(list[0]) : tf.concat(list as tf.Tensor4D[])) as tf.Tensor4D);
}

/** [h, w] of the CAM layer: from its static output shape, or from one forward pass when that has free sizes. */
function featureGridOf(model: tf.LayersModel, layerName: string, probe: () => tf.Tensor4D): [number, number] {
  const split = splitModel(model, layerName); // throws UnknownLayerError with the usable names
  const shape = model.getLayer(layerName).outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0]) || shape.length !== 4) throw new AuditInputError(`layer "${layerName}" has no spatial output`);
  if (typeof shape[1] === 'number' && typeof shape[2] === 'number') return [shape[1], shape[2]];
  return tf.tidy(() => {
    const [, h, w] = split.forward(probe()).A.shape;
    return [h, w] as [number, number];
  });
}

function curveStats(results: DeletionResult[], informative: boolean[], pick: (r: DeletionResult) => DeletionResult['random']): CurveStats {
  const used = results.filter((_, i) => informative[i]).map(pick);
  const del = results.map((r, i) => (informative[i] ? pick(r).deletionAuc : null));
  const ins = results.map((r, i) => (informative[i] ? pick(r).insertionAuc : null));
  return {
    deletion: meanCurve(used.map((c) => c.deletion)),
    insertion: meanCurve(used.map((c) => c.insertion)),
    deletionAuc: meanOf(del),
    insertionAuc: meanOf(ins),
    deletionAucs: del,
    insertionAucs: ins,
  };
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

/** Standard error of the per-image faithfulness gap: mean of (method - random) over deletion and insertion. */
function gapStandardError(method: CurveStats, random: CurveStats): number | null {
  const gaps: number[] = [];
  method.deletionAucs.forEach((d, i) => {
    const ins = method.insertionAucs[i];
    const rd = random.deletionAucs[i];
    const ri = random.insertionAucs[i];
    if (d !== null && ins !== null && rd !== null && ri !== null) gaps.push((d - rd + ins - ri) / 2);
  });
  const n = gaps.length;
  if (n < 2) return null;
  const mean = gaps.reduce((s, g) => s + g, 0) / n;
  const variance = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n);
}

/**
 * Audits a model's CAM explanations on a set of images.
 * @param model a LayersModel with one scalar output per image (quality / SCORE_SCALE)
 * @param layerName the CAM target layer
 * @param images [N, H, W, 3] or a list of [1, H, W, 3] tensors in [0, 1] (not disposed)
 * @param onProgress called after every batch (and at each phase change)
 * @param shouldCancel polled after every batch; when it returns true the audit stops, frees its
 *   tensors and rejects with AuditCancelledError
 */
export async function runAudit(
  model: tf.LayersModel,
  layerName: string,
  images: tf.Tensor4D | readonly tf.Tensor4D[],
  opts: AuditOptions = {},
  onProgress?: ProgressCallback,
  shouldCancel?: CancelCheck,
): Promise<AuditReport> {
  const start = performance.now();
  splitModel(model, layerName); // throws UnknownLayerError with the usable names
  const expected = model.inputs[0].shape;
  const first = Array.isArray(images) ? (images as readonly tf.Tensor4D[])[0] : (images as tf.Tensor4D);
  if (first && ((expected[1] && expected[1] !== first.shape[1]) || (expected[2] && expected[2] !== first.shape[2]))) {
    throw new AuditInputError(`the model takes ${expected[2]}x${expected[1]} images, these are ${first.shape[2]}x${first.shape[1]}`);
  }
  const X = stackImages(images);
  const [N, H, W] = X.shape;
  let o: ResolvedAuditOptions;
  let featureGrid: [number, number];
  try {
    featureGrid = featureGridOf(model, layerName, () => tf.slice(X, [0, 0, 0, 0], [1, -1, -1, -1]));
    o = resolveAuditOptions(opts, H, W, featureGrid);
  } catch (e) {
    X.dispose();
    throw e;
  }
  const [h, w] = featureGrid;
  const M = o.methods.length;
  const regions = o.deletionGrid[0] * o.deletionGrid[1];
  const ys = patchStarts(H, o.occlusionPatch, o.occlusionStride);
  const xs = patchStarts(W, o.occlusionPatch, o.occlusionStride);
  const checkpoints = cascadeCheckpoints(randomizableLayers(model).length, o.randomizationSteps);
  const total =
    N * CAM_PASS_COST +
    N * (2 + (M + o.randomOrders) * imagesPerRanking(regions, o.steps)) +
    N * (1 + ys.length * xs.length) +
    checkpoints.length * N * CAM_PASS_COST;
  const tracker = new AuditTracker(total, onProgress, shouldCancel);
  const scorer = modelScorer(model);
  const timings = { total: 0, cams: 0, deletion: 0, occlusion: 0, randomization: 0 };
  const tensors: tf.Tensor[] = [X];
  const image = (t: tf.Tensor4D, i: number) => tf.slice(t, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;

  try {
    tracker.check();
    tracker.phase('prepare');
    const XB = blurImages(X, o.blurSigma);
    tensors.push(XB);
    const XF = o.occlusionFill === 'blur' ? XB : meanImages(X);
    if (XF !== XB) tensors.push(XF);

    let t = performance.now();
    tracker.phase('cams');
    const factory = camExplainer(layerName, o.methods);
    const base = await explainAll(factory(model), X, CAM_BATCH, tracker);
    timings.cams = performance.now() - t;

    t = performance.now();
    tracker.phase('deletion');
    const deletions: DeletionResult[] = [];
    for (let i = 0; i < N; i++) {
      const rankings: Record<string, Float32Array> = {};
      for (const m of o.methods) rankings[m] = mapToGrid(base.maps[m][i], h, w, H, W, o.deletionGrid[0], o.deletionGrid[1]);
      const xi = image(X, i);
      const bi = image(XB, i);
      try {
        const curveOpts = { steps: o.steps, randomOrders: o.randomOrders, seed: o.seed * 1000 + i, batchSize: o.batchSize };
        deletions.push(await deletionInsertion(scorer, xi, bi, rankings, o.deletionGrid, curveOpts, tracker));
      } finally {
        tf.dispose([xi, bi]);
      }
    }
    timings.deletion = performance.now() - t;

    t = performance.now();
    tracker.phase('occlusion');
    const delta: number[][] = [];
    const agreement: Partial<Record<CamMethod, MethodAgreement>> = {};
    for (const m of o.methods) agreement[m] = { spearman: 0, energy: 0, spearmanPerImage: [], energyPerImage: [] };
    let chance = 0;
    for (let i = 0; i < N; i++) {
      const xi = image(X, i);
      const fi = image(XF, i);
      try {
        const occ = await occlusionSensitivity(scorer, xi, fi, { patch: o.occlusionPatch, stride: o.occlusionStride, batchSize: o.batchSize }, tracker);
        delta.push(Array.from(occ.delta, (d) => d * SCORE_SCALE));
        for (const m of o.methods) {
          const a = occlusionAgreement(base.maps[m][i], h, w, occ.pixelMap, H, W, o.agreementGrid, o.topFraction);
          agreement[m]!.spearmanPerImage.push(a.spearman);
          agreement[m]!.energyPerImage.push(a.energy);
          chance = a.chance;
        }
      } finally {
        tf.dispose([xi, fi]);
      }
    }
    for (const m of o.methods) {
      const a = agreement[m]!;
      a.spearman = meanOf(a.spearmanPerImage) ?? 0;
      a.energy = meanOf(a.energyPerImage) ?? 0;
    }
    timings.occlusion = performance.now() - t;

    t = performance.now();
    tracker.phase('randomization');
    const randomization = await cascadingRandomization(
      model,
      X,
      factory,
      { maxSteps: o.randomizationSteps, seed: o.seed, batchSize: CAM_BATCH },
      tracker,
      base,
    );
    timings.randomization = performance.now() - t;

    const scores = {
      original: deletions.map((d) => d.scoreOriginal * SCORE_SCALE),
      blurred: deletions.map((d) => d.scoreBlurred * SCORE_SCALE),
    };
    const informative = deletions.map((d) => Math.abs(d.scoreOriginal - d.scoreBlurred) * SCORE_SCALE >= o.minScoreChange);
    const curves: Partial<Record<CamMethod, CurveStats>> = {};
    for (const m of o.methods) curves[m] = curveStats(deletions, informative, (r) => r.curves[m]);
    const random = curveStats(deletions, informative, (r) => r.random);

    const summary: AuditSummary = {};
    const last = randomization.steps.length - 1;
    for (const m of o.methods) {
      const c = curves[m]!;
      const deletionGap = diff(c.deletionAuc, random.deletionAuc);
      const insertionGap = diff(c.insertionAuc, random.insertionAuc);
      const r = randomization.methods[m];
      const s: MethodSummary = {
        deletionAuc: c.deletionAuc,
        insertionAuc: c.insertionAuc,
        randomDeletionAuc: random.deletionAuc,
        randomInsertionAuc: random.insertionAuc,
        deletionGap,
        insertionGap,
        faithfulnessGap: deletionGap === null || insertionGap === null ? null : (deletionGap + insertionGap) / 2,
        faithfulnessGapSe: gapStandardError(c, random),
        occlusionSpearman: agreement[m]!.spearman,
        occlusionEnergy: agreement[m]!.energy,
        occlusionChance: chance,
        sanitySpearman: last >= 0 ? r.spearman[last] : null,
        sanitySsim: last >= 0 ? r.ssim[last] : null,
      };
      summary[m] = s;
    }

    const cams: Partial<Record<CamMethod, number[][]>> = {};
    for (const m of o.methods) cams[m] = base.maps[m].map((map) => Array.from(normalizeMap(map)));
    const meanAbs = new Array<number>(ys.length * xs.length).fill(0);
    for (const d of delta) d.forEach((v, j) => (meanAbs[j] += Math.abs(v) / N));

    timings.total = performance.now() - start;
    tracker.finish();
    return {
      version: 1,
      layerName,
      inputSize: [H, W],
      numImages: N,
      featureGrid,
      methods: o.methods,
      options: o,
      scores,
      cams,
      deletion: { grid: o.deletionGrid, fractions: deletions[0].fractions, informative, methods: curves, random },
      occlusion: {
        patch: o.occlusionPatch,
        stride: o.occlusionStride,
        fill: o.occlusionFill,
        positions: [ys.length, xs.length],
        delta,
        meanAbs,
        agreementGrid: Math.min(o.agreementGrid, H, W),
        chance,
        agreement,
      },
      randomization,
      summary,
      verdict: auditVerdict(summary),
      timingsMs: timings,
    };
  } finally {
    tf.dispose(tensors);
  }
}
