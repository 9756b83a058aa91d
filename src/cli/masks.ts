import { existsSync } from 'node:fs';
import { MASK_SIZE } from '../core/config';
import { checkImageFile, decodeRgba } from '../core/iqa/decode';
import { ImageInputError, type RgbImage } from '../core/iqa/image';
import { MAX_IMAGE_FILE_BYTES } from '../core/limits';
import { areaFraction, type Mask } from '../core/mask';
import { binarizeMask, maskFromRgba } from '../core/maskOps';
import { buildPreset, DEFAULT_FONT_SIZE, defaultPreset } from '../core/maskPresets';
import { saliencyMap, suggestedSaliencyThreshold } from '../core/saliency';
import { readRegularFile, statOr } from './files';
import { CliError, UsageError } from './io';

/**
 * A `--mask` value: a preset (corners, center, border, each with an optional size after a
 * colon), `salient[:THRESHOLD]` (spectral-residual saliency of each image, binarised at THRESHOLD or
 * by default where it keeps the image's most salient fifth, SALIENT_AREA), `text:STR`
 * (the stroke-font text, e.g. text:VG) or a PNG/JPEG file (white or opaque = 1).
 */
export type MaskSpec =
  | { kind: 'fixed'; label: string; mask: Mask }
  /** threshold null: each image's suggested threshold (its most salient fifth), as the app does. */
  | { kind: 'salient'; label: string; threshold: number | null };

export const MASK_HELP = 'corners[:SIZE] | center[:SIZE] | border[:WIDTH] | salient[:THRESHOLD] | text:STRING | FILE.png';

function fraction(raw: string | undefined, name: string, max: number, command?: string): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v <= 0 || v > max) throw new UsageError(`--mask ${name}:${raw}: the value must be a number in (0, ${max}]`, command);
  return v;
}

/**
 * A mask file (PNG keeps its alpha channel; 'auto' uses alpha when present, else luminance).
 * Its size is read from the header and checked against the photos' limit before it is decoded.
 */
function readMaskFile(value: string, path: string): Mask {
  const bytes = new Uint8Array(readRegularFile(path, { maxBytes: MAX_IMAGE_FILE_BYTES, what: 'a mask image', fail: (d) => new CliError(`--mask ${value}: ${d}`) }));
  try {
    const format = checkImageFile(bytes, { minSide: false }) as 'png' | 'jpeg';
    const rgba = decodeRgba(bytes, format);
    return maskFromRgba(rgba.data, rgba.width, rgba.height, format === 'png' ? 'auto' : 'luminance', MASK_SIZE);
  } catch (e) {
    if (e instanceof ImageInputError) throw new CliError(`--mask ${value}: ${e.message}`);
    throw e;
  }
}

/** Checks that a mask has something to look at and something to look away from. */
export function checkMaskArea(mask: Mask, label: string): void {
  const a = areaFraction(binarizeMask(mask, 0.5));
  if (a <= 0) throw new CliError(`--mask ${label}: the mask is empty (no pixel >= 0.5): there is nothing to look at`);
  if (a >= 1) throw new CliError(`--mask ${label}: the mask covers the whole image: there is nothing to look away from`);
}

/** Parses a --mask value. Unknown presets are usage errors (2); unreadable files fail (1). */
const PRESET_HEADS = new Set(['corners', 'center', 'border', 'salient', 'text']);

/** The file a --mask value names (resolved), or undefined for a preset: what parseMaskSpec reads as a file. */
export function maskFilePath(value: string | undefined, resolveFile: (p: string) => string): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const colon = value.indexOf(':');
  return PRESET_HEADS.has((colon < 0 ? value : value.slice(0, colon)).toLowerCase()) ? undefined : resolveFile(value);
}

export function parseMaskSpec(value: string, resolveFile: (p: string) => string, command?: string): MaskSpec {
  const colon = value.indexOf(':');
  const head = (colon < 0 ? value : value.slice(0, colon)).toLowerCase();
  const arg = colon < 0 ? undefined : value.slice(colon + 1);
  switch (head) {
    case 'corners': {
      const size = fraction(arg, head, 0.5, command);
      return { kind: 'fixed', label: value, mask: buildPreset(size === undefined ? defaultPreset('corners') : { kind: 'corners', size }) };
    }
    case 'center': {
      const size = fraction(arg, head, 1, command);
      return { kind: 'fixed', label: value, mask: buildPreset(size === undefined ? defaultPreset('center') : { kind: 'center', size }) };
    }
    case 'border': {
      const width = fraction(arg, head, 0.5, command);
      return { kind: 'fixed', label: value, mask: buildPreset(width === undefined ? defaultPreset('border') : { kind: 'border', width }) };
    }
    case 'salient': {
      const t = fraction(arg, head, 1, command);
      return { kind: 'salient', label: value, threshold: t ?? null };
    }
    case 'text': {
      if (!arg || !arg.trim()) throw new UsageError('--mask text:STRING needs some text, e.g. text:VG', command);
      return { kind: 'fixed', label: value, mask: buildPreset({ kind: 'text', text: arg, fontSize: DEFAULT_FONT_SIZE }) };
    }
    default: {
      if (value.trim() === '') throw new UsageError(`--mask needs a value: a preset (${MASK_HELP}) or a mask image file`, command);
      const path = maskFilePath(value, resolveFile)!;
      if (!/\.(png|jpe?g)$/i.test(value) && !existsSync(path)) {
        throw new UsageError(`--mask ${value}: not a preset (${MASK_HELP})`, command);
      }
      const st = statOr(path, (d) => new CliError(`--mask ${value}: ${d === 'no such file or directory' ? 'no such file' : d}`));
      if (st.isDirectory()) throw new CliError(`--mask ${value}: is a directory, not a mask image (PNG or JPEG)`);
      const mask = readMaskFile(value, path);
      checkMaskArea(mask, value);
      return { kind: 'fixed', label: value, mask };
    }
  }
}

/**
 * Saliency mask of an image (the model's square input, or any view of it), at MASK_SIZE: the
 * spectral-residual saliency binarised at `threshold`, or, when null, at the image's suggested
 * threshold (the one that keeps its most salient fifth; what the app's salient preset starts from).
 */
export async function salientMask(img: RgbImage, threshold: number | null): Promise<Mask> {
  const grey = new Float32Array(img.width * img.height);
  for (let i = 0; i < grey.length; i++) grey[i] = (0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2]) / 255;
  const map = saliencyMap(grey, img.width, img.height, { outSize: MASK_SIZE });
  return binarizeMask(map, threshold ?? suggestedSaliencyThreshold(map));
}

/** The mask a spec gives for one image. */
export async function maskFor(spec: MaskSpec, img: RgbImage): Promise<Mask> {
  return spec.kind === 'fixed' ? spec.mask : salientMask(img, spec.threshold);
}
