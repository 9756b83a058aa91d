import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testUtil';
import {
  centerSquare,
  checkImageSize,
  crop,
  flipHorizontal,
  ImageTooLargeError,
  ImageTooSmallError,
  prepareSquare,
  resize,
  rgbBatchToTensor,
  rgbToTensor,
  tensorToRgb,
  toRgb,
  type RgbImage,
} from './image';

const make = (w: number, h: number, f: (x: number, y: number) => [number, number, number]): RgbImage => {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(f(x, y), (y * w + x) * 3);
  return { width: w, height: h, data };
};
const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

beforeAll(useCpuBackend);

describe('toRgb', () => {
  it('replicates grey, drops alpha from grey+alpha and RGBA', () => {
    expect(Array.from(toRgb([9, 200], 2, 1, 1).data)).toEqual([9, 9, 9, 200, 200, 200]);
    expect(Array.from(toRgb([9, 0, 200, 255], 2, 1, 2).data)).toEqual([9, 9, 9, 200, 200, 200]);
    expect(Array.from(toRgb([1, 2, 3, 0, 4, 5, 6, 77], 2, 1, 4).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('refuses a buffer too short for the size', () => {
    expect(() => toRgb([1, 2, 3], 2, 1, 3)).toThrow(/6|values/);
  });
});

describe('size checks', () => {
  it('refuses < 32 px and > 100 MP, accepts 32 px and 6000 x 6000', () => {
    expect(() => checkImageSize(31, 500)).toThrow(ImageTooSmallError);
    expect(() => checkImageSize(500, 0)).toThrow(ImageTooSmallError);
    expect(() => checkImageSize(20000, 20000)).toThrow(ImageTooLargeError);
    expect(() => checkImageSize(32, 32)).not.toThrow();
    expect(() => checkImageSize(6000, 6000)).not.toThrow();
  });
});

describe('crop, flip, centerSquare', () => {
  const img = make(5, 3, (x, y) => [x, y, x + 10 * y]);
  it('crop takes the right window and refuses windows outside', () => {
    const c = crop(img, 1, 1, 3, 2);
    expect([c.width, c.height]).toEqual([3, 2]);
    expect(px(c, 0, 0)).toEqual([1, 1, 11]);
    expect(px(c, 2, 1)).toEqual([3, 2, 23]);
    expect(() => crop(img, 3, 0, 3, 1)).toThrow(RangeError);
  });
  it('centerSquare and flipHorizontal', () => {
    const s = centerSquare(img);
    expect([s.width, s.height]).toEqual([3, 3]);
    expect(px(s, 0, 0)).toEqual([1, 0, 1]);
    expect(px(flipHorizontal(img), 0, 2)).toEqual([4, 2, 24]);
  });
});

describe('resize (antialiased bilinear)', () => {
  it('keeps a constant image constant at any factor', () => {
    const c = make(37, 23, () => [10, 128, 250]);
    for (const [w, h] of [[5, 3], [37, 23], [80, 61], [13, 40]]) {
      const r = resize(c, w, h);
      expect(new Set(r.data).size).toBeLessThanOrEqual(3);
      expect(px(r, w - 1, h - 1)).toEqual([10, 128, 250]);
    }
  });
  it('averages when shrinking 2x (area-like: a 1-px checkerboard becomes flat grey)', () => {
    const cb = make(64, 64, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]));
    const r = resize(cb, 32, 32);
    // interior (the border renormalises over fewer taps)
    for (let y = 1; y < 31; y++) for (let x = 1; x < 31; x++) expect(Math.abs(px(r, x, y)[0] - 128)).toBeLessThanOrEqual(1);
  });
  it('interpolates linearly when enlarging', () => {
    const ramp = make(4, 1, (x) => [x * 60, 0, 0]);
    const r = resize(ramp, 8, 1);
    const reds = Array.from({ length: 8 }, (_, i) => r.data[3 * i]);
    for (let i = 1; i < 8; i++) expect(reds[i]).toBeGreaterThanOrEqual(reds[i - 1]);
    expect(reds[0]).toBe(0);
    expect(reds[7]).toBe(180);
  });
  it('prepareSquare: centred square at the requested size', () => {
    const wide = make(300, 100, (x) => (x < 100 || x >= 200 ? [255, 0, 0] : [0, 0, 255]));
    const s = prepareSquare(wide, 64);
    expect([s.width, s.height]).toEqual([64, 64]);
    expect(px(s, 32, 32)).toEqual([0, 0, 255]);
    expect(() => prepareSquare(make(20, 20, () => [0, 0, 0]), 64)).toThrow(ImageTooSmallError);
  });
});

describe('tensor conversion', () => {
  it('round-trips through a [0, 1] tensor without leaking', async () => {
    const img = make(6, 4, (x, y) => [x * 40, y * 60, 255]);
    const before = tf.memory().numTensors;
    const t = rgbToTensor(img);
    expect(t.shape).toEqual([4, 6, 3]);
    expect(tf.tidy(() => t.max().arraySync())).toBeCloseTo(1, 6);
    const back = await tensorToRgb(t);
    t.dispose();
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
    const b = rgbBatchToTensor([img, img]);
    expect(b.shape).toEqual([2, 4, 6, 3]);
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
