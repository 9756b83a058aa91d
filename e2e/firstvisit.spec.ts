import type { Page } from '@playwright/test';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/** What a new user tripped over on a first visit (issue 18), without training anything. */

async function storedArea(page: Page): Promise<{ area: number; corner: number; inside: number }> {
  return page.evaluate(() => {
    type M = { width: number; height: number; data: Float32Array };
    const s = (window as unknown as { __camsteer: { store: { getState(): { sharedMask: M } } } }).__camsteer.store.getState();
    const m = s.sharedMask;
    const at = (u: number, v: number) => m.data[Math.floor(v * m.height) * m.width + Math.floor(u * m.width)];
    return { area: m.data.reduce((a, b) => a + b, 0) / m.data.length, corner: at(0.02, 0.02), inside: at(0.4, 0.4) };
  });
}

test('first visit: an empty mask, settings that apply, labelled progress, dated models, a compact grid, audit defaults', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  const app = new AppPage(page);
  await app.open('wasm');

  // the mask starts empty: the first rectangle is the whole target (no corners preset to clear first)
  expect((await storedArea(page)).area).toBe(0);
  await expect(page.getByTestId('mask-steer-warning')).toBeVisible();
  await page.getByTestId('mask-tool-rect').click();
  const box = (await page.getByTestId('mask-canvas').boundingBox())!;
  await page.mouse.move(box.x + 0.2 * box.width, box.y + 0.2 * box.height);
  await page.mouse.down();
  await page.mouse.move(box.x + 0.6 * box.width, box.y + 0.6 * box.height, { steps: 8 });
  await page.mouse.up();
  const m = await storedArea(page);
  expect(m.area).toBeGreaterThan(0.14);
  expect(m.area).toBeLessThan(0.18);
  expect(m.corner).toBe(0);
  expect(m.inside).toBe(1);

  // settings that shape only a new baseline are off, with a note, while a shipped model is the base
  await expect(page.getByTestId('base-select')).toHaveValue('shipped-tiny');
  for (const key of ['inputSize', 'baselineSteps']) {
    await expect(page.getByTestId(`setting-${key}`)).toBeDisabled();
    await expect(page.getByTestId(`setting-${key}-note`)).toContainText('only to a new baseline');
  }
  await expect(page.getByTestId('setting-steerSteps')).toBeEnabled();
  await page.getByTestId('base-select').selectOption('');
  for (const key of ['inputSize', 'baselineSteps']) await expect(page.getByTestId(`setting-${key}`)).toBeEnabled();
  await expect(page.getByTestId('energy-before')).toHaveCount(0);
  await page.getByTestId('base-select').selectOption('shipped-tiny');
  await expect(page.getByTestId('setting-inputSize')).toBeDisabled();

  // every progress bar says what it measures; the loss chart counts steps
  await expect(page.getByRole('progressbar', { name: 'Fine-tune · not started' })).toBeVisible();
  await expect(page.getByTestId('loss-chart').locator('.u-legend')).toContainText(/^step/);

  // the library: shipped models are not dated 1970
  await page.getByTestId('tab-compare').click();
  for (const id of ['shipped-tiny', 'shipped-mobilenetv2']) await expect(page.getByTestId(`model-${id}`).getByTestId('model-when')).toHaveText('shipped with the app');
  await expect(page.getByTestId('library')).not.toContainText('1970');

  // one ticked model: grid cells keep a cell's size, the page does not grow to the panel's width
  await expect(page.getByTestId('model-shipped-tiny').getByTestId('model-compare')).toBeChecked();
  await expect(page.getByTestId('model-shipped-mobilenetv2').getByTestId('model-compare')).not.toBeChecked();
  await page.getByTestId('grid-image-raccoon').check();
  await expect(page.getByTestId('eval-progress-label')).toContainText('Compare grid evaluation');
  await expect(page.getByRole('progressbar', { name: /^Compare grid evaluation/ })).toBeVisible();
  const cell = page.getByTestId('cell-shipped-tiny-raccoon');
  await expect(cell).toBeEnabled({ timeout: 120_000 });
  const cellBox = (await cell.boundingBox())!;
  const panel = (await page.getByTestId('compare-grid').boundingBox())!;
  expect(cellBox.width).toBeLessThanOrEqual(260);
  expect(cellBox.height).toBeLessThanOrEqual(260);
  expect(panel.width).toBeGreaterThan(2 * cellBox.width);
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(2000);

  // the audit starts on a model (no steered one yet: the base), without a reference
  await page.getByTestId('tab-audit').click();
  await expect(page.getByTestId('audit-model')).toHaveValue('shipped-tiny');
  await expect(page.getByTestId('audit-reference')).toHaveValue('');
  await expect(page.getByTestId('audit-run')).toBeEnabled({ timeout: 120_000 });
  expect(app.offOrigin).toEqual([]);
  expect(app.cspViolations).toEqual([]);
});
