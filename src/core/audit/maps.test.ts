import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random';
import { cellIndexMap, mapToGrid, meanCurve, meanOf, poolToGrid, rankCells, spearmanMaps, ssim2d, topFractionMask, trapezoidAuc } from './maps';

describe('region grids', () => {
  it('assigns pixels to cells, also when the grid does not divide the image', () => {
    expect(Array.from(cellIndexMap(2, 4, 1, 2))).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    // 5 rows on 2 cells: rows 0-2 (floor(2y/5) = 0) and 3-4
    expect(Array.from(cellIndexMap(5, 1, 2, 1))).toEqual([0, 0, 0, 1, 1]);
    expect(() => cellIndexMap(4, 4, 5, 1)).toThrow(RangeError);
  });

  it('pools a pixel map to cell means, and leaves a map on its own grid unchanged', () => {
    const px = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]; // 4 x 4
    expect(Array.from(poolToGrid(px, 4, 4, 2, 2))).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect(Array.from(mapToGrid([1, 2, 3, 4], 2, 2, 8, 8, 2, 2))).toEqual([1, 2, 3, 4]);
    // a constant map stays constant through upsampling and pooling
    expect(Array.from(mapToGrid([2, 2, 2, 2], 2, 2, 8, 8, 4, 4))).toEqual(new Array(16).fill(2));
  });
});

describe('rankCells', () => {
  it('orders by decreasing value and breaks ties with the seeded generator', () => {
    expect(Array.from(rankCells([0.1, 0.9, 0.5], mulberry32(1)))).toEqual([1, 2, 0]);
    const flat = new Array(20).fill(0);
    const a = Array.from(rankCells(flat, mulberry32(3)));
    expect(Array.from(rankCells(flat, mulberry32(3)))).toEqual(a);
    expect(Array.from(rankCells(flat, mulberry32(4)))).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 20 }, (_, i) => i)); // not raster order
  });
});

describe('curve helpers', () => {
  it('integrates by the trapezoid rule', () => {
    expect(trapezoidAuc([0, 0.5, 1], [0, 0.5, 1])).toBeCloseTo(0.5, 12);
    expect(trapezoidAuc([0, 0.25, 1], [0, 1, 1])).toBeCloseTo(0.875, 12);
  });

  it('averages curves and finite numbers', () => {
    expect(meanCurve([[0, 1], [1, 3]])).toEqual([0.5, 2]);
    expect(meanCurve([])).toEqual([]);
    expect(meanOf([1, null, 3, NaN])).toBe(2);
    expect(meanOf([null])).toBeNull();
  });
});

describe('spearmanMaps', () => {
  it('is 1 for the same ranking, -1 for the reverse, and defined for constant maps', () => {
    expect(spearmanMaps([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearmanMaps([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearmanMaps([0, 0, 0], [0, 0, 0])).toBe(1);
    expect(spearmanMaps([0, 0, 0], [1, 2, 3])).toBe(0);
    expect(() => spearmanMaps([1, 2], [1, 2, 3])).toThrow(RangeError);
  });
});

describe('ssim2d', () => {
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;

  it('is 1 for identical maps', () => {
    const a = Array.from({ length: 64 }, (_, i) => (i * 37) % 11 / 10);
    expect(ssim2d(a, a, 8, 8)).toBeCloseTo(1, 10);
  });

  it('matches the formula by hand on one 3 x 3 window (sample variances)', () => {
    const a = Array.from({ length: 9 }, (_, i) => i / 8);
    const b = a.map((v) => 1 - v);
    // means 0.5; population variance of 0..8 is 60/9, /64, times 9/8 for the sample variance
    const v = (60 / 9 / 64) * (9 / 8);
    const expected = ((2 * 0.25 + C1) * (-2 * v + C2)) / ((0.5 + C1) * (2 * v + C2));
    expect(ssim2d(a, b, 3, 3)).toBeCloseTo(expected, 10);
  });

  it('averages over the 7 x 7 windows inside the map', () => {
    // 8 x 8: four windows; a change in one corner pixel is seen by one window only
    const a = Array.from({ length: 64 }, (_, i) => ((i * 13) % 17) / 16);
    const b = [...a];
    b[63] = 1 - b[63];
    const s = ssim2d(a, b, 8, 8);
    expect(s).toBeLessThan(1);
    expect(s).toBeGreaterThan(0.75 - 1e-9); // three of the four windows are identical
  });

  it('uses one whole-map window below 3 cells a side', () => {
    const s = ssim2d([0, 1, 1, 0], [0, 1, 1, 0], 2, 2);
    expect(s).toBeCloseTo(1, 10);
    expect(ssim2d([0, 1, 1, 0], [1, 0, 0, 1], 2, 2)).toBeLessThan(0);
  });
});

describe('topFractionMask', () => {
  it('marks ceil(fraction n) largest cells, lower index first among equals', () => {
    expect(Array.from(topFractionMask([5, 1, 3, 3, 0], 0.4))).toEqual([1, 0, 1, 0, 0]);
    expect(Array.from(topFractionMask([0, 0, 0], 0.01))).toEqual([1, 0, 0]);
    expect(Array.from(topFractionMask([1, 2], 1))).toEqual([1, 1]);
  });
});
