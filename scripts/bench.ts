/**
 * `npm run bench`: times the real training step (one-pass differentiable GradCAM loss, Adam,
 * batch 8) per environment x model on Node, with a PyTorch CPU reference of the same model,
 * batch and loss when Debian's torch is there. Prints a table, writes bench/results.json.
 *
 *   npm run bench -- --env node-wasm,node-cpu --model tiny --steps 10 --warmup 2
 *
 * Options: --env (node-wasm, node-cpu), --model (tiny; mnv2-035-random, MobileNetV2-0.35 at
 * 224 px with random weights; a folder name under public/models/; or a path to a model.json;
 * default: tiny and every model in public/models/), --steps (timed steps,
 * >= 10 for reported figures), --warmup, --batch, --emit-every (streaming comparison),
 * --torch-threads (comma list, default 1,2; 0 = skip torch), --out (default bench/results.json).
 * It is a benchmark, not a test: nothing here asserts a time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { heatmapAtMaskSize, energyInMask } from '../src/core/alignment';
import { makeBatch, disposeBatch } from '../src/core/batch';
import { computeCam } from '../src/core/cam';
import { TARGET_LAYER } from '../src/core/config';
import type { Sample } from '../src/core/dataset';
import { registerTrainingKernels } from '../src/core/kernels';
import type { SteerBatch } from '../src/core/loss';
import { presetMask, resizeMask } from '../src/core/mask';
import { buildTinyModel, camLayerNames } from '../src/core/model';
import { Trainer, type TrainerOptions } from '../src/core/trainer';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS_DIR = join(ROOT, 'public', 'models');
const PYTHON = '/usr/bin/python3';

type EnvName = 'node-wasm' | 'node-cpu';
const ENVS: Record<EnvName, 'wasm' | 'cpu'> = { 'node-wasm': 'wasm', 'node-cpu': 'cpu' };

interface Options {
  envs: EnvName[];
  /** --env given: run every env x model, even node-cpu with the larger models. */
  envsExplicit: boolean;
  models: string[];
  steps: number;
  warmup: number;
  batch: number;
  emitEvery: number;
  torchThreads: number[];
  out: string;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const list = (name: string) => get(name)?.split(',').map((s) => s.trim()).filter(Boolean);
  const envs = (list('env') ?? Object.keys(ENVS)) as EnvName[];
  for (const e of envs) if (!(e in ENVS)) throw new Error(`--env: unknown environment "${e}" (known: ${Object.keys(ENVS).join(', ')})`);
  const found = existsSync(MODELS_DIR)
    ? readdirSync(MODELS_DIR).filter((d) => existsSync(join(MODELS_DIR, d, 'model.json')))
    : [];
  return {
    envs,
    envsExplicit: get('env') !== undefined,
    models: list('model') ?? ['tiny', ...found],
    steps: Number(get('steps') ?? 10),
    warmup: Number(get('warmup') ?? 2),
    batch: Number(get('batch') ?? 8),
    emitEvery: Number(get('emit-every') ?? 5),
    torchThreads: (list('torch-threads') ?? ['1', '2']).map(Number).filter((n) => n > 0),
    out: resolve(ROOT, get('out') ?? 'bench/results.json'),
  };
}

/** A model the benchmark can build fresh, with identical weights, on any backend. */
interface BenchModel {
  id: string;
  inputSize: number;
  layerName: string;
  load(): Promise<tf.LayersModel>;
}

/** Reads a layers-model folder (model.json + weight files) from disk. */
async function loadModelJson(path: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const data = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(path), p)))));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    }),
  );
}

/** Keras' _make_divisible: channel counts of MobileNetV2 at width multiplier alpha. */
function makeDivisible(v: number, divisor = 8): number {
  const n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return n < 0.9 * v ? n + divisor : n;
}

/**
 * Keras MobileNetV2 (alpha, input size) with random weights and a GAP + dense quality head:
 * the architecture and layer names of keras.applications.MobileNetV2 up to `out_relu`, so the
 * step costs what the shipped model's will before its trained weights exist.
 */
