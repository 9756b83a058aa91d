import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { strToU8, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromArtifacts, toArtifacts } from './artifacts';
import { buildTinyModel } from './model';
import { ModelImportError, unzipModel, zipModel } from './modelZip';
import { useCpuBackend } from './testUtil';
import { editLayer, splitZipBomb } from './hostileFixtures';

beforeAll(useCpuBackend);

describe('model zip export/import', () => {
  it('round-trips to identical weights, topology and metadata', async () => {
    const model = buildTinyModel(16, 3);
    const zipped = zipModel(await toArtifacts(model, { camsteer: { name: 'x' } }));
    const back = unzipModel(zipped);
    expect(back.userDefinedMetadata).toEqual({ camsteer: { name: 'x' } });
    const loaded = await fromArtifacts(back);
    const a = model.getWeights();
    const b = loaded.getWeights();
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => expect(Array.from(b[i].dataSync())).toEqual(Array.from(w.dataSync())));
    const x = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 1);
    expect((loaded.predict(x) as tf.Tensor).dataSync()[0]).toBe((model.predict(x) as tf.Tensor).dataSync()[0]);
  });

  it('loads a fully convolutional MobileNetV2-style model on wasm (its finite-score probe is 64 px, not 1 x 1)', async () => {
    await tf.setBackend('wasm');
    try {
      const input = tf.input({ shape: [null, null, 3] });
      let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
      // as Keras's MobileNetV2 downsamples: zero padding, then a 'valid' strided depthwise convolution
      x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', depthwiseInitializer: tf.initializers.heNormal({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
      const gap = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(gap) as tf.SymbolicTensor });
      const loaded = await fromArtifacts(await toArtifacts(model, {}));
      expect(loaded.inputs[0].shape).toEqual([null, null, null, 3]);
      model.dispose();
      loaded.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('loads a model with a Keras constraint as tfjs does, without leaking tensors', async () => {
    const model = buildTinyModel(16, 2, { nonNegativeScore: true });
    const a = await toArtifacts(model, { camsteer: { name: 'c' } });
    // tfjs's own loader (which leaks a tensor per constrained weight) is the reference
    const reference = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData }));
    const before = tf.memory().numTensors;
    const loaded = await fromArtifacts(a);
    expect(tf.memory().numTensors - before).toBe(loaded.weights.length);
    expect(loaded.getUserDefinedMetadata()).toEqual({ camsteer: { name: 'c' } });
    expect(loaded.getLayer('score').getConfig().kernelConstraint).toBeTruthy();
    const w = reference.getWeights();
    loaded.getWeights().forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(w[i].dataSync())));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    reference.dispose();
  });

  const modelJson = async () => {
    const a = await toArtifacts(buildTinyModel(16, 1));
    return { a, json: { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] } };
  };

  it('refuses invalid JSON, a missing weight file, wrong sizes and non-zips with clear errors', async () => {
    const { a, json } = await modelJson();
    const bin = new Uint8Array(a.weightData);
    expect(() => unzipModel(zipSync({ 'model.json': strToU8('{not json'), 'weights.bin': bin }))).toThrow(/not valid JSON/);
    expect(() => unzipModel(zipSync({ 'model.json': strToU8(JSON.stringify(json)) }))).toThrow(/"weights.bin" named in model.json is missing/);
    expect(() => unzipModel(zipSync({ 'model.json': strToU8(JSON.stringify(json)), 'weights.bin': bin.slice(8) }))).toThrow(/manifest's shapes need/);
    expect(() => unzipModel(zipSync({ 'other.txt': strToU8('hi') }))).toThrow(/no model.json/);
    expect(() => unzipModel(strToU8('plain text'))).toThrow(ModelImportError);
    expect(() => unzipModel(zipSync({ 'model.json': strToU8('{"weightsManifest": []}') }))).toThrow(/no modelTopology/);
  });

  it('refuses a manifest declaring absurd weight sizes before reading them', async () => {
    const { json } = await modelJson();
    const huge = { ...json, weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [100000, 100000], dtype: 'float32' }] }] };
    expect(() => unzipModel(zipSync({ 'model.json': strToU8(JSON.stringify(huge)), 'weights.bin': new Uint8Array(4) }))).toThrow(/declares/);
  });

  it('finds model.json in a folder inside the zip, with sharded weights', async () => {
    const { a } = await modelJson();
    const bin = new Uint8Array(a.weightData);
    const half = Math.floor(bin.length / 2);
    const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['g1.bin', 'g2.bin'], weights: a.weightSpecs }] };
    const back = unzipModel(zipSync({ 'm/model.json': strToU8(JSON.stringify(json)), 'm/g1.bin': bin.slice(0, half), 'm/g2.bin': bin.slice(half) }));
    expect(new Uint8Array(back.weightData)).toEqual(bin);
  });
});

