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

/** How each shipped model is made: its input size, architecture and training schedule. */
export interface Recipe {
  name: 'tiny' | 'mobilenetv2';
  inputSize: number;
  targetLayer: string;
  modelSeed: number;
  train: PretrainConfig;
  /** Store weights as float16 (halves the download). */
  float16: boolean;
  architecture: Record<string, unknown>;
  /** Learning rate the app steers this model at by default (camsteer.fineTune in its metadata). */
  fineTuneLearningRate?: number;
  /** Overrides of DEFAULT_DATA_CONFIG (inputSize is always the recipe's). */
  data?: Partial<IqaDataConfig>;
  build(): Promise<PreparedModel>;
}

/**
 * The default tiny architecture with a non-negative linear score layer: with GAP + a
 * non-negative dense layer GradCAM's channel weights are >= 0, so its map at the target layer
 * is never blank (a hidden ReLU layer in the head, tried first, gives no such guarantee).
 */
const TINY_OPTIONS: TinyModelOptions = { widths: [16, 32, 32], extraConvs: 0, headUnits: 0, nonNegativeScore: true };
/** = LABEL_SIZE: the model sees the labelled pixels (a 2x downscale to 96 px lost too much). */
const TINY_SIZE = 192;

export const TINY: Recipe = {
  name: 'tiny',
  inputSize: TINY_SIZE,
  targetLayer: TARGET_LAYER,
  modelSeed: 7,
  train: { steps: 3000, batchSize: 32, learningRate: 2e-3, warmupSteps: 100, minLrFraction: 0.02, evalEvery: 250, seed: 7 },
  float16: false,
  architecture: { builder: 'buildTinyModel (src/core/model.ts)', options: TINY_OPTIONS },
  async build() {
    return { model: buildTinyModel(TINY_SIZE, this.modelSeed, TINY_OPTIONS), cut: null };
  },
};

const MNV2_SIZE = 192;
/** Frozen up to here (stride 16, 96 channels); its output is computed once and cached. */
const MNV2_CUT = 'block_12_add';
const MNV2_LAST = 'out_relu';

export const MOBILENETV2: Recipe = {
  name: 'mobilenetv2',
  inputSize: MNV2_SIZE,
  targetLayer: MNV2_LAST,
  modelSeed: 7,
  data: { cropsPerRef: 16 },
  train: { steps: 1200, batchSize: 32, learningRate: 5e-4, warmupSteps: 100, minLrFraction: 0.02, evalEvery: 200, seed: 7 },
  float16: true,
  architecture: {
    backbone: `MobileNetV2 alpha 1.0 (Keras weights shipped in nsfwjs@4.4.0, MIT) up to ${MNV2_LAST}, input ${MNV2_SIZE}`,
    frozen: `input .. ${MNV2_CUT} (not trainable)`,
    fineTuned: `after ${MNV2_CUT} .. ${MNV2_LAST} (BatchNorm on moving statistics)`,
    head: 'GAP -> dense 1 with non-negative kernel (score)',
  },
  // camsteer steer, 60 steps, batch 8, toward the corners: SRCC 0.877 at 3e-4, -0.24 at 2e-3 (docs/cli.md)
  fineTuneLearningRate: 3e-4,
  async build() {
    const full = await loadNsfwjsMobilenetV2(MNV2_SIZE, MNV2_LAST);
    const cutIndex = full.layers.findIndex((l) => l.name === MNV2_CUT);
    full.layers.forEach((l, i) => (l.trainable = i > cutIndex));
    const channels = (full.outputs[0].shape as number[])[3];
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(full.outputs[0]) as tf.SymbolicTensor;
    // non-negative linear score on GAP (as the tiny model): GradCAM weights >= 0, never blank
    const score = tf.layers.dense({
      units: 1,
      // minval 0 is read as -0.05 by tfjs (see buildTinyModel); kept so the shipped weights reproduce
      kernelInitializer: tf.initializers.randomUniform({ minval: 0, maxval: 0.2 / channels, seed: this.modelSeed * 101 + 2 }),
      kernelConstraint: tf.constraints.nonNeg(),
      biasInitializer: tf.initializers.zeros(),
      name: 'score',
    });
    const model = tf.model({ inputs: full.inputs, outputs: score.apply(gap) as tf.SymbolicTensor, name: 'camsteer_mobilenetv2' });
    return { model, cut: MNV2_CUT };
  },
};

export const RECIPES = { tiny: TINY, mobilenetv2: MOBILENETV2 } as const;
