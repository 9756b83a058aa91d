import { useEffect, useRef, useState } from 'react';
import { client, download } from '../client/workerClient';
import { metricsRows, toCsv } from '../client/reports';
import { CAM_METHODS, CAM_METHOD_LABELS, type CamMethod } from '../core/camMethods';
import type { CompareCell } from '../protocol/messages';
import { COLORMAPS, type Colormap } from '../core/colormap';
import { gridPng } from '../render/grid';
import { drawHeatmapOverlay } from '../render/heatmap';
import { maskOf, useStore, usePick } from '../state/store';
import { MetricsTable } from './MetricsTable';
import { PhotoPicks } from './PhotoPicks';
import { ProgressBar } from './ProgressBar';
import { useImage } from './useImage';

/** Widest a grid cell grows (one ticked model must not stretch its cells to the panel's width). */
const CELL_MAX = 240;

function CellCanvas({ cell, url, size, onOpen, testId }: { cell: CompareCell | undefined; url: string; size: number; onOpen?: () => void; testId: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const img = useImage(url);
  const mask = useStore((s) => maskOf(s, cell?.imageId ?? null));
  const colormap = useStore((s) => s.colormap);
  const opacity = useStore((s) => s.opacity);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) drawHeatmapOverlay(ctx, img, cell ?? null, { colormap, opacity, outline: mask });
  }, [img, cell, mask, colormap, opacity]);
  return (
    <button className="cell" onClick={onOpen} disabled={!cell} data-testid={testId} data-energy={cell?.alignment.energy.toFixed(6) ?? ''}>
      <canvas ref={canvas} width={size} height={size} />
      {cell && <span className="cell-label">in mask {(cell.alignment.energy * 100).toFixed(1)}% · q {cell.score.toFixed(1)}</span>}
    </button>
  );
}

