import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/** Regenerates the README's screenshots in docs/: `SCREENSHOTS=1 npx playwright test e2e/screenshots.spec.ts`. */
test.skip(!process.env.SCREENSHOTS, 'set SCREENSHOTS=1 to regenerate docs/*.png');

test('README screenshots', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.setViewportSize({ width: 1400, height: 1000 });
  const app = new AppPage(page);
  await app.open('wasm');
  await page.getByTestId('photo-chelsea').click();
  await app.tinySettings({ inputSize: 48, baselineSteps: 150, steerSteps: 80, batchSize: 8, emitEvery: 5, lambda: 5, learningRate: 0.005 });
  await app.newBaseline();
  await page.getByTestId('mask-preset-corners').click();
  await app.fineTune();
  await app.waitDone();
  await page.screenshot({ path: 'docs/steer.png', fullPage: true });
  await page.getByTestId('target-panel').screenshot({ path: 'docs/mask-editor.png' });
  await page.getByTestId('mask-preset-text').click();
  await app.fineTune();
  await app.waitDone();
  await page.getByTestId('tab-compare').click();
  for (const r of await page.locator('[data-testid^="model-"][data-kind]').all()) {
    const mine = (await r.getAttribute('data-testid'))!.startsWith('model-m-');
    await r.getByTestId('model-compare').setChecked(mine);
  }
  await page.getByTestId('grid-image-chelsea').check();
  await page.getByTestId('grid-image-astronaut').check();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-cells', '6', { timeout: 120_000 });
  await expect(page.getByTestId('eval-progress')).toHaveCount(0, { timeout: 120_000 });
  await page.screenshot({ path: 'docs/compare.png', fullPage: true });
  await page.getByTestId('tab-audit').click();
  const steered = await page.locator('[data-kind="steered"]').first().getAttribute('data-testid');
  const baseline = await page.locator('[data-kind="baseline"]').getAttribute('data-testid');
  await page.getByTestId('audit-model').selectOption(steered!.slice('model-'.length));
  await page.getByTestId('audit-reference').selectOption(baseline!.slice('model-'.length));
  await page.getByTestId('audit-run-reference').click();
  await expect(page.getByTestId('audit-progress')).toHaveCount(0, { timeout: 300_000 });
  await page.getByTestId('audit-run').click();
  await expect(page.getByTestId('audit-verdict')).toBeVisible({ timeout: 300_000 });
  await page.getByTestId('audit-view').screenshot({ path: 'docs/audit.png' });
});
