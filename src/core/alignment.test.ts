import { describe, expect, it } from 'vitest';
import { energyInMask, gridBound, heatmapAtMaskSize, iouAt, meanIou, normalizeMap, pointingHit, rocAuc, singleCellEnergies, upsampleBilinear } from './alignment';
import { buildPreset, DEFAULT_FONT_SIZE } from './maskPresets';
import { areaFraction, assertSteerable, EmptyMaskError, gridTarget, presetMask, resizeMask } from './mask';

describe('energy-in-mask', () => {
  it('is the share of the heatmap inside the mask', () => {
    expect(energyInMask([1, 3, 0, 4], [1, 0, 0, 1])).toBeCloseTo(5 / 8, 10);
    expect(energyInMask([0, 0, 2, 0], [0, 0, 1, 0])).toBe(1);
    expect(energyInMask([0, 0, 0, 0], [1, 0, 0, 0])).toBe(0);
  });

  it('binarises the mask at 0.5 and ignores negative heat', () => {
    expect(energyInMask([1, 1, -5, 2], [0.6, 0.4, 1, 0])).toBeCloseTo(1 / 4, 10);
  });

  it('a constant heatmap scores the mask area (the chance level)', () => {
    const m = presetMask('corners', 0.25, 32);
    const s = normalizeMap(new Float32Array(32 * 32).fill(3));
    expect(energyInMask(s, m.data)).toBeCloseTo(areaFraction(m), 6);
  });

  it('rejects arrays of different sizes', () => {
    expect(() => energyInMask([1, 2], [1])).toThrow(/sizes differ/);
  });
});

