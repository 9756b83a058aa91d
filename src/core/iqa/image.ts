import * as tf from '@tensorflow/tfjs';
import { checkImageSize, ImageInputError } from '../imageHeader';

/**
 * 8-bit RGB images as plain arrays (no tensors), the currency of the IQA data pipeline:
 * decoding, cropping, resampling and labelling work on these; tensors are made per batch.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved RGB, row-major, length width * height * 3. */
  data: Uint8Array;
}

// The size limits and the errors they raise live with the header reader (tfjs-free, shared
// with the app): re-exported here for the pipeline's callers.
export { MAX_IMAGE_MEGAPIXELS, MIN_IMAGE_SIDE } from '../limits';
export { checkImageSize, ImageInputError, ImageTooLargeError, ImageTooSmallError } from '../imageHeader';

/**
 * Interleaved pixels with 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) channels -> RGB.
 * Grey is replicated to three channels; alpha is dropped (the colour under it is kept).
 */
export function toRgb(pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 2 | 3 | 4): RgbImage {
  const n = width * height;
  if (pixels.length < n * channels) {
    throw new ImageInputError(`toRgb: ${pixels.length} values for a ${width}x${height}x${channels} image`);
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels <= 2) {
      const g = pixels[i * channels];
      out[3 * i] = g;
      out[3 * i + 1] = g;
      out[3 * i + 2] = g;
    } else {
      out[3 * i] = pixels[i * channels];
      out[3 * i + 1] = pixels[i * channels + 1];
      out[3 * i + 2] = pixels[i * channels + 2];
    }
  }
  return { width, height, data: out };
}

/** RGB -> RGBA bytes with opaque alpha (for canvas, codecs and MS-SSIM). */
export function toRgba(img: RgbImage): Uint8ClampedArray {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    out[4 * i] = img.data[3 * i];
    out[4 * i + 1] = img.data[3 * i + 1];
    out[4 * i + 2] = img.data[3 * i + 2];
    out[4 * i + 3] = 255;
  }
  return out;
}

export function crop(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > img.width || y + h > img.height) {
    throw new RangeError(`crop: ${w}x${h}+${x}+${y} is outside a ${img.width}x${img.height} image`);
  }
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * img.width + x) * 3;
    out.set(img.data.subarray(src, src + w * 3), r * w * 3);
  }
  return { width: w, height: h, data: out };
}

/** The largest centred square. */
export function centerSquare(img: RgbImage): RgbImage {
  const s = Math.min(img.width, img.height);
  return crop(img, Math.floor((img.width - s) / 2), Math.floor((img.height - s) / 2), s, s);
}

