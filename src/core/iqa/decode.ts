import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { checkImageSize, checkPixelLimit, ImageInputError, readImageHeader, type ImageFormat } from '../imageHeader';
import { MAX_IMAGE_MEGAPIXELS } from '../limits';
import { toRgb, type RgbImage } from './image';

export { sniffImageFormat, type ImageFormat } from '../imageHeader';

/**
 * Decoding of PNG and JPEG files to RGB on Node (pngjs, jpeg-js); the browser decodes with
 * createImageBitmap instead and joins the pipeline at `RgbImage`. Grey and palette images
 * come out as RGB, alpha is dropped, 16-bit PNGs are scaled to 8 bits, CMYK/YCCK JPEGs
 * are converted by jpeg-js.
 */

export class NotAnImageError extends ImageInputError {
  constructor(detail: string) {
    super(`This file is not an image the app can read (${detail}). Use a PNG or JPEG file.`);
    this.name = 'NotAnImageError';
  }
}

export class UnsupportedImageFormatError extends ImageInputError {
  constructor(format: ImageFormat) {
    super(`${format.toUpperCase()} images are not supported. Use a PNG or JPEG file.`);
    this.name = 'UnsupportedImageFormatError';
  }
}

/** The decoder failed on the pixel data; `detail` says how, in CamSteer's words (not the decoder's). */
export class CorruptImageError extends ImageInputError {
  constructor(format: ImageFormat, detail: string) {
    super(`The ${format.toUpperCase()} file ${detail}.`);
    this.name = 'CorruptImageError';
  }
}

/** True when a PNG's chunks run past the end of the file or stop before IEND (a cut-short download). */
export function pngIsTruncated(b: Uint8Array): boolean {
  let i = 8;
  while (i + 8 <= b.length) {
    const len = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
    const type = String.fromCharCode(b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    if (i + 12 + len > b.length) return true;
    if (type === 'IEND') return false;
    i += 12 + len;
  }
  return true;
}

const endsWithEoi = (b: Uint8Array) => b.length >= 2 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;

/**
 * Checks an image file's format and size from its header, before anything is decoded: PNG or
 * JPEG, at least 32 px a side and at most MAX_IMAGE_MEGAPIXELS (`minSide: false` for masks,
 * which may be small). Throws an ImageInputError subclass with a message for the user.
 */
export function checkImageFile(bytes: Uint8Array, opts: { minSide?: boolean } = {}): ImageFormat {
  if (bytes.length === 0) throw new NotAnImageError('the file is empty');
  const read = readImageHeader(bytes, true);
  if (read.kind === 'need') throw new NotAnImageError('the file is too short');
  if (read.kind === 'unknown') {
    if (read.format === null) throw new NotAnImageError('unknown file signature');
    throw new UnsupportedImageFormatError(read.format);
  }
  const { format, width, height } = read.header;
  if (format !== 'png' && format !== 'jpeg') throw new UnsupportedImageFormatError(format);
  if (opts.minSide === false) checkPixelLimit(width, height);
  else checkImageSize(width, height);
  return format;
}

/** RGBA pixels of a PNG or JPEG whose header checkImageFile accepted. */
export function decodeRgba(bytes: Uint8Array, format: 'png' | 'jpeg'): { width: number; height: number; data: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    try {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: png.data };
    } catch {
      throw new CorruptImageError('png', pngIsTruncated(bytes) ? 'is truncated: it ends before its image data does' : 'is corrupt: its image data could not be decoded');
    }
  }
  try {
    return jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
  } catch {
    throw new CorruptImageError('jpeg', endsWithEoi(bytes) ? 'is corrupt: its image data could not be decoded' : 'is truncated or corrupt: its image data could not be decoded');
  }
}

/**
 * PNG or JPEG bytes -> RGB. Throws an ImageInputError subclass with a message for the user
 * for anything else: not an image, another format, corrupt data, too small (< 32 px) or
 * too large (> 100 MP). Size limits are checked from the header, before the pixels are decoded.
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const format = checkImageFile(bytes) as 'png' | 'jpeg';
  const raw = decodeRgba(bytes, format);
  checkImageSize(raw.width, raw.height);
  return toRgb(raw.data, raw.width, raw.height, 4);
}
