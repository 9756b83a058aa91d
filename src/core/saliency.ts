/**
 * Spectral residual saliency (Hou & Zhang, "Saliency detection: a spectral residual approach",
 * CVPR 2007): the log amplitude spectrum minus its local mean is the "unexpected" part of the
 * image; transformed back with the original phase, squared and smoothed, it marks salient regions.
 *
 * Works on the squashed square image, like the model and the mask, at SALIENCY_SIZE. The image
 * is mirrored to 2n x 2n before the FFT so the periodic transform sees no jump at the borders
 * (which would otherwise be the most "salient" thing). Plain arrays, no tfjs: it runs the same
 * on every backend and host.
 */
import { normalizeMap, upsampleBilinear } from './alignment';
import { MASK_SIZE, SALIENT_AREA } from './config';
import { resizeMask, type Mask } from './mask';
import { binarizeMask } from './maskOps';

/** 60, near the paper's 64 (the mirrored transform is 120 x 120: a few ms). */
export const SALIENCY_SIZE = 60;

/**
 * Sigma of the map's Gaussian smoothing, in pixels at SALIENCY_SIZE. The authors' code uses 2.5,
 * which leaves the map in specks; 5 merges them into object-sized regions, which a 6 x 6 CAM grid
 * can draw (docs/cli.md, "The salient target").
 */
export const SALIENCY_SIGMA = 5;

/** A saliency map in [0, 1] (min-max normalised), same layout as a Mask. */
export type SaliencyMap = Mask;

export interface SaliencyOptions {
  /** Side of the square the image is reduced to before the FFT (default SALIENCY_SIZE). */
  size?: number;
  /** Side of the local-mean filter on the log amplitude (default 3). */
  meanFilter?: number;
  /** Sigma of the Gaussian smoothing of the map, in pixels at `size` (default SALIENCY_SIGMA). */
  sigma?: number;
  /** Side of the returned map (default MASK_SIZE). */
  outSize?: number;
}

/** Rec. 601 luma of RGBA pixels, in [0, 1]. */
export function greyFromRgba(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const o = i * 4;
    out[i] = (0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2]) / 255;
  }
  return out;
}

/**
 * 2-D discrete Fourier transform of a complex m x m array in place (rows, then columns), in
 * float64. Direct O(m^3) sums: at the sizes used here (m = 120) that is a few ms, and it needs
 * no tfjs backend (wasm has no FFT kernels, and the app's worker must not switch backends).
 */
function dft2(re: Float64Array, im: Float64Array, m: number, inverse: boolean): void {
  const cos = new Float64Array(m * m);
  const sin = new Float64Array(m * m);
  for (let k = 0; k < m; k++) {
    for (let t = 0; t < m; t++) {
      const a = (2 * Math.PI * ((k * t) % m)) / m;
      cos[k * m + t] = Math.cos(a);
      sin[k * m + t] = (inverse ? 1 : -1) * Math.sin(a);
    }
  }
  const scale = inverse ? 1 / m : 1;
  const tr = new Float64Array(m);
  const ti = new Float64Array(m);
  const pass = (at: (line: number, t: number) => number) => {
    for (let line = 0; line < m; line++) {
      for (let k = 0; k < m; k++) {
        let sr = 0;
        let si = 0;
        for (let t = 0; t < m; t++) {
          const i = at(line, t);
          const c = cos[k * m + t];
          const s = sin[k * m + t];
          sr += re[i] * c - im[i] * s;
          si += re[i] * s + im[i] * c;
        }
        tr[k] = sr * scale;
        ti[k] = si * scale;
      }
      for (let k = 0; k < m; k++) {
        re[at(line, k)] = tr[k];
        im[at(line, k)] = ti[k];
      }
    }
  };
  pass((row, t) => row * m + t);
  pass((col, t) => t * m + col);
}

/** Separable Gaussian blur of an n x n map with zero padding, renormalised at the borders. */
function blur(x: Float64Array, n: number, sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const conv = (src: Float64Array) => {
    const tmp = new Float64Array(n * n);
    const out = new Float64Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x0 = 0; x0 < n; x0++) {
        let s = 0;
        for (let j = Math.max(-r, -x0); j <= Math.min(r, n - 1 - x0); j++) s += src[y * n + x0 + j] * k[j + r];
        tmp[y * n + x0] = s / sum;
      }
    }
    for (let y = 0; y < n; y++) {
      for (let x0 = 0; x0 < n; x0++) {
        let s = 0;
        for (let j = Math.max(-r, -y); j <= Math.min(r, n - 1 - y); j++) s += tmp[(y + j) * n + x0] * k[j + r];
        out[y * n + x0] = s / sum;
      }
    }
    return out;
  };
  const num = conv(x);
  const den = conv(new Float64Array(n * n).fill(1));
  return num.map((v, i) => v / den[i]);
}

