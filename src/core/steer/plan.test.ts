import { describe, expect, it } from 'vitest';
import { referenceBatches, steeringPlan, trainingPool } from './plan';

// two photos of each reference: a (steered), b, c (other training photos), t (test split)
const refs = ['a', 'a', 'b', 'b', 'c', 'c', 't', 't'];
const test = new Set(['t']);

describe('steeringPlan', () => {
  it('fills half of each batch with the steered photo and half with other training photos, never the test split', () => {
    const plan = steeringPlan(refs, new Set(['a']), { exclude: test, replay: true, batchSize: 4, seed: 7 });
    expect(plan.own).toEqual([0, 1]);
    expect(plan.rest).toEqual([2, 3, 4, 5]);
    for (let k = 0; k < 10; k++) {
      const b = plan.next();
      expect(b.length).toBe(4);
      expect(b.slice(0, 2).every((i) => refs[i] === 'a')).toBe(true);
      expect(b.slice(2).every((i) => refs[i] === 'b' || refs[i] === 'c')).toBe(true);
    }
  });

  it('trains a steered test photo, and only the steered photos without replay', () => {
    const plan = steeringPlan(refs, new Set(['t', 'b']), { exclude: test, replay: false, batchSize: 4, seed: 1 });
    expect(plan.own).toEqual([2, 3, 6, 7]);
    expect(plan.rest).toEqual([]);
    const seen = new Set([...plan.next(), ...plan.next()]);
    expect([...seen].sort()).toEqual([2, 3, 6, 7]);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const p = steeringPlan(refs, new Set(['a']), { exclude: test, replay: true, batchSize: 4, seed });
      return Array.from({ length: 6 }, () => p.next());
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it('refuses a plan without a steered sample', () => {
    expect(() => steeringPlan(refs, new Set(['zzz']), { exclude: null, replay: true, batchSize: 2, seed: 0 })).toThrow(/no sample/);
  });
});

describe('trainingPool', () => {
  it('leaves out the test split, or keeps everything when that leaves nothing', () => {
    expect(trainingPool(refs, test)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(trainingPool(['t', 't'], test)).toEqual([0, 1]);
    expect(trainingPool(refs, null)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('referenceBatches', () => {
  it('each batch holds items of one reference, and every reference comes once per cycle', () => {
    const ids = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c'];
    const next = referenceBatches(ids, 3, 5);
    const seen: string[] = [];
    for (let k = 0; k < 3; k++) {
      const b = next();
      expect(b.length).toBeLessThanOrEqual(3);
      expect(new Set(b.map((i) => ids[i])).size).toBe(1);
      seen.push(ids[b[0]]);
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    expect(referenceBatches(ids, 3, 5)()).toEqual(referenceBatches(ids, 3, 5)());
  });
});
