import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CAM_METHODS, type CamMethod } from '../../core/cam';
import type { CamLossType } from '../../core/config';
import { splitModel } from '../../core/graph';
import type { IqaSample } from '../../core/iqa/samples';
import type { Mask } from '../../core/mask';
import { imageInputs } from '../../core/batch';
import { allCamsOf, alignmentSummary, qualityReport, type AllCams, type AlignmentSummary } from '../../core/evaluation';
import { fineTune, prefixFeatures, type SteerSettings } from '../../core/steer/fineTune';
import { pairedDifference } from '../../core/stats';
import type { ParsedArgs } from '../args';
import { BACKEND_FLAG, backendOf, cutOf, FORCE_FLAG, FREEZE_FLAG, QUIET_FLAG, SHARPNESS_FLAG, type Command } from '../command';
import { BUNDLED_INPUTS, modelArg, testSplit } from '../data';
import { prepareInput } from '../images';
import { drawFigure } from '../figure';
import type { Io } from '../io';
import { parseMaskSpec, type MaskSpec } from '../masks';
import { loadModel, modelFiles, type LoadedModel } from '../modelDir';
import { checkNotInput, checkOutDir, Outputs, resolvePath, type Bytes } from '../outputs';
import { formatDuration, note, ProgressBar } from '../progress';
import { sampleMasks, STEER_DEFAULTS, trainItems } from '../steering';
import { CAM_LOSSES, steeredMetadata } from './steer';
import { checksOf, MODEL_IDS, reportMarkdown, summaryLines, TARGETS, type ModelId, type ModelResult, type ReproduceReport, type SharedSettings, type TargetId, type TargetSettings } from '../reproduceReport';

/** Settings of a run: `full` (the README's numbers) and `quick` (CI). */
export interface ReproducePreset {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Training photos used (the first N of the training split; all when null). */
  trainPhotos: number | null;
  /** Test photos used (the first N of the test split; all when null). */
  testPhotos: number | null;
  /** Wall-clock budget the issue sets, in seconds (reported, not enforced). */
  budget: number;
}

export const PRESETS: Record<'full' | 'quick', ReproducePreset> = {
  full: { steps: 300, batchSize: 16, learningRate: 3e-4, trainPhotos: null, testPhotos: null, budget: 20 * 60 },
  quick: { steps: 40, batchSize: 8, learningRate: 3e-4, trainPhotos: 8, testPhotos: 6, budget: 3 * 60 },
};

/** The baseline: the quality loss only. */
const QUALITY_ONLY: TargetSettings = { lambda: 0, camLoss: 'mse', sharpness: 1 };

function alignmentOf(cams: AllCams, masks: Record<TargetId, Mask[]>): Record<TargetId, Record<CamMethod, AlignmentSummary>> {
  return Object.fromEntries(
    TARGETS.map((t) => [t.id, Object.fromEntries(CAM_METHODS.map((m) => [m, alignmentSummary(cams.maps[m], cams.grids, masks[t.id])]))]),
  ) as Record<TargetId, Record<CamMethod, AlignmentSummary>>;
}

