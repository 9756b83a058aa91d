/**
 * Computes an image's saliency map on demand. tfjs and core/saliency load lazily (their own
 * chunk), so the editor costs nothing until "Salient" is used; maps are cached per image.
 */
import type { Mask } from '../../core/mask';
import { imagePixels, type EditorImage } from './imageUtils';

/** Side the photo is read at before saliency reduces it further (area-weighted). */
const READ_SIZE = 240;

export interface LoadedSaliency {
  /** Min-max normalised saliency at MASK_SIZE. */
  map: Mask;
  /** The threshold that keeps the most salient fifth of the image (SALIENT_AREA): the slider's start. */
  suggested: number;
}

const cache = new WeakMap<object, Promise<LoadedSaliency>>();

export function loadSaliency(image: EditorImage): Promise<LoadedSaliency> {
  let p = cache.get(image);
  if (!p) {
    p = compute(image);
    cache.set(image, p);
    p.catch(() => cache.delete(image));
  }
  return p;
}

async function compute(image: EditorImage): Promise<LoadedSaliency> {
  const [tf, sal] = await Promise.all([import('@tensorflow/tfjs'), import('../../core/saliency')]);
  // Use the page's backend if the app set one up; otherwise the cpu backend (~0.2 s here)
  // rather than creating a WebGL context just for one small FFT.
  if (!tf.engine().backendName) {
    if (!(await tf.setBackend('cpu'))) throw new Error('no tfjs backend for saliency');
  }
  await tf.ready();
  const rgba = imagePixels(image, READ_SIZE, READ_SIZE);
  const map = await sal.saliencyMap(sal.greyFromRgba(rgba, READ_SIZE, READ_SIZE), READ_SIZE, READ_SIZE);
  return { map, suggested: sal.suggestedSaliencyThreshold(map) };
}
