import type { ModelMeta } from '../protocol/messages';

/**
 * What the audit view starts with: the newest steered model (else the base model, else the
 * newest model), and as its reference the model it was steered from, when that is in the library.
 */
export function auditDefaults(models: readonly ModelMeta[], baseModelId: string | null): { modelId: string | null; referenceId: string | null } {
  const newest = (list: readonly ModelMeta[]) => list.reduce<ModelMeta | undefined>((a, m) => (!a || m.createdAt >= a.createdAt ? m : a), undefined);
  const model = newest(models.filter((m) => m.kind === 'steered')) ?? models.find((m) => m.id === baseModelId) ?? newest(models);
  if (!model) return { modelId: null, referenceId: null };
  const parent = model.parentId && models.some((m) => m.id === model.parentId) ? model.parentId : null;
  return { modelId: model.id, referenceId: parent };
}
