import * as tf from '@tensorflow/tfjs';
import { SCORE_SCALE } from './config';

/**
 * Layer-by-layer eager execution of a functional LayersModel, so the activations of any
 * layer can be read and the downstream part ("head") re-run on a substituted activation.
 * Supports DAGs (skip connections) where each layer is called once in the model. A model can
 * also be cut after a frozen prefix: the split then takes the cut layer's activations as its
 * input, so a training loop runs the prefix once per image and only the rest in every step.
 */

type Values = Map<string, tf.Tensor[]>;

export class UnknownLayerError extends Error {
  constructor(name: string, available: string[]) {
    super(`Layer "${name}" is not in the model. Layers with a spatial output: ${available.join(', ')}`);
    this.name = 'UnknownLayerError';
  }
}

/** A cut that cannot be made: unknown layer, at or after the CAM layer, or crossed by a skip connection. */
export class CutError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'CutError';
  }
}

function inboundOf(layer: tf.layers.Layer): { name: string; index: number }[] {
  const node = layer.inboundNodes[0];
  return node.inboundLayers.map((l, i) => ({ name: l.name, index: node.tensorIndices[i] }));
}

/** Runs layers [from, to] (inference mode), reading their inputs from `values`. */
function runLayers(model: tf.LayersModel, values: Values, from: number, to = model.layers.length - 1): void {
  const layers = model.layers;
  for (let i = from; i <= to; i++) {
    const layer = layers[i];
    if (layer.getClassName() === 'InputLayer') continue;
    const ins = inboundOf(layer).map(({ name, index }) => {
      const v = values.get(name);
      if (!v) throw new Error(`graph: missing input "${name}" of layer "${layer.name}"`);
      return v[index];
    });
    const out = layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor | tf.Tensor[];
    values.set(layer.name, Array.isArray(out) ? out : [out]);
  }
}

/**
 * The score unit of a model output: [B] from [B] or [B, 1], or unit `outputIndex` of a
 * classifier's [B, C] (the class whose logit or probability is explained).
 */
export function scoreUnit(out: tf.Tensor, outputIndex = 0): tf.Tensor1D {
  const unit = out.shape.length === 2 && out.shape[1]! > 1 ? out.slice([0, outputIndex], [-1, 1]) : out;
  return unit.reshape([out.shape[0]]) as tf.Tensor1D;
}

/** A model split at a target layer: forward gives A and q; head maps a substituted A to q. */
export interface SplitModel {
  layerName: string;
  /**
   * @param x input [B, H, W, C] (for a cut model: the cut layer's activations)
   * @returns A: activations of the target layer [B, h, w, K]; q: scores [B]; head: q as a
   *   function of A with every other input of the downstream layers fixed to this forward's values.
   */
  forward(x: tf.Tensor4D): { A: tf.Tensor4D; q: tf.Tensor1D; head: (A: tf.Tensor4D) => tf.Tensor1D };
}

function layerIndex(model: tf.LayersModel, layerName: string): number {
  const index = model.layers.findIndex((l) => l.name === layerName);
  if (index < 0) throw new UnknownLayerError(layerName, model.layers.filter((l) => l.outputShape.length === 4).map((l) => l.name));
  return index;
}

/** True when no layer after `index` reads the output of a layer before it (so the model can be cut there). */
export function isCut(model: tf.LayersModel, index: number): boolean {
  const pos = new Map(model.layers.map((l, i) => [l.name, i]));
  return model.layers.slice(index + 1).every((l) => inboundOf(l).every(({ name }) => (pos.get(name) ?? -1) >= index));
}

/**
 * The last layer of the model's frozen prefix where it can be cut, before `layerName`: every
 * layer up to it with weights is non-trainable. Null when the prefix holds no weights.
 */
export function frozenCut(model: tf.LayersModel, layerName: string): string | null {
  const target = model.layers.findIndex((l) => l.name === layerName);
  const firstTrainable = model.layers.findIndex((l) => l.trainable && l.trainableWeights.length > 0);
  const end = Math.min(target - 1, firstTrainable < 0 ? target - 1 : firstTrainable - 1);
  for (let i = end; i >= 1; i--) {
    if (!isCut(model, i)) continue;
    const hasWeights = model.layers.slice(0, i + 1).some((l) => l.weights.length > 0);
    return hasWeights ? model.layers[i].name : null;
  }
  return null;
}

