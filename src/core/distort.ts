import * as tf from '@tensorflow/tfjs';

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

export const DISTORTIONS: readonly Distortion[] = [
  {
    id: 'noise',
    label: 'Gaussian noise',
    levels: [0.02, 0.05, 0.09, 0.15, 0.25],
    apply: async (img, p, ctx) => gaussianNoise(img, p, ctx.seed),
  },
  {
    id: 'blur',
    label: 'Gaussian blur',
    levels: [0.5, 1, 1.6, 2.4, 3.5],
    apply: async (img, p) => gaussianBlur(img, p),
  },
  {
    id: 'jpeg',
    label: 'JPEG compression',
    levels: [70, 40, 20, 10, 4],
    apply: (img, p, ctx) => jpegRoundTrip(img, p, ctx.jpeg),
  },
];
