import { join } from 'node:path';
import { CAM_METHODS, CAM_METHOD_LABELS, type CamMethod } from '../../core/cam';
import { splitModel } from '../../core/graph';
import type { RgbImage } from '../../core/iqa/image';
import type { Mask } from '../../core/mask';
import { imageInputs } from '../../core/batch';
import { allCamsOf, alignmentSummary, qualitySummary, type AlignmentSummary, type QualitySummary } from '../../core/evaluation';
import type { IqaSample } from '../../core/iqa/samples';
import { splitTable } from '../quality';
import { prepareInput } from '../images';
import type { ParsedArgs } from '../args';
import { BACKEND_FLAG, backendOf, FIT_FLAG, fitOf, FORCE_FLAG, LAYER_FLAG, QUIET_FLAG, type Command } from '../command';
import { modelArg, testSplit } from '../data';
import { readScoredDataset } from '../datasets';
import { readImage } from '../images';
import { UsageError, type Io } from '../io';
import { MASK_HELP, maskFilePath, parseMaskSpec } from '../masks';
import { loadModel } from '../modelDir';
import { note, ProgressBar } from '../progress';
import { checkNotInput, checkOutFile, Outputs, resolvePath, type InputPath } from '../outputs';
import { sampleMasks } from '../steering';

export interface EvalReport {
  model: string;
  layer: string;
  /** Square input side, or null: the model judges whole images at `workingSize`. */
  inputSize: number | null;
  workingSize: number;
  data: { kind: 'test-split' | 'folder'; path?: string; n: number; /** Which bundled split (kind test-split). */ split?: 'test' | 'val' };
  quality: QualitySummary;
  alignment?: { mask: string; methods: Partial<Record<CamMethod, AlignmentSummary>> };
}

export function parseMethods(value: string | undefined): CamMethod[] {
  if (value === undefined || value === 'all') return [...CAM_METHODS];
  const out = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of out) if (!(CAM_METHODS as readonly string[]).includes(m)) throw new UsageError(`unknown CAM method "${m}"; use ${CAM_METHODS.join(', ')} or all`);
  return out as CamMethod[];
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '  -  ');

export function formatEvalReport(r: EvalReport): string {
  const lines = [
    `model ${r.model} (${r.inputSize === null ? `whole images, long side ${r.workingSize} px` : `input ${r.inputSize}x${r.inputSize}`}, CAM layer ${r.layer})`,
    `data  ${r.data.kind === 'test-split' ? `${r.data.split ?? 'test'} split of the bundled photos` : r.data.path} (${r.data.n} images)`,
    '',
    r.data.kind === 'test-split' ? 'quality on the distorted images (the undistorted ones, all labelled 100, are left out):' : 'quality:',
    ...splitTable(r.quality),
  ];
  if (r.alignment) {
    const any = Object.values(r.alignment.methods)[0];
    lines.push('', `alignment with mask ${r.alignment.mask} (chance = mask area ${f3(any?.chance ?? NaN)}, ${any?.n ?? 0} images)`);
    lines.push(`energy the ${r.layer} grid allows: ${f3(any?.exactFit ?? NaN)} for the mask resampled to it, ${f3(any?.bestCell ?? NaN)} for the best single cell`);
    lines.push(`${'method'.padEnd(11)}${'energy'.padStart(7)}  ${'pointing'.padStart(8)}  ${'IoU@0.5'.padStart(7)}  ${'meanIoU'.padStart(7)}  ${'AUC'.padStart(6)}`);
    for (const [m, a] of Object.entries(r.alignment.methods)) {
      lines.push(`${CAM_METHOD_LABELS[m as CamMethod].padEnd(11)}${f3(a.energy).padStart(7)}  ${f3(a.pointing).padStart(8)}  ${f3(a.iou50).padStart(7)}  ${f3(a.meanIou).padStart(7)}  ${f3(a.auc).padStart(6)}`);
    }
  }
  return lines.join('\n') + '\n';
}