/**
 * The spectral residual saliency of a square greyscale image, unnormalised.
 * @param grey n x n greyscale image, row-major
 * @returns n x n saliency
 */
export function spectralResidual(grey: ArrayLike<number>, n: number, meanFilter = 3, sigma = SALIENCY_SIGMA): Float32Array {
  // Mirror to 2n x 2n so the periodic transform sees no jump at the borders (which would light them up).
  const m = 2 * n;
  const re = new Float64Array(m * m);
  const im = new Float64Array(m * m);
  for (let y = 0; y < m; y++) for (let x = 0; x < m; x++) re[y * m + x] = grey[(y < n ? y : m - 1 - y) * n + (x < n ? x : m - 1 - x)];
  dft2(re, im, m, false);
  const amp = new Float64Array(m * m);
  let meanAmp = 0;
  for (let i = 0; i < amp.length; i++) {
    amp[i] = Math.hypot(re[i], im[i]);
    meanAmp += amp[i] / amp.length;
  }
  // Floor relative to the mean amplitude: the mirrored image has exact zeros (e.g. at Nyquist)
  // whose log would swamp the local mean around them.
  const logA = amp.map((a) => Math.log(a + meanAmp * 1e-3));
  // Local mean over a meanFilter x meanFilter window ('same': only the cells inside the array).
  const lo = Math.floor((meanFilter - 1) / 2);
  for (let y = 0; y < m; y++) {
    for (let x = 0; x < m; x++) {
      let s = 0;
      let c = 0;
      for (let yy = Math.max(0, y - lo); yy < Math.min(m, y - lo + meanFilter); yy++) {
        for (let xx = Math.max(0, x - lo); xx < Math.min(m, x - lo + meanFilter); xx++) {
          s += logA[yy * m + xx];
          c++;
        }
      }
      // exp(R + iP) with cos P = re / |F|, sin P = im / |F|.
      const i = y * m + x;
      const f = Math.exp(logA[i] - s / c) / Math.max(amp[i], 1e-12);
      re[i] *= f;
      im[i] *= f;
    }
  }
  dft2(re, im, m, true);
  const power = new Float64Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) power[y * n + x] = re[y * m + x] ** 2 + im[y * m + x] ** 2;
  return Float32Array.from(sigma > 0 ? blur(power, n, sigma) : power);
}

/**
 * Saliency map of a greyscale image of any size (squashed to a square), min-max normalised
 * and upsampled to outSize x outSize.
 * @param grey width * height values, row-major, any range
 */
export function saliencyMap(
  grey: Float32Array,
  width: number,
  height: number,
  opts: SaliencyOptions = {},
): SaliencyMap {
  const n = opts.size ?? SALIENCY_SIZE;
  const outSize = opts.outSize ?? MASK_SIZE;
  const small = resizeMask({ width, height, data: grey }, n, n).data;
  const raw = spectralResidual(small, n, opts.meanFilter ?? 3, opts.sigma ?? SALIENCY_SIGMA);
  const data = normalizeMap(n === outSize ? raw : upsampleBilinear(raw, n, n, outSize, outSize));
  // normalizeMap maps a constant map to ones; a flat image has nothing salient.
  if (data.every((v) => v === 1)) data.fill(0);
  return { width: outSize, height: outSize, data };
}

/**
 * The threshold that keeps the most salient `area` of the image (binarizeMask keeps values >= it):
 * the map's value at that rank, kept within the app's slider range [0.02, 0.98], so a flat
 * (all-zero) map gets an empty mask rather than a full one. (Hou & Zhang's object
 * map uses 3 x the mean saliency instead; on the bundled photos that keeps 2-7 % in specks.)
 */
export function suggestedSaliencyThreshold(map: SaliencyMap, area = SALIENT_AREA): number {
  const sorted = Float32Array.from(map.data).sort();
  const keep = Math.min(sorted.length, Math.max(1, Math.ceil(area * sorted.length)));
  return Math.min(0.98, Math.max(0.02, sorted[sorted.length - keep]));
}

/** Binary mask where the normalised saliency is at least `threshold`. */
export function saliencyMask(map: SaliencyMap, threshold: number): Mask {
  return binarizeMask(map, threshold);
}
