import { describe, expect, it } from 'vitest';
import { areaFraction, resizeMask } from './mask';
import {
  binarizeMask,
  brushSegmentInPlace,
  brushStroke,
  clearMask,
  emptyMask,
  fillEllipse,
  fillPolygon,
  fillRect,
  fullMask,
  invertMask,
  maskFromRgba,
  maskToRgba,
  polygonCoverage,
  type UV,
} from './maskOps';

const N = 128;
const at = (m: { width: number; data: Float32Array }, u: number, v: number) =>
  m.data[Math.floor(v * m.width) * m.width + Math.floor(u * m.width)];

describe('shapes', () => {
  it('rectangle area matches the analytic area, corners in any order', () => {
    const m = fillRect(emptyMask(N), { u: 0.7, v: 0.6 }, { u: 0.1, v: 0.2 });
    expect(areaFraction(m)).toBeCloseTo(0.6 * 0.4, 3);
    expect(at(m, 0.4, 0.4)).toBe(1);
    expect(at(m, 0.05, 0.4)).toBe(0);
    expect(at(m, 0.4, 0.65)).toBe(0);
  });

  it('rectangle with fractional edges gets partial coverage at its edges', () => {
    const m = fillRect(emptyMask(10), { u: 0.25, v: 0 }, { u: 0.75, v: 1 });
    // u = 0.25 is the middle of pixel 2.
    expect(m.data[2]).toBeCloseTo(0.5, 5);
    expect(m.data[3]).toBe(1);
    expect(areaFraction(m)).toBeCloseTo(0.5, 5);
  });

  it('ellipse area is pi * a * b within 1%', () => {
    const m = fillEllipse(emptyMask(N), { u: 0.2, v: 0.3 }, { u: 0.8, v: 0.7 });
    const expected = Math.PI * 0.3 * 0.2;
    expect(Math.abs(areaFraction(m) - expected) / expected).toBeLessThan(0.01);
    expect(at(m, 0.5, 0.5)).toBe(1);
    expect(at(m, 0.22, 0.32)).toBe(0); // inside the box, outside the ellipse
  });

  it('lasso fills a triangle with the analytic area and keeps left-right symmetry', () => {
    const tri: UV[] = [
      { u: 0.5, v: 0.1 },
      { u: 0.9, v: 0.9 },
      { u: 0.1, v: 0.9 },
    ];
    const m = fillPolygon(emptyMask(N), tri);
    expect(Math.abs(areaFraction(m) - 0.5 * 0.8 * 0.8)).toBeLessThan(0.005);
    for (let y = 0; y < N; y++) {
      for (let x = 0; x < N; x++) expect(m.data[y * N + x]).toBeCloseTo(m.data[y * N + (N - 1 - x)], 4);
    }
  });

  it('a self-crossing lasso (figure eight) fills both loops', () => {
    const eight: UV[] = [
      { u: 0.1, v: 0.1 },
      { u: 0.5, v: 0.1 },
      { u: 0.1, v: 0.5 },
      { u: 0.5, v: 0.5 },
    ];
    const m = fillPolygon(emptyMask(N), eight);
    // Two triangles of area 0.4 * 0.2 / 2 each.
    expect(areaFraction(m)).toBeCloseTo(0.08, 2);
  });

  it('coverage never exceeds 1 and degenerate polygons fill nothing', () => {
    const cov = polygonCoverage(
      [
        { u: 0, v: 0 },
        { u: 1, v: 0 },
        { u: 1, v: 1 },
        { u: 0, v: 1 },
      ],
      16,
      16,
    );
    expect(Math.max(...cov)).toBeLessThanOrEqual(1 + 1e-6);
    expect(Math.min(...cov)).toBeGreaterThan(1 - 1e-6);
    expect(areaFraction(fillPolygon(emptyMask(16), [{ u: 0.1, v: 0.1 }, { u: 0.9, v: 0.9 }]))).toBe(0);
  });

  it('erase mode cuts a shape out', () => {
    const m = fillRect(fullMask(N), { u: 0.25, v: 0.25 }, { u: 0.75, v: 0.75 }, 'erase');
    expect(areaFraction(m)).toBeCloseTo(0.75, 3);
    expect(at(m, 0.5, 0.5)).toBe(0);
  });

  it('shapes outside the mask are clipped', () => {
    const m = fillRect(emptyMask(N), { u: -1, v: -1 }, { u: 0.5, v: 2 });
    expect(areaFraction(m)).toBeCloseTo(0.5, 3);
  });
});