export const evalCommand: Command = {
  spec: {
    name: 'eval',
    summary: 'Quality accuracy (SRCC/PLCC/KRCC) on the test split or a scored folder, and CAM alignment with a mask.',
    usage: 'eval --model DIR [--data DIR] [--mask MASK] [--json]',
    flags: [
      { name: 'model', type: 'string', meta: 'DIR', required: true, help: 'tfjs LayersModel directory (model.json + weights.bin), or a model .zip exported by the app.' },
      {
        name: 'data',
        type: 'string',
        meta: 'DIR',
        help: 'A folder of scored images: scores.csv ("file,score" or "file,reference,score" lines), or a KADID-10k-style dmos.csv (dist_img,ref_img,dmos; images in images/) or a KonIQ-style CSV (image_name,...,MOS). Intervals resample reference photos when the CSV names them. Default: the test split of the bundled photos (whole images, pristine + 8 distortions x 5 levels, MS-SSIM labels).',
      },
      { name: 'lower-is-better', type: 'boolean', help: "With --data: the CSV's scores fall as quality rises (a DMOS like LIVE's); they are negated." },
      { name: 'split', type: 'string', meta: 'test|val', choices: ['test', 'val'], default: 'test', help: 'Without --data: which split of the bundled photos to measure on.' },
      { name: 'limit', type: 'int', meta: 'N', min: 1, max: 1_000, help: 'Without --data: only the first N photos of the split (and of the one the oracle learns from): a quick look, with wide intervals.' },
      { name: 'mask', type: 'string', meta: 'MASK', help: `Target mask (${MASK_HELP}): adds alignment metrics per CAM method.` },
      { name: 'methods', type: 'string', meta: 'LIST', default: 'all', help: `Comma-separated CAM methods for the alignment (${CAM_METHODS.join(', ')}).` },
      LAYER_FLAG,
      { name: 'json', type: 'boolean', help: 'Print the report as JSON.' },
      { name: 'out', type: 'string', meta: 'FILE.json', help: 'Also write the JSON report to this file.' },
      FIT_FLAG,
      FORCE_FLAG,
      BACKEND_FLAG,
      QUIET_FLAG,
    ],
    notes: ['Examples:', '  camsteer eval --model public/models/tiny', '  camsteer eval --model steered/ --mask corners --json', '  camsteer eval --model steered/ --data my-photos/ --mask text:VG'],
  },
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const quiet = args.bool('quiet');
    const methods = parseMethods(args.string('methods'));
    const maskArg = args.string('mask');
    const spec = maskArg === undefined ? undefined : parseMaskSpec(maskArg, (p) => resolvePath(io, p), 'eval');
    const outArg = args.string('out');
    const outPath = outArg === undefined ? undefined : resolvePath(io, outArg);
    const modelDir = modelArg(io, args.requireString('model')).path;
    const dataArg = args.string('data');
    const dataDir = dataArg === undefined ? undefined : resolvePath(io, dataArg);
    if (outPath) {
      checkOutFile(outPath, args.bool('force'), '--out', 'eval');
      const data: InputPath[] = dataDir !== undefined ? [{ label: '--data', path: join(dataDir, 'scores.csv') }] : [];
      checkNotInput(outPath, 'file', [{ label: '--model', path: modelDir, wholeDir: true }, { label: '--mask', path: maskFilePath(maskArg, (p) => resolvePath(io, p)) }, ...data], '--out', 'eval');
    }
    await backendOf(args);
    const loaded = await loadModel(modelDir, args.string('layer'));
    const { model, inputSize, layerName } = loaded;
    try {
      const which = args.string('split') === 'val' ? 'val' : 'test';
      let items: { refId: string; distortion: string | null; level: number; image: RgbImage; score: number }[];
      let oracleFrom: IqaSample[] | null = null;
      if (dataDir !== undefined) {
        const data = readScoredDataset(dataDir, { lowerIsBetter: args.bool('lower-is-better') });
        const bar = new ProgressBar(io, 'images', data.items.length, quiet);
        items = data.items.map((s, i) => {
          bar.update(i + 1);
          return { refId: s.reference, distortion: 'folder', level: 0, image: prepareInput(readImage(s.path), inputSize, fitOf(args), loaded.workingSize), score: s.score };
        });
      } else {
        const bar = new ProgressBar(io, `${which} split`, 1, quiet);
        const progress = (d: number, t: number) => {
          bar.setTotal(t);
          bar.update(d);
        };
        const limit = args.number('limit') ?? null;
        const split = await testSplit(loaded.metadata, progress, which, limit);
        // the type-and-level oracle learns from the other evaluation split's references
        oracleFrom = await testSplit(loaded.metadata, progress, which === 'test' ? 'val' : 'test', limit);
        bar.close();
        items = split.map((s) => ({ ...s, image: prepareInput(s.image, inputSize, fitOf(args), loaded.workingSize) }));
      }
      const camBar = new ProgressBar(io, 'cams', items.length, quiet);
      const cams = await allCamsOf(splitModel(model, layerName), imageInputs(items.map((s) => s.image)), { methods: spec ? methods : [], onProgress: (d) => camBar.update(d) });
      const report: EvalReport = {
        model: args.requireString('model'),
        layer: layerName,
        inputSize,
        workingSize: loaded.workingSize,
        data: dataArg !== undefined ? { kind: 'folder', path: dataArg, n: items.length } : { kind: 'test-split', split: which, n: items.length },
        quality: qualitySummary(cams.scores, items, oracleFrom),
      };
      if (spec) {
        const masks: Mask[] = await sampleMasks(items, spec);
        report.alignment = {
          mask: spec.label,
          methods: Object.fromEntries(methods.map((m) => [m, alignmentSummary(cams.maps[m], cams.grids, masks)])),
        };
      }
      if (outPath) {
        const o = new Outputs();
        o.file(outPath, JSON.stringify(report, null, 2) + '\n');
        o.commit();
        note(io, quiet, `report written to ${outArg}`);
      }
      io.stdout(args.bool('json') ? JSON.stringify(report, null, 2) + '\n' : formatEvalReport(report));
      return 0;
    } finally {
      model.dispose();
    }
  },
};
