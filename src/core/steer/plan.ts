import { batchSampler } from '../batch';

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
