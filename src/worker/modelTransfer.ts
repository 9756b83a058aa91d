import type { StoredArtifacts } from '../core/artifacts';
import { CAM_METHODS } from '../core/camMethods';
import { DEFAULT_SETTINGS, type TrainSettings } from '../core/config';
import { zipModel } from '../core/modelZip';
import type { CurvePoint, MethodAlignment, ModelKind, ModelMeta, ModelMetrics, QualityMetrics } from '../protocol/messages';
import type { ModelDescription } from './modelInfo';

/**
 * A library model as a zip file and back. The export writes the model's library record into
 * `userDefinedMetadata.camsteer`, beside whatever CamSteer metadata the model already carried
 * (a shipped model's protocol and recommended learning rate); the import restores name, kind,
 * settings, metrics, curve and parent from it. The file is untrusted: anything that does not
 * have the expected shape is dropped, never shown as is.
 */

/** The library record as written into an exported zip (the mask itself is not exported). */
export function exportedMetadata(meta: ModelMeta, existing: Record<string, unknown> | undefined): Record<string, unknown> {
  const { target, curve, ...rest } = meta;
  const camsteer = existing?.camsteer && typeof existing.camsteer === 'object' ? (existing.camsteer as Record<string, unknown>) : {};
  return { ...existing, camsteer: { ...camsteer, ...rest, curve, targetImageId: target?.imageId ?? null, targetArea: target?.area ?? null } };
}

/** The zip a library model exports to, and its file name. */
export function exportZip(meta: ModelMeta, artifacts: StoredArtifacts): { fileName: string; data: Uint8Array } {
  const data = zipModel({ ...artifacts, userDefinedMetadata: exportedMetadata(meta, artifacts.userDefinedMetadata) });
  return { fileName: `${meta.name.replace(/[^\w.-]+/g, '_')}.zip`, data };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number';

function settingsFrom(v: unknown): TrainSettings | null {
  if (!isRecord(v)) return null;
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [k, d] of Object.entries(DEFAULT_SETTINGS)) if (typeof v[k] === typeof d && (!isNum(d) || Number.isFinite(v[k]))) out[k] = v[k];
  return out as unknown as TrainSettings;
}

function qualityFrom(v: unknown): QualityMetrics | null {
  if (!isRecord(v) || !['srcc', 'plcc', 'krcc', 'n'].every((k) => isNum(v[k]))) return null;
  return { srcc: v.srcc as number, plcc: v.plcc as number, krcc: v.krcc as number, n: v.n as number };
}

const ALIGNMENT_KEYS = ['energy', 'pointing', 'iou50', 'meanIou', 'auc', 'chance', 'images'] as const;

function metricsFrom(v: unknown): ModelMetrics | null {
  if (!isRecord(v)) return null;
  const alignment: ModelMetrics['alignment'] = {};
  if (isRecord(v.alignment)) {
    for (const m of CAM_METHODS) {
      const a = v.alignment[m];
      if (!isRecord(a) || !ALIGNMENT_KEYS.every((k) => isNum(a[k]))) continue;
      alignment[m] = { ...(Object.fromEntries(ALIGNMENT_KEYS.map((k) => [k, a[k]])) as unknown as MethodAlignment), ...(isNum(a.exactFit) ? { exactFit: a.exactFit } : {}), ...(isNum(a.bestCell) ? { bestCell: a.bestCell } : {}) };
    }
  }
  const quality = qualityFrom(v.quality);
  if (!quality && !Object.keys(alignment).length) return null;
  return { quality, alignment, basis: typeof v.basis === 'string' ? v.basis : 'as exported' };
}

function curveFrom(v: unknown): CurvePoint[] {
  if (!Array.isArray(v)) return [];
  return v.filter((p): p is CurvePoint => isRecord(p) && typeof p.phase === 'string' && isNum(p.step) && isNum(p.total) && isNum(p.task) && isNum(p.cam) && (p.energy === null || isNum(p.energy)));
}

/**
 * Library metadata for a model read from `fileName`: its description (input, layers), and what
 * its CamSteer metadata says about it when CamSteer exported it; else it is named after the file.
 */
export function importedMeta(fileName: string, info: ModelDescription, metadata: Record<string, unknown> | undefined, id: string, now: number): ModelMeta {
  const c = isRecord(metadata?.camsteer) ? metadata.camsteer : {};
  const name = typeof c.name === 'string' && c.name.trim() ? c.name.trim().slice(0, 200) : fileName.replace(/\.zip$/i, '');
  const kind: ModelKind = c.kind === 'baseline' || c.kind === 'steered' ? c.kind : 'imported';
  const restored: Partial<ModelDescription> = {};
  if (isNum(c.outputIndex) && Number.isInteger(c.outputIndex) && c.outputIndex >= 0 && c.outputIndex < info.outputs) restored.outputIndex = c.outputIndex;
  if (info.learningRate === undefined && isNum(c.learningRate) && c.learningRate > 0 && c.learningRate < 1) restored.learningRate = c.learningRate;
  if (info.inputSize === null && isNum(c.workingSize) && c.workingSize >= 64 && c.workingSize <= 2048) restored.workingSize = c.workingSize;
  return {
    id, name, kind, createdAt: now, ...info, ...restored, parentId: typeof c.parentId === 'string' ? c.parentId : null,
    settings: settingsFrom(c.settings), target: null, curve: curveFrom(c.curve), metrics: metricsFrom(c.metrics), importedFrom: fileName,
  };
}
