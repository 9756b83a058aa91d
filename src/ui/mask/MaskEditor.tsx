import { useEffect, useEffectEvent, useLayoutEffect, useReducer, useRef, useState } from 'react';
import { assertSteerable, EmptyMaskError, type Mask } from '../../core/mask';
import { MaskHistory } from '../../core/maskHistory';
import { clearMask, invertMask } from '../../core/maskOps';
import { FeatureGridPreview } from './FeatureGridPreview';
import { imageSize } from './imageUtils';
import { MaskCanvas, type MaskTool } from './MaskCanvas';
import { MaskPresets, type PresetSource } from './MaskPresets';
import { MaskToolbar } from './MaskToolbar';
import './mask.css';

export interface MaskEditorProps {
  /** The photo to draw on (shown stretched; the mask lives on the squashed square). */
  image: ImageBitmap | HTMLImageElement | null;
  /** The photo's id (its saliency is computed in the worker). */
  imageId: string | null;
  /** The mask being edited (controlled). Never mutated; every edit yields a new Mask. */
  mask: Mask;
  onChange(mask: Mask): void;
  /** The target layer's feature grid, e.g. {w: 7, h: 7}: the preview shows the mask at it. */
  gridSize: { w: number; h: number };
}

/** Ctrl/Cmd shortcuts stay out of the way while the user types in a text field. */
function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['range', 'checkbox', 'radio', 'button', 'file', 'color', 'submit', 'reset'].includes(target.type);
}

/**
 * The mask studio: draw on the photo (brush, eraser, rectangle, ellipse, lasso), presets
 * (corners, center, border, salient, text, uploaded image), undo/redo (Ctrl+Z, Ctrl+Shift+Z,
 * Ctrl+Y; 100 steps), clear, invert, overlay opacity, and the feature-grid preview.
 *
 * Controlled: `mask` is the truth and every edit goes out through `onChange`. The undo history
 * lives here; it starts over when `image` changes, and a new `mask` from outside (same image)
 * is recorded as an undoable step.
 */
export function MaskEditor({ image, imageId, mask, onChange, gridSize }: MaskEditorProps) {
  const [history] = useState(() => new MaskHistory(mask, { limit: 100 }));
  const [, bump] = useReducer((x: number) => x + 1, 0);
  /** The preset whose controls are being moved: its changes amend one undo step. */
  const [live, setLive] = useState<PresetSource | null>(null);
  const [tool, setTool] = useState<MaskTool>('brush');
  const [brushSize, setBrushSize] = useState(40);
  const [softness, setSoftness] = useState(0.3);
  const [opacity, setOpacity] = useState(0.55);
  const [subtract, setSubtract] = useState(false);

  // Follow the controlled prop: a new image starts a new history; a mask from outside is a step.
  const historyImage = useRef(image);
  useLayoutEffect(() => {
    if (image !== historyImage.current) {
      historyImage.current = image;
      history.reset(mask);
    } else if (mask === history.current || !history.push(mask)) {
      return;
    }
    setLive(null);
    bump();
  }, [image, mask, history]);

  const commit = (next: Mask, source: PresetSource | null = null) => {
    if (source !== null && source === live && source !== 'upload') history.amend(next);
    else history.push(next);
    setLive(source);
    bump();
    onChange(next);
  };

  const step = (dir: 'undo' | 'redo') => {
    const m = dir === 'undo' ? history.undo() : history.redo();
    if (!m) return;
    setLive(null);
    bump();
    onChange(m);
  };

  const onKey = useEffectEvent((e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || isTextField(e.target)) return;
    const k = e.key.toLowerCase();
    if (k === 'z' && !e.shiftKey) step('undo');
    else if ((k === 'z' && e.shiftKey) || k === 'y') step('redo');
    else return;
    e.preventDefault();
  });
  useEffect(() => {
    const handler = (e: KeyboardEvent) => onKey(e);
    window.addEventListener('keydown', handler);
    return () => window.removeEventListener('keydown', handler);
  }, []);

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
      <MaskToolbar
        tool={tool}
        onTool={setTool}
        brushSize={brushSize}
        onBrushSize={setBrushSize}
        softness={softness}
        onSoftness={setSoftness}
        subtract={subtract}
        onSubtract={setSubtract}
        opacity={opacity}
        onOpacity={setOpacity}
        canUndo={history.canUndo}
        canRedo={history.canRedo}
        onUndo={() => step('undo')}
        onRedo={() => step('redo')}
        onClear={() => commit(clearMask(mask))}
        onInvert={() => commit(invertMask(mask))}
      />
      <div className="mask-body">
        <MaskCanvas
          image={image}
          mask={mask}
          tool={tool}
          brushSize={brushSize}
          softness={softness}
          opacity={opacity}
          subtract={subtract}
          onCommit={(next) => commit(next)}
        />
        <aside className="mask-side">
          <FeatureGridPreview image={image} mask={mask} gridSize={gridSize} width={240} />
          {steerWarning && (
            <p className="mask-warning" data-testid="mask-steer-warning" role="status">
              {steerWarning}
            </p>
          )}
          <MaskPresets image={image} imageId={imageId} mask={mask} aspect={aspect} active={live} onApply={(source, next) => commit(next, source)} />
        </aside>
      </div>
    </div>
  );
}
