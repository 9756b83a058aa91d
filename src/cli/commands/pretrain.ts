import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cachedSource, imageSource, type BatchSource } from '../../core/batch';
import { SCORE_SCALE } from '../../core/config';
import { scoresOf, type QualitySummary } from '../../core/evaluation';
import { DISTORTIONS } from '../../core/distort';
import { buildIqaData, DEFAULT_DATA_CONFIG, type IqaData, type IqaDataConfig } from '../../core/iqa/data';
import { jpegJsCodec } from '../../core/iqa/jpegCodec';
import { SCORE_MAP } from '../../core/iqa/label';
import { buildScoredCrops, workingImage, type IqaSample } from '../../core/iqa/samples';
import type { RgbImage } from '../../core/iqa/image';
import { splitByReference, type Splits } from '../../core/iqa/splits';
import { pretrainQuality } from '../../core/iqa/train';
import { prefixFeatures } from '../../core/steer/fineTune';
import type { ParsedArgs } from '../args';
import { backendOf, COMMON_FLAGS, type Command } from '../command';
import { loadReferences, loadSplits, MODELS_DIR, PHOTOS_DIR, photoIndex } from '../data';
import { UsageError, type Io } from '../io';
import { readScoredDataset, toScoreScale } from '../datasets';
import { readImage } from '../images';
import { loadModel, modelFiles } from '../modelDir';
import { checkOutDir, Outputs, resolvePath } from '../outputs';
import { formatDuration, note, ProgressBar } from '../progress';
import { RECIPES, type Recipe } from '../recipes';
import { cacheKey, loadSamples, saveSamples } from '../sampleCache';
import { splitReport, splitTable } from '../quality';

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

/**
 * A user's scored dataset (--data): split by reference photo (seeded; a tenth validation, a
 * fifth test, at least one each), training crops of the training images with each image's own
 * score, whole working images for validation and test. Scores mapped onto 0–100 (toScoreScale).
 */