export function flipHorizontal(img: RgbImage): RgbImage {
  const { width: w, height: h } = img;
  const out = new Uint8Array(img.data.length);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const s = (r * w + c) * 3;
      const d = (r * w + (w - 1 - c)) * 3;
      out[d] = img.data[s];
      out[d + 1] = img.data[s + 1];
      out[d + 2] = img.data[s + 2];
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Weights of a 1-D resampling from n to m samples with a triangle (linear) filter whose
 * support widens with the downscale factor, i.e. antialiased bilinear (PIL's BILINEAR):
 * plain linear interpolation when enlarging, an area-like average when shrinking.
 */
function axisWeights(n: number, m: number): { start: Int32Array; len: Int32Array; w: Float32Array; taps: number } {
  const scale = n / m;
  const support = Math.max(1, scale);
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(m);
  const len = new Int32Array(m);
  const w = new Float32Array(m * taps);
  for (let i = 0; i < m; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(n, Math.ceil(center + support));
    let sum = 0;
    let k = 0;
    for (let j = lo; j < hi && k < taps; j++, k++) {
      const v = Math.max(0, 1 - Math.abs((j + 0.5 - center) / support));
      w[i * taps + k] = v;
      sum += v;
    }
    for (let q = 0; q < k; q++) w[i * taps + q] /= sum || 1;
    start[i] = lo;
    len[i] = k;
  }
  return { start, len, w, taps };
}

/** Antialiased bilinear resize to outW x outH (separable; exact for any factor). */
export function resize(img: RgbImage, outW: number, outH: number): RgbImage {
  if (outW < 1 || outH < 1) throw new RangeError(`resize: bad size ${outW}x${outH}`);
  if (outW === img.width && outH === img.height) return { ...img, data: img.data.slice() };
  const { width: W, height: H } = img;
  const ax = axisWeights(W, outW);
  const ay = axisWeights(H, outH);
  // horizontal pass: H x outW x 3 floats
  const tmp = new Float32Array(H * outW * 3);
  for (let r = 0; r < H; r++) {
    for (let i = 0; i < outW; i++) {
      let a = 0;
      let b = 0;
      let c = 0;
      const s0 = ax.start[i];
      for (let k = 0; k < ax.len[i]; k++) {
        const wt = ax.w[i * ax.taps + k];
        const p = (r * W + s0 + k) * 3;
        a += wt * img.data[p];
        b += wt * img.data[p + 1];
        c += wt * img.data[p + 2];
      }
      const o = (r * outW + i) * 3;
      tmp[o] = a;
      tmp[o + 1] = b;
      tmp[o + 2] = c;
    }
  }
  const out = new Uint8Array(outW * outH * 3);
  for (let j = 0; j < outH; j++) {
    const s0 = ay.start[j];
    for (let i = 0; i < outW; i++) {
      let a = 0;
      let b = 0;
      let c = 0;
      for (let k = 0; k < ay.len[j]; k++) {
        const wt = ay.w[j * ay.taps + k];
        const p = ((s0 + k) * outW + i) * 3;
        a += wt * tmp[p];
        b += wt * tmp[p + 1];
        c += wt * tmp[p + 2];
      }
      const o = (j * outW + i) * 3;
      out[o] = clampByte(a);
      out[o + 1] = clampByte(b);
      out[o + 2] = clampByte(c);
    }
  }
  return { width: outW, height: outH, data: out };
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/**
 * The pipeline's entry for any decoded image: size checked (tiny refused), then the largest
 * centred square resized to size x size (huge images are shrunk, small ones enlarged).
 */
export function prepareSquare(img: RgbImage, size: number): RgbImage {
  checkImageSize(img.width, img.height);
  const sq = centerSquare(img);
  return resize(sq, size, size);
}

/** [H, W, 3] float32 tensor in [0, 1]. */
export function rgbToTensor(img: RgbImage): tf.Tensor3D {
  const f = new Float32Array(img.data.length);
  for (let i = 0; i < f.length; i++) f[i] = img.data[i] / 255;
  return tf.tensor3d(f, [img.height, img.width, 3]);
}

/** [N, H, W, 3] float32 tensor in [0, 1] from same-sized images. */
export function rgbBatchToTensor(imgs: readonly RgbImage[]): tf.Tensor4D {
  if (imgs.length === 0) throw new RangeError('rgbBatchToTensor: empty batch');
  const { width: w, height: h } = imgs[0];
  const per = w * h * 3;
  const f = new Float32Array(imgs.length * per);
  imgs.forEach((img, b) => {
    if (img.width !== w || img.height !== h) throw new RangeError('rgbBatchToTensor: images differ in size');
    for (let i = 0; i < per; i++) f[b * per + i] = img.data[i] / 255;
  });
  return tf.tensor4d(f, [imgs.length, h, w, 3]);
}

/** [H, W, 3] tensor in [0, 1] -> 8-bit RGB (rounded, clipped), as an encoder would store it. */
export async function tensorToRgb(t: tf.Tensor3D): Promise<RgbImage> {
  const [h, w] = t.shape;
  const v = await t.data();
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = clampByte(v[i] * 255);
  return { width: w, height: h, data: out };
}
