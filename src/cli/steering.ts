import type { IqaSample } from '../core/iqa/samples';
import type { Mask } from '../core/mask';
import type { SteerSettings, TrainItem } from '../core/steer/fineTune';
import { salientMask, type MaskSpec } from './masks';

/**
 * The CLI's side of steering: its default settings and the masks of each training image. The
 * training itself is core's engine (core/steer/fineTune, core/steer/run).
 */

/**
 * The target mask of each sample. A fixed mask is the same for all; a salient mask is the
 * saliency of the sample's pristine image: samples of the IQA pipeline come in groups (a
 * reference square or crop, pristine first, then its distorted copies), and all copies of a
 * group share the pristine image's mask.
 */
export async function sampleMasks(samples: readonly { refId: string; distortion: string | null; image: IqaSample['image'] }[], spec: MaskSpec): Promise<Mask[]> {
  if (spec.kind === 'fixed') return samples.map(() => spec.mask);
  const out: Mask[] = [];
  let current: Mask | null = null;
  let ref = '';
  for (const s of samples) {
    if (current === null || s.distortion === null || s.refId !== ref) {
      current = await salientMask(s.image, spec.threshold);
      ref = s.refId;
    }
    out.push(current);
  }
  return out;
}

export function trainItems(samples: readonly IqaSample[], masks: readonly (Mask | null)[] | null): TrainItem[] {
  return samples.map((s, i) => ({ image: s.image, score: s.score, mask: masks ? masks[i] : null }));
}

/** Defaults of `camsteer steer` and of each model `camsteer reproduce` trains. */
export const STEER_DEFAULTS: SteerSettings = {
  steps: 300,
  batchSize: 16,
  learningRate: 1e-3,
  lambda: 2,
  seed: 7,
  camLoss: 'mse',
  sharpness: 1,
  optimizer: 'adam',
  detachAlpha: true,
};
