/**
 * npm run pretrain -- --model tiny|mobilenetv2 [--steps N] [--backend wasm|cpu] [--no-cache]
 *
 * Trains a shipped quality model on the synthetic IQA set (train split), keeps the weights with
 * the best validation SRCC, measures the test split and writes public/models/<model>/
 * (model.json + weights.bin, metadata in userDefinedMetadata). Seeded; see docs/data.md.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { SCORE_SCALE } from '../src/core/config';
import { buildIqaData, DEFAULT_DATA_CONFIG, type IqaData, type IqaDataConfig } from '../src/core/iqa/data';
import { jpegJsCodec } from '../src/core/iqa/jpegCodec';
import { SCORE_MAP } from '../src/core/iqa/label';
import { pretrainQuality, predictScores } from '../src/core/iqa/train';
import { setupBackend } from './lib/backend';
import { cacheKey, loadOrCreateSplits, loadReferences, loadSamples, ROOT, saveSamples } from './lib/data';
import { loadModelDir, saveModelDir, updateMetadata } from './lib/modelio';
import { Progress, fmt } from './lib/progress';
import { getRecipe } from './lib/recipes';
import { formatReport, reportOf, rounded } from './lib/report';

const SPLIT_SEED = 7;

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'tiny' },
    steps: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    'no-cache': { type: 'boolean', default: false },
    out: { type: 'string' },
    /** Smoke tests: train on the first N training images only. */
    limit: { type: 'string' },
  },
});

async function loadData(cfg: IqaDataConfig, useCache: boolean): Promise<IqaData> {
  const splits = loadOrCreateSplits(SPLIT_SEED);
  const key = cacheKey({ cfg, splits });
  if (useCache) {
    const train = loadSamples(key, 'train');
    const val = loadSamples(key, 'val');
    const test = loadSamples(key, 'test');
    if (train && val && test) {
      console.log(`data: cached (${key})`);
      return { train, val, test };
    }
  }
  const bars = new Map<string, Progress>();
  const data = await buildIqaData(loadReferences(), splits, cfg, jpegJsCodec, (part, done, total) => {
    if (!bars.has(part)) bars.set(part, new Progress(`data ${part.padEnd(11)}`, total));
    bars.get(part)!.update(done);
  });
  saveSamples(key, 'train', data.train);
  saveSamples(key, 'val', data.val);
  saveSamples(key, 'test', data.test);
  return data;
}

async function main(): Promise<void> {
  const recipe = getRecipe(values.model ?? 'tiny');
  const backend = await setupBackend(values.backend === 'cpu' ? 'cpu' : 'wasm');
  const train = { ...recipe.train, steps: values.steps ? Number(values.steps) : recipe.train.steps };
  console.log(`pretrain ${recipe.name}: backend ${backend}, input ${recipe.inputSize}, ${train.steps} steps, batch ${train.batchSize}`);
  const splits = loadOrCreateSplits(SPLIT_SEED);
  const dataCfg: IqaDataConfig = { ...DEFAULT_DATA_CONFIG, ...recipe.data, inputSize: recipe.inputSize };
  const data = await loadData(dataCfg, !values['no-cache']);
  if (values.limit) data.train = data.train.slice(0, Number(values.limit));
  console.log(`data: ${data.train.length} train, ${data.val.length} val, ${data.test.length} test images`);

  const t0 = Date.now();
  const prep = await recipe.prepare(data);
  const model = prep.trainModel;
  console.log(`model: ${model.countParams()} parameters in training`);
  const bar = new Progress('train', train.steps);
  let ema = NaN;
  const res = await pretrainQuality(model, prep.train, prep.val, train, {
    onStep: (s) => {
      ema = Number.isNaN(ema) ? s.loss : 0.97 * ema + 0.03 * s.loss;
      bar.update(s.step, `loss ${ema.toFixed(4)}`);
    },
    onEval: (e) => console.log(`  step ${e.step}: val SRCC ${e.val.srcc.toFixed(4)} PLCC ${e.val.plcc.toFixed(4)}${e.best ? ' (best)' : ''}`),
  });
  const seconds = (Date.now() - t0) / 1000;
  console.log(`trained in ${fmt(seconds)}; kept step ${res.bestStep} (val SRCC ${res.bestVal.srcc.toFixed(4)})`);

  const finalModel = await prep.finalize();
  const metadata: Record<string, unknown> & { camsteer: Record<string, unknown> } = {
    camsteer: {
      model: recipe.name,
      inputSize: recipe.inputSize,
      inputRange: [0, 1],
      inputLayout: 'NHWC, RGB, float32 in [0, 1]',
      targetLayer: recipe.targetLayer,
      scoreScale: SCORE_SCALE,
      output: `quality / ${SCORE_SCALE}; quality on 0-100, higher is better`,
      label: {
        metric: 'MS-SSIM (@blazediff/ssim msssim: luma, 5 scales, standard weights) of the distorted image against its reference',
        labelSize: dataCfg.labelSize,
        mapping: `score = 100 * clamp(ln(d1 / d) / ln(d1 / d0), 0, 1), d = 1 - MS-SSIM, d0 = ${SCORE_MAP.d0}, d1 = ${SCORE_MAP.d1}`,
        resize: `distorted and labelled at ${dataCfg.labelSize}x${dataCfg.labelSize}, then resized (antialiased bilinear) to ${recipe.inputSize}x${recipe.inputSize}`,
      },
      architecture: recipe.architecture,
      ...(recipe.fineTuneLearningRate ? { fineTune: { learningRate: recipe.fineTuneLearningRate } } : {}),
      training: {
        script: `npm run pretrain -- --model ${recipe.name}`,
        data: 'public/photos (references), split in public/data/splits.json, distortions noise / blur / jpeg of src/core/distort.ts (jpeg-js codec); see docs/data.md',
        splits: { seed: splits.seed, train: splits.train, val: splits.val, test: splits.test },
        dataConfig: dataCfg,
        samples: { train: data.train.length, val: data.val.length, test: data.test.length },
        modelSeed: recipe.modelSeed,
        ...train,
        keptStep: res.bestStep,
        backend,
        tfjs: tf.version.tfjs,
        seconds: Math.round(seconds),
        weights: recipe.float16 ? 'float16' : 'float32',
      },
    },
  };
  const dir = values.out ?? join(ROOT, 'public/models', recipe.name);
  const sizes = await saveModelDir(finalModel, dir, metadata, { float16: recipe.float16 });
  if (finalModel !== model) finalModel.dispose();
  prep.dispose(); // frees the training model(s)

  // measure what ships: reload the saved files (float16 rounding included) and evaluate
  const shipped = await loadModelDir(dir);
  const testReport = reportOf(data.test, await predictScores(shipped, data.test));
  const valReport = reportOf(data.val, await predictScores(shipped, data.val));
  shipped.dispose();
  metadata.camsteer.val = rounded(valReport);
  metadata.camsteer.test = rounded(testReport);
  const jsonBytes = updateMetadata(dir, metadata);
  console.log(formatReport(`val split (${splits.val.join(', ')})`, valReport));
  console.log(formatReport(`test split (${splits.test.join(', ')})`, testReport));
  console.log(`saved ${dir}: model.json ${jsonBytes} B, weights.bin ${sizes.weightBytes} B`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
