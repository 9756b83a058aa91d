import { readFileSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import type { Page } from '@playwright/test';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/** Storage that cannot half-save (docs/bad-input.md): one database, one transaction per model, orphans removed, old data migrated, a full quota reported. */

const OLD_DATABASES = ['camsteer-models-meta', 'camsteer-models-weights', 'camsteer-checkpoint', 'camsteer-workspace'];

function tinyZip(): Buffer {
  const json = JSON.parse(readFileSync('public/models/tiny/model.json', 'utf8')) as object;
  return Buffer.from(zipSync({ 'model.json': strToU8(JSON.stringify(json)), 'weights.bin': new Uint8Array(readFileSync('public/models/tiny/weights.bin')) }));
}

async function importTiny(page: Page, name: string): Promise<string> {
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('import-input').setInputFiles({ name: `${name}.zip`, mimeType: 'application/zip', buffer: tinyZip() });
  const row = page.locator(`[data-kind="imported"][data-name="${name}"]`);
  await expect(row).toHaveCount(1);
  return (await row.getAttribute('data-testid'))!.replace(/^model-/, '');
}

/** The keys of the stores of CamSteer's database (and the names of every database of the origin). */
function storage(page: Page): Promise<{ databases: string[]; meta: string[]; weights: string[] }> {
  return page.evaluate(async () => {
    const databases = (await indexedDB.databases()).map((d) => d.name!).sort();
    if (!databases.includes('camsteer')) return { databases, meta: [], weights: [] };
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('camsteer');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const keys = (store: string) =>
      new Promise<string[]>((res, rej) => {
        const r = db.transaction(store).objectStore(store).getAllKeys();
        r.onsuccess = () => res(r.result.map(String).sort());
        r.onerror = () => rej(r.error);
      });
    const out = { databases, meta: await keys('model-meta'), weights: await keys('model-weights') };
    db.close();
    return out;
  });
}

test('one database: a model\'s metadata and weights are saved and deleted together, and half-saved models are removed on start', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  const id = await importTiny(page, 'kept');
  await expect.poll(() => storage(page)).toEqual({ databases: ['camsteer'], meta: [id], weights: [id] });

  // half-saved models, as the old two-database layout could leave them: metadata without weights, weights without metadata
  await page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('camsteer');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const tx = db.transaction(['model-meta', 'model-weights'], 'readwrite');
    const meta = tx.objectStore('model-meta');
    const weights = tx.objectStore('model-weights');
    const get = (s: IDBObjectStore) => new Promise<Record<string, unknown>>((res) => (s.get(id).onsuccess = (e) => res((e.target as IDBRequest).result)));
    const [m, w] = [await get(meta), await get(weights)];
    meta.put({ ...m, id: 'orphan-meta', name: 'half-saved' }, 'orphan-meta');
    weights.put(w, 'orphan-weights');
    await new Promise((res) => (tx.oncomplete = res));
    db.close();
  }, id);
  expect((await storage(page)).meta).toEqual([id, 'orphan-meta'].sort());
  await page.reload();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByTestId('tab-compare').click();
  await expect(page.locator(`[data-kind="imported"][data-name="kept"]`)).toHaveCount(1);
  await expect(page.locator('[data-name="half-saved"]')).toHaveCount(0);
  await expect.poll(() => storage(page)).toEqual({ databases: ['camsteer'], meta: [id], weights: [id] });

  // deleting removes both records
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId(`model-${id}`).getByTestId('model-delete').click();
  await expect(page.getByTestId(`model-${id}`)).toHaveCount(0);
  await expect.poll(() => storage(page)).toEqual({ databases: ['camsteer'], meta: [], weights: [] });
});

test('data of the previous version (four databases) is moved into the one database on first start', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  await page.getByTestId('mask-preset-center').click();
  const area = await page.getByTestId('mask-area').getAttribute('data-value');
  const id = await importTiny(page, 'from-old-version');
  await page.waitForTimeout(600); // masks are saved 250 ms after a change
  // leave the app, then lay its records out as the previous version kept them, in four databases
  await page.goto('/photos/index.json');
  await page.evaluate(async ({ id }) => {
    const open = (name: string, stores: string[] = []) =>
      new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(name, 1);
        r.onupgradeneeded = () => stores.forEach((s) => r.result.createObjectStore(s));
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
    const all = (db: IDBDatabase, store: string) =>
      new Promise<[string, unknown][]>((res) => {
        const s = db.transaction(store).objectStore(store);
        const k = s.getAllKeys();
        const v = s.getAll();
        v.onsuccess = () => res(k.result.map((key, i) => [String(key), v.result[i]]));
      });
    const put = (db: IDBDatabase, store: string, records: [string, unknown][]) =>
      new Promise((res) => {
        const tx = db.transaction(store, 'readwrite');
        for (const [k, v] of records) tx.objectStore(store).put(v, k);
        tx.oncomplete = res;
      });
    const now = await open('camsteer');
    const meta = (await all(now, 'model-meta')).filter(([k]) => k === id);
    const weights = (await all(now, 'model-weights')).filter(([k]) => k === id);
    const workspace = await all(now, 'workspace');
    now.close();
    await new Promise((res) => (indexedDB.deleteDatabase('camsteer').onsuccess = res));
    const m = meta[0][1] as Record<string, unknown>;
    await put(await open('camsteer-models-meta', ['meta']), 'meta', [...meta, ['m-half', { ...m, id: 'm-half', name: 'half-saved' }]]);
    await put(await open('camsteer-models-weights', ['weights']), 'weights', weights);
    await put(await open('camsteer-workspace', ['items']), 'items', workspace);
  }, { id });
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByTestId('tab-compare').click();
  await expect(page.locator('[data-kind="imported"][data-name="from-old-version"]')).toHaveCount(1);
  await expect(page.locator('[data-name="half-saved"]')).toHaveCount(0);
  await page.getByTestId('tab-steer').click();
  await expect(page.getByTestId('mask-area')).toHaveAttribute('data-value', area!);
  await expect.poll(async () => (await storage(page)).databases.filter((d) => OLD_DATABASES.includes(d))).toEqual([]);
  expect(await storage(page)).toEqual({ databases: ['camsteer'], meta: [id], weights: [id] });
});

test('a full storage quota is reported, the model stays in memory, and nothing of it is half-saved', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1024 });
  try {
    await page.getByTestId('tab-compare').click();
    await page.getByTestId('import-input').setInputFiles({ name: 'too-big.zip', mimeType: 'application/zip', buffer: tinyZip() });
    const banner = page.getByTestId('error-banner');
    await expect(banner).toHaveAttribute('data-code', 'storage');
    await expect(banner).toContainText('“too-big” was not saved: Browser storage is full (quota exceeded)');
    await expect(page.locator('[data-kind="imported"][data-name="too-big"]')).toHaveCount(1); // kept in memory
    expect(await storage(page)).toEqual({ databases: ['camsteer'], meta: [], weights: [] });
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  }
  await page.reload();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByTestId('tab-compare').click();
  await expect(page.locator('[data-kind="shipped"]').first()).toBeVisible();
  await expect(page.locator('[data-name="too-big"]')).toHaveCount(0);
});
