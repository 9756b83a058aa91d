import type { JpegCodec } from '../distort';
import { buildAugmentedSet, buildFixedSet, CROP_SIZE, WORKING_SIZE, type IqaSample, type Reference } from './samples';
import type { Splits } from './splits';

/** Everything that determines the train / val / test samples of a pretraining run (samples.ts). */
export interface IqaDataConfig {
  /** Long side an image is judged at. */
  workingSize: number;
  /** Side of the training crops. */
  cropSize: number;
  /** Seed of the distortions and crops (the split has its own, in `splits`). */
  seed: number;
  /** Crops per distorted (and per pristine) training image. */
  cropsPerImage: number;
  /** Distorted copies per type and training reference, at stratified random levels. */
  levelsPerType: number;
}

export const DEFAULT_DATA_CONFIG: IqaDataConfig = {
  workingSize: WORKING_SIZE,
  cropSize: CROP_SIZE,
  seed: 7,
  cropsPerImage: 3,
  levelsPerType: 5,
};

export interface IqaData {
  /** Labelled crops of the training references' distorted working images. */
  train: IqaSample[];
  /** Whole working images of the validation references, pristine + every type x 5 levels. */
  val: IqaSample[];
  /** The same for the test references. */
  test: IqaSample[];
}

function pick(refs: readonly Reference[], ids: readonly string[]): Reference[] {
  return ids.map((id) => {
    const r = refs.find((x) => x.id === id);
    if (!r) throw new Error(`IQA data: reference "${id}" of the splits is not among the photos`);
    return r;
  });
}

/**
 * The fixed set of one split: whole working images, pristine + every type at 5 levels (what eval
 * and pretrain measure on; the experiment also trains on the training split's).
 */
export function buildEvalSplit(
  refs: readonly Reference[],
  splits: Splits,
  which: 'train' | 'val' | 'test',
  cfg: IqaDataConfig,
  jpeg: JpegCodec,
  onProgress?: (done: number, total: number) => void,
): Promise<IqaSample[]> {
  const seed = cfg.seed + (which === 'train' ? 1 : which === 'val' ? 3 : 4);
  return buildFixedSet(pick(refs, splits[which]), { workingSize: cfg.workingSize, jpeg, seed, onProgress });
}

/** The training crops of the training references. */
export function buildTrainSplit(
  refs: readonly Reference[],
  splits: Splits,
  cfg: IqaDataConfig,
  jpeg: JpegCodec,
  onProgress?: (done: number, total: number) => void,
): Promise<IqaSample[]> {
  return buildAugmentedSet(pick(refs, splits.train), {
    workingSize: cfg.workingSize,
    cropSize: cfg.cropSize,
    jpeg,
    seed: cfg.seed + 2,
    cropsPerImage: cfg.cropsPerImage,
    levelsPerType: cfg.levelsPerType,
    onProgress,
  });
}

export async function buildIqaData(
  refs: readonly Reference[],
  splits: Splits,
  cfg: IqaDataConfig,
  jpeg: JpegCodec,
  onProgress?: (part: string, done: number, total: number) => void,
): Promise<IqaData> {
  const train = await buildTrainSplit(refs, splits, cfg, jpeg, (d, t) => onProgress?.('train', d, t));
  const val = await buildEvalSplit(refs, splits, 'val', cfg, jpeg, (d, t) => onProgress?.('val', d, t));
  const test = await buildEvalSplit(refs, splits, 'test', cfg, jpeg, (d, t) => onProgress?.('test', d, t));
  return { train, val, test };
}