/** Checks that `cut` can start a split at `layerName`; returns its layer index. */
function cutIndexOf(model: tf.LayersModel, cut: string, layerName: string): number {
  const cutIndex = model.layers.findIndex((l) => l.name === cut);
  if (cutIndex < 0) throw new CutError(`--freeze-until ${cut}: no such layer`);
  if (cutIndex >= layerIndex(model, layerName)) throw new CutError(`--freeze-until ${cut}: the frozen part must end before the CAM layer ${layerName}`);
  if (!isCut(model, cutIndex)) throw new CutError(`--freeze-until ${cut}: later layers read activations from before it (a skip connection crosses it)`);
  return cutIndex;
}

/**
 * @param outputIndex which unit of the model's output is the score (scoreUnit).
 * @param cut when set, the split's input is this layer's activations (prefixActivations) and
 *   only the layers after it run; it must lie before `layerName` with no skip connection across.
 */
export function splitModel(model: tf.LayersModel, layerName: string, outputIndex = 0, cut: string | null = null): SplitModel {
  const index = layerIndex(model, layerName);
  const from = cut === null ? 0 : cutIndexOf(model, cut, layerName) + 1;
  const inputName = cut ?? model.inputLayers[0].name;
  const outputName = model.outputLayers[0].name;
  const toScore = (values: Values) => scoreUnit(values.get(outputName)![0], outputIndex);
  return {
    layerName,
    forward(x) {
      const values: Values = new Map([[inputName, [x]]]);
      runLayers(model, values, from);
      const A = values.get(layerName)![0] as tf.Tensor4D;
      const q = toScore(values);
      const head = (a: tf.Tensor4D) => {
        const v: Values = new Map(values);
        v.set(layerName, [a]);
        runLayers(model, v, index + 1);
        return toScore(v);
      };
      return { A, q, head };
    },
  };
}

/** Activations of layer `cut` for images x [B, H, W, 3]: the input of splitModel(..., cut). */
export function prefixActivations(model: tf.LayersModel, cut: string, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const cutIndex = model.layers.findIndex((l) => l.name === cut);
    if (cutIndex < 0) throw new CutError(`--freeze-until ${cut}: no such layer`);
    const v: Values = new Map([[model.inputLayers[0].name, [x]]]);
    runLayers(model, v, 0, cutIndex);
    return v.get(cut)![0] as tf.Tensor4D;
  });
}

/** Trainable variables of the layers after `cut` (all layers when null). */
export function variablesAfter(model: tf.LayersModel, cut: string | null): tf.Variable[] {
  const from = cut === null ? 0 : model.layers.findIndex((l) => l.name === cut) + 1;
  return model.layers.slice(from).flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
}

/** The spatial grid (rows h, columns w) of a layer's output, for a model with a fixed input size. */
export function gridOf(model: tf.LayersModel, layerName: string): { h: number; w: number } {
  const shape = model.getLayer(layerName).outputShape as (number | null)[];
  return { h: shape[1] ?? 0, w: shape[2] ?? 0 };
}

/**
 * The grid of a layer for an input of H x W pixels: from the layer's declared shape when the
 * model has a fixed input, else by running the layers up to it once on a blank image (fully
 * convolutional models: the grid follows the image).
 */
export function gridFor(model: tf.LayersModel, layerName: string, H: number, W: number): { h: number; w: number } {
  const fixed = gridOf(model, layerName);
  if (fixed.h && fixed.w) return fixed;
  return tf.tidy(() => {
    const { A } = splitModel(model, layerName).forward(tf.zeros([1, H, W, 3]) as tf.Tensor4D);
    return { h: A.shape[1], w: A.shape[2] };
  });
}

/** Scores on 0–100 of images x [B, H, W, 3]: the model's score unit times SCORE_SCALE. */
export function predictScores(model: tf.LayersModel, x: tf.Tensor4D, outputIndex = 0): tf.Tensor1D {
  return tf.tidy(() => scoreUnit(model.predict(x) as tf.Tensor, outputIndex).mul(SCORE_SCALE));
}
