import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { fromArtifacts } from '../../src/core/artifacts';
import { BENCH_SEED, LARGE_INPUT, LARGE_PARAMS } from '../../src/bench/config';
import { BUILTIN_MODELS, isBuiltinModel } from '../../src/bench/measure';
import { atInputSize, BenchModelError, camLayerOf } from '../../src/bench/models';
import { readArtifacts } from '../../src/cli/modelDir';

/** A model the benchmark can build fresh, with identical weights, on any backend. */
export interface BenchModel {
  /** As given on the command line, with @size when timed at another input size. */
  id: string;
  inputSize: number;
  layerName: string;
  params: number;
  /** MobileNetV2-size: seconds to minutes per step on the slow environments. */
  large: boolean;
  /** Loadable by the bench page: a built-in at its own size, or a folder under public/models/. */
  inBrowser: boolean;
  /** Where the weights come from, for the results. */
  weights: string;
  load(): Promise<tf.LayersModel>;
}

const isLarge = (inputSize: number, params: number) => inputSize >= LARGE_INPUT || params >= LARGE_PARAMS;

/**
 * tiny: the app's in-app baseline model (non-negative score) at 64 px; mnv2-035-random:
 * MobileNetV2-0.35 with random weights; otherwise a layers-model folder under public/models/
 * (or a model.json path), read by the CLI's reader, with its CAM layer from the metadata.
 * `size` rebuilds a built-in, or rewrites a folder's input shape, at another input size.
 */
export async function resolveModel(root: string, id: string, size?: number): Promise<BenchModel> {
  let load: () => Promise<tf.LayersModel>;
  let layerFor: (m: tf.LayersModel) => string;
  let weights: string;
  let ownSize: number;
  if (isBuiltinModel(id)) {
    const b = BUILTIN_MODELS[id];
    ownSize = b.inputSize;
    const s = size ?? b.inputSize;
    load = async () => b.build(s);
    layerFor = () => b.layerName;
    weights = `random (seed ${BENCH_SEED})`;
  } else {
    const path = id.endsWith('.json') ? resolve(root, id) : join(root, 'public', 'models', id.replace(/^models\//, ''));
    if (!existsSync(path)) throw new BenchModelError(id, `${path} does not exist`);
    const artifacts = readArtifacts(path);
    const probe = await fromArtifacts(artifacts);
    ownSize = probe.inputs[0].shape[1] ?? 0;
    probe.dispose();
    const a = size && size !== ownSize ? atInputSize(artifacts, size) : artifacts;
    load = () => fromArtifacts(a);
    layerFor = (m) => camLayerOf(m, artifacts.userDefinedMetadata);
    weights = `trained (${path.replace(`${root}/`, '')})`;
  }
  const probe = await load();
  try {
    const inputSize = probe.inputs[0].shape[1] ?? 0;
    const params = probe.countParams();
    const resized = inputSize !== ownSize;
    return {
      id: resized ? `${id}@${inputSize}` : id,
      inputSize,
      layerName: layerFor(probe),
      params,
      large: isLarge(inputSize, params),
      inBrowser: !id.endsWith('.json') && !resized,
      weights,
      load,
    };
  } finally {
    probe.dispose();
  }
}
