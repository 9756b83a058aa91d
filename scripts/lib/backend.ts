import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * Node backend for the scripts: tfjs wasm (single thread, XNNPACK) with the training kernels
 * from src/core/kernels.ts (wasm lacks conv backprop kernels), or the cpu backend if asked
 * or if wasm cannot start. Returns the backend's name.
 */
export async function setupBackend(prefer: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  const kernelsPath = fileURLToPath(new URL('../../src/core/kernels.ts', import.meta.url));
  let register: ((b: 'wasm' | 'cpu') => void) | null = null;
  if (existsSync(kernelsPath)) {
    const mod = (await import(kernelsPath)) as { registerTrainingKernels?: (b: 'wasm' | 'cpu') => void };
    register = mod.registerTrainingKernels ?? null;
  }
  for (const name of prefer === 'wasm' ? (['wasm', 'cpu'] as const) : (['cpu'] as const)) {
    if (name === 'wasm' && !register) continue; // no backprop kernels: cannot train on wasm
    register?.(name);
    if ((await tf.setBackend(name)) && tf.getBackend() === name) {
      await tf.ready();
      return name;
    }
  }
  throw new Error(`no tfjs backend could start (wanted ${prefer})`);
}
