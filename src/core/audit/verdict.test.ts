import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testUtil';
import { AUDIT_THRESHOLDS } from './config';
import { deletionInsertion } from './deletion';
import { noiseImages, quadrantMap, quadrantModel } from './fixtures';
import { occlusionAgreement, occlusionSensitivity } from './occlusion';
import { blurImages, modelScorer } from './perturb';
import { auditVerdict, methodVerdict, type MethodSummary } from './verdict';

beforeAll(useCpuBackend);

const GOOD: MethodSummary = {
  deletionAuc: 0.8,
  insertionAuc: 0.85,
  randomDeletionAuc: 0.5,
  randomInsertionAuc: 0.55,
  deletionGap: 0.3,
  insertionGap: 0.3,
  faithfulnessGap: 0.3,
  faithfulnessGapSe: 0.02,
  occlusionSpearman: 0.7,
  occlusionEnergy: 0.6,
  occlusionChance: 0.2,
  sanitySpearman: 0.1,
  sanitySsim: 0.1,
};

describe('verdict from summaries', () => {
  it('calls a faithful, occlusion-consistent, model-sensitive map consistent, without a sentence', () => {
    const v = methodVerdict('gradcam', GOOD);
    expect(v.faithfulness.status).toBe('pass');
    expect(v.occlusion.status).toBe('pass');
    expect(v.occlusion.energyLift).toBeCloseTo(0.4, 12);
    expect(v.sanity.status).toBe('pass');
    expect(v.level).toBe('consistent');
    expect(v.sentence).toBeNull();
  });

  it('flags a map that is fine on its own but far below the baseline on both signals', () => {
    const steered = { ...GOOD, faithfulnessGap: 0.08, occlusionSpearman: 0.3 };
    expect(methodVerdict('hirescam', steered).level).toBe('consistent');
    const v = methodVerdict('hirescam', steered, GOOD);
    expect(v.faithfulness.reasons).toEqual(['below-reference']);
    expect(v.faithfulness.reference).toBe(0.3);
    expect(v.occlusion.reasons).toEqual(['spearman-below-reference']);
    expect(v.level).toBe('misleading');
    expect(v.sentence).toMatch(/^HiResCAM is not showing where this model's score comes from/);
    expect(v.sentence).toContain('baseline 0.30');
    expect(v.sentence).toContain('baseline 0.70');
  });

  it('is questionable when only one signal fails, and says which', () => {
    const v = methodVerdict('layercam', { ...GOOD, occlusionEnergy: 0.22 });
    expect(v.occlusion.reasons).toEqual(['energy-at-chance']);
    expect(v.level).toBe('questionable');
    expect(v.sentence).toMatch(/^LayerCAM may not show .* disagrees with occlusion sensitivity/);
  });

  it('treats missing numbers as n/a, and uses the thresholds it is given', () => {
    const empty: MethodSummary = Object.fromEntries(Object.keys(GOOD).map((k) => [k, null])) as unknown as MethodSummary;
    const v = methodVerdict('xgradcam', empty);
    expect([v.faithfulness.status, v.occlusion.status, v.sanity.status]).toEqual(['n/a', 'n/a', 'n/a']);
    expect(v.level).toBe('consistent');
    const strict = { ...AUDIT_THRESHOLDS, minFaithfulnessGap: 0.5 };
    expect(methodVerdict('gradcam', GOOD, undefined, strict).faithfulness.status).toBe('fail');
  });

  it('returns one verdict per method present, with the reference beside it', () => {
    const all = auditVerdict({ gradcam: GOOD, layercam: GOOD }, { gradcam: GOOD });
    expect(Object.keys(all)).toEqual(['gradcam', 'layercam']);
    expect(all.gradcam!.faithfulness.reference).toBe(0.3);
    expect(all.layercam!.faithfulness.reference).toBeNull();
  });
});

describe('verdict on measurements of a known model', () => {
  it('flags a deliberately wrong heatmap and passes the true one', async () => {
    const S = 32;
    const model = quadrantModel(S);
    const x = noiseImages(1, S, 11);
    const xb = blurImages(x, S / 16);
    const scorer = modelScorer(model);
    const maps = { truth: quadrantMap(8, 8, 'top-left'), wrong: quadrantMap(8, 8, 'bottom-right') };
    const curves = await deletionInsertion(scorer, x, xb, maps, [8, 8], { steps: 8, randomOrders: 3, seed: 2, batchSize: 64 });
    const occ = await occlusionSensitivity(scorer, x, xb, { patch: 4, stride: 2, batchSize: 64 });
    tf.dispose([x, xb]);
    model.dispose();

    const summarise = (name: 'truth' | 'wrong'): MethodSummary => {
      const c = curves.curves[name];
      const a = occlusionAgreement(maps[name], 8, 8, occ.pixelMap, S, S, 16, 0.2);
      const deletionGap = c.deletionAuc - curves.random.deletionAuc;
      const insertionGap = c.insertionAuc - curves.random.insertionAuc;
      return {
        deletionAuc: c.deletionAuc,
        insertionAuc: c.insertionAuc,
        randomDeletionAuc: curves.random.deletionAuc,
        randomInsertionAuc: curves.random.insertionAuc,
        deletionGap,
        insertionGap,
        faithfulnessGap: (deletionGap + insertionGap) / 2,
        faithfulnessGapSe: null,
        occlusionSpearman: a.spearman,
        occlusionEnergy: a.energy,
        occlusionChance: a.chance,
        sanitySpearman: null,
        sanitySsim: null,
      };
    };
    const truth = methodVerdict('gradcam', summarise('truth'));
    expect(truth.level).toBe('consistent');
    const wrong = methodVerdict('gradcam', summarise('wrong'), summarise('truth'));
    expect(wrong.faithfulness.reasons).toEqual(['no-better-than-random', 'below-reference']);
    expect(wrong.occlusion.reasons).toContain('low-spearman');
    expect(wrong.occlusion.reasons).toContain('energy-at-chance');
    expect(wrong.level).toBe('misleading');
    expect(wrong.sentence).toMatch(/^GradCAM is not showing where this model's score comes from: removing the regions it ranks first/);
  });
});
