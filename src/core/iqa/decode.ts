import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { checkImageSize, ImageInputError, MAX_IMAGE_MEGAPIXELS, toRgb, type RgbImage } from './image';

/**
 * Decoding of PNG and JPEG files to RGB on Node (pngjs, jpeg-js); the browser decodes with
 * createImageBitmap instead and joins the pipeline at `RgbImage`. Grey and palette images
 * come out as RGB, alpha is dropped, 16-bit PNGs are scaled to 8 bits, CMYK/YCCK JPEGs
 * are converted by jpeg-js.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'tiff';

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

export class CorruptImageError extends ImageInputError {
  constructor(format: ImageFormat, cause: unknown) {
    super(`The ${format.toUpperCase()} file could not be decoded: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'CorruptImageError';
  }
}

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);

/** Format from the file's magic bytes, or null. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  if (startsWith(bytes, [0x42, 0x4d])) return 'bmp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  return null;
}

/** PNG width and height from the IHDR chunk, to refuse huge images before inflating them. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24) throw new CorruptImageError('png', new Error('file too short'));
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/**
 * PNG or JPEG bytes -> RGB. Throws an ImageInputError subclass with a message for the user
 * for anything else: not an image, another format, corrupt data, too small (< 32 px) or
 * too large (> 100 MP). Size limits are checked before the pixels are decoded where possible.
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  if (bytes.length === 0) throw new NotAnImageError('the file is empty');
  const format = sniffImageFormat(bytes);
  if (format === null) throw new NotAnImageError('unknown file signature');
  if (format !== 'png' && format !== 'jpeg') throw new UnsupportedImageFormatError(format);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    const { width, height } = pngSize(bytes);
    checkImageSize(width, height);
    let png: PNG;
    try {
      png = PNG.sync.read(buf);
    } catch (e) {
      throw new CorruptImageError('png', e);
    }
    return toRgb(png.data, png.width, png.height, 4);
  }
  let raw: { width: number; height: number; data: Uint8Array };
  try {
    raw = jpeg.decode(buf, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_IMAGE_MEGAPIXELS,
      maxMemoryUsageInMB: 1024,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/maxResolutionInMP/.test(msg)) throw new ImageInputError(`The JPEG is larger than ${MAX_IMAGE_MEGAPIXELS} MP.`);
    throw new CorruptImageError('jpeg', e);
  }
  checkImageSize(raw.width, raw.height);
  return toRgb(raw.data, raw.width, raw.height, 4);
}
