import { MASK_SIZE } from './config';

/** A target mask: values in [0, 1], row-major, over normalised image coordinates. */
export interface Mask {
  width: number;
  height: number;
  data: Float32Array;
}

export type MaskPreset = 'corners' | 'center' | 'border';

export const MASK_PRESETS: { id: MaskPreset; label: string; hint: string }[] = [
  { id: 'corners', label: 'Corners', hint: 'four squares in the image corners' },
  { id: 'center', label: 'Center', hint: 'a centred rectangle' },
  { id: 'border', label: 'Border frame', hint: 'a frame along the edges' },
];

export class EmptyMaskError extends Error {
  constructor(kind: 'empty' | 'full') {
    super(
      kind === 'empty'
        ? 'The target mask is empty: there is nothing for the model to look at. Draw or pick a region first.'
        : 'The target mask covers the whole image: there is nothing for the model to look away from.',
    );
    this.name = 'EmptyMaskError';
  }
}

function fill(size: number, inside: (u: number, v: number) => boolean): Mask {
  const data = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) data[r * size + c] = inside((c + 0.5) / size, (r + 0.5) / size) ? 1 : 0;
  }
  return { width: size, height: size, data };
}

/**
 * Preset masks at MASK_SIZE. `frac` is the side of each corner square (corners), of the
 * centred rectangle (center) or the frame thickness (border), as a fraction of the image side.
 */
export function presetMask(preset: MaskPreset, frac = defaultFrac(preset), size = MASK_SIZE): Mask {
  switch (preset) {
    case 'corners':
      return fill(size, (u, v) => (u < frac || u > 1 - frac) && (v < frac || v > 1 - frac));
    case 'center': {
      const lo = (1 - frac) / 2;
      return fill(size, (u, v) => u > lo && u < 1 - lo && v > lo && v < 1 - lo);
    }
    case 'border':
      return fill(size, (u, v) => u < frac || u > 1 - frac || v < frac || v > 1 - frac);
    default: {
      const never: never = preset;
      throw new Error(`unknown preset ${String(never)}`);
    }
  }
}

export function defaultFrac(preset: MaskPreset): number {
  return preset === 'corners' ? 0.25 : preset === 'center' ? 0.5 : 0.125;
}

/** Mean of the mask: the chance level of energy-in-mask. */
export function areaFraction(mask: Mask): number {
  let s = 0;
  for (const v of mask.data) s += v;
  return s / mask.data.length;
}

/** Throws EmptyMaskError when the mask cannot be steered toward (all zero or all one). */
export function assertSteerable(mask: Mask): void {
  const a = areaFraction(mask);
  if (a <= 1e-6) throw new EmptyMaskError('empty');
  if (a >= 1 - 1e-6) throw new EmptyMaskError('full');
}

/**
 * Area-weighted resampling of a mask to an outW x outH grid: each output cell is the exact
 * mean of the input area it covers, so the area fraction is preserved.
 */
export function resizeMask(mask: Mask, outW: number, outH: number): Mask {
  const { width: W, height: H, data } = mask;
  const out = new Float32Array(outW * outH);
  const sx = W / outW;
  const sy = H / outH;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let acc = 0;
      for (let y = Math.floor(y0); y < Math.min(H, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(W, Math.ceil(x1)); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          acc += data[y * W + x] * wx * wy;
        }
      }
      out[oy * outW + ox] = acc / (sx * sy);
    }
  }
  return { width: outW, height: outH, data: out };
}

/**
 * The part of a mask (normalised over a W x H image) under a square crop of that image, at
 * the mask's own size, mirrored left-right when the crop was: the mask of a crop is cut like
 * the crop (bilinear sampling at the crop's cell centres).
 */
export function cropMask(mask: Mask, box: { x: number; y: number; size: number; flip: boolean }, W: number, H: number): Mask {
  const { width: mw, height: mh, data } = mask;
  const out = new Float32Array(mw * mh);
  const sample = (fx: number, fy: number) => {
    const x = Math.min(Math.max(fx * mw - 0.5, 0), mw - 1);
    const y = Math.min(Math.max(fy * mh - 0.5, 0), mh - 1);
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const x1 = Math.min(x0 + 1, mw - 1);
    const y1 = Math.min(y0 + 1, mh - 1);
    const tx = x - x0;
    const ty = y - y0;
    const top = data[y0 * mw + x0] * (1 - tx) + data[y0 * mw + x1] * tx;
    const bottom = data[y1 * mw + x0] * (1 - tx) + data[y1 * mw + x1] * tx;
    return top * (1 - ty) + bottom * ty;
  };
  for (let v = 0; v < mh; v++) {
    const fy = (box.y + ((v + 0.5) / mh) * box.size) / H;
    for (let u = 0; u < mw; u++) {
      const cu = box.flip ? mw - 1 - u : u;
      out[v * mw + u] = sample((box.x + ((cu + 0.5) / mw) * box.size) / W, fy);
    }
  }
  return { width: mw, height: mh, data: out };
}

/**
 * The steering loss's target at the feature grid: the mask resampled to w x h (area means),
 * sharpened by `sharpness` >= 1 as (cell / max cell) ^ sharpness. 1 keeps the area means. A
 * coarse grid smears a thin shape into many part-covered cells, and a heatmap that copies
 * those puts much of its energy outside the mask once upsampled (gridBound's exact fit); a
 * sharper target weights the cells the mask covers most. An empty mask stays all zeros.
 */
export function gridTarget(mask: Mask, w: number, h: number, sharpness = 1): Float32Array {
  const cells = resizeMask(mask, w, h).data;
  if (sharpness === 1) return cells;
  let max = 0;
  for (const v of cells) max = Math.max(max, v);
  return max > 0 ? Float32Array.from(cells, (v) => (v / max) ** sharpness) : cells;
}
