import * as tf from '@tensorflow/tfjs';
import { TARGET_LAYER } from './config';

/** Options of the tiny model; the defaults give the original 3-conv model. */
export interface TinyModelOptions {
  /** Filters of conv1 (stride 2), conv2 (stride 2) and the target conv (stride 1). Default [16, 32, 32]. */
  widths?: readonly [number, number, number];
  /**
   * Constrain the score layer's weights to be >= 0 (Keras nonNeg; the Trainer projects after
   * each step). With a GAP head, alpha_k = w_k / (h w) >= 0, so GradCAM at the target layer
   * cannot go blank — quality models otherwise learn distortion detectors with negative
   * weights, and GradCAM, which keeps only positive evidence, shows nothing. Default false.
   */
  nonNegativeScore?: boolean;
}

/**
 * The tiny quality model: three conv layers and a GAP + dense head.
 * Input [B, S, S, 3] in [0, 1] (S null: any size, fully convolutional); output [B, 1] =
 * quality / SCORE_SCALE. The last conv layer is named TARGET_LAYER so CAM code can find it; its
 * grid is a quarter of the input's sides. `opts` widens it or makes its score non-negative
 * (same input, output, target layer and grid).
 */
export function buildTinyModel(inputSize: number | null, seed: number, opts: TinyModelOptions = {}): tf.LayersModel {
  const [w1, w2, w3] = opts.widths ?? [16, 32, 32];
  const init = (i: number) => tf.initializers.heNormal({ seed: seed * 101 + i });
  const conv = (x: tf.SymbolicTensor, filters: number, strides: number, name: string, i: number) =>
    tf.layers
      .conv2d({ filters, kernelSize: 3, strides, padding: 'same', activation: 'relu', kernelInitializer: init(i), name })
      .apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  const x = conv(conv(conv(input, w1, 2, 'conv1', 1), w2, 2, 'conv2', 2), w3, 1, TARGET_LAYER, 3);
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: 1,
      // tfjs reads minval 0 as its default -0.05 (falsy): most non-negative weights start negative
      // and the first projection zeroes them; the linear in-app baseline keeps that start.
      kernelInitializer: opts.nonNegativeScore ? tf.initializers.randomUniform({ minval: 0, maxval: 0.2 / w3, seed: seed * 101 + 4 }) : tf.initializers.glorotUniform({ seed: seed * 101 + 4 }),
      kernelConstraint: opts.nonNegativeScore ? tf.constraints.nonNeg() : undefined,
      // Non-negative score: start below every label so the first steps push the weights up.
      // Started at 0.5 (above most labels), Adam clipped 30 of 32 weights to 0 within 10 steps
      // and the predictions went constant (scratch run on the bundled photos, 32 px).
      biasInitializer: tf.initializers.constant({ value: opts.nonNegativeScore ? 0 : 0.5 }),
      name: 'score',
    })
    .apply(gap) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'camsteer_tiny' });
}

/** Names of the conv-like layers with 4-D output a CAM can target, in graph order. */
export function camLayerNames(model: tf.LayersModel): string[] {
  return model.layers
    .filter((l) => {
      const shape = l.outputShape;
      return !Array.isArray(shape[0]) && shape.length === 4 && l.getClassName() !== 'InputLayer';
    })
    .map((l) => l.name);
}

/** Deep copy of a LayersModel (architecture and weights) through an in-memory save. */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new Error('cloneModel: nothing was saved');
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
