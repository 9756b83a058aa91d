import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useStore } from '../state/store';

type History = ReturnType<typeof useStore.getState>['lossHistory'];

function toData(h: History): uPlot.AlignedData {
  return [h.map((_, i) => i), h.map((p) => p.losses.task), h.map((p) => (p.phase === 'steering' ? p.losses.cam : null))];
}

/** Task and CAM loss over read-backs (baseline, then steering), drawn with uPlot outside React rendering. */
export function LossChart() {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const plot = new uPlot(
      {
        width: host.current.clientWidth || 480,
        height: 160,
        legend: { show: true },
        axes: [{ stroke: '#9aa4b1', label: 'read-back (every N steps)' }, { stroke: '#9aa4b1' }],
        scales: { x: { time: false } },
        series: [{}, { label: 'task loss', stroke: '#4cc2ff', width: 1.5 }, { label: 'CAM loss', stroke: '#ff9f43', width: 1.5 }],
      },
      toData(useStore.getState().lossHistory),
      host.current,
    );
    const unsub = useStore.subscribe((s, prev) => {
      if (s.lossHistory !== prev.lossHistory) plot.setData(toData(s.lossHistory));
    });
    return () => {
      unsub();
      plot.destroy();
    };
  }, []);
  return <div ref={host} className="chart" data-testid="loss-chart" />;
}
