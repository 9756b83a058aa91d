/**
 * `npm run bench`: times the real training step (one-pass differentiable GradCAM loss, Adam,
 * batch 8) per environment x model, on Node and in headless Chromium (a worker per backend, on
 * the app's own production build), with a PyTorch CPU reference of the same model, batch and
 * loss when Debian's torch is there. Also the app's cold start on wasm and its bundle sizes.
 * Prints a table, writes bench/results.json.
 *
 *   npm run bench -- --env node-wasm,node-cpu --model tiny --steps 10 --warmup 2
 *   npm run bench -- --env chromium-wasm,chromium-webgpu,node-wasm --model tiny
 *
 * Options: --env (node-wasm, node-cpu, chromium-webgpu, chromium-webgl, chromium-wasm,
 * chromium-cpu; default all), --model (tiny; mnv2-035-random, MobileNetV2-0.35 at 224 px with
 * random weights; a folder name under public/models/, or models/<name> where it shares a
 * built-in's name; or, Node only, a path to a model.json; default: tiny and every model in
 * public/models/), --steps (timed steps, >= 10 for reported figures), --warmup, --batch,
 * --emit-every (streaming comparison), --torch-threads (comma list, default 1,2; 0 = skip
 * torch), --out (default bench/results.json).
 * Browser options: --large (also run MobileNetV2-size models on chromium-cpu and on
 * chromium-webgpu/webgl with a software adapter, skipped by default: seconds to minutes per
 * step), --timeout (seconds per browser run, default 1200), --cold-start (fresh-context runs of
 * the cold-start measure, default 3 when a chromium env is selected; 0 = skip), --dist (the
 * production build to serve, default node_modules/.cache/camsteer-bench/dist, the benchmark's own
 * `vite build` of the app and bench.html; --dist dist uses and refreshes the app's dist/),
 * --build (rebuild it even when it looks fresh; it is rebuilt when missing or older than the
 * sources).
 * Chromium: /usr/bin/chromium where present (DESIGN.md §7), else Playwright's own browser.
 * It is a benchmark, not a test: nothing here asserts a time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import type { PreviewServer } from 'vite';
import { BUILTIN_MODELS, TRAIN, benchBatch, isBuiltinModel, measureTraining, median, type BenchRow as Row } from '../src/bench/measure';
import type { BenchPageResult } from '../src/bench/protocol';
import { disposeBatch } from '../src/core/batch';
import { registerTrainingKernels } from '../src/core/kernels';
import { camLayerNames } from '../src/core/model';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS_DIR = join(ROOT, 'public', 'models');
const PYTHON = '/usr/bin/python3';

/**
 * The benchmark's own production build (same config as dist/): other sessions rebuild and serve
 * dist/ for their e2e runs, and a build empties its folder, so sharing it breaks one or the other.
 */
