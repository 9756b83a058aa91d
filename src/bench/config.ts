/** The benchmark's constants: defaults of `npm run bench`, its environments and its training step. */
import type { TrainerOptions } from '../core/trainer';

/** Seed of the benchmark's built-in models (identical weights on every backend). */
export const BENCH_SEED = 7;

/** The step every environment times (and the PyTorch reference mirrors). */
export const TRAIN: Omit<TrainerOptions, 'layerName'> = {
  learningRate: 1e-3,
  optimizer: 'adam',
  lambda: 2,
  camLoss: 'mse',
  detachAlpha: true,
};

/** Node environments and the backend each starts (src/cli/backend.ts). */
export const NODE_ENVS = { 'node-wasm': 'wasm', 'node-cpu': 'cpu', 'node-webgpu': 'webgpu' } as const;
/** Headless Chromium environments and the backend the bench page asks for. */
export const BROWSER_ENVS = { 'chromium-webgpu': 'webgpu', 'chromium-webgl': 'webgl', 'chromium-wasm': 'wasm', 'chromium-cpu': 'cpu' } as const;
export type NodeEnv = keyof typeof NODE_ENVS;
export type BrowserEnv = keyof typeof BROWSER_ENVS;
export type EnvName = NodeEnv | BrowserEnv;
/** Run when --env is not given (node-webgpu only on request: on a machine without a GPU it is SwiftShader). */
export const DEFAULT_ENVS: readonly EnvName[] = ['node-wasm', 'node-cpu', 'chromium-webgpu', 'chromium-webgl', 'chromium-wasm', 'chromium-cpu'];

export const BENCH_DEFAULTS = {
  steps: 10,
  warmup: 2,
  batch: 8,
  emitEvery: 5,
  /** PyTorch CPU thread counts of the reference rows. */
  torchThreads: [1, 2],
  out: 'bench/results.json',
  /** Seconds per browser run. */
  timeout: 1200,
  /** Fresh-context runs of the app's cold start when a chromium env runs. */
  coldStart: 3,
} as const;

/** Input size and parameter count from which a model is "large" (seconds or more per step on slow envs). */
export const LARGE_INPUT = 128;
export const LARGE_PARAMS = 1e6;

/** Debian's chromium (Playwright's browser download does not work on our machines). */
export const SYSTEM_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
/** Playwright adds --headless and a fresh --user-data-dir itself. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

/** The Python with torch for the reference rows (Debian's python3-torch; the GPU server's python3). */
export const PYTHON_CANDIDATES = ['/usr/bin/python3', 'python3'];
/** nvidia-smi's sampling period for the peak GPU memory of a row. */
export const GPU_MEMORY_SAMPLE_MS = 100;
