import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISTORTIONS } from '../distort';
import { mulberry32 } from '../random';
import { useCpuBackend } from '../testUtil';
import { crop, flipHorizontal, type RgbImage } from './image';
import { jpegJsCodec } from './jpegCodec';
import { buildAugmentedSet, buildFixedSet, paramAtLevel, workingImage, type Reference } from './samples';

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

describe('workingImage', () => {
  it('brings the long side down to the working size, keeps the aspect, never enlarges', () => {
    const big = workingImage(photoLike(1024, 640, 1), 512);
    expect([big.width, big.height]).toEqual([512, 320]);
    const tall = workingImage(photoLike(300, 900, 2), 450);
    expect([tall.width, tall.height]).toEqual([150, 450]);
    const small = photoLike(200, 180, 3);
    expect(workingImage(small, 512)).toBe(small);
  });
});

describe('buildFixedSet', () => {
  const refs: Reference[] = [
    { id: 'a', image: photoLike(260, 200, 1) },
    { id: 'b', image: photoLike(180, 240, 2) },
  ];
  const opts = { workingSize: 240, jpeg: jpegJsCodec, seed: 5 };

  it('gives the whole working image pristine + every type x 5 levels, worse with each level, without leaking', async () => {
    const before = tf.memory().numTensors;
    let last = 0;
    const set = await buildFixedSet(refs, { ...opts, onProgress: (d) => (last = d) });
    const per = 1 + 5 * DISTORTIONS.length;
    expect(tf.memory().numTensors).toBe(before);
    expect(set.length).toBe(2 * per);
    expect(last).toBe(2 * per);
    expect(set.filter((s) => s.distortion === null).map((s) => s.score)).toEqual([100, 100]);
    // a 260 x 200 photo is judged at 240 x 185 (long side 240); a 180 x 240 one as it is
    for (const s of set) expect([s.image.width, s.image.height]).toEqual(s.refId === 'a' ? [240, 185] : [180, 240]);
    for (const ref of ['a', 'b']) {
      for (const d of DISTORTIONS) {
        const scores = set.filter((s) => s.refId === ref && s.distortion === d.id).map((s) => s.score);
        expect(scores.length).toBe(5);
        expect(scores[4], d.id).toBeLessThan(scores[0] - 15);
        expect(scores[4]).toBeLessThan(100);
      }
    }
  }, 60_000);

  it('is deterministic for a seed; noise differs with another seed', async () => {
    const one = [{ id: 'a', image: photoLike(200, 200, 3) }];
    const only = DISTORTIONS.filter((d) => d.id === 'noise');
    const x = await buildFixedSet(one, { ...opts, distortions: only });
    const y = await buildFixedSet(one, { ...opts, distortions: only });
    const z = await buildFixedSet(one, { ...opts, distortions: only, seed: 6 });
    expect(x.map((s) => s.score)).toEqual(y.map((s) => s.score));
    expect(Array.from(x[1].image.data)).toEqual(Array.from(y[1].image.data));
    expect(x[1].distortion).toBe('noise');
    expect(Array.from(x[1].image.data)).not.toEqual(Array.from(z[1].image.data));
  }, 30_000);
});

describe('buildAugmentedSet', () => {
  it('cuts labelled crops of the distorted working image, where it says, with levels spread over [1, 5]', async () => {
    const only = DISTORTIONS.filter((d) => d.id === 'noise' || d.id === 'jpeg');
    const ref = photoLike(300, 220, 4);
    const set = await buildAugmentedSet([{ id: 'a', image: ref }], { jpeg: jpegJsCodec, seed: 9, cropSize: 176, cropsPerImage: 2, levelsPerType: 2, distortions: only });
    expect(set.length).toBe(2 * (1 + 2 * 2));
    for (const s of set) {
      expect(s.refId).toBe('a');
      expect([s.image.width, s.image.height]).toEqual([176, 176]);
      expect(s.crop!.x + 176).toBeLessThanOrEqual(300);
      expect(s.crop!.y + 176).toBeLessThanOrEqual(220);
    }
    // the undistorted crops are the reference's pixels at the recorded place (mirrored when flipped)
    for (const s of set.filter((x) => x.distortion === null)) {
      const c = crop(ref, s.crop!.x, s.crop!.y, 176, 176);
      expect(Array.from(s.image.data)).toEqual(Array.from((s.crop!.flip ? flipHorizontal(c) : c).data));
      expect(s.score).toBe(100);
    }
    const noise = set.filter((s) => s.distortion === 'noise');
    // two copies per type, one per half of [1, 5], two crops each
    expect(noise.map((s) => s.level < 3)).toEqual([true, true, false, false]);
    for (const s of set.filter((x) => x.distortion !== null)) expect(s.score).toBeLessThan(100);
  }, 30_000);
});
