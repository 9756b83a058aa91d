import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { buildTinyModel } from '../core/model';
import { startBackend } from './backend';
import { run } from './main';
import { modelFiles } from './modelDir';
import type { Io } from './io';

/** Result of an in-process CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output, relative paths resolved against `cwd`. */
export async function runCli(argv: string[], cwd: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stderrIsTTY: false, cwd };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

/** Deterministic RGBA test pattern: gradients, a bright disc and some texture. */
export function patternRgba(w: number, h: number, seed: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  let s = seed * 2654435761;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const cx = w * (0.3 + 0.4 * rand());
  const cy = h * (0.3 + 0.4 * rand());
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      const disc = (x - cx) ** 2 + (y - cy) ** 2 < (Math.min(w, h) / 5) ** 2;
      const tex = ((x >> 2) + (y >> 2)) % 2 ? 20 : 0;
      out[o] = disc ? 240 : (x * 255) / w;
      out[o + 1] = disc ? 220 : (y * 255) / h + tex;
      out[o + 2] = disc ? 40 : 128 + 60 * Math.sin((x + y * seed) / 5) + rand() * 20;
      out[o + 3] = 255;
    }
  }
  return out;
}

export function pngBytes(w: number, h: number, seed: number): Buffer {
  const png = new PNG({ width: w, height: h });
  png.data.set(patternRgba(w, h, seed));
  return PNG.sync.write(png);
}

export function jpegBytes(w: number, h: number, seed: number): Buffer {
  return jpeg.encode({ data: Buffer.from(patternRgba(w, h, seed)), width: w, height: h }, 90).data;
}

export interface Fixture {
  dir: string;
  modelDir: string;
  photos: string;
  /** A folder with scores.csv for `eval --data`. */
  scored: string;
}

/**
 * A temporary directory with a tiny untrained model (32 px input, built here), a few photos
 * (PNG and JPEG), a scored folder, a file that is not an image and an image that is too small.
 */
export async function makeFixture(): Promise<Fixture> {
  await startBackend();
  const dir = mkdtempSync(join(tmpdir(), 'camsteer-cli-'));
  const model = buildTinyModel(32, 7);
  const files = await modelFiles(model, { camsteer: { targetLayer: 'cam_target', inputSize: 32 } });
  model.dispose();
  const modelDir = join(dir, 'model');
  mkdirSync(modelDir);
  for (const [f, b] of files) writeFileSync(join(modelDir, f), b);
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  // large enough for a training crop (CROP_SIZE) each
  writeFileSync(join(photos, 'a.png'), pngBytes(256, 232, 1));
  writeFileSync(join(photos, 'b.jpg'), jpegBytes(232, 256, 2));
  const scored = join(dir, 'scored');
  mkdirSync(scored);
  const rows = ['file,score'];
  for (let i = 0; i < 4; i++) {
    writeFileSync(join(scored, `s${i}.png`), pngBytes(40 + 4 * i, 40, i + 3));
    rows.push(`s${i}.png,${20 + 20 * i}`);
  }
  writeFileSync(join(scored, 'scores.csv'), rows.join('\n') + '\n');
  writeFileSync(join(dir, 'notes.png'), 'this is not an image\n');
  writeFileSync(join(dir, 'tiny.png'), pngBytes(16, 16, 9));
  const black = new PNG({ width: 40, height: 40 });
  for (let i = 0; i < 40 * 40; i++) black.data[i * 4 + 3] = 255;
  writeFileSync(join(dir, 'black.png'), PNG.sync.write(black));
  mkdirSync(join(dir, 'empty'));
  return { dir, modelDir, photos, scored };
}
