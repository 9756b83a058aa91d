import { readFileSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import type { Page } from '@playwright/test';
import { blackPng, editLayer, splitZipBomb } from '../src/core/hostileFixtures';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/** Hostile files given to the app (docs/bad-input.md): each refused with a message, nothing changed, the page responsive. */

const tinyJson = () => JSON.parse(readFileSync('public/models/tiny/model.json', 'utf8')) as Record<string, unknown>;
const tinyWeights = () => new Uint8Array(readFileSync('public/models/tiny/weights.bin'));
/** The tiny model's weights with its first weight's value 3 set to NaN (float32 or float16, as it ships). */
function nanWeights(): { weights: Uint8Array; name: string } {
  const first = (tinyJson() as { weightsManifest: { weights: { name: string; quantization?: { dtype: string } }[] }[] }).weightsManifest[0].weights[0];
  const w = tinyWeights().slice();
  if (first.quantization?.dtype === 'float16') new Uint16Array(w.buffer)[3] = 0x7e00;
  else new Float32Array(w.buffer)[3] = NaN;
  return { weights: w, name: first.name };
}
const zipOf = (json: object, weights: Uint8Array) => Buffer.from(zipSync({ 'model.json': strToU8(JSON.stringify(json)), 'weights.bin': weights }));

/** The page answers a trivial evaluate within 2 s (its main thread is not stuck decoding or unpacking). */
async function expectResponsive(page: Page): Promise<void> {
  const t0 = Date.now();
  await page.evaluate(() => 1);
  expect(Date.now() - t0).toBeLessThan(2000);
}

const libraryNames = (page: Page) => page.locator('[data-testid^="model-"][data-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));

test('hostile model zips are refused with a message and change nothing: split zip bomb, 1e6 filters, NaN weights', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  await page.getByTestId('tab-compare').click();
  await expect(page.locator('[data-kind="shipped"]').first()).toBeVisible();
  const before = await libraryNames(page);
  const nan = nanWeights();
  const cases: [string, Buffer, RegExp][] = [
    ['bomb.zip', splitZipBomb(JSON.stringify(tinyJson()), tinyWeights()), /the archive would unpack to 2280 MB; the limit is 232 MB/],
    ['filters.zip', zipOf(editLayer(tinyJson(), 'cam_target', (l) => void (l.config.filters = 1e6)), tinyWeights()), /its layer "cam_target" declares filters 1000000/],
    ['nan.zip', zipOf(tinyJson(), nan.weights), new RegExp(`its weight "${nan.name}" holds NaN \\(value 3\\)`)],
  ];
  for (const [name, buffer, message] of cases) {
    await page.getByTestId('import-input').setInputFiles({ name, mimeType: 'application/zip', buffer });
    const banner = page.getByTestId('error-banner');
    await expect(banner).toHaveAttribute('data-code', 'import');
    await expect(banner).toContainText(message);
    await expectResponsive(page);
    expect(await libraryNames(page)).toEqual(before);
    await page.getByRole('button', { name: 'Dismiss' }).click();
  }
  await page.reload();
  await page.getByTestId('tab-compare').click();
  await expect(page.locator('[data-kind="shipped"]').first()).toBeVisible();
  expect(await libraryNames(page)).toEqual(before);
});

test('a 12000 x 12000 photo is refused from its header, before decoding', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  const thumbs = page.locator('[data-testid^="photo-"]');
  const count = await thumbs.count();
  await page.getByTestId('upload-input').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: blackPng(12000, 12000) });
  await expect(page.getByTestId('error-banner')).toContainText('"huge.png" was not added: it is 12000x12000 pixels (144 MP); images up to 100 MP are accepted.');
  await expectResponsive(page);
  await expect(thumbs).toHaveCount(count);
});

test('a 20000 x 20000 mask is refused from its header, with the photos\' limit', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  await page.getByTestId('mask-preset-corners').click();
  const area = await page.getByTestId('mask-area').getAttribute('data-value');
  await page.getByTestId('mask-upload-input').setInputFiles({ name: 'huge-mask.png', mimeType: 'image/png', buffer: blackPng(20000, 20000) });
  await expect(page.getByTestId('mask-upload-error')).toContainText('“huge-mask.png” cannot be used as a mask: it is 20000x20000 pixels (400 MP); images up to 100 MP are accepted. The mask is unchanged.');
  await expectResponsive(page);
  expect(await page.getByTestId('mask-area').getAttribute('data-value')).toBe(area);
});

test.describe('the error guard itself', () => {
  test('an unhandled promise rejection in the page fails the test', async ({ page }) => {
    test.fail();
    await page.goto('/photos/index.json');
    await page.evaluate(() => void Promise.reject(new Error('rejected on purpose in the page')));
    await page.waitForTimeout(200);
  });

  test('an unhandled promise rejection in a worker fails the test', async ({ page }) => {
    test.fail();
    const app = new AppPage(page);
    await app.open('wasm');
    const worker = page.workers().find((w) => /training/.test(w.url()))!;
    await worker.evaluate(() => void Promise.reject(new Error('rejected on purpose in the worker')));
    await page.waitForTimeout(200);
  });
});
