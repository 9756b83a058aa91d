import { readFile } from 'node:fs/promises';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

test('reproduce the four-model experiment in one click, then cancel a second run', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm', { from: 'newBaseline' });
  await app.newBaseline();
  await app.tinySettings({ inputSize: 32, baselineSteps: 60, batchSize: 4, emitEvery: 5 });
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('reproduce-run').click();
  await expect(page.getByTestId('reproduce-status')).toContainText('Model 1 of 4');
  await expect(page.getByTestId('reproduce-status')).toContainText('Model 4 of 4', { timeout: 240_000 });
  const table = page.getByTestId('reproduce-table');
  await expect(table).toBeVisible({ timeout: 240_000 });
  for (const kind of ['salient', 'corners', 'VG']) await expect(page.getByTestId(`reproduce-row-${kind}`)).toBeVisible();
  // GradCAM was steered: each steered model puts more of its GradCAM in its own mask than the baseline does
  for (const kind of ['corners', 'VG']) {
    const row = page.getByTestId(`reproduce-row-${kind}`);
    expect(Number(await row.getAttribute('data-energy'))).toBeGreaterThan(Number(await row.getAttribute('data-baseline')));
  }
  await expect(page.locator('[data-name^="Reproduction · "]')).toHaveCount(4);
  // the figure: the four models on the test photos the app shows
  const app20 = (JSON.parse(await readFile('public/photos/index.json', 'utf8')) as { id: string; app?: boolean }[]).filter((p) => p.app).map((p) => p.id);
  const testPhotos = (JSON.parse(await readFile('public/data/splits.json', 'utf8')) as { test: string[] }).test.filter((id) => app20.includes(id));
  expect(testPhotos.length).toBeGreaterThan(0);
  await expect(page.getByTestId('grid')).toHaveAttribute('data-cells', String(4 * testPhotos.length), { timeout: 120_000 });

  await page.getByTestId('reproduce-run').click();
  await expect(page.getByTestId('reproduce-status')).toBeVisible();
  await page.getByTestId('reproduce-cancel').click();
  await expect(page.getByTestId('reproduce-error')).toHaveText('Cancelled.', { timeout: 60_000 });
  await expect(page.getByTestId('train-button').or(page.getByTestId('reproduce-run'))).toBeEnabled();
  expect(app.offOrigin).toEqual([]);
  expect(app.cspViolations).toEqual([]);
});
