import { describe, expect, it } from 'vitest';
import { MAX_BATCH_PIXELS, shapeBatches, type InputSource } from './evaluation';

/** A source of images of the given sizes; `inputs` is never called by shapeBatches. */
function sized(sizes: { width: number; height: number }[]): InputSource {
  return { size: sizes.length, inputs: () => { throw new Error('not called'); }, sizeOf: (i) => sizes[i] };
}

describe('shapeBatches', () => {
  it('batches consecutive images of one size, at most batchSize each', () => {
    const a = { width: 224, height: 224 };
    const b = { width: 200, height: 224 };
    expect(shapeBatches(sized([a, a, a, b, b, a]), 2)).toEqual([[0, 1], [2], [3, 4], [5]]);
  });

  it('caps a batch at MAX_BATCH_PIXELS: whole 512 x 384 images go four at a time, 224 px crops sixteen', () => {
    const whole = Array.from({ length: 10 }, () => ({ width: 512, height: 384 }));
    expect(shapeBatches(sized(whole), 32).map((b) => b.length)).toEqual([4, 4, 2]);
    const crops = Array.from({ length: 40 }, () => ({ width: 224, height: 224 }));
    expect(shapeBatches(sized(crops), 32).map((b) => b.length)).toEqual([16, 16, 8]);
    // an image larger than the cap still gets a batch of its own
    const huge = Math.ceil(Math.sqrt(MAX_BATCH_PIXELS)) + 1;
    expect(shapeBatches(sized([{ width: huge, height: huge }, { width: huge, height: huge }]), 8)).toEqual([[0], [1]]);
  });

  it('without sizes, only batchSize splits', () => {
    expect(shapeBatches({ size: 5, inputs: () => { throw new Error('not called'); } }, 2)).toEqual([[0, 1], [2, 3], [4]]);
  });
});
