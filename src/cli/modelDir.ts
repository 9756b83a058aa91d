import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { declaredBytes, fromArtifacts, toArtifacts, type StoredArtifacts } from '../core/artifacts';
import { SCORE_SCALE } from '../core/config';
import { WORKING_SIZE } from '../core/iqa/samples';
import { toFloat16 } from '../core/float16';
import { camLayerNames } from '../core/model';
import { ModelImportError, unzipModel } from '../core/modelZip';
import { CliError, UsageError } from './io';
import type { Bytes } from './outputs';

/** A model directory (or the app's exported .zip) that is not a usable CamSteer model. Exit 1. */
export class ModelDirError extends CliError {
  constructor(path: string, detail: string) {
    super(`${path}: not a usable model: ${detail}`);
    this.name = 'ModelDirError';
  }
}

export interface LoadedModel {
  model: tf.LayersModel;
  /** Where it was read from (the directory, or the .zip). */
  path: string;
  /** Side of the square input, or null for a fully convolutional model (any size). */
  inputSize: number | null;
  /** For a fully convolutional model: the long side it judges images at (its metadata's protocol). */
  workingSize: number;
  /** The CAM target layer: --layer, else the metadata's, else the last layer with a 4-D output. */
  layerName: string;
  /** Where layerName came from. */
  layerSource: 'flag' | 'metadata' | 'last-4d';
  /** The CAM layer's grid at the square input; null for a fully convolutional model (it follows the image). */
  grid: { h: number; w: number } | null;
  metadata: Record<string, unknown>;
}

