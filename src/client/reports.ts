import { CAM_METHODS, CAM_METHOD_LABELS } from '../core/camMethods';
import type { ModelMeta } from '../protocol/messages';

export interface MetricsRow {
  model: string;
  kind: string;
  method: string;
  srcc: number | null;
  plcc: number | null;
  krcc: number | null;
  energy: number | null;
  chance: number | null;
  pointing: number | null;
  iou50: number | null;
  meanIou: number | null;
  auc: number | null;
}

/** One row per model and CAM method: quality metrics repeat across a model's rows. */
export function metricsRows(models: ModelMeta[]): MetricsRow[] {
  return models.flatMap((m) =>
    CAM_METHODS.map((method) => {
      const a = m.metrics?.alignment[method];
      const q = m.metrics?.quality;
      return {
        model: m.name, kind: m.kind, method: CAM_METHOD_LABELS[method],
        srcc: q?.srcc ?? null, plcc: q?.plcc ?? null, krcc: q?.krcc ?? null,
        energy: a?.energy ?? null, chance: a?.chance ?? null, pointing: a?.pointing ?? null,
        iou50: a?.iou50 ?? null, meanIou: a?.meanIou ?? null, auc: a?.auc ?? null,
      };
    }),
  );
}

const csvCell = (v: string | number | null) => {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(Number(v.toFixed(6))) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const CSV_COLUMNS: (keyof MetricsRow)[] = ['model', 'kind', 'method', 'srcc', 'plcc', 'krcc', 'energy', 'chance', 'pointing', 'iou50', 'meanIou', 'auc'];

export function toCsv(rows: MetricsRow[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((k) => csvCell(r[k])).join(','))].join('\n') + '\n';
}
