/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Content-Security-Policy: only the app's own origin, plus 'wasm-unsafe-eval' for WebAssembly
 * and blob:/data: for downloads and uploaded images. No inline scripts. It is sent as an HTTP
 * header on every response (`vite preview`; a static host must do the same, README), because
 * a <meta> policy binds the page but not the training worker: a worker takes the policy of the
 * response that served its script. The build also keeps it as a <meta> tag, so a host that
 * sends no header still protects the page.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "connect-src 'self' blob: data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/**
 * The dev server's policy (`npm start`): the same, except that
 * - the inline script hot reload injects (React refresh's preamble) is allowed by a nonce made at
 *   each start (Vite puts it on every script tag it serves, html.cspNonce); hot reload's
 *   websocket is same-origin ('self');
 * - scripts and workers from blob: URLs run: the dev server serves tfjs-backend-wasm pre-bundled
 *   as it ships, which starts its pthread workers from Blobs the training worker makes (the
 *   production build serves them as files instead: camsteer-wasm-threads below). Refused, the
 *   threads never start and the backend check waits forever. Requests still go nowhere but the
 *   app's origin (connect-src).
 */
const DEV_NONCE = randomBytes(18).toString('base64');
export const DEV_CSP = CSP.replace("script-src 'self' 'wasm-unsafe-eval'", `script-src 'self' 'wasm-unsafe-eval' 'nonce-${DEV_NONCE}' blob:`).replace(
  "worker-src 'self'",
  "worker-src 'self' blob:",
);

function contentSecurityPolicy(): Plugin {
  const header = (policy: string) => (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
    res.setHeader('Content-Security-Policy', policy);
    next();
  };
  return {
    name: 'camsteer-csp',
    configureServer: (server) => void server.middlewares.use(header(DEV_CSP)),
    configurePreviewServer: (server) => void server.middlewares.use(header(CSP)),
    transformIndexHtml: {
      order: 'post',
      handler: (_html, ctx) => (ctx.server ? [] : [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }]),
    },
  };
}

/**
 * Cross-origin isolation (COOP + COEP) on the dev and preview servers: a browser gives
 * SharedArrayBuffer, and so tfjs-backend-wasm's threads, only to an isolated page. A static host
 * must send the same two headers on every response (README, Performance); without them the app
 * runs wasm on one thread.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * tfjs-backend-wasm's threaded build in the production bundle. tfjs starts its pthread workers
 * from two Blobs: the worker script (a string it carries) and its Emscripten factory as
 * `factory.toString()`, which after minification refers to names outside the function
 * ("e is not defined" in the thread workers), and the CSP (worker-src/script-src 'self') refuses
 * blob: workers anyway. This serves both as files of the app's origin instead: the package's
 * factory script as it ships (wasm-out/tfjs-backend-wasm-threaded-simd.js) and its worker
 * script, and points tfjs's init() at their URLs. The build fails if tfjs's code changed shape.
 */
function wasmThreads(): Plugin {
  const require = createRequire(import.meta.url);
  const wasmOut = (f: string) => require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${f}`);
  const blobWorker = /const response = wasmWorkerContents\.replace\([^;]*;\s*const blob = new Blob\([^;]*;\s*return URL\.createObjectURL\(blob\);/;
  const blobMain = /factoryConfig\.mainScriptUrlOrBlob = new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\);/;
  return {
    name: 'camsteer-wasm-threads',
    apply: 'build',
    transform(code, id) {
      if (!id.replace(/\\/g, '/').endsWith('@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js')) return null;
      if (!blobWorker.test(code) || !blobMain.test(code)) this.error('tfjs-backend-wasm: init() no longer has the Blob worker code camsteer-wasm-threads replaces');
      const { wasmWorkerContents } = require(wasmOut('tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
      // As tfjs does before making its Blob: the string's newlines were "\n" escapes in the worker's code.
      const worker = this.emitFile({ type: 'asset', name: 'tfjs-backend-wasm-threaded-simd.worker.js', source: wasmWorkerContents.replace(/\n/g, '\\n') });
      const main = this.emitFile({ type: 'asset', name: 'tfjs-backend-wasm-threaded-simd.js', source: readFileSync(wasmOut('tfjs-backend-wasm-threaded-simd.js'), 'utf8') });
      return code
        .replace(blobWorker, `return import.meta.ROLLUP_FILE_URL_${worker};`)
        .replace(blobMain, `factoryConfig.mainScriptUrlOrBlob = import.meta.ROLLUP_FILE_URL_${main};`);
    },
  };
}

export default defineConfig(({ command }) => ({
  plugins: [react(), contentSecurityPolicy()],
  // Fault injection and the window handle for the browser tests exist only in a test build
  // (`npm run build:e2e`); `npm run build` drops them (e2e/bundle.spec.ts checks).
  define: { __TEST_HOOKS__: JSON.stringify(process.env.CAMSTEER_TEST_HOOKS === '1') },
  html: command === 'serve' ? { cspNonce: DEV_NONCE } : {},
  // Pre-bundled dependencies: VITE_CACHE_DIR, else Vite's default (node_modules/.vite). The
  // dev-server test sets it so that a node_modules shared between checkouts stays untouched.
  cacheDir: process.env.VITE_CACHE_DIR || undefined,
  server: { port: 5173, strictPort: false, headers: ISOLATION_HEADERS },
  preview: { port: 4173, strictPort: true, headers: ISOLATION_HEADERS },
  // tfjs lives in the workers, whose bundles get their own plugins
  worker: { format: 'es', plugins: () => [wasmThreads()] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // bench.html: the browser side of `npm run bench` (src/bench/), built and served with the app.
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        bench: fileURLToPath(new URL('./bench.html', import.meta.url)),
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
}));
