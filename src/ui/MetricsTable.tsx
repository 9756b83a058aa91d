import { CAM_METHODS, CAM_METHOD_LABELS } from '../core/camMethods';
import type { MethodAlignment, ModelMeta } from '../protocol/messages';

const f = (v: number | undefined, digits = 3) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));
const pct = (v: number | undefined) => (v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

/** "exact fit / best cell" of the CAM layer's grid (see core/alignment gridBound). */
export const gridAllows = (a: MethodAlignment | undefined) => (a?.exactFit === undefined || a.bestCell === undefined ? '–' : `${pct(a.exactFit)} / ${pct(a.bestCell)}`);

export const GRID_ALLOWS_TITLE =
  "energy in mask a heatmap on the CAM layer's grid gets when it equals the mask drawn at the grid / when all of it is on the best single cell";

/** Quality accuracy and alignment per CAM method for each model, with the chance level. */
export function MetricsTable({ models }: { models: ModelMeta[] }) {
  if (!models.length) return null;
  return (
    <div className="table-wrap">
      <table className="metrics" data-testid="metrics-table">
        <thead>
          <tr>
            <th>model</th><th>SRCC</th><th>PLCC</th><th>KRCC</th><th>method</th>
            <th title="share of the heatmap inside the mask">energy in mask</th><th title="mask area">chance</th>
            <th title={GRID_ALLOWS_TITLE}>grid allows</th>
            <th>pointing</th><th>IoU@0.5</th><th>AUC</th>
          </tr>
        </thead>
        <tbody>
          {models.flatMap((m) =>
            CAM_METHODS.map((method, i) => {
              const a = m.metrics?.alignment[method];
              const q = m.metrics?.quality;
              return (
                <tr key={`${m.id}-${method}`} className={i === 0 ? 'first' : ''} data-testid={i === 0 ? `metrics-${m.id}` : undefined}>
                  {i === 0 && (
                    <>
                      <td rowSpan={CAM_METHODS.length}>{m.name}</td>
                      <td rowSpan={CAM_METHODS.length} data-testid="srcc">{f(q?.srcc)}</td>
                      <td rowSpan={CAM_METHODS.length}>{f(q?.plcc)}</td>
                      <td rowSpan={CAM_METHODS.length}>{f(q?.krcc)}</td>
                    </>
                  )}
                  <td>{CAM_METHOD_LABELS[method]}</td>
                  <td>{pct(a?.energy)}</td>
                  <td className="muted">{pct(a?.chance)}</td>
                  <td className="muted">{gridAllows(a)}</td>
                  <td>{pct(a?.pointing)}</td>
                  <td>{f(a?.iou50)}</td>
                  <td>{f(a?.auc)}</td>
                </tr>
              );
            }),
          )}
        </tbody>
      </table>
      <p className="muted">
        Quality: SRCC/PLCC/KRCC of predicted scores against labels on the photos' distorted copies. Alignment: averaged over the grid's images,
        each heatmap ReLU'd, upsampled to the mask and min-max normalised; chance = mask area; grid allows = what a heatmap on the CAM layer's grid reaches
        when it equals the mask drawn at that grid / when it sits on the single best cell (a coarse grid cannot draw a thin shape).
      </p>
    </div>
  );
}