function buildMobileNetV2(alpha: number, size: number, seed: number): tf.LayersModel {
  let n = 0;
  const init = () => tf.initializers.heNormal({ seed: seed * 1000 + n++ });
  const bn = (x: tf.SymbolicTensor, name: string) =>
    tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999, name }).apply(x) as tf.SymbolicTensor;
  const relu6 = (x: tf.SymbolicTensor, name: string) => tf.layers.reLU({ maxValue: 6, name }).apply(x) as tf.SymbolicTensor;
  const conv = (x: tf.SymbolicTensor, filters: number, k: number, strides: number, name: string) =>
    tf.layers
      .conv2d({ filters, kernelSize: k, strides, padding: 'same', useBias: false, kernelInitializer: init(), name })
      .apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  let x = relu6(bn(conv(input, makeDivisible(32 * alpha), 3, 2, 'Conv1'), 'bn_Conv1'), 'Conv1_relu');
  const blocks: [number, number, number][] = [
    [16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6], [64, 1, 6],
    [64, 1, 6], [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6],
  ];
  blocks.forEach(([filters, stride, expansion], id) => {
    const inC = x.shape[3] as number;
    const out = makeDivisible(filters * alpha);
    const p = id ? `block_${id}_` : 'expanded_conv_';
    let h = x;
    if (id) h = relu6(bn(conv(h, expansion * inC, 1, 1, `${p}expand`), `${p}expand_BN`), `${p}expand_relu`);
    if (stride === 2) {
      h = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `${p}pad` }).apply(h) as tf.SymbolicTensor;
    }
    h = tf.layers
      .depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 2 ? 'valid' : 'same', useBias: false, depthwiseInitializer: init(), name: `${p}depthwise` })
      .apply(h) as tf.SymbolicTensor;
    h = relu6(bn(h, `${p}depthwise_BN`), `${p}depthwise_relu`);
    h = bn(conv(h, out, 1, 1, `${p}project`), `${p}project_BN`);
    x = inC === out && stride === 1 ? (tf.layers.add({ name: `${p}add` }).apply([x, h]) as tf.SymbolicTensor) : h;
  });
  x = relu6(bn(conv(x, 1280, 1, 1, 'Conv_1'), 'Conv_1_bn'), 'out_relu');
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const q = tf.layers
    .dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: tf.initializers.constant({ value: 0.5 }), name: 'score' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: q, name: `mobilenetv2_${alpha}_${size}_random` });
}

/** tiny: buildTinyModel at 64 px; mnv2-035-random: MobileNetV2-0.35 at 224 px, random weights; otherwise a layers-model folder (CAM layer from its metadata or its last conv layer). */
async function resolveModel(id: string): Promise<BenchModel> {
  if (id === 'tiny') {
    return { id, inputSize: 64, layerName: TARGET_LAYER, load: async () => buildTinyModel(64, 7) };
  }
  if (id === 'mnv2-035-random') {
    return { id, inputSize: 224, layerName: 'out_relu', load: async () => buildMobileNetV2(0.35, 224, 7) };
  }
  const path = id.endsWith('.json') ? resolve(ROOT, id) : join(MODELS_DIR, id, 'model.json');
  if (!existsSync(path)) throw new Error(`model "${id}": ${path} does not exist`);
  const meta = (JSON.parse(readFileSync(path, 'utf8')) as { userDefinedMetadata?: Record<string, unknown> })
    .userDefinedMetadata;
  const probe = await loadModelJson(path);
  const inputSize = probe.inputs[0].shape[1] ?? 224;
  const names = camLayerNames(probe);
  const wanted = [meta?.camLayer, meta?.targetLayer, meta?.layerName].find((v): v is string => typeof v === 'string');
  const layerName = wanted && names.includes(wanted) ? wanted : names[names.length - 1];
  probe.dispose();
  return { id, inputSize, layerName, load: () => loadModelJson(path) };
}

/** A seeded synthetic batch (random images, 'corners' masks on half the samples). */
function benchBatch(model: tf.LayersModel, layerName: string, size: number, n: number): SteerBatch {
  const shape = model.getLayer(layerName).outputShape as number[];
  const grid = { h: shape[1], w: shape[2] };
  const samples: Sample[] = Array.from({ length: n }, (_, i) => ({
    refId: i % 2 === 0 ? 'steered' : 'other',
    distortion: null,
    level: 0,
    image: tf.randomUniform([size, size, 3], 0, 1, 'float32', 100 + i) as tf.Tensor3D,
    score: 10 + (80 * i) / Math.max(1, n - 1),
  }));
  const mask = resizeMask(presetMask('corners'), grid.w, grid.h).data;
  const batch = makeBatch(samples, samples.map((_, i) => i), new Map([['steered', mask]]), grid);
  tf.dispose(samples.map((s) => s.image));
  return batch;
}

