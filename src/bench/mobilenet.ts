import * as tf from '@tensorflow/tfjs';

/** Keras' _make_divisible: channel counts of MobileNetV2 at width multiplier alpha. */
function makeDivisible(v: number, divisor = 8): number {
  const n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return n < 0.9 * v ? n + divisor : n;
}

/**
 * Keras MobileNetV2 (alpha, input size) with random weights and a GAP + dense quality head:
 * the architecture and layer names of keras.applications.MobileNetV2 up to `out_relu`, so the
 * step costs what the shipped model's will before its trained weights exist. Used by the
 * benchmark on Node (scripts/bench.ts) and in the browser (src/bench/bench.worker.ts).
 */
export function buildMobileNetV2(alpha: number, size: number, seed: number): tf.LayersModel {
  let n = 0;
  const init = () => tf.initializers.heNormal({ seed: seed * 1000 + n++ });
  const bn = (x: tf.SymbolicTensor, name: string) =>
    tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999, name }).apply(x) as tf.SymbolicTensor;
  const relu6 = (x: tf.SymbolicTensor, name: string) => tf.layers.reLU({ maxValue: 6, name }).apply(x) as tf.SymbolicTensor;
  const conv = (x: tf.SymbolicTensor, filters: number, k: number, strides: number, name: string) =>
    tf.layers
      .conv2d({ filters, kernelSize: k, strides, padding: 'same', useBias: false, kernelInitializer: init(), name })
      .apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  let x = relu6(bn(conv(input, makeDivisible(32 * alpha), 3, 2, 'Conv1'), 'bn_Conv1'), 'Conv1_relu');
  const blocks: [number, number, number][] = [
    [16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6], [64, 1, 6],
    [64, 1, 6], [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6],
  ];
  blocks.forEach(([filters, stride, expansion], id) => {
    const inC = x.shape[3] as number;
    const out = makeDivisible(filters * alpha);
    const p = id ? `block_${id}_` : 'expanded_conv_';
    let h = x;
    if (id) h = relu6(bn(conv(h, expansion * inC, 1, 1, `${p}expand`), `${p}expand_BN`), `${p}expand_relu`);
    if (stride === 2) {
      h = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `${p}pad` }).apply(h) as tf.SymbolicTensor;
    }
    h = tf.layers
      .depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 2 ? 'valid' : 'same', useBias: false, depthwiseInitializer: init(), name: `${p}depthwise` })
      .apply(h) as tf.SymbolicTensor;
    h = relu6(bn(h, `${p}depthwise_BN`), `${p}depthwise_relu`);
    h = bn(conv(h, out, 1, 1, `${p}project`), `${p}project_BN`);
    x = inC === out && stride === 1 ? (tf.layers.add({ name: `${p}add` }).apply([x, h]) as tf.SymbolicTensor) : h;
  });
  x = relu6(bn(conv(x, 1280, 1, 1, 'Conv_1'), 'Conv_1_bn'), 'out_relu');
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const q = tf.layers
    .dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: tf.initializers.constant({ value: 0.5 }), name: 'score' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: q, name: `mobilenetv2_${alpha}_${size}_random` });
}
