import type * as tf from '@tensorflow/tfjs';
import type { StoredArtifacts } from '../core/artifacts';
import { camLayerNames } from '../core/model';
import { ModelImportError } from '../core/modelZip';
import { gridOf } from '../core/graph';

/**
 * What CamSteer needs to know about a LayersModel to explain and steer it: a square RGB input,
 * a scalar score or class scores (unit 0 explained until the user picks another), and a target layer with a spatial output (from the metadata when it names
 * one, else the last such layer). Throws ModelImportError when the model does not fit.
 */
export function describeModel(
  model: tf.LayersModel,
  a: StoredArtifacts,
): { inputSize: number; layerName: string; grid: { h: number; w: number }; camLayers: string[]; outputs: number; outputIndex: number; learningRate?: number } {
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  if (inShape.length !== 4 || inShape[3] !== 3 || !inShape[1] || inShape[1] !== inShape[2]) {
    throw new ModelImportError(`its input is ${JSON.stringify(inShape)}; a square RGB image input [null, S, S, 3] is needed.`);
  }
  if (outShape.length !== 2 || !outShape[1]) throw new ModelImportError(`its output is ${JSON.stringify(outShape)}; a score [null, 1] or class scores [null, C] are needed.`);
  const layers = camLayerNames(model);
  const meta = a.userDefinedMetadata ?? {};
  const declared = (meta.camsteer as { layerName?: string } | undefined)?.layerName ?? (meta.targetLayer as string | undefined);
  const layerName = declared && layers.includes(declared) ? declared : layers[layers.length - 1];
  if (!layerName) throw new ModelImportError('it has no layer with a spatial [h, w, channels] output to explain.');
  const lr = (meta.camsteer as { fineTune?: { learningRate?: unknown } } | undefined)?.fineTune?.learningRate;
  const learningRate = typeof lr === 'number' && lr > 0 && lr < 1 ? lr : undefined;
  return { inputSize: inShape[1], layerName, grid: gridOf(model, layerName), camLayers: layers, outputs: outShape[1], outputIndex: 0, ...(learningRate ? { learningRate } : {}) };
}
