import type { AppState } from '../state/store';

type Series = (number | null)[];

/**
 * The loss chart's data: x in training steps — a new baseline's steps first, then the steering
 * steps after them — and the task loss, the CAM loss, energy-in-mask and validation SRCC at each
 * read-back (the last three only while steering).
 */
export function lossChartData(s: Pick<AppState, 'lossHistory' | 'liveEnergy' | 'valSrcc'>): { x: number[]; series: [Series, Series, Series, Series] } {
  const h = s.lossHistory;
  const energy = new Map(s.liveEnergy.map((e) => [e.step, e.energy]));
  const val = new Map(s.valSrcc.map((e) => [e.step, e.srcc]));
  const baselineEnd = h.reduce((m, p) => (p.phase === 'steering' ? m : Math.max(m, p.step)), 0);
  const steering = (p: (typeof h)[number], v: number | undefined) => (p.phase === 'steering' ? (v ?? null) : null);
  return {
    x: h.map((p) => (p.phase === 'steering' ? baselineEnd + p.step : p.step)),
    series: [h.map((p) => p.losses.task), h.map((p) => steering(p, p.losses.cam)), h.map((p) => steering(p, energy.get(p.step))), h.map((p) => steering(p, val.get(p.step)))],
  };
}
