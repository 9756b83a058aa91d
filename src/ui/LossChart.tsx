import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useStore } from '../state/store';

type History = ReturnType<typeof useStore.getState>['lossHistory'];

type Frames = ReturnType<typeof useStore.getState>['liveEnergy'];

function toData(h: History, energy: Frames): uPlot.AlignedData {
  const byStep = new Map(energy.map((e) => [e.step, e.energy]));
  return [
    h.map((_, i) => i),
    h.map((p) => p.losses.task),
    h.map((p) => (p.phase === 'steering' ? p.losses.cam : null)),
    h.map((p) => (p.phase === 'steering' ? (byStep.get(p.step) ?? null) : null)),
  ];
}

/** Task loss, CAM loss and energy-in-mask over read-backs (baseline, then steering), drawn with uPlot outside React rendering. */
export function LossChart() {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const plot = new uPlot(
      {
        width: host.current.clientWidth || 480,
        height: 160,
        legend: { show: true },
        axes: [{ stroke: '#9aa4b1', label: 'read-back (every N steps)' }, { stroke: '#9aa4b1' }, { stroke: '#5fd38d', scale: 'energy', side: 1 }],
        scales: { x: { time: false }, energy: { range: [0, 1] } },
        series: [
          {},
          { label: 'task loss', stroke: '#4cc2ff', width: 1.5 },
          { label: 'CAM loss', stroke: '#ff9f43', width: 1.5 },
          { label: 'energy in mask', stroke: '#5fd38d', width: 1.5, scale: 'energy' },
        ],
      },
      toData(useStore.getState().lossHistory, useStore.getState().liveEnergy),
      host.current,
    );
    const unsub = useStore.subscribe((s, prev) => {
      if (s.lossHistory !== prev.lossHistory || s.liveEnergy !== prev.liveEnergy) plot.setData(toData(s.lossHistory, s.liveEnergy));
    });
    return () => {
      unsub();
      plot.destroy();
    };
  }, []);
  return <div ref={host} className="chart" data-testid="loss-chart" />;
}
