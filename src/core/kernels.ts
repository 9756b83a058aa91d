import * as tf from '@tensorflow/tfjs';

/**
 * Backprop kernels for training convolutional models on backends that lack them (wasm) or
 * where the stock one is very slow (cpu Conv2DBackpropFilter). Each kernel is built from the
 * backend's own kernels, called on TensorInfos; every intermediate is freed.
 *
 * Notation: x [B, H, W, C] (NHWC), dy [B, OH, OW, Co]; s = strides, d = dilations,
 * pt/pl = top/left padding, xpad = x zero-padded. The forward convolution is
 *   y[b, oh, ow, co] = sum_{kh, kw, ci} xpad[b, oh*sh + kh*dh, ow*sw + kw*dw, ci] * w[kh, kw, ci, co]
 * and the depthwise one (multiplier M)
 *   y[b, oh, ow, c*M + m] = sum_{kh, kw} xpad[b, oh*sh + kh*dh, ow*sw + kw*dw, c] * w[kh, kw, c, m].
 *
 * Strategy, chosen by measurement on wasm (tfjs 4.22, Node 20, one thread): its Transpose,
 * Slice and StridedSlice are slow per element while its forward Conv2D, DepthwiseConv2dNative
 * and non-transposed BatchMatMul (XNNPACK) are fast. So the weight gradients are written as
 * forward convolutions in which dy plays the filter, and the input gradient of a depthwise
 * convolution as a forward depthwise convolution of the stride-dilated dy with the flipped filter.
 */

export type TrainingBackend = 'wasm' | 'cpu';

type Info = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;
type Shape4 = [number, number, number, number];
type PadPairs = [[number, number], [number, number], [number, number], [number, number]];
type Pad = 'valid' | 'same' | number | PadPairs;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Pair = number | [number, number];

/** The part of a backend the kernels use; every tfjs backend has it. */
interface Backend {
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
}

export class MissingKernelError extends Error {
  constructor(kernelName: string, backendName: string) {
    super(`registerTrainingKernels: backend '${backendName}' has no '${kernelName}' kernel to build on`);
    this.name = 'MissingKernelError';
  }
}

/**
 * Runs a backend's kernels on TensorInfos and remembers every output, so `dispose` frees all
 * intermediates (also when a kernel throws). `keep` takes the result out of that list.
 */
class KernelScope {
  private readonly temps: Info[] = [];

