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

const MIN_SIDE = 32;
/** Most photos the library holds: each adds 16 training images to every baseline. */
export const MAX_PHOTOS = 100;
const MAX_PIXELS = 120e6;

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

/** Checks an uploaded file decodes as an image of a usable size; returns a photo entry for it. */
export async function photoFromFile(file: File): Promise<PhotoEntry> {
  if (file.type && !file.type.startsWith('image/')) throw new BadImageError(file.name, `it is a ${file.type} file, not an image.`);
  if (file.type === 'image/svg+xml' || /\.svg$/i.test(file.name)) throw new BadImageError(file.name, 'SVG is a vector format; export it as PNG or JPEG first.');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new BadImageError(file.name, 'it is not an image the browser can decode (corrupt, truncated or an unsupported format).');
  }
  const { width, height } = bitmap;
  bitmap.close();
  if (Math.min(width, height) < MIN_SIDE) throw new BadImageError(file.name, `it is ${width}x${height}; images need at least ${MIN_SIDE} px on each side.`);
  if (width * height > MAX_PIXELS) throw new BadImageError(file.name, `it is ${width}x${height}, larger than ${MAX_PIXELS / 1e6} megapixels.`);
  const id = `upload-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  return { id, name: file.name, url: URL.createObjectURL(file), builtIn: false, blob: file };
}
