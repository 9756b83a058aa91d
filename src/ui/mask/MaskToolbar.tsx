import type { MaskTool } from './MaskCanvas';
import { Slider } from './Slider';
import type { MaskStudio } from './useMaskStudio';

export interface MaskToolbarProps {
  tool: MaskTool;
  onTool(tool: MaskTool): void;
  brushSize: number;
  onBrushSize(px: number): void;
  softness: number;
  onSoftness(s: number): void;
  subtract: boolean;
  onSubtract(on: boolean): void;
  opacity: number;
  onOpacity(o: number): void;
  canUndo: boolean;
  canRedo: boolean;
  onUndo(): void;
  onRedo(): void;
  onClear(): void;
  onInvert(): void;
  /** Prefix of every test id (a second toolbar on the same studio needs its own). */
  idPrefix?: string;
  /** Tools, brush size, subtract, undo, redo and clear only (the studio has the rest). */
  compact?: boolean;
}

/** The toolbar's props bound to a mask studio. */
export function studioToolbarProps(s: MaskStudio): MaskToolbarProps {
  return {
    tool: s.tool, onTool: s.setTool, brushSize: s.brushSize, onBrushSize: s.setBrushSize, softness: s.softness, onSoftness: s.setSoftness,
    subtract: s.subtract, onSubtract: s.setSubtract, opacity: s.opacity, onOpacity: s.setOpacity,
    canUndo: s.canUndo, canRedo: s.canRedo, onUndo: s.undo, onRedo: s.redo, onClear: s.clear, onInvert: s.invert,
  };
}

const TOOLS: { id: MaskTool; label: string; hint: string }[] = [
  { id: 'brush', label: 'Brush', hint: 'Paint (Alt: erase)' },
  { id: 'eraser', label: 'Eraser', hint: 'Erase (Alt: paint)' },
  { id: 'rect', label: 'Rectangle', hint: 'Drag a rectangle (Shift: square, Alt: subtract)' },
  { id: 'ellipse', label: 'Ellipse', hint: 'Drag an ellipse (Shift: circle, Alt: subtract)' },
  { id: 'lasso', label: 'Lasso', hint: 'Draw a closed free-form region (Alt: subtract)' },
];

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const mod = isMac ? '⌘' : 'Ctrl+';

export function MaskToolbar(p: MaskToolbarProps) {
  const brushLike = p.tool === 'brush' || p.tool === 'eraser';
  const id = (name: string) => `${p.idPrefix ?? ''}${name}`;
  return (
    <div className={`mask-toolbar${p.compact ? ' compact' : ''}`}>
      <div className="mask-tools" role="radiogroup" aria-label="Drawing tool">
        {TOOLS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="radio"
            aria-checked={p.tool === t.id}
            className={p.tool === t.id ? 'active' : undefined}
            title={t.hint}
            data-testid={id(`mask-tool-${t.id}`)}
            onClick={() => p.onTool(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="mask-tool-options">
        <Slider label="Size" value={p.brushSize} min={2} max={300} step={1} format={(v) => `${v}px`} testId={id('mask-brush-size')} disabled={!brushLike} onChange={p.onBrushSize} />
        {!p.compact && <Slider label="Softness" value={p.softness} min={0} max={1} step={0.05} format={(v) => v.toFixed(2)} testId={id('mask-brush-softness')} disabled={!brushLike} onChange={p.onSoftness} />}
        <label className="mask-check" title="Rectangle, ellipse and lasso cut out of the mask instead of adding to it (Alt flips this while drawing)">
          <input type="checkbox" checked={p.subtract} disabled={brushLike} data-testid={id('mask-shape-subtract')} onChange={(e) => p.onSubtract(e.currentTarget.checked)} />
          Subtract
        </label>
      </div>
      <div className="mask-actions">
        <button type="button" disabled={!p.canUndo} title={`Undo (${mod}Z)`} data-testid={id('mask-undo')} onClick={p.onUndo}>
          Undo
        </button>
        <button type="button" disabled={!p.canRedo} title={`Redo (${mod}Shift+Z or ${mod}Y)`} data-testid={id('mask-redo')} onClick={p.onRedo}>
          Redo
        </button>
        <button type="button" title="Empty the mask" data-testid={id('mask-clear')} onClick={p.onClear}>
          Clear
        </button>
        {!p.compact && (
          <>
            <button type="button" title="Swap inside and outside" data-testid={id('mask-invert')} onClick={p.onInvert}>
              Invert
            </button>
            <Slider label="Mask opacity" value={p.opacity} min={0} max={1} step={0.05} format={(v) => `${Math.round(v * 100)}%`} testId={id('mask-opacity')} onChange={p.onOpacity} />
          </>
        )}
      </div>
    </div>
  );
}
