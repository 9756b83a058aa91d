import { ImageHeaderError, readImageHeaderFrom, type ImageHeader } from '../core/imageHeader';
import { MAX_IMAGE_FILE_BYTES, MAX_IMAGE_MEGAPIXELS, MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE } from '../core/limits';
import type { PhotoEntry } from '../state/store';

interface PhotoManifestEntry {
  id: string;
  file: string;
  title: string;
  author: string;
  license: string;
  /** Shown in the app (the rest of the reference photos serve the CLI's data pipeline only). */
  app?: boolean;
}

export class BadImageError extends Error {
  constructor(file: string, why: string) {
    super(`"${file}" was not added: ${why}`);
    this.name = 'BadImageError';
  }
}

/** Most photos the library holds: each adds 16 training images to every baseline. */
export const MAX_PHOTOS = 100;

/** The bundled photos the app shows, from public/photos/index.json (served from the app's own origin). */
export async function loadBuiltInPhotos(): Promise<PhotoEntry[]> {
  const base = import.meta.env.BASE_URL;
  const res = await fetch(`${base}photos/index.json`);
  if (!res.ok) throw new Error(`The bundled photo list could not be loaded (HTTP ${res.status})`);
  const list = ((await res.json()) as PhotoManifestEntry[]).filter((p) => p.app);
  return list.map((p) => ({
    id: p.id,
    name: p.title,
    url: `${base}photos/${p.file}`,
    builtIn: true,
    credit: `${p.author}, ${p.license}`,
  }));
}

/**
 * An uploaded image's format and size, read from the first bytes of the file (Blob.slice)
 * before anything is decoded. `why` builds the caller's error from a reason.
 */
export async function uploadHeader(file: File, why: (reason: string) => Error): Promise<ImageHeader> {
  if (file.size > MAX_IMAGE_FILE_BYTES) throw why(`the file is ${(file.size / 1e6).toFixed(0)} MB; image files up to ${MAX_IMAGE_FILE_BYTES / 1e6} MB are read.`);
  let read;
  try {
    read = await readImageHeaderFrom(async (n) => new Uint8Array(await file.slice(0, n).arrayBuffer()), file.size);
  } catch (e) {
    if (e instanceof ImageHeaderError) throw why(e.message);
    throw why(`it could not be read (${(e as Error).message}).`);
  }
  if (read.kind !== 'size') throw why('it is not a PNG, JPEG, WebP, GIF or BMP image.');
  const { width, height } = read.header;
  if (!(width * height <= MAX_IMAGE_PIXELS)) throw why(`it is ${width}x${height} pixels (${((width * height) / 1e6).toFixed(0)} MP); images up to ${MAX_IMAGE_MEGAPIXELS} MP are accepted.`);
  return read.header;
}

/**
 * Checks an uploaded file is an image of a usable size, from its header before it is decoded,
 * then that the browser decodes it; returns a photo entry for it.
 */
export async function photoFromFile(file: File): Promise<PhotoEntry> {
  if (file.type && !file.type.startsWith('image/')) throw new BadImageError(file.name, `it is a ${file.type} file, not an image.`);
  if (file.type === 'image/svg+xml' || /\.svg$/i.test(file.name)) throw new BadImageError(file.name, 'SVG is a vector format; export it as PNG or JPEG first.');
  const header = await uploadHeader(file, (reason) => new BadImageError(file.name, reason));
  if (Math.min(header.width, header.height) < MIN_IMAGE_SIDE) throw new BadImageError(file.name, `it is ${header.width}x${header.height}; images need at least ${MIN_IMAGE_SIDE} px on each side.`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new BadImageError(file.name, 'it is not an image the browser can decode (corrupt, truncated or an unsupported format).');
  }
  const { width, height } = bitmap;
  bitmap.close();
  if (Math.min(width, height) < MIN_IMAGE_SIDE) throw new BadImageError(file.name, `it is ${width}x${height}; images need at least ${MIN_IMAGE_SIDE} px on each side.`);
  if (!(width * height <= MAX_IMAGE_PIXELS)) throw new BadImageError(file.name, `it is ${width}x${height}, larger than ${MAX_IMAGE_MEGAPIXELS} megapixels.`);
  const id = `upload-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  return { id, name: file.name, url: URL.createObjectURL(file), builtIn: false, blob: file };
}
