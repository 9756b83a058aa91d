import { readFileSync } from 'node:fs';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CorruptImageError, decodeImage, NotAnImageError, sniffImageFormat, UnsupportedImageFormatError } from './decode';
import { ImageInputError, ImageTooSmallError, prepareSquare } from './image';

function png(width: number, height: number, colorType: 0 | 2 | 4 | 6, fill: (x: number, y: number) => number[]): Uint8Array {
  const p = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) p.data.set(fill(x, y), (y * width + x) * 4);
  }
  return new Uint8Array(PNG.sync.write(p, { colorType, inputColorType: 6, inputHasAlpha: true }));
}

const pixel = (img: { width: number; data: Uint8Array }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('decodeImage', () => {
  it('reads an RGB PNG exactly', () => {
    const img = decodeImage(png(40, 33, 2, (x, y) => [x, y, 7, 255]));
    expect([img.width, img.height]).toEqual([40, 33]);
    expect(pixel(img, 39, 32)).toEqual([39, 32, 7]);
  });

  it('turns a grey PNG into 3 equal channels', () => {
    const img = decodeImage(png(36, 36, 0, (x) => [x * 7, x * 7, x * 7, 255]));
    expect(img.data.length).toBe(36 * 36 * 3);
    expect(pixel(img, 10, 3)).toEqual([70, 70, 70]);
  });

  it('drops the alpha of an RGBA PNG, keeping the colour under it', () => {
    const img = decodeImage(png(32, 32, 6, (x) => [200, 100, 50, x < 16 ? 0 : 128]));
    expect(img.data.length).toBe(32 * 32 * 3);
    expect(pixel(img, 0, 0)).toEqual([200, 100, 50]);
    expect(pixel(img, 31, 31)).toEqual([200, 100, 50]);
  });

  it('reads a grey JPEG as RGB', () => {
    const rgba = new Uint8Array(48 * 48 * 4).fill(128);
    const bytes = jpeg.encode({ data: rgba, width: 48, height: 48 }, 90).data;
    const img = decodeImage(new Uint8Array(bytes));
    const [r, g, b] = pixel(img, 20, 20);
    expect(Math.abs(r - 128)).toBeLessThanOrEqual(2);
    expect(r).toBe(g);
    expect(g).toBe(b);
  });

  it('converts a CMYK JPEG (ImageMagick -colorspace CMYK) to the right RGB colours', () => {
    // fixture: left half rgb(220,40,40), right half rgb(40,60,220), 48x48, quality 95
    const img = decodeImage(readFileSync(new URL('./fixtures/cmyk.jpg', import.meta.url)));
    const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 6);
    expect(close(pixel(img, 5, 5), [220, 40, 40])).toBe(true);
    expect(close(pixel(img, 40, 20), [40, 60, 220])).toBe(true);
  });

  it('refuses an image smaller than 32 px with a clear message', () => {
    expect(() => decodeImage(png(31, 200, 2, () => [0, 0, 0, 255]))).toThrow(ImageTooSmallError);
    expect(() => decodeImage(png(31, 200, 2, () => [0, 0, 0, 255]))).toThrow(/31x200 pixels.*at least 32x32/);
  });

  it('refuses files that are not images, or not PNG/JPEG, with a user-facing error', () => {
    expect(() => decodeImage(new TextEncoder().encode('hello, this is a text file'))).toThrow(NotAnImageError);
    expect(() => decodeImage(new Uint8Array(0))).toThrow(/empty/);
    expect(() => decodeImage(new TextEncoder().encode('GIF89a........'))).toThrow(UnsupportedImageFormatError);
    expect(sniffImageFormat(new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]))).toBe('webp');
  });

  it('reports a truncated PNG or JPEG as corrupt, not as a crash', () => {
    const p = png(64, 64, 2, (x, y) => [x * 4, y * 4, 0, 255]);
    expect(() => decodeImage(p.subarray(0, 60))).toThrow(CorruptImageError);
    const j = new Uint8Array(jpeg.encode({ data: new Uint8Array(64 * 64 * 4).fill(90), width: 64, height: 64 }, 80).data);
    expect(() => decodeImage(j.subarray(0, 40))).toThrow(ImageInputError);
  });

  it('decodes a 6000x6000 photo and shrinks it to the pipeline size', () => {
    const W = 6000;
    const p = new PNG({ width: W, height: W, colorType: 0 });
    p.data.fill(255);
    for (let y = 0; y < W; y++) for (let x = 0; x < 3000; x++) p.data[(y * W + x) * 4] = 0; // left half: red 0
    const bytes = new Uint8Array(PNG.sync.write(p, { colorType: 2 }));
    const img = prepareSquare(decodeImage(bytes), 192);
    expect([img.width, img.height]).toEqual([192, 192]);
    expect(pixel(img, 10, 10)).toEqual([0, 255, 255]);
    expect(pixel(img, 180, 100)).toEqual([255, 255, 255]);
  });
});
