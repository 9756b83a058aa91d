/** Colormaps as key colours, linearly interpolated into 256-entry RGB lookup tables. */

export const COLORMAPS = ['jet', 'turbo', 'viridis', 'inferno'] as const;
export type Colormap = (typeof COLORMAPS)[number];

const KEYS: Record<Colormap, [number, number, number][]> = {
  jet: [[0, 0, 128], [0, 0, 255], [0, 128, 255], [0, 255, 255], [128, 255, 128], [255, 255, 0], [255, 128, 0], [255, 0, 0], [128, 0, 0]],
  turbo: [[48, 18, 59], [70, 107, 227], [40, 187, 236], [49, 242, 153], [162, 252, 60], [237, 208, 58], [251, 128, 34], [208, 47, 5], [122, 4, 3]],
  viridis: [[68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]],
  inferno: [[0, 0, 4], [31, 12, 72], [85, 15, 109], [136, 34, 106], [186, 54, 85], [227, 89, 51], [249, 140, 10], [249, 201, 50], [252, 255, 164]],
};

const cache = new Map<Colormap, Uint8ClampedArray>();

/** 256 x RGB lookup table for a colormap. */
export function colormapLut(name: Colormap): Uint8ClampedArray {
  const hit = cache.get(name);
  if (hit) return hit;
  const keys = KEYS[name];
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (keys.length - 1);
    const k = Math.min(Math.floor(t), keys.length - 2);
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = keys[k][c] * (1 - f) + keys[k + 1][c] * f;
  }
  cache.set(name, lut);
  return lut;
}
