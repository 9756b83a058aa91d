import * as tf from '@tensorflow/tfjs';
import { TARGET_LAYER } from './config';

/**
 * The tiny quality model: three conv layers and a GAP + dense head.
 * Input [B, S, S, 3] in [0, 1]; output [B, 1] = quality / SCORE_SCALE.
 * The last conv layer is named TARGET_LAYER so CAM code can find it; its grid is S/4 x S/4.
 */
export function buildTinyModel(inputSize: number, seed: number): tf.LayersModel {
  const init = (i: number) => tf.initializers.heNormal({ seed: seed * 101 + i });
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  let x = tf.layers
    .conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv1' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv2' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 32, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', kernelInitializer: init(3), name: TARGET_LAYER })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 101 + 4 }),
      biasInitializer: tf.initializers.constant({ value: 0.5 }),
      name: 'score',
    })
    .apply(x) as tf.SymbolicTensor;
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
