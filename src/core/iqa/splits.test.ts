import { describe, expect, it } from 'vitest';
import { checkSplits, SplitError, splitByReference } from './splits';

const ids = Array.from({ length: 16 }, (_, i) => `ref${String(i).padStart(2, '0')}`);

describe('splitByReference', () => {
  it('gives disjoint splits of the asked sizes that cover every reference', () => {
    const s = splitByReference(ids, 42, { val: 3, test: 3 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([10, 3, 3]);
    expect(() => checkSplits(s, ids)).not.toThrow();
    expect(s.seed).toBe(42);
  });
  it('depends on the seed only, not on the order of the ids', () => {
    const a = splitByReference(ids, 42, { val: 3, test: 3 });
    const b = splitByReference([...ids].reverse(), 42, { val: 3, test: 3 });
    const c = splitByReference(ids, 43, { val: 3, test: 3 });
    expect(b).toEqual(a);
    expect(c.test).not.toEqual(a.test);
  });
  it('refuses impossible counts and duplicates; checkSplits catches overlap', () => {
    expect(() => splitByReference(ids.slice(0, 4), 1, { val: 2, test: 2 })).toThrow(SplitError);
    expect(() => splitByReference(['a', 'a', 'b', 'c'], 1, { val: 1, test: 1 })).toThrow(/duplicate/);
    const s = splitByReference(ids, 1, { val: 3, test: 3 });
    expect(() => checkSplits({ ...s, train: [...s.train, s.test[0]] }, ids)).toThrow(/more than one/);
    expect(() => checkSplits({ ...s, train: s.train.slice(1) }, ids)).toThrow(/no split/);
  });
});
