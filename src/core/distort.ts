import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from './random';

/**
 * Distortions of an image tensor [H, W, 3] in [0, 1], each at 5 levels (1 = barely visible,
 * 5 = severe), spaced like KADID-10k's. Adding a type is adding one entry to DISTORTIONS.
 */

/** Real JPEG encode/decode round trip, supplied by the environment (OffscreenCanvas, or a JS codec on Node). */
export type JpegCodec = (pixels: Uint8ClampedArray, width: number, height: number, quality: number) => Promise<Uint8ClampedArray>;

export interface DistortionContext {
  seed: number;
  jpeg?: JpegCodec;
}

export interface Distortion {
  id: string;
  label: string;
  /** Parameter per level 1..5. */
  levels: readonly number[];
  apply(img: tf.Tensor3D, param: number, ctx: DistortionContext): Promise<tf.Tensor3D>;
}

/** Gaussian noise, sigma on the [0, 1] scale. */
export function gaussianNoise(img: tf.Tensor3D, sigma: number, seed: number): tf.Tensor3D {
  return tf.tidy(() => tf.clipByValue(tf.add(img, tf.randomNormal(img.shape, 0, sigma, 'float32', seed)), 0, 1) as tf.Tensor3D);
}

/** 1-D Gaussian kernel with radius ceil(3 sigma), normalised to sum 1. */
export function gaussianKernel1d(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
    s += k[i + r];
  }
  return k.map((v) => v / s);
}

/** Separable Gaussian blur with reflected edges, sigma in pixels. */
export function gaussianBlur(img: tf.Tensor3D, sigma: number): tf.Tensor3D {
  return tf.tidy(() => {
    const k = gaussianKernel1d(sigma);
    const r = (k.length - 1) / 2;
    const [H, W] = img.shape;
    if (r >= Math.min(H, W)) throw new Error(`gaussianBlur: sigma ${sigma} is too large for a ${W}x${H} image`);
    const x = tf.mirrorPad(img, [[r, r], [r, r], [0, 0]], 'reflect').expandDims(0) as tf.Tensor4D;
    const kx = tf.tile(tf.tensor4d(k, [1, k.length, 1, 1]), [1, 1, 3, 1]) as tf.Tensor4D;
    const ky = tf.tile(tf.tensor4d(k, [k.length, 1, 1, 1]), [1, 1, 3, 1]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(tf.depthwiseConv2d(x, kx, 1, 'valid'), ky, 1, 'valid');
    return out.squeeze([0]) as tf.Tensor3D;
  });
}

export class JpegUnavailableError extends Error {
  constructor(detail: string) {
    super(`JPEG encoding is not available here: ${detail}`);
    this.name = 'JpegUnavailableError';
  }
}

async function jpegRoundTrip(img: tf.Tensor3D, quality: number, codec: JpegCodec | undefined): Promise<tf.Tensor3D> {
  if (!codec) throw new JpegUnavailableError('no codec was supplied');
  const [H, W] = img.shape;
  const scaled = tf.mul(img, 255);
  const rgb = await scaled.data();
  scaled.dispose();
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    rgba[4 * i] = rgb[3 * i];
    rgba[4 * i + 1] = rgb[3 * i + 1];
    rgba[4 * i + 2] = rgb[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  const out = await codec(rgba, W, H, quality);
  return pixelsToTensor(out, W, H);
}

/** RGBA bytes -> [H, W, 3] float tensor in [0, 1] (alpha dropped). */
export function pixelsToTensor(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): tf.Tensor3D {
  const rgb = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    rgb[3 * i] = rgba[4 * i] / 255;
    rgb[3 * i + 1] = rgba[4 * i + 1] / 255;
    rgb[3 * i + 2] = rgba[4 * i + 2] / 255;
  }
  return tf.tensor3d(rgb, [height, width, 3]);
}

/** Reflect-padded depthwise convolution of [H, W, 3] with one 2-D kernel [kh, kw] (row-major, sums to 1). */
function convolve(img: tf.Tensor3D, kernel: Float32Array, kh: number, kw: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [H, W] = img.shape;
    const ry = (kh - 1) / 2;
    const rx = (kw - 1) / 2;
    if (ry >= H || rx >= W) throw new Error(`convolve: a ${kw}x${kh} kernel is too large for a ${W}x${H} image`);
    const x = tf.mirrorPad(img, [[ry, ry], [rx, rx], [0, 0]], 'reflect').expandDims(0) as tf.Tensor4D;
    const k = tf.tile(tf.tensor4d(kernel, [kh, kw, 1, 1]), [1, 1, 3, 1]) as tf.Tensor4D;
    return tf.depthwiseConv2d(x, k, 1, 'valid').squeeze([0]) as tf.Tensor3D;
  });
}

/**
 * A straight-line motion-blur kernel of `length` pixels at `angle` radians: the segment sampled
 * densely, each sample spread bilinearly over its four pixels; odd square size, sums to 1.
 */