  constructor(
    readonly backend: Backend,
    private readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: tf.NamedTensorInfoMap | Info[], attrs: Attrs = {}): Info {
    const config = tf.getKernel(kernelName, this.backendName);
    if (!config) throw new MissingKernelError(kernelName, this.backendName);
    const out = config.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs });
    if (Array.isArray(out)) throw new Error(`kernels: ${kernelName} returned ${out.length} outputs`);
    this.temps.push(out);
    return out;
  }

  /** A new backend tensor holding `values`. */
  write(values: Float32Array, shape: number[]): Info {
    const info: Info = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    this.temps.push(info);
    return info;
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: Info, begin: number[], size: number[]): Info {
    if (size.every((n, i) => n === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /** Removes `info` from the intermediates: it is the kernel's output. */
  keep(info: Info): Info {
    const i = this.temps.lastIndexOf(info);
    // Handing out an input would give two tensors one dataId.
    if (i < 0) throw new Error('kernels: the result must be a new tensor, not an input');
    this.temps.splice(i, 1);
    return info;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` with a fresh scope; its result is kept, every other intermediate is freed. */
function withScope(backend: unknown, backendName: string, body: (s: KernelScope) => Info): Info {
  const scope = new KernelScope(backend as Backend, backendName);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  dH: number;
  dW: number;
  padTop: number;
  padLeft: number;
}

function geometry(
  xShape: Shape4,
  filterShape: Shape4,
  strides: Pair,
  dilations: Pair,
  pad: Pad,
  rounding: Rounding,
  depthwise: boolean,
): Geometry {
  const c = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, rounding, depthwise);
  return {
    batch: c.batchSize,
    inH: c.inHeight,
    inW: c.inWidth,
    inC: c.inChannels,
    outH: c.outHeight,
    outW: c.outWidth,
    kH: c.filterHeight,
    kW: c.filterWidth,
    sH: c.strideHeight,
    sW: c.strideWidth,
    dH: c.dilationHeight,
    dW: c.dilationWidth,
    padTop: c.padInfo.top,
    padLeft: c.padInfo.left,
  };
}

function toNhwc(s: KernelScope, x: Info, dataFormat: unknown): Info {
  return dataFormat === 'NCHW' ? s.transpose(x, [0, 2, 3, 1]) : x;
}

const MATMUL_NN = { transposeA: false, transposeB: false };

/**
 * C = A^T B with A [N, P], B [N, Q] -> [P, Q]. wasm's BatchMatMul is slow with transposeA, so
 * the smaller input is transposed explicitly instead.
 */
function matMulTN(s: KernelScope, a: Info, b: Info): Info {
  const [n, p] = a.shape;
  const q = b.shape[1];
  if (p <= q) {
    const at = s.reshape(s.transpose(a, [1, 0]), [1, p, n]);
    return s.reshape(s.run('BatchMatMul', { a: at, b: s.reshape(b, [1, n, q]) }, MATMUL_NN), [p, q]);
  }
  const bt = s.reshape(s.transpose(b, [1, 0]), [1, q, n]);
  const ct = s.reshape(s.run('BatchMatMul', { a: bt, b: s.reshape(a, [1, n, p]) }, MATMUL_NN), [q, p]);
  return s.transpose(ct, [1, 0]);
}

/**
 * im2col in plain JS over the cpu backend's arrays (its Slice/StridedSlice kernels work per
 * element and are far slower).
 * @param x [B, H, W, C]
 * @returns cols [B*OH*OW, KH*KW*C], column (kh*KW + kw)*C + c; zeros where a tap falls in the padding
 */
function im2colJs(s: KernelScope, x: Info, g: Geometry): Info {
  const xv = s.backend.readSync(x.dataId) as Float32Array;
  const c = g.inC;
  const k = g.kH * g.kW * c;
  const cols = new Float32Array(g.batch * g.outH * g.outW * k);
  let row = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, row += k) {
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.sH + kh * g.dH - g.padTop;
          if (ih < 0 || ih >= g.inH) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.sW + kw * g.dW - g.padLeft;
            if (iw < 0 || iw >= g.inW) continue;
            const src = ((b * g.inH + ih) * g.inW + iw) * c;
            cols.set(xv.subarray(src, src + c), row + (kh * g.kW + kw) * c);
          }
        }
      }
    }
  }
  return s.write(cols, [g.batch * g.outH * g.outW, k]);
}

/**
 * The "dy as filter" form of a weight gradient: the tap (kh, kw) of the gradient is the
 * correlation of xpad with dy at offset (kh*dh, kw*dw), i.e. a convolution over the tap grid
 * with stride d and dilation s. Pads (or crops, where the conv's padding reaches past what the
 * taps use) `x` [P, H, W, Q] along H and W for it.
 * @returns the input to convolve and its explicit padding
 */
function tapGridInput(s: KernelScope, x: Info, g: Geometry): { x: Info; pad: PadPairs } {
  const after = (size: number, k: number, d: number, out: number, st: number, p: number) =>
    (k - 1) * d + (out - 1) * st + 1 - p - size;
  const pb = after(g.inH, g.kH, g.dH, g.outH, g.sH, g.padTop);
  const pr = after(g.inW, g.kW, g.dW, g.outW, g.sW, g.padLeft);
  const [p, h, w, q] = x.shape;
  const cropped = s.slice(x, [0, 0, 0, 0], [p, h + Math.min(0, pb), w + Math.min(0, pr), q]);
  return {
    x: cropped,
    pad: [
      [0, 0],
      [g.padTop, Math.max(0, pb)],
      [g.padLeft, Math.max(0, pr)],
      [0, 0],
    ],
  };
}

/** Keeps the first KH x KW outputs of a tap-grid convolution [P, >=KH, >=KW, Q]. */
function cropTaps(s: KernelScope, out: Info, g: Geometry): Info {
  return s.slice(out, [0, 0, 0, 0], [out.shape[0], g.kH, g.kW, out.shape[3]]);
}

/**
 * dL/dw of Conv2D:
 *   dw[kh, kw, ci, co] = sum_{b, oh, ow} xpad[b, oh*sh + kh, ow*sw + kw, ci] * dy[b, oh, ow, co]
 * Inputs x [B, H, W, Ci], dy [B, OH, OW, Co] (NCHW per `dataFormat`); output [KH, KW, Ci, Co].
 * Dilation 1 (the kernel has no dilation attribute).
 * - cpu: im2col (plain JS) + one matmul, dw = cols^T dy with cols [B*OH*OW, KH*KW*Ci].
 * - 1x1, stride 1, unpadded: the same matmul with cols = x.
 * - otherwise: a tap-grid convolution whose batch is Ci and whose filter is dy:
 *   x^T [Ci, H, W, B] (*) dy^T [OH, OW, B, Co], stride 1, dilation (sh, sw) -> [Ci, KH, KW, Co].
 */
function conv2DBackpropFilterKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) =>
    withScope(backend, backendName, (s) => {
      const a = attrs as Attrs;
      const filterShape = a.filterShape as Shape4;
      const x = toNhwc(s, inputs.x!, a.dataFormat);
      const dy = toNhwc(s, inputs.dy!, a.dataFormat);
      const g = geometry(x.shape as Shape4, filterShape, a.strides as Pair, 1, a.pad as Pad, a.dimRoundingMode as Rounding, false);
      const co = filterShape[3];
      const n = g.batch * g.outH * g.outW;
      if (backendName === 'cpu') {
        const cols = im2colJs(s, x, g);
        const dw = s.run(
          'BatchMatMul',
          { a: s.reshape(cols, [1, n, cols.shape[1]]), b: s.reshape(dy, [1, n, co]) },
          { transposeA: true, transposeB: false },
        );
        return s.reshape(dw, filterShape);
      }
      const pointwise = g.kH === 1 && g.kW === 1 && g.sH === 1 && g.sW === 1 && g.outH === g.inH && g.outW === g.inW;
      if (pointwise && g.padTop === 0 && g.padLeft === 0) {
        return s.reshape(matMulTN(s, s.reshape(x, [n, g.inC]), s.reshape(dy, [n, co])), filterShape);
      }
      const input = tapGridInput(s, s.transpose(x, [3, 1, 2, 0]), g);
      const out = s.run(
        'Conv2D',
        { x: input.x, filter: s.transpose(dy, [1, 2, 0, 3]) },
        { strides: 1, dilations: [g.sH, g.sW], pad: input.pad, dataFormat: 'NHWC' },
      );
      return s.transpose(cropTaps(s, out, g), [1, 2, 0, 3]);
    });
}

function depthwiseAttrs(a: Attrs) {
  return {
    strides: a.strides as Pair,
    dilations: (a.dilations ?? 1) as Pair,
    pad: a.pad as Pad,
    rounding: a.dimRoundingMode as Rounding,
  };
}

/**
 * dL/dw of DepthwiseConv2dNative:
 *   dw[kh, kw, c, m] = sum_{b, oh, ow} xpad[b, oh*sh + kh*dh, ow*sw + kw*dw, c] * dy[b, oh, ow, c*M + m]
 * as one depthwise tap-grid convolution with batch and channel folded together:
 *   x' [1, H, W, B*C] (*)_depthwise dy' [OH, OW, B*C, M], stride d, dilation s -> [1, KH, KW, B*C*M],
 * then a sum over B. Inputs x [B, H, W, C], dy [B, OH, OW, C*M]; output [KH, KW, C, M].
 */
function depthwiseBackpropFilterKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) =>
    withScope(backend, backendName, (s) => {
      const a = depthwiseAttrs(attrs as Attrs);
      const filterShape = (attrs as Attrs).filterShape as Shape4;
      const x = inputs.x!;
      const dy = inputs.dy!;
      const g = geometry(x.shape as Shape4, filterShape, a.strides, a.dilations, a.pad, a.rounding, true);
      const [kh, kw, c, m] = filterShape;
      const b = g.batch;
      const x1 = b === 1 ? x : s.reshape(s.transpose(x, [1, 2, 0, 3]), [1, g.inH, g.inW, b * c]);
      const f = s.reshape(b === 1 ? dy : s.transpose(dy, [1, 2, 0, 3]), [g.outH, g.outW, b * c, m]);
      const input = tapGridInput(s, x1, g);
      const out = s.run(
        'DepthwiseConv2dNative',
        { x: input.x, filter: f },
        { strides: [g.dH, g.dW], dilations: [g.sH, g.sW], pad: input.pad, dataFormat: 'NHWC' },
      );
      const taps = s.reshape(cropTaps(s, out, g), [kh * kw, b, c * m]);
      const dw = b === 1 ? taps : s.run('Sum', { x: taps }, { axis: [1], keepDims: false });
      return s.reshape(dw, filterShape);
    });
}

/**
 * The input of a transposed convolution written as a forward one: dy dilated by the strides
 * (s-1 zeros between rows and columns, via a reshape to [B, OH, 1, OW, 1, C] and a pad), with
 * (K-1)*d - p rows before and enough after to give H outputs (cropped where negative).
 * Correlating it at stride 1 and dilation d with the spatially flipped filter gives dL/dx.
 * @param dy [B, OH, OW, C]
 * @returns x [B, <=(OH-1)*sh+1, <=(OW-1)*sw+1, C] and its explicit padding
 */
function transposedConvInput(s: KernelScope, dy: Info, g: Geometry): { x: Info; pad: PadPairs } {
  const c = dy.shape[3];
  let dyd = dy;
  if (g.sH > 1 || g.sW > 1) {
    const spread = s.reshape(dy, [g.batch, g.outH, 1, g.outW, 1, c]);
    const paddings = [[0, 0], [0, 0], [0, g.sH - 1], [0, 0], [0, g.sW - 1], [0, 0]];
    const padded = s.run('PadV2', { x: spread }, { paddings, constantValue: 0 });
    // Rows (OH-1)*sh+1 .. OH*sh-1 are zeros; the padding below accounts for them.
    dyd = s.reshape(padded, [g.batch, g.outH * g.sH, g.outW * g.sW, c]);
  }
  const before = [(g.kH - 1) * g.dH - g.padTop, (g.kW - 1) * g.dW - g.padLeft];
  const after = [
    g.inH + (g.kH - 1) * g.dH - before[0] - dyd.shape[1],
    g.inW + (g.kW - 1) * g.dW - before[1] - dyd.shape[2],
  ];
  const top = Math.max(0, -before[0]);
  const left = Math.max(0, -before[1]);
  const x = s.slice(
    dyd,
    [0, top, left, 0],
    [g.batch, dyd.shape[1] - top - Math.max(0, -after[0]), dyd.shape[2] - left - Math.max(0, -after[1]), c],
  );
  const pad: PadPairs = [
    [0, 0],
    [Math.max(0, before[0]), Math.max(0, after[0])],
    [Math.max(0, before[1]), Math.max(0, after[1])],
    [0, 0],
  ];
  return { x, pad };
}

/**
 * dL/dx of DepthwiseConv2dNative as a forward depthwise convolution (see transposedConvInput):
 *   dx[b, h, w, c] = sum_{kh, kw, m} dyd[b, h + pt - kh*dh, w + pl - kw*dw, c*M + m] * w[kh, kw, c, m]
 * For M > 1 each of the C*M channels is convolved with its own filter and the M are summed.
 * Inputs dy [B, OH, OW, C*M], filter [KH, KW, C, M]; output [B, H, W, C] (attr inputShape).
 */
function depthwiseBackpropInputKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) =>
    withScope(backend, backendName, (s) => {
      const a = depthwiseAttrs(attrs as Attrs);
      const inputShape = (attrs as Attrs).inputShape as Shape4;
      const filter = inputs.filter!;
      const g = geometry(inputShape, filter.shape as Shape4, a.strides, a.dilations, a.pad, a.rounding, true);
      const [kh, kw, c, m] = filter.shape;
      const input = transposedConvInput(s, inputs.dy!, g);
      const flipped = s.reshape(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
      const dx = s.run(
        'DepthwiseConv2dNative',
        { x: input.x, filter: flipped },
        { strides: 1, dilations: [g.dH, g.dW], pad: input.pad, dataFormat: 'NHWC' },
      );
      if (m === 1) return dx;
      return s.run('Sum', { x: s.reshape(dx, [g.batch, g.inH, g.inW, c, m]) }, { axis: [4], keepDims: false });
    });
}

/**
 * dL/dx of Conv2D as a forward Conv2D (see transposedConvInput), for wasm whose own
 * Conv2DBackpropInput is a plain loop while its Conv2D is XNNPACK:
 *   dx[b, h, w, ci] = sum_{kh, kw, co} dyd[b, h + pt - kh, w + pl - kw, co] * w[kh, kw, ci, co]
 * with the filter flipped and transposed to [KH, KW, Co, Ci].
 * Inputs dy [B, OH, OW, Co], filter [KH, KW, Ci, Co]; output [B, H, W, Ci] (attr inputShape).
 */
function conv2DBackpropInputKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) =>
    withScope(backend, backendName, (s) => {
      const a = attrs as Attrs;
      const nchw = a.dataFormat === 'NCHW';
      const shape = a.inputShape as Shape4;
      const inputShape: Shape4 = nchw ? [shape[0], shape[2], shape[3], shape[1]] : shape;
      const filter = inputs.filter!;
      const g = geometry(inputShape, filter.shape as Shape4, a.strides as Pair, 1, a.pad as Pad, a.dimRoundingMode as Rounding, false);
      const input = transposedConvInput(s, toNhwc(s, inputs.dy!, a.dataFormat), g);
      const flipped = s.transpose(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
      const dx = s.run(
        'Conv2D',
        { x: input.x, filter: flipped },
        { strides: 1, dilations: 1, pad: input.pad, dataFormat: 'NHWC' },
      );
      return nchw ? s.transpose(dx, [0, 3, 1, 2]) : dx;
    });
}

/**
 * Tile that only repeats axes of size 1 (a broadcast, as tfjs' batch-norm gradient does with
 * [1, 1, 1, C] -> [B, H, W, C]) as one broadcasting Multiply by ones: wasm's Tile kernel works per
 * element and took a third of a MobileNetV2 step. Other tiles go to the stock kernel.
 * Input x [..., 1, ...]; output x.shape[i] * reps[i] per axis.
 */
function broadcastTileKernel(backendName: string): tf.KernelFunc {
  return (args) => {
    const stock = replaced.get(`${backendName}/Tile`)?.kernelFunc;
    const x = args.inputs.x!;
    const reps = (args.attrs as Attrs).reps as number[];
    const broadcast = x.dtype === 'float32' && reps.every((r, i) => r === 1 || x.shape[i] === 1);
    if (!broadcast || reps.every((r) => r === 1)) {
      if (!stock) throw new MissingKernelError('Tile', backendName);
      return stock(args);
    }
    return withScope(args.backend, backendName, (s) => {
      const ones = s.run('Fill', {}, { shape: reps, value: 1, dtype: 'float32' });
      return s.run('Multiply', { a: x, b: ones });
    });
  };
}

interface Override {
  kernelName: string;
  make: (backendName: string) => tf.KernelFunc;
  /** Replace an existing kernel of this name (else only fill a gap). */
  replace: boolean;
}

const PLAN: Record<TrainingBackend, Override[]> = {
  wasm: [
    { kernelName: 'Conv2DBackpropFilter', make: conv2DBackpropFilterKernel, replace: false },
    { kernelName: 'DepthwiseConv2dNativeBackpropFilter', make: depthwiseBackpropFilterKernel, replace: false },
    { kernelName: 'DepthwiseConv2dNativeBackpropInput', make: depthwiseBackpropInputKernel, replace: false },
    { kernelName: 'Conv2DBackpropInput', make: conv2DBackpropInputKernel, replace: true },
    { kernelName: 'Tile', make: broadcastTileKernel, replace: true },
  ],
  cpu: [{ kernelName: 'Conv2DBackpropFilter', make: conv2DBackpropFilterKernel, replace: true }],
};

/** Our kernel functions by "backend/kernel", so a second call recognises them. */
const ours = new Map<string, tf.KernelFunc>();
/** Stock kernels we replaced, so `unregisterTrainingKernels` can restore them. */
const replaced = new Map<string, tf.KernelConfig>();

/**
 * Registers the training kernels for a backend. On 'wasm': the three backprop kernels it lacks
 * (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput;
 * one the backend already has is left alone), and faster Conv2DBackpropInput and Tile (for
 * broadcasts) over the stock ones. On 'cpu': a fast Conv2DBackpropFilter over the stock one.
 * Idempotent; may run before or after the backend is initialised, but after its package is
 * imported (importing registers the stock kernels, over ours).
 */
export function registerTrainingKernels(backendName: TrainingBackend): void {
  for (const { kernelName, make, replace } of PLAN[backendName]) {
    const key = `${backendName}/${kernelName}`;
    const existing = tf.getKernel(kernelName, backendName);
    const mine = ours.get(key);
    if (existing && existing.kernelFunc === mine) continue;
    if (existing && !replace) continue;
    if (existing) {
      replaced.set(key, existing);
      tf.unregisterKernel(kernelName, backendName);
    }
    const kernelFunc = mine ?? make(backendName);
    ours.set(key, kernelFunc);
    // The stock kernel's setup (wasm: binding its C function) still has to run at backend
    // start when our kernel falls back to it.
    const stock = replaced.get(key);
    tf.registerKernel({ kernelName, backendName, kernelFunc, setupFunc: stock?.setupFunc, disposeFunc: stock?.disposeFunc });
  }
}

/** Removes the kernels registered here and restores the stock ones they replaced. */
export function unregisterTrainingKernels(backendName: TrainingBackend): void {
  for (const { kernelName } of PLAN[backendName]) {
    const key = `${backendName}/${kernelName}`;
    const existing = tf.getKernel(kernelName, backendName);
    if (!existing || existing.kernelFunc !== ours.get(key)) continue;
    tf.unregisterKernel(kernelName, backendName);
    const stock = replaced.get(key);
    if (stock) tf.registerKernel(stock);
  }
}

/** Whether this module's kernel is the one registered for (backend, kernel). */
export function isTrainingKernelRegistered(backendName: TrainingBackend, kernelName: string): boolean {
  const k = tf.getKernel(kernelName, backendName);
  return !!k && k.kernelFunc === ours.get(`${backendName}/${kernelName}`);
}
