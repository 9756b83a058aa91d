import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { contrastChange, DISTORTIONS, impulseNoise, motionKernel, pixelate, quantizeColors } from './distort';
import { useCpuBackend } from './testUtil';

beforeAll(useCpuBackend);

const ramp = (h: number, w: number) => tf.tidy(() => tf.tile(tf.linspace(0, 1, w).reshape([1, w, 1]), [h, 1, 3]) as tf.Tensor3D);

describe('the added distortion types', () => {
  it('eight types, each with 5 levels', () => {
    expect(DISTORTIONS.map((d) => d.id)).toEqual(['noise', 'blur', 'jpeg', 'motion', 'impulse', 'contrast', 'pixelate', 'quantize']);
    for (const d of DISTORTIONS) expect(d.levels.length).toBe(5);
  });

  it('motion blur kernel: a normalised line of the asked length through the centre', () => {
    const { kernel, size } = motionKernel(9, 0);
    expect(kernel.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const c = (size - 1) / 2;
    // horizontal: only the middle row is lit, over 9 pixels
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (y !== c) expect(kernel[y * size + x]).toBe(0);
    expect(Array.from(kernel.slice(c * size, (c + 1) * size)).filter((v) => v > 0).length).toBe(9);
    const vertical = motionKernel(9, Math.PI / 2);
    expect(vertical.kernel[c * size + c - 3]).toBeCloseTo(0, 5);
    expect(vertical.kernel[(c - 3) * size + c]).toBeGreaterThan(0);
  });

  it('impulse noise sets about the asked share of values to 0 or 1', async () => {
    const img = tf.fill([64, 64, 3], 0.5) as tf.Tensor3D;
    const out = impulseNoise(img, 0.1, 3);
    const v = await out.data();
    const hit = Array.from(v).filter((x) => x !== 0.5);
    expect(hit.every((x) => x === 0 || x === 1)).toBe(true);
    expect(hit.length / v.length).toBeGreaterThan(0.08);
    expect(hit.length / v.length).toBeLessThan(0.12);
    tf.dispose([img, out]);
  });

  it('contrast reduction keeps the mean and scales deviations by c', async () => {
    const img = ramp(8, 16);
    const out = contrastChange(img, 0.5);
    const a = Array.from(await img.data());
    const b = Array.from(await out.data());
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    expect(b.reduce((x, y) => x + y, 0) / b.length).toBeCloseTo(mean, 5);
    for (let i = 0; i < a.length; i++) expect(b[i] - mean).toBeCloseTo(0.5 * (a[i] - mean), 5);
    tf.dispose([img, out]);
  });

  it('pixelation makes blocks of about f pixels, quantisation leaves only the asked values', async () => {
    const img = ramp(16, 16);
    const px = await pixelate(img, 4).data();
    const row = Array.from({ length: 16 }, (_, x) => px[x * 3]);
    expect(new Set(row).size).toBe(4);
    const q = await quantizeColors(img, 3).data();
    expect([...new Set(Array.from(q, (v) => v.toFixed(3)))].sort()).toEqual(['0.000', '0.500', '1.000']);
    img.dispose();
  });

  it('leaves no tensors behind', async () => {
    const img = ramp(40, 40);
    const before = tf.memory().numTensors;
    for (const d of DISTORTIONS.filter((x) => x.id !== 'jpeg')) (await d.apply(img, d.levels[2], { seed: 1 })).dispose();
    expect(tf.memory().numTensors).toBe(before);
    img.dispose();
  });
});
