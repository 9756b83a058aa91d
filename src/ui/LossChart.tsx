import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useStore } from '../state/store';

type History = ReturnType<typeof useStore.getState>['lossHistory'];

type State = ReturnType<typeof useStore.getState>;

function toData(s: Pick<State, 'lossHistory' | 'liveEnergy' | 'valSrcc'>): uPlot.AlignedData {
  const h = s.lossHistory;
  const energy = new Map(s.liveEnergy.map((e) => [e.step, e.energy]));
  const val = new Map(s.valSrcc.map((e) => [e.step, e.srcc]));
  const steering = (p: History[number], v: number | undefined) => (p.phase === 'steering' ? (v ?? null) : null);
  return [
    h.map((_, i) => i),
    h.map((p) => p.losses.task),
    h.map((p) => steering(p, p.losses.cam)),
    h.map((p) => steering(p, energy.get(p.step))),
    h.map((p) => steering(p, val.get(p.step))),
  ];
}

/** Task loss, CAM loss, energy-in-mask and validation SRCC (right axis, -1..1) over read-backs (baseline, then steering), drawn with uPlot outside React rendering. */
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
        scales: { x: { time: false }, energy: { range: [-1, 1] } },
        series: [
          {},
          { label: 'task loss', stroke: '#4cc2ff', width: 1.5 },
          { label: 'CAM loss', stroke: '#ff9f43', width: 1.5 },
          { label: 'energy in mask', stroke: '#5fd38d', width: 1.5, scale: 'energy' },
          { label: 'validation SRCC', stroke: '#c792ea', width: 1.5, scale: 'energy', spanGaps: true },
        ],
      },
      toData(useStore.getState()),
      host.current,
    );
    const unsub = useStore.subscribe((s, prev) => {
      if (s.lossHistory !== prev.lossHistory || s.liveEnergy !== prev.liveEnergy || s.valSrcc !== prev.valSrcc) plot.setData(toData(s));
    });
    return () => {
      unsub();
      plot.destroy();
    };
  }, []);
  return <div ref={host} className="chart" data-testid="loss-chart" />;
}
