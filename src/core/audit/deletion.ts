/**
 * Deletion and insertion curves of region rankings (docs/audit.md).
 *
 * Regions are the cells of a rows x cols grid over the image (cellIndexMap). A ranking orders
 * them most important first. With s(.) the model score, x the image and b its fully blurred copy:
 *   deletion:  x_t = x with the first k_t regions replaced by b's pixels
 *   insertion: x_t = b with the first k_t regions replaced by x's pixels
 * for k_t = round(t N / T), t = 0..T (N regions, T steps). The effect is the fraction of the way
 * from s(x) to s(b) the score has moved:
 *   deletion effect  d_t = (s(x) - s(x_t)) / (s(x) - s(b))     0 at t = 0, 1 at t = T
 *   insertion effect i_t = (s(x_t) - s(b)) / (s(x) - s(b))     0 at t = 0, 1 at t = T
 * so for both, a ranking that puts the regions the score depends on first rises early and has a
 * large area under the curve (AUC, trapezoid over the removed fraction k_t / N). The random
 * baseline averages the curves of `randomOrders` seeded random permutations.
 */
import type * as tf from '@tensorflow/tfjs';
import { mulberry32, shuffledIndices } from '../random';
import { cellIndexMap, meanCurve, rankCells, trapezoidAuc } from './maps';
import { blendStack, scoreInBatches, type Scorer } from './perturb';
import type { AuditTracker } from './progress';

export interface CurveOptions {
  /** T: points after the start; capped at the number of regions. */
  steps: number;
  randomOrders: number;
  seed: number;
  batchSize: number;
}

export interface CurvePair {
  /** Effect curves [T + 1], see the module comment. */
  deletion: number[];
  insertion: number[];
  deletionAuc: number;
  insertionAuc: number;
}

export interface DeletionResult {
  grid: [number, number];
  /** Removed (deletion) or revealed (insertion) fraction of the regions at each point [T + 1]. */
  fractions: number[];
  /** s(x) and s(b) in model units. */
  scoreOriginal: number;
  scoreBlurred: number;
  /** One pair per named ranking. Effects are NaN when s(x) = s(b). */
  curves: Record<string, CurvePair>;
  /** Mean of the random orders' curves. */
  random: CurvePair;
}

/** Region counts k_t, t = 0..T, for N regions and T = min(steps, N). */
export function stepCounts(regions: number, steps: number): number[] {
  const T = Math.max(1, Math.min(steps, regions));
  return Array.from({ length: T + 1 }, (_, t) => Math.round((t * regions) / T));
}

/** Images scored per ranking: the T - 1 inner points of each curve (the ends are s(x) and s(b)). */
export function imagesPerRanking(regions: number, steps: number): number {
  return 2 * (stepCounts(regions, steps).length - 2);
}

/** Rank of each value among the distinct values (equal values, equal ranks): equal for two maps iff they order the cells alike. */
function denseRanks(values: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b] - values[a]);
  const out = new Int32Array(values.length);
  let rank = 0;
  idx.forEach((cell, i) => {
    if (i > 0 && values[cell] !== values[idx[i - 1]]) rank++;
    out[cell] = rank;
  });
  return out;
}

function pair(fractions: number[], deletion: number[], insertion: number[]): CurvePair {
  return { deletion, insertion, deletionAuc: trapezoidAuc(fractions, deletion), insertionAuc: trapezoidAuc(fractions, insertion) };
}

/**
 * Deletion and insertion curves for each named ranking and for random orders, on one image.
 * Scores 2 + (distinct rankings + randomOrders) * 2 (T - 1) images in batches of `batchSize`.
 * @param image [1, H, W, 3] in [0, 1]
 * @param blurred [1, H, W, 3] the fully blurred image
 * @param rankings importance per region [rows * cols] (higher = removed first); equal values are
 *   ordered at random (seeded)
 */
