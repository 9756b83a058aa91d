import { describe, expect, it } from 'vitest';
import { lossChartData } from './lossChartData';

const losses = (task: number) => ({ total: task, task, cam: task / 2 });

describe('loss chart data', () => {
  it('puts the read-backs at their steps, steering after the baseline', () => {
    const d = lossChartData({
      lossHistory: [
        { phase: 'baseline', step: 5, losses: losses(1) },
        { phase: 'baseline', step: 10, losses: losses(0.9) },
        { phase: 'steering', step: 5, losses: losses(0.5) },
        { phase: 'steering', step: 10, losses: losses(0.4) },
      ],
      liveEnergy: [{ step: 5, energy: 0.3 }, { step: 10, energy: 0.4 }],
      valSrcc: [{ step: 10, srcc: 0.8, base: 0.81 }],
    });
    expect(d.x).toEqual([5, 10, 15, 20]);
    expect(d.series[0]).toEqual([1, 0.9, 0.5, 0.4]);
    expect(d.series[1]).toEqual([null, null, 0.25, 0.2]);
    expect(d.series[2]).toEqual([null, null, 0.3, 0.4]);
    expect(d.series[3]).toEqual([null, null, null, 0.8]);
  });

  it('steering alone: x is the steering step, read every N steps', () => {
    const d = lossChartData({
      lossHistory: [5, 10, 15].map((step) => ({ phase: 'steering' as const, step, losses: losses(0.5) })),
      liveEnergy: [],
      valSrcc: [],
    });
    expect(d.x).toEqual([5, 10, 15]);
  });
});
