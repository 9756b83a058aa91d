import type { CamLossType } from '../../core/config';
import { splitModel } from '../../core/graph';
import type { IqaDataConfig } from '../../core/iqa/data';
import type { IqaSample } from '../../core/iqa/samples';
import { basename, extname } from 'node:path';
import { imageInputs, imageSource } from '../../core/batch';
import { allCamsOf, alignmentSummary } from '../../core/evaluation';
import { thinCurve, type SteerSettings } from '../../core/steer/fineTune';
import type { CurvePoint } from '../../core/steer/run';
import type { ParsedArgs } from '../args';
import { backendOf, COMMON_FLAGS, cutOf, FREEZE_FLAG, LAYER_FLAG, SHARPNESS_FLAG, type Command } from '../command';
import { BUNDLED_INPUTS, dataConfig, modelArg, trainingData, trainSplit, valCrops, type TrainingData } from '../data';
import { STEERING_DATA } from '../../core/config';
import { gridFor } from '../../core/graph';
import { cropItems, steerRun, type SteeringOutcome } from '../../core/steer/steerRun';
import { listImages, prepareInput, readImage } from '../images';
import { CliError, type Io } from '../io';
import { MASK_HELP, maskFilePath, parseMaskSpec } from '../masks';
import { loadModel, modelFiles, type LoadedModel } from '../modelDir';
import { note, ProgressBar, formatDuration } from '../progress';
import { checkNotInput, checkOutDir, Outputs, resolvePath } from '../outputs';
import { sampleMasks, STEER_DEFAULTS } from '../steering';

export const CAM_LOSSES: readonly CamLossType[] = ['mse', 'outside', 'bce'];

/** Training crops of a folder of photos (each photo a reference), as the bundled training split's. */
export async function folderData(dir: string, cfg: IqaDataConfig, onProgress?: (d: number, t: number) => void): Promise<TrainingData> {
  const files = listImages(dir);
  if (files.length === 0) throw new CliError(`--images ${dir}: no PNG or JPEG files in it`);
  const refs = files.map((f) => ({ id: basename(f, extname(f)), image: readImage(f) }));
  const small = refs.find((r) => Math.min(r.image.width, r.image.height) < cfg.cropSize);
  if (small) throw new CliError(`--images ${dir}: "${small.id}" is ${small.image.width}x${small.image.height}; training photos need at least ${cfg.cropSize} px on each side (the crops the model learns from)`);
  return trainingData(refs, cfg, onProgress);
}

/** Each sample's image made the model's input: crops as they are for a fully convolutional model, squashed to S x S otherwise. */
export function modelInputs(loaded: LoadedModel, samples: readonly IqaSample[]): IqaSample[] {
  return loaded.inputSize === null ? [...samples] : samples.map((s) => ({ ...s, image: prepareInput(s.image, loaded.inputSize, 'squash') }));
}

/**
 * Metadata of a fine-tuned model: the start model's `camsteer` metadata (architecture, training
 * data settings, so `eval` rebuilds the same test split) without its measured metrics, plus
 * what the app reads back (`layerName`, `inputSize`) and how this model was made.
 */
export function steeredMetadata(
  parent: LoadedModel,
  info: { kind: 'steered' | 'baseline'; name: string; mask: string | null; settings: SteerSettings; data: string; curve: CurvePoint[]; extra?: Record<string, unknown> },
): Record<string, unknown> {
  const inherited = { ...((parent.metadata.camsteer as Record<string, unknown> | undefined) ?? {}) };
  const parentMetrics = { test: inherited.test, val: inherited.val };
  delete inherited.test;
  delete inherited.val;
  return {
    ...parent.metadata,
    targetLayer: parent.layerName,
    inputSize: parent.inputSize,
    camsteer: {
      ...inherited,
      name: info.name,
      kind: info.kind,
      layerName: parent.layerName,
      targetLayer: parent.layerName,
      inputSize: parent.inputSize,
      grid: parent.grid,
      createdAt: Date.now(),
      parent: { path: parent.path, ...parentMetrics },
      steering: {
        madeBy: 'camsteer CLI',
        mask: info.mask,
        data: info.data,
        settings: info.settings,
        curve: thinCurve(info.curve),
        ...info.extra,
      },
    },
  };
}

export function settingsOf(args: ParsedArgs): SteerSettings {
  return {
    ...STEER_DEFAULTS,
    steps: args.number('steps') ?? STEER_DEFAULTS.steps,
    batchSize: args.number('batch') ?? STEER_DEFAULTS.batchSize,
    learningRate: args.number('lr') ?? STEER_DEFAULTS.learningRate,
    lambda: args.number('lambda') ?? STEER_DEFAULTS.lambda,
    seed: args.number('seed') ?? STEER_DEFAULTS.seed,
    camLoss: (args.string('cam-loss') ?? STEER_DEFAULTS.camLoss) as CamLossType,
    sharpness: args.number('sharpness') ?? STEER_DEFAULTS.sharpness,
  };
}