export const reproduceCommand: Command = {
  spec: {
    name: 'reproduce',
    summary: 'The whole experiment: a baseline and three models steered to salient regions, the corners and "VG"; report.md, report.json, figure.png.',
    usage: 'reproduce --out DIR [--model tiny|mobilenetv2] [--seed S] [--quick]',
    flags: [
      { name: 'out', type: 'string', meta: 'DIR', required: true, help: 'Output directory (must be new or empty, unless --force): report.md, report.json, figure.png, models/.' },
      {
        name: 'model',
        type: 'string',
        meta: 'mobilenetv2|tiny|DIR',
        default: 'mobilenetv2',
        help: "Start model: a shipped one (public/models/NAME) or a model directory. tiny's CAM layer sees 91 px patches, so away from the border it cannot tell where a patch is (docs/cli.md: tiny and positions).",
      },
      { name: 'seed', type: 'int', meta: 'S', min: 0, max: 2 ** 31 - 1, default: STEER_DEFAULTS.seed, help: 'Seed of the batch order (the data follow the pipeline\'s own seeds, so the test split never changes).' },
      { name: 'quick', type: 'boolean', help: `The CI setting: ${PRESETS.quick.steps} steps per model, batch ${PRESETS.quick.batchSize}, no random crops (finishes in about a minute or two).` },
      { name: 'steps', type: 'int', meta: 'N', min: 1, max: 100000, help: `Steps per model (default ${PRESETS.full.steps}; quick ${PRESETS.quick.steps}).` },
      { name: 'lambda', type: 'number', meta: 'L', min: 0, max: 1e6, help: `CAM loss weight of all three steered models (default: ${TARGETS.map((t) => `${t.id} ${t.lambda}`).join(', ')}).` },
      { name: 'lr', type: 'number', meta: 'R', min: 1e-8, max: 10, help: `Learning rate (default ${PRESETS.full.learningRate}).` },
      {
        name: 'cam-loss',
        type: 'string',
        meta: 'mse|outside|bce',
        choices: CAM_LOSSES,
        help: `CAM loss of all three steered models (default: ${TARGETS.map((t) => `${t.id} ${t.camLoss}`).join(', ')}).`,
      },
      { ...SHARPNESS_FLAG, help: `CAM target sharpness of all three steered models (default: ${TARGETS.map((t) => `${t.id} ${t.sharpness}`).join(', ')}); see steer --help.` },
      { name: 'train-photos', type: 'int', meta: 'N', min: 1, max: 1000, help: `Train on the first N photos of the training split (default all; quick ${PRESETS.quick.trainPhotos}).` },
      FREEZE_FLAG,
      { name: 'check', type: 'boolean', help: 'Exit 1 when an acceptance criterion fails (the report is written either way).' },
      FORCE_FLAG,
      BACKEND_FLAG,
      QUIET_FLAG,
    ],
    notes: ['Examples:', '  camsteer reproduce --out results/tiny', '  camsteer reproduce --out /tmp/quick --quick'],
  },
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const t0 = Date.now();
    const quiet = args.bool('quiet');
    const outArg = args.requireString('out');
    const outDir = resolvePath(io, outArg);
    checkOutDir(outDir, args.bool('force'), '--out', 'reproduce');
    const quick = args.bool('quick');
    const preset = PRESETS[quick ? 'quick' : 'full'];
    const seed = args.number('seed') ?? STEER_DEFAULTS.seed;
    const settings: SharedSettings = {
      optimizer: STEER_DEFAULTS.optimizer,
      detachAlpha: STEER_DEFAULTS.detachAlpha,
      steps: args.number('steps') ?? preset.steps,
      batchSize: preset.batchSize,
      learningRate: args.number('lr') ?? preset.learningRate,
      seed,
    };
    // each target's own settings (TARGETS), unless a flag sets them for all three
    const targetSettings = Object.fromEntries(
      TARGETS.map((t) => [
        t.id,
        { lambda: args.number('lambda') ?? t.lambda, camLoss: (args.string('cam-loss') as CamLossType | undefined) ?? t.camLoss, sharpness: args.number('sharpness') ?? t.sharpness },
      ]),
    ) as Record<TargetId, TargetSettings>;
    const trainPhotos = args.number('train-photos') ?? preset.trainPhotos;
    const specs = Object.fromEntries(TARGETS.map((t) => [t.id, parseMaskSpec(t.mask, (p) => p)])) as Record<TargetId, MaskSpec>;
    const { name, path } = modelArg(io, args.string('model') ?? 'mobilenetv2');
    checkNotInput(outDir, 'dir', [{ label: '--model', path }, ...BUNDLED_INPUTS], '--out', 'reproduce');
    const backend = await backendOf(args);
    const start = await loadModel(path);
    const { inputSize, layerName, metadata } = start;
    const cut = cutOf(args, start.model, layerName);

    // Data: whole images (at their working size, so positions within each photo are intact) of
    // the training and test photos, pristine and distorted, with every target's masks.
    const tData = Date.now();
    const dataBar = new ProgressBar(io, 'data', 1, quiet);
    const asInput = (samples: IqaSample[]) => samples.map((x) => ({ ...x, image: prepareInput(x.image, inputSize, 'squash', start.workingSize) }));
    let train: IqaSample[];
    let test: IqaSample[];
    try {
      const progress = (d: number, t: number) => {
        dataBar.setTotal(t);
        dataBar.update(d);
      };
      train = asInput(await testSplit(metadata, progress, 'train', trainPhotos));
      test = asInput(await testSplit(metadata, progress, 'test', preset.testPhotos));
    } finally {
      dataBar.close();
    }
    const trainMasks = {} as Record<TargetId, Mask[]>;
    const testMasks = {} as Record<TargetId, Mask[]>;
    for (const t of TARGETS) {
      trainMasks[t.id] = await sampleMasks(train, specs[t.id]);
      testMasks[t.id] = await sampleMasks(test, specs[t.id]);
    }
    const dataSeconds = (Date.now() - tData) / 1000;
    note(
      io,
      quiet,
      `${name}: ${inputSize === null ? `whole images (long side ${start.workingSize} px)` : `input ${inputSize}`}, CAM layer ${layerName}, ${backend} backend; ${train.length} training and ${test.length} test images (${formatDuration(dataSeconds)})`,
    );

    // The start model, for reference.
    let evalSeconds = 0;
    const evaluate = async (lm: LoadedModel) => {
      const te = Date.now();
      const cams = await allCamsOf(splitModel(lm.model, lm.layerName), imageInputs(test.map((s) => s.image)), { batchSize: 8 });
      const res = { cams, quality: qualityReport(cams.scores, test.map((s) => s.score), test.map((s) => s.distortion)), alignment: alignmentOf(cams, testMasks) };
      evalSeconds += (Date.now() - te) / 1000;
      return res;
    };
    const startEval = await evaluate(start);
    // The frozen prefix is the same in all four models: its activations are computed once.
    const tFeat = Date.now();
    const features = cut ? await prefixFeatures(start.model, cut, layerName, imageInputs(train.map((s) => s.image))) : undefined;
    const featureSeconds = (Date.now() - tFeat) / 1000;
    start.model.dispose();

    const distorted = test.flatMap((x, i) => (x.distortion !== null ? [i] : []));
    const labels = test.map((x) => x.score);
    const pick = (v: ArrayLike<number>) => distorted.map((i) => v[i]);
    const totalSteps = settings.steps * MODEL_IDS.length;
    const bar = new ProgressBar(io, 'train', totalSteps, quiet);
    const results = {} as Record<ModelId, ModelResult>;
    const cams = {} as Record<ModelId, AllCams>;
    const files = new Map<string, Bytes>();
    let trainSeconds = featureSeconds;
    try {
      for (const [k, id] of MODEL_IDS.entries()) {
        const target = TARGETS.find((t) => t.id === id);
        const lm = await loadModel(path);
        try {
          const s: SteerSettings = { ...settings, ...(target ? targetSettings[target.id] : QUALITY_ONLY) };
          const tt = Date.now();
          const curve = await fineTune(
            lm.model,
            layerName,
            trainItems(train, target ? trainMasks[target.id] : null),
            s,
            (r) => bar.update(k * settings.steps + r.step, `${id} (${k + 1}/${MODEL_IDS.length}) loss ${r.losses.total.toFixed(4)}`),
            cut,
            features,
            train.map((x) => x.refId),
          );
          const seconds = (Date.now() - tt) / 1000;
          trainSeconds += seconds;
          const ev = await evaluate(lm);
          cams[id] = ev.cams;
          // the SRCC change from the baseline on the same draws of test references (paired bootstrap)
          const srccChange = cams.baseline && id !== 'baseline' ? pairedDifference(pick(cams.baseline.scores), pick(ev.cams.scores), pick(labels), distorted.map((i) => test[i].refId)) : null;
          results[id] = { id, mask: target?.mask ?? null, quality: ev.quality, srccChange, alignment: ev.alignment, trainSeconds: seconds, finalLoss: curve[curve.length - 1] ?? null };
          const mf = await modelFiles(
            lm.model,
            steeredMetadata(lm, {
              kind: target ? 'steered' : 'baseline',
              name: `${name}-${id}`,
              mask: target?.mask ?? null,
              settings: s,
              data: `training split (${photosOf(train).join(', ')}), ${train.length} images`,
              curve,
              extra: { test: { quality: ev.quality, energyInOwnMask: target ? ev.alignment[target.id].gradcam.energy : null } },
            }),
          );
          for (const [f, b] of mf) files.set(`models/${id}/${f}`, b);
        } finally {
          lm.model.dispose();
        }
      }
    } finally {
      bar.close();
    }

    // Figure: one row per test photo (its pristine image), one column per model.
    const rows = test.flatMap((s, i) => (s.distortion === null ? [i] : []));
    const figure = drawFigure({
      columns: MODEL_IDS.map((id) => (id === 'baseline' ? 'BASELINE' : TARGETS.find((t) => t.id === id)!.label)),
      rows: rows.map((i) => ({
        label: test[i].refId.toUpperCase(),
        image: test[i].image,
        grid: cams.baseline.grids[i],
        cells: MODEL_IDS.map((id) => {
          const target = TARGETS.find((t) => t.id === id);
          const q = cams[id].scores[i];
          if (!target) return { raw: cams[id].maps.gradcam[i], outline: null, caption: `Q ${q.toFixed(0)}` };
          const e = alignmentSummary([cams[id].maps.gradcam[i]], cams[id].grids[i], [testMasks[target.id][i]]).energy;
          return { raw: cams[id].maps.gradcam[i], outline: testMasks[target.id][i], caption: `EIM ${e.toFixed(2)}  Q ${q.toFixed(0)}` };
        }),
      })),
    });

    const totalSeconds = (Date.now() - t0) / 1000;
    const report: ReproduceReport = {
      command: args.commandLine(),
      quick,
      seed,
      backend,
      model: { name, path, inputSize, workingSize: start.workingSize, layer: layerName },
      settings: { ...settings, trainPhotos: new Set(train.map((x) => x.refId)).size, frozenUntil: cut, targets: targetSettings },
      data: { trainImages: train.length, testImages: test.length, testDistorted: test.filter((s) => s.distortion !== null).length, train: photosOf(train), test: photosOf(test) },
      start: { quality: startEval.quality, alignment: startEval.alignment },
      models: results,
      checks: [],
      timings: { dataSeconds, trainSeconds, evalSeconds, totalSeconds, budgetSeconds: preset.budget, secondsPerStep: trainSeconds / totalSteps },
      tfjs: tf.version.tfjs,
    };
    report.checks = checksOf(report);
    const md = reportMarkdown(report);
    files.set('report.md', md);
    files.set('report.json', JSON.stringify(report, null, 2) + '\n');
    files.set('figure.png', figure);
    const outputs = new Outputs();
    outputs.dir(outDir, files);
    outputs.commit();
    const failed = report.checks.filter((c) => !c.pass);
    io.stdout(summaryLines(report).join('\n') + '\n');
    note(io, quiet, `wrote ${join(outArg, 'report.md')}, report.json, figure.png and models/ in ${formatDuration(totalSeconds)}; ${failed.length ? `${failed.length} acceptance check(s) failed` : 'all acceptance checks passed'}`);
    return args.bool('check') && failed.length ? 1 : 0;
  },
};

/** The reference photos of a set of samples, in their order (the photos a run actually used). */
function photosOf(samples: readonly IqaSample[]): string[] {
  return [...new Set(samples.map((x) => x.refId))];
}