export async function deletionInsertion(
  scorer: Scorer,
  image: tf.Tensor4D,
  blurred: tf.Tensor4D,
  rankings: Record<string, ArrayLike<number>>,
  grid: [number, number],
  opts: CurveOptions,
  tracker?: AuditTracker,
): Promise<DeletionResult> {
  const [, H, W] = image.shape;
  const [rows, cols] = grid;
  const N = rows * cols;
  const cells = cellIndexMap(H, W, rows, cols);
  const counts = stepCounts(N, opts.steps);
  const T = counts.length - 1;
  const fractions = counts.map((k) => k / N);

  const names = Object.keys(rankings);
  // Rankings that order the regions alike, ties included (GradCAM, HiResCAM, XGradCAM and
  // LayerCAM under a GAP head: the same map up to scale), share one order and one scored curve.
  const tieRand = mulberry32(opts.seed ^ 0x5bd1e995);
  const orders: Int32Array[] = [];
  const seen = new Map<string, number>();
  const orderOf = names.map((name) => {
    const r = rankings[name];
    if (r.length !== N) throw new RangeError(`deletionInsertion: ranking "${name}" has ${r.length} values, the grid ${N}`);
    const key = denseRanks(r).join(',');
    let u = seen.get(key);
    if (u === undefined) {
      u = orders.length;
      seen.set(key, u);
      orders.push(rankCells(r, tieRand));
    }
    return u;
  });
  const unique = orders.length;
  const orderRand = mulberry32(opts.seed);
  for (let i = 0; i < opts.randomOrders; i++) orders.push(Int32Array.from(shuffledIndices(N, orderRand)));
  // position of each region in each order
  const positions = orders.map((order) => {
    const pos = new Int32Array(N);
    order.forEach((cell, i) => (pos[cell] = i));
    return pos;
  });

  const inner = Math.max(0, T - 1);
  const perOrder = 2 * inner;
  const total = 2 + orders.length * perOrder;
  tracker?.plan(-(names.length - unique) * perOrder);
  const make = (start: number, n: number) => {
    const weights = new Float32Array(n * H * W);
    for (let j = 0; j < n; j++) {
      const idx = start + j;
      const w = weights.subarray(j * H * W, (j + 1) * H * W);
      if (idx < 2) {
        w.fill(idx); // 0: the image, 1: the blurred image
        continue;
      }
      const o = Math.floor((idx - 2) / perOrder);
      const within = (idx - 2) % perOrder;
      const insertion = within >= inner;
      const k = counts[(within % inner) + 1];
      const pos = positions[o];
      for (let p = 0; p < H * W; p++) {
        const removed = pos[cells[p]] < k;
        w[p] = removed !== insertion ? 1 : 0;
      }
    }
    return blendStack(image, blurred, weights, n);
  };
  const scores = await scoreInBatches(total, opts.batchSize, make, scorer, tracker);

  const s0 = scores[0];
  const sB = scores[1];
  const denom = s0 - sB;
  const curveOf = (o: number) => {
    const base = 2 + o * perOrder;
    const del = [0];
    const ins = [0];
    for (let t = 1; t < T; t++) {
      del.push((s0 - scores[base + t - 1]) / denom);
      ins.push((scores[base + inner + t - 1] - sB) / denom);
    }
    del.push(1);
    ins.push(1);
    return denom === 0 ? { del: del.map(() => NaN), ins: ins.map(() => NaN) } : { del, ins };
  };
  const curves: Record<string, CurvePair> = {};
  names.forEach((name, i) => {
    const { del, ins } = curveOf(orderOf[i]);
    curves[name] = pair(fractions, del, ins);
  });
  const randomCurves = Array.from({ length: opts.randomOrders }, (_, i) => curveOf(unique + i));
  const random = pair(
    fractions,
    meanCurve(randomCurves.map((c) => c.del)),
    meanCurve(randomCurves.map((c) => c.ins)),
  );
  return { grid, fractions, scoreOriginal: s0, scoreBlurred: sB, curves, random };
}
