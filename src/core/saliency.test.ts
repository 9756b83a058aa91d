import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SALIENT_AREA } from './config';
import { areaFraction } from './mask';
import { greyFromRgba, saliencyMap, saliencyMask, spectralResidual, suggestedSaliencyThreshold } from './saliency';
import { useCpuBackend } from './testUtil';

beforeAll(useCpuBackend);

/** A W x H grey image: dim background, one bright Gaussian blob, and uniform noise of +-noiseAmp / 2. */
function blobImage(W: number, H: number, bx: number, by: number, r: number, noiseAmp = 0, seed = 1): Float32Array {
  const g = new Float32Array(W * H);
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * noiseAmp;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const d2 = (x - bx) ** 2 + (y - by) ** 2;
      g[y * W + x] = 0.2 + noise() + 0.7 * Math.exp(-d2 / (2 * r * r));
    }
  }
  return g;
}

function argmaxUV(m: { width: number; height: number; data: Float32Array }): [number, number] {
  let best = 0;
  for (let i = 1; i < m.data.length; i++) if (m.data[i] > m.data[best]) best = i;
  return [((best % m.width) + 0.5) / m.width, (Math.floor(best / m.width) + 0.5) / m.height];
}

describe('spectral residual saliency', () => {
  it('puts its maximum on a single bright blob (non-square image, off-centre blob)', async () => {
    const W = 200;
    const H = 150;
    const cases: [number, number][] = [
      [140, 50],
      [40, 110],
    ];
    for (const [bx, by] of cases) {
      const map = await saliencyMap(blobImage(W, H, bx, by, 8), W, H);
      const [u, v] = argmaxUV(map);
      // Within the blob: 2 sigma = 16 px, i.e. 0.08 of the width and ~0.107 of the height.
      expect(Math.abs(u - bx / W)).toBeLessThan(0.08);
      expect(Math.abs(v - by / H)).toBeLessThan(0.107);
      expect(Math.max(...map.data)).toBeCloseTo(1, 5);
      expect(Math.min(...map.data)).toBeCloseTo(0, 5);
      const mask = saliencyMask(map, suggestedSaliencyThreshold(map));
      const a = areaFraction(mask);
      expect(a).toBeGreaterThan(0.9 * SALIENT_AREA);
      expect(a).toBeLessThan(1.1 * SALIENT_AREA);
      expect(mask.data[Math.floor((by / H) * 128) * 128 + Math.floor((bx / W) * 128)]).toBe(1);
    }
  });

  it('still finds the blob under background noise (at least 9 of 10 noise seeds)', async () => {
    let hits = 0;
    for (let s = 1; s <= 10; s++) {
      const [bx, by] = s % 2 ? [140, 50] : [40, 110];
      const [u, v] = argmaxUV(await saliencyMap(blobImage(200, 150, bx, by, 8, 0.04, s * 7919), 200, 150));
      if (Math.abs(u - bx / 200) < 0.08 && Math.abs(v - by / 150) < 0.107) hits++;
    }
    expect(hits).toBeGreaterThanOrEqual(9);
  });

  it('the threshold moves the mask area monotonically', async () => {
    const map = await saliencyMap(blobImage(96, 96, 30, 60, 6), 96, 96);
    const areas = [0.1, 0.3, 0.5, 0.7, 0.9].map((t) => areaFraction(saliencyMask(map, t)));
    for (let i = 1; i < areas.length; i++) expect(areas[i]).toBeLessThanOrEqual(areas[i - 1]);
    expect(areas[0]).toBeGreaterThan(areas[4]);
  });

  it('the suggested threshold keeps the asked share of the image, its most salient part', () => {
    // A ramp 0..1 over 100 x 100: the top 20 % of values are the last 20 rows.
    const data = Float32Array.from({ length: 10000 }, (_, i) => Math.floor(i / 100) / 99);
    const map = { width: 100, height: 100, data };
    for (const area of [0.05, 0.2, 0.5]) {
      const mask = saliencyMask(map, suggestedSaliencyThreshold(map, area));
      expect(areaFraction(mask)).toBeCloseTo(area, 5);
      expect(mask.data[9999]).toBe(1);
      expect(mask.data[0]).toBe(0);
    }
    expect(areaFraction(saliencyMask(map, suggestedSaliencyThreshold(map)))).toBeCloseTo(SALIENT_AREA, 5);
    // Nothing salient: the mask is empty, not full.
    const flat = { width: 10, height: 10, data: new Float32Array(100) };
    expect(areaFraction(saliencyMask(flat, suggestedSaliencyThreshold(flat)))).toBe(0);
  });

  it('makes no tfjs tensors (it runs beside training on any backend)', async () => {
    const before = tf.memory().numTensors;
    await saliencyMap(blobImage(64, 64, 20, 20, 5), 64, 64);
    expect(spectralResidual(new Float32Array(16 * 16), 16).length).toBe(256);
    expect(tf.memory().numTensors).toBe(before + 0);
  });

  it('a flat image gives a flat (all-zero normalised) map instead of NaN', async () => {
    const map = await saliencyMap(new Float32Array(50 * 40).fill(0.5), 50, 40);
    expect(map.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('greyFromRgba uses Rec. 601 luma', () => {
    const g = greyFromRgba(new Uint8ClampedArray([255, 0, 0, 255, 255, 255, 255, 255]), 2, 1);
    expect(g[0]).toBeCloseTo(0.299, 5);
    expect(g[1]).toBeCloseTo(1, 5);
  });
});
