import * as tf from '@tensorflow/tfjs';

/** Node tests run on the cpu backend; quiet the "you are running in Node" banner. */
export async function useCpuBackend(): Promise<void> {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  await tf.ready();
}

/** ||a - b|| / max(||b||, tiny) */
export function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const num = tf.norm(tf.sub(a, b)).dataSync()[0];
    const den = tf.norm(b).dataSync()[0];
    return num / Math.max(den, 1e-12);
  });
}
