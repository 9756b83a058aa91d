/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { randomBytes } from 'node:crypto';
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
 * The dev server's policy (`npm start`): the same, except that the inline script hot reload
 * injects (React refresh's preamble) is allowed by a nonce made at each start (Vite puts it on
 * every script tag it serves, html.cspNonce); hot reload's websocket is same-origin ('self').
 */
const DEV_NONCE = randomBytes(18).toString('base64');
export const DEV_CSP = CSP.replace("script-src 'self' 'wasm-unsafe-eval'", `script-src 'self' 'wasm-unsafe-eval' 'nonce-${DEV_NONCE}'`);

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

export default defineConfig(({ command }) => ({
  plugins: [react(), contentSecurityPolicy()],
  // Fault injection and the window handle for the browser tests exist only in a test build
  // (`npm run build:e2e`); `npm run build` drops them (e2e/bundle.spec.ts checks).
  define: { __TEST_HOOKS__: JSON.stringify(process.env.CAMSTEER_TEST_HOOKS === '1') },
  html: command === 'serve' ? { cspNonce: DEV_NONCE } : {},
  // Pre-bundled dependencies: VITE_CACHE_DIR, else Vite's default (node_modules/.vite). The
  // dev-server test sets it so that a node_modules shared between checkouts stays untouched.
  cacheDir: process.env.VITE_CACHE_DIR || undefined,
  server: { port: 5173, strictPort: false },
  preview: { port: 4173, strictPort: true },
  worker: { format: 'es' },
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
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
}));
