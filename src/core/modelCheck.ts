import * as tf from '@tensorflow/tfjs';
import { MAX_ACTIVATION_VALUES, MAX_MODEL_INPUT_SIDE, MAX_MODEL_PARAMS, MAX_TENSOR_VALUES, MAX_WEIGHT_BYTES } from './limits';

/**
 * Checks of an untrusted tfjs LayersModel, each before the work it protects:
 * - the weights manifest (shapes, dtypes, sizes) before any weight file is read;
 * - the topology (layer classes, input size, the sizes its layers declare against the
 *   manifest's shapes) before any layer is built;
 * - while layers are built, every weight they ask for against what the manifest declares, so a
 *   topology that would need more than its weights cannot allocate it (guardedBuild);
 * - the weights' values (finite) before they are loaded, and the model's score on a plain
 *   image (finite) before it is used.
 * Each failure is a ModelCheckError with a one-line detail for the caller's message.
 */

export class ModelCheckError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ModelCheckError';
  }
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n));

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, string: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/**
 * Why a file name from a model's (or a data folder's) own files is not a plain relative name
 * inside its folder, or null: not empty, no NUL, no backslash, not absolute, no ".." segment.
 */
export function weightPathProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name === '') return 'it is not a file name';
  if (name.includes('\0')) return 'it contains a NUL character';
  if (name.includes('\\')) return 'it contains a backslash';
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return 'it is an absolute path';
  if (name.split('/').includes('..')) return 'it climbs out of the folder with ".."';
  return null;
}

/** A weights manifest's groups, each with its `paths` and `weights` lists (throws when malformed). */
export function manifestGroups(manifest: unknown): { paths: unknown[]; weights: tf.io.WeightsManifestEntry[] }[] {
  if (!Array.isArray(manifest)) throw new ModelCheckError('model.json has no weightsManifest list');
  return manifest.map((g: { paths?: unknown; weights?: unknown } | null) => {
    if (!g || typeof g !== 'object' || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new ModelCheckError("its weightsManifest is malformed: every group needs a list of paths and a list of weights");
    }
    return { paths: g.paths as unknown[], weights: g.weights as tf.io.WeightsManifestEntry[] };
  });
}

/** Values a shape holds; NaN unless every dimension is a non-negative safe integer. */
export function shapeValues(shape: unknown): number {
  if (!Array.isArray(shape)) return NaN;
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || (d as number) < 0) return NaN;
    n *= d as number;
  }
  return n;
}

/** Bytes one manifest entry's values take in the weight files. */
export function entryBytes(s: tf.io.WeightsManifestEntry): number {
  const per = s.quantization ? QUANTIZED_BYTES[s.quantization.dtype] : BYTES_PER_VALUE[s.dtype];
  return shapeValues(s.shape) * (per ?? NaN);
}

/**
 * Checks a weights manifest from an untrusted model.json and returns the bytes it declares:
 * every entry named, with a shape of non-negative integers, a known dtype (and quantization),
 * at most MAX_TENSOR_VALUES values; in all at most MAX_MODEL_PARAMS values and MAX_WEIGHT_BYTES.
 */
export function checkManifest(specs: unknown[]): number {
  let values = 0;
  let bytes = 0;
  for (const raw of specs) {
    const s = raw as tf.io.WeightsManifestEntry;
    if (!s || typeof s !== 'object' || typeof s.name !== 'string') throw new ModelCheckError('its weights manifest has an entry without a name');
    const n = shapeValues(s.shape);
    if (Number.isNaN(n)) throw new ModelCheckError(`the weight "${s.name}" has the shape ${JSON.stringify(s.shape)}; a list of non-negative integers is needed`);
    if (!(s.dtype in BYTES_PER_VALUE)) throw new ModelCheckError(`the weight "${s.name}" has the unknown dtype ${JSON.stringify(s.dtype)}`);
    const q = s.quantization;
    if (q) {
      if (!(q.dtype in QUANTIZED_BYTES)) throw new ModelCheckError(`the weight "${s.name}" has the unknown quantization ${JSON.stringify(q.dtype)}`);
      if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) {
        throw new ModelCheckError(`the weight "${s.name}" has a quantization scale or minimum that is not a finite number`);
      }
    }
    if (n > MAX_TENSOR_VALUES) throw new ModelCheckError(`the weight "${s.name}" declares ${fmt(n)} values; the limit is ${fmt(MAX_TENSOR_VALUES)} per tensor`);
    values += n;
    bytes += entryBytes(s);
  }
  if (values > MAX_MODEL_PARAMS) throw new ModelCheckError(`its manifest declares ${fmt(values)} parameters; the limit is ${fmt(MAX_MODEL_PARAMS)}`);
  if (bytes > MAX_WEIGHT_BYTES) throw new ModelCheckError(`its manifest declares ${(bytes / 1e6).toFixed(0)} MB of weights; the limit is ${MAX_WEIGHT_BYTES / 1e6} MB`);
  return bytes;
}

