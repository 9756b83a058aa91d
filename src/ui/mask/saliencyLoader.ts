/**
 * A photo's saliency map, computed on demand in the training worker (no tfjs on the main
 * thread) and cached per photo id.
 */
import { client } from '../../client/workerClient';
import type { Mask } from '../../core/mask';

export interface LoadedSaliency {
  /** Min-max normalised saliency at MASK_SIZE. */
  map: Mask;
  /** The threshold that keeps the most salient fifth of the image (SALIENT_AREA): the slider's start. */
  suggested: number;
}

const cache = new Map<string, Promise<LoadedSaliency>>();

export function loadSaliency(imageId: string): Promise<LoadedSaliency> {
  let p = cache.get(imageId);
  if (!p) {
    p = client.saliency(imageId);
    cache.set(imageId, p);
    p.catch(() => cache.delete(imageId));
  }
  return p;
}
