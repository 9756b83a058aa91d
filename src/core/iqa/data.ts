import type { JpegCodec } from '../distort';
import { buildAugmentedSet, buildFixedSet, LABEL_SIZE, type IqaSample, type Reference } from './samples';
import type { Splits } from './splits';

/** Everything that determines the train / val / test samples of a pretraining run. */
export interface IqaDataConfig {
  inputSize: number;
  labelSize: number;
  /** Seed of the distortions and crops (the split has its own, in `splits`). */
  seed: number;
  /** Random crops per training reference (on top of its centred square). */
  cropsPerRef: number;
  levelsPerType: number;
  minCropFraction: number;
}

export const DEFAULT_DATA_CONFIG: Omit<IqaDataConfig, 'inputSize'> = {
  labelSize: LABEL_SIZE,
  seed: 7,
  cropsPerRef: 32,
  levelsPerType: 5,
  minCropFraction: 0.5,
};

export interface IqaData {
  /** Fixed set of the training references + their augmented crops. */
  train: IqaSample[];
  /** Fixed set (centred square, pristine + 3 x 5 levels) of the validation references. */
  val: IqaSample[];
  /** Fixed set of the test references. */
  test: IqaSample[];
}

function pick(refs: readonly Reference[], ids: readonly string[]): Reference[] {
  return ids.map((id) => {
    const r = refs.find((x) => x.id === id);
    if (!r) throw new Error(`IQA data: reference "${id}" of the splits is not among the photos`);
    return r;
  });
}

/** The fixed evaluation set of one split (what eval and pretrain both measure on). */
export function buildEvalSplit(
  refs: readonly Reference[],
  splits: Splits,
  which: 'val' | 'test',
  cfg: IqaDataConfig,
  jpeg: JpegCodec,
  onProgress?: (done: number, total: number) => void,
): Promise<IqaSample[]> {
  const seed = cfg.seed + (which === 'val' ? 3 : 4);
  return buildFixedSet(pick(refs, splits[which]), { inputSize: cfg.inputSize, labelSize: cfg.labelSize, jpeg, seed, onProgress });
}

export async function buildIqaData(
  refs: readonly Reference[],
  splits: Splits,
  cfg: IqaDataConfig,
  jpeg: JpegCodec,
  onProgress?: (part: string, done: number, total: number) => void,
): Promise<IqaData> {
  const trainRefs = pick(refs, splits.train);
  const common = { inputSize: cfg.inputSize, labelSize: cfg.labelSize, jpeg };
  const fixed = await buildFixedSet(trainRefs, { ...common, seed: cfg.seed + 1, onProgress: (d, t) => onProgress?.('train-fixed', d, t) });
  const aug = await buildAugmentedSet(trainRefs, {
    ...common,
    seed: cfg.seed + 2,
    cropsPerRef: cfg.cropsPerRef,
    levelsPerType: cfg.levelsPerType,
    minCropFraction: cfg.minCropFraction,
    onProgress: (d, t) => onProgress?.('train-crops', d, t),
  });
  const val = await buildEvalSplit(refs, splits, 'val', cfg, jpeg, (d, t) => onProgress?.('val', d, t));
  const test = await buildEvalSplit(refs, splits, 'test', cfg, jpeg, (d, t) => onProgress?.('test', d, t));
  return { train: [...fixed, ...aug], val, test };
}
