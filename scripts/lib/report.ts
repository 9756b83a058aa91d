import { qualityMetrics, type QualityMetrics } from '../../src/core/metrics';
import type { IqaSample } from '../../src/core/iqa/samples';

export interface SplitReport {
  /** Distorted images only (the pristine references, all scored 100, are left out). */
  overall: QualityMetrics;
  byType: Record<string, QualityMetrics>;
}

/** Metrics of predictions on the distorted images of a set, overall and per distortion type. */
export function reportOf(samples: readonly IqaSample[], pred: ArrayLike<number>): SplitReport {
  const idx = samples.map((s, i) => (s.distortion !== null ? i : -1)).filter((i) => i >= 0);
  const m = (ii: number[]) => qualityMetrics(ii.map((i) => pred[i]), ii.map((i) => samples[i].score));
  const types = [...new Set(idx.map((i) => samples[i].distortion as string))];
  return {
    overall: m(idx),
    byType: Object.fromEntries(types.map((t) => [t, m(idx.filter((i) => samples[i].distortion === t))])),
  };
}

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '  NaN ');

export function formatReport(title: string, r: SplitReport): string {
  const rows = [...Object.entries(r.byType), ['overall', r.overall] as const];
  const lines = [title, 'type        n    SRCC    PLCC    KRCC'];
  for (const [name, m] of rows) lines.push(`${name.padEnd(9)} ${String(m.n).padStart(3)}  ${f(m.srcc)}  ${f(m.plcc)}  ${f(m.krcc)}`);
  return lines.join('\n');
}

export function rounded(r: SplitReport): SplitReport {
  const q = (m: QualityMetrics): QualityMetrics => ({ n: m.n, srcc: +m.srcc.toFixed(4), plcc: +m.plcc.toFixed(4), krcc: +m.krcc.toFixed(4) });
  return { overall: q(r.overall), byType: Object.fromEntries(Object.entries(r.byType).map(([k, v]) => [k, q(v)])) };
}
