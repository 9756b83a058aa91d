import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { runAudit, type AuditReport } from '../../core/audit/runAudit';
import { auditVerdict } from '../../core/audit/verdict';
import { CAM_METHODS, CAM_METHOD_LABELS } from '../../core/camMethods';
import type { ParsedArgs } from '../args';
import { BACKEND_FLAG, backendOf, FIT_FLAG, fitOf, LAYER_FLAG, QUIET_FLAG, type Command } from '../command';
import { loadReferences, loadSplits, PHOTOS_DIR } from '../data';
import type { RgbImage } from '../../core/iqa/image';
import { inputTensor, listImages, prepareInput, readImage, type Fit } from '../images';
import type { Io } from '../io';
import { loadModel } from '../modelDir';
import { resolvePath } from '../outputs';
import { ProgressBar } from '../progress';

const f3 = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '   n/a' : v.toFixed(3).padStart(6));

/** The audit's verdict table as plain text. */
export function auditText(report: AuditReport, modelPath: string, reference: AuditReport | null): string {
  const verdict = auditVerdict(report.summary, reference?.summary);
  const lines = [
    `model   ${modelPath} (layer ${report.layerName}, grid ${report.featureGrid.join('x')}, ${report.numImages} images, ${(report.timingsMs.total / 1000).toFixed(1)} s)`,
    reference ? 'values in brackets: the reference model' : 'no reference model (--reference DIR compares against one, e.g. the baseline)',
    '',
    `${'method'.padEnd(10)} ${'verdict'.padEnd(13)} faithfulness  occlusion-rho  sanity-rho/SSIM`,
  ];
  for (const m of CAM_METHODS) {
    const v = verdict[m];
    if (!v) continue;
    const ref = (x: number | null) => (reference ? ` (${f3(x).trim()})` : '');
    lines.push(
      `${CAM_METHOD_LABELS[m].padEnd(10)} ${v.level.padEnd(13)} ${f3(v.faithfulness.gap)}${ref(v.faithfulness.reference)}  ${f3(v.occlusion.spearman)}${ref(v.occlusion.referenceSpearman)}  ${f3(v.sanity.spearman)}/${f3(v.sanity.ssim).trim()}`,
    );
  }
  const findings = CAM_METHODS.map((m) => verdict[m]?.sentence).filter(Boolean);
  if (findings.length) lines.push('', ...findings.map((s) => `- ${s}`));
  return lines.join('\n') + '\n';
}

/**
 * runAudit (default options) of the model in `dir` on photos, each made the model's input by
 * `fit`, with a progress bar; frees the model and the inputs.
 */
export async function auditModelDir(
  io: Io,
  dir: string,
  photos: readonly RgbImage[],
  o: { fit: Fit; layer?: string; quiet?: boolean; label: string },
): Promise<AuditReport> {
  const loaded = await loadModel(dir, o.layer);
  const images = photos.map((img) => inputTensor(prepareInput(img, loaded.inputSize, o.fit, loaded.workingSize)));
  const bar = new ProgressBar(io, o.label, 100, o.quiet);
  try {
    return await runAudit(loaded.model, loaded.layerName, images, {}, (p) => bar.update(Math.round(p.fraction * 100)));
  } finally {
    bar.close();
    tf.dispose(images);
    loaded.model.dispose();
  }
}

export const auditCommand: Command = {
  spec: {
    name: 'audit',
    summary: 'Can a steered model be caught? Deletion/insertion, occlusion agreement and a randomisation check per CAM method.',
    usage: 'audit --model DIR [--reference DIR] [--images DIR] [--json]',
    flags: [
      { name: 'model', type: 'string', meta: 'DIR', required: true, help: 'The model to audit (tfjs LayersModel directory or the app\'s .zip).' },
      { name: 'reference', type: 'string', meta: 'DIR', help: 'A reference model (usually the baseline) audited on the same images, for the verdict\'s comparison.' },
      { name: 'images', type: 'string', meta: 'DIR', help: 'A folder of PNG/JPEG images. Default: the test split of the bundled photos.' },
      { name: 'json', type: 'boolean', help: 'Print the full report(s) as JSON ({"model", "reference", "verdict"}).' },
      LAYER_FLAG,
      FIT_FLAG,
      BACKEND_FLAG,
      QUIET_FLAG,
    ],
    notes: ['Definitions and thresholds: docs/audit.md.', 'Example:', '  camsteer audit --model steered/ --reference baseline/ --json'],
  },
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const fit = fitOf(args);
    const dir = args.string('images');
    const files = dir
      ? listImages(resolvePath(io, dir)).map((f) => ({ path: f, image: readImage(f) }))
      : loadReferences(loadSplits().test).map((r) => ({ path: join(PHOTOS_DIR, r.id), image: r.image }));
    await backendOf(args);
    const quiet = args.bool('quiet');
    const audit = async (path: string, layer?: string) => ({
      path,
      report: await auditModelDir(io, resolvePath(io, path), files.map((x) => x.image), { fit, layer, quiet, label: `audit ${path}` }),
    });
    const model = await audit(args.requireString('model'), args.string('layer'));
    const refPath = args.string('reference');
    const reference = refPath ? await audit(refPath) : null;
    if (args.bool('json')) {
      const verdict = auditVerdict(model.report.summary, reference?.report.summary);
      io.stdout(JSON.stringify({ model: model.report, reference: reference?.report ?? null, verdict }, null, 2) + '\n');
    } else {
      io.stdout(auditText(model.report, model.path, reference?.report ?? null));
    }
    return 0;
  },
};
