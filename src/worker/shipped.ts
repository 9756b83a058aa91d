import { assembleArtifacts, type ModelJson, type StoredArtifacts } from '../core/artifacts';
import type { ModelMeta } from '../protocol/messages';
import type { ModelDescription } from './modelInfo';

/** Models that ship with the app in public/models/<name>/ (made by `camsteer pretrain`). */
export const SHIPPED_MODELS = [
  { name: 'tiny', label: 'Shipped · tiny CNN' },
  { name: 'mobilenetv2', label: 'Shipped · MobileNetV2' },
] as const;

/** Fetches a shipped model from the app's own origin; null when it is not there. */
export async function fetchShipped(baseUrl: string, name: string): Promise<StoredArtifacts | null> {
  const dir = new URL(`models/${name}/`, baseUrl);
  const res = await fetch(new URL('model.json', dir));
  if (!res.ok) return null;
  const json = (await res.json()) as ModelJson;
  const parts = await Promise.all(
    json.weightsManifest.flatMap((g) => g.paths).map(async (p) => {
      const r = await fetch(new URL(p, dir));
      if (!r.ok) throw new Error(`shipped model ${name}: weight file ${p} is missing (HTTP ${r.status})`);
      return new Uint8Array(await r.arrayBuffer());
    }),
  );
  return assembleArtifacts(json, parts, (d) => new Error(`shipped model ${name}: ${d}`));
}

/** Library metadata for a shipped model. */
export function shippedMeta(name: string, label: string, info: ModelDescription): ModelMeta {
  return {
    id: `shipped-${name}`, name: label, kind: 'shipped', createdAt: 0, ...info, parentId: null,
    settings: null, target: null, curve: [], metrics: null,
  };
}
