import { MAX_IMAGE_MEGAPIXELS, MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE } from './limits';

/**
 * An image's format and size read from its first bytes (PNG IHDR, JPEG SOF, GIF logical screen,
 * WebP VP8/VP8L/VP8X, BMP info header), so that size limits are checked before anything is
 * decoded. Pure and tfjs-free: the CLI and the app's main thread use it.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'tiff';

/** Base class of the errors a user can hit when giving CamSteer an image. */
export class ImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

export class ImageTooSmallError extends ImageInputError {
  constructor(width: number, height: number) {
    super(`The image is ${width}x${height} pixels; images must be at least ${MIN_IMAGE_SIDE}x${MIN_IMAGE_SIDE}.`);
    this.name = 'ImageTooSmallError';
  }
}

export class ImageTooLargeError extends ImageInputError {
  constructor(width: number, height: number) {
    super(`The image is ${width}x${height} pixels (${((width * height) / 1e6).toFixed(0)} MP); at most ${MAX_IMAGE_MEGAPIXELS} MP is accepted.`);
    this.name = 'ImageTooLargeError';
  }
}

/** The header says the file is an image, but not one whose size can be read: cut short or corrupt. */
export class ImageHeaderError extends ImageInputError {
  constructor(format: ImageFormat, detail: string) {
    super(`The ${format.toUpperCase()} file is ${detail}.`);
    this.name = 'ImageHeaderError';
  }
}

/** Refuses images below MIN_IMAGE_SIDE or above MAX_IMAGE_MEGAPIXELS (photos). */
export function checkImageSize(width: number, height: number): void {
  if (!(width >= MIN_IMAGE_SIDE && height >= MIN_IMAGE_SIDE)) throw new ImageTooSmallError(width, height);
  checkPixelLimit(width, height);
}

/** Refuses images above MAX_IMAGE_MEGAPIXELS (photos and masks alike). */
export function checkPixelLimit(width: number, height: number): void {
  if (!(width * height <= MAX_IMAGE_PIXELS)) throw new ImageTooLargeError(width, height);
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

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * What the first bytes of a file tell: its size, or how many bytes from the start are needed
 * to find it (a JPEG's frame header may follow large metadata segments), or that the format is
 * unknown (null) or has no size this module can read (TIFF).
 */
export type HeaderRead = { kind: 'size'; header: ImageHeader } | { kind: 'need'; bytes: number } | { kind: 'unknown'; format: ImageFormat | null };

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

type SizeOrNeed = { width: number; height: number } | { need: number };

function pngSize(b: Uint8Array): SizeOrNeed {
  if (b.length < 24) return { need: 24 };
  if (!startsWith(b, [0x49, 0x48, 0x44, 0x52], 12)) throw new ImageHeaderError('png', 'corrupt: it has no IHDR header');
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

/** JPEG markers that carry the frame size (SOF0-SOF15 but DHT, JPG and DAC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegSize(b: Uint8Array): SizeOrNeed {
  let i = 2;
  for (;;) {
    if (i + 4 > b.length) return { need: i + 4 };
    if (b[i] !== 0xff) throw new ImageHeaderError('jpeg', 'corrupt: its segments are broken before the frame header');
    const m = b[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    if (m === 0xd9 || m === 0xda) throw new ImageHeaderError('jpeg', 'corrupt: it has no frame header before its image data');
    if (isSof(m)) {
      if (i + 9 > b.length) return { need: i + 9 };
      return { width: u16be(b, i + 7), height: u16be(b, i + 5) };
    }
    const len = u16be(b, i + 2);
    if (len < 2) throw new ImageHeaderError('jpeg', 'corrupt: a segment has an impossible length');
    i += 2 + len;
  }
}

function gifSize(b: Uint8Array): SizeOrNeed {
  if (b.length < 10) return { need: 10 };
  return { width: u16le(b, 6), height: u16le(b, 8) };
}

function webpSize(b: Uint8Array): SizeOrNeed {
  if (b.length < 30) return { need: 30 };
  const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
  if (chunk === 'VP8 ') {
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) throw new ImageHeaderError('webp', 'corrupt: its VP8 frame header is missing');
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) throw new ImageHeaderError('webp', 'corrupt: its VP8L header is missing');
    const bits = (b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  throw new ImageHeaderError('webp', `corrupt: its first chunk is "${chunk.replace(/[^\x20-\x7e]/g, '?')}", not an image`);
}

function bmpSize(b: Uint8Array): SizeOrNeed {
  if (b.length < 26) return { need: 26 };
  if (i32le(b, 14) === 12) return { width: u16le(b, 18), height: u16le(b, 20) };
  return { width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
}

const READERS: Partial<Record<ImageFormat, (b: Uint8Array) => SizeOrNeed>> = { png: pngSize, jpeg: jpegSize, gif: gifSize, webp: webpSize, bmp: bmpSize };

/**
 * Reads an image's size from the first bytes of its file. `complete`: `bytes` is the whole
 * file, so a header that runs past its end means the file was cut short (ImageHeaderError).
 */
export function readImageHeader(bytes: Uint8Array, complete: boolean): HeaderRead {
  const format = sniffImageFormat(bytes);
  const read = format ? READERS[format] : undefined;
  if (!format || !read) {
    if (!complete && bytes.length < 16) return { kind: 'need', bytes: 16 };
    return { kind: 'unknown', format };
  }
  const r = read(bytes);
  if ('need' in r) {
    if (complete) throw new ImageHeaderError(format, 'truncated: it ends before its header does');
    return { kind: 'need', bytes: r.need };
  }
  return { kind: 'size', header: { format, width: r.width, height: r.height } };
}

/** The first bytes of a file (at most `length`), from wherever it lives (a Blob, a file descriptor). */
export type ReadPrefix = (length: number) => Promise<Uint8Array>;

/**
 * Reads an image's header from a source of `size` bytes, asking for more of its start only as
 * far as the header needs (64 KB first; a JPEG's metadata segments are skipped by their length).
 */
export async function readImageHeaderFrom(readPrefix: ReadPrefix, size: number): Promise<HeaderRead> {
  let want = Math.min(size, 65536);
  for (;;) {
    const bytes = await readPrefix(want);
    const r = readImageHeader(bytes, bytes.length >= size);
    if (r.kind !== 'need') return r;
    if (r.bytes <= bytes.length || bytes.length >= size) return readImageHeader(bytes, true);
    want = Math.min(size, Math.max(r.bytes, want * 2));
  }
}
