import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Page, Worker } from '@playwright/test';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/** A server on another origin (another port) that answers anything, and counts what reaches it. */
async function otherOrigin(): Promise<{ url: string; hits: () => number; close: () => void }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
    res.end('reached');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/exfiltrate`, hits: () => hits, close: () => void server.close() };
}

const tryFetch = (url: string) =>
  fetch(url).then(
    async (r) => `fetched: ${await r.text()}`,
    (e: unknown) => `blocked: ${String(e)}`,
  );

async function trainingWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().some((w) => /training/.test(w.url())), { timeout: 60_000 }).toBe(true);
  return page.workers().find((w) => /training/.test(w.url()))!;
}

/** Checks that the page and its training worker cannot reach another origin, and that the server was never reached. */
async function expectBlocked(page: Page): Promise<void> {
  const other = await otherOrigin();
  try {
    expect(await (await fetch(other.url)).text()).toBe('reached'); // it does answer when asked from outside the app
    const worker = await trainingWorker(page);
    expect(await worker.evaluate(tryFetch, other.url)).toMatch(/^blocked/);
    expect(await page.evaluate(tryFetch, other.url)).toMatch(/^blocked/);
    expect(other.hits()).toBe(1);
  } finally {
    other.close();
  }
}

test('vite preview sends the CSP as a header, and a fetch to another origin from inside the training worker is blocked', async ({ page, request }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  const csp = (await request.get('/')).headers()['content-security-policy'];
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("worker-src 'self'");
  // the worker takes the policy of the response that served its script
  const worker = await trainingWorker(page);
  expect((await request.get(worker.url())).headers()['content-security-policy']).toBe(csp);
  await expectBlocked(page);
});

test('npm start (the dev server) sends the CSP header, and the app and hot reload work under it', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  const port = (Number(process.env.E2E_PORT) || 4173) + 1000;
  const base = `http://127.0.0.1:${port}`;
  const root = resolve(import.meta.dirname, '..');
  const server: ChildProcess = spawn(process.execPath, [resolve(root, 'node_modules/vite/bin/vite.js'), '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: root,
    env: { ...process.env, VITE_CACHE_DIR: resolve(root, 'test-results/vite-dev-cache') },
    stdio: 'ignore',
  });
  try {
    await expect.poll(async () => (await fetch(base).catch(() => null))?.status ?? 0, { timeout: 60_000 }).toBe(200);
    const csp = (await fetch(base)).headers.get('content-security-policy');
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'nonce-[^']+'/);
    expect(csp).toContain("connect-src 'self'");
    const hmr: string[] = [];
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/\[vite\] connected/.test(m.text())) hmr.push(m.text());
      if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${base}/?backend=wasm`);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 4 * 60_000 });
    await expect(page.getByTestId('photo-raccoon')).toBeVisible();
    await expect.poll(() => hmr.length).toBeGreaterThan(0); // the hot-reload websocket connected
    expect(violations).toEqual([]);
    await expectBlocked(page);
  } finally {
    server.kill();
  }
});