const TRAIN: Omit<TrainerOptions, 'layerName'> = {
  learningRate: 1e-3,
  optimizer: 'adam',
  lambda: 2,
  camLoss: 'mse',
  detachAlpha: true,
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timeStep(trainer: Trainer, batch: SteerBatch): Promise<{ ms: number; losses: number[] }> {
  const t0 = performance.now();
  const l = trainer.step(batch);
  const losses = Array.from(await l.data());
  l.dispose();
  return { ms: performance.now() - t0, losses };
}

/** What the training worker does every `emitEvery` steps for the live view (src/worker/session.ts). */
async function emitHeatmap(trainer: Trainer, x: tf.Tensor4D): Promise<void> {
  const { q, map } = computeCam(trainer.split, x, 'gradcam');
  const [data] = await Promise.all([map.data(), q.data()]);
  const [, h, w] = map.shape;
  tf.dispose([q, map]);
  energyInMask(heatmapAtMaskSize(data, w, h, 128, 128), presetMask('corners').data);
}

interface Row {
  env: string;
  model: string;
  inputSize: number;
  batch: number;
  steps: number;
  medianMs: number;
  /** Fastest timed step: the least disturbed by other processes on a shared machine. */
  minMs: number;
  firstStepMs: number;
  imagesPerSec: number;
  tensorsBefore: number;
  tensorsAfter: number;
  /** Right after the first timed step (the optimizers' slots exist from the first step on). */
  tensorsAfterWarmup: number;
  dataIdsBefore: number;
  dataIdsAfter: number;
  /** Tensor count identical after every timed step. */
  tensorsFlat: boolean;
  twoPassMedianMs: number;
  onePassOverTwoPass: number;
  streamingMedianMs: number;
  streamingOverhead: number;
  firstLosses: number[];
  /** tf.memory().numBytes after the run; on wasm also the heap size (it only grows: a peak). */
  memory: { numBytes: number; wasmHeapBytes?: number };
}

async function benchEnv(env: EnvName, m: BenchModel, o: Options): Promise<Row> {
  const backend = ENVS[env];
  registerTrainingKernels(backend);
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`cannot start ${backend}`);
  await tf.ready();
  const model = await m.load();
  const batch = benchBatch(model, m.layerName, m.inputSize, o.batch);
  const x1 = batch.x.slice([0], [1]) as tf.Tensor4D;
  const one = new Trainer(model, { ...TRAIN, layerName: m.layerName });
  const two = new Trainer(model, { ...TRAIN, layerName: m.layerName, twoPass: true });
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = tf.engine().backend.numDataIds();

  const first = await timeStep(one, batch);
  for (let i = 0; i < o.warmup; i++) await timeStep(one, batch);
  for (let i = 0; i < Math.max(1, o.warmup); i++) await timeStep(two, batch);
  await emitHeatmap(one, x1);
  // Interleaved so load from other processes hits all variants alike.
  const onePass: number[] = [];
  const twoPass: number[] = [];
  const streaming: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < o.steps; i++) {
    onePass.push((await timeStep(one, batch)).ms);
    counts.push(tf.memory().numTensors);
    twoPass.push((await timeStep(two, batch)).ms);
    const t0 = performance.now();
    await timeStep(one, batch);
    if (i % o.emitEvery === 0) await emitHeatmap(one, x1);
    streaming.push(performance.now() - t0);
  }
  const tensorsAfter = tf.memory().numTensors;
  const dataIdsAfter = tf.engine().backend.numDataIds();
  const mem = tf.memory() as tf.MemoryInfo & { unreliable?: boolean };
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length;
  one.dispose();
  two.dispose();
  disposeBatch(batch);
  x1.dispose();
  model.dispose();

  const med = median(onePass);
  // Streaming: the mean step including every emitEvery-th emission, over the plain median.
  const streamMean = streaming.reduce((a, b) => a + b, 0) / streaming.length;
  const plainMean = onePass.reduce((a, b) => a + b, 0) / onePass.length;
  return {
    env,
    model: m.id,
    inputSize: m.inputSize,
    batch: o.batch,
    steps: o.steps,
    medianMs: med,
    minMs: Math.min(...onePass),
    firstStepMs: first.ms,
    imagesPerSec: (o.batch * 1000) / med,
    tensorsBefore,
    tensorsAfter,
    tensorsAfterWarmup: counts[0],
    dataIdsBefore,
    dataIdsAfter,
    tensorsFlat: new Set(counts).size === 1,
    twoPassMedianMs: median(twoPass),
    onePassOverTwoPass: med / median(twoPass),
    streamingMedianMs: median(streaming),
    streamingOverhead: streamMean / plainMean - 1,
    firstLosses: first.losses,
    memory: { numBytes: mem.numBytes, ...(heap ? { wasmHeapBytes: heap } : {}) },
  };
}

