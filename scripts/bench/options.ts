import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DEFAULTS, BROWSER_ENVS, DEFAULT_ENVS, NODE_ENVS, type BrowserEnv, type EnvName } from '../../src/bench/config';
import { isBuiltinModel } from '../../src/bench/measure';

/** A wrong command line (exit 2). */
export class BenchUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchUsageError';
  }
}

export const isBrowserEnv = (e: string): e is BrowserEnv => Object.hasOwn(BROWSER_ENVS, e);
const isEnv = (e: string): e is EnvName => isBrowserEnv(e) || Object.hasOwn(NODE_ENVS, e);

export interface Options {
  envs: EnvName[];
  /** --env given: run every env x model, even node-cpu with the larger models. */
  envsExplicit: boolean;
  models: string[];
  /** Input sizes to time each model at (empty: its own). */
  sizes: number[];
  /** Batch sizes (the first is the one browser envs and the reference tables use). */
  batches: number[];
  steps: number;
  warmup: number;
  emitEvery: number;
  /** PyTorch CPU threads (empty: no CPU reference). */
  torchThreads: number[];
  /** PyTorch reference device: cpu (threads above), cuda, or none. */
  torchDevice: 'cpu' | 'cuda' | 'none';
  out: string;
  large: boolean;
  /** Browser envs: strip COOP/COEP from every response (wasm on one thread, as on a host without them). */
  noIsolation: boolean;
  timeout: number;
  coldStart: number;
  build: boolean;
  dist: string;
  /** Sample nvidia-smi for each row's peak GPU memory. */
  gpuMemory: boolean;
  /** Seconds after which no further row starts (results are written with a note); 0 = none. */
  deadline: number;
}

export const USAGE = `npm run bench -- [options]
  --env LIST            node-wasm, node-cpu, node-webgpu, chromium-webgpu, chromium-webgl, chromium-wasm,
                        chromium-cpu (default: all but node-webgpu)
  --model LIST          tiny (built-in, 64 px), mnv2-035-random, a folder under public/models/ (models/<name>
                        where it shares a built-in's name) or, Node only, a path to a model.json
                        (default: tiny and every shipped model)
  --size LIST           input sizes to time each model at (the shipped models have global pooling heads,
                        so their weights fit any size); default: the model's own
  --batch LIST          batch sizes (default ${BENCH_DEFAULTS.batch}); browser envs use the first
  --steps N --warmup N  timed steps (>= 10 for reported figures) and warm-up steps
  --emit-every N        live-view heatmap every N steps in the streaming variant
  --torch-threads LIST  PyTorch CPU threads (default 1,2; 0 = no torch rows)
  --torch-device D      cpu (default), cuda or none
  --gpu-memory          sample nvidia-smi for each row's peak GPU memory
  --deadline S          start no row after S seconds (the GPU script's time limit)
  --out FILE            default ${BENCH_DEFAULTS.out}
  --no-isolation        browser envs without COOP/COEP (wasm on one thread)
  --large --timeout S --cold-start N --dist DIR --build   (browser envs; see README)`;

function list(v: string | undefined): string[] | undefined {
  return v?.split(',').map((s) => s.trim()).filter(Boolean);
}

function int(name: string, v: string | undefined, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new BenchUsageError(`--${name} needs a whole number >= ${min}, got "${v}"`);
  return n;
}

/** The shipped model folders under public/models/ (addressed as models/<name> where a built-in has that name). */
function shippedModels(root: string): string[] {
  const dir = join(root, 'public', 'models');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'model.json')))
    .map((d) => (isBuiltinModel(d) ? `models/${d}` : d));
}

export function parseOptions(argv: string[], root: string, defaultDist: string): Options | 'help' {
  const spec = {
    strict: true,
    allowPositionals: false,
    options: {
      env: { type: 'string' },
      model: { type: 'string' },
      size: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      'emit-every': { type: 'string' },
      'torch-threads': { type: 'string' },
      'torch-device': { type: 'string' },
      'gpu-memory': { type: 'boolean' },
      deadline: { type: 'string' },
      out: { type: 'string' },
      large: { type: 'boolean' },
      'no-isolation': { type: 'boolean' },
      timeout: { type: 'string' },
      'cold-start': { type: 'string' },
      dist: { type: 'string' },
      build: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  } as const;
  let v: ReturnType<typeof parseArgs<typeof spec>>['values'];
  try {
    v = parseArgs({ ...spec, args: argv }).values;
  } catch (e) {
    throw new BenchUsageError((e as Error).message);
  }
  if (v.help) return 'help';
  const envs = list(v.env) ?? [...DEFAULT_ENVS];
  for (const e of envs) if (!isEnv(e)) throw new BenchUsageError(`--env: unknown environment "${e}"`);
  const torchDevice = v['torch-device'] ?? 'cpu';
  if (torchDevice !== 'cpu' && torchDevice !== 'cuda' && torchDevice !== 'none') throw new BenchUsageError(`--torch-device: cpu, cuda or none, not "${torchDevice}"`);
  const nums = (name: string, raw: string | undefined, fallback: number[], min: number) => (list(raw) ?? fallback.map(String)).map((s) => int(name, s, 0, min));
  const validEnvs = envs.filter(isEnv);
  return {
    envs: validEnvs,
    envsExplicit: v.env !== undefined,
    models: list(v.model) ?? ['tiny', ...shippedModels(root)],
    sizes: nums('size', v.size, [], 8),
    batches: nums('batch', v.batch, [BENCH_DEFAULTS.batch], 1),
    steps: int('steps', v.steps, BENCH_DEFAULTS.steps, 1),
    warmup: int('warmup', v.warmup, BENCH_DEFAULTS.warmup),
    emitEvery: int('emit-every', v['emit-every'], BENCH_DEFAULTS.emitEvery, 1),
    torchThreads: nums('torch-threads', v['torch-threads'], [...BENCH_DEFAULTS.torchThreads], 0).filter((n) => n > 0),
    torchDevice,
    out: resolve(root, v.out ?? BENCH_DEFAULTS.out),
    large: v.large ?? false,
    noIsolation: v['no-isolation'] ?? false,
    timeout: int('timeout', v.timeout, BENCH_DEFAULTS.timeout, 1),
    coldStart: int('cold-start', v['cold-start'], validEnvs.some(isBrowserEnv) ? BENCH_DEFAULTS.coldStart : 0),
    build: v.build ?? false,
    dist: v.dist ? resolve(root, v.dist) : defaultDist,
    gpuMemory: v['gpu-memory'] ?? false,
    deadline: int('deadline', v.deadline, 0),
  };
}
