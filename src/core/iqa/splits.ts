import { mulberry32, shuffledIndices } from '../random';

/** Reference ids per split. A reference is in exactly one split, with all its distorted copies. */
export interface Splits {
  seed: number;
  train: string[];
  val: string[];
  test: string[];
}

export class SplitError extends Error {
  constructor(detail: string) {
    super(`splits: ${detail}`);
    this.name = 'SplitError';
  }
}

/**
 * Splits reference ids by a seeded shuffle (mulberry32 + Fisher–Yates over the ids sorted,
 * so the order of the input does not matter): the first `val` go to validation, the next
 * `test` to test, the rest to training. Each list is returned sorted.
 */
export function splitByReference(ids: readonly string[], seed: number, counts: { val: number; test: number }): Splits {
  const sorted = [...ids].sort();
  if (new Set(sorted).size !== sorted.length) throw new SplitError('duplicate reference ids');
  if (counts.val < 1 || counts.test < 1 || counts.val + counts.test >= sorted.length) {
    throw new SplitError(`cannot take ${counts.val} validation and ${counts.test} test references from ${sorted.length}`);
  }
  const order = shuffledIndices(sorted.length, mulberry32(seed)).map((i) => sorted[i]);
  const val = order.slice(0, counts.val).sort();
  const test = order.slice(counts.val, counts.val + counts.test).sort();
  const train = order.slice(counts.val + counts.test).sort();
  return { seed, train, val, test };
}

/** Throws unless the splits are disjoint and cover exactly `ids`. */
export function checkSplits(s: Splits, ids: readonly string[]): void {
  const all = [...s.train, ...s.val, ...s.test];
  if (new Set(all).size !== all.length) throw new SplitError('a reference is in more than one split');
  const want = new Set(ids);
  for (const id of all) if (!want.has(id)) throw new SplitError(`unknown reference "${id}"`);
  for (const id of want) if (!all.includes(id)) throw new SplitError(`reference "${id}" is in no split`);
}
