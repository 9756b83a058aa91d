import * as tf from '@tensorflow/tfjs';
import type { SplitModel } from '../core/graph';

/**
 * Training only the part of a model after a frozen prefix, on cached activations: for models
 * whose early layers are not trainable (the shipped MobileNetV2 freezes its backbone up to
 * block_12_add), the prefix runs once per image and only the tail runs in every step. The
 * CAM target layer must lie in the tail.
 */

type Values = Map<string, tf.Tensor[]>;

function inboundOf(layer: tf.layers.Layer): { name: string; index: number }[] {
  const node = layer.inboundNodes[0];
  return node.inboundLayers.map((l, i) => ({ name: l.name, index: node.tensorIndices[i] }));
}

/** Runs layers [from, to] of a functional model eagerly (inference mode), reading inputs from `values`. */
function runLayers(model: tf.LayersModel, values: Values, from: number, to: number): void {
  for (let i = from; i <= to; i++) {
    const layer = model.layers[i];
    if (layer.getClassName() === 'InputLayer') continue;
    const ins = inboundOf(layer).map(({ name, index }) => {
      const v = values.get(name);
      if (!v) throw new Error(`tail: missing input "${name}" of layer "${layer.name}"`);
      return v[index];
    });
    const out = layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor | tf.Tensor[];
    values.set(layer.name, Array.isArray(out) ? out : [out]);
  }
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

export interface Tail {
  cut: string;
  /** Activations of the cut layer for images [B, S, S, 3]. */
  prefix(x: tf.Tensor4D): tf.Tensor;
  /** A SplitModel whose input is the cut's activation. */
  split: SplitModel;
  /** Trainable variables of the layers after the cut. */
  vars: tf.Variable[];
  /** Shape of one cached activation (without the batch axis). */
  featureShape: number[];
}

export class CutError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'CutError';
  }
}

export function makeTail(model: tf.LayersModel, cut: string, layerName: string): Tail {
  const cutIndex = model.layers.findIndex((l) => l.name === cut);
  const target = model.layers.findIndex((l) => l.name === layerName);
  if (cutIndex < 0) throw new CutError(`--freeze-until ${cut}: no such layer`);
  if (cutIndex >= target) throw new CutError(`--freeze-until ${cut}: the frozen part must end before the CAM layer ${layerName}`);
  if (!isCut(model, cutIndex)) throw new CutError(`--freeze-until ${cut}: later layers read activations from before it (a skip connection crosses it)`);
  const inputName = model.inputLayers[0].name;
  const outputName = model.outputLayers[0].name;
  const last = model.layers.length - 1;
  const toScore = (v: Values) => {
    const o = v.get(outputName)![0];
    return o.reshape([o.shape[0]]) as tf.Tensor1D;
  };
  const vars = model.layers.slice(cutIndex + 1).flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  return {
    cut,
    vars,
    featureShape: (model.layers[cutIndex].outputShape as number[]).slice(1),
    prefix(x) {
      return tf.tidy(() => {
        const v: Values = new Map([[inputName, [x]]]);
        runLayers(model, v, 0, cutIndex);
        return v.get(cut)![0];
      });
    },
    split: {
      layerName,
      forward(f) {
        const values: Values = new Map([[cut, [f]]]);
        runLayers(model, values, cutIndex + 1, target);
        const A = values.get(layerName)![0] as tf.Tensor4D;
        runLayers(model, values, target + 1, last);
        const q = toScore(values);
        const head = (a: tf.Tensor4D) => {
          const v: Values = new Map(values);
          v.set(layerName, [a]);
          runLayers(model, v, target + 1, last);
          return toScore(v);
        };
        return { A, q, head };
      },
    },
  };
}
