import { describe, expect, it } from 'vitest';
import { areaFraction } from './mask';
import { TEXT_MASK_CHARSET, textMask } from './textMask';

const N = 128;

function bbox(data: Float32Array, w: number) {
  let x0 = w;
  let x1 = -1;
  let y0 = w;
  let y1 = -1;
  data.forEach((v, i) => {
    if (v < 0.5) return;
    const x = i % w;
    const y = Math.floor(i / w);
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  });
  return { x0, x1, y0, y1 };
}

describe('text masks', () => {
  it('"VG" is non-empty, centred, as tall as the font size, and leaves most of the image out', () => {
    const { mask, missing, fontSize } = textMask('VG');
    expect(missing).toEqual([]);
    expect(fontSize).toBeCloseTo(0.5, 5);
    const a = areaFraction(mask);
    expect(a).toBeGreaterThan(0.05);
    expect(a).toBeLessThan(0.4);
    const b = bbox(mask.data, N);
    expect(Math.abs((b.x0 + b.x1) / 2 - (N - 1) / 2)).toBeLessThan(3);
    expect(Math.abs((b.y0 + b.y1) / 2 - (N - 1) / 2)).toBeLessThan(3);
    // Cap height 0.5 plus one stroke width (0.18 x cap height).
    expect((b.y1 - b.y0 + 1) / N).toBeCloseTo(0.5 * 1.18, 1);
    // The two letters are separate: an empty column between them.
    let gap = false;
    for (let x = b.x0; x <= b.x1 && !gap; x++) {
      let col = 0;
      for (let y = 0; y < N; y++) col += mask.data[y * N + x];
      gap = col === 0;
    }
    expect(gap).toBe(true);
  });

  it('a symmetric letter gives a left-right symmetric mask', () => {
    for (const ch of ['H', 'O', 'X', 'A']) {
      const { mask } = textMask(ch, { fontSize: 0.6 });
      let diff = 0;
      for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) diff += Math.abs(mask.data[y * N + x] - mask.data[y * N + N - 1 - x]);
      expect(diff / areaFraction(mask) / (N * N)).toBeLessThan(0.02);
    }
  });

  it('the font size scales the area; long text shrinks to fit inside the image', () => {
    const small = areaFraction(textMask('VG', { fontSize: 0.25 }).mask);
    const big = areaFraction(textMask('VG', { fontSize: 0.5 }).mask);
    expect(big / small).toBeGreaterThan(3);
    expect(big / small).toBeLessThan(5);
    const long = textMask('STEERING THE CAM', { fontSize: 0.5 });
    expect(long.fontSize).toBeLessThan(0.2);
    const b = bbox(long.mask.data, N);
    expect(b.x0).toBeGreaterThan(0);
    expect(b.x1).toBeLessThan(N - 1);
  });

  it('aspect makes letters look upright on a wide photo (narrower in mask space)', () => {
    const square = bbox(textMask('H').mask.data, N);
    const wide = bbox(textMask('H', { aspect: 2 }).mask.data, N);
    const ws = square.x1 - square.x0 + 1;
    const ww = wide.x1 - wide.x0 + 1;
    expect(ww / ws).toBeCloseTo(0.5, 1);
    expect(wide.y1 - wide.y0).toBe(square.y1 - square.y0);
  });

  it('every glyph of the charset draws something; lowercase maps to uppercase; others are reported', () => {
    for (const ch of TEXT_MASK_CHARSET) {
      if (ch === ' ') continue;
      expect(areaFraction(textMask(ch, { fontSize: 0.3 }).mask), ch).toBeGreaterThan(0);
    }
    expect(Array.from(textMask('vg').mask.data)).toEqual(Array.from(textMask('VG').mask.data));
    const r = textMask('Vé日');
    expect(r.missing).toEqual(['é', '日']);
    expect(areaFraction(r.mask)).toBeGreaterThan(0);
    expect(areaFraction(textMask('   ').mask)).toBe(0);
  });

  it('multi-line text stacks lines', () => {
    const one = bbox(textMask('VG', { fontSize: 0.2 }).mask.data, N);
    const two = bbox(textMask('VG\nVG', { fontSize: 0.2 }).mask.data, N);
    expect(two.y1 - two.y0).toBeGreaterThan(1.8 * (one.y1 - one.y0));
  });
});
