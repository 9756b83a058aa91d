import { join } from 'node:path';
import { CAM_METHODS, CAM_METHOD_LABELS, type CamMethod } from '../../core/cam';
import { splitModel } from '../../core/graph';
import type { RgbImage } from '../../core/iqa/image';
import type { Mask } from '../../core/mask';
import { imageInputs } from '../../core/batch';
import { allCamsOf, alignmentSummary, qualityReport, type AlignmentSummary, type QualityReport } from '../../core/evaluation';
import type { ParsedArgs } from '../args';
import { BACKEND_FLAG, backendOf, FIT_FLAG, fitOf, FORCE_FLAG, LAYER_FLAG, QUIET_FLAG, type Command } from '../command';
import { modelArg, scoredFolder, testSplit } from '../data';
import { UsageError, type Io } from '../io';
import { MASK_HELP, maskFilePath, parseMaskSpec } from '../masks';
import { loadModel } from '../modelDir';
import { note, ProgressBar } from '../progress';
import { checkNotInput, checkOutFile, Outputs, resolvePath, type InputPath } from '../outputs';
import { sampleMasks } from '../steering';

export interface EvalReport {
  model: string;
  layer: string;
  inputSize: number;
  data: { kind: 'test-split' | 'folder'; path?: string; n: number; /** Which bundled split (kind test-split). */ split?: 'test' | 'val' };
  quality: QualityReport;
  alignment?: { mask: string; methods: Partial<Record<CamMethod, AlignmentSummary>> };
}

export function parseMethods(value: string | undefined): CamMethod[] {
  if (value === undefined || value === 'all') return [...CAM_METHODS];
  const out = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of out) if (!(CAM_METHODS as readonly string[]).includes(m)) throw new UsageError(`unknown CAM method "${m}"; use ${CAM_METHODS.join(', ')} or all`);
  return out as CamMethod[];
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '  -  ');
const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '   -  ');

/** SRCC / PLCC / KRCC rows: all images, then each group (distortion type). */
export function qualityTable(q: QualityReport): string[] {
  const row = (name: string, m: { n: number; srcc: number; plcc: number; krcc: number }) =>
    `${name.padEnd(10)}${String(m.n).padStart(5)}  ${f4(m.srcc).padStart(7)}  ${f4(m.plcc).padStart(7)}  ${f4(m.krcc).padStart(7)}`;
  return [
    `${'images'.padEnd(10)}${'n'.padStart(5)}  ${'SRCC'.padStart(7)}  ${'PLCC'.padStart(7)}  ${'KRCC'.padStart(7)}`,
    row('all', q),
    ...Object.entries(q.groups ?? {}).map(([g, m]) => row(g, m)),
  ];
}

export function formatEvalReport(r: EvalReport): string {
  const lines = [
    `model ${r.model} (input ${r.inputSize}x${r.inputSize}, CAM layer ${r.layer})`,
    `data  ${r.data.kind === 'test-split' ? `${r.data.split ?? 'test'} split of the bundled photos` : r.data.path} (${r.data.n} images)`,
    '',
    r.data.kind === 'test-split' ? 'quality on the distorted images (the pristine ones, all scored 100, are left out):' : 'quality:',
    ...qualityTable(r.quality),
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
        help: 'A folder of PNG/JPEG images with scores.csv ("file,score" lines, 0-100). Default: the test split of the bundled photos (public/data/splits.json; pristine + 3 distortions x 5 levels per photo, MS-SSIM labels).',
      },
      { name: 'split', type: 'string', meta: 'test|val', choices: ['test', 'val'], default: 'test', help: 'Without --data: which split of the bundled photos to measure on.' },
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
      let items: { refId: string; distortion: string | null; image: RgbImage; score: number }[];
      if (dataDir !== undefined) {
        items = scoredFolder(dataDir, inputSize, fitOf(args)).map((s) => ({ refId: s.file, distortion: null, image: s.image, score: s.score }));
      } else {
        const bar = new ProgressBar(io, `${which} split`, 1, quiet);
        items = await testSplit(inputSize, loaded.metadata, (d, t) => {
          bar.setTotal(t);
          bar.update(d);
        }, which);
        bar.close();
      }
      const camBar = new ProgressBar(io, 'cams', items.length, quiet);
      const cams = await allCamsOf(splitModel(model, layerName), imageInputs(items.map((s) => s.image)), { methods: spec ? methods : [], onProgress: (d) => camBar.update(d) });
      const report: EvalReport = {
        model: args.requireString('model'),
        layer: layerName,
        inputSize,
        data: dataArg !== undefined ? { kind: 'folder', path: dataArg, n: items.length } : { kind: 'test-split', split: which, n: items.length },
        quality: qualityReport(cams.scores, items.map((s) => s.score), dataArg === undefined ? items.map((s) => s.distortion) : undefined),
      };
      if (spec) {
        const masks: Mask[] = await sampleMasks(items, spec);
        report.alignment = {
          mask: spec.label,
          methods: Object.fromEntries(methods.map((m) => [m, alignmentSummary(cams.maps[m], cams.h, cams.w, masks)])),
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
