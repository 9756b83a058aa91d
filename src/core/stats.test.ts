import { describe, expect, it } from 'vitest';
import { srcc } from './metrics';
import { bootstrap, groupIndices, pairedDifference, qualityIntervals, quantile, typeLevelOracle } from './stats';

describe('bootstrap over references', () => {
  it('groups items by reference in first-seen order', () => {
    expect(groupIndices(['a', 'b', 'a', 'c', 'b'])).toEqual([[0, 2], [1, 4], [3]]);
  });

  it('quantiles interpolate between order statistics', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('a statistic that is the same on every draw has a zero-width interval', () => {
    const r = bootstrap([[0], [1], [2]], () => 0.7);
    expect(r).toEqual({ value: 0.7, lo: 0.7, hi: 0.7 });
  });

  it('the mean of group sizes: the interval covers the true mean and comes from whole groups', () => {
    // 10 references with 1..10 images each; the statistic is the number of drawn images / 10
    const groups = Array.from({ length: 10 }, (_, g) => Array.from({ length: g + 1 }, (_, k) => g * 100 + k));
    const r = bootstrap(groups, (idx) => idx.length / 10, { draws: 4000, seed: 3 });
    expect(r.value).toBe(5.5);
    expect(r.lo).toBeLessThan(5.5);
    expect(r.hi).toBeGreaterThan(5.5);
    // draws are sums of 10 group sizes: every value is a whole number of images
    expect(Number.isInteger(r.lo * 10)).toBe(true);
    // a normal approximation: sd of the mean of 10 draws from 1..10 is 2.87 / sqrt(10) = 0.91
    expect(r.hi - r.lo).toBeGreaterThan(2.5);
    expect(r.hi - r.lo).toBeLessThan(4.5);
  });

  it('resamples references, not images: copies of one photo move together', () => {
    // two references, each with 20 images whose predictions rank perfectly within the reference
    // but the second reference's predictions are offset the wrong way
    const label: number[] = [];
    const pred: number[] = [];
    const ref: string[] = [];
    for (let i = 0; i < 20; i++) {
      label.push(i, i + 5);
      pred.push(i, i - 30);
      ref.push('a', 'b');
    }
    const q = qualityIntervals(pred, label, ref, { draws: 500, seed: 1 });
    expect(q.references).toBe(2);
    expect(q.srcc.value).toBeCloseTo(srcc(pred, label), 12);
    // a draw is 'a' twice or 'b' twice (each ranks perfectly: SRCC 1) or both (the full set's
    // value); no draw mixes single images of the two
    expect(q.srcc.hi).toBeCloseTo(1, 12);
    expect(q.srcc.lo).toBeCloseTo(q.srcc.value, 12);
    expect(q.srcc.value).toBeLessThan(0.5);
  });

  it('a paired difference of a model with itself is exactly zero', () => {
    const pred = [1, 5, 2, 8, 3, 9];
    const label = [1, 4, 2, 9, 3, 7];
    const ref = ['a', 'a', 'b', 'b', 'c', 'c'];
    expect(pairedDifference(pred, pred, label, ref)).toEqual({ value: 0, lo: 0, hi: 0 });
    const worse = [9, 5, 2, 8, 3, 1];
    const d = pairedDifference(pred, worse, label, ref, 'srcc', { draws: 300 });
    expect(d.value).toBeLessThan(0);
    expect(d.lo).toBeLessThanOrEqual(d.value);
  });
});

describe('typeLevelOracle', () => {
  it('predicts the mean training label of the same type and level, else the overall mean', () => {
    const train = [
      { distortion: 'blur', level: 1, score: 80 },
      { distortion: 'blur', level: 1, score: 90 },
      { distortion: 'noise', level: 1, score: 40 },
      { distortion: null, level: 0, score: 100 },
    ];
    const p = typeLevelOracle(train, [
      { distortion: 'blur', level: 1 },
      { distortion: 'noise', level: 1 },
      { distortion: null, level: 0 },
      { distortion: 'jpeg', level: 3 },
    ]);
    expect(Array.from(p)).toEqual([85, 40, 100, 77.5]);
  });
});
