import * as tf from '@tensorflow/tfjs';
import { TARGET_LAYER } from '../core/config';
import { buildTinyModel } from '../core/model';
import { Trainer } from '../core/trainer';

/**
 * One tiny training step and CAM on random data, so the backend compiles its kernels
 * (WebGPU/WebGL shaders) before the user's first run. Leaves no tensors behind.
 */
export async function warmUp(): Promise<void> {
  const model = buildTinyModel(32, 1);
  const trainer = new Trainer(model, { layerName: TARGET_LAYER, learningRate: 1e-3, optimizer: 'adam', lambda: 1, camLoss: 'mse', detachAlpha: true });
  const batch = {
    x: tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D,
    y: tf.tensor1d([0.5, 0.9]),
    masks: tf.ones([2, 8, 8]).mul(0.5) as tf.Tensor3D,
    maskWeight: tf.tensor1d([1, 0]),
  };
  try {
    const losses = trainer.step(batch);
    await losses.data();
    losses.dispose();
  } finally {
    tf.dispose([batch.x, batch.y, batch.masks, batch.maskWeight]);
    trainer.dispose();
    model.dispose();
  }
}
