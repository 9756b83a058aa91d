import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ROOT } from './data';

/**
 * The MobileNetV2 (alpha 1.0, Keras 2.2.4, ImageNet-derived) layers model that ships inside the
 * MIT npm package nsfwjs@4.4.0, read from node_modules at pretrain time. Its two bundle files are
 * UMD modules: model.min.js exports { modelTopology, weightsManifest } and
 * group1-shard1of1.min.js exports the weight file as a base64 string (uint8-quantised weights,
 * dequantised by the tfjs loader). Input: RGB in [0, 1] (nsfwjs divides by 255).
 */
const DIR = join(ROOT, 'node_modules/nsfwjs/dist/models/mobilenet_v2');

interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
}

/** Bytes of one manifest entry in the weight file (quantised or not). */
function entryBytes(e: tf.io.WeightsManifestEntry): number {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const dtype = e.quantization?.dtype ?? e.dtype;
  return n * (dtype === 'uint8' ? 1 : dtype === 'uint16' || dtype === 'float16' ? 2 : 4);
}

/**
 * The backbone up to `lastLayer` (default out_relu; its ImageNet classifier is dropped), with
 * its input set to inputSize x inputSize, or to any size when null (every layer up to out_relu
 * is size-agnostic).
 */
export async function loadNsfwjsMobilenetV2(inputSize: number | null, lastLayer = 'out_relu'): Promise<tf.LayersModel> {
  const require = createRequire(import.meta.url);
  const bundle = require(join(DIR, 'model.min.js')) as {
    modelTopology: { model_config: { config: { layers: KerasLayer[]; output_layers: unknown[] } } };
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightsB64 = require(join(DIR, 'group1-shard1of1.min.js')) as string;
  const topology = structuredClone(bundle.modelTopology);
  const cfg = topology.model_config.config;
  const last = cfg.layers.findIndex((l) => l.name === lastLayer);
  if (last < 0) throw new Error(`nsfwjs MobileNetV2: no layer ${lastLayer}`);
  cfg.layers = cfg.layers.slice(0, last + 1);
  cfg.output_layers = [[lastLayer, 0, 0]];
  const input = cfg.layers.find((l) => l.class_name === 'InputLayer');
  if (!input) throw new Error('nsfwjs MobileNetV2: no InputLayer');
  input.config.batch_input_shape = [null, inputSize, inputSize, 3];
  const kept = new Set(cfg.layers.map((l) => l.name));
  const bytes = Buffer.from(weightsB64, 'base64');
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Buffer[] = [];
  let off = 0;
  for (const e of bundle.weightsManifest.flatMap((g) => g.weights)) {
    const n = entryBytes(e);
    if (kept.has(e.name.split('/')[0])) {
      specs.push(e);
      parts.push(bytes.subarray(off, off + n));
    }
    off += n;
  }
  if (off !== bytes.length) throw new Error(`nsfwjs MobileNetV2: manifest covers ${off} of ${bytes.length} bytes`);
  const data = Buffer.concat(parts);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: topology,
      weightSpecs: specs,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    }),
  );
}
