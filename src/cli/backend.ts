import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels, type TrainingBackend } from '../core/kernels';
import { CliError } from './io';

/** What `--backend` accepts. 'auto' is wasm, else cpu; webgpu is only taken when asked for. */
export const BACKEND_CHOICES = ['auto', 'wasm', 'cpu', 'webgpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type NodeBackend = TrainingBackend | 'webgpu';

/**
 * Chromium's SwiftShader Vulkan driver (Debian's `chromium` package installs it). Dawn refuses
 * Mesa's lavapipe in Debian 12 (it lacks shaderUniform*ArrayDynamicIndexing), so on a machine
 * without a GPU this is the adapter node-webgpu can use. Only tried when no adapter is found
 * and VK_ICD_FILENAMES / VK_DRIVER_FILES are not set.
 */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Where Dawn's dlopen("libvulkan.so.1") looks besides LD_LIBRARY_PATH (Debian/Ubuntu multiarch, then the rest). */
const VULKAN_LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu'];

function hasVulkanLoader(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...VULKAN_LOADER_DIRS];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

/** The WebGPU adapter behind the webgpu backend, as results report it. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  /** The adapter's own word, where it gives one (null: not reported). */
  isFallbackAdapter: boolean | null;
  /** Fallback adapter, or a software driver by name (SwiftShader, llvmpipe, lavapipe). */
  software: boolean;
  /** Set when VK_ICD_FILENAMES was pointed at SwiftShader by startBackend. */
  icd?: string;
}

/** The running backend, for reports and results. */
export interface NodeBackendInfo {
  name: NodeBackend;
  /** webgpu only. */
  adapter?: AdapterDescription;
  /** wasm only: threads tfjs-backend-wasm runs (always 1 on Node: tfjs disables threads there). */
  threads?: number;
  /** One line that names the backend and what it runs on. */
  label: string;
}

/** No tfjs backend could start (exit 1). */
export class BackendUnavailableError extends CliError {
  constructor(readonly reasons: string[]) {
    super(`no tfjs backend could start (${reasons.join('; ')})`);
    this.name = 'BackendUnavailableError';
  }
}

/** node-webgpu found no usable WebGPU adapter (exit 1). */
export class NoWebGpuAdapterError extends CliError {
  constructor(detail: string) {
    super(`WebGPU: no adapter (${detail})`);
    this.name = 'NoWebGpuAdapterError';
  }
}

