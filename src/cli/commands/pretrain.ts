import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cachedSource, imageSource, type BatchSource } from '../../core/batch';
import { SCORE_SCALE } from '../../core/config';
import { qualityReport, scoresOf, type QualityReport } from '../../core/evaluation';
import { buildIqaData, DEFAULT_DATA_CONFIG, type IqaData, type IqaDataConfig } from '../../core/iqa/data';
import { jpegJsCodec } from '../../core/iqa/jpegCodec';
import { SCORE_MAP } from '../../core/iqa/label';
import type { IqaSample } from '../../core/iqa/samples';
import { pretrainQuality } from '../../core/iqa/train';
import { prefixFeatures } from '../../core/steer/fineTune';
import type { ParsedArgs } from '../args';
import { backendOf, COMMON_FLAGS, type Command } from '../command';
import { loadReferences, loadSplits, MODELS_DIR, PHOTOS_DIR, photoIndex } from '../data';
import type { Io } from '../io';
import { loadModel, modelFiles } from '../modelDir';
import { checkOutDir, Outputs, resolvePath } from '../outputs';
import { formatDuration, note, ProgressBar } from '../progress';
import { RECIPES, type Recipe } from '../recipes';
import { cacheKey, loadSamples, saveSamples } from '../sampleCache';
import { qualityTable } from './eval';

async function loadData(io: Io, cfg: IqaDataConfig, useCache: boolean, quiet: boolean): Promise<IqaData> {
  const splits = loadSplits();
  const key = cacheKey({ cfg, splits }, photoIndex().map((p) => join(PHOTOS_DIR, p.file)));
  if (useCache) {
    const [train, val, test] = (['train', 'val', 'test'] as const).map((n) => loadSamples(key, n));
    if (train && val && test) {
      note(io, quiet, `data: cached (${key})`);
      return { train, val, test };
    }
  }
  const bars = new Map<string, ProgressBar>();
  const refs = loadReferences([...splits.train, ...splits.val, ...splits.test]);
  const data = await buildIqaData(refs, splits, cfg, jpegJsCodec, (part, done, total) => {
    if (!bars.has(part)) bars.set(part, new ProgressBar(io, `data ${part}`, total, quiet));
    bars.get(part)!.update(done);
  });
  saveSamples(key, 'train', data.train);
  saveSamples(key, 'val', data.val);
  saveSamples(key, 'test', data.test);
  return data;
}

const rounded = (q: QualityReport): QualityReport => {
  const r = (m: { n: number; srcc: number; plcc: number; krcc: number }) => ({ n: m.n, srcc: +m.srcc.toFixed(4), plcc: +m.plcc.toFixed(4), krcc: +m.krcc.toFixed(4) });
  return { ...r(q), groups: Object.fromEntries(Object.entries(q.groups ?? {}).map(([k, v]) => [k, r(v)])) };
};

