/**
 * The models the benchmark times, environment-independent (Node and the bench worker): a
 * model folder's artifacts at another input size, and the CAM layer its metadata names.
 */
import * as tf from '@tensorflow/tfjs';
import { assembleArtifacts, type ModelJson, type StoredArtifacts } from '../core/artifacts';
import { camLayerNames } from '../core/model';

/** A model folder that is not usable for the benchmark. */
export class BenchModelError extends Error {
  constructor(id: string, detail: string) {
    super(`model "${id}": ${detail}`);
    this.name = 'BenchModelError';
  }
}

/**
 * The same model at another square input size: the input layer's shape is rewritten. Only for
 * fully convolutional models with a global pooling head (the shipped ones), whose weights do not
 * depend on the input size; tfjs refuses the weights of any other when they are loaded.
 */
export function atInputSize(a: StoredArtifacts, size: number): StoredArtifacts {
  const topology = structuredClone(a.modelTopology) as { model_config?: { config?: { layers?: { class_name: string; config: { batch_input_shape?: (number | null)[] } }[] } } };
  const layers = topology.model_config?.config?.layers ?? (topology as { config?: { layers?: never[] } }).config?.layers;
  const input = layers?.find((l) => l.class_name === 'InputLayer');
  if (!input?.config.batch_input_shape) throw new BenchModelError('?', 'no InputLayer with a batch_input_shape to resize');
  const [b, , , c] = input.config.batch_input_shape;
  input.config.batch_input_shape = [b, size, size, c];
  return { ...a, modelTopology: topology };
}

/** The CAM layer: the one the metadata names (as src/cli/modelDir.ts reads it), else the last with a spatial output. */
export function camLayerOf(model: tf.LayersModel, meta: Record<string, unknown> = {}): string {
  const names = camLayerNames(model);
  const cs = meta.camsteer as { layerName?: unknown; targetLayer?: unknown } | undefined;
  const wanted = [cs?.layerName, cs?.targetLayer, meta.targetLayer, meta.layerName].find((v): v is string => typeof v === 'string' && names.includes(v));
  const layer = wanted ?? names[names.length - 1];
  if (!layer) throw new BenchModelError(model.name, 'no layer with a spatial output');
  return layer;
}

/** A model folder served under `baseUrl` (the bench page: public/models/<name>/ of the app's origin). */
export async function fetchArtifacts(baseUrl: string, name: string): Promise<StoredArtifacts> {
  const dir = new URL(`models/${name}/`, baseUrl);
  const res = await fetch(new URL('model.json', dir));
  if (!res.ok) throw new BenchModelError(name, `${new URL('model.json', dir).href} answered ${res.status}`);
  const json = (await res.json()) as ModelJson;
  const parts = await Promise.all(
    json.weightsManifest.flatMap((g) => g.paths).map(async (p) => {
      const r = await fetch(new URL(p, dir));
      if (!r.ok) throw new BenchModelError(name, `weight file ${p} answered ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    }),
  );
  return assembleArtifacts(json, parts, (d) => new BenchModelError(name, d));
}