describe('brush', () => {
  it('a hard dab is a disc of the brush radius', () => {
    const m = brushStroke(emptyMask(N), [{ u: 0.5, v: 0.5 }], { radiusU: 0.2, radiusV: 0.2, softness: 0, mode: 'paint' });
    expect(Math.abs(areaFraction(m) - Math.PI * 0.04) / (Math.PI * 0.04)).toBeLessThan(0.03);
    expect(at(m, 0.5, 0.5)).toBe(1);
    expect(Math.max(...m.data)).toBeLessThanOrEqual(1);
  });

  it('an elliptical brush (aspect-corrected) has radii radiusU x radiusV', () => {
    const m = brushStroke(emptyMask(N), [{ u: 0.5, v: 0.5 }], { radiusU: 0.1, radiusV: 0.3, softness: 0, mode: 'paint' });
    expect(Math.abs(areaFraction(m) - Math.PI * 0.03) / (Math.PI * 0.03)).toBeLessThan(0.03);
    expect(at(m, 0.5, 0.75)).toBe(1);
    expect(at(m, 0.65, 0.5)).toBe(0);
  });

  it('a stroke covers a capsule; overlapping segments do not accumulate past the strength', () => {
    const pts = [0.2, 0.4, 0.6, 0.8].map((u) => ({ u, v: 0.5 }));
    const m = brushStroke(emptyMask(N), pts, { radiusU: 0.05, radiusV: 0.05, softness: 0, mode: 'paint', strength: 0.7 });
    const expected = 0.7 * (0.6 * 0.1 + Math.PI * 0.0025);
    expect(Math.abs(areaFraction(m) - expected) / expected).toBeLessThan(0.05);
    expect(Math.max(...m.data)).toBeCloseTo(0.7, 5);
  });

  it('softness makes the value fall off towards the rim', () => {
    const m = brushStroke(emptyMask(N), [{ u: 0.5, v: 0.5 }], { radiusU: 0.25, radiusV: 0.25, softness: 1, mode: 'paint' });
    const c = at(m, 0.5, 0.5);
    const mid = at(m, 0.625, 0.5);
    const rim = at(m, 0.74, 0.5);
    expect(c).toBeGreaterThan(mid);
    expect(mid).toBeGreaterThan(rim);
    expect(at(m, 0.8, 0.5)).toBe(0);
  });

  it('the eraser clears, in place, and reports the touched rectangle', () => {
    const m = fullMask(N);
    const r = brushSegmentInPlace(m, { u: 0.1, v: 0.1 }, { u: 0.1, v: 0.1 }, { radiusU: 0.05, radiusV: 0.05, softness: 0, mode: 'erase' });
    expect(at(m, 0.1, 0.1)).toBe(0);
    expect(r).not.toBeNull();
    expect(r!.x0).toBeLessThanOrEqual(Math.floor(0.05 * N));
    expect(r!.x1).toBeGreaterThanOrEqual(Math.ceil(0.15 * N));
    expect(brushSegmentInPlace(m, { u: 3, v: 3 }, { u: 4, v: 4 }, { radiusU: 0.05, radiusV: 0.05, softness: 0, mode: 'paint' })).toBeNull();
  });
});