export const steerCommand: Command = {
  spec: {
    name: 'steer',
    summary: 'Fine-tune a model so that its GradCAM looks at a target mask while it keeps predicting quality.',
    usage: 'steer --model DIR --mask MASK [--images DIR] [--steps N] [--lambda L] [--lr R] [--seed S] --out DIR',
    flags: [
      { name: 'model', type: 'string', meta: 'DIR', required: true, help: 'The model to start from: a tfjs LayersModel directory, or a model .zip exported by the app.' },
      { name: 'mask', type: 'string', meta: 'MASK', required: true, help: `Where GradCAM should look: ${MASK_HELP}. salient uses each training image's own saliency.` },
      {
        name: 'images',
        type: 'string',
        meta: 'DIR',
        help: 'Your photos to steer (each at its working size, distorted by every type, MS-SSIM-labelled crops; at least 224 px on each side), with the bundled training photos the app shows replayed and the quality guard on its validation photos, as the app does. Default: the training split of the bundled photos is steered.',
      },
      { name: 'no-replay', type: 'boolean', help: 'With --images: train on your photos only (no bundled photos replayed with the base model as their teacher).' },
      { name: 'no-guard', type: 'boolean', help: 'No quality guard (validation SRCC is not tracked; the run is not stopped when it falls).' },
      { name: 'crops', type: 'int', meta: 'N', min: 1, max: 16, help: `Training crops per distorted (and per undistorted) copy of each steered photo (default ${STEERING_DATA.target.cropsPerImage}).` },
      { name: 'steps', type: 'int', meta: 'N', min: 1, max: 100000, default: STEER_DEFAULTS.steps, help: 'Optimisation steps.' },
      { name: 'batch', type: 'int', meta: 'N', min: 1, max: 256, default: STEER_DEFAULTS.batchSize, help: 'Images per step.' },
      { name: 'lambda', type: 'number', meta: 'L', min: 0, max: 1e6, default: STEER_DEFAULTS.lambda, help: 'Weight of the CAM loss against the quality loss (0 = quality only, a baseline).' },
      { name: 'lr', type: 'number', meta: 'R', min: 1e-8, max: 10, default: STEER_DEFAULTS.learningRate, help: 'Adam learning rate.' },
      { name: 'cam-loss', type: 'string', meta: 'mse|outside|bce', choices: CAM_LOSSES, default: STEER_DEFAULTS.camLoss, help: 'CAM loss between the min-max-normalised GradCAM and the mask.' },
      SHARPNESS_FLAG,
      { name: 'seed', type: 'int', meta: 'S', min: 0, max: 2 ** 31 - 1, default: STEER_DEFAULTS.seed, help: 'Seed of the batch order (and of the distortions of --images).' },
      LAYER_FLAG,
      FREEZE_FLAG,
      { name: 'out', type: 'string', meta: 'DIR', required: true, help: 'Where to write the steered model (model.json + weights.bin, metadata inside; tf.loadLayersModel and the app load it).' },
      ...COMMON_FLAGS,
    ],
    notes: ['Examples:', '  camsteer steer --model public/models/tiny --mask corners --out steered-corners', '  camsteer steer --model public/models/tiny --mask text:VG --images my-photos/ --steps 200 --out steered-vg'],
  },
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const quiet = args.bool('quiet');
    const outArg = args.requireString('out');
    const outDir = resolvePath(io, outArg);
    checkOutDir(outDir, args.bool('force'), '--out', 'steer');
    const maskArg = args.requireString('mask');
    const modelDir = modelArg(io, args.requireString('model')).path;
    const imagesArg = args.string('images');
    const imagesDir = imagesArg === undefined ? undefined : resolvePath(io, imagesArg);
    checkNotInput(
      outDir,
      'dir',
      [{ label: '--model', path: modelDir }, { label: '--mask', path: maskFilePath(maskArg, (p) => resolvePath(io, p)) }, ...(imagesDir !== undefined ? [{ label: '--images', path: imagesDir }] : BUNDLED_INPUTS)],
      '--out',
      'steer',
    );
    const spec = parseMaskSpec(maskArg, (p) => resolvePath(io, p), 'steer');
    const settings = settingsOf(args);
    if (imagesDir !== undefined) listImages(imagesDir);
    const backend = await backendOf(args);
    const loaded = await loadModel(modelDir, args.string('layer'));
    const base = await loadModel(modelDir, args.string('layer'));
    const t0 = Date.now();
    try {
      const dataBar = new ProgressBar(io, 'data', 1, quiet);
      const onData = (d: number, t: number) => {
        dataBar.setTotal(t);
        dataBar.update(d);
      };
      const cfg = dataConfig(loaded.metadata);
      const crops = args.number('crops');
      // the steered photos: yours (--images), else the bundled training split
      const targets =
        imagesDir !== undefined
          ? await folderData(imagesDir, { ...cfg, ...STEERING_DATA.target, ...(crops ? { cropsPerImage: crops } : {}), seed: settings.seed }, onData)
          : await trainSplit(loaded.metadata, { ...STEERING_DATA.target, ...(crops ? { cropsPerImage: crops } : {}) }, onData);
      // replayed with the base as their teacher, when steering yours: the bundled training photos the app shows, as the app does
      const replay = imagesDir !== undefined && !args.bool('no-replay') ? await trainSplit(loaded.metadata, { ...STEERING_DATA.replay, appOnly: true }, onData) : null;
      const validation = args.bool('no-guard') ? null : imageSource(modelInputs(loaded, await valCrops(loaded.metadata)), null);
      dataBar.close();
      // each photo's mask over its whole working image (salient: its own saliency)
      const photos = [...targets.references.entries()].map(([refId, image]) => ({ refId, distortion: null, image }));
      const photoMasks = await sampleMasks(photos, spec);
      const maskOf = new Map(photos.map((p, i) => [p.refId, photoMasks[i]]));
      const references = new Map([...targets.references, ...(replay?.references ?? [])]);
      const items = cropItems(
        modelInputs(loaded, [...targets.samples, ...(replay?.samples ?? [])]),
        (id) => maskOf.get(id) ?? null,
        (id) => ({ w: references.get(id)!.width, h: references.get(id)!.height }),
        (side) => gridFor(loaded.model, loaded.layerName, side, side),
        settings.sharpness,
      );
      // GradCAM alignment on the steered photos, whole and undistorted, before and after
      const photoInputs = photos.map((p) => prepareInput(p.image, loaded.inputSize, 'squash', loaded.workingSize));
      const alignment = async () => {
        const cams = await allCamsOf(splitModel(loaded.model, loaded.layerName), imageInputs(photoInputs), { methods: ['gradcam'], batchSize: 4 });
        return alignmentSummary(cams.maps.gradcam, cams.grids, photoMasks);
      };
      const before = await alignment();
      const cut = cutOf(args, loaded.model, loaded.layerName);
      note(
        io,
        quiet,
        `steering ${loaded.path} (layer ${loaded.layerName}) toward ${spec.label}: ${targets.samples.length} training crops of ${photos.length} photo(s)` +
          `${replay ? `, ${replay.samples.length} replayed crops` : ''}${validation ? `, quality guard on ${validation.size} validation crops` : ''}; ${backend} backend${cut ? `, training after ${cut}` : ''}`,
      );
      const bar = new ProgressBar(io, 'steer', settings.steps, quiet);
      let outcome: SteeringOutcome;
      try {
        outcome = await steerRun({
          model: loaded.model,
          base: base.model,
          layerName: loaded.layerName,
          items,
          targets: new Set(photos.map((p) => p.refId)),
          exclude: null,
          replay: replay !== null,
          validation,
          cut,
          settings: { ...settings, readEvery: 1 },
          onRead: (r) => bar.update(r.step, `loss ${r.losses.total.toFixed(4)} (task ${r.losses.task.toFixed(4)}, cam ${r.losses.cam.toFixed(4)})`),
        });
      } finally {
        bar.close();
      }
      const after = await alignment();
      const { curve, guard, quality } = outcome;
      const files = await modelFiles(
        loaded.model,
        steeredMetadata(loaded, {
          kind: settings.lambda > 0 ? 'steered' : 'baseline',
          name: basename(outDir),
          mask: spec.label,
          settings,
          data: imagesArg !== undefined ? `folder ${imagesArg}${replay ? ', bundled training photos replayed' : ''}` : 'training split of the bundled photos (public/data/splits.json)',
          curve,
          extra: { trainingAlignment: { method: 'gradcam', images: photos.length, chance: after.chance, energyBefore: before.energy, energyAfter: after.energy }, guard, validation: quality },
        }),
      );
      const outputs = new Outputs();
      outputs.dir(outDir, files);
      outputs.commit();
      const last = curve[curve.length - 1];
      note(
        io,
        quiet,
        `GradCAM energy-in-mask on the ${photos.length} steered photo(s), whole: ${before.energy.toFixed(3)} -> ${after.energy.toFixed(3)} (chance ${after.chance.toFixed(3)}); ` +
          (quality ? `validation SRCC ${quality.base.toFixed(3)} -> ${quality.steered.toFixed(3)}${guard ? ` (the quality guard stopped at step ${guard.step} and rolled back to step ${guard.rolledBackTo})` : ''}; ` : '') +
          (last ? `final loss ${(last.task + settings.lambda * last.cam).toFixed(4)} (task ${last.task.toFixed(4)}, cam ${last.cam.toFixed(4)}); ` : '') +
          formatDuration((Date.now() - t0) / 1000),
      );
      io.stdout(`${outArg}\n`);
      return 0;
    } finally {
      loaded.model.dispose();
      base.model.dispose();
    }
  },
};
