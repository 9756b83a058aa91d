import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEvalSplit, buildTrainSplit, DEFAULT_DATA_CONFIG, type IqaDataConfig } from '../core/iqa/data';
import { jpegJsCodec } from '../core/iqa/jpegCodec';
import { workingImage, type IqaSample, type Reference } from '../core/iqa/samples';
import { checkSplits, type Splits } from '../core/iqa/splits';
import { CliError } from './io';
import { cacheKey, loadSamples, saveSamples } from './sampleCache';
import { STEERING_DATA } from '../core/config';
import type { InputPath } from './outputs';
import { readImage } from './images';
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
  /** Shown in the app (the app's replay and validation photos are these). */
  app?: boolean;
}

function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new CliError(`${what} is missing (${path})`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new CliError(`${what} (${path}) is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The shipped models, named by --model without a path. */
export const SHIPPED_MODELS = ['tiny', 'mobilenetv2'] as const;

/**
 * A --model value: a shipped model's name (public/models/NAME, which must exist) or a path to a
 * model directory, model.json or exported .zip.
 */
export function modelArg(io: { cwd: string }, value: string): { name: string; path: string } {
  if ((SHIPPED_MODELS as readonly string[]).includes(value)) {
    const path = join(MODELS_DIR, value);
    if (!existsSync(join(path, 'model.json'))) {
      throw new CliError(`the shipped ${value} model is missing (${path}/model.json); make it with: camsteer pretrain --model ${value}`);
    }
    return { name: value, path };
  }
  return { name: value, path: resolve(io.cwd, value) };
}

/** The bundled photos' index (public/photos/index.json). */
export function photoIndex(): PhotoEntry[] {
  return readJson<PhotoEntry[]>(join(PHOTOS_DIR, 'index.json'), 'the photo index');
}

/** The fixed split by reference photo (public/data/splits.json). */
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
 * The data settings of the IQA pipeline (src/core/iqa/data.ts): those the model was pretrained
 * with when its metadata records them (camsteer.training.dataConfig, as camsteer pretrain writes),
 * else DEFAULT_DATA_CONFIG.
 */
export function dataConfig(metadata: Record<string, unknown> = {}): IqaDataConfig {
  const recorded = (metadata.camsteer as { training?: { dataConfig?: Partial<IqaDataConfig> } } | undefined)?.training?.dataConfig;
  return { ...DEFAULT_DATA_CONFIG, ...(recorded ?? {}) };
}

type OnProgress = (done: number, total: number) => void;

/**
 * An evaluation split exactly as the IQA pipeline builds it: each reference's whole working
 * image, pristine + every distortion at 5 levels, MS-SSIM labels (buildEvalSplit).
 */
export async function testSplit(
  metadata: Record<string, unknown>,
  onProgress?: OnProgress,
  which: 'train' | 'test' | 'val' = 'test',
  /** Only the first N photos of the split (all when absent). */
  limit?: number | null,
): Promise<IqaSample[]> {
  const splits = loadSplits();
  const ids = splits[which].slice(0, limit ?? splits[which].length);
  const cfg = dataConfig(metadata);
  const files = ids.map((id) => join(PHOTOS_DIR, photoIndex().find((p) => p.id === id)!.file));
  const key = cacheKey({ cfg, which, ids }, files);
  const cached = loadSamples(key, which);
  if (cached) return cached;
  const samples = await buildEvalSplit(loadReferences(ids), { ...splits, [which]: ids }, which, cfg, jpegJsCodec, onProgress);
  saveSamples(key, which, samples);
  return samples;
}

/** Training data for fine-tuning: labelled crops and the working images they were cut from (for masks that follow content). */
export interface TrainingData {
  samples: IqaSample[];
  references: Map<string, RgbImage>;
}

/**
 * Training samples for fine-tuning: labelled crops of the training references' distorted
 * working images (buildTrainSplit, seeded as the pretraining's), `cropsPerImage` per image and
 * `levelsPerType` distorted copies per type (default the pretraining's).
 */
export async function trainSplit(
  metadata: Record<string, unknown>,
  opts: { cropsPerImage: number; levelsPerType?: number; appOnly?: boolean },
  onProgress?: OnProgress,
): Promise<TrainingData> {
  const { appOnly, ...cfg } = opts;
  return trainingData(loadReferences(splitIds('train', appOnly)), { ...dataConfig(metadata), ...cfg }, onProgress);
}

/** A split's reference ids; with `appOnly`, only the photos the app shows (what it replays and validates on). */
export function splitIds(which: keyof Omit<Splits, 'seed'>, appOnly = false): string[] {
  const ids = loadSplits()[which];
  if (!appOnly) return ids;
  const app = new Set(photoIndex().flatMap((p) => (p.app ? [p.id] : [])));
  return ids.filter((id) => app.has(id));
}

/** Labelled crops of the bundled validation photos (those the app shows), as the quality guard measures SRCC on them. */
export async function valCrops(metadata: Record<string, unknown>): Promise<IqaSample[]> {
  const ids = splitIds('val', true);
  const cfg = { ...dataConfig(metadata), ...STEERING_DATA.validation, seed: dataConfig(metadata).seed + 5 };
  return buildTrainSplit(loadReferences(ids), { seed: 0, train: ids, val: [], test: [] }, cfg, jpegJsCodec);
}

/** The same from any references (a folder of the user's photos). */
export async function trainingData(refs: readonly Reference[], cfg: IqaDataConfig, onProgress?: OnProgress): Promise<TrainingData> {
  const samples = await buildTrainSplit(refs, { seed: 0, train: refs.map((r) => r.id), val: [], test: [] }, cfg, jpegJsCodec, onProgress);
  return { samples, references: new Map(refs.map((r) => [r.id, workingImage(r.image, cfg.workingSize)])) };
}
