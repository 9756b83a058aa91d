import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useStore } from '../state/store';
import { lossChartData } from './lossChartData';

type State = ReturnType<typeof useStore.getState>;

function toData(s: Pick<State, 'lossHistory' | 'liveEnergy' | 'valSrcc'>): uPlot.AlignedData {
  const d = lossChartData(s);
  return [d.x, ...d.series];
}

/** Task loss, CAM loss, energy-in-mask and validation SRCC (right axis, -1..1) over training steps (a new baseline's, then steering), drawn with uPlot outside React rendering. */
export function LossChart() {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const plot = new uPlot(
      {
        width: host.current.clientWidth || 480,
        height: 160,
        legend: { show: true },
        axes: [{ stroke: '#9aa4b1', label: 'step (a new baseline first, then steering)' }, { stroke: '#9aa4b1' }, { stroke: '#5fd38d', scale: 'energy', side: 1 }],
        scales: { x: { time: false }, energy: { range: [-1, 1] } },
        series: [
          // the legend names the x value of the point under the cursor
          { label: 'step' },
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
