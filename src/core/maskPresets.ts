/**
 * Preset masks as data, so a store can remember how a mask was made (e.g. "salient at 0.4" for
 * one image) and rebuild it. Building is pure and synchronous; the salient preset takes the
 * image's saliency map, computed once (asynchronously) by saliency.ts, so moving the threshold
 * is instant.
 */
import { MASK_SIZE } from './config';
import { defaultFrac, presetMask, resizeMask, type Mask } from './mask';
import { binarizeMask, emptyMask } from './maskOps';
import { textMask } from './textMask';

export type PresetSpec =
  | { kind: 'corners'; size: number }
  | { kind: 'center'; size: number }
  | { kind: 'border'; width: number }
  | { kind: 'salient'; threshold: number }
  | { kind: 'text'; text: string; fontSize: number };

export type PresetKind = PresetSpec['kind'];

export const DEFAULT_TEXT = 'VG';
export const DEFAULT_FONT_SIZE = 0.5;
export const DEFAULT_SALIENCY_THRESHOLD = 0.5;

export function defaultPreset(kind: PresetKind): PresetSpec {
  switch (kind) {
    case 'corners':
      return { kind, size: defaultFrac('corners') };
    case 'center':
      return { kind, size: defaultFrac('center') };
    case 'border':
      return { kind, width: defaultFrac('border') };
    case 'salient':
      return { kind, threshold: DEFAULT_SALIENCY_THRESHOLD };
    case 'text':
      return { kind, text: DEFAULT_TEXT, fontSize: DEFAULT_FONT_SIZE };
    default: {
      const never: never = kind;
      throw new Error(`unknown preset ${String(never)}`);
    }
  }
}

export class SaliencyUnavailableError extends Error {
  constructor() {
    super('The salient preset needs a photo: load an image first.');
    this.name = 'SaliencyUnavailableError';
  }
}

export interface PresetContext {
  /** Saliency map of the current image (saliency.ts), needed by 'salient'. */
  saliency?: Mask | null;
  /** Displayed width / height of the photo, so text looks upright on it. */
  aspect?: number;
  size?: number;
}

/** Builds the mask a preset describes, at `ctx.size` (default MASK_SIZE). */
export function buildPreset(spec: PresetSpec, ctx: PresetContext = {}): Mask {
  const size = ctx.size ?? MASK_SIZE;
  switch (spec.kind) {
    case 'corners':
      return presetMask('corners', clampFrac(spec.size, 0.5), size);
    case 'center':
      return presetMask('center', clampFrac(spec.size, 1), size);
    case 'border':
      return presetMask('border', clampFrac(spec.width, 0.5), size);
    case 'salient': {
      if (!ctx.saliency) throw new SaliencyUnavailableError();
      const map = ctx.saliency.width === size && ctx.saliency.height === size ? ctx.saliency : resizeMask(ctx.saliency, size, size);
      return binarizeMask(map, spec.threshold);
    }
    case 'text':
      return spec.text.trim() ? textMask(spec.text, { fontSize: spec.fontSize, aspect: ctx.aspect, size }).mask : emptyMask(size);
    default: {
      const never: never = spec;
      throw new Error(`unknown preset ${JSON.stringify(never)}`);
    }
  }
}

function clampFrac(x: number, max: number): number {
  return Math.min(max, Math.max(0, Number.isFinite(x) ? x : 0));
}
