import { describe, expect, it } from 'vitest';
import type { RgbImage } from './image';
import { LabelSizeError, msssimOf, msssimToScore, scoreToMsssim } from './label';
import { mulberry32 } from '../random';

function texture(size: number, seed: number): RgbImage {
  const r = mulberry32(seed);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = 128 + 60 * Math.sin(x / 5) * Math.cos(y / 7) + 30 * (r() - 0.5);
      data.fill(Math.round(v), (y * size + x) * 3, (y * size + x) * 3 + 3);
    }
  }
  return { width: size, height: size, data };
}

function noisy(img: RgbImage, amp: number, seed: number): RgbImage {
  const r = mulberry32(seed);
  return { ...img, data: img.data.map((v) => Math.max(0, Math.min(255, Math.round(v + amp * (r() - 0.5))))) };
}

describe('msssimOf', () => {
  const ref = texture(192, 1);
  it('is 1 for identical images and falls as noise grows', () => {
    expect(msssimOf(ref, ref)).toBeCloseTo(1, 6);
    const a = msssimOf(ref, noisy(ref, 20, 2));
    const b = msssimOf(ref, noisy(ref, 80, 2));
    expect(a).toBeLessThan(1);
    expect(b).toBeLessThan(a);
    expect(b).toBeGreaterThan(0);
  });
  it('refuses images too small for 5 scales and mismatched sizes', () => {
    const small = texture(160, 1);
    expect(() => msssimOf(small, small)).toThrow(LabelSizeError);
    expect(() => msssimOf(ref, texture(200, 1))).toThrow(RangeError);
  });
});

describe('msssimToScore', () => {
  it('maps the documented anchor points', () => {
    expect(msssimToScore(1)).toBe(100);
    expect(msssimToScore(0.9995)).toBe(100);
    expect(msssimToScore(0.999)).toBeCloseTo(100, 9);
    expect(msssimToScore(0.5)).toBe(0);
    expect(msssimToScore(0.2)).toBe(0);
    // d = sqrt(d0 d1) is the geometric midpoint -> 50
    expect(msssimToScore(1 - Math.sqrt(0.001 * 0.5))).toBeCloseTo(50, 10);
    // d = 0.01 -> 100 * ln(50) / ln(500)
    expect(msssimToScore(0.99)).toBeCloseTo((100 * Math.log(50)) / Math.log(500), 10);
  });
  it('is monotone and inverted by scoreToMsssim', () => {
    let prev = -1;
    for (let m = 0.5; m <= 0.999; m += 0.01) {
      const s = msssimToScore(m);
      expect(s).toBeGreaterThan(prev);
      expect(scoreToMsssim(s)).toBeCloseTo(m, 9);
      prev = s;
    }
  });
});
