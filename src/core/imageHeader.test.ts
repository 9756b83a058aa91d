import { readFileSync } from 'node:fs';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ImageHeaderError, readImageHeader, readImageHeaderFrom } from './imageHeader';
import { pngHeaderOf } from './hostileFixtures';

const size = (b: Uint8Array) => {
  const r = readImageHeader(b, true);
  return r.kind === 'size' ? [r.header.format, r.header.width, r.header.height] : r;
};

/** A RIFF/WEBP file whose first chunk is `chunk` with `body` (just the header part of a real one). */
const webp = (chunk: string, body: number[]) => {
  const b = new Uint8Array(40);
  b.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
  b.set([...'WEBP'].map((c) => c.charCodeAt(0)), 8);
  b.set([...chunk].map((c) => c.charCodeAt(0)), 12);
  b.set(body, 20);
  return b;
};

describe('image sizes from the header, before decoding', () => {
  it('reads PNG, JPEG, GIF, BMP and the three kinds of WebP', () => {
    const png = new PNG({ width: 40, height: 33 });
    expect(size(PNG.sync.write(png))).toEqual(['png', 40, 33]);
    expect(size(pngHeaderOf(20000, 20000))).toEqual(['png', 20000, 20000]);
    const j = jpeg.encode({ data: new Uint8Array(50 * 35 * 4), width: 50, height: 35 }, 80).data;
    expect(size(j)).toEqual(['jpeg', 50, 35]);
    expect((size(readFileSync('e2e/fixtures/animated.gif')) as unknown[])[0]).toBe('gif');
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x20, 0x4e, 0x10, 0x27]);
    expect(size(gif)).toEqual(['gif', 20000, 10000]);
    const bmp = new Uint8Array(30);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setInt32(14, 40, true);
    new DataView(bmp.buffer).setInt32(18, 12000, true);
    new DataView(bmp.buffer).setInt32(22, -9000, true); // top-down
    expect(size(bmp)).toEqual(['bmp', 12000, 9000]);
    // VP8: start code 9d 01 2a, then 14-bit width and height
    expect(size(webp('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x20, 0x03, 0x58, 0x02]))).toEqual(['webp', 800, 600]);
    // VP8L: signature 0x2f, then width-1 and height-1 in 14 bits each
    const bits = (12000 - 1) | ((9000 - 1) << 14);
    expect(size(webp('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >>> 24) & 0xff]))).toEqual(['webp', 12000, 9000]);
    // VP8X: canvas width-1 and height-1 in 24 bits each
    expect(size(webp('VP8X', [0, 0, 0, 0, 0x1f, 0x4e, 0x00, 0x1f, 0x4e, 0x00]))).toEqual(['webp', 20000, 20000]);
  });

  it('finds a JPEG frame header behind a large metadata segment, reading only as far as needed', async () => {
    const j = jpeg.encode({ data: new Uint8Array(64 * 48 * 4), width: 64, height: 48 }, 80).data;
    const app = new Uint8Array(4 + 65000);
    app.set([0xff, 0xe1, 65002 >> 8, 65002 & 0xff]);
    const big = new Uint8Array([...j.subarray(0, 2), ...app, ...j.subarray(2)]);
    const asked: number[] = [];
    const r = await readImageHeaderFrom(async (n) => {
      asked.push(n);
      return big.subarray(0, n);
    }, big.length);
    expect(r).toEqual({ kind: 'size', header: { format: 'jpeg', width: 64, height: 48 } });
    expect(asked[0]).toBe(65536);
    expect(Math.max(...asked)).toBeLessThan(big.length);
  });

  it('a header cut short is an error in CamSteer\'s words; other formats are unknown', () => {
    expect(() => readImageHeader(pngHeaderOf(100, 100).subarray(0, 20), true)).toThrow(ImageHeaderError);
    expect(() => readImageHeader(pngHeaderOf(100, 100).subarray(0, 20), true)).toThrow('The PNG file is truncated: it ends before its header does.');
    expect(readImageHeader(new TextEncoder().encode('just some text in a file'), true)).toEqual({ kind: 'unknown', format: null });
    expect(readImageHeader(new Uint8Array([0x49, 0x49, 0x2a, 0x00, 0, 0, 0, 0]), true)).toEqual({ kind: 'unknown', format: 'tiff' });
  });
});
