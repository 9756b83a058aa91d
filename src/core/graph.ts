import * as tf from '@tensorflow/tfjs';

/**
 * Layer-by-layer eager execution of a functional LayersModel, so the activations of any
 * layer can be read and the downstream part ("head") re-run on a substituted activation.
 * Supports DAGs (skip connections) where each layer is called once in the model.
 */

type Values = Map<string, tf.Tensor[]>;

export class UnknownLayerError extends Error {
  constructor(name: string, available: string[]) {
    super(`Layer "${name}" is not in the model. Layers with a spatial output: ${available.join(', ')}`);
    this.name = 'UnknownLayerError';
  }
}

function inboundOf(layer: tf.layers.Layer): { name: string; index: number }[] {
  const node = layer.inboundNodes[0];
  return node.inboundLayers.map((l, i) => ({ name: l.name, index: node.tensorIndices[i] }));
}

function runLayers(model: tf.LayersModel, values: Values, from: number, training: boolean): void {
  const layers = model.layers;
  for (let i = from; i < layers.length; i++) {
    const layer = layers[i];
    if (layer.getClassName() === 'InputLayer') continue;
    const ins = inboundOf(layer).map(({ name, index }) => {
      const v = values.get(name);
      if (!v) throw new Error(`graph: missing input "${name}" of layer "${layer.name}"`);
      return v[index];
    });
    const out = layer.apply(ins.length === 1 ? ins[0] : ins, { training }) as tf.Tensor | tf.Tensor[];
    values.set(layer.name, Array.isArray(out) ? out : [out]);
  }
}

/** A model split at a target layer: forward gives A and q; head maps a substituted A to q. */
export interface SplitModel {
  layerName: string;
  /**
   * @param x input [B, H, W, C]
   * @returns A: activations of the target layer [B, h, w, K]; q: scores [B]; head: q as a
   *   function of A with every other input of the downstream layers fixed to this forward's values.
   */
  forward(x: tf.Tensor4D): { A: tf.Tensor4D; q: tf.Tensor1D; head: (A: tf.Tensor4D) => tf.Tensor1D };
}

/**
 * @param outputIndex which unit of the model's output is the score (for a classifier's [B, C]
 *   output: the class whose logit or probability is explained); 0 for a scalar output.
 */
export function splitModel(model: tf.LayersModel, layerName: string, outputIndex = 0): SplitModel {
  const index = model.layers.findIndex((l) => l.name === layerName);
  if (index < 0) {
    throw new UnknownLayerError(
      layerName,
      model.layers.filter((l) => l.outputShape.length === 4).map((l) => l.name),
    );
  }
  const inputName = model.inputLayers[0].name;
  const outputName = model.outputLayers[0].name;
  const toScore = (values: Values) => {
    const out = values.get(outputName)![0];
    const unit = out.shape.length === 2 && out.shape[1]! > 1 ? out.slice([0, outputIndex], [-1, 1]) : out;
    return unit.reshape([out.shape[0]]) as tf.Tensor1D;
  };
  return {
    layerName,
    forward(x) {
      const values: Values = new Map([[inputName, [x]]]);
      runLayers(model, values, 0, false);
      const A = values.get(layerName)![0] as tf.Tensor4D;
      const q = toScore(values);
      const head = (a: tf.Tensor4D) => {
        const v: Values = new Map(values);
        v.set(layerName, [a]);
        runLayers(model, v, index + 1, false);
        return toScore(v);
      };
      return { A, q, head };
    },
  };
}
