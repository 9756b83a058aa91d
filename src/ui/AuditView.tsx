import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import { auditVerdict, type AuditVerdict } from '../core/audit/verdict';
import type { AuditReport } from '../core/audit/runAudit';
import { CAM_METHODS, CAM_METHOD_LABELS, type CamMethod } from '../core/camMethods';
import { client } from '../client/workerClient';
import { heatmapToImageData } from '../render/heatmap';
import { useStore, usePick } from '../state/store';
import { auditDefaults } from './auditDefaults';
import { PhotoPicks } from './PhotoPicks';
import { ProgressBar } from './ProgressBar';

const f = (v: number | null | undefined, d = 3) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));

/** A small map drawn with the colormap (row-major h x w). */
function MapCanvas({ data, h, w, label, testId }: { data: number[]; h: number; w: number; label: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const small = new OffscreenCanvas(w, h);
    small.getContext('2d')!.putImageData(heatmapToImageData(data, w, h, 'inferno', 1), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, ctx.canvas.width, ctx.canvas.height);
  }, [data, h, w]);
  return (
    <figure className="audit-map">
      <canvas ref={ref} width={120} height={120} data-testid={testId} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

function CurveChart({ report, method }: { report: AuditReport; method: CamMethod }) {
  const host = useRef<HTMLDivElement>(null);
  const informative = report.deletion.informative.filter(Boolean).length;
  useEffect(() => {
    const m = report.deletion.methods[method];
    if (!host.current || !m || !m.deletion.length) return;
    const r = report.deletion.random;
    const plot = new uPlot(
      {
        width: host.current.clientWidth || 420,
        height: 180,
        scales: { x: { time: false }, y: { range: [0, 1.05] } },
        axes: [{ stroke: '#9aa4b1', label: 'fraction removed / revealed' }, { stroke: '#9aa4b1', label: 'effect' }],
        series: [
          {},
          { label: 'deletion', stroke: '#ff6b6b', width: 1.5 },
          { label: 'insertion', stroke: '#4cc2ff', width: 1.5 },
          { label: 'deletion (random)', stroke: '#ff6b6b', dash: [4, 4] },
          { label: 'insertion (random)', stroke: '#4cc2ff', dash: [4, 4] },
        ],
      },
      [report.deletion.fractions, m.deletion, m.insertion, r.deletion, r.insertion],
      host.current,
    );
    return () => plot.destroy();
  }, [report, method]);
  if (!informative) {
    return (
      <p className="muted" data-testid="audit-no-curves">
        No deletion/insertion curves: blurring these photos moved the score by less than {report.options.minScoreChange} points, so there is no
        effect to trace. Try other photos or a better-trained model.
      </p>
    );
  }
  return <div ref={host} className="chart" data-testid="audit-curves" />;
}

function VerdictTable({ verdict, testId }: { verdict: AuditVerdict; testId: string }) {
  return (
    <table className="metrics" data-testid={testId}>
      <thead>
        <tr>
          <th>method</th><th>verdict</th><th title="deletion/insertion AUC minus random, averaged">faithfulness gap</th>
          <th title="Spearman of the CAM with occlusion sensitivity">occlusion ρ</th><th title="CAM energy in the top occlusion region minus its area">energy lift</th>
          <th title="map change after randomising the weights (lower = passes)">sanity ρ / SSIM</th><th>finding</th>
        </tr>
      </thead>
      <tbody>
        {CAM_METHODS.map((m) => {
          const v = verdict[m];
          if (!v) return null;
          return (
            <tr key={m} data-testid={`verdict-${m}`} data-level={v.level}>
              <td>{CAM_METHOD_LABELS[m]}</td>
              <td className={`level ${v.level}`}>{v.level}</td>
              <td>{f(v.faithfulness.gap)}{v.faithfulness.reference !== null && <small className="muted"> (ref {f(v.faithfulness.reference)})</small>}</td>
              <td>{f(v.occlusion.spearman)}{v.occlusion.referenceSpearman !== null && <small className="muted"> (ref {f(v.occlusion.referenceSpearman)})</small>}</td>
              <td>{f(v.occlusion.energyLift)}</td>
              <td>{f(v.sanity.spearman)} / {f(v.sanity.ssim)}</td>
              <td className="finding">{v.sentence ?? 'consistent on every signal'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The definitions and thresholds (docs/audit.md), loaded when opened. */
function AuditDefinitions() {
  const [text, setText] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const load = () => {
    if (text !== null) return;
    import('../../docs/audit.md?raw').then((m) => setText(m.default), () => setFailed(true));
  };
  return (
    <details className="audit-doc" data-testid="audit-definitions" onToggle={(e) => e.currentTarget.open && load()}>
      <summary>Definitions and thresholds (docs/audit.md)</summary>
      {text !== null ? <pre className="doc" data-testid="audit-definitions-text">{text}</pre> : <p className="muted">{failed ? 'The definitions could not be loaded.' : 'Loading…'}</p>}
    </details>
  );
}

/** Starts the view on the newest steered model (else the base) against its parent, once the library is known. */
function useAuditDefaults(): void {
  const { models, auditModelId: modelId, baseModelId, setAuditModels } = usePick('models', 'auditModelId', 'baseModelId', 'setAuditModels');
  useEffect(() => {
    if (modelId && models.some((m) => m.id === modelId)) return;
    const d = auditDefaults(models, baseModelId);
    if (d.modelId) setAuditModels(d.modelId, d.referenceId);
  }, [models, modelId, baseModelId, setAuditModels]);
}

export function AuditView() {
  useAuditDefaults();
  const { models, auditModelId: modelId, auditReferenceId: refId, auditProgress: progress, auditReports: reports, auditNote: note, stage, running } = usePick('models', 'auditModelId', 'auditReferenceId', 'auditProgress', 'auditReports', 'auditNote', 'stage', 'running');
  const st = useStore.getState();
  const [method, setMethod] = useState<CamMethod>('gradcam');
  const current = modelId ? reports[modelId] : undefined;
  const reference = refId ? reports[refId] : undefined;
  const verdict = current ? auditVerdict(current.report.summary, reference?.report.summary) : null;
  const busy = progress !== null || running;
  const [h, w] = current?.report.featureGrid ?? [0, 0];
  const occ = current?.report.occlusion;

  return (
    <div className="panel" data-testid="audit-view">
      <div className="panel-head">
        <h2>Audit: is this heatmap where the decision comes from?</h2>
      </div>
      <div className="audit-controls">
        <label className="inline">
          Model{' '}
          <select value={modelId ?? ''} onChange={(e) => st.setAuditModels(e.target.value || null, refId)} data-testid="audit-model">
            {!modelId && <option value="">choose…</option>}
            {models.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
          </select>
        </label>
        <label className="inline">
          Reference{' '}
          <select value={refId ?? ''} onChange={(e) => st.setAuditModels(modelId, e.target.value || null)} data-testid="audit-reference">
            <option value="">none</option>
            {models.map((m) => <option key={m.id} value={m.id}>{m.name}{reports[m.id] ? '' : ' (not audited yet)'}</option>)}
          </select>
        </label>
        <button className="primary" disabled={!modelId || busy || stage !== 'ready'} onClick={() => modelId && client.audit(modelId)} data-testid="audit-run">Run audit</button>
        <button disabled={!refId || busy || stage !== 'ready' || !!reference} onClick={() => refId && client.audit(refId)} data-testid="audit-run-reference">Audit reference</button>
        <button disabled={!progress} onClick={() => client.cancelAudit()} data-testid="audit-cancel">Cancel</button>
      </div>
      <PhotoPicks testIdPrefix="audit-" label="Photos to audit" note="Photos to audit: the ticked ones. The same photos are ticked in the compare grid (Compare & library): ticking here ticks them there." />
      {progress && (
        <div data-testid="audit-progress">
          <ProgressBar label={`Audit of ${models.find((m) => m.id === modelId)?.name ?? 'the model'} · ${progress.phase} ${Math.round(progress.fraction * 100)}%`} value={progress.fraction} max={1} testId="audit-progress-bar" />
        </div>
      )}
      {note && <p className="notice" role="status" data-testid="audit-note">{note}</p>}
      {current && verdict ? (
        <>
          <VerdictTable verdict={verdict} testId="audit-verdict" />
          <p className="muted">
            {current.report.numImages} photo(s), grid {h}×{w}, {Math.round(current.report.timingsMs.total / 100) / 10} s.
            Faithfulness: deletion/insertion AUC of the method's ranking minus a random order's; occlusion: agreement with a
            gradient-free occlusion map; sanity: how little the map changes when the weights are randomised (Adebayo et al. 2018).
            {reference ? ' Values in brackets: the reference model.' : ' Audit a reference (the baseline) to compare against it.'}
          </p>
          <div className="audit-detail">
            <label className="inline">
              Method{' '}
              <select value={method} onChange={(e) => setMethod(e.target.value as CamMethod)} data-testid="audit-method">
                {CAM_METHODS.map((m) => <option key={m} value={m}>{CAM_METHOD_LABELS[m]}</option>)}
              </select>
            </label>
            <CurveChart report={current.report} method={method} />
            <div className="audit-maps">
              {current.report.cams[method]?.[0] && <MapCanvas data={current.report.cams[method]![0]} h={h} w={w} label={`${CAM_METHOD_LABELS[method]} (first photo)`} testId="audit-cam-map" />}
              {occ && <MapCanvas data={occ.delta[0].map(Math.abs)} h={occ.positions[0]} w={occ.positions[1]} label="occlusion |Δscore|" testId="audit-occlusion-map" />}
            </div>
          </div>
        </>
      ) : (
        <p className="muted">Choose a model and photos, then Run audit. It scores perturbed copies of each photo; on wasm a tiny model takes seconds.</p>
      )}
      <AuditDefinitions />
    </div>
  );
}