interface GpuAdapterLike {
  info?: Partial<Record<'vendor' | 'architecture' | 'description' | 'device', string>> & { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

let webgpuAdapter: AdapterDescription | undefined;

function describeAdapter(a: GpuAdapterLike, icd?: string): AdapterDescription {
  const info = a.info ?? {};
  const d = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
    device: info.device ?? '',
  };
  const fallback = info.isFallbackAdapter ?? a.isFallbackAdapter;
  const software = Boolean(fallback) || /swiftshader|llvmpipe|lavapipe|software/i.test(Object.values(d).join(' '));
  return { ...d, isFallbackAdapter: fallback ?? null, software, ...(icd ? { icd } : {}) };
}

/** "vendor architecture description (software)", for a status line. */
export function adapterLabel(a: AdapterDescription): string {
  const name = [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${name}${a.software ? ' (software)' : ''}`;
}

/**
 * node-webgpu (Dawn as a Node addon): a navigator.gpu for tfjs-backend-webgpu, which registers
 * itself on import only when navigator.gpu exists, so it is imported after. When Dawn finds no
 * adapter and SwiftShader's Vulkan driver is installed, VK_ICD_FILENAMES is pointed at it and
 * Dawn asked again. Reads on this backend must be async (`await t.data()`): its readSync needs
 * OffscreenCanvas, which Node lacks.
 */
async function provideNavigatorGpu(note: (line: string) => void): Promise<AdapterDescription> {
  let mod: { create(options: string[]): unknown; globals: object };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    throw new NoWebGpuAdapterError(`the webgpu package could not load: ${e instanceof Error ? e.message : String(e)}`);
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, as a browser has them (tfjs-backend-webgpu uses them)
  Object.assign(globalThis, mod.globals);
  const ask = async () => {
    const gpu = mod.create([]) as GpuLike;
    return { gpu, adapter: await gpu.requestAdapter({ powerPreference: 'high-performance' }) };
  };
  let { gpu, adapter } = await ask();
  let icd: string | undefined;
  if (!adapter && !process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    icd = SWIFTSHADER_ICD;
    ({ gpu, adapter } = await ask());
    if (adapter) note(`webgpu: no GPU adapter found; using SwiftShader (software Vulkan) through VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`);
  }
  if (!adapter) {
    if (process.platform === 'linux' && !hasVulkanLoader()) throw new NoWebGpuAdapterError('Dawn needs the Vulkan loader, libvulkan.so.1, which is not installed (Debian: apt-get install libvulkan1)');
    const tried = process.env.VK_ICD_FILENAMES ? `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : `no Vulkan driver; ${SWIFTSHADER_ICD} ${existsSync(SWIFTSHADER_ICD) ? 'did not work either' : 'is not installed (Debian: apt-get install chromium)'}`;
    throw new NoWebGpuAdapterError(`Dawn found none; ${tried}`);
  }
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return describeAdapter(adapter, icd);
}

async function activate(name: NodeBackend, note: (line: string) => void): Promise<void> {
  if (name === 'webgpu') {
    webgpuAdapter ??= await provideNavigatorGpu(note);
    await import('@tensorflow/tfjs-backend-webgpu');
  } else registerTrainingKernels(name);
  if (!(await tf.setBackend(name)) || tf.getBackend() !== name) throw new Error('tf.setBackend failed');
  await tf.ready();
}

/** The running backend with its adapter (webgpu) or thread count (wasm). */
export function backendInfo(): NodeBackendInfo {
  const name = tf.getBackend() as NodeBackend;
  if (name === 'webgpu' && webgpuAdapter) return { name, adapter: webgpuAdapter, label: `webgpu on ${adapterLabel(webgpuAdapter)}` };
  if (name === 'wasm') {
    const threads = getThreadsCount();
    return { name, threads, label: `wasm (${threads} thread${threads === 1 ? '' : 's'})` };
  }
  return { name, label: name };
}

export interface StartOptions {
  /** Where a status line goes (the SwiftShader fallback); default stderr. */
  note?: (line: string) => void;
}

/**
 * Starts a tfjs backend on Node: wasm (it loads its .wasm files from node_modules; one thread:
 * tfjs-backend-wasm turns threads off on Node) with the training kernels core/kernels.ts adds,
 * else cpu; or webgpu through node-webgpu when asked for. `tf.setBackend` can fail and leave
 * another backend active, so the result and `tf.getBackend()` are both checked. Returns the
 * backend's name (backendInfo() has the rest). Idempotent: a second call keeps the running
 * backend when it is one the choice allows.
 */
export async function startBackend(choice: BackendChoice = 'auto', opts: StartOptions = {}): Promise<NodeBackend> {
  // tfjs's console warnings (e.g. the cpu backend's advert for tfjs-node) are noise on a CLI.
  if (!process.env.CAMSTEER_DEBUG) tf.env().set('PROD', true);
  const note = opts.note ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const order: NodeBackend[] = choice === 'auto' ? ['wasm', 'cpu'] : [choice];
  const current = tf.getBackend() as string | undefined;
  if (current && (order as string[]).includes(current)) {
    if (current !== 'webgpu') registerTrainingKernels(current as TrainingBackend);
    return current as NodeBackend;
  }
  const reasons: string[] = [];
  for (const name of order) {
    try {
      await activate(name, note);
      return name;
    } catch (e) {
      if (e instanceof NoWebGpuAdapterError) throw e;
      reasons.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new BackendUnavailableError(reasons);
}
