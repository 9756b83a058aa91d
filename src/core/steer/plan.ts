import { batchSampler } from '../batch';
import { mulberry32, shuffledIndices } from '../random';

/**
 * Which samples a run trains on and how its batches are mixed, from each sample's reference id.
 * Pure index arithmetic, shared by the app's worker and unit-tested on its own.
 */

export interface SteeringPlan {
  /** Samples of the steered references (their distorted copies included). */
  own: number[];
  /** Other training samples, replayed for the quality loss only. */
  rest: number[];
  /** Indices of the next batch: half own, half rest (all own when there is no rest). */
  next(): number[];
}

/**
 * @param refIds each sample's reference id, in sample order
 * @param targets the references steered toward their masks
 * @param opts.exclude references never trained on (the test split), except a steered one
 * @param opts.replay mix the other references in (the app's single-photo run); false trains on
 *   the steered references only (the multi-target reproduction, where every photo has a mask)
 */
export function steeringPlan(
  refIds: readonly string[],
  targets: ReadonlySet<string>,
  opts: { exclude: ReadonlySet<string> | null; replay: boolean; batchSize: number; seed: number },
): SteeringPlan {
  const own = refIds.flatMap((r, i) => (targets.has(r) ? [i] : []));
  const rest = opts.replay ? refIds.flatMap((r, i) => (!targets.has(r) && !opts.exclude?.has(r) ? [i] : [])) : [];
  if (!own.length) throw new Error('steeringPlan: no sample belongs to a steered photo');
  const half = rest.length ? Math.ceil(opts.batchSize / 2) : opts.batchSize;
  const nextOwn = batchSampler(own, half, opts.seed + 1);
  const nextRest = batchSampler(rest, opts.batchSize - half, opts.seed + 2);
  return { own, rest, next: () => (rest.length ? [...nextOwn(), ...nextRest()] : nextOwn()) };
}

/** Batches of a quality-only run over every sample outside `exclude` (all samples when that leaves none). */
export function trainingPool(refIds: readonly string[], exclude: ReadonlySet<string> | null): number[] {
  const pool = refIds.flatMap((r, i) => (exclude?.has(r) ? [] : [i]));
  return pool.length ? pool : refIds.map((_, i) => i);
}

/**
 * Batches of one reference photo each: the references in a seeded shuffled cycle, and for each up
 * to `batchSize` of its items in a seeded shuffled order. Whole images of one photo share a size,
 * so a fully convolutional model can train on them uncropped (positions within the image intact).
 */
export function referenceBatches(refIds: readonly string[], batchSize: number, seed: number): () => number[] {
  const byRef = new Map<string, number[]>();
  refIds.forEach((r, i) => (byRef.get(r) ?? byRef.set(r, []).get(r)!).push(i));
  const refs = [...byRef.keys()];
  const rand = mulberry32(seed);
  let order: string[] = [];
  return () => {
    if (!order.length) order = shuffledIndices(refs.length, rand).map((i) => refs[i]);
    const items = byRef.get(order.pop()!)!;
    return shuffledIndices(items.length, rand)
      .slice(0, batchSize)
      .map((i) => items[i]);
  };
}
