import { useEffect, useEffectEvent, useLayoutEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import type { Mask } from '../../core/mask';
import { brushSegmentInPlace, cloneMask, fillEllipse, fillPolygon, fillRect, type PaintMode, type UV } from '../../core/maskOps';
import { drawMaskOverlay, drawPhoto, drawShapePreview, type ShapePreview } from '../../render/maskRender';
import { imageSize, type EditorImage } from './imageUtils';

export type MaskTool = 'brush' | 'eraser' | 'rect' | 'ellipse' | 'lasso';

export interface MaskCanvasProps {
  image: EditorImage | null;
  mask: Mask;
  tool: MaskTool;
  /** Brush diameter in CSS pixels of the displayed photo. */
  brushSize: number;
  /** 0..1 */
  softness: number;
  /** Mask overlay opacity, 0..1. */
  opacity: number;
  /** Shapes (rect, ellipse, lasso) cut out instead of adding; Alt flips it for one gesture. */
  subtract: boolean;
  onCommit(next: Mask): void;
  /** Upper bound on the displayed height in CSS pixels (default 640, and at most 75% of the window). */
  maxHeight?: number;
  /** Ignore the pointer (while a run trains). */
  readOnly?: boolean;
  /**
   * What to show under the mask instead of the photo (the Steer view: the heatmap over the
   * photo), given the canvas size in device pixels; it fills the stack (class mask-layer).
   */
  underlay?: (size: { width: number; height: number }) => ReactNode;
  /** Prefix of the test ids (a second canvas on the page needs its own). */
  idPrefix?: string;
}

type Gesture =
  | { kind: 'brush'; pointerId: number; working: Mask; last: UV; mode: PaintMode }
  | { kind: 'rect' | 'ellipse'; pointerId: number; a: UV; b: UV; erase: boolean }
  | { kind: 'lasso'; pointerId: number; points: UV[]; erase: boolean };

const clampUV = (p: UV): UV => ({ u: Math.min(1, Math.max(0, p.u)), v: Math.min(1, Math.max(0, p.v)) });

/**
 * The photo with the mask over it and the pointer tools. Three stacked canvases: the photo
 * (drawn once per image and display size, so a 4000x3000 photo costs one downscale), the mask
 * overlay (the 128x128 mask stretched), and the interaction layer (shape outlines, brush cursor)
 * that takes the pointer events. Everything is drawn at display resolution; the mask stays at
 * its working resolution.
 */
export function MaskCanvas({ image, mask, tool, brushSize, softness, opacity, subtract, onCommit, maxHeight = 640, readOnly = false, underlay, idPrefix = '' }: MaskCanvasProps) {
  const stageRef = useRef<HTMLDivElement>(null);
  const photoRef = useRef<HTMLCanvasElement>(null);
  const maskRef = useRef<HTMLCanvasElement>(null);
  const uiRef = useRef<HTMLCanvasElement>(null);
  const gesture = useRef<Gesture | null>(null);
  const frame = useRef<number | null>(null);
  const [avail, setAvail] = useState({ width: 0, height: 0 });
  const [, setLoadTick] = useState(0);

  useLayoutEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const measure = () => setAvail({ width: el.clientWidth, height: window.innerHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    window.addEventListener('resize', measure);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', measure);
    };
  }, []);

  // An <img> that is still loading has no size yet: redraw once it has.
  useEffect(() => {
    if (!(image instanceof HTMLImageElement) || image.complete) return;
    const onLoad = () => setLoadTick((t) => t + 1);
    image.addEventListener('load', onLoad);
    return () => image.removeEventListener('load', onLoad);
  }, [image]);

  const natural = imageSize(image);
  const aspect = natural ? natural.width / natural.height : 1;
  const maxH = Math.max(120, Math.min(maxHeight, (avail.height || 800) * 0.75));
  const cssW = Math.max(64, Math.floor(Math.min(avail.width || 480, maxH * aspect)));
  const cssH = Math.max(16, Math.round(cssW / aspect));
  const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;
  const pxW = Math.round(cssW * dpr);
  const pxH = Math.round(cssH * dpr);

  const hasSize = natural !== null;
  useEffect(() => {
    const ctx = photoRef.current?.getContext('2d');
    if (ctx) drawPhoto(ctx, hasSize ? image : null, pxW, pxH);
  }, [image, hasSize, pxW, pxH]);

  const paintMask = (m: Mask) => {
    const ctx = maskRef.current?.getContext('2d');
    if (ctx) drawMaskOverlay(ctx, m, { width: pxW, height: pxH, opacity });
  };
  const paintPreview = (shape: ShapePreview | null, erase = false) => {
    const ctx = uiRef.current?.getContext('2d');
    if (ctx) drawShapePreview(ctx, shape, { width: pxW, height: pxH, lineWidth: 1.5 * dpr, erase });
  };

  useEffect(() => {
    const ctx = maskRef.current?.getContext('2d');
    const g = gesture.current;
    if (ctx) drawMaskOverlay(ctx, g?.kind === 'brush' ? g.working : mask, { width: pxW, height: pxH, opacity });
  }, [mask, opacity, pxW, pxH]);

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  /** Redraws at most once per animation frame while a gesture runs. */
  const schedule = (hover?: UV) => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const g = gesture.current;
      if (!g) {
        paintPreview(hover && (tool === 'brush' || tool === 'eraser') ? { kind: 'brush', at: hover, radiusPx: (brushSize / 2) * dpr } : null);
        return;
      }
      if (g.kind === 'brush') {
        paintMask(g.working);
        paintPreview({ kind: 'brush', at: g.last, radiusPx: (brushSize / 2) * dpr });
      } else if (g.kind === 'lasso') {
        paintPreview({ kind: 'lasso', points: g.points }, g.erase);
      } else {
        paintPreview({ kind: g.kind, a: g.a, b: g.b }, g.erase);
      }
    });
  };

  const toUV = (clientX: number, clientY: number): UV => {
    const r = uiRef.current!.getBoundingClientRect();
    return { u: (clientX - r.left) / Math.max(1, r.width), v: (clientY - r.top) / Math.max(1, r.height) };
  };

  /** Shift: a square / circle as displayed on the photo. */
  const constrain = (a: UV, b: UV, square: boolean): UV => {
    if (!square) return b;
    const dx = (b.u - a.u) * cssW;
    const dy = (b.v - a.v) * cssH;
    const s = Math.max(Math.abs(dx), Math.abs(dy));
    return { u: a.u + (Math.sign(dx) || 1) * (s / cssW), v: a.v + (Math.sign(dy) || 1) * (s / cssH) };
  };

  const brushOpts = (mode: PaintMode) => ({ radiusU: brushSize / 2 / cssW, radiusV: brushSize / 2 / cssH, softness, mode });

  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (readOnly || gesture.current || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic or already-ended pointers cannot be captured; drawing still works inside the canvas.
    }
    const p = toUV(e.clientX, e.clientY);
    const erase = subtract !== e.altKey;
    if (tool === 'brush' || tool === 'eraser') {
      const mode: PaintMode = (tool === 'eraser') !== e.altKey ? 'erase' : 'paint';
      const working = cloneMask(mask);
      brushSegmentInPlace(working, p, p, brushOpts(mode));
      gesture.current = { kind: 'brush', pointerId: e.pointerId, working, last: p, mode };
    } else if (tool === 'lasso') {
      gesture.current = { kind: 'lasso', pointerId: e.pointerId, points: [clampUV(p)], erase };
    } else {
      const a = clampUV(p);
      gesture.current = { kind: tool, pointerId: e.pointerId, a, b: a, erase };
    }
    schedule();
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const g = gesture.current;
    if (!g) {
      if (e.pointerType !== 'touch' && !readOnly) schedule(toUV(e.clientX, e.clientY));
      return;
    }
    if (e.pointerId !== g.pointerId) return;
    if (g.kind === 'brush') {
      const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
      for (const ev of events.length ? events : [e.nativeEvent]) {
        const p = toUV(ev.clientX, ev.clientY);
        brushSegmentInPlace(g.working, g.last, p, brushOpts(g.mode));
        g.last = p;
      }
    } else if (g.kind === 'lasso') {
      const p = clampUV(toUV(e.clientX, e.clientY));
      const q = g.points[g.points.length - 1];
      if (Math.hypot((p.u - q.u) * cssW, (p.v - q.v) * cssH) >= 2) g.points.push(p);
    } else {
      g.b = constrain(g.a, clampUV(toUV(e.clientX, e.clientY)), e.shiftKey);
    }
    schedule();
  };

  const finish = (e: ReactPointerEvent<HTMLCanvasElement>, commit: boolean) => {
    const g = gesture.current;
    if (!g || e.pointerId !== g.pointerId) return;
    gesture.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    let next: Mask | null = null;
    if (commit) {
      if (g.kind === 'brush') {
        next = g.working;
      } else if (g.kind === 'lasso') {
        if (g.points.length >= 3) next = fillPolygon(mask, g.points, g.erase ? 'erase' : 'paint');
      } else {
        const b = constrain(g.a, clampUV(toUV(e.clientX, e.clientY)), e.shiftKey);
        const big = Math.abs(b.u - g.a.u) * cssW >= 2 && Math.abs(b.v - g.a.v) * cssH >= 2;
        if (big) next = (g.kind === 'rect' ? fillRect : fillEllipse)(mask, g.a, b, g.erase ? 'erase' : 'paint');
      }
    }
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = null;
    paintPreview(null);
    paintMask(next ?? mask);
    if (next) onCommit(next);
  };

  // Escape drops the gesture in progress.
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !gesture.current) return;
    gesture.current = null;
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = null;
    paintPreview(null);
    paintMask(mask);
  });
  useEffect(() => {
    const handler = (e: KeyboardEvent) => onKey(e);
    window.addEventListener('keydown', handler);
    return () => window.removeEventListener('keydown', handler);
  }, []);

  const cursor = readOnly ? 'default' : tool === 'brush' || tool === 'eraser' ? 'none' : 'crosshair';

  return (
    <div className="mask-stage" ref={stageRef}>
      <div className="mask-canvas-stack" style={{ width: cssW, height: cssH }}>
        {underlay ? underlay({ width: pxW, height: pxH }) : <canvas ref={photoRef} width={pxW} height={pxH} className="mask-layer" aria-hidden="true" />}
        <canvas ref={maskRef} width={pxW} height={pxH} className="mask-layer" aria-hidden="true" data-testid={`${idPrefix}mask-overlay-canvas`} />
        <canvas
          ref={uiRef}
          width={pxW}
          height={pxH}
          className="mask-layer mask-interactive"
          style={{ cursor }}
          data-testid={`${idPrefix}mask-canvas`}
          data-tool={tool}
          data-readonly={readOnly ? 'true' : undefined}
          aria-label={`Mask drawing area (${tool})`}
          role="img"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={(e) => finish(e, true)}
          onPointerCancel={(e) => finish(e, false)}
          onLostPointerCapture={(e) => finish(e, true)}
          onPointerLeave={() => {
            if (!gesture.current) paintPreview(null);
          }}
          onContextMenu={(e) => e.preventDefault()}
        />
      </div>
    </div>
  );
}
