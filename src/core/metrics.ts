/**
 * Quality-prediction metrics (docs/architecture.md, "The math"): SRCC, PLCC, KRCC between predictions and labels.
 * Plain numbers in, plain numbers out; no tensors. Each returns NaN where the coefficient is
 * undefined (fewer than 2 pairs, or one side constant), as scipy.stats does.
 */

export class MetricInputError extends Error {
  constructor(detail: string) {
    super(`metrics: ${detail}`);
    this.name = 'MetricInputError';
  }
}

type Nums = ArrayLike<number>;

function check(x: Nums, y: Nums): number {
  if (x.length !== y.length) throw new MetricInputError(`length mismatch (${x.length} vs ${y.length})`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new MetricInputError(`non-finite value at index ${i} (${x[i]}, ${y[i]})`);
    }
  }
  return x.length;
}

/**
 * Ranks 1..n with ties given the average of the ranks they span ("fractional" ranking,
 * scipy.stats.rankdata(method='average')).
 */
export function averageRanks(x: Nums): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]] === x[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson linear correlation coefficient (no logistic fit, as pyiqa reports PLCC). */
export function plcc(x: Nums, y: Nums): number {
  const n = check(x, y);
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return clamp1(sxy / Math.sqrt(sxx * syy));
}

/** Spearman rank correlation: Pearson correlation of the average ranks (ties handled). */
export function srcc(x: Nums, y: Nums): number {
  const n = check(x, y);
  if (n < 2) return NaN;
  return plcc(averageRanks(x), averageRanks(y));
}

/**
 * Kendall tau-b: (P - Q) / sqrt((P + Q + Tx) (P + Q + Ty)), where P / Q count concordant /
 * discordant pairs and Tx / Ty pairs tied only in x / only in y (pairs tied in both count in
 * neither). Same as scipy.stats.kendalltau(variant='b'). O(n²), fine for test splits.
 */
export function krcc(x: Nums, y: Nums): number {
  const n = check(x, y);
  if (n < 2) return NaN;
  let p = 0;
  let q = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tx++;
      else if (dy === 0) ty++;
      else if (dx === dy) p++;
      else q++;
    }
  }
  const den = Math.sqrt((p + q + tx) * (p + q + ty));
  if (den === 0) return NaN;
  return clamp1((p - q) / den);
}

export interface QualityMetrics {
  n: number;
  srcc: number;
  plcc: number;
  krcc: number;
}

/** All three coefficients of predictions against labels. */
export function qualityMetrics(pred: Nums, label: Nums): QualityMetrics {
  return { n: pred.length, srcc: srcc(pred, label), plcc: plcc(pred, label), krcc: krcc(pred, label) };
}

function clamp1(v: number): number {
  return Math.max(-1, Math.min(1, v));
}
