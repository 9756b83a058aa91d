import * as tf from '@tensorflow/tfjs';

// Backend start-up is shared with the benchmark's worker (src/backends/browser.ts).
export { BackendUnavailableError, initBackend } from '../backends/browser';

/**
 * Calls `onLost` when the WebGPU device behind tfjs is lost (driver reset, GPU removed,
 * or destroyed). No-op on other backends.
 */
export function watchDeviceLoss(onLost: (reason: string) => void): void {
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
  device?.lost?.then(
    (info) => onLost([info.reason, info.message].filter(Boolean).join(': ') || 'unknown reason'),
    (e: unknown) => onLost(`the device reported its loss with an error (${e instanceof Error ? e.message : String(e)})`),
  );
}

/** Test hook: destroys the WebGPU device, which the browser reports as a loss. */
export function destroyDevice(): boolean {
  const device = (tf.backend() as unknown as { device?: { destroy?: () => void } }).device;
  if (!device?.destroy) return false;
  device.destroy();
  return true;
}