describe('heatmap resampling', () => {
  it('bilinear upsampling keeps a constant map constant and interpolates a ramp', () => {
    expect(Array.from(upsampleBilinear([2, 2, 2, 2], 2, 2, 5, 5)).every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
    const up = upsampleBilinear([0, 1], 2, 1, 4, 1);
    expect(Array.from(up)).toEqual([0, 0.25, 0.75, 1]);
  });

  it('heatmapAtMaskSize applies ReLU then min-max normalisation', () => {
    const out = heatmapAtMaskSize([-1, 0, 2, 4], 2, 2, 2, 2);
    expect(Array.from(out)).toEqual([0, 0, 0.5, 1]);
  });
});

describe('mask presets', () => {
  it.each([
    ['corners', 0.25, 4 * 0.25 * 0.25],
    ['center', 0.5, 0.25],
    ['border', 0.125, 1 - 0.75 * 0.75],
  ] as const)('%s with frac %f has the right shape and area', (preset, frac, area) => {
    const m = presetMask(preset, frac, 128);
    expect([m.width, m.height, m.data.length]).toEqual([128, 128, 128 * 128]);
    expect(areaFraction(m)).toBeCloseTo(area, 2);
    // symmetric under left-right and top-bottom flips
    for (let y = 0; y < 128; y += 7) {
      for (let x = 0; x < 128; x += 5) {
        expect(m.data[y * 128 + x]).toBe(m.data[y * 128 + (127 - x)]);
        expect(m.data[y * 128 + x]).toBe(m.data[(127 - y) * 128 + x]);
      }
    }
  });

  it('corners cover the corner pixels and not the centre', () => {
    const m = presetMask('corners', 0.25, 64);
    expect([m.data[0], m.data[63], m.data[63 * 64], m.data[64 * 64 - 1]]).toEqual([1, 1, 1, 1]);
    expect(m.data[32 * 64 + 32]).toBe(0);
  });

  it('resizing to the feature grid preserves the area fraction', () => {
    for (const grid of [7, 8, 16, 13]) {
      const m = presetMask('corners', 0.3, 128);
      expect(Math.abs(areaFraction(resizeMask(m, grid, grid)) - areaFraction(m))).toBeLessThan(0.05 * areaFraction(m));
    }
  });

  it('empty and full masks cannot be steered toward', () => {
    const empty = { width: 4, height: 4, data: new Float32Array(16) };
    const full = { width: 4, height: 4, data: new Float32Array(16).fill(1) };
    expect(() => assertSteerable(empty)).toThrow(EmptyMaskError);
    expect(() => assertSteerable(full)).toThrow(/nothing for the model to look away from/);
    expect(() => assertSteerable(presetMask('center'))).not.toThrow();
  });
});

describe('pointing game, IoU and AUC', () => {
  it('pointing game hits when the first maximum is inside the mask', () => {
    expect(pointingHit([0.1, 0.9, 0.2, 0.3], [0, 1, 0, 0])).toBe(1);
    expect(pointingHit([0.1, 0.9, 0.2, 0.3], [1, 0, 1, 1])).toBe(0);
    // ties: the first index wins
    expect(pointingHit([1, 1, 0, 0], [1, 0, 0, 0])).toBe(1);
    expect(pointingHit([1, 1, 0, 0], [0, 1, 0, 0])).toBe(0);
  });

  it('IoU at a threshold and averaged over thresholds', () => {
    // S >= 0.5 -> {0, 1}; M -> {1, 2}: IoU = 1/3
    expect(iouAt([0.9, 0.6, 0.2, 0.1], [0, 1, 1, 0], 0.5)).toBeCloseTo(1 / 3, 10);
    // thresholds 0.1..0.9 on S = [0.95, 0.05]: {0} every time; M = {0} -> 1 each
    expect(meanIou([0.95, 0.05], [1, 0])).toBeCloseTo(1, 10);
    expect(iouAt([0, 0], [0, 0], 0.5)).toBe(0);
  });

  it('AUC: perfect, reversed, ties and worked example', () => {
    expect(rocAuc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
    // positives {0.8, 0.4}, negatives {0.6, 0.2}: pairs won 3 of 4
    expect(rocAuc([0.8, 0.4, 0.6, 0.2], [1, 1, 0, 0])).toBeCloseTo(0.75, 10);
    expect(Number.isNaN(rocAuc([0.1, 0.2], [1, 1]))).toBe(true);
  });
});

describe('grid bounds', () => {
  /** A seeded random blob mask, W x H. */
  function blobs(W: number, H: number, seed: number): Float32Array {
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const c = Array.from({ length: 3 }, () => [rnd() * W, rnd() * H, 2 + rnd() * W * 0.2]);
    return Float32Array.from({ length: W * H }, (_, i) => (c.some(([x, y, r]) => Math.hypot((i % W) + 0.5 - x, Math.floor(i / W) + 0.5 - y) < r) ? 1 : 0));
  }

  it('single-cell energies equal the energy of each one-cell heatmap, upsampled and normalised', () => {
    for (const [w, h, W, H] of [[1, 1, 16, 16], [2, 3, 20, 24], [6, 6, 64, 64], [7, 5, 48, 40]]) {
      const M = blobs(W, H, w * 31 + h);
      const fast = singleCellEnergies(M, W, H, w, h);
      for (let i = 0; i < w * h; i++) {
        const oneCell = new Float32Array(w * h);
        oneCell[i] = 1;
        expect(fast[i]).toBeCloseTo(energyInMask(heatmapAtMaskSize(oneCell, w, h, W, H), M), 5);
      }
    }
  });

  it('bounds the corners on a 6 x 6 grid: one corner cell holds it all, the exact fit spills over', () => {
    const corners = presetMask('corners', 0.25, 120);
    const b = gridBound(corners, 6, 6);
    expect(b.bestCell).toBeCloseTo(1, 5);
    expect(b.exactFit).toBeGreaterThan(0.6);
    expect(b.exactFit).toBeLessThan(0.8);
    // a finer grid draws the mask better
    expect(gridBound(corners, 12, 12).exactFit).toBeGreaterThan(b.exactFit + 0.1);
  });

  it('random heatmaps on a blob mask do not beat its best single cell', () => {
    const W = 60;
    const M = { width: W, height: W, data: blobs(W, W, 5) };
    const b = gridBound(M, 6, 6);
    let s = 9;
    const rnd = () => ((s = (s * 69069 + 1) % 2 ** 32) / 2 ** 32);
    for (let k = 0; k < 200; k++) {
      const raw = Float32Array.from({ length: 36 }, () => rnd() ** 4);
      expect(energyInMask(heatmapAtMaskSize(raw, 6, 6, W, W), M.data)).toBeLessThanOrEqual(b.bestCell + 1e-6);
    }
  });
});

describe('CAM target at the grid', () => {
  it('sharpness 1 is the area-mean resampling; higher keeps the best-covered cell at 1 and the order of the rest', () => {
    const m = presetMask('center', 0.3, 60);
    expect(Array.from(gridTarget(m, 6, 6))).toEqual(Array.from(resizeMask(m, 6, 6).data));
    const plain = gridTarget(m, 6, 6);
    const sharp = gridTarget(m, 6, 6, 8);
    const max = Math.max(...plain);
    expect(Math.max(...sharp)).toBeCloseTo(1, 6);
    for (let i = 0; i < 36; i++) {
      expect(sharp[i]).toBeCloseTo((plain[i] / max) ** 8, 6);
      if (plain[i] === 0) expect(sharp[i]).toBe(0);
    }
    expect(Array.from(gridTarget({ width: 8, height: 8, data: new Float32Array(64) }, 4, 4, 8)).every((v) => v === 0)).toBe(true);
  });

  it('a sharpened target of the letters "VG" keeps more of a copying heatmap in the mask on a 6 x 6 grid', () => {
    const M = buildPreset({ kind: 'text', text: 'VG', fontSize: DEFAULT_FONT_SIZE });
    const energyOf = (t: Float32Array) => energyInMask(heatmapAtMaskSize(t, 6, 6, M.width, M.height), M.data);
    expect(energyOf(gridTarget(M, 6, 6))).toBeCloseTo(gridBound(M, 6, 6).exactFit, 6);
    expect(energyOf(gridTarget(M, 6, 6, 8))).toBeGreaterThan(energyOf(gridTarget(M, 6, 6)) + 0.1);
    // and no more than the best single cell
    expect(energyOf(gridTarget(M, 6, 6, 8))).toBeLessThanOrEqual(gridBound(M, 6, 6).bestCell + 1e-6);
  });
});
