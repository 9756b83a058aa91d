import { assertSteerable, EmptyMaskError } from '../../core/mask';
import { FeatureGridPreview } from './FeatureGridPreview';
import { imageSize } from './imageUtils';
import { MaskCanvas } from './MaskCanvas';
import { MaskPresets } from './MaskPresets';
import { MaskToolbar, studioToolbarProps } from './MaskToolbar';
import { useMaskStudioContext } from './useMaskStudio';
import './mask.css';

export interface MaskEditorProps {
  /** The target layer's feature grid, e.g. {w: 7, h: 7}: the preview shows the mask at it. */
  gridSize: { w: number; h: number };
  /** No drawing (while a run trains). */
  readOnly?: boolean;
}

/**
 * The mask studio: draw on the photo (brush, eraser, rectangle, ellipse, lasso), presets
 * (corners, center, border, salient, text, uploaded image), undo/redo (Ctrl+Z, Ctrl+Shift+Z,
 * Ctrl+Y; 100 steps), clear, invert, overlay opacity, and the feature-grid preview.
 *
 * Its state (photo, mask, tools, history) is the shared studio (useMaskStudio), which the Steer
 * view's large before-image draws with too.
 */
export function MaskEditor({ gridSize, readOnly = false }: MaskEditorProps) {
  const studio = useMaskStudioContext();
  const { image, imageId, mask } = studio;
  const natural = imageSize(image);
  const aspect = natural ? natural.width / natural.height : 1;

  let steerWarning: string | null = null;
  try {
    assertSteerable(mask);
  } catch (err) {
    if (err instanceof EmptyMaskError) steerWarning = err.message;
    else throw err;
  }

  return (
    <div className="mask-editor" data-testid="mask-editor">
      <MaskToolbar {...studioToolbarProps(studio)} />
      <div className="mask-body">
        <MaskCanvas
          image={image}
          mask={mask}
          tool={studio.tool}
          brushSize={studio.brushSize}
          softness={studio.softness}
          opacity={studio.opacity}
          subtract={studio.subtract}
          readOnly={readOnly}
          onCommit={(next) => studio.commit(next)}
        />
        <aside className="mask-side">
          <FeatureGridPreview image={image} mask={mask} gridSize={gridSize} width={240} />
          {steerWarning && (
            <p className="mask-warning" data-testid="mask-steer-warning" role="status">
              {steerWarning}
            </p>
          )}
          <MaskPresets image={image} imageId={imageId} mask={mask} aspect={aspect} active={studio.live} onApply={(source, next) => studio.commit(next, source)} />
        </aside>
      </div>
    </div>
  );
}
