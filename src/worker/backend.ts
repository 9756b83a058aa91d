import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerTrainingKernels } from '../core/kernels';
import { BACKEND_ORDER, type BackendChoice, type BackendInfo, type BackendName } from '../protocol/messages';

/** Minimal WebGPU typing: only what backend detection reads. */
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

export class BackendUnavailableError extends Error {
  constructor(reasons: string[]) {
    super(`No tfjs backend could start:\n${reasons.join('\n')}`);
    this.name = 'BackendUnavailableError';
  }
}

// The single-threaded builds are used: the threaded one breaks in a minified bundle, and it
// needs cross-origin isolation, which the app does not ask for.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

interface Probe {
  ok: boolean;
  software: boolean | null;
  adapter: string;
  why: string;
}

async function probeWebGpu(): Promise<Probe> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { ok: false, software: null, adapter: '', why: 'WebGPU is not available in this browser' };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { ok: false, software: null, adapter: '', why: 'WebGPU found no adapter' };
  const info = adapter.info ?? {};
  const software = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false);
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return { ok: true, software, adapter: name, why: '' };
}

function probeWebGl(): Probe {
  if (typeof OffscreenCanvas === 'undefined') return { ok: false, software: null, adapter: '', why: 'no OffscreenCanvas' };
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
  if (!gl) return { ok: false, software: null, adapter: '', why: 'WebGL2 is not available' };
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { ok: true, software: /swiftshader|llvmpipe|software/i.test(renderer), adapter: renderer, why: '' };
}

/** Starts a backend; resolves to null when it runs, else why it did not. */
async function activate(name: BackendName): Promise<string | null> {
  try {
    // wasm lacks some backprop kernels and cpu's Conv2DBackpropFilter is very slow.
    if (name === 'wasm' || name === 'cpu') registerTrainingKernels(name);
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name ? null : 'tfjs did not switch to it';
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  }
}

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

/**
 * Starts a tfjs backend. An explicit choice is tried first and falls back along
 * BACKEND_ORDER if it fails. "auto" takes the first hardware-accelerated backend (WebGPU,
 * then WebGL); on a machine with only software GPU adapters it takes wasm, which was measured
 * faster there (docs/architecture.md, "Backends"), then cpu.
 */
export async function initBackend(choice: BackendChoice): Promise<BackendInfo> {
  const reasons: string[] = [];
  const order: BackendName[] = choice === 'auto' ? [...BACKEND_ORDER] : [choice, ...BACKEND_ORDER.filter((b) => b !== choice)];
  for (const name of order) {
    let probe: Probe = { ok: true, software: null, adapter: '', why: '' };
    if (name === 'webgpu') probe = await probeWebGpu();
    if (name === 'webgl') probe = probeWebGl();
    if (!probe.ok) {
      reasons.push(`${name}: ${probe.why}`);
      continue;
    }
    if (choice === 'auto' && probe.software) {
      reasons.push(`${name}: skipped, the adapter is software (${probe.adapter}); wasm is faster on a CPU`);
      continue;
    }
    const failed = await activate(name);
    if (failed) {
      reasons.push(`${name}: failed to initialise (${failed})`);
      continue;
    }
    reasons.push(`${name}: selected${choice === name ? ' (requested)' : choice === 'auto' ? ' (auto)' : ` (fallback from ${choice})`}`);
    return {
      name,
      fallbackAdapter: name === 'webgpu' ? probe.software : null,
      adapter: probe.adapter || (name === 'wasm' ? 'WebAssembly (SIMD, 1 thread)' : 'JavaScript'),
      reasons,
    };
  }
  throw new BackendUnavailableError(reasons);
}
