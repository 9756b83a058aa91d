/**
 * The browser environments of `npm run bench`: the app's production build (its own copy, see
 * BENCH_DIST) served by `vite preview`, bench.html driven by Playwright in headless Chromium;
 * also the app's cold start and bundle sizes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from '@playwright/test';
import type { PreviewServer } from 'vite';
import { BROWSER_ENVS, CHROMIUM_ARGS, SYSTEM_CHROMIUM_PATHS, type BrowserEnv } from '../../src/bench/config';
import { median, type BenchRow as Row } from '../../src/bench/measure';
import type { BenchPageResult } from '../../src/bench/protocol';
import type { BenchModel } from './models';
import type { Options } from './options';

/** Debian's chromium where present, else Playwright's own browser. */
export const SYSTEM_CHROMIUM = SYSTEM_CHROMIUM_PATHS.find((p) => existsSync(p));

/**
 * The benchmark's own production build (same config as dist/): other sessions rebuild and serve
 * dist/ for their e2e runs, and a build empties its folder, so sharing it breaks one or the other.
 */
export const benchDist = (root: string) => join(root, 'node_modules', '.cache', 'camsteer-bench', 'dist');

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
export function distStale(root: string, dist: string): string | null {
  const pages = ['index.html', 'bench.html'].map((f) => join(dist, f));
  const missing = pages.find((p) => !existsSync(p));
  if (missing) return `${relative(root, missing)} is missing`;
  const built = Math.min(...pages.map((p) => statSync(p).mtimeMs));
  const sources = ['src', 'public', 'index.html', 'bench.html', 'vite.config.ts', 'package-lock.json'].map((p) => newestSource(join(root, p)));
  const newest = sources.reduce((a, b) => (b.mtime > a.mtime ? b : a));
  return newest.mtime > built ? `${relative(root, newest.file)} is newer than ${relative(root, dist)}/` : null;
}

/** `vite build` with the project's config into `dist`, in this process (so nothing outlives the benchmark). */
export async function viteBuild(root: string, dist: string): Promise<void> {
  const { build } = await import('vite');
  await build({ root, logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
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

export async function cleanUp(): Promise<void> {
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
export async function startPreview(root: string, dist: string): Promise<string> {
  const { preview } = await import('vite');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  running.preview = await preview({
    root,
    logLevel: 'warn',
    build: { outDir: dist },
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  const res = await fetch(`${base}/bench.html`);
  if (!res.ok) throw new Error(`vite preview answered ${res.status} for ${base}/bench.html`);
  return base;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath: SYSTEM_CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  running.browsers.add(browser);
  return browser;
}

export async function closeBrowser(browser: Browser): Promise<void> {
  running.browsers.delete(browser);
  await browser.close().catch(() => undefined);
}

/** The page's WebGPU adapter or WebGL renderer, and whether it is a software one (SwiftShader). */
export async function probeAdapter(base: string, backend: 'webgpu' | 'webgl'): Promise<{ software: boolean; adapter: string }> {
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
export async function benchBrowser(env: BrowserEnv, m: BenchModel, o: Options, batch: number, base: string): Promise<Row> {
  const backend = BROWSER_ENVS[env];
  const q = new URLSearchParams({ backend, model: m.id, steps: String(o.steps), warmup: String(o.warmup), batch: String(batch), emitEvery: String(o.emitEvery) });
  const browser = await launchChromium();
  const errors: string[] = [];
  try {
    const page = await browser.newPage();
    // --no-isolation: as a host that does not send COOP/COEP (wasm then runs on one thread)
    if (o.noIsolation) {
      await page.route('**/*', async (route) => {
        const res = await route.fetch();
        const headers = { ...res.headers() };
        delete headers['cross-origin-opener-policy'];
        delete headers['cross-origin-embedder-policy'];
        await route.fulfill({ response: res, headers });
      });
    }
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

export interface ColdStart {
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
export async function coldStart(base: string, runs: number): Promise<ColdStart> {
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

export interface Bundles {
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
export function bundleSizes(dist: string): Bundles {
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
