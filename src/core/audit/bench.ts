/**
 * Times `runAudit` on the tiny model on Node (a measurement, not a test):
 *
 *   npx tsx src/core/audit/bench.ts [--backend wasm,cpu] [--images 8] [--size 64] [--seed 1]
 *
 * Random images (seeded), the default audit options, CAM layer TARGET_LAYER. Prints one line per
 * backend with the total and per-phase wall time and the tensor count before and after.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { TARGET_LAYER } from '../config';
import { registerTrainingKernels } from '../kernels';
import { buildTinyModel } from '../model';
import { runAudit } from './runAudit';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backends = arg('backend', 'wasm,cpu').split(',') as ('wasm' | 'cpu')[];
const numImages = Number(arg('images', '8'));
const size = Number(arg('size', '64'));
const seed = Number(arg('seed', '1'));

// not IS_TEST: its kernel leak check misfires on wasm for fused matmul inside a gradient (see kernels.test.ts)
for (const backend of backends) {
  registerTrainingKernels(backend);
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`cannot start ${backend}`);
  await tf.ready();
  const model = buildTinyModel(size, seed);
  const images = tf.randomUniform([numImages, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  let last = '';
  const report = await runAudit(model, TARGET_LAYER, images, {}, (p) => {
    if (p.phase !== last) last = p.phase;
  });
  const after = tf.memory().numTensors;
  const t = report.timingsMs;
  const s = (ms: number) => (ms / 1000).toFixed(1);
  console.log(
    `${backend}: ${numImages} images at ${size} px: total ${s(t.total)} s ` +
      `(cams ${s(t.cams)}, deletion ${s(t.deletion)}, occlusion ${s(t.occlusion)}, randomization ${s(t.randomization)}); ` +
      `tensors ${before} -> ${after}; verdicts ${report.methods.map((m) => `${m}=${report.verdict[m]?.level}`).join(' ')}`,
  );
  images.dispose();
  model.dispose();
}
