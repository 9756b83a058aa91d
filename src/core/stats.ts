import { qualityMetrics, type QualityMetrics } from './metrics';
import { mulberry32 } from './random';

/**
 * Uncertainty of quality figures: bootstrap intervals that resample **reference photos** (all
 * distorted copies of a drawn reference come along), never single images, since copies of one
 * photo are not independent. Also the type-and-level oracle a no-reference model must beat.
 */

export interface Interval {
  /** The figure on the data as it is. */
  value: number;
  /** 2.5th and 97.5th percentiles over the draws (for level 0.95). */
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  /** Number of resamples (default 2000). */
  draws?: number;
  /** Seed of the resampling (default 7): the same data give the same interval. */
  seed?: number;
  /** Coverage (default 0.95). */
  level?: number;
}

/** Indices of the items of each group (reference), in first-seen order. */
export function groupIndices(groupOf: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  groupOf.forEach((g, i) => {
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  });
  return [...groups.values()];
}

/** The q-quantile of sorted finite values, linear between order statistics. */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

/**
 * Bootstrap interval of `stat` over groups: each draw takes as many groups as there are, with
 * replacement, and evaluates `stat` on the concatenated indices. Draws where `stat` is not finite
 * (e.g. a draw of one reference whose labels tie) are left out of the percentiles.
 */
export function bootstrap(groups: readonly number[][], stat: (indices: number[]) => number, opts: BootstrapOptions = {}): Interval {
  const draws = opts.draws ?? 2000;
  const level = opts.level ?? 0.95;
  const rand = mulberry32(opts.seed ?? 7);
  const all = groups.flat();
  const values: number[] = [];
  for (let d = 0; d < draws; d++) {
    const idx: number[] = [];
    for (let k = 0; k < groups.length; k++) idx.push(...groups[Math.floor(rand() * groups.length)]);
    const v = stat(idx);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { value: stat(all), lo: quantile(values, tail), hi: quantile(values, 1 - tail) };
}

export interface QualityIntervals {
  n: number;
  references: number;
  srcc: Interval;
  plcc: Interval;
  krcc: Interval;
}

/** SRCC, PLCC and KRCC of predictions against labels, each with its bootstrap interval over references. */
export function qualityIntervals(pred: ArrayLike<number>, label: ArrayLike<number>, refOf: readonly string[], opts: BootstrapOptions = {}): QualityIntervals {
  const groups = groupIndices(refOf);
  const on = (idx: number[]): QualityMetrics => qualityMetrics(idx.map((i) => pred[i]), idx.map((i) => label[i]));
  const metric = (k: 'srcc' | 'plcc' | 'krcc') => bootstrap(groups, (idx) => on(idx)[k], opts);
  return { n: pred.length, references: groups.length, srcc: metric('srcc'), plcc: metric('plcc'), krcc: metric('krcc') };
}

/**
 * Paired bootstrap of a difference between two models' figures on the same images (b minus a):
 * both are evaluated on the same draw of references, so what the references share cancels.
 */
export function pairedDifference(
  predA: ArrayLike<number>,
  predB: ArrayLike<number>,
  label: ArrayLike<number>,
  refOf: readonly string[],
  metric: 'srcc' | 'plcc' | 'krcc' = 'srcc',
  opts: BootstrapOptions = {},
): Interval {
  const groups = groupIndices(refOf);
  const on = (pred: ArrayLike<number>, idx: number[]) => qualityMetrics(idx.map((i) => pred[i]), idx.map((i) => label[i]))[metric];
  return bootstrap(groups, (idx) => on(predB, idx) - on(predA, idx), opts);
}

/** An image's distortion type and level: what the oracle knows of it. */
export interface TypeLevel {
  distortion: string | null;
  level: number;
}

const cell = (s: TypeLevel) => `${s.distortion ?? 'pristine'}@${s.level}`;

/**
 * The type-and-level oracle: predicts each image by the mean label of its distortion type and
 * level on other (training) references. A no-reference model that does not beat it has learned
 * the distortion menu, not quality. Cells the training data lack get the overall mean label.
 */
export function typeLevelOracle(train: readonly (TypeLevel & { score: number })[], test: readonly TypeLevel[]): Float32Array {
  const sums = new Map<string, { sum: number; n: number }>();
  let total = 0;
  for (const s of train) {
    const c = sums.get(cell(s)) ?? { sum: 0, n: 0 };
    c.sum += s.score;
    c.n++;
    sums.set(cell(s), c);
    total += s.score;
  }
  const overall = train.length ? total / train.length : NaN;
  return Float32Array.from(test, (s) => {
    const c = sums.get(cell(s));
    return c ? c.sum / c.n : overall;
  });
}
