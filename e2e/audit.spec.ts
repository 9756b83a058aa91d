import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

test('audit a steered model against its baseline, with progress and cancel', async ({ page }, testInfo) => {
  const app = new AppPage(page);
  await app.open('wasm');
  await page.getByTestId('photo-astronaut').click();
  await app.tinySettings({ inputSize: 32, baselineSteps: 20, steerSteps: 30, batchSize: 4, emitEvery: 5, lambda: 5, learningRate: 0.005 });
  await app.newBaseline();
  await page.getByTestId('mask-preset-corners').click();
  await app.fineTune();
  await app.waitDone();

  await page.getByTestId('tab-audit').click();
  const steered = await page.locator('[data-kind="steered"]').getAttribute('data-testid');
  const baseline = await page.locator('[data-kind="baseline"]').getAttribute('data-testid');
  await page.getByTestId('audit-image-astronaut').check();
  await page.getByTestId('audit-image-coffee').check();
  await page.getByTestId('audit-model').selectOption(steered!.slice('model-'.length));

  // cancel: the run stops and leaves no report
  await page.getByTestId('audit-run').click();
  await expect(page.getByTestId('audit-progress')).toBeVisible();
  await page.getByTestId('audit-cancel').click();
  await expect(page.getByTestId('audit-progress')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('audit-verdict')).toHaveCount(0);

  await page.getByTestId('audit-reference').selectOption(baseline!.slice('model-'.length));
  await page.getByTestId('audit-run-reference').click();
  await expect(page.getByTestId('audit-progress')).toHaveCount(0, { timeout: 120_000 });
  await page.getByTestId('audit-run').click();
  await expect(page.getByTestId('audit-verdict')).toBeVisible({ timeout: 120_000 });
  for (const m of ['gradcam', 'hirescam', 'gradcampp', 'xgradcam', 'layercam']) {
    await expect(page.getByTestId(`verdict-${m}`)).toHaveAttribute('data-level', /consistent|questionable|misleading/);
  }
  await expect(page.getByTestId('audit-verdict')).toContainText('(ref ');
  // curves, or the reason there are none (no photo's score moved under blur)
  await expect(page.getByTestId('audit-curves').or(page.getByTestId('audit-no-curves'))).toBeVisible();
  await page.getByTestId('audit-view').screenshot({ path: testInfo.outputPath('audit.png') });
  expect(app.offOrigin).toEqual([]);
  expect(app.cspViolations).toEqual([]);
});
