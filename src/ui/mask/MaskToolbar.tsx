import type { MaskTool } from './MaskCanvas';
import { Slider } from './Slider';

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
  return (
    <div className="mask-toolbar">
      <div className="mask-tools" role="radiogroup" aria-label="Drawing tool">
        {TOOLS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="radio"
            aria-checked={p.tool === t.id}
            className={p.tool === t.id ? 'active' : undefined}
            title={t.hint}
            data-testid={`mask-tool-${t.id}`}
            onClick={() => p.onTool(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="mask-tool-options">
        <Slider label="Size" value={p.brushSize} min={2} max={300} step={1} format={(v) => `${v}px`} testId="mask-brush-size" disabled={!brushLike} onChange={p.onBrushSize} />
        <Slider label="Softness" value={p.softness} min={0} max={1} step={0.05} format={(v) => v.toFixed(2)} testId="mask-brush-softness" disabled={!brushLike} onChange={p.onSoftness} />
        <label className="mask-check" title="Rectangle, ellipse and lasso cut out of the mask instead of adding to it (Alt flips this while drawing)">
          <input type="checkbox" checked={p.subtract} disabled={brushLike} data-testid="mask-shape-subtract" onChange={(e) => p.onSubtract(e.currentTarget.checked)} />
          Subtract
        </label>
      </div>
      <div className="mask-actions">
        <button type="button" disabled={!p.canUndo} title={`Undo (${mod}Z)`} data-testid="mask-undo" onClick={p.onUndo}>
          Undo
        </button>
        <button type="button" disabled={!p.canRedo} title={`Redo (${mod}Shift+Z or ${mod}Y)`} data-testid="mask-redo" onClick={p.onRedo}>
          Redo
        </button>
        <button type="button" title="Empty the mask" data-testid="mask-clear" onClick={p.onClear}>
          Clear
        </button>
        <button type="button" title="Swap inside and outside" data-testid="mask-invert" onClick={p.onInvert}>
          Invert
        </button>
        <Slider label="Mask opacity" value={p.opacity} min={0} max={1} step={0.05} format={(v) => `${Math.round(v * 100)}%`} testId="mask-opacity" onChange={p.onOpacity} />
      </div>
    </div>
  );
}
