import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * Saves a LayersModel as the tfjs layers-model format the browser loads with
 * tf.loadLayersModel(url): model.json (topology, weights manifest, userDefinedMetadata) and
 * one weights file. `float16` stores weights as float16 (tfjs dequantises on load).
 */
export async function saveModelDir(
  model: tf.LayersModel,
  dir: string,
  metadata: Record<string, unknown>,
  opts: { float16?: boolean } = {},
): Promise<{ modelJsonBytes: number; weightBytes: number }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('saveModelDir: nothing was saved');
  let specs = artifacts.weightSpecs;
  let data = new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]));
  if (opts.float16) ({ specs, data } = toFloat16(specs, data));
  mkdirSync(dir, { recursive: true });
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    userDefinedMetadata: metadata,
  };
  const text = JSON.stringify(json);
  writeFileSync(join(dir, 'model.json'), text);
  writeFileSync(join(dir, 'weights.bin'), data);
  return { modelJsonBytes: Buffer.byteLength(text), weightBytes: data.byteLength };
}

function toFloat16(specs: tf.io.WeightsManifestEntry[], data: Uint8Array) {
  const f32 = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const out = new Uint16Array(f32.length);
  for (let i = 0; i < f32.length; i++) out[i] = f32ToF16(f32[i]);
  for (const s of specs) if (s.dtype !== 'float32') throw new Error(`toFloat16: weight ${s.name} is ${s.dtype}`);
  return {
    specs: specs.map((s) => ({ ...s, quantization: { dtype: 'float16' as const } })),
    data: new Uint8Array(out.buffer),
  };
}

/** IEEE half from single, round to nearest even; overflow to inf, subnormals kept. */
export function f32ToF16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export async function loadModelDir(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    userDefinedMetadata?: Record<string, unknown>;
  };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const bufs = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const data = Buffer.concat(bufs);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  );
}

/** Rewrites userDefinedMetadata of a saved model.json (weights untouched). */
export function updateMetadata(dir: string, metadata: Record<string, unknown>): number {
  const file = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  json.userDefinedMetadata = metadata;
  const text = JSON.stringify(json);
  writeFileSync(file, text);
  return Buffer.byteLength(text);
}