interface TorchRow {
  env: string;
  model: string;
  threads: number;
  medianMs?: number;
  minMs?: number;
  firstStepMs?: number;
  imagesPerSec?: number;
  torchVersion?: string;
  firstLosses?: number[];
  /** |loss_torch - loss_tfjs| / loss_tfjs at the first step (same weights and batch). */
  firstLossRelDiff?: number;
  skipped?: string;
}

function torchAvailable(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch (Debian: apt-get install -y python3-torch)`;
  }
}

/** Writes the model's layers, weights and the batch for scripts/torch_ref.py. */
async function exportForTorch(m: BenchModel, o: Options, dir: string): Promise<void> {
  const model = await m.load();
  const batch = benchBatch(model, m.layerName, m.inputSize, o.batch);
  const chunks: Float32Array[] = [];
  let offset = 0;
  const put = (t: tf.Tensor) => {
    const v = t.dataSync() as Float32Array;
    chunks.push(v);
    offset += v.length;
    return { offset: offset - v.length, shape: t.shape };
  };
  const layers = model.layers.map((layer) => {
    const node = layer.inboundNodes[0];
    return {
      name: layer.name,
      className: layer.getClassName(),
      config: layer.getConfig(),
      inbound: node ? node.inboundLayers.map((l) => l.name) : [],
      weights: layer.weights.map((w, i) => ({
        role: w.originalName.split('/').pop(),
        trainable: w.trainable,
        ...put(layer.getWeights()[i]),
      })),
    };
  });
  const spec = {
    layers,
    targetLayer: m.layerName,
    outputLayer: model.outputLayers[0].name,
    batch: { x: put(batch.x), y: put(batch.y), masks: put(batch.masks), maskWeight: put(batch.maskWeight) },
    options: TRAIN,
  };
  const data = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  writeFileSync(join(dir, 'data.bin'), Buffer.from(data.buffer));
  disposeBatch(batch);
  model.dispose();
}

async function benchTorch(m: BenchModel, o: Options, tfjsLoss: number | undefined): Promise<TorchRow[]> {
  const missing = torchAvailable();
  if (missing) return [{ env: 'torch-cpu', model: m.id, threads: 0, skipped: missing }];
  const dir = mkdtempSync(join(tmpdir(), 'camsteer-bench-'));
  try {
    await exportForTorch(m, o, dir);
    return o.torchThreads.map((threads) => {
      const out = execFileSync(
        PYTHON,
        [join(ROOT, 'scripts', 'torch_ref.py'), join(dir, 'spec.json'), join(dir, 'data.bin'), String(threads), String(o.warmup), String(o.steps)],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      const r = JSON.parse(out.trim().split('\n').pop()!) as {
        error?: string;
        medianMs: number;
        firstStepMs: number;
        stepsMs: number[];
        torchVersion: string;
        threads: number;
        firstLosses: number[];
      };
      if (r.error) return { env: 'torch-cpu', model: m.id, threads, skipped: r.error };
      return {
        env: 'torch-cpu',
        model: m.id,
        threads: r.threads,
        medianMs: r.medianMs,
        minMs: Math.min(...r.stepsMs),
        firstStepMs: r.firstStepMs,
        imagesPerSec: (o.batch * 1000) / r.medianMs,
        torchVersion: r.torchVersion,
        firstLosses: r.firstLosses,
        firstLossRelDiff: tfjsLoss === undefined ? undefined : Math.abs(r.firstLosses[0] - tfjsLoss) / Math.abs(tfjsLoss),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const loadStart = loadavg();
  const rows: Row[] = [];
  const torchRows: TorchRow[] = [];
  const notes: string[] = [];
  for (const id of o.models) {
    let m: BenchModel;
    try {
      m = await resolveModel(id);
    } catch (e) {
      notes.push(`model ${id} skipped: ${(e as Error).message}`);
      continue;
    }
    for (const env of o.envs) {
      if (env === 'node-cpu' && m.id !== 'tiny' && !o.envsExplicit) {
        notes.push(`node-cpu x ${m.id} skipped by default (minutes per step); pass --env node-cpu to run it`);
        continue;
      }
      process.stdout.write(`${env} x ${m.id} (${m.inputSize} px, batch ${o.batch}) ... `);
      try {
        const row = await benchEnv(env, m, o);
        rows.push(row);
        console.log(`${fmt(row.medianMs)} ms/step`);
      } catch (e) {
        console.log('failed');
        notes.push(`${env} x ${m.id} failed: ${(e as Error).message}`);
      }
    }
    if (o.torchThreads.length) {
      process.stdout.write(`torch-cpu x ${m.id} ... `);
      const tfjsLoss = rows.find((r) => r.model === m.id)?.firstLosses[0];
      const t = await benchTorch(m, o, tfjsLoss);
      torchRows.push(...t);
      console.log(t.map((r) => (r.skipped ? `skipped (${r.skipped})` : `${fmt(r.medianMs)} ms/step (${r.threads} thr)`)).join(', '));
    }
  }

  const pick = (env: string, model = 'tiny') => rows.find((r) => r.env === env && r.model === model) ?? rows.find((r) => r.env === env);
  const ref = pick('node-wasm') ?? rows[0];
  const wasmOverTorch = (model: string, threads?: number) => {
    const w = rows.find((r) => r.env === 'node-wasm' && r.model === model);
    const ts = torchRows.filter((r) => r.model === model && r.medianMs !== undefined && (threads === undefined || r.threads === threads));
    const best = Math.min(...ts.map((r) => r.medianMs!));
    return w && ts.length ? w.medianMs / best : null;
  };
  const models = [...new Set(rows.map((r) => r.model))];
  const ratios = {
    onePassOverTwoPass: ref ? ref.onePassOverTwoPass : null,
    streamingOverhead: ref ? ref.streamingOverhead : null,
    /** node-wasm median over the fastest torch row (any thread count) of the same model. */
    wasmOverTorch: ref ? wasmOverTorch(ref.model) : null,
    basis: ref ? `${ref.env} x ${ref.model}` : null,
    byModel: Object.fromEntries(
      models.map((model) => [
        model,
        {
          wasmOverTorch: wasmOverTorch(model),
          wasmOverTorch1Thread: wasmOverTorch(model, 1),
          wasmOverTorch2Threads: wasmOverTorch(model, 2),
          onePassOverTwoPass: pick('node-wasm', model)?.model === model ? pick('node-wasm', model)!.onePassOverTwoPass : null,
        },
      ]),
    ),
  };
  notes.push(
    'streamingOverhead: Node emulation of the worker-side live view (computeCam on one image, readback and energy-in-mask ' +
      `every ${o.emitEvery} steps, as src/worker/session.ts does); excludes postMessage and canvas drawing, which need the browser harness.`,
    'Browser environments (Chromium worker: webgpu, webgl, wasm, cpu) are not measured by this script yet.',
    'tfjs wasm runs single-threaded here (SIMD build); torch rows give 1 and 2 threads.',
  );
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverageStart: loadStart,
      loadAverageEnd: loadavg(),
      node: process.version,
      tfjs: tf.version.tfjs,
      wasmThreads: rows.some((r) => r.env === 'node-wasm') ? tfwasm.getThreadsCount() : null,
    },
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    options: { ...o, out: undefined, envsExplicit: undefined },
    rows,
    torch: torchRows,
    ratios,
    notes,
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);

  console.log('');
  console.table(
    rows.map((r) => ({
      env: r.env,
      model: `${r.model}@${r.inputSize}`,
      'ms/step (median)': fmt(r.medianMs),
      'min ms': fmt(r.minMs),
      'first step ms': fmt(r.firstStepMs),
      'images/s': fmt(r.imagesPerSec),
      'tensors before/after': `${r.tensorsBefore}/${r.tensorsAfter}${r.tensorsFlat ? '' : ' (not flat)'}`,
      '1-pass/2-pass': fmt(r.onePassOverTwoPass, 2),
      streaming: `${fmt(100 * r.streamingOverhead)}%`,
    })),
  );
  if (torchRows.length) {
    console.table(
      torchRows.map((r) => ({
        env: r.env,
        model: r.model,
        threads: r.threads,
        'ms/step (median)': r.skipped ? `skipped: ${r.skipped}` : fmt(r.medianMs),
        'min ms': fmt(r.minMs),
        'images/s': fmt(r.imagesPerSec),
        'first-loss diff vs tfjs': r.firstLossRelDiff === undefined ? '-' : r.firstLossRelDiff.toExponential(1),
      })),
    );
  }
  console.log('ratios', JSON.stringify(ratios));
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`wrote ${o.out}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