interface LayerJson {
  class_name?: unknown;
  config?: Record<string, unknown> & { name?: unknown; layers?: unknown; layer?: unknown };
}

/** Every layer of a topology, nested models and wrapped layers included. */
function allLayers(topology: unknown): LayerJson[] {
  const out: LayerJson[] = [];
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 64) return;
    const l = node as LayerJson;
    const cfg = l.config as unknown;
    const inner = Array.isArray(cfg) ? cfg : cfg && typeof cfg === 'object' ? (cfg as { layers?: unknown }).layers : undefined;
    if (Array.isArray(inner)) {
      if (depth > 0) out.push(l);
      for (const child of inner) visit(child, depth + 1);
      return;
    }
    out.push(l);
    if (cfg && typeof cfg === 'object' && (cfg as { layer?: unknown }).layer) visit((cfg as { layer: unknown }).layer, depth + 1);
  };
  const t = topology as { model_config?: unknown };
  visit(t?.model_config ?? topology, 0);
  return out;
}

const CONTAINERS = new Set(['Model', 'Functional', 'Sequential']);

/** The manifest entry for a layer's weight: named "<layer>/<weight>", possibly under a prefix. */
function findSpec(specs: tf.io.WeightsManifestEntry[], layer: string, weight: string): tf.io.WeightsManifestEntry | undefined {
  const want = `${layer}/${weight}`;
  return specs.find((s) => s.name === want) ?? specs.find((s) => s.name.endsWith(`/${want}`));
}

const asInt = (v: unknown) => (Number.isSafeInteger(v) ? (v as number) : undefined);
const asInts = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? undefined : [v]);

/** What a layer's config declares about one of its weights' shapes: dimension index (from the end) -> size. */
function declaredDims(cls: string, cfg: Record<string, unknown>): { weight: string; dims: [number, number | undefined, string][] }[] {
  const filters = asInt(cfg.filters);
  const units = asInt(cfg.units);
  const ks = asInts(cfg.kernel_size);
  const kernelDims = (rank: number): [number, number | undefined, string][] =>
    ks ? Array.from({ length: rank }, (_, i) => [-(rank + 2) + i, asInt(ks[Math.min(i, ks.length - 1)]), 'kernel_size'] as [number, number | undefined, string]) : [];
  switch (cls) {
    case 'Dense':
      return [{ weight: 'kernel', dims: [[-1, units, 'units']] }, { weight: 'bias', dims: [[-1, units, 'units']] }];
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D': {
      const rank = cls === 'Conv1D' ? 1 : cls === 'Conv2D' ? 2 : 3;
      return [{ weight: 'kernel', dims: [[-1, filters, 'filters'], ...kernelDims(rank)] }, { weight: 'bias', dims: [[-1, filters, 'filters']] }];
    }
    case 'Conv2DTranspose':
    case 'Conv3DTranspose': {
      const rank = cls === 'Conv2DTranspose' ? 2 : 3;
      return [{ weight: 'kernel', dims: [[-2, filters, 'filters'], ...kernelDims(rank)] }, { weight: 'bias', dims: [[-1, filters, 'filters']] }];
    }
    case 'DepthwiseConv2D':
      return [{ weight: 'depthwise_kernel', dims: [[-1, asInt(cfg.depth_multiplier) ?? 1, 'depth_multiplier'], ...kernelDims(2)] }];
    case 'SeparableConv2D':
      return [
        { weight: 'depthwise_kernel', dims: [[-1, asInt(cfg.depth_multiplier) ?? 1, 'depth_multiplier'], ...kernelDims(2)] },
        { weight: 'pointwise_kernel', dims: [[-1, filters, 'filters']] },
        { weight: 'bias', dims: [[-1, filters, 'filters']] },
      ];
    case 'Embedding':
      return [{ weight: 'embeddings', dims: [[-2, asInt(cfg.input_dim), 'input_dim'], [-1, asInt(cfg.output_dim), 'output_dim']] }];
    default:
      return [];
  }
}

