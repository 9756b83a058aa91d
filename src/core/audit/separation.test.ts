import { describe, expect, it } from 'vitest';
import { auditSeparation, separationOf } from './separation';
import type { MethodSummary } from './verdict';

const summary = (faithfulnessGap: number, occlusionSpearman: number): MethodSummary => ({
  deletionAuc: null,
  insertionAuc: null,
  randomDeletionAuc: null,
  randomInsertionAuc: null,
  deletionGap: null,
  insertionGap: null,
  faithfulnessGap,
  faithfulnessGapSe: null,
  occlusionSpearman,
  occlusionEnergy: 0.3,
  occlusionChance: 0.2,
  sanitySpearman: 0.1,
  sanitySsim: null,
});

describe('audit separation over seeds', () => {
  it('computes margin, spread and ratio by hand', () => {
    const r = separationOf([0.3, 0.32, 0.34], [0.1, 0.12, 0.11])!;
    expect(r.margin).toBeCloseTo(0.11 - 0.32, 12);
    expect(r.spread).toBeCloseTo(0.04, 12);
    expect(r.ratio).toBeCloseTo(0.21 / 0.04, 9);
    expect(r.separated).toBe(true);
  });

  it('does not separate overlapping seeds, nor a margin within the spread', () => {
    expect(separationOf([0.3, 0.1, 0.2], [0.25, 0.35, 0.3])!.separated).toBe(false);
    // the sets do not overlap, but the margin (0.1) is below the steered spread (0.5)
    expect(separationOf([0.0, 0.01], [0.02, 0.52])!.separated).toBe(false);
    expect(separationOf([0.5, 0.5], [0.5, 0.5])!).toMatchObject({ ratio: 0, separated: false });
  });

  it('skips a signal missing in a seed and ranks the best-separating signal first', () => {
    expect(separationOf([0.1, null], [0.2, 0.3])).toBeNull();
    const base = [0.4, 0.42, 0.41].map((g) => ({ gradcam: summary(g, 0.5) }));
    const steered = [0.1, 0.12, 0.11].map((g, i) => ({ gradcam: summary(g, 0.5 + 0.01 * i) }));
    const out = auditSeparation(base, steered, ['gradcam']);
    expect(out[0]).toMatchObject({ method: 'gradcam', signal: 'faithfulnessGap', separated: true });
    expect(out.find((s) => s.signal === 'occlusionSpearman')!.separated).toBe(false);
    expect(out.some((s) => s.signal === 'sanitySsim')).toBe(false);
    expect(() => auditSeparation(base, steered.slice(1))).toThrow(/seeds/);
  });
});