interface ModelJson {
  format?: string;
  modelTopology?: unknown;
  weightsManifest?: { paths?: string[]; weights?: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/**
 * The layer the model's metadata names: `camsteer.layerName` (models the app exports),
 * `camsteer.targetLayer` (the shipped models), or a top-level `targetLayer` / `layerName`.
 */
export function metadataLayer(meta: Record<string, unknown>): string | undefined {
  const cs = meta.camsteer as { layerName?: unknown; targetLayer?: unknown } | undefined;
  for (const v of [cs?.layerName, cs?.targetLayer, meta.targetLayer, meta.layerName]) if (typeof v === 'string' && v) return v;
  return undefined;
}

function readDirArtifacts(dir: string, jsonPath: string): StoredArtifacts {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  } catch (e) {
    throw new ModelDirError(dir, `model.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) {
    throw new ModelDirError(dir, 'model.json has no modelTopology (a tfjs LayersModel directory is needed: model.json + weight files)');
  }
  if (json.format && json.format !== 'layers-model') throw new ModelDirError(dir, `model.json is a tfjs "${json.format}", not a "layers-model"`);
  if (!Array.isArray(json.weightsManifest)) throw new ModelDirError(dir, 'model.json has no weightsManifest');
  const specs = json.weightsManifest.flatMap((g) => g.weights ?? []);
  const parts: Buffer[] = [];
  for (const p of json.weightsManifest.flatMap((g) => g.paths ?? [])) {
    const f = join(dirname(jsonPath), p);
    if (!existsSync(f)) throw new ModelDirError(dir, `the weight file "${p}" named in model.json is missing`);
    parts.push(readFileSync(f));
  }
  const data = Buffer.concat(parts);
  const want = declaredBytes(specs);
  if (data.byteLength !== want) throw new ModelDirError(dir, `the weight files hold ${data.byteLength} bytes but model.json's manifest needs ${want}`);
  return {
    modelTopology: json.modelTopology as object,
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    userDefinedMetadata: json.userDefinedMetadata ?? {},
  };
}

/** model.json + weights from a directory, a model.json path, or the app's exported .zip. */
export function readArtifacts(path: string): StoredArtifacts {
  if (!existsSync(path)) throw new ModelDirError(path, 'no such file or directory');
  const st = statSync(path);
  if (st.isDirectory()) {
    const json = join(path, 'model.json');
    if (!existsSync(json)) throw new ModelDirError(path, 'the directory has no model.json (a tfjs LayersModel directory is needed: model.json + weights.bin)');
    return readDirArtifacts(path, json);
  }
  if (basename(path).endsWith('.json')) return readDirArtifacts(path, path);
  if (path.toLowerCase().endsWith('.zip')) {
    try {
      return unzipModel(new Uint8Array(readFileSync(path)));
    } catch (e) {
      if (e instanceof ModelImportError) throw new ModelDirError(path, e.message.replace(/^This model cannot be imported: /, ''));
      throw e;
    }
  }
  throw new ModelDirError(path, 'expected a model directory (model.json + weights.bin), a model.json file or a model .zip exported by the app');
}

/**
 * Loads a model with tf.io.fromMemory and checks what CamSteer needs: an RGB input, square
 * [null, S, S, 3] or of any size [null, null, null, 3] (fully convolutional), a scalar score
 * [null, 1] (= quality / SCORE_SCALE) and a layer with a spatial output for the CAM. `layer`
 * (from --layer) must name such a layer (exit 2 if not).
 */
export async function loadModel(path: string, layer?: string): Promise<LoadedModel> {
  const a = readArtifacts(path);
  let model: tf.LayersModel;
  try {
    model = await fromArtifacts(a);
  } catch (e) {
    throw new ModelDirError(path, `tfjs could not build it (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const inShape = model.inputs[0].shape;
    const outShape = model.outputs[0].shape;
    const square = !!inShape[1] && inShape[1] === inShape[2];
    const anySize = inShape[1] === null && inShape[2] === null;
    if (model.inputs.length !== 1 || inShape.length !== 4 || inShape[3] !== 3 || !(square || anySize)) {
      throw new ModelDirError(path, `its input is ${JSON.stringify(inShape)}; an RGB image input, square [null, S, S, 3] or of any size [null, null, null, 3], is needed`);
    }
    if (outShape.length !== 2 || outShape[1] !== 1) throw new ModelDirError(path, `its output is ${JSON.stringify(outShape)}; a scalar score [null, 1] is needed`);
    const layers = camLayerNames(model);
    if (layers.length === 0) throw new ModelDirError(path, 'it has no layer with a spatial [h, w, channels] output to explain');
    const metadata = a.userDefinedMetadata ?? {};
    let layerName: string;
    let layerSource: LoadedModel['layerSource'];
    if (layer !== undefined) {
      if (!layers.includes(layer)) throw new UsageError(`--layer ${layer} is not a layer of ${path} with a spatial output; choose one of: ${layers.join(', ')}`);
      layerName = layer;
      layerSource = 'flag';
    } else {
      const declared = metadataLayer(metadata);
      layerName = declared && layers.includes(declared) ? declared : layers[layers.length - 1];
      layerSource = declared && layers.includes(declared) ? 'metadata' : 'last-4d';
    }
    const shape = model.getLayer(layerName).outputShape as (number | null)[];
    const protocol = (metadata.camsteer as { protocol?: { workingSize?: unknown } } | undefined)?.protocol;
    const workingSize = typeof protocol?.workingSize === 'number' && protocol.workingSize >= 32 ? protocol.workingSize : WORKING_SIZE;
    return {
      model, path, inputSize: square ? inShape[1]! : null, workingSize, layerName, layerSource,
      grid: square && shape[1] && shape[2] ? { h: shape[1], w: shape[2] } : null, metadata,
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The files of a tfjs LayersModel directory, as the app exports it and `tf.loadLayersModel`
 * reads it: model.json (topology, weights manifest, userDefinedMetadata) and weights.bin.
 */
export async function modelFiles(model: tf.LayersModel, metadata: Record<string, unknown>, opts: { float16?: boolean } = {}): Promise<Map<string, Bytes>> {
  const a = await toArtifacts(model);
  let specs = a.weightSpecs;
  let data: Uint8Array<ArrayBuffer> = new Uint8Array(a.weightData);
  if (opts.float16) ({ specs, data } = toFloat16(specs, data));
  const json = {
    format: 'layers-model',
    generatedBy: `CamSteer CLI (TensorFlow.js ${tf.version.tfjs})`,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    userDefinedMetadata: { scoreScale: SCORE_SCALE, ...metadata },
  };
  return new Map<string, Bytes>([
    ['model.json', JSON.stringify(json)],
    ['weights.bin', data],
  ]);
}
