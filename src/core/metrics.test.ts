import { describe, expect, it } from 'vitest';
import { averageRanks, krcc, MetricInputError, plcc, qualityMetrics, srcc } from './metrics';

describe('averageRanks', () => {
  it('gives tied values the mean of the ranks they span', () => {
    // scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
    expect(Array.from(averageRanks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]))).toEqual([
      4.5, 1.5, 6, 1.5, 8, 11, 3, 10, 8, 4.5, 8,
    ]);
  });
});

describe('plcc', () => {
  it('matches a hand computation', () => {
    // x = [1,2,3], y = [1,2,4]: sxy = 3, sxx = 2, syy = 42/9 -> r = 9 / sqrt(84)
    expect(plcc([1, 2, 3], [1, 2, 4])).toBeCloseTo(9 / Math.sqrt(84), 12);
  });
  it('is 1 / -1 for exact linear relations and invariant to affine maps', () => {
    const x = [0.3, 1.7, -2, 5, 4.4];
    expect(plcc(x, x.map((v) => 3 * v + 7))).toBeCloseTo(1, 12);
    expect(plcc(x, x.map((v) => -0.5 * v + 1))).toBeCloseTo(-1, 12);
  });
  it('is not a rank statistic: a monotone but non-linear map gives < 1', () => {
    const x = [1, 2, 3, 4, 5];
    expect(plcc(x, x.map((v) => Math.exp(v)))).toBeLessThan(0.95);
    expect(srcc(x, x.map((v) => Math.exp(v)))).toBe(1);
  });
});

describe('srcc', () => {
  it('reproduces the textbook IQ vs TV-hours example (rho = -29/165)', () => {
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    expect(srcc(iq, tv)).toBeCloseTo(-29 / 165, 12);
  });
  it('handles ties with average ranks (hand computed)', () => {
    // ranks x = [1, 2.5, 2.5, 4], y = [1, 3.5, 2, 3.5]: sxy = 3.75, sxx = syy = 4.5
    expect(srcc([1, 2, 2, 3], [1, 3, 2, 3])).toBeCloseTo(3.75 / 4.5, 12);
  });
  it('matches scipy.stats.spearmanr on the scipy kendalltau docs data (ties in both)', () => {
    expect(srcc([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.5407380704358752, 12);
  });
});

describe('krcc (tau-b)', () => {
  it('handles ties in x only and in y only (hand computed: P=4, Q=0, Tx=1, Ty=1 -> 0.8)', () => {
    expect(krcc([1, 2, 2, 3], [1, 3, 2, 3])).toBeCloseTo(0.8, 12);
  });
  it('matches the scipy.stats.kendalltau docs example (-0.47140452079103173)', () => {
    expect(krcc([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.47140452079103173, 12);
  });
  it('without ties equals (P - Q) / (n choose 2)', () => {
    // IQ / TV: scipy gives -1/9 (P = 20, Q = 25 of 45 pairs)
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    expect(krcc(iq, tv)).toBeCloseTo(-5 / 45, 12);
  });
  it('is 1 for identical rankings and -1 for reversed ones', () => {
    expect(krcc([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(krcc([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
  });
});

describe('qualityMetrics', () => {
  it('agrees with scipy on a tie-heavy random case', () => {
    // numpy default_rng(0): u = round(N(0,1), 1), v = round(u + N(0,1), 1); values from scipy 1.17
    const u = [0.1, -0.1, 0.6, 0.1, -0.5, 0.4, 1.3, 0.9, -0.7, -1.3, -0.6, 0.0, -2.3, -0.2, -1.2, -0.7, -0.5, -0.3, 0.4, 1.0, -0.1, 1.4, -0.7, 0.4, 0.9, 0.1, -0.7, -0.9, -0.5, 0.2];
    const v = [-0.9, -0.3, 0.4, 0.6, -0.3, 0.8, 0.6, 0.8, 0.1, 0.2, -1.9, 1.5, -1.0, 0.6, -0.9, -1.0, 1.0, 1.7, 2.2, 2.3, 0.3, 0.2, -0.7, 1.1, -0.4, 0.5, -0.3, -0.2, -1.7, -0.5];
    const m = qualityMetrics(u, v);
    expect(m.n).toBe(30);
    expect(m.srcc).toBeCloseTo(0.5215550808440804, 10);
    expect(m.krcc).toBeCloseTo(0.3463939114768713, 10);
    expect(m.plcc).toBeCloseTo(0.48018356231823084, 10);
  });
  it('returns NaN where undefined and refuses bad input', () => {
    expect(srcc([1], [2])).toBeNaN();
    expect(plcc([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(krcc([2, 2, 2], [1, 2, 3])).toBeNaN();
    expect(() => srcc([1, 2], [1])).toThrow(MetricInputError);
    expect(() => plcc([1, NaN], [1, 2])).toThrow(MetricInputError);
  });
});
