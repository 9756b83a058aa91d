import { describe, expect, it } from 'vitest';
import type { Mask } from '../core/mask';
import { drawFeatureGrid, drawShapePreview, maskOverlayPixels, parseHexColor } from './maskRender';

/** A stand-in 2D context that records calls and the fillStyle of each fillRect. */
function recordingCtx() {
  const calls: { name: string; args: unknown[]; fillStyle?: unknown }[] = [];
  const state: Record<string | symbol, unknown> = {};
  const ctx = new Proxy(state, {
    get(target, prop) {
      if (prop in target) return target[prop];
      return (...args: unknown[]) => calls.push({ name: String(prop), args, fillStyle: target.fillStyle });
    },
    set(target, prop, value) {
      target[prop] = value;
      return true;
    },
  });
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls };
}

describe('mask rendering', () => {
  it('parses colours and falls back to the accent', () => {
    expect(parseHexColor('#4cc2ff')).toEqual([76, 194, 255]);
    expect(parseHexColor('#fff')).toEqual([255, 255, 255]);
    expect(parseHexColor('nonsense')).toEqual([76, 194, 255]);
  });

  it('overlay pixels carry the colour with alpha = value x opacity', () => {
    const mask: Mask = { width: 2, height: 1, data: new Float32Array([1, 0.5]) };
    const px = maskOverlayPixels(mask, [10, 20, 30], 0.5);
    expect([...px]).toEqual([10, 20, 30, 128, 10, 20, 30, 64]);
  });

  it('the feature grid draws one block per cell, stronger where the mask is', () => {
    const grid: Mask = { width: 7, height: 7, data: new Float32Array(49) };
    grid.data[0] = 1;
    const { ctx, calls } = recordingCtx();
    drawFeatureGrid(ctx, grid, { width: 140, height: 140 });
    const cells = calls.filter((c) => c.name === 'fillRect').slice(1); // first one is the background
    expect(cells).toHaveLength(49);
    const alpha = (s: unknown) => Number(/([\d.]+)\)$/.exec(String(s))?.[1]);
    expect(alpha(cells[0].fillStyle)).toBeGreaterThan(alpha(cells[1].fillStyle));
    // Blocks tile the canvas exactly.
    const area = cells.reduce((s, c) => s + (c.args[2] as number) * (c.args[3] as number), 0);
    expect(area).toBe(140 * 140);
  });

  it('shape previews map normalised coordinates to canvas pixels', () => {
    const { ctx, calls } = recordingCtx();
    drawShapePreview(ctx, { kind: 'rect', a: { u: 0.5, v: 0.5 }, b: { u: 0.25, v: 0.25 } }, { width: 400, height: 200 });
    expect(calls.find((c) => c.name === 'rect')?.args).toEqual([100, 50, 100, 50]);
    const lasso = recordingCtx();
    drawShapePreview(lasso.ctx, { kind: 'lasso', points: [{ u: 0, v: 0 }, { u: 1, v: 0 }, { u: 1, v: 1 }] }, { width: 10, height: 10 });
    expect(lasso.calls.filter((c) => c.name === 'lineTo')).toHaveLength(2);
    expect(lasso.calls.some((c) => c.name === 'closePath')).toBe(true);
  });
});
