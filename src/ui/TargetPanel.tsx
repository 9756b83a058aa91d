import { useMemo } from 'react';
import { TARGET_LAYER } from '../core/config';
import { useStore, usePick } from '../state/store';
import { MaskEditor } from './mask/MaskEditor';
import { useMaskStudioContext } from './mask/useMaskStudio';

/**
 * The feature grid steering uses on this photo: a square-input base model's own; a fully
 * convolutional one's follows the photo at its working size (one cell per `stride` pixels); the
 * new tiny baseline's is a quarter of the chosen input size.
 */
function useGrid(img: HTMLImageElement | ImageBitmap | null): { w: number; h: number } {
  const inputSize = useStore((s) => s.settings.inputSize);
  const base = useStore((s) => s.models.find((m) => m.id === s.baseModelId));
  return useMemo(() => {
    if (base && base.inputSize === null && base.stride && base.workingSize) {
      const W = (img && ('naturalWidth' in img ? img.naturalWidth : img.width)) || 1;
      const H = (img && ('naturalHeight' in img ? img.naturalHeight : img.height)) || 1;
      const f = Math.min(1, base.workingSize / Math.max(W, H));
      return { w: Math.max(1, Math.ceil((W * f) / base.stride)), h: Math.max(1, Math.ceil((H * f) / base.stride)) };
    }
    if (base?.grid) return base.grid;
    const side = Math.max(1, Math.round((base?.inputSize ?? inputSize) / 4));
    return { w: side, h: side };
  }, [base, inputSize, img]);
}

export function TargetPanel() {
  const { maskScope: scope, setMaskScope: setScope } = usePick('maskScope', 'setMaskScope');
  const running = useStore((s) => s.running);
  const grid = useGrid(useMaskStudioContext().image);

  return (
    <div className="panel" data-testid="target-panel">
      <div className="panel-head">
        <h2>Target region</h2>
        <div className="segmented" role="radiogroup" aria-label="Mask scope">
          <button role="radio" aria-checked={scope === 'shared'} className={scope === 'shared' ? 'on' : ''} disabled={running} onClick={() => setScope('shared')} data-testid="scope-shared" title="One mask for every image">
            All images
          </button>
          <button role="radio" aria-checked={scope === 'perImage'} className={scope === 'perImage' ? 'on' : ''} disabled={running} onClick={() => setScope('perImage')} data-testid="scope-per-image" title={`A mask per image (target layer ${TARGET_LAYER})`}>
            Per image
          </button>
        </div>
      </div>
      <p className="muted">Draw the region the model should look at here or straight on the large before-image; presets are below.</p>
      <fieldset disabled={running} className="plain">
        <MaskEditor gridSize={grid} readOnly={running} />
      </fieldset>
    </div>
  );
}