describe('hostile model zips (docs/bad-input.md)', () => {
  const parts = async () => {
    const a = await toArtifacts(buildTinyModel(16, 1));
    const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
    return { a, json, bin: new Uint8Array(a.weightData) };
  };

  it('refuses a zip bomb split across entries from the zip directory (each entry under the old per-entry limit)', async () => {
    const { json, bin } = await parts();
    const bomb = splitZipBomb(JSON.stringify(json), bin, 2, 120e6);
    expect(bomb.length).toBeLessThan(1e6);
    expect(() => unzipModel(bomb)).toThrow(/the archive would unpack to 240 MB; the limit is 232 MB/);
  });

  it('refuses a zip with more entries than a model has', async () => {
    const { json, bin } = await parts();
    const files: Record<string, Uint8Array> = { 'model.json': strToU8(JSON.stringify(json)), 'weights.bin': bin };
    for (let i = 0; i < 1000; i++) files[`x/${i}.txt`] = new Uint8Array(1);
    expect(() => unzipModel(zipSync(files, { level: 0 }))).toThrow(/the archive holds 1002 files; a model has at most 1000/);
  });

  it('refuses weight paths with "..", and a topology whose layer sizes do not match its weights, before building', async () => {
    const { json, bin } = await parts();
    const escaping = { ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: ['../weights.bin'] }] };
    expect(() => unzipModel(zipSync({ 'm/model.json': strToU8(JSON.stringify(escaping)), 'weights.bin': bin }))).toThrow(/weight path "\.\.\/weights\.bin" in model\.json is refused/);
    const big = editLayer(json, 'cam_target', (l) => void (l.config.filters = 1e6));
    expect(() => unzipModel(zipSync({ 'model.json': strToU8(JSON.stringify(big)), 'weights.bin': bin }))).toThrow(/its layer "cam_target" declares filters 1000000/);
    const negative = { ...json, weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'a', shape: [-1000, 1000], dtype: 'float32' }, { name: 'b', shape: [1000, 1000], dtype: 'float32' }] }] };
    expect(() => unzipModel(zipSync({ 'model.json': strToU8(JSON.stringify(negative)), 'weights.bin': bin }))).toThrow(/the weight "a" has the shape \[-1000,1000\]/);
    const malformed = { ...json, weightsManifest: [{ paths: 'weights.bin', weights: {} }] };
    expect(() => unzipModel(zipSync({ 'model.json': strToU8(JSON.stringify(malformed)), 'weights.bin': bin }))).toThrow(/its weightsManifest is malformed/);
  });

  it('refuses NaN and infinite weights on import, naming the first bad tensor', async () => {
    const { json, bin } = await parts();
    const bad = new Float32Array(bin.slice().buffer);
    bad[bad.length - 1] = Infinity;
    expect(() => unzipModel(zipSync({ 'model.json': strToU8(JSON.stringify(json)), 'weights.bin': new Uint8Array(bad.buffer) }))).toThrow(
      /its weight "score\/bias" holds Infinity \(value 0\); every weight must be a finite number/,
    );
  });
});

describe('model limits checked before the work they protect', () => {
  it('refuses an input larger than 1024 px a side from the topology, before building', async () => {
    const a = await toArtifacts(buildTinyModel(16, 1));
    const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
    const wide = JSON.parse(JSON.stringify(json).replace('"batch_input_shape":[null,16,16,3]', '"batch_input_shape":[null,5000,5000,3]'));
    expect(JSON.stringify(wide)).toContain('5000');
    expect(() => unzipModel(zipSync({ 'model.json': strToU8(JSON.stringify(wide)), 'weights.bin': new Uint8Array(a.weightData) }))).toThrow(
      /its input layer "\w+" takes \[null,5000,5000,3\]; inputs up to 1024 px a side are accepted/,
    );
  });

  it('refuses a layer whose output for one image passes 64 M values, after building and before any forward pass', async () => {
    const input = tf.input({ shape: [32, 32, 3] });
    const up = tf.layers.upSampling2d({ size: [300, 300], name: 'blow_up' }).apply(input) as tf.SymbolicTensor;
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'conv' }).apply(up) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1 }).apply(tf.layers.globalAveragePooling2d({}).apply(conv)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const a = await toArtifacts(model);
    model.dispose();
    const before = tf.memory().numTensors;
    await expect(fromArtifacts(a)).rejects.toThrow(/its layer "blow_up" outputs \[null,9600,9600,3\] per image \(276\.5 M values\); the limit is 64\.0 M/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
