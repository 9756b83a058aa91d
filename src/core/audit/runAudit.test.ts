import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGET_LAYER } from '../config';
import { UnknownLayerError } from '../graph';
import { buildTinyModel } from '../model';
import { useCpuBackend } from '../testUtil';
import type { AuditOptions } from './config';
import { noiseImages, QUADRANT_LAYER, quadrantModel } from './fixtures';
import { AuditCancelledError, type AuditProgress } from './progress';
import { AuditInputError, runAudit, type AuditReport } from './runAudit';
import { auditVerdict } from './verdict';

beforeAll(useCpuBackend);

const S = 32;
const QUADRANT_OPTS: AuditOptions = { steps: 8, randomOrders: 6, occlusionPatch: 4, occlusionStride: 4, agreementGrid: 8 };
/** Small settings for the tiny model: a full audit in well under a second on cpu. */
const FAST: AuditOptions = { steps: 4, randomOrders: 1, occlusionPatch: 8, occlusionStride: 8, methods: ['gradcam', 'layercam'] };

describe('runAudit on a model that only sees the top-left quadrant', () => {
  let report: AuditReport;
  const progress: AuditProgress[] = [];
  beforeAll(async () => {
    const model = quadrantModel(S);
    const images = [0, 1, 2, 3].map((i) => noiseImages(1, S, 20 + i));
    report = await runAudit(model, QUADRANT_LAYER, images, QUADRANT_OPTS, (p) => progress.push(p));
    tf.dispose(images);
    model.dispose();
  });

  it('is a plain JSON-serialisable report of the expected shape', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.numImages).toBe(4);
    expect(report.inputSize).toEqual([S, S]);
    expect(report.featureGrid).toEqual([8, 8]);
    expect(report.options.deletionGrid).toEqual([8, 8]);
    expect(report.options.blurSigma).toBe(2);
    expect(report.deletion.fractions).toHaveLength(9);
    expect(report.deletion.informative).toEqual([true, true, true, true]);
    expect(report.cams.hirescam).toHaveLength(4);
    expect(report.cams.hirescam![0]).toHaveLength(64);
    expect(report.occlusion.positions).toEqual([8, 8]);
    expect(report.occlusion.delta[0]).toHaveLength(64);
    expect(report.randomization.steps.map((s) => s.layer)).toEqual(['score', 'lap']);
    expect(report.scores.blurred[0]).toBeLessThan(report.scores.original[0]);
  });

  it('finds HiResCAM and LayerCAM faithful, and GradCAM, GradCAM++ and XGradCAM not', () => {
    // dq/dA is zero outside the quadrant: element-wise methods see that, channel-weight methods
    // spread over the whole image (they still rank texture, so their gap is small, not zero)
    for (const m of ['hirescam', 'layercam'] as const) {
      const v = report.verdict[m]!;
      expect(report.summary[m]!.faithfulnessGap).toBeGreaterThan(0.25);
      expect(report.summary[m]!.occlusionSpearman).toBeGreaterThan(0.9);
      expect(v.faithfulness.status).toBe('pass');
      expect(v.occlusion.status).toBe('pass');
      // the crop is architecture, not weights: randomised weights still give a top-left map
      expect(v.sanity.status).toBe('fail');
    }
    const hires = report.summary.hirescam!;
    for (const m of ['gradcam', 'gradcampp', 'xgradcam'] as const) {
      const s = report.summary[m]!;
      expect(s.faithfulnessGap!).toBeLessThan(hires.faithfulnessGap! - 0.2);
      expect(s.occlusionSpearman!).toBeLessThan(0.3);
      expect(report.verdict[m]!.occlusion.status).toBe('fail');
      expect(report.verdict[m]!.level).not.toBe('consistent');
      // against HiResCAM's numbers as the reference, both signals fail
      const v = auditVerdict({ [m]: s }, { [m]: hires })[m]!;
      expect(v.faithfulness.reasons).toContain('below-reference');
      expect(v.occlusion.reasons).toContain('spearman-below-reference');
      expect(v.level).toBe('misleading');
      expect(v.sentence).toMatch(/is not showing where this model's score comes from/);
    }
    expect(hires.faithfulnessGapSe).toBeGreaterThan(0);
    expect(hires.faithfulnessGapSe).toBeLessThan(0.05);
  });

  it('reports progress through the phases up to 1', () => {
    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(['prepare', 'cams', 'deletion', 'occlusion', 'randomization', 'done']);
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    const last = progress.at(-1)!;
    expect(last.fraction).toBe(1);
    // the plan was exact: the last batch already reached the total
    expect(progress.at(-2)!.done).toBe(last.total);
  });
});

