import { describe, expect, it } from 'vitest';
import { MaskHistory, MIN_HISTORY_STEPS } from './maskHistory';
import { brushStroke, emptyMask, fillRect, invertMask, masksEqual } from './maskOps';
import type { Mask } from './mask';

const N = 128;
const dab = (m: Mask, i: number) =>
  brushStroke(m, [{ u: ((i * 37) % 100) / 100, v: ((i * 61) % 100) / 100 }], { radiusU: 0.03, radiusV: 0.03, softness: 0.3, mode: 'paint' });

describe('MaskHistory', () => {
  it('undoes and redoes exactly, and a new step drops the redo branch', () => {
    const m0 = emptyMask(N);
    const h = new MaskHistory(m0);
    const m1 = fillRect(m0, { u: 0.1, v: 0.1 }, { u: 0.4, v: 0.3 });
    const m2 = invertMask(m1);
    expect(h.push(m1)).toBe(true);
    expect(h.push(m2)).toBe(true);
    expect(masksEqual(h.undo()!, m1)).toBe(true);
    expect(masksEqual(h.undo()!, m0)).toBe(true);
    expect(h.undo()).toBeNull();
    expect(masksEqual(h.redo()!, m1)).toBe(true);
    expect(h.canRedo).toBe(true);
    const m3 = dab(m1, 3);
    h.push(m3);
    expect(h.canRedo).toBe(false);
    expect(h.redo()).toBeNull();
    expect(masksEqual(h.undo()!, m1)).toBe(true);
  });

  it('never mutates masks it handed out or was given', () => {
    const m0 = emptyMask(N);
    const h = new MaskHistory(m0);
    const m1 = fillRect(m0, { u: 0, v: 0 }, { u: 0.5, v: 0.5 });
    h.push(m1);
    const back = h.undo()!;
    h.redo();
    expect(m0.data.every((v) => v === 0)).toBe(true);
    expect(m1.data[0]).toBe(1);
    expect(back.data[0]).toBe(0);
  });

  it('ignores a step that changes nothing', () => {
    const m0 = emptyMask(N);
    const h = new MaskHistory(m0);
    expect(h.push(emptyMask(N))).toBe(false);
    expect(h.canUndo).toBe(false);
  });

  it('is bounded: keeps `limit` steps (at least 50) and the most recent ones', () => {
    const h = new MaskHistory(emptyMask(N), { limit: 60 });
    const states: Mask[] = [h.current];
    for (let i = 0; i < 200; i++) {
      const next = dab(h.current, i);
      if (h.push(next)) states.push(next);
    }
    expect(states.length).toBeGreaterThan(100);
    expect(h.undoDepth).toBe(60);
    let steps = 0;
    while (h.undo()) steps++;
    expect(steps).toBe(60);
    expect(masksEqual(h.current, states[states.length - 1 - 60])).toBe(true);
    expect(new MaskHistory(emptyMask(N), { limit: 5 }).limit).toBe(MIN_HISTORY_STEPS);
  });

  it('stores small patches for small edits and respects a byte budget', () => {
    const h = new MaskHistory(emptyMask(N));
    for (let i = 0; i < 50; i++) h.push(dab(h.current, i));
    // A dab of radius 0.03 touches about 9 x 9 pixels: far below a full 64 KiB mask per step.
    expect(h.byteSize / 50).toBeLessThan(2048);

    const tight = new MaskHistory(emptyMask(N), { maxBytes: 300 * 1024 });
    for (let i = 0; i < 60; i++) tight.push(invertMask(tight.current)); // 64 KiB per step
    expect(tight.byteSize).toBeLessThanOrEqual(300 * 1024);
    expect(tight.undoDepth).toBe(4);
    // Undo/redo move patches between stacks without growing the total.
    const before = tight.byteSize;
    tight.undo();
    tight.undo();
    tight.redo();
    expect(tight.byteSize).toBe(before);
  });

  it('amend replaces the latest step instead of adding one', () => {
    const m0 = emptyMask(N);
    const h = new MaskHistory(m0);
    const a = fillRect(m0, { u: 0, v: 0 }, { u: 0.2, v: 0.2 });
    h.push(a);
    for (const s of [0.3, 0.4, 0.5]) h.amend(fillRect(m0, { u: 0, v: 0 }, { u: s, v: s }));
    expect(h.undoDepth).toBe(1);
    expect(masksEqual(h.current, fillRect(m0, { u: 0, v: 0 }, { u: 0.5, v: 0.5 }))).toBe(true);
    expect(masksEqual(h.undo()!, m0)).toBe(true);
    // Amending back to the state before the step leaves no step at all.
    const h2 = new MaskHistory(m0);
    h2.push(a);
    h2.amend(emptyMask(N));
    expect(h2.canUndo).toBe(false);
    // Nothing to amend: same as push.
    const h3 = new MaskHistory(m0);
    expect(h3.amend(a)).toBe(true);
    expect(h3.undoDepth).toBe(1);
  });

  it('handles a change of mask size and reset', () => {
    const h = new MaskHistory(emptyMask(N));
    const small = fillRect(emptyMask(16), { u: 0, v: 0 }, { u: 1, v: 0.5 });
    h.push(small);
    expect(h.undo()!.width).toBe(N);
    expect(masksEqual(h.redo()!, small)).toBe(true);
    h.reset(emptyMask(8));
    expect(h.canUndo || h.canRedo).toBe(false);
    expect(h.byteSize).toBe(0);
  });
});
