import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEvalSplit, DEFAULT_DATA_CONFIG, type IqaDataConfig } from '../core/iqa/data';
import { jpegJsCodec } from '../core/iqa/jpegCodec';
import { buildAugmentedSet, buildFixedSet, type IqaSample, type Reference } from '../core/iqa/samples';
import { checkSplits, type Splits } from '../core/iqa/splits';
import { MAX_CSV_BYTES } from '../core/limits';
import { confineTo, readRegularFile, statOr } from './files';
import { CliError } from './io';
import type { InputPath } from './outputs';
import { readImage, prepareInput, type Fit } from './images';
import type { RgbImage } from '../core/iqa/image';

/** The repository (or installed package) root: photos, splits and shipped models live under it. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PHOTOS_DIR = join(ROOT, 'public/photos');
export const SPLITS_FILE = join(ROOT, 'public/data/splits.json');
export const MODELS_DIR = join(ROOT, 'public/models');
/** The bundled photos and splits, inputs of the commands that train or evaluate on them (outputs.checkNotInput). */
export const BUNDLED_INPUTS: readonly InputPath[] = [
  { label: 'bundled photos', path: PHOTOS_DIR },
  { label: 'bundled splits', path: SPLITS_FILE },
];

interface PhotoEntry {
  id: string;
  file: string;
}

function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new CliError(`${what} is missing (${path})`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new CliError(`${what} (${path}) is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The bundled photos' index (public/photos/index.json). */
export function photoIndex(): PhotoEntry[] {
  return readJson<PhotoEntry[]>(join(PHOTOS_DIR, 'index.json'), 'the photo index');
}

/** The fixed split by reference photo (public/data/splits.json, written by the pretraining script). */
export function loadSplits(): Splits {
  const s = readJson<Splits>(SPLITS_FILE, 'the IQA split file');
  try {
    checkSplits(s, photoIndex().map((p) => p.id));
  } catch (e) {
    throw new CliError(`${SPLITS_FILE}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return s;
}

/** Decoded reference photos with these ids, in this order. */
export function loadReferences(ids: readonly string[]): Reference[] {
  const index = new Map(photoIndex().map((p) => [p.id, p]));
  return ids.map((id) => {
    const p = index.get(id);
    if (!p) throw new CliError(`reference "${id}" is not in ${join(PHOTOS_DIR, 'index.json')}`);
    return { id, image: readImage(join(PHOTOS_DIR, p.file)) };
  });
}

/**
 * The data settings of the IQA pipeline (src/core/iqa/data.ts) at a model's input size: those
 * the model was pretrained with when its metadata records them (camsteer.training.dataConfig,
 * as scripts/pretrain.ts writes), else DEFAULT_DATA_CONFIG.
 */
export function dataConfig(inputSize: number, metadata: Record<string, unknown> = {}): IqaDataConfig {
  const recorded = (metadata.camsteer as { training?: { dataConfig?: Partial<IqaDataConfig> } } | undefined)?.training?.dataConfig;
  return { ...DEFAULT_DATA_CONFIG, ...(recorded ?? {}), inputSize };
}

type OnProgress = (done: number, total: number) => void;

/**
 * The test split exactly as the IQA pipeline builds it for evaluation: each test reference's
 * centred square, pristine + 3 distortions x 5 levels, MS-SSIM labels (buildEvalSplit).
 */
export async function testSplit(inputSize: number, metadata: Record<string, unknown>, onProgress?: OnProgress): Promise<IqaSample[]> {
  const splits = loadSplits();
  return buildEvalSplit(loadReferences(splits.test), splits, 'test', dataConfig(inputSize, metadata), jpegJsCodec, onProgress);
}

/**
 * Training samples for fine-tuning: the training references' fixed set (seeded as the
 * pretraining's, buildIqaData), plus `cropsPerRef` random crops per reference when > 0.
 */
export async function trainSplit(inputSize: number, metadata: Record<string, unknown>, cropsPerRef: number, onProgress?: OnProgress): Promise<IqaSample[]> {
  const splits = loadSplits();
  const refs = loadReferences(splits.train);
  const cfg = dataConfig(inputSize, metadata);
  const common = { inputSize, labelSize: cfg.labelSize, jpeg: jpegJsCodec };
  const perFixed = 16;
  const total = refs.length * perFixed + (cropsPerRef > 0 ? refs.length * cropsPerRef * (1 + 3 * cfg.levelsPerType) : 0);
  const fixed = await buildFixedSet(refs, { ...common, seed: cfg.seed + 1, onProgress: (d) => onProgress?.(d, total) });
  if (cropsPerRef <= 0) return fixed;
  const aug = await buildAugmentedSet(refs, {
    ...common,
    seed: cfg.seed + 2,
    cropsPerRef,
    levelsPerType: cfg.levelsPerType,
    minCropFraction: cfg.minCropFraction,
    onProgress: (d) => onProgress?.(fixed.length + d, total),
  });
  return [...fixed, ...aug];
}

/** One image of a user's folder and its reference score (0–100). */
export interface ScoredImage {
  path: string;
  file: string;
  score: number;
  image: RgbImage;
}

/**
 * A folder of images with `scores.csv` (`file,score` per line; a header line, blank lines and
 * lines starting with # are skipped), each image prepared to the model's input.
 */
export function scoredFolder(dir: string, inputSize: number, fit: Fit): ScoredImage[] {
  const csv = join(dir, 'scores.csv');
  const st = statOr(dir, (d) => new CliError(`--data ${dir}: ${d === 'no such file or directory' ? 'no such directory' : d}`));
  if (!st.isDirectory()) throw new CliError(`--data ${dir}: not a directory`);
  if (!existsSync(csv)) throw new CliError(`--data ${dir}: no scores.csv in it (one "file,score" line per image)`);
  const out: ScoredImage[] = [];
  readRegularFile(csv, { maxBytes: MAX_CSV_BYTES, what: 'a scores.csv', fail: (d) => new CliError(`${csv}: ${d}`) })
    .toString('utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      const comma = t.lastIndexOf(',');
      const file = (comma < 0 ? t : t.slice(0, comma)).trim().replace(/^"(.*)"$/, '$1');
      const raw = comma < 0 ? '' : t.slice(comma + 1).trim();
      const score = Number(raw);
      if (raw === '' || !Number.isFinite(score)) {
        if (i === 0 && out.length === 0) return; // header
        throw new CliError(`${csv}:${i + 1}: expected "file,score", got "${t}"`);
      }
      const c = confineTo(dir, file);
      if (!c.ok && !c.missing) throw new CliError(`${csv}:${i + 1}: the image "${file}" is refused: ${c.why}; scores.csv may only name files inside its folder`);
      const path = join(dir, file);
      out.push({ path, file, score, image: prepareInput(readImage(c.ok ? c.path : path), inputSize, fit) });
    });
  if (out.length < 3) throw new CliError(`${csv}: at least 3 scored images are needed for rank correlations (found ${out.length})`);
  return out;
}
