import type * as tf from '@tensorflow/tfjs';
import type { StoredArtifacts } from '../core/artifacts';
import { camLayerNames } from '../core/model';
import { ModelImportError } from '../core/modelZip';
import { gridFor, gridOf } from '../core/graph';
import { WORKING_SIZE } from '../core/iqa/samples';

/**
 * What CamSteer needs to know about a LayersModel to explain and steer it: an RGB input (square, or any size),
 * a scalar score or class scores (unit 0 explained until the user picks another), and a target layer with a spatial output (from the metadata when it names
 * one, else the last such layer). Throws ModelImportError when the model does not fit.
 */
export function describeModel(
  model: tf.LayersModel,
  a: StoredArtifacts,
): ModelDescription {
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  const square = !!inShape[1] && inShape[1] === inShape[2];
  const anySize = inShape[1] === null && inShape[2] === null;
  if (inShape.length !== 4 || inShape[3] !== 3 || !(square || anySize)) {
    throw new ModelImportError(`its input is ${JSON.stringify(inShape)}; an RGB image input, square [null, S, S, 3] or of any size [null, null, null, 3], is needed.`);
  }
  if (outShape.length !== 2 || !outShape[1]) throw new ModelImportError(`its output is ${JSON.stringify(outShape)}; a score [null, 1] or class scores [null, C] are needed.`);
  const layers = camLayerNames(model);
  const meta = a.userDefinedMetadata ?? {};
  const declared = (meta.camsteer as { layerName?: string } | undefined)?.layerName ?? (meta.targetLayer as string | undefined);
  const layerName = declared && layers.includes(declared) ? declared : layers[layers.length - 1];
  if (!layerName) throw new ModelImportError('it has no layer with a spatial [h, w, channels] output to explain.');
  const lr = (meta.camsteer as { fineTune?: { learningRate?: unknown } } | undefined)?.fineTune?.learningRate;
  const learningRate = typeof lr === 'number' && lr > 0 && lr < 1 ? lr : undefined;
  const common = { layerName, camLayers: layers, outputs: outShape[1], outputIndex: 0, ...(learningRate ? { learningRate } : {}) };
  if (square) return { inputSize: inShape[1]!, grid: gridOf(model, layerName), ...common };
  const ws = (meta.camsteer as { protocol?: { workingSize?: unknown } } | undefined)?.protocol?.workingSize;
  const workingSize = typeof ws === 'number' && ws >= 64 && ws <= 2048 ? ws : WORKING_SIZE;
  return { inputSize: null, workingSize, stride: strideOf(model, layerName), ...common };
}

export interface ModelDescription {
  inputSize: number | null;
  workingSize?: number;
  layerName: string;
  grid?: { h: number; w: number };
  stride?: number;
  camLayers: string[];
  outputs: number;
  outputIndex: number;
  learningRate?: number;
}

/** Input pixels per grid cell of a fully convolutional model's layer (probed on a 256 px image). */
export function strideOf(model: tf.LayersModel, layerName: string): number {
  return 256 / gridFor(model, layerName, 256, 256).w;
}