const BENCH_DIST = join(ROOT, 'node_modules', '.cache', 'camsteer-bench', 'dist');
/** Debian's chromium where present (Playwright's browser download does not work on our machines). */
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
/** DESIGN.md §7; Playwright adds --headless and a fresh --user-data-dir itself. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

type NodeEnv = 'node-wasm' | 'node-cpu';
type BrowserEnv = 'chromium-webgpu' | 'chromium-webgl' | 'chromium-wasm' | 'chromium-cpu';
type EnvName = NodeEnv | BrowserEnv;
const NODE_ENVS: Record<NodeEnv, 'wasm' | 'cpu'> = { 'node-wasm': 'wasm', 'node-cpu': 'cpu' };
const BROWSER_ENVS: Record<BrowserEnv, 'webgpu' | 'webgl' | 'wasm' | 'cpu'> = {
  'chromium-webgpu': 'webgpu',
  'chromium-webgl': 'webgl',
  'chromium-wasm': 'wasm',
  'chromium-cpu': 'cpu',
};
const ENVS = { ...NODE_ENVS, ...BROWSER_ENVS };
const isBrowserEnv = (e: EnvName): e is BrowserEnv => e in BROWSER_ENVS;

interface Options {
  envs: EnvName[];
  /** --env given: run every env x model, even node-cpu with the larger models. */
  envsExplicit: boolean;
  models: string[];
  steps: number;
  warmup: number;
  batch: number;
  emitEvery: number;
  torchThreads: number[];
  out: string;
  /** Run MobileNetV2-size models on slow browser envs (cpu, software webgpu/webgl) too. */
  large: boolean;
  /** Seconds per browser run. */
  timeout: number;
  /** Fresh-context runs of the cold-start measure (0 = skip). */
  coldStart: number;
  /** Rebuild the served build even when it looks fresh. */
  build: boolean;
  /** The production build the browser environments are served from. */
  dist: string;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const flag = (name: string) => argv.includes(`--${name}`);
  const list = (name: string) => get(name)?.split(',').map((s) => s.trim()).filter(Boolean);
  const envs = (list('env') ?? Object.keys(ENVS)) as EnvName[];
  for (const e of envs) if (!(e in ENVS)) throw new Error(`--env: unknown environment "${e}" (known: ${Object.keys(ENVS).join(', ')})`);
  const found = existsSync(MODELS_DIR)
    ? readdirSync(MODELS_DIR).filter((d) => existsSync(join(MODELS_DIR, d, 'model.json')))
    : [];
  return {
    envs,
    envsExplicit: get('env') !== undefined,
    // a shipped folder named like a built-in (public/models/tiny) is addressed as models/<name>
    models: list('model') ?? ['tiny', ...found.map((d) => (isBuiltinModel(d) ? `models/${d}` : d))],
    steps: Number(get('steps') ?? 10),
    warmup: Number(get('warmup') ?? 2),
    batch: Number(get('batch') ?? 8),
    emitEvery: Number(get('emit-every') ?? 5),
    torchThreads: (list('torch-threads') ?? ['1', '2']).map(Number).filter((n) => n > 0),
    out: resolve(ROOT, get('out') ?? 'bench/results.json'),
    large: flag('large'),
    timeout: Number(get('timeout') ?? 1200),
    coldStart: Number(get('cold-start') ?? (envs.some(isBrowserEnv) ? 3 : 0)),
    build: flag('build'),
    dist: get('dist') ? resolve(ROOT, get('dist')!) : BENCH_DIST,
  };
}

/** A model the benchmark can build fresh, with identical weights, on any backend. */
interface BenchModel {
  id: string;
  inputSize: number;
  layerName: string;
  params: number;
  /** MobileNetV2-size: seconds to minutes per step on the slow environments. */
  large: boolean;
  /** Loadable by the browser page: a built-in or a folder under public/models/. */
  inBrowser: boolean;
  load(): Promise<tf.LayersModel>;
}

/** Reads a layers-model folder (model.json + weight files) from disk. */
async function loadModelJson(path: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const data = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(path), p)))));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    }),
  );
}

const isLarge = (inputSize: number, params: number) => inputSize >= 128 || params >= 1e6;

/**
 * tiny: the app's tiny baseline model (non-negative score) at 64 px; mnv2-035-random:
 * MobileNetV2-0.35 at 224 px, random weights (src/bench/measure.ts); otherwise a layers-model
 * folder (CAM layer from its metadata or its last conv layer).
 */
