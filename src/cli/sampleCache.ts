import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IqaSample } from '../core/iqa/samples';
import { ROOT } from './data';

/**
 * An on-disk cache of labelled IQA samples (node_modules/.cache), so a second pretraining run
 * skips the distortion and MS-SSIM work. The key covers the data config, the photos' bytes and
 * the pipeline's sources: any change there makes a new entry.
 */
const cacheDir = () => join(ROOT, 'node_modules/.cache/camsteer-iqa');
const PIPELINE = ['distort.ts', 'iqa/samples.ts', 'iqa/label.ts', 'iqa/image.ts', 'iqa/data.ts', 'iqa/jpegCodec.ts'];

export function cacheKey(config: unknown, photoFiles: readonly string[]): string {
  const h = createHash('sha256').update(JSON.stringify(config));
  for (const f of photoFiles) h.update(readFileSync(f));
  for (const f of PIPELINE) h.update(readFileSync(join(ROOT, 'src/core', f)));
  return h.digest('hex').slice(0, 16);
}

type Meta = Omit<IqaSample, 'image'> & { w: number; h: number };

export function saveSamples(key: string, name: string, samples: readonly IqaSample[]): void {
  mkdirSync(cacheDir(), { recursive: true });
  const meta: Meta[] = samples.map(({ image, ...m }) => ({ ...m, w: image.width, h: image.height }));
  const head = Buffer.from(JSON.stringify(meta));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  writeFileSync(join(cacheDir(), `${key}-${name}.bin`), Buffer.concat([len, head, ...samples.map((s) => Buffer.from(s.image.data))]));
}

export function loadSamples(key: string, name: string): IqaSample[] | null {
  const file = join(cacheDir(), `${key}-${name}.bin`);
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