export function motionKernel(length: number, angle: number): { kernel: Float32Array; size: number } {
  const size = 2 * Math.ceil((length - 1) / 2 + 1) + 1;
  const c = (size - 1) / 2;
  const k = new Float32Array(size * size);
  const samples = Math.max(2, Math.ceil(length * 8));
  for (let i = 0; i < samples; i++) {
    const t = (i / (samples - 1) - 0.5) * (length - 1);
    const x = c + t * Math.cos(angle);
    const y = c + t * Math.sin(angle);
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    for (const [dx, dy, w] of [[0, 0, (1 - fx) * (1 - fy)], [1, 0, fx * (1 - fy)], [0, 1, (1 - fx) * fy], [1, 1, fx * fy]] as const) {
      if (w > 0) k[(y0 + dy) * size + (x0 + dx)] += w;
    }
  }
  const sum = k.reduce((a, b) => a + b, 0);
  return { kernel: k.map((v) => v / sum), size };
}

/** Motion blur along a straight line of `length` px; the direction is drawn from the seed. */
export function motionBlur(img: tf.Tensor3D, length: number, seed: number): tf.Tensor3D {
  const { kernel, size } = motionKernel(length, mulberry32(seed)() * Math.PI);
  return convolve(img, kernel, size, size);
}

/** Impulse (salt-and-pepper) noise: a fraction `p` of pixels set to black or white, independently per channel. */
export function impulseNoise(img: tf.Tensor3D, p: number, seed: number): tf.Tensor3D {
  return tf.tidy(() => {
    const u = tf.randomUniform(img.shape, 0, 1, 'float32', seed);
    const salt = tf.randomUniform(img.shape, 0, 1, 'float32', seed + 1).greater(0.5).toFloat();
    return tf.where(u.less(p), salt, img) as tf.Tensor3D;
  });
}

/** Contrast reduction: every pixel pulled toward the image's mean grey by factor c (1 = unchanged). */
export function contrastChange(img: tf.Tensor3D, c: number): tf.Tensor3D {
  return tf.tidy(() => {
    const mean = tf.mean(img);
    return tf.clipByValue(tf.add(mean, tf.mul(tf.sub(img, mean), c)), 0, 1) as tf.Tensor3D;
  });
}

/**
 * Pixelation: the image shrunk by factor f (bilinear, half-pixel centres) and blown back up with
 * nearest-neighbour sampling, so it shows blocks of about f x f pixels (f >= 1, fractional allowed).
 */
export function pixelate(img: tf.Tensor3D, f: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [H, W] = img.shape;
    const small = tf.image.resizeBilinear(img, [Math.max(1, Math.round(H / f)), Math.max(1, Math.round(W / f))], false, true);
    return tf.image.resizeNearestNeighbor(small, [H, W], false, true);
  });
}

/** Colour quantisation: each channel rounded to `levels` evenly spaced values (posterisation). */
export function quantizeColors(img: tf.Tensor3D, levels: number): tf.Tensor3D {
  return tf.tidy(() => tf.div(tf.round(tf.mul(img, levels - 1)), levels - 1) as tf.Tensor3D);
}

export const DISTORTIONS: readonly Distortion[] = [
  {
    id: 'noise',
    label: 'Gaussian noise',
    levels: [0.01, 0.017, 0.028, 0.048, 0.09],
    apply: async (img, p, ctx) => gaussianNoise(img, p, ctx.seed),
  },
  {
    id: 'blur',
    label: 'Gaussian blur',
    levels: [0.79, 1.17, 1.84, 3.27, 7.2],
    apply: async (img, p) => gaussianBlur(img, p),
  },
  {
    id: 'jpeg',
    label: 'JPEG compression',
    levels: [78, 40, 18, 8, 3],
    apply: (img, p, ctx) => jpegRoundTrip(img, p, ctx.jpeg),
  },
  {
    id: 'motion',
    label: 'Motion blur',
    levels: [3.9, 5.7, 8.3, 15, 36],
    apply: async (img, p, ctx) => motionBlur(img, p, ctx.seed),
  },
  {
    id: 'impulse',
    label: 'Impulse noise',
    levels: [0.0004, 0.0011, 0.003, 0.0084, 0.026],
    apply: async (img, p, ctx) => impulseNoise(img, p, ctx.seed),
  },
  {
    id: 'contrast',
    label: 'Contrast reduction',
    levels: [0.9, 0.844, 0.756, 0.617, 0.415],
    apply: async (img, p) => contrastChange(img, p),
  },
  {
    id: 'pixelate',
    label: 'Pixelation',
    levels: [1.3, 2, 3.4, 5.5, 8.6],
    apply: async (img, p) => pixelate(img, p),
  },
  {
    id: 'quantize',
    label: 'Colour quantisation',
    levels: [43, 26, 15, 8, 4],
    apply: async (img, p) => quantizeColors(img, Math.max(2, Math.round(p))),
  },
];