function CellModal({ cell, url, onClose }: { cell: CompareCell; url: string; onClose: () => void }) {
  const raw = useRef<HTMLCanvasElement>(null);
  const mask = useStore((s) => maskOf(s, cell.imageId));
  const colormap = useStore((s) => s.colormap);
  const model = useStore((s) => s.models.find((m) => m.id === cell.modelId));
  useEffect(() => {
    const ctx = raw.current?.getContext('2d');
    if (ctx) drawHeatmapOverlay(ctx, null, cell, { colormap, opacity: 1, outline: mask });
  }, [cell, mask, colormap]);
  const table = useStore((s) => (s.scoreTable?.modelId === cell.modelId && s.scoreTable.imageId === cell.imageId ? s.scoreTable : null));
  useEffect(() => client.scores(cell.modelId, cell.imageId), [cell.modelId, cell.imageId]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const a = cell.alignment;
  return (
    <div className="modal-backdrop" onClick={onClose} data-testid="cell-modal">
      <div className="modal" role="dialog" aria-label="Heatmap detail" onClick={(e) => e.stopPropagation()}>
        <div className="panel-head">
          <h2>{model?.name} · {CAM_METHOD_LABELS[cell.method]}</h2>
          <button onClick={onClose} aria-label="Close">×</button>
        </div>
        <div className="side-by-side">
          <CellCanvas cell={cell} url={url} size={360} testId="modal-overlay" />
          <figure>
            <canvas ref={raw} width={360} height={360} className="heat" />
            <figcaption>Raw map at feature resolution ({cell.width}×{cell.height}), dashed: mask</figcaption>
          </figure>
        </div>
        <table className="metrics">
          <tbody>
            <tr><th>score</th><td>{cell.score.toFixed(2)}</td><th>energy in mask</th><td>{(a.energy * 100).toFixed(1)}%</td></tr>
            <tr><th>pointing game</th><td>{a.pointing ? 'hit' : 'miss'}</td><th>IoU@0.5</th><td>{a.iou50.toFixed(3)}</td></tr>
            <tr><th>mean IoU</th><td>{a.meanIou.toFixed(3)}</td><th>AUC</th><td>{Number.isNaN(a.auc) ? '–' : a.auc.toFixed(3)}</td></tr>
          </tbody>
        </table>
        <h3 className="small-head">Predicted quality next to the label (MS-SSIM mapped to 0–100)</h3>
        {table ? (
          <table className="metrics" data-testid="score-table">
            <thead><tr><th>copy</th><th>level</th><th>label</th><th>predicted</th></tr></thead>
            <tbody>
              {table.rows.map((r, i) => (
                <tr key={i}><td>{r.distortion ?? 'pristine'}</td><td>{r.level || '–'}</td><td>{r.label.toFixed(1)}</td><td>{r.predicted.toFixed(1)}</td></tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">Scoring the photo's distorted copies…</p>
        )}
      </div>
    </div>
  );
}

export function CompareGrid() {
  const { models, photos, compareModelIds: modelIds, compareImageIds: imageIds, camMethod: method, colormap, opacity, cells, evalProgress: progress, running, stage, maskScope, sharedMask, imageMasks } = usePick('models', 'photos', 'compareModelIds', 'compareImageIds', 'camMethod', 'colormap', 'opacity', 'cells', 'evalProgress', 'running', 'stage', 'maskScope', 'sharedMask', 'imageMasks');
  const st = useStore.getState();
  const [open, setOpen] = useState<CompareCell | null>(null);

  const cols = modelIds.map((id) => models.find((m) => m.id === id)).filter((m) => m !== undefined);
  const rows = imageIds.map((id) => photos.find((p) => p.id === id)).filter((p) => p !== undefined);

  useEffect(() => {
    if (stage === 'ready' && !running && cols.length && rows.length) client.evaluate();
    // re-render when the selection, the method or the mask change
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [modelIds.join(), imageIds.join(), method, maskScope, sharedMask, imageMasks, stage, running]);

  const exportPng = async () => {
    const images = await Promise.all(rows.map((p) => new Promise<HTMLImageElement | null>((res) => {
      const i = new Image();
      i.onload = () => res(i);
      i.onerror = () => res(null);
      i.src = p.url;
    })));
    const blob = await gridPng({
      rows: rows.map((p, i) => ({ id: p.id, label: p.name, image: images[i] })),
      cols: cols.map((m) => ({ id: m.id, label: m.name })),
      cells, maskOf: (id) => maskOf(st, id), colormap, opacity, cellSize: 220,
    });
    download(blob, `camsteer-grid-${method}.png`);
  };
  const rowsForTable = metricsRows(cols);

  return (
    <div className="panel" data-testid="compare-grid">
      <div className="panel-head">
        <h2>Compare models</h2>
        <label className="inline">
          CAM method{' '}
          <select value={method} onChange={(e) => st.setCamMethod(e.target.value as CamMethod)} data-testid="cam-method">
            {CAM_METHODS.map((m) => <option key={m} value={m}>{CAM_METHOD_LABELS[m]}</option>)}
          </select>
        </label>
        <label className="inline">
          Colormap{' '}
          <select value={colormap} onChange={(e) => st.setColormap(e.target.value as Colormap)} data-testid="grid-colormap">
            {COLORMAPS.map((c) => <option key={c}>{c}</option>)}
          </select>
        </label>
        <label className="inline">
          Opacity <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => st.setOpacity(Number(e.target.value))} />
        </label>
        <button className="small" disabled={!cols.length || !rows.length} onClick={() => void exportPng()} data-testid="export-png">PNG</button>
        <button className="small" disabled={!cols.length} onClick={() => download(new Blob([toCsv(rowsForTable)], { type: 'text/csv' }), 'camsteer-metrics.csv')} data-testid="export-csv">CSV</button>
        <button className="small" disabled={!cols.length} onClick={() => download(new Blob([JSON.stringify(rowsForTable, null, 2)], { type: 'application/json' }), 'camsteer-metrics.json')} data-testid="export-json">JSON</button>
      </div>
      <PhotoPicks testIdPrefix="grid-" label="Photos in the grid" />
      {progress && <ProgressBar label={`Compare grid evaluation (heatmaps and metrics, not training) ${progress.done}/${progress.total}`} value={progress.done} max={progress.total} testId="eval-progress" />}
      {cols.length && rows.length ? (
        <div className="grid" style={{ gridTemplateColumns: `120px repeat(${cols.length}, minmax(140px, ${CELL_MAX}px))` }} data-testid="grid" data-method={method} data-colormap={colormap} data-cells={Object.keys(cells).length}>
          <div />
          {cols.map((m) => <div key={m.id} className="grid-head">{m.name}</div>)}
          {rows.map((p) => (
            <div key={p.id} style={{ display: 'contents' }}>
              <div className="grid-row-head">{p.name}</div>
              {cols.map((m) => {
                const cell = cells[`${m.id}|${p.id}`];
                return <CellCanvas key={m.id} cell={cell} url={p.url} size={200} onOpen={() => cell && setOpen(cell)} testId={`cell-${m.id}-${p.id}`} />;
              })}
            </div>
          ))}
        </div>
      ) : (
        <p className="muted">Tick models in the library and images above to fill the grid.</p>
      )}
      <MetricsTable models={cols} />
      {open && <CellModal cell={open} url={rows.find((p) => p.id === open.imageId)?.url ?? ''} onClose={() => setOpen(null)} />}
    </div>
  );
}
