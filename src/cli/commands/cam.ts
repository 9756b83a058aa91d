import { extname } from 'node:path';
import { heatmapAtMaskSize, alignmentScores } from '../../core/alignment';
import { CAM_METHODS, type CamMethod } from '../../core/cam';
import { splitModel } from '../../core/graph';
import { resize } from '../../core/iqa/image';
import { COLORMAPS, type Colormap } from '../../core/colormap';
import { camOf } from '../../core/evaluation';
import type { ParsedArgs } from '../args';
import { BACKEND_FLAG, backendOf, FIT_FLAG, fitOf, FORCE_FLAG, LAYER_FLAG, QUIET_FLAG, type Command } from '../command';
import { inputTensor, prepareInput, readImage, viewOf } from '../images';
import { UsageError, type Io } from '../io';
import { maskFilePath, maskFor, MASK_HELP, parseMaskSpec } from '../masks';
import { loadModel } from '../modelDir';
import { modelArg } from '../data';
import { checkNotInput, checkOutFile, Outputs, resolvePath } from '../outputs';
import { overlayImage, Raster } from '../raster';

/** Longest side of the PNG overlay. */
const OVERLAY_SIDE = 512;

export const camCommand: Command = {
  spec: {
    name: 'cam',
    summary: 'Compute a CAM heatmap of one image: JSON with the raw and normalised map, or a PNG overlay.',
    usage: 'cam --model DIR --image FILE --method METHOD [--layer NAME] --out FILE.json|FILE.png [--dump-input FILE.json]',
    flags: [
      { name: 'model', type: 'string', meta: 'DIR', required: true, help: 'tfjs LayersModel directory (model.json + weights.bin), or a model .zip exported by the app.' },
      { name: 'image', type: 'string', meta: 'FILE', required: true, help: 'PNG or JPEG file.' },
      { name: 'method', type: 'string', meta: 'METHOD', choices: CAM_METHODS, default: 'gradcam', help: 'CAM method.' },
      LAYER_FLAG,
      {
        name: 'out',
        type: 'string',
        meta: 'FILE',
        required: true,
        help: 'FILE.json: {method, layer, score, featureShape [h, w], raw (h*w, after ReLU, not normalised, row-major), normalized (ReLU, bilinearly resized to the input size S*S, min-max normalised, row-major), inputShape, image, model, fit}. FILE.png: the heatmap over the photo.',
      },
      { name: 'dump-input', type: 'string', meta: 'FILE.json', help: 'Also write the exact input tensor the model saw: {shape: [1, S, S, 3], data: [...] row-major, values in [0, 1]}.' },
      { name: 'mask', type: 'string', meta: 'MASK', help: `Target mask (${MASK_HELP}): its outline is drawn on the PNG; the JSON gets "alignment" (energy-in-mask, pointing, IoU, AUC).` },
      FIT_FLAG,
      { name: 'colormap', type: 'string', meta: 'NAME', choices: COLORMAPS, default: 'jet', help: 'Colormap of the PNG overlay.' },
      { name: 'opacity', type: 'number', meta: 'A', min: 0, max: 1, default: 0.5, help: 'Heatmap opacity on the PNG overlay.' },
      FORCE_FLAG,
      BACKEND_FLAG,
      QUIET_FLAG,
    ],
    notes: [
      'Examples:',
      '  camsteer cam --model public/models/tiny --image photo.jpg --method gradcam --out cam.json --dump-input input.json',
      '  camsteer cam --model steered/ --image photo.jpg --method layercam --mask corners --out cam.png',
    ],
  },
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const method = (args.string('method') ?? 'gradcam') as CamMethod;
    const outPath = resolvePath(io, args.requireString('out'));
    const ext = extname(outPath).toLowerCase();
    if (ext !== '.json' && ext !== '.png') throw new UsageError(`--out must end in .json or .png, got "${args.string('out')}"`, 'cam');
    const force = args.bool('force');
    checkOutFile(outPath, force, '--out', 'cam');
    const dumpArg = args.string('dump-input');
    const dumpPath = dumpArg === undefined ? undefined : resolvePath(io, dumpArg);
    if (dumpPath) {
      if (extname(dumpPath).toLowerCase() !== '.json') throw new UsageError('--dump-input must end in .json', 'cam');
      if (dumpPath === outPath) throw new UsageError('--dump-input and --out must be different files', 'cam');
      checkOutFile(dumpPath, force, '--dump-input', 'cam');
    }
    const maskArg = args.string('mask');
    const modelDir = modelArg(io, args.requireString('model')).path;
    const imageArg = args.requireString('image');
    const imagePath = resolvePath(io, imageArg);
    const inputs = [{ label: '--model', path: modelDir, wholeDir: true }, { label: '--image', path: imagePath }, { label: '--mask', path: maskFilePath(maskArg, (p) => resolvePath(io, p)) }];
    checkNotInput(outPath, 'file', inputs, '--out', 'cam');
    if (dumpPath) checkNotInput(dumpPath, 'file', inputs, '--dump-input', 'cam');
    const maskSpec = maskArg === undefined ? undefined : parseMaskSpec(maskArg, (p) => resolvePath(io, p), 'cam');
    const fit = fitOf(args);
    const photo = readImage(imagePath);

    await backendOf(args);
    const loaded = await loadModel(modelDir, args.string('layer'));
    const { model, inputSize: S, layerName } = loaded;
    try {
      const input = prepareInput(photo, S, fit, loaded.workingSize);
      const x = inputTensor(input);
      let cam;
      let inputData: Float32Array;
      try {
        inputData = (await x.data()) as Float32Array;
        cam = await camOf(splitModel(model, layerName), x, method);
      } finally {
        x.dispose();
      }
      const mask = maskSpec ? await maskFor(maskSpec, input) : null;
      const outputs = new Outputs();
      if (ext === '.json') {
        const normalized = heatmapAtMaskSize(cam.raw, cam.w, cam.h, input.width, input.height);
        const doc: Record<string, unknown> = {
          method,
          layer: layerName,
          score: cam.score,
          featureShape: [cam.h, cam.w],
          raw: Array.from(cam.raw),
          normalized: Array.from(normalized),
          inputShape: [input.height, input.width],
          image: imageArg,
          model: args.string('model'),
          fit,
        };
        if (mask && maskSpec) {
          doc.mask = maskSpec.label;
          doc.alignment = alignmentScores(heatmapAtMaskSize(cam.raw, cam.w, cam.h, mask.width, mask.height), mask.data);
        }
        outputs.file(outPath, JSON.stringify(doc) + '\n');
      } else {
        const view = S === null ? photo : viewOf(photo, fit);
        const k = OVERLAY_SIDE / Math.max(view.width, view.height);
        const w = Math.max(1, Math.round(view.width * k));
        const h = Math.max(1, Math.round(view.height * k));
        const img = overlayImage(resize(view, w, h), cam.raw, cam.w, cam.h, w, h, {
          colormap: (args.string('colormap') ?? 'jet') as Colormap,
          opacity: args.number('opacity') ?? 0.5,
          outline: mask,
        });
        const r = new Raster(w, h);
        r.blit(img, 0, 0);
        outputs.file(outPath, r.png());
      }
      if (dumpPath) outputs.file(dumpPath, JSON.stringify({ shape: [1, input.height, input.width, 3], data: Array.from(inputData) }) + '\n');
      outputs.commit();
      if (!args.bool('quiet')) io.stderr(`${method} on layer ${layerName} (${cam.h}x${cam.w}), score ${cam.score.toFixed(2)} -> ${args.string('out')}\n`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