export const pretrainCommand: Command = {
  spec: {
    name: 'pretrain',
    summary: 'Train a shipped quality model (tiny or mobilenetv2) on the synthetic IQA set of the bundled photos, seeded.',
    usage: 'pretrain --model tiny|mobilenetv2 [--steps N] [--out DIR]',
    flags: [
      { name: 'model', type: 'string', meta: 'tiny|mobilenetv2', choices: ['tiny', 'mobilenetv2'], default: 'tiny', help: 'Which recipe (src/cli/recipes.ts).' },
      { name: 'steps', type: 'int', meta: 'N', min: 1, max: 1_000_000, help: "Training steps (default: the recipe's)." },
      { name: 'limit', type: 'int', meta: 'N', min: 1, max: 1_000_000, help: 'Train on the first N training images only (smoke tests).' },
      { name: 'no-cache', type: 'boolean', help: 'Rebuild the labelled data even when node_modules/.cache has it.' },
      { name: 'out', type: 'string', meta: 'DIR', help: 'Where to write the model (default public/models/NAME, replaced).' },
      ...COMMON_FLAGS,
    ],
    notes: ['Keeps the weights with the best validation SRCC, then measures what it wrote on the validation and test splits.', 'Example:', '  camsteer pretrain --model tiny'],
  },
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const quiet = args.bool('quiet');
    const recipe: Recipe = RECIPES[(args.string('model') ?? 'tiny') as keyof typeof RECIPES];
    const outArg = args.string('out');
    const dir = outArg === undefined ? join(MODELS_DIR, recipe.name) : resolvePath(io, outArg);
    checkOutDir(dir, outArg === undefined || args.bool('force'), '--out', 'pretrain');
    const backend = await backendOf(args);
    const train = { ...recipe.train, steps: args.number('steps') ?? recipe.train.steps };
    note(io, quiet, `pretrain ${recipe.name}: backend ${backend}, input ${recipe.inputSize}, ${train.steps} steps, batch ${train.batchSize}`);
    const splits = loadSplits();
    const dataCfg: IqaDataConfig = { ...DEFAULT_DATA_CONFIG, ...recipe.data, inputSize: recipe.inputSize };
    const data = await loadData(io, dataCfg, !args.bool('no-cache'), quiet);
    const limit = args.number('limit');
    if (limit !== undefined) data.train = data.train.slice(0, limit);
    note(io, quiet, `data: ${data.train.length} train, ${data.val.length} val, ${data.test.length} test images`);

    const t0 = Date.now();
    const { model, cut } = await recipe.build();
    const valSet = data.val.filter((s) => s.distortion !== null);
    // with a frozen prefix, its activations are computed once per image
    const source = async (samples: IqaSample[]): Promise<BatchSource> => {
      const src = imageSource(samples, null);
      if (!cut) return src;
      const { features, shape } = await prefixFeatures(model, cut, recipe.targetLayer, samples.map((s) => s.image));
      return cachedSource(src, features, shape);
    };
    const bar = new ProgressBar(io, 'train', train.steps, quiet);
    let ema = NaN;
    let res;
    try {
      note(io, quiet, `model: ${model.countParams()} parameters${cut ? `, trained after ${cut}` : ''}`);
      res = await pretrainQuality(model, await source(data.train), await source(valSet), train, {
        onStep: (s) => {
          ema = Number.isNaN(ema) ? s.loss : 0.97 * ema + 0.03 * s.loss;
          bar.update(s.step, `loss ${ema.toFixed(4)}`);
        },
        onEval: (e) => note(io, quiet, `  step ${e.step}: val SRCC ${e.val.srcc.toFixed(4)} PLCC ${e.val.plcc.toFixed(4)}${e.best ? ' (best)' : ''}`),
      }, { layerName: recipe.targetLayer, cut });
    } finally {
      bar.close();
    }
    const seconds = (Date.now() - t0) / 1000;
    note(io, quiet, `trained in ${formatDuration(seconds)}; kept step ${res.bestStep} (val SRCC ${res.bestVal.srcc.toFixed(4)})`);

    const camsteer: Record<string, unknown> = {
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
        script: `camsteer pretrain --model ${recipe.name}`,
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
    };
    // measure what ships: the saved files (float16 rounding included), reloaded
    const outputs = new Outputs();
    outputs.dir(dir, await modelFiles(model, { camsteer }, { float16: recipe.float16 }));
    outputs.commit();
    model.dispose();
    const shipped = await loadModel(dir);
    const measure = async (samples: IqaSample[]) =>
      qualityReport(await scoresOf(shipped.model, imageSource(samples, null)), samples.map((s) => s.score), samples.map((s) => s.distortion));
    const val = await measure(data.val);
    const test = await measure(data.test);
    shipped.model.dispose();
    camsteer.val = rounded(val);
    camsteer.test = rounded(test);
    // the measured figures go into the metadata; the weights stay as written
    const jsonPath = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { userDefinedMetadata: Record<string, unknown> };
    json.userDefinedMetadata = { ...json.userDefinedMetadata, camsteer };
    const final = new Outputs();
    final.file(jsonPath, JSON.stringify(json));
    final.commit();
    io.stdout([`val split (${splits.val.join(', ')})`, ...qualityTable(val), '', `test split (${splits.test.join(', ')})`, ...qualityTable(test), ''].join('\n'));
    note(io, quiet, `wrote ${dir}`);
    return 0;
  },
};
