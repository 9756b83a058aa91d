import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels, type TrainingBackend } from '../core/kernels';

export type BackendChoice = 'auto' | TrainingBackend;

/**
 * Starts a tfjs backend on Node: wasm (it loads its .wasm files from node_modules; one
 * thread) with the training kernels core/kernels.ts adds, else cpu. `tf.setBackend` can fail
 * and leave another backend active, so the result and `tf.getBackend()` are both checked.
 * Returns the backend's name. Idempotent: a second call keeps the running backend.
 */
export async function startBackend(choice: BackendChoice = 'auto'): Promise<TrainingBackend> {
  // tfjs's console warnings (e.g. the cpu backend's advert for tfjs-node) are noise on a CLI.
  if (!process.env.CAMSTEER_DEBUG) tf.env().set('PROD', true);
  const order: TrainingBackend[] = choice === 'cpu' ? ['cpu'] : choice === 'wasm' ? ['wasm'] : ['wasm', 'cpu'];
  const current = tf.getBackend() as string | undefined;
  if (current && (order as string[]).includes(current)) {
    registerTrainingKernels(current as TrainingBackend);
    return current as TrainingBackend;
  }
  const reasons: string[] = [];
  for (const name of order) {
    try {
      registerTrainingKernels(name);
      if ((await tf.setBackend(name)) && tf.getBackend() === name) {
        await tf.ready();
        return name;
      }
      reasons.push(`${name}: tf.setBackend failed`);
    } catch (e) {
      reasons.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`no tfjs backend could start (${reasons.join('; ')})`);
}
