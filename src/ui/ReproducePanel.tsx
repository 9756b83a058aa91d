import { useEffect, useState } from 'react';
import { cancelReproduction, REPRO_KINDS, REPRO_SETTINGS, REPRO_TARGETS, reproduce, reproLearningRate, reproTable, type ReproRow } from '../client/reproduce';
import { CAM_METHODS, CAM_METHOD_LABELS } from '../core/camMethods';
import { useStore, usePick } from '../state/store';
import { GRID_ALLOWS_TITLE, gridAllows } from './MetricsTable';

const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(1)}%`);
const f3 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(3));

/** "Reproduce the experiment": four models in one click, then the figure and the table. */
export function ReproducePanel() {
  const { repro, stage, running, step, total, phase, stepsPerSec } = usePick('repro', 'stage', 'running', 'step', 'total', 'phase', 'stepsPerSec');
  const base = useStore((s) => s.models.find((m) => m.id === s.baseModelId));
  const [rows, setRows] = useState<ReproRow[] | null>(null);
  const [busy, setBusy] = useState(false);
  const complete = !!repro && !repro.running && repro.models.length === REPRO_KINDS.length;

  useEffect(() => {
    if (!complete || stage !== 'ready' || rows) return;
    const st = useStore.getState();
    // the figure: the four models on the test photos in the grid
    for (const id of st.compareModelIds) if (!repro.models.some((m) => m.modelId === id)) st.toggleCompareModel(id);
    for (const m of repro.models) if (!useStore.getState().compareModelIds.includes(m.modelId)) st.toggleCompareModel(m.modelId);
    for (const id of st.compareImageIds) if (!repro.testImageIds.includes(id)) st.toggleCompareImage(id);
    for (const id of repro.testImageIds) if (!useStore.getState().compareImageIds.includes(id)) st.toggleCompareImage(id);
    setBusy(true);
    reproTable()
      .then(setRows, (e: Error) => st.setError({ code: 'training', message: `The reproduction table could not be computed: ${e.message}` }))
      .finally(() => setBusy(false));
  }, [complete, stage, rows, repro]);

  const left = stepsPerSec > 0 && total ? Math.round((total - step) / stepsPerSec) : null;
  return (
    <div className="panel" data-testid="reproduce">
      <div className="panel-head">
        <h2>Reproduce the experiment</h2>
        <button className="primary" disabled={stage !== 'ready' || running || !!repro?.running} onClick={() => { setRows(null); void reproduce(); }} data-testid="reproduce-run">
          Reproduce
        </button>
        <button disabled={!repro?.running} onClick={cancelReproduction} data-testid="reproduce-cancel">Cancel</button>
      </div>
      <p className="muted">
        Four models from the current base, on the training photos: a baseline fine-tuned without the GradCAM loss, and models steered
        toward salient regions, the corners and the letters "VG" ({REPRO_SETTINGS.steerSteps} steps each, lambda {REPRO_TARGETS.corners.lambda}, for salient {REPRO_TARGETS.salient.lambda}, for "VG"
        {' '}{REPRO_TARGETS.VG.lambda} with target sharpness {REPRO_TARGETS.VG.sharpness}; learning rate{' '}
        {reproLearningRate(base)}, batch {REPRO_SETTINGS.batchSize}). Then each is measured on the test photos against its own masks.
      </p>
      {repro?.running && (
        <p data-testid="reproduce-status" data-index={repro.index}>
          Model {repro.index + 1} of 4: <b>{repro.current}</b>
          {phase ? ` · ${phase} ${step}/${total}` : ''}
          {left !== null ? ` · about ${left} s left in this model` : ''}
        </p>
      )}
      {repro?.error && <p className="warn" data-testid="reproduce-error">{repro.error}</p>}
      {busy && <p className="muted">Measuring the four models on the test photos…</p>}
      {rows && (
        <div className="table-wrap">
          <table className="metrics" data-testid="reproduce-table">
            <thead>
              <tr>
                <th>target</th><th>SRCC steered / baseline</th><th>method</th><th>energy in own mask: steered</th><th>baseline</th><th>chance</th><th title={GRID_ALLOWS_TITLE}>grid allows</th>
              </tr>
            </thead>
            <tbody>
              {rows.flatMap((r) =>
                CAM_METHODS.map((m, i) => (
                  <tr key={`${r.kind}-${m}`} className={i === 0 ? 'first' : ''} data-testid={i === 0 ? `reproduce-row-${r.kind}` : undefined}
                    data-energy={r.steered.alignment[m]?.energy} data-baseline={r.baseline.alignment[m]?.energy}>
                    {i === 0 && (
                      <>
                        <td rowSpan={CAM_METHODS.length}>{r.kind}</td>
                        <td rowSpan={CAM_METHODS.length}>{f3(r.steered.quality?.srcc)} / {f3(r.baseline.quality?.srcc)}</td>
                      </>
                    )}
                    <td>{CAM_METHOD_LABELS[m]}</td>
                    <td>{pct(r.steered.alignment[m]?.energy)}</td>
                    <td>{pct(r.baseline.alignment[m]?.energy)}</td>
                    <td className="muted">{pct(r.steered.alignment[m]?.chance)}</td>
                    <td className="muted">{gridAllows(r.steered.alignment[m])}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
          <p className="muted">The figure is the grid below: the four models on the test photos. GradCAM is what was steered; the other rows ask whether steering GradCAM fools the other methods too.</p>
        </div>
      )}
    </div>
  );
}
