import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/core/iqa/decode';
import type { IqaSample, Reference } from '../../src/core/iqa/samples';
import { checkSplits, splitByReference, type Splits } from '../../src/core/iqa/splits';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PHOTOS_DIR = join(ROOT, 'public/photos');
export const SPLITS_FILE = join(ROOT, 'public/data/splits.json');
const CACHE_DIR = join(ROOT, 'node_modules/.cache/camsteer-iqa');

export interface PhotoEntry {
  id: string;
  file: string;
  title: string;
  license: string;
}

export function readPhotoIndex(): PhotoEntry[] {
  return JSON.parse(readFileSync(join(PHOTOS_DIR, 'index.json'), 'utf8')) as PhotoEntry[];
}

export function loadReferences(): Reference[] {
  return readPhotoIndex().map((p) => ({ id: p.id, image: decodeImage(readFileSync(join(PHOTOS_DIR, p.file))) }));
}

/** The split on disk; written (seed, 3 val, 3 test references) when absent. */
export function loadOrCreateSplits(seed: number): Splits {
  const ids = readPhotoIndex().map((p) => p.id);
  if (existsSync(SPLITS_FILE)) {
    const s = JSON.parse(readFileSync(SPLITS_FILE, 'utf8')) as Splits;
    checkSplits(s, ids);
    return s;
  }
  const s = splitByReference(ids, seed, { val: 3, test: 3 });
  mkdirSync(dirname(SPLITS_FILE), { recursive: true });
  const doc = {
    description:
      'IQA splits by reference photo (public/photos/index.json ids): a reference and all its distorted copies are in one split. Made by splitByReference(ids, seed, {val: 3, test: 3}) in src/core/iqa/splits.ts.',
    ...s,
  };
  writeFileSync(SPLITS_FILE, JSON.stringify(doc, null, 2) + '\n');
  return s;
}

/** Cache key: the config, the photo bytes and the pipeline sources. */
export function cacheKey(config: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(config));
  for (const p of readPhotoIndex()) h.update(readFileSync(join(PHOTOS_DIR, p.file)));
  for (const f of ['distort.ts', 'iqa/samples.ts', 'iqa/label.ts', 'iqa/image.ts', 'iqa/data.ts', 'iqa/jpegCodec.ts']) {
    h.update(readFileSync(join(ROOT, 'src/core', f)));
  }
  return h.digest('hex').slice(0, 16);
}

type Meta = Omit<IqaSample, 'image'> & { w: number; h: number };

export function saveSamples(key: string, name: string, samples: readonly IqaSample[]): void {
  mkdirSync(CACHE_DIR, { recursive: true });
  const meta: Meta[] = samples.map(({ image, ...m }) => ({ ...m, w: image.width, h: image.height }));
  const head = Buffer.from(JSON.stringify(meta));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  writeFileSync(join(CACHE_DIR, `${key}-${name}.bin`), Buffer.concat([len, head, ...samples.map((s) => Buffer.from(s.image.data))]));
}

export function loadSamples(key: string, name: string): IqaSample[] | null {
  const file = join(CACHE_DIR, `${key}-${name}.bin`);
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  const n = buf.readUInt32LE(0);
  const meta = JSON.parse(buf.subarray(4, 4 + n).toString()) as Meta[];
  let off = 4 + n;
  return meta.map(({ w, h, ...m }) => {
    const data = new Uint8Array(buf.subarray(off, off + w * h * 3));
    off += w * h * 3;
    return { ...m, image: { width: w, height: h, data } };
  });
}
