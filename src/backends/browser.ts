/**
 * tfjs backends in a browser worker: detection, start-up with fallbacks, and the wasm build's
 * files and threads. Shared by the app's training worker (src/worker) and the benchmark's worker
 * (src/bench); environment-specific parts (device-loss handling) stay with their host.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
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

// The .wasm files are served from the app's origin. The threaded build also needs its pthread
// worker and Emscripten script as files of the same origin (the production build's
// camsteer-wasm-threads plugin in vite.config.ts emits them and points tfjs at them; the dev
// server leaves tfjs's own Blob workers, which run there without the production CSP).
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/**
 * Threads for tfjs-backend-wasm: one per logical core, which needs SharedArrayBuffer, which a
 * browser gives only to a cross-origin isolated page (COOP same-origin + COEP require-corp).
 * Elsewhere tfjs runs its single-threaded SIMD build. tfjs's wasm sizes its thread pool as
 * min(asked, hardwareConcurrency / 2, 8), assuming two hardware threads per core, which leaves
 * half the cores idle on machines without SMT (a 2-vCPU VM gets one thread). So while the module
 * starts, the worker reports twice its core count; `restore` undoes that once it has started.
 */
function configureWasmThreads(): { restore(): void } {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (!isolated) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return { restore: () => undefined };
  }
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  setThreadsCount(cores);
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: cores * 2, configurable: true });
  return { restore: () => void delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency };
}

/** "WebAssembly (SIMD, 2 threads)": the badge shows it. */
function wasmLabel(): string {
  let threads = 1;
  try {
    threads = getThreadsCount();
  } catch {
    // not initialised: cannot happen after a successful setBackend('wasm')
  }
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return `WebAssembly (SIMD, ${threads} thread${threads === 1 ? '' : 's'}${threads === 1 && !isolated ? ': page not cross-origin isolated' : ''})`;
}

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
    const threads = name === 'wasm' ? configureWasmThreads() : null;
    try {
      const ok = await tf.setBackend(name);
      await tf.ready();
      return ok && tf.getBackend() === name ? null : 'tfjs did not switch to it';
    } finally {
      threads?.restore();
    }
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  }
}

/**
 * Starts a tfjs backend. An explicit choice is tried first and falls back along
 * BACKEND_ORDER if it fails. "auto" takes the first hardware-accelerated backend (WebGPU,
 * then WebGL); on a machine with only software GPU adapters it takes wasm, which was measured
 * faster there (README, Performance), then cpu.
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
      adapter: probe.adapter || (name === 'wasm' ? wasmLabel() : 'JavaScript'),
      reasons,
    };
  }
  throw new BackendUnavailableError(reasons);
}
