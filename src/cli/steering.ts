import type { IqaSample } from '../core/iqa/samples';
import type { CropBox } from '../core/iqa/samples';
import type { RgbImage } from '../core/iqa/image';
import { cropMask, type Mask } from '../core/mask';
import type { SteerSettings, TrainItem } from '../core/steer/fineTune';
import { salientMask, type MaskSpec } from './masks';

/**
 * The CLI's side of steering: its default settings and the masks of each training image. The
 * training itself is core's engine (core/steer/fineTune, core/steer/run).
 */

/**
 * The target mask of each sample. A fixed mask is the same for every whole image; a salient
 * mask is the saliency of the sample's pristine image. Samples of the IQA pipeline come in
 * groups (a reference, pristine first, then its distorted copies) that share the pristine
 * image's mask. A training crop (`crop` set) gets its reference's mask cut like the crop, so
 * `references` must hold the working image each crop was cut from.
 */
export async function sampleMasks(
  samples: readonly { refId: string; distortion: string | null; image: IqaSample['image']; crop?: CropBox }[],
  spec: MaskSpec,
  references?: ReadonlyMap<string, RgbImage>,
): Promise<Mask[]> {
  const whole = new Map<string, Mask>();
  const maskOfReference = async (refId: string, image: RgbImage): Promise<Mask> => {
    if (spec.kind === 'fixed') return spec.mask;
    const hit = whole.get(refId);
    if (hit) return hit;
    const m = await salientMask(image, spec.threshold);
    whole.set(refId, m);
    return m;
  };
  const out: Mask[] = [];
  let ref = '';
  for (const s of samples) {
    if (s.crop) {
      const full = references?.get(s.refId);
      if (!full) throw new Error(`sampleMasks: no working image of reference "${s.refId}" to cut its crops' masks from`);
      out.push(cropMask(await maskOfReference(s.refId, full), s.crop, full.width, full.height));
      continue;
    }
    // a group's pristine image (or the first of its copies) defines the reference's mask
    if (s.distortion === null || s.refId !== ref) whole.delete(s.refId);
    ref = s.refId;
    out.push(await maskOfReference(s.refId, s.image));
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
