import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISTORTIONS } from '../distort';
import { mulberry32 } from '../random';
import { useCpuBackend } from '../testUtil';
import type { RgbImage } from './image';
import { jpegJsCodec } from './jpegCodec';
import { buildAugmentedSet, buildFixedSet, paramAtLevel, type Reference } from './samples';

function photoLike(w: number, h: number, seed: number): RgbImage {
  const r = mulberry32(seed);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const base = 120 + 70 * Math.sin(x / 9 + seed) * Math.cos(y / 13);
      for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(base + 25 * c + 20 * (r() - 0.5))));
    }
  }
  return { width: w, height: h, data };
}

beforeAll(useCpuBackend);

describe('paramAtLevel', () => {
  it('hits the levels at integers and interpolates geometrically between them', () => {
    const lv = [0.02, 0.05, 0.09, 0.15, 0.25];
    expect(paramAtLevel(lv, 1)).toBeCloseTo(0.02, 12);
    expect(paramAtLevel(lv, 5)).toBeCloseTo(0.25, 12);
    expect(paramAtLevel(lv, 3)).toBeCloseTo(0.09, 12);
    expect(paramAtLevel(lv, 1.5)).toBeCloseTo(Math.sqrt(0.02 * 0.05), 12);
    expect(paramAtLevel([70, 40, 20, 10, 4], 4.5)).toBeCloseTo(Math.sqrt(40), 12);
  });
});

describe('buildFixedSet', () => {
  const refs: Reference[] = [
    { id: 'a', image: photoLike(260, 200, 1) },
    { id: 'b', image: photoLike(180, 240, 2) },
  ];
  const opts = { inputSize: 48, jpeg: jpegJsCodec, seed: 5 };

  it('gives pristine + 3 x 5 labelled images per reference, worse with each level, without leaking', async () => {
    const before = tf.memory().numTensors;
    let last = 0;
    const set = await buildFixedSet(refs, { ...opts, onProgress: (d) => (last = d) });
    expect(tf.memory().numTensors).toBe(before);
    expect(set.length).toBe(2 * 16);
    expect(last).toBe(32);
    expect(set.filter((s) => s.distortion === null).map((s) => s.score)).toEqual([100, 100]);
    for (const s of set) expect([s.image.width, s.image.height]).toEqual([48, 48]);
    for (const ref of ['a', 'b']) {
      for (const d of DISTORTIONS) {
        const scores = set.filter((s) => s.refId === ref && s.distortion === d.id).map((s) => s.score);
        expect(scores.length).toBe(5);
        expect(scores[4]).toBeLessThan(scores[0] - 20);
        for (let i = 1; i < 5; i++) expect(scores[i]).toBeLessThanOrEqual(scores[i - 1] + 1e-9);
        expect(scores[4]).toBeLessThan(100);
      }
    }
  }, 30_000);

  it('is deterministic for a seed; noise differs with another seed', async () => {
    const one = [{ id: 'a', image: photoLike(200, 200, 3) }];
    const x = await buildFixedSet(one, opts);
    const y = await buildFixedSet(one, opts);
    const z = await buildFixedSet(one, { ...opts, seed: 6 });
    expect(x.map((s) => s.score)).toEqual(y.map((s) => s.score));
    expect(Array.from(x[1].image.data)).toEqual(Array.from(y[1].image.data));
    expect(x[1].distortion).toBe('noise');
    expect(Array.from(x[1].image.data)).not.toEqual(Array.from(z[1].image.data));
  }, 30_000);
});

describe('buildAugmentedSet', () => {
  it('cuts random crops with levels spread over [1, 5] for each type', async () => {
    const set = await buildAugmentedSet([{ id: 'a', image: photoLike(300, 220, 4) }], {
      inputSize: 32,
      jpeg: jpegJsCodec,
      seed: 9,
      cropsPerRef: 2,
      levelsPerType: 2,
    });
    expect(set.length).toBe(2 * (1 + 3 * 2));
    const noise = set.filter((s) => s.distortion === 'noise');
    expect(noise.map((s) => s.level < 3)).toEqual([true, false, true, false]);
    for (const s of set) expect(s.refId).toBe('a');
    const jpegSet = set.filter((s) => s.distortion === 'jpeg');
    for (const s of jpegSet) expect(s.score).toBeLessThan(100);
  }, 30_000);
});