describe('runAudit resources and control', () => {
  let model: tf.LayersModel;
  let images: tf.Tensor4D;
  beforeAll(() => {
    model = buildTinyModel(S, 2);
    images = noiseImages(2, S, 9);
  });
  afterAll(() => {
    images.dispose();
    model.dispose();
  });

  it('keeps the tensor count flat across full runs', async () => {
    const before = tf.memory().numTensors;
    const a = await runAudit(model, TARGET_LAYER, images, FAST);
    expect(tf.memory().numTensors).toBe(before);
    const b = await runAudit(model, TARGET_LAYER, images, FAST);
    expect(tf.memory().numTensors).toBe(before);
    expect(b.summary).toEqual(a.summary); // seeded: the same numbers twice
    expect(a.randomization.steps).toHaveLength(4);
  });

  it('stops at the next batch when cancelled, frees its tensors and reports nothing more', async () => {
    const before = tf.memory().numTensors;
    let polls = 0;
    let cancelled = false;
    const seen: AuditProgress[] = [];
    const run = runAudit(
      model,
      TARGET_LAYER,
      images,
      FAST,
      (p) => {
        expect(cancelled).toBe(false);
        seen.push(p);
      },
      () => {
        cancelled = ++polls > 4;
        return cancelled;
      },
    );
    await expect(run).rejects.toBeInstanceOf(AuditCancelledError);
    expect(tf.memory().numTensors).toBe(before);
    expect(seen.at(-1)!.fraction).toBeLessThan(1);
    expect(seen.some((p) => p.phase === 'randomization')).toBe(false);
  });

  it('frees the randomised copy when cancelled during the cascade', async () => {
    let polls = 0;
    let phase = '';
    await runAudit(model, TARGET_LAYER, images, FAST, undefined, () => (polls++, false));
    const total = polls;
    const before = tf.memory().numTensors;
    polls = 0;
    const run = runAudit(
      model,
      TARGET_LAYER,
      images,
      FAST,
      (p) => (phase = p.phase),
      () => ++polls >= total - 1,
    );
    await expect(run).rejects.toBeInstanceOf(AuditCancelledError);
    expect(phase).toBe('randomization');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('cancels before any work when asked at once', async () => {
    const before = tf.memory().numTensors;
    await expect(runAudit(model, TARGET_LAYER, images, FAST, undefined, () => true)).rejects.toBeInstanceOf(AuditCancelledError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('finds the CAM grid of a model without a fixed input size by a forward pass', async () => {
    const input = tf.input({ shape: [null, null, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'feat' }).apply(input);
    const out = tf.layers.dense({ units: 1 }).apply(tf.layers.globalAveragePooling2d({}).apply(conv)) as tf.SymbolicTensor;
    const free = tf.model({ inputs: input, outputs: out });
    const x = noiseImages(1, 16, 3);
    const before = tf.memory().numTensors;
    const r = await runAudit(free, 'feat', x, FAST);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.featureGrid).toEqual([8, 8]);
    expect(r.cams.gradcam![0]).toHaveLength(64);
    x.dispose();
    free.dispose();
  });

  it('rejects bad input with named errors and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const grey = tf.zeros([1, S, S, 1]) as tf.Tensor4D;
    await expect(runAudit(model, TARGET_LAYER, grey, FAST)).rejects.toBeInstanceOf(AuditInputError);
    grey.dispose();
    await expect(runAudit(model, 'nope', images, FAST)).rejects.toBeInstanceOf(UnknownLayerError);
    await expect(runAudit(model, TARGET_LAYER, images, { ...FAST, occlusionPatch: 64 })).rejects.toBeInstanceOf(AuditInputError);
    await expect(runAudit(model, TARGET_LAYER, [], FAST)).rejects.toBeInstanceOf(AuditInputError);
    const big = noiseImages(1, 2 * S, 1);
    await expect(runAudit(model, TARGET_LAYER, big, FAST)).rejects.toThrow(/takes 32x32 images/);
    big.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