function datasetData(io: Io, dir: string, cfg: IqaDataConfig, lowerIsBetter: boolean, quiet: boolean): { data: IqaData; splits: Splits } {
  const ds = readScoredDataset(dir, { lowerIsBetter });
  const labels = toScoreScale(ds.items.map((i) => i.score));
  const refs = [...new Set(ds.items.map((i) => i.reference))];
  const splits = splitByReference(refs, cfg.seed, { val: Math.max(1, Math.round(refs.length * 0.1)), test: Math.max(1, Math.round(refs.length * 0.2)) });
  const bar = new ProgressBar(io, 'images', ds.items.length, quiet);
  let done = 0;
  const of = (ids: readonly string[]) => {
    const want = new Set(ids);
    return ds.items.flatMap((it, i) => {
      if (!want.has(it.reference)) return [];
      bar.update(++done);
      return [{ refId: it.reference, image: workingImage(readImage(it.path), cfg.workingSize), score: labels[i] }];
    });
  };
  const whole = (xs: { refId: string; image: RgbImage; score: number }[]): IqaSample[] =>
    xs.map((x) => ({ refId: x.refId, distortion: 'dataset', level: 0, param: 0, msssim: NaN, score: x.score, image: x.image }));
  const train = buildScoredCrops(of(splits.train), { cropSize: cfg.cropSize, cropsPerImage: cfg.cropsPerImage, seed: cfg.seed + 2, workingSize: cfg.workingSize });
  const data = { train, val: whole(of(splits.val)), test: whole(of(splits.test)) };
  bar.close();
  note(io, quiet, `data: ${ds.items.length} images of ${refs.length} ${ds.hasReferences ? 'reference photos' : 'images'} from ${ds.csv}; split ${splits.train.length} / ${splits.val.length} / ${splits.test.length}`);
  return { data, splits };
}

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
      { name: 'data', type: 'string', meta: 'DIR', help: 'Train on your own scored images instead of the bundled photos: a KADID-10k-style or KonIQ-style folder, or scores.csv (see camsteer eval --help). Needs --out.' },
      { name: 'lower-is-better', type: 'boolean', help: "With --data: the CSV's scores fall as quality rises; they are negated." },
      { name: 'out', type: 'string', meta: 'DIR', help: 'Where to write the model (default public/models/NAME, replaced).' },
      ...COMMON_FLAGS,
    ],
    notes: ['Keeps the weights with the best validation SRCC, then measures what it wrote on the validation and test splits.', 'Example:', '  camsteer pretrain --model tiny'],
  },
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const quiet = args.bool('quiet');
    const recipe: Recipe = RECIPES[(args.string('model') ?? 'tiny') as keyof typeof RECIPES];
    const outArg = args.string('out');
    const dataArg = args.string('data');
    if (dataArg !== undefined && outArg === undefined) throw new UsageError('--data needs --out: a model trained on your data does not replace the shipped one', 'pretrain');
    const dir = outArg === undefined ? join(MODELS_DIR, recipe.name) : resolvePath(io, outArg);
    checkOutDir(dir, outArg === undefined || args.bool('force'), '--out', 'pretrain');
    const backend = await backendOf(args);
    const train = { ...recipe.train, steps: args.number('steps') ?? recipe.train.steps };
    note(io, quiet, `pretrain ${recipe.name}: backend ${backend}, ${train.steps} steps, batch ${train.batchSize}`);
    const dataCfg: IqaDataConfig = { ...DEFAULT_DATA_CONFIG, ...recipe.data };
    const { data, splits } =
      dataArg !== undefined
        ? datasetData(io, resolvePath(io, dataArg), dataCfg, args.bool('lower-is-better'), quiet)
        : { data: await loadData(io, dataCfg, !args.bool('no-cache'), quiet), splits: loadSplits() };
    const limit = args.number('limit');
    if (limit !== undefined) data.train = data.train.slice(0, limit);
    note(io, quiet, `data: ${data.train.length} training crops (${dataCfg.cropSize} px), ${data.val.length} validation and ${data.test.length} test images (long side ${dataCfg.workingSize} px)`);

    const t0 = Date.now();
    const { model, cut } = await recipe.build();
    // validation on whole working images (distorted only: the pristine ones all score 100)
    const valSet = data.val.filter((s) => s.distortion !== null);
    // with a frozen prefix, its activations are computed once per image
    const source = async (samples: IqaSample[]): Promise<BatchSource> => {
      const src = imageSource(samples, null);
      if (!cut) return src;
      const bar = new ProgressBar(io, `features up to ${cut}`, src.size, quiet);
      try {
        return cachedSource(src, await prefixFeatures(model, cut, recipe.targetLayer, src, (d) => bar.update(d)));
      } finally {
        bar.close();
      }
    };
    const bar = new ProgressBar(io, 'train', train.steps, quiet);
    let ema = NaN;
    let res;
    try {
      note(io, quiet, `model: ${model.countParams()} parameters${cut ? `, trained after ${cut}` : ''}`);
      res = await pretrainQuality(model, await source(data.train), imageSource(valSet, null), train, {
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
      inputSize: null,
      protocol: {
        workingSize: dataCfg.workingSize,
        description: `an image is judged whole at its working size: long side brought down to ${dataCfg.workingSize} px (never up), aspect kept; trained on ${dataCfg.cropSize} px crops of it`,
      },
      inputRange: [0, 1],
      inputLayout: 'NHWC, RGB, float32 in [0, 1], any height and width',
      targetLayer: recipe.targetLayer,
      scoreScale: SCORE_SCALE,
      output: `quality / ${SCORE_SCALE} through a sigmoid; quality on 0-100, higher is better`,
      label: {
        metric: 'MS-SSIM (@blazediff/ssim msssim: luma, 5 scales, standard weights) of the distorted image against its reference, at the working size (training crops: crop against crop)',
        mapping: `score = 100 * clamp(ln(d1 / d) / ln(d1 / d0), 0, 1), d = 1 - MS-SSIM, d0 = ${SCORE_MAP.d0}, d1 = ${SCORE_MAP.d1}`,
        distortions: DISTORTIONS.map((d) => ({ id: d.id, label: d.label, levels: d.levels })),
      },
      architecture: recipe.architecture,
      ...(recipe.fineTuneLearningRate ? { fineTune: { learningRate: recipe.fineTuneLearningRate } } : {}),
      training: {
        script: `camsteer pretrain --model ${recipe.name}`,
        data: dataArg !== undefined ? `your dataset ${dataArg}, split by reference (seed ${dataCfg.seed})` : 'public/photos (references), split in public/data/splits.json, distortions of src/core/distort.ts (jpeg-js codec); see docs/data.md',
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
    const { val, test } = await measureWritten(dir, data, dataArg === undefined);
    io.stdout([`validation split (${splits.val.length} references)`, ...splitTable(val), '', `test split (${splits.test.length} references)`, ...splitTable(test), ''].join('\n'));
    note(io, quiet, `wrote ${dir}`);
    return 0;
  },
};

/**
 * Measures the model written to `dir` (its saved weights, float16 rounding included) on the
 * validation and test splits, and records both in its model.json metadata (camsteer.val, .test);
 * the weights stay as written. `withOracle`: the type-and-level oracle from the other split.
 */
export async function measureWritten(dir: string, data: { val: IqaSample[]; test: IqaSample[] }, withOracle: boolean): Promise<{ val: QualitySummary; test: QualitySummary }> {
  const shipped = await loadModel(dir);
  const measure = async (samples: IqaSample[], oracleFrom: IqaSample[]) => splitReport(await scoresOf(shipped.model, imageSource(samples, null)), samples, withOracle ? oracleFrom : null);
  const val = await measure(data.val, data.test);
  const test = await measure(data.test, data.val);
  shipped.model.dispose();
  const jsonPath = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { userDefinedMetadata: { camsteer?: Record<string, unknown> } };
  json.userDefinedMetadata = { ...json.userDefinedMetadata, camsteer: { ...json.userDefinedMetadata.camsteer, val, test } };
  const final = new Outputs();
  final.file(jsonPath, JSON.stringify(json));
  final.commit();
  return { val, test };
}
