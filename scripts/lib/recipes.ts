import * as tf from '@tensorflow/tfjs';
import { TARGET_LAYER } from '../../src/core/config';
import type { IqaData, IqaDataConfig } from '../../src/core/iqa/data';
import { rgbBatchToTensor } from '../../src/core/iqa/image';
import type { IqaSample } from '../../src/core/iqa/samples';
import { imageSet, type PretrainConfig, type QualitySet } from '../../src/core/iqa/train';
import { buildTinyModel, cloneModel, type TinyModelOptions } from '../../src/core/model';
import { applyTail, loadNsfwjsMobilenetV2 } from './mobilenet';
import { Progress } from './progress';

/** What pretrainQuality trains, and how to get the shippable image model afterwards. */
export interface Prepared {
  trainModel: tf.LayersModel;
  train: QualitySet;
  val: QualitySet;
  /** The image-input model to evaluate and ship (may be trainModel itself). */
  finalize(): Promise<tf.LayersModel>;
  /** Frees the training model(s) and whatever prepare made. */
  dispose(): void;
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
  prepare(data: IqaData): Promise<Prepared>;
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
  train: {
    steps: 3000,
    batchSize: 32,
    learningRate: 2e-3,
    warmupSteps: 100,
    minLrFraction: 0.02,
    evalEvery: 250,
    seed: 7,
  },
  float16: false,
  architecture: { builder: 'buildTinyModel (src/core/model.ts)', options: TINY_OPTIONS },
  async prepare(data) {
    const model = buildTinyModel(TINY_SIZE, this.modelSeed, TINY_OPTIONS);
    return {
      trainModel: model,
      train: imageSet(data.train),
      val: imageSet(data.val.filter((s) => s.distortion !== null)),
      finalize: async () => model,
      dispose: () => model.dispose(),
    };
  },
};

const MNV2_SIZE = 192;
/** Frozen up to here (stride 16, 96 channels); its output is computed once and cached. */
const MNV2_CUT = 'block_12_add';
const MNV2_LAST = 'out_relu';

/** Runs the frozen part once over a set and keeps its activations (JS memory, not the backend's). */
async function cachedFeatureSet(frozen: tf.LayersModel, samples: readonly IqaSample[], label: string): Promise<QualitySet> {
  const shape = (frozen.outputs[0].shape as number[]).slice(1);
  const per = shape.reduce((a, b) => a * b, 1);
  const feats = new Float32Array(samples.length * per);
  const bar = new Progress(`features ${label}`, samples.length);
  const B = 16;
  for (let i = 0; i < samples.length; i += B) {
    const chunk = samples.slice(i, i + B);
    const y = tf.tidy(() => frozen.predict(rgbBatchToTensor(chunk.map((s) => s.image))) as tf.Tensor);
    feats.set(await y.data(), i * per);
    y.dispose();
    bar.update(Math.min(samples.length, i + B));
  }
  return {
    scores: Float32Array.from(samples, (s) => s.score),
    batch: (idx) => {
      const out = new Float32Array(idx.length * per);
      idx.forEach((j, b) => out.set(feats.subarray(j * per, (j + 1) * per), b * per));
      return tf.tensor(out, [idx.length, ...shape]);
    },
  };
}

export const MOBILENETV2: Recipe = {
  name: 'mobilenetv2',
  inputSize: MNV2_SIZE,
  targetLayer: MNV2_LAST,
  modelSeed: 7,
  data: { cropsPerRef: 16 },
  train: {
    steps: 1200,
    batchSize: 32,
    learningRate: 5e-4,
    warmupSteps: 100,
    minLrFraction: 0.02,
    evalEvery: 200,
    seed: 7,
    applyTraining: false,
  },
  float16: true,
  architecture: {
    backbone: `MobileNetV2 alpha 1.0 (Keras weights shipped in nsfwjs@4.4.0, MIT) up to ${MNV2_LAST}, input ${MNV2_SIZE}`,
    frozen: `input .. ${MNV2_CUT} (not trainable)`,
    fineTuned: `after ${MNV2_CUT} .. ${MNV2_LAST} (BatchNorm on moving statistics)`,
    head: 'GAP -> dense 1 with non-negative kernel (score)',
  },
  // camsteer steer, 60 steps, batch 8, toward the corners: SRCC 0.877 at 3e-4, -0.24 at 2e-3 (docs/cli.md)
  fineTuneLearningRate: 3e-4,
  async prepare(data) {
    const full = await loadNsfwjsMobilenetV2(MNV2_SIZE, MNV2_LAST);
    const cutIndex = full.layers.findIndex((l) => l.name === MNV2_CUT);
    full.layers.forEach((l, i) => (l.trainable = i > cutIndex));
    const frozen = tf.model({ inputs: full.inputs, outputs: full.getLayer(MNV2_CUT).output as tf.SymbolicTensor });
    const seed = this.modelSeed;
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' });
    const channels = (full.outputs[0].shape as number[])[3];
    // non-negative linear score on GAP (as the tiny model): GradCAM weights >= 0, never blank
    const score = tf.layers.dense({
      units: 1,
      // minval 0 is read as -0.05 by tfjs (see buildTinyModel); kept so the shipped weights reproduce
      kernelInitializer: tf.initializers.randomUniform({ minval: 0, maxval: 0.2 / channels, seed: seed * 101 + 2 }),
      kernelConstraint: tf.constraints.nonNeg(),
      biasInitializer: tf.initializers.zeros(),
      name: 'score',
    });
    const head = (x: tf.SymbolicTensor) => score.apply(gap.apply(x)) as tf.SymbolicTensor;
    const tailIn = tf.input({ shape: (frozen.outputs[0].shape as number[]).slice(1), name: 'features' });
    const tail = tf.model({ inputs: tailIn, outputs: head(applyTail(full, MNV2_CUT, MNV2_LAST, tailIn)), name: 'mnv2_tail' });
    const train = await cachedFeatureSet(frozen, data.train, 'train');
    const val = await cachedFeatureSet(frozen, data.val.filter((s) => s.distortion !== null), 'val');
    return {
      trainModel: tail,
      train,
      val,
      finalize: async () => {
        const joined = tf.model({ inputs: full.inputs, outputs: head(full.outputs[0]), name: 'camsteer_mobilenetv2' });
        // a clean copy: every layer with one inbound node, trainable flags as set above
        return cloneModel(joined);
      },
      // tail shares its layers with full: dispose one model only
      dispose: () => full.dispose(),
    };
  },
};

export function getRecipe(name: string): Recipe {
  if (name === 'tiny') return TINY;
  if (name === 'mobilenetv2') return MOBILENETV2;
  throw new Error(`unknown model "${name}" (choose tiny or mobilenetv2)`);
}