/** The spatial input sizes an InputLayer declares. */
function checkInputLayer(name: string, cfg: Record<string, unknown>): void {
  const shape = (cfg.batch_input_shape ?? cfg.batch_shape) as unknown;
  if (!Array.isArray(shape)) return;
  for (const d of shape.slice(1)) {
    if (d === null) continue;
    if (!Number.isSafeInteger(d) || d < 0) throw new ModelCheckError(`its input layer "${name}" has the shape ${JSON.stringify(shape)}; a list of non-negative integers is needed`);
  }
  const spatial = shape.slice(1, -1).filter((d): d is number => typeof d === 'number');
  if (spatial.some((d) => d > MAX_MODEL_INPUT_SIDE)) {
    throw new ModelCheckError(`its input layer "${name}" takes ${JSON.stringify(shape)}; inputs up to ${MAX_MODEL_INPUT_SIDE} px a side are accepted`);
  }
}

/**
 * Checks a topology against its weights manifest before any layer is built: every layer class
 * known to tfjs, inputs of at most MAX_MODEL_INPUT_SIDE, and each size a layer declares
 * (filters, units, kernel_size, ...) equal to its weights' shapes in the manifest.
 */
export function checkTopology(topology: unknown, specs: tf.io.WeightsManifestEntry[]): void {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  for (const l of allLayers(topology)) {
    const cls = l.class_name;
    const cfg = (l.config && typeof l.config === 'object' ? l.config : {}) as Record<string, unknown>;
    const name = typeof cfg.name === 'string' ? cfg.name : '?';
    if (typeof cls !== 'string') throw new ModelCheckError(`its layer "${name}" has no class name`);
    if (!(cls in known) && !CONTAINERS.has(cls)) throw new ModelCheckError(`its layer "${name}" is a "${cls}", a layer class tfjs does not know (a custom or newer Keras layer)`);
    if (cls === 'InputLayer') checkInputLayer(name, cfg);
    for (const { weight, dims } of declaredDims(cls, cfg)) {
      const spec = findSpec(specs, name, weight);
      if (!spec) continue;
      for (const [at, size, key] of dims) {
        const have = spec.shape[spec.shape.length + at];
        if (size !== undefined && have !== size) {
          throw new ModelCheckError(`its layer "${name}" declares ${key} ${JSON.stringify(cfg[key])}, but its weight "${spec.name}" in the manifest has the shape ${JSON.stringify(spec.shape)}`);
        }
      }
    }
  }
}

/**
 * The first non-finite value in the weights (float32, complex64 and float16-quantised entries;
 * int32, bool and uint8/uint16-quantised entries with a finite scale cannot hold one).
 */
export function firstNonFiniteWeight(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): { name: string; index: number; value: number } | null {
  let offset = 0;
  for (const s of specs) {
    const bytes = entryBytes(s);
    const isFloat = !s.quantization && (s.dtype === 'float32' || s.dtype === 'complex64');
    if (isFloat) {
      const view = offset % 4 === 0 ? new Float32Array(data, offset, bytes / 4) : new Float32Array(data.slice(offset, offset + bytes));
      for (let i = 0; i < view.length; i++) if (!Number.isFinite(view[i])) return { name: s.name, index: i, value: view[i] };
    } else if (s.quantization?.dtype === 'float16') {
      const u8 = new Uint8Array(data, offset, bytes);
      // exponent bits all set: Inf or NaN
      for (let i = 0; i + 1 < u8.length; i += 2) if ((u8[i + 1] & 0x7c) === 0x7c) return { name: s.name, index: i / 2, value: u8[i] === 0 && (u8[i + 1] & 0x03) === 0 ? (u8[i + 1] & 0x80 ? -Infinity : Infinity) : NaN };
    }
    offset += bytes;
  }
  return null;
}

/** Refuses weights holding NaN or an infinity, naming the first bad tensor. */
export function checkFiniteWeights(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): void {
  const bad = firstNonFiniteWeight(specs, data);
  if (bad) throw new ModelCheckError(`its weight "${bad.name}" holds ${bad.value} (value ${bad.index}); every weight must be a finite number`);
}

/** Weight values a build may still ask for; null outside guardedBuild. */
let budget: { left: number; declared: number; created: { dispose(): void }[] } | null = null;
let guardInstalled = false;

/**
 * Makes every Layer.addWeight check the values it asks for against `budget` before tfjs
 * allocates them (installed once; a no-op outside guardedBuild).
 */
