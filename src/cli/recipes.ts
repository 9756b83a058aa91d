import * as tf from '@tensorflow/tfjs';
import { TARGET_LAYER } from '../core/config';
import type { IqaDataConfig } from '../core/iqa/data';
import type { PretrainConfig } from '../core/iqa/train';
import { buildTinyModel, type TinyModelOptions } from '../core/model';
import { loadNsfwjsMobilenetV2 } from './mobilenetSource';

/** A model ready for pretraining: trained whole, or after a frozen prefix (`cut`). */
export interface PreparedModel {
  model: tf.LayersModel;
  /** The last layer of the frozen prefix (its activations are computed once), or null. */
  cut: string | null;
}

/**
 * How each shipped model is made: its architecture and training schedule. Both are fully
 * convolutional (any input size; judged at the data's working size) with a global average pool
 * and a non-negative sigmoid score: GradCAM's channel weights are >= 0 at the target layer, so
 * its map is never blank, and scores are bounded to 0–100 by construction.
 */
export interface Recipe {
  name: 'tiny' | 'mobilenetv2';
  targetLayer: string;
  modelSeed: number;
  train: PretrainConfig;
  /** Store weights as float16 (halves the download). */
  float16: boolean;
  architecture: Record<string, unknown>;
  /** Learning rate the app and camsteer steer this model at by default (camsteer.fineTune in its metadata). */
  fineTuneLearningRate?: number;
  /** Overrides of DEFAULT_DATA_CONFIG. */
  data?: Partial<IqaDataConfig>;
  build(): Promise<PreparedModel>;
}

/** Two stride-2 convolutions and the target conv: 49 M multiply-adds per 224 px crop, a 15 px receptive field. */
const TINY_OPTIONS: TinyModelOptions = { widths: [16, 32, 32], extraConvs: 0, headUnits: 0, nonNegativeScore: true, sigmoidScore: true };

export const TINY: Recipe = {
  name: 'tiny',
  targetLayer: TARGET_LAYER,
  modelSeed: 7,
  train: { steps: 2000, batchSize: 32, learningRate: 2e-3, warmupSteps: 100, minLrFraction: 0.02, evalEvery: 500, seed: 7 },
  float16: false,
  architecture: { builder: 'buildTinyModel (src/core/model.ts)', input: 'any size (fully convolutional)', options: TINY_OPTIONS },
  async build() {
    return { model: buildTinyModel(null, this.modelSeed, TINY_OPTIONS), cut: null };
  },
};

/** Frozen up to here (stride 16, 96 channels); its output is computed once per training crop. */
const MNV2_CUT = 'block_12_add';
const MNV2_LAST = 'out_relu';

export const MOBILENETV2: Recipe = {
  name: 'mobilenetv2',
  targetLayer: MNV2_LAST,
  modelSeed: 7,
  train: { steps: 1500, batchSize: 32, learningRate: 5e-4, warmupSteps: 100, minLrFraction: 0.02, evalEvery: 300, seed: 7 },
  float16: true,
  architecture: {
    backbone: `MobileNetV2 alpha 1.0 (Keras weights shipped in nsfwjs@4.4.0, MIT) up to ${MNV2_LAST}, any input size`,
    frozen: `input .. ${MNV2_CUT} (not trainable)`,
    fineTuned: `after ${MNV2_CUT} .. ${MNV2_LAST} (BatchNorm on moving statistics)`,
    head: 'GAP -> dense 1 with non-negative kernel and a sigmoid (score / 100)',
  },
  fineTuneLearningRate: 3e-4,
  async build() {
    const full = await loadNsfwjsMobilenetV2(null, MNV2_LAST);
    const cutIndex = full.layers.findIndex((l) => l.name === MNV2_CUT);
    full.layers.forEach((l, i) => (l.trainable = i > cutIndex));
    const channels = (full.outputs[0].shape as number[])[3];
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(full.outputs[0]) as tf.SymbolicTensor;
    const score = tf.layers.dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.randomUniform({ minval: 1e-6, maxval: 0.2 / channels, seed: this.modelSeed * 101 + 2 }),
      kernelConstraint: tf.constraints.nonNeg(),
      biasInitializer: tf.initializers.zeros(),
      name: 'score',
    });
    const model = tf.model({ inputs: full.inputs, outputs: score.apply(gap) as tf.SymbolicTensor, name: 'camsteer_mobilenetv2' });
    return { model, cut: MNV2_CUT };
  },
};

export const RECIPES = { tiny: TINY, mobilenetv2: MOBILENETV2 } as const;
