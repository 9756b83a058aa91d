import { createContext, useContext, useEffect, useEffectEvent, useLayoutEffect, useReducer, useRef, useState } from 'react';
import type { Mask } from '../../core/mask';
import { MaskHistory } from '../../core/maskHistory';
import { clearMask, invertMask } from '../../core/maskOps';
import type { EditorImage } from './imageUtils';
import type { MaskTool } from './MaskCanvas';
import type { PresetSource } from './MaskPresets';

/**
 * The mask studio's state, shared by every surface that edits the mask: the studio itself
 * (small canvas, presets) and the large before-image of the Steer view. One tool choice, one
 * brush, one undo history (100 steps): a rectangle drawn on the large view is undone from the
 * studio's Undo, and the other way round.
 */
export interface MaskStudio {
  image: EditorImage | null;
  imageId: string | null;
  mask: Mask;
  tool: MaskTool;
  setTool(tool: MaskTool): void;
  brushSize: number;
  setBrushSize(px: number): void;
  softness: number;
  setSoftness(s: number): void;
  opacity: number;
  setOpacity(o: number): void;
  subtract: boolean;
  setSubtract(on: boolean): void;
  /** The preset whose controls are being moved: its changes amend one undo step. */
  live: PresetSource | null;
  canUndo: boolean;
  canRedo: boolean;
  /** Records an edit (from a tool or a preset) and hands it out through onChange. */
  commit(next: Mask, source?: PresetSource | null): void;
  undo(): void;
  redo(): void;
  clear(): void;
  invert(): void;
}

/** Ctrl/Cmd shortcuts stay out of the way while the user types in a text field. */
function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['range', 'checkbox', 'radio', 'button', 'file', 'color', 'submit', 'reset'].includes(target.type);
}

/**
 * Controlled: `mask` is the truth and every edit goes out through `onChange`. The history starts
 * over when `image` changes; a new `mask` from outside (same image) is recorded as an undoable
 * step. Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y act on it once, whichever surface is in view.
 */
export function useMaskStudio(image: EditorImage | null, imageId: string | null, mask: Mask, onChange: (mask: Mask) => void): MaskStudio {
  const [history] = useState(() => new MaskHistory(mask, { limit: 100 }));
  const [, bump] = useReducer((x: number) => x + 1, 0);
  const [live, setLive] = useState<PresetSource | null>(null);
  const [tool, setTool] = useState<MaskTool>('brush');
  const [brushSize, setBrushSize] = useState(40);
  const [softness, setSoftness] = useState(0.3);
  const [opacity, setOpacity] = useState(0.55);
  const [subtract, setSubtract] = useState(false);

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

  return {
    image, imageId, mask, tool, setTool, brushSize, setBrushSize, softness, setSoftness, opacity, setOpacity, subtract, setSubtract, live,
    canUndo: history.canUndo,
    canRedo: history.canRedo,
    commit,
    undo: () => step('undo'),
    redo: () => step('redo'),
    clear: () => commit(clearMask(mask)),
    invert: () => commit(invertMask(mask)),
  };
}

export const MaskStudioContext = createContext<MaskStudio | null>(null);

/** The studio shared by the surfaces below its provider (ui/mask/MaskStudioProvider). */
export function useMaskStudioContext(): MaskStudio {
  const studio = useContext(MaskStudioContext);
  if (!studio) throw new Error('useMaskStudioContext: no MaskStudioProvider above this component');
  return studio;
}
