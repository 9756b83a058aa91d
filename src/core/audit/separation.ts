/**
 * Does the audit tell a steered model from its baseline, beyond seed-to-seed noise?
 * Input: the audit summaries of a baseline and of a steered model, one per seed (the same seeds,
 * images and audit options for both). Per CAM method and signal:
 *
 *   margin = mean(steered) - mean(baseline)
 *   spread = max(range(steered), range(baseline))      range = max - min over the seeds
 *   separated when |margin| > spread and the two sets of values do not overlap
 *
 * Free of tfjs.
 */
import { CAM_METHODS, type CamMethod } from '../camMethods';
import type { AuditSummary, MethodSummary } from './verdict';

/** The audit's signals, each a number per method (docs/audit.md). */
export const SIGNALS = {
  faithfulnessGap: (s: MethodSummary) => s.faithfulnessGap,
  occlusionSpearman: (s: MethodSummary) => s.occlusionSpearman,
  occlusionEnergyLift: (s: MethodSummary) => (s.occlusionEnergy === null || s.occlusionChance === null ? null : s.occlusionEnergy - s.occlusionChance),
  sanitySpearman: (s: MethodSummary) => s.sanitySpearman,
  sanitySsim: (s: MethodSummary) => s.sanitySsim,
} as const satisfies Record<string, (s: MethodSummary) => number | null>;
export type Signal = keyof typeof SIGNALS;
export const SIGNAL_NAMES = Object.keys(SIGNALS) as Signal[];

export interface SignalSeparation {
  method: CamMethod;
  signal: Signal;
  /** Values per seed, in the order given. */
  baseline: number[];
  steered: number[];
  margin: number;
  spread: number;
  /** |margin| / spread (Infinity when spread is 0 and margin is not). */
  ratio: number;
  separated: boolean;
}

const range = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Separation of one signal; null when a seed lacks the value. */
export function separationOf(baseline: readonly (number | null)[], steered: readonly (number | null)[]): Omit<SignalSeparation, 'method' | 'signal'> | null {
  if (baseline.length < 2 || steered.length < 2) throw new Error('separation needs at least two seeds per model');
  if (baseline.some((v) => v === null || !Number.isFinite(v)) || steered.some((v) => v === null || !Number.isFinite(v))) return null;
  const b = baseline as number[];
  const s = steered as number[];
  const margin = mean(s) - mean(b);
  const spread = Math.max(range(s), range(b));
  const apart = Math.min(...s) > Math.max(...b) || Math.max(...s) < Math.min(...b);
  const ratio = spread > 0 ? Math.abs(margin) / spread : margin === 0 ? 0 : Infinity;
  return { baseline: b, steered: s, margin, spread, ratio, separated: apart && Math.abs(margin) > spread };
}

/** Every method x signal, the best-separating (largest ratio) first. */
export function auditSeparation(baseline: readonly AuditSummary[], steered: readonly AuditSummary[], methods: readonly CamMethod[] = CAM_METHODS): SignalSeparation[] {
  if (baseline.length !== steered.length) throw new Error(`separation: ${baseline.length} baseline seeds but ${steered.length} steered`);
  const out: SignalSeparation[] = [];
  for (const method of methods) {
    for (const signal of SIGNAL_NAMES) {
      const get = (a: AuditSummary) => {
        const m = a[method];
        return m ? SIGNALS[signal](m) : null;
      };
      const r = separationOf(baseline.map(get), steered.map(get));
      if (r) out.push({ method, signal, ...r });
    }
  }
  return out.sort((a, b) => b.ratio - a.ratio);
}