describe('whole-mask operations', () => {
  it('invert, clear and binarize', () => {
    const m = fillRect(emptyMask(N), { u: 0, v: 0 }, { u: 0.25, v: 1 });
    expect(areaFraction(invertMask(m))).toBeCloseTo(0.75, 5);
    expect(areaFraction(clearMask(m))).toBe(0);
    expect(clearMask(m).width).toBe(N);
    const soft = { width: 2, height: 1, data: new Float32Array([0.3, 0.6]) };
    expect([...binarizeMask(soft).data]).toEqual([0, 1]);
    expect(m.data[0]).toBe(1); // inputs untouched
  });

  it('downsampling to a feature grid preserves the area fraction within 5%', () => {
    const shapes = [
      fillEllipse(emptyMask(N), { u: 0.13, v: 0.21 }, { u: 0.61, v: 0.77 }),
      fillRect(emptyMask(N), { u: 0.05, v: 0.4 }, { u: 0.33, v: 0.95 }),
      brushStroke(emptyMask(N), [{ u: 0.1, v: 0.1 }, { u: 0.9, v: 0.6 }], { radiusU: 0.04, radiusV: 0.06, softness: 0.5, mode: 'paint' }),
    ];
    for (const m of shapes) {
      const a = areaFraction(m);
      for (const g of [16, 14, 7, 3]) expect(Math.abs(areaFraction(resizeMask(m, g, g)) - a) / a).toBeLessThan(0.05);
    }
  });
});

describe('mask images', () => {
  function rgba(w: number, h: number, px: (x: number, y: number) => [number, number, number, number]): Uint8ClampedArray {
    const out = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(px(x, y), (y * w + x) * 4);
    return out;
  }

  it('luminance of an opaque image of another size, resized to the mask size', () => {
    // 300 x 200, white left third.
    const img = rgba(300, 200, (x) => (x < 100 ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const m = maskFromRgba(img, 300, 200);
    expect(m.width).toBe(N);
    expect(m.height).toBe(N);
    expect(areaFraction(m)).toBeCloseTo(1 / 3, 3);
    expect(at(m, 0.1, 0.5)).toBeCloseTo(1, 5);
    expect(at(m, 0.9, 0.5)).toBe(0);
  });

  it('alpha when the image has transparency (auto), or when asked', () => {
    const img = rgba(64, 64, (_x, y) => [0, 0, 0, y < 16 ? 255 : 0]);
    expect(areaFraction(maskFromRgba(img, 64, 64))).toBeCloseTo(0.25, 5);
    expect(areaFraction(maskFromRgba(img, 64, 64, 'luminance'))).toBe(0);
    const opaque = rgba(8, 8, () => [255, 255, 255, 255]);
    expect(areaFraction(maskFromRgba(opaque, 8, 8, 'alpha'))).toBe(1);
  });

  it('refuses a buffer too small for its size, and round-trips through RGBA', () => {
    expect(() => maskFromRgba(new Uint8ClampedArray(10), 4, 4)).toThrow(/RGBA/);
    const m = fillEllipse(emptyMask(N), { u: 0.1, v: 0.1 }, { u: 0.6, v: 0.9 });
    const back = maskFromRgba(maskToRgba(m), N, N);
    for (let i = 0; i < m.data.length; i++) expect(Math.abs(back.data[i] - m.data[i])).toBeLessThan(1 / 255 + 1e-6);
  });
});

describe('cropMask', () => {
  it('cuts the mask like the crop, mirrored when the crop was', async () => {
    const { cropMask } = await import('./mask');
    const N = 128;
    // the left half of a 200 x 100 image is masked
    const m = { width: N, height: N, data: Float32Array.from({ length: N * N }, (_, i) => (i % N < N / 2 ? 1 : 0)) };
    const row = (c: { data: Float32Array }) => Array.from(c.data.slice(0, N), (v) => (v >= 0.5 ? 1 : 0));
    const half = (left: number) => Array.from({ length: N }, (_, u) => ((u < N / 2) === (left === 1) ? 1 : 0));
    // a 50 px crop at x 75..125 straddles the mask's edge (x = 100) in its middle
    expect(row(cropMask(m, { x: 75, y: 25, size: 50, flip: false }, 200, 100))).toEqual(half(1));
    expect(row(cropMask(m, { x: 75, y: 25, size: 50, flip: true }, 200, 100))).toEqual(half(0));
    // a crop inside the masked half is all mask, one in the other half none
    expect(cropMask(m, { x: 10, y: 10, size: 50, flip: false }, 200, 100).data.every((v) => v === 1)).toBe(true);
    expect(cropMask(m, { x: 140, y: 10, size: 50, flip: false }, 200, 100).data.every((v) => v === 0)).toBe(true);
  });
});
