import { useEffect } from 'react';
import { client } from '../client/workerClient';
import { currentMask, useStore, usePick } from '../state/store';

/** Quiet time after the last change (a brush stroke, a slider) before a preview is asked for. */
export const PREVIEW_DEBOUNCE_MS = 300;

/**
 * See before you train: whenever the photo, the base model, its target layer or the mask change
 * (and nothing trains), asks the worker for the base's heatmap of the photo and its validation
 * SRCC, once the changes have settled.
 */
export function useBasePreview(): void {
  const mask = useStore(currentMask);
  const { selectedId, baseModelId, stage, running, imagesVersion } = usePick('selectedId', 'baseModelId', 'stage', 'running', 'imagesVersion');
  const targetLayer = useStore((s) => s.settings.targetLayer);
  const baseKnown = useStore((s) => s.models.some((m) => m.id === s.baseModelId));
  useEffect(() => {
    if (stage !== 'ready' || running || imagesVersion === 0) return;
    const t = setTimeout(() => client.preview(), PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [mask, selectedId, baseModelId, baseKnown, targetLayer, stage, running, imagesVersion]);
}