function installGuard(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  const proto = tf.layers.Layer.prototype as unknown as { addWeight: (this: tf.layers.Layer, name: string, shape: number[], ...rest: unknown[]) => unknown };
  const addWeight = proto.addWeight;
  proto.addWeight = function (this: tf.layers.Layer, name: string, shape: number[], ...rest: unknown[]) {
    if (budget) {
      const n = shapeValues(shape);
      if (!(n <= MAX_TENSOR_VALUES) || n > budget.left) {
        throw new ModelCheckError(
          `its layer "${this.name}" needs a ${name} of shape ${JSON.stringify(shape)} (${fmt(n)} values), more than the weights manifest declares (${fmt(budget.declared)} values in all)`,
        );
      }
      budget.left -= n;
      const w = addWeight.call(this, name, shape, ...rest) as { dispose(): void };
      budget.created.push(w);
      return w;
    }
    return addWeight.call(this, name, shape, ...rest);
  };
}

/**
 * Builds a LayersModel from a topology with every weight it creates counted against the values
 * the manifest declares: a layer that asks for more is refused before tfjs allocates it. Then
 * checks that no layer's output for one image holds more than MAX_ACTIVATION_VALUES.
 */
export async function guardedBuild(topology: object, specs: tf.io.WeightsManifestEntry[]): Promise<tf.LayersModel> {
  installGuard();
  const declared = specs.reduce((n, s) => n + (shapeValues(s.shape) || 0), 0);
  const created: { dispose(): void }[] = [];
  budget = { left: declared, declared, created };
  let pending: Promise<tf.LayersModel>;
  try {
    // modelFromJSON builds every layer synchronously before its first await (no weights given).
    pending = tf.models.modelFromJSON({ modelTopology: topology } as Parameters<typeof tf.models.modelFromJSON>[0]);
  } finally {
    budget = null;
  }
  let model: tf.LayersModel;
  try {
    model = await pending;
  } catch (e) {
    // the layers built before the failure are unreachable: free their weights
    for (const w of created) w.dispose();
    throw e;
  }
  try {
    checkActivations(model);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Refuses a model one of whose layers outputs more than MAX_ACTIVATION_VALUES for one image. */
export function checkActivations(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) || layer.outputShape.length === 0 ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes) {
      const n = shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
      if (n > MAX_ACTIVATION_VALUES) {
        throw new ModelCheckError(`its layer "${layer.name}" outputs ${JSON.stringify(shape)} per image (${fmt(n)} values); the limit is ${fmt(MAX_ACTIVATION_VALUES)}`);
      }
    }
  }
}

/** Height and width of the grey image a fully convolutional model is probed with. */
const PROBE_SIDE = 64;

/**
 * Refuses a model whose output on a plain mid-grey image is not finite, naming the first layer
 * whose output is not (finite weights can still overflow).
 */
export async function checkFiniteScore(model: tf.LayersModel): Promise<void> {
  // a fully convolutional model's free sides get 64 px: of a 1 x 1 image, Keras MobileNetV2's zero
  // padding and 'valid' strided depthwise convolutions leave nothing, and tfjs-backend-wasm's
  // kernel then fails ('memory access out of bounds')
  const shape = model.inputs[0].shape.map((d, i) => d ?? (i === 0 ? 1 : PROBE_SIDE));
  const out = tf.tidy(() => {
    const y = model.predict(tf.fill(shape, 0.5)) as tf.Tensor | tf.Tensor[];
    return tf.concat((Array.isArray(y) ? y : [y]).map((t) => t.reshape([-1]).toFloat()));
  });
  const values = await out.data();
  out.dispose();
  if (values.every(Number.isFinite)) return;
  const layer = await firstNonFiniteLayer(model, shape);
  throw new ModelCheckError(`it scores a plain grey image as ${values.find((v) => !Number.isFinite(v))}${layer ? `: the output of its layer "${layer}" is the first that is not finite` : ''}`);
}

async function firstNonFiniteLayer(model: tf.LayersModel, shape: number[]): Promise<string | null> {
  const layers = model.layers.filter((l) => l.inboundNodes.length > 0 && l.getClassName() !== 'InputLayer');
  let probe: tf.LayersModel;
  try {
    probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
  } catch {
    return null;
  }
  const finite = tf.tidy(() => {
    const ys = probe.predict(tf.fill(shape, 0.5)) as tf.Tensor | tf.Tensor[];
    return tf.stack((Array.isArray(ys) ? ys : [ys]).map((y) => y.toFloat().isFinite().all()));
  });
  const flags = await finite.data();
  finite.dispose();
  const i = flags.findIndex((f) => !f);
  return i < 0 ? null : layers[i].name;
}
