import { describe, expect, it } from 'vitest';
import { areaFraction, presetMask, resizeMask, type Mask } from './mask';
import { buildPreset, defaultPreset, SaliencyUnavailableError, type PresetKind } from './maskPresets';

const N = 128;
const px = (m: Mask, x: number, y: number) => m.data[y * m.width + x];

function symmetric(m: Mask): boolean {
  const { width: W, height: H } = m;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = px(m, x, y);
      if (v !== px(m, W - 1 - x, y) || v !== px(m, x, H - 1 - y) || (W === H && v !== px(m, y, x))) return false;
    }
  }
  return true;
}

describe('presets', () => {
  it('corners: four squares of the given size in the corners', () => {
    for (const size of [0.1, 0.25, 0.4]) {
      const m = buildPreset({ kind: 'corners', size });
      expect(areaFraction(m)).toBeCloseTo(4 * size * size, 2);
      expect(symmetric(m)).toBe(true);
      for (const [x, y] of [
        [0, 0],
        [N - 1, 0],
        [0, N - 1],
        [N - 1, N - 1],
      ])
        expect(px(m, x, y)).toBe(1);
      expect(px(m, N / 2, N / 2)).toBe(0);
      expect(px(m, N / 2, 0)).toBe(0);
      const k = Math.round(size * N);
      expect(px(m, k - 1, k - 1)).toBe(1);
      expect(px(m, k + 1, k - 1)).toBe(0);
    }
    // Size is clamped so corners never merge into a full mask.
    expect(areaFraction(buildPreset({ kind: 'corners', size: 3 }))).toBeLessThanOrEqual(1);
  });

  it('center: a centred square of the given side', () => {
    const m = buildPreset({ kind: 'center', size: 0.5 });
    expect(areaFraction(m)).toBeCloseTo(0.25, 2);
    expect(symmetric(m)).toBe(true);
    expect(px(m, N / 2, N / 2)).toBe(1);
    expect(px(m, 0, 0)).toBe(0);
    expect(px(m, N / 4 - 1, N / 2)).toBe(0);
    expect(px(m, N / 4 + 1, N / 2)).toBe(1);
  });

  it('border: a frame of the given width, the complement of a centred square', () => {
    const w = 0.125;
    const m = buildPreset({ kind: 'border', width: w });
    expect(areaFraction(m)).toBeCloseTo(1 - (1 - 2 * w) ** 2, 2);
    expect(symmetric(m)).toBe(true);
    const inner = presetMask('center', 1 - 2 * w);
    for (let i = 0; i < m.data.length; i++) expect(m.data[i] + inner.data[i]).toBe(1);
  });

  it('text: "VG" by default, non-empty', () => {
    const spec = defaultPreset('text');
    expect(spec).toEqual({ kind: 'text', text: 'VG', fontSize: 0.5 });
    expect(areaFraction(buildPreset(spec))).toBeGreaterThan(0.05);
    expect(areaFraction(buildPreset({ kind: 'text', text: ' ', fontSize: 0.5 }))).toBe(0);
  });

  it('salient: thresholds the given saliency map, and needs one', () => {
    const map: Mask = { width: N, height: N, data: new Float32Array(N * N) };
    for (let i = 0; i < map.data.length; i++) map.data[i] = (i % N) / (N - 1); // ramp left to right
    const m = buildPreset({ kind: 'salient', threshold: 0.75 }, { saliency: map });
    expect(areaFraction(m)).toBeCloseTo(0.25, 1);
    expect(px(m, N - 1, 5)).toBe(1);
    expect(() => buildPreset(defaultPreset('salient'))).toThrow(SaliencyUnavailableError);
  });

  it('every preset at default keeps its area fraction at a 7x7 and 16x16 feature grid (within 5%)', () => {
    const map: Mask = { width: N, height: N, data: new Float32Array(N * N).map((_, i) => ((i * 7919) % 1000) / 1000) };
    const kinds: PresetKind[] = ['corners', 'center', 'border', 'salient', 'text'];
    for (const kind of kinds) {
      const m = buildPreset(defaultPreset(kind), { saliency: map });
      const a = areaFraction(m);
      for (const g of [7, 16]) expect(Math.abs(areaFraction(resizeMask(m, g, g)) - a) / a, `${kind} ${g}`).toBeLessThan(0.05);
    }
  });
});
