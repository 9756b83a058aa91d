import { qualitySummary, type LabelledImage, type QualitySummary } from '../core/evaluation';
import type { Interval, QualityIntervals } from '../core/stats';

/**
 * The CLI's quality report of a model on an evaluation split: core's qualitySummary (bootstrap
 * intervals over references, the type-and-level oracle from `oracleFrom`) and its text table.
 */
export function splitReport(pred: ArrayLike<number>, images: readonly LabelledImage[], oracleFrom: readonly LabelledImage[] | null): QualitySummary {
  return qualitySummary(pred, images, oracleFrom);
}

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '  -  ');
const ci = (i: Interval) => `${f(i.value)} [${f(i.lo)}, ${f(i.hi)}]`;

function row(name: string, q: QualityIntervals): string {
  return `${name.padEnd(10)}${String(q.references).padStart(5)}${String(q.n).padStart(6)}  ${ci(q.srcc).padEnd(23)}${ci(q.plcc).padEnd(23)}${ci(q.krcc)}`;
}

/** The table: overall, each distortion type, the oracle; then pristine mean and out-of-range count. */
export function splitTable(r: QualitySummary): string[] {
  return [
    `${'images'.padEnd(10)}${'refs'.padStart(5)}${'n'.padStart(6)}  ${'SRCC [95% CI]'.padEnd(23)}${'PLCC [95% CI]'.padEnd(23)}KRCC [95% CI]`,
    row('all', r.overall),
    ...Object.entries(r.byType).map(([t, q]) => row(t, q)),
    ...(r.oracle ? [row('oracle', r.oracle)] : []),
    `undistorted images: mean score ${f(r.pristine.meanScore)} (${r.pristine.n}); scores outside 0-100: ${r.outOfRange}`,
    'intervals: 95% bootstrap over reference photos; oracle: each image predicted by the mean label of its distortion type and level on other references',
  ];
}