async function resolveModel(id: string): Promise<BenchModel> {
  if (isBuiltinModel(id)) {
    const b = BUILTIN_MODELS[id];
    const probe = b.build();
    const params = probe.countParams();
    probe.dispose();
    return { id, inputSize: b.inputSize, layerName: b.layerName, params, large: isLarge(b.inputSize, params), inBrowser: true, load: async () => b.build() };
  }
  const folder = id.replace(/^models\//, '');
  const path = id.endsWith('.json') ? resolve(ROOT, id) : join(MODELS_DIR, folder, 'model.json');
  if (!existsSync(path)) throw new Error(`model "${id}": ${path} does not exist`);
  const meta = (JSON.parse(readFileSync(path, 'utf8')) as { userDefinedMetadata?: Record<string, unknown> })
    .userDefinedMetadata;
  const probe = await loadModelJson(path);
  const inputSize = probe.inputs[0].shape[1] ?? 224;
  const names = camLayerNames(probe);
  const camsteer = meta?.camsteer as { layerName?: unknown } | undefined;
  const wanted = [camsteer?.layerName, meta?.camLayer, meta?.targetLayer, meta?.layerName].find((v): v is string => typeof v === 'string');
  const layerName = wanted && names.includes(wanted) ? wanted : names[names.length - 1];
  const params = probe.countParams();
  probe.dispose();
  const inBrowser = !id.endsWith('.json');
  return { id, inputSize, layerName, params, large: isLarge(inputSize, params), inBrowser, load: () => loadModelJson(path) };
}

async function benchEnv(env: NodeEnv, m: BenchModel, o: Options): Promise<Row> {
  const backend = NODE_ENVS[env];
  registerTrainingKernels(backend);
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`cannot start ${backend}`);
  await tf.ready();
  const model = await m.load();
  try {
    return await measureTraining(env, model, m, o);
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Browser environments: the production build served by `vite preview`, bench.html driven by
// Playwright in headless Chromium.

/** Newest mtime under a path (files only; test files do not go into the build). */
function newestSource(path: string): { file: string; mtime: number } {
  if (!existsSync(path)) return { file: path, mtime: 0 };
  const st = statSync(path);
  if (!st.isDirectory()) return { file: path, mtime: st.mtimeMs };
  let best = { file: path, mtime: 0 };
  for (const entry of readdirSync(path)) {
    if (entry.endsWith('.test.ts') || entry === 'node_modules') continue;
    const n = newestSource(join(path, entry));
    if (n.mtime > best.mtime) best = n;
  }
  return best;
}

/** Why the build in `dist` must be (re)made, or null when it holds both pages and is newer than the sources. */
function distStale(dist: string): string | null {
  const pages = ['index.html', 'bench.html'].map((f) => join(dist, f));
  const missing = pages.find((p) => !existsSync(p));
  if (missing) return `${relative(ROOT, missing)} is missing`;
  const built = Math.min(...pages.map((p) => statSync(p).mtimeMs));
  const sources = ['src', 'public', 'index.html', 'bench.html', 'vite.config.ts', 'package-lock.json'].map((p) => newestSource(join(ROOT, p)));
  const newest = sources.reduce((a, b) => (b.mtime > a.mtime ? b : a));
  return newest.mtime > built ? `${relative(ROOT, newest.file)} is newer than ${relative(ROOT, dist)}/` : null;
}

/** `vite build` with the project's config into `dist`, in this process (so nothing outlives the benchmark). */
async function viteBuild(dist: string): Promise<void> {
  const { build } = await import('vite');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

/** Everything started here, stopped on exit and on Ctrl-C. */
const running = { preview: null as PreviewServer | null, browsers: new Set<Browser>() };

async function cleanUp(): Promise<void> {
  await Promise.all([...running.browsers].map((b) => b.close().catch(() => undefined)));
  running.browsers.clear();
  const p = running.preview;
  running.preview = null;
  await p?.close().catch(() => undefined);
}

/**
 * `vite preview` of the build in `dist` on a free port, in this process (it ends with the
 * benchmark, however that ends); resolves with its base URL once it answers.
 */
async function startPreview(dist: string): Promise<string> {
  const { preview } = await import('vite');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  running.preview = await preview({
    root: ROOT,
    logLevel: 'warn',
    build: { outDir: dist },
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  const res = await fetch(`${base}/bench.html`);
  if (!res.ok) throw new Error(`vite preview answered ${res.status} for ${base}/bench.html`);
  return base;
}

async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath: SYSTEM_CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  running.browsers.add(browser);
  return browser;
}

async function closeBrowser(browser: Browser): Promise<void> {
  running.browsers.delete(browser);
  await browser.close().catch(() => undefined);
}

/** The page's WebGPU adapter or WebGL renderer, and whether it is a software one (SwiftShader). */
async function probeAdapter(base: string, backend: 'webgpu' | 'webgl'): Promise<{ software: boolean; adapter: string }> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/bench.html?probe`);
    return await page.evaluate(async (b) => {
      if (b === 'webgpu') {
        type Adapter = { info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean };
        const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
        const a = gpu ? await gpu.requestAdapter() : null;
        if (!a) return { software: true, adapter: 'none' };
        const info = a.info ?? {};
        const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
        return { software: Boolean(info.isFallbackAdapter ?? a.isFallbackAdapter) || /swiftshader/i.test(name), adapter: name || 'unknown' };
      }
      const gl = document.createElement('canvas').getContext('webgl2');
      if (!gl) return { software: true, adapter: 'none' };
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
      return { software: /swiftshader|llvmpipe|software/i.test(renderer), adapter: renderer };
    }, backend);
  } finally {
    await closeBrowser(browser);
  }
}

/** One env x model in a fresh browser (no shader cache from an earlier run): bench.html's result. */
async function benchBrowser(env: BrowserEnv, m: BenchModel, o: Options, base: string): Promise<Row> {
  const backend = BROWSER_ENVS[env];
  const q = new URLSearchParams({ backend, model: m.id, steps: String(o.steps), warmup: String(o.warmup), batch: String(o.batch), emitEvery: String(o.emitEvery) });
  const browser = await launchChromium();
  const errors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(`${base}/bench.html?${q}`);
    const deadline = Date.now() + o.timeout * 1000;
    let last = '';
    for (;;) {
      const [result, progress] = await page.evaluate((): [BenchPageResult | undefined, string | undefined] => [window.__benchResult, window.__benchProgress]);
      if (result) {
        if (!result.ok) throw new Error(result.error);
        if (result.row.env !== env) throw new Error(`the page ran ${result.row.env}, not ${env}`);
        return result.row;
      }
      if (progress && progress !== last) {
        last = progress;
        if (process.stdout.isTTY) process.stdout.write(`[${progress}] `);
      }
      if (Date.now() > deadline) throw new Error(`no result within ${o.timeout} s (last: ${last || 'nothing'}); pass --timeout`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } catch (e) {
    const extra = errors.length ? ` (page: ${errors.slice(-3).join(' | ')})` : '';
    throw new Error(`${(e as Error).message}${extra}`);
  } finally {
    await closeBrowser(browser);
  }
}

interface ColdStart {
  /** Navigation start to the ready badge (performance.now() in the page), one per fresh context. */
  runsMs: number[];
  medianMs: number;
  /** The same from the harness's side: page.goto called to the badge seen (adds Playwright's overhead). */
  harnessRunsMs: number[];
  backend: string;
  url: string;
}

/**
 * Stamps window.__readyAt (performance.now(), from navigation start) when the header's backend
 * badge turns "ok", or __failedAt when it turns "bad". A string: tsx would wrap a function's
 * inner functions in a helper (__name) that does not exist in the page.
 */
const READY_STAMP = `(() => {
  const check = () => {
    const badge = document.querySelector('[data-testid="backend-badge"]');
    if (!badge || window.__readyAt !== undefined) return;
    if (badge.classList.contains('ok')) {
      window.__readyAt = performance.now();
      window.__readyBackend = badge.getAttribute('data-backend') || '';
    } else if (badge.classList.contains('bad')) window.__failedAt = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['class', 'data-backend'] });
})();`;

/**
 * The app's cold start: from navigation to the header's backend badge turning "ok" (worker
 * started, backend initialised and warmed up, shipped models loaded) on ?backend=wasm, each in
 * a fresh browser context (empty cache and IndexedDB). A MutationObserver installed before the
 * page's scripts stamps the moment; Playwright's init scripts are not subject to the page's CSP.
 */
async function coldStart(base: string, runs: number): Promise<ColdStart> {
  const browser = await launchChromium();
  const runsMs: number[] = [];
  const harnessRunsMs: number[] = [];
  const errors: string[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        page.on('pageerror', (e) => errors.push(e.message));
        await page.addInitScript(READY_STAMP);
        const t0 = performance.now();
        await page.goto(`${base}/?backend=wasm`);
        await page.waitForFunction(() => {
          const w = window as unknown as { __readyAt?: number; __failedAt?: number };
          return w.__readyAt !== undefined || w.__failedAt !== undefined;
        }, null, { timeout: 120_000, polling: 50 });
        harnessRunsMs.push(performance.now() - t0);
        const r = await page.evaluate(() => {
          const w = window as unknown as { __readyAt?: number; __readyBackend?: string };
          return { at: w.__readyAt, backend: w.__readyBackend };
        });
        if (r.at === undefined) throw new Error(`the backend badge reported a failure${errors.length ? ` (page: ${errors.slice(-3).join(' | ')})` : ''}`);
        if (r.backend !== 'wasm') throw new Error(`ready on ${r.backend}, not wasm`);
        runsMs.push(r.at);
      } finally {
        await context.close();
      }
    }
  } finally {
    await closeBrowser(browser);
  }
  return { runsMs, medianMs: median(runsMs), harnessRunsMs, backend: 'wasm', url: '/?backend=wasm' };
}

interface BundleFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

interface Bundles {
  /** The app page's entry chunk (dist/assets/index-*.js). */
  main: BundleFile;
  /** The entry and the chunks it imports statically (what loads before the page runs). */
  mainInitial: { files: string[]; bytes: number; gzipBytes: number };
  /** The training worker, where tfjs lives (loaded by the page at start-up). */
  worker: BundleFile;
  /** Chunks the page imports lazily (e.g. saliency with its tfjs copy). */
  lazy: BundleFile[];
  wasm: BundleFile[];
  gzip: string;
}

/** Sizes of the built app (the build in `dist`), gzip at level 9. */
function bundleSizes(dist: string): Bundles {
  const assets = join(dist, 'assets');
  const size = (file: string): BundleFile => {
    const data = readFileSync(join(assets, file));
    return { file: `assets/${file}`, bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length };
  };
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = /<script[^>]+src="\/?assets\/([^"]+\.js)"/.exec(html)?.[1];
  if (!entry) throw new Error(`${join(dist, 'index.html')} has no module script`);
  const files = readdirSync(assets);
  const worker = files.find((f) => /^training\.worker-.*\.js$/.test(f));
  if (!worker) throw new Error(`${assets} has no training.worker-*.js`);
  // static imports: import"./x.js" / from"./x.js" (dynamic ones are import(`./x.js`))
  const initial = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length) {
    const src = readFileSync(join(assets, queue.pop()!), 'utf8');
    for (const [, f] of src.matchAll(/(?:\bimport|\bfrom)\s*["'`]\.\/([\w.-]+\.js)["'`]/g)) {
      if (!initial.has(f)) {
        initial.add(f);
        queue.push(f);
      }
    }
  }
  const initialSizes = [...initial].map(size);
  const lazyNames = new Set<string>();
  for (const f of initial) {
    for (const [, d] of readFileSync(join(assets, f), 'utf8').matchAll(/["'`](?:\.\/|assets\/)([\w.-]+\.js)["'`]/g)) {
      if (!initial.has(d) && !d.includes('.worker-')) lazyNames.add(d);
    }
  }
  return {
    main: size(entry),
    mainInitial: {
      files: initialSizes.map((f) => f.file),
      bytes: initialSizes.reduce((n, f) => n + f.bytes, 0),
      gzipBytes: initialSizes.reduce((n, f) => n + f.gzipBytes, 0),
    },
    worker: size(worker),
    lazy: [...lazyNames].filter((f) => files.includes(f)).map(size),
    wasm: files.filter((f) => f.endsWith('.wasm')).map(size),
    gzip: 'zlib level 9',
  };
}

interface TorchRow {
  env: string;
  model: string;
  threads: number;
  medianMs?: number;
  minMs?: number;
  firstStepMs?: number;
  imagesPerSec?: number;
  torchVersion?: string;
  firstLosses?: number[];
  /** |loss_torch - loss_tfjs| / loss_tfjs at the first step (same weights and batch). */
  firstLossRelDiff?: number;
  skipped?: string;
}

function torchAvailable(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch (Debian: apt-get install -y python3-torch)`;
  }
}

/** Writes the model's layers, weights and the batch for scripts/torch_ref.py. */
async function exportForTorch(m: BenchModel, o: Options, dir: string): Promise<void> {
  const model = await m.load();
  const batch = benchBatch(model, m.layerName, m.inputSize, o.batch);
  const chunks: Float32Array[] = [];
  let offset = 0;
  const put = (t: tf.Tensor) => {
    const v = t.dataSync() as Float32Array;
    chunks.push(v);
    offset += v.length;
    return { offset: offset - v.length, shape: t.shape };
  };
  const layers = model.layers.map((layer) => {
    const node = layer.inboundNodes[0];
    return {
      name: layer.name,
      className: layer.getClassName(),
      config: layer.getConfig(),
      inbound: node ? node.inboundLayers.map((l) => l.name) : [],
      weights: layer.weights.map((w, i) => ({
        role: w.originalName.split('/').pop(),
        trainable: w.trainable,
        ...put(layer.getWeights()[i]),
      })),
    };
  });
  const spec = {
    layers,
    targetLayer: m.layerName,
    outputLayer: model.outputLayers[0].name,
    batch: { x: put(batch.x), y: put(batch.y), masks: put(batch.masks), maskWeight: put(batch.maskWeight) },
    options: TRAIN,
  };
  const data = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  writeFileSync(join(dir, 'data.bin'), Buffer.from(data.buffer));
  disposeBatch(batch);
  model.dispose();
}

async function benchTorch(m: BenchModel, o: Options, tfjsLoss: number | undefined): Promise<TorchRow[]> {
  const missing = torchAvailable();
  if (missing) return [{ env: 'torch-cpu', model: m.id, threads: 0, skipped: missing }];
  const dir = mkdtempSync(join(tmpdir(), 'camsteer-bench-'));
  try {
    await exportForTorch(m, o, dir);
    return o.torchThreads.map((threads) => {
      const out = execFileSync(
        PYTHON,
        [join(ROOT, 'scripts', 'torch_ref.py'), join(dir, 'spec.json'), join(dir, 'data.bin'), String(threads), String(o.warmup), String(o.steps)],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      const r = JSON.parse(out.trim().split('\n').pop()!) as {
        error?: string;
        medianMs: number;
        firstStepMs: number;
        stepsMs: number[];
        torchVersion: string;
        threads: number;
        firstLosses: number[];
      };
      if (r.error) return { env: 'torch-cpu', model: m.id, threads, skipped: r.error };
      return {
        env: 'torch-cpu',
        model: m.id,
        threads: r.threads,
        medianMs: r.medianMs,
        minMs: Math.min(...r.stepsMs),
        firstStepMs: r.firstStepMs,
        imagesPerSec: (o.batch * 1000) / r.medianMs,
        torchVersion: r.torchVersion,
        firstLosses: r.firstLosses,
        firstLossRelDiff: tfjsLoss === undefined ? undefined : Math.abs(r.firstLosses[0] - tfjsLoss) / Math.abs(tfjsLoss),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const loadStart = loadavg();
  await tf.ready(); // resolveModel builds and loads models before any env has set its backend
  const rows: Row[] = [];
  const torchRows: TorchRow[] = [];
  const notes: string[] = [];
  const browserEnvs = o.envs.filter(isBrowserEnv);
  let base: string | null = null;
  let chromiumVersion: string | null = null;
  let bundles: Bundles | null = null;
  let cold: ColdStart | null = null;
  const adapters: Partial<Record<BrowserEnv, { software: boolean; adapter: string }>> = {};
  if (browserEnvs.length || o.coldStart > 0) {
    try {
      const why = o.build ? '--build' : distStale(o.dist);
      if (why) {
        process.stdout.write(`vite build into ${relative(ROOT, o.dist)}/ (${why}) ... `);
        await viteBuild(o.dist);
        console.log('done');
      }
      bundles = bundleSizes(o.dist);
      base = await startPreview(o.dist);
      const b = await launchChromium();
      chromiumVersion = b.version();
      await closeBrowser(b);
      for (const env of browserEnvs) {
        const backend = BROWSER_ENVS[env];
        if (backend === 'webgpu' || backend === 'webgl') adapters[env] = await probeAdapter(base, backend);
      }
    } catch (e) {
      notes.push(`browser environments and cold start skipped: ${(e as Error).message}`);
      await cleanUp();
      base = null;
    }
  }
  for (const id of o.models) {
    let m: BenchModel;
    try {
      m = await resolveModel(id);
    } catch (e) {
      notes.push(`model ${id} skipped: ${(e as Error).message}`);
      continue;
    }
    for (const env of o.envs) {
      if (env === 'node-cpu' && m.large && !o.envsExplicit) {
        notes.push(`node-cpu x ${m.id} skipped by default (minutes per step); pass --env node-cpu to run it`);
        continue;
      }
      if (isBrowserEnv(env)) {
        if (!base) continue;
        if (!m.inBrowser) {
          notes.push(`${env} x ${m.id} skipped: the bench page loads built-in models and folders under public/models/ only`);
          continue;
        }
        const adapter = adapters[env];
        const slow = env === 'chromium-cpu' ? 'the JavaScript cpu backend' : adapter?.software ? `a software adapter (${adapter.adapter})` : null;
        if (m.large && slow && !o.large) {
          notes.push(`${env} x ${m.id} skipped by default: MobileNetV2-size model on ${slow}, tens of seconds per step or more; pass --large to run it`);
          continue;
        }
      }
      process.stdout.write(`${env} x ${m.id} (${m.inputSize} px, batch ${o.batch}) ... `);
      try {
        const row = isBrowserEnv(env) ? await benchBrowser(env, m, o, base!) : await benchEnv(env, m, o);
        rows.push(row);
        console.log(`${fmt(row.medianMs)} ms/step`);
      } catch (e) {
        console.log('failed');
        notes.push(`${env} x ${m.id} failed: ${(e as Error).message}`);
      }
    }
    if (o.torchThreads.length) {
      process.stdout.write(`torch-cpu x ${m.id} ... `);
      const tfjsLoss = rows.find((r) => r.model === m.id)?.firstLosses[0];
      const t = await benchTorch(m, o, tfjsLoss);
      torchRows.push(...t);
      console.log(t.map((r) => (r.skipped ? `skipped (${r.skipped})` : `${fmt(r.medianMs)} ms/step (${r.threads} thr)`)).join(', '));
    }
  }
  if (base && o.coldStart > 0) {
    process.stdout.write(`cold start (?backend=wasm, ${o.coldStart} fresh contexts) ... `);
    try {
      cold = await coldStart(base, o.coldStart);
      console.log(`${fmt(cold.medianMs, 0)} ms`);
    } catch (e) {
      console.log('failed');
      notes.push(`cold start failed: ${(e as Error).message}`);
    }
  }
  await cleanUp();

  const pick = (env: string, model = 'tiny') => rows.find((r) => r.env === env && r.model === model) ?? rows.find((r) => r.env === env);
  const ref = pick('node-wasm') ?? rows[0];
  const overTorch = (env: string, model: string, threads?: number) => {
    const w = rows.find((r) => r.env === env && r.model === model);
    const ts = torchRows.filter((r) => r.model === model && r.medianMs !== undefined && (threads === undefined || r.threads === threads));
    const best = Math.min(...ts.map((r) => r.medianMs!));
    return w && ts.length ? w.medianMs / best : null;
  };
  const wasmOverTorch = (model: string, threads?: number) => overTorch('node-wasm', model, threads);
  // The live view's cost is a browser figure (frames cross to the page): from a Chromium row
  // where one was measured (wasm first: what the app picks on a machine without a GPU).
  const streamRef =
    ['chromium-wasm', 'chromium-webgpu', 'chromium-webgl', 'chromium-cpu'].map((e) => pick(e)).find((r) => r !== undefined) ?? ref;
  const models = [...new Set(rows.map((r) => r.model))];
  const ratios = {
    onePassOverTwoPass: ref ? ref.onePassOverTwoPass : null,
    streamingOverhead: streamRef ? streamRef.streamingOverhead : null,
    /** The same row's overhead from medians: median emission / (emitEvery x median step). */
    streamingOverheadFromMedians: streamRef ? streamRef.streamingOverheadFromMedians : null,
    /** The row streamingOverhead comes from. */
    streamingOverheadBasis: streamRef ? `${streamRef.env} x ${streamRef.model}` : null,
    /** node-wasm median over the fastest torch row (any thread count) of the same model. */
    wasmOverTorch: ref ? wasmOverTorch(ref.model) : null,
    basis: ref ? `${ref.env} x ${ref.model}` : null,
    byModel: Object.fromEntries(
      models.map((model) => [
        model,
        {
          wasmOverTorch: wasmOverTorch(model),
          wasmOverTorch1Thread: wasmOverTorch(model, 1),
          wasmOverTorch2Threads: wasmOverTorch(model, 2),
          /** chromium-wasm median over the fastest torch row of the same model. */
          chromiumWasmOverTorch: overTorch('chromium-wasm', model),
          onePassOverTwoPass: pick('node-wasm', model)?.model === model ? pick('node-wasm', model)!.onePassOverTwoPass : null,
        },
      ]),
    ),
    /** Every measured row's streaming overhead and one-pass/two-pass ratio, by "env x model". */
    byEnv: Object.fromEntries(
      rows.map((r) => [
        `${r.env} x ${r.model}`,
        { streamingOverhead: r.streamingOverhead, streamingOverheadFromMedians: r.streamingOverheadFromMedians, onePassOverTwoPass: r.onePassOverTwoPass },
      ]),
    ),
  };
  if (rows.some((r) => r.env.startsWith('node-'))) {
    notes.push(
      'streamingOverhead on node rows: emulation of the worker-side live view (computeCam on one image, readback and energy-in-mask ' +
        `every ${o.emitEvery} steps, as src/worker/session.ts does); excludes postMessage and canvas drawing.`,
    );
  }
  if (rows.some((r) => isBrowserEnv(r.env as EnvName))) {
    notes.push(
      'chromium rows: bench.html of the production build (vite preview, same CSP as the app), one fresh headless Chromium per env x model, ' +
        "the step in a module worker on the app's initBackend (training kernels registered on wasm/cpu); their streaming variant also posts " +
        `each frame to the page with its buffer transferred (every ${o.emitEvery} steps), without canvas drawing.`,
    );
  }
  if (rows.length) {
    notes.push(
      'streaming column: streamingOverhead (mean streaming iteration over mean plain step) and, in brackets, streamingOverheadFromMedians ' +
        '(median emission over emitEvery x median step); the first swings with a few disturbed steps on a loaded machine.',
    );
  }
  for (const [env, a] of Object.entries(adapters)) notes.push(`${env} adapter: ${a.adapter}${a.software ? ' (software)' : ''}`);
  notes.push(
    'tiny = buildTinyModel(64, 7, { nonNegativeScore: true }), the in-app baseline model; the Trainer projects its non-negative score weights ' +
      'after each step, the torch reference does not (32 weights).',
    'tfjs wasm runs single-threaded here (SIMD build); torch rows give 1 and 2 threads.',
  );
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverageStart: loadStart,
      loadAverageEnd: loadavg(),
      node: process.version,
      tfjs: tf.version.tfjs,
      wasmThreads: rows.some((r) => r.env === 'node-wasm') ? tfwasm.getThreadsCount() : null,
      chromium: chromiumVersion,
      chromiumPath: chromiumVersion ? (SYSTEM_CHROMIUM ?? "Playwright's bundled chromium") : null,
    },
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    options: { ...o, out: undefined, envsExplicit: undefined, dist: relative(ROOT, o.dist) },
    rows,
    torch: torchRows,
    ratios,
    /** Median ms from navigation to the app's ready badge on ?backend=wasm (null: not measured). */
    coldStartMs: cold ? cold.medianMs : null,
    /** The app's entry chunk (assets/index-*.js of the production build), gzip level 9 (null: not measured). */
    mainBundleGzipBytes: bundles ? bundles.main.gzipBytes : null,
    coldStart: cold,
    bundles,
    notes,
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);

  console.log('');
  console.table(
    rows.map((r) => ({
      env: r.env,
      model: `${r.model}@${r.inputSize}`,
      'ms/step (median)': fmt(r.medianMs),
      'min ms': fmt(r.minMs),
      'first step ms': fmt(r.firstStepMs),
      'images/s': fmt(r.imagesPerSec),
      'tensors before/after': `${r.tensorsBefore}/${r.tensorsAfter}${r.tensorsFlat ? '' : ' (not flat)'}`,
      '1-pass/2-pass': fmt(r.onePassOverTwoPass, 2),
      streaming: `${fmt(100 * r.streamingOverhead)}% (${fmt(100 * r.streamingOverheadFromMedians)}%)`,
    })),
  );
  if (torchRows.length) {
    console.table(
      torchRows.map((r) => ({
        env: r.env,
        model: r.model,
        threads: r.threads,
        'ms/step (median)': r.skipped ? `skipped: ${r.skipped}` : fmt(r.medianMs),
        'min ms': fmt(r.minMs),
        'images/s': fmt(r.imagesPerSec),
        'first-loss diff vs tfjs': r.firstLossRelDiff === undefined ? '-' : r.firstLossRelDiff.toExponential(1),
      })),
    );
  }
  if (cold) console.log(`cold start (${cold.url}, median of ${cold.runsMs.length} fresh contexts): ${fmt(cold.medianMs, 0)} ms [${cold.runsMs.map((v) => fmt(v, 0)).join(', ')}]`);
  if (bundles) {
    const kb = (n: number) => `${fmt(n / 1024)} KiB`;
    console.log(
      `main bundle ${bundles.main.file}: ${kb(bundles.main.gzipBytes)} gzip (${kb(bundles.main.bytes)}); with its static imports ${kb(bundles.mainInitial.gzipBytes)} gzip; ` +
        `worker ${bundles.worker.file}: ${kb(bundles.worker.gzipBytes)} gzip (${kb(bundles.worker.bytes)})`,
    );
  }
  console.log('ratios', JSON.stringify(ratios));
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`wrote ${o.out}`);
}

// Ctrl-C, `timeout` and the like: stop the preview server and browsers started here first.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(code));
  });
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
