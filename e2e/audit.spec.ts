import { readFile } from 'node:fs/promises';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

test('audit a steered model against its baseline, with progress and cancel', async ({ page }, testInfo) => {
  const app = new AppPage(page);
  await app.open('wasm', { from: 'newBaseline' });
  await page.getByTestId('photo-raccoon').click();
  await app.newBaseline();
  await app.tinySettings({ inputSize: 32, baselineSteps: 20, steerSteps: 30, batchSize: 4, emitEvery: 5, lambda: 5, learningRate: 0.005 });
  await page.getByTestId('mask-preset-corners').click();
  await app.fineTune();
  await app.waitDone();

  await page.getByTestId('tab-audit').click();
  const steered = await page.locator('[data-kind="steered"]').getAttribute('data-testid');
  const baseline = await page.locator('[data-kind="baseline"]').getAttribute('data-testid');
  // it starts on the newest steered model, against the model it was steered from
  await expect(page.getByTestId('audit-model')).toHaveValue(steered!.slice('model-'.length));
  await expect(page.getByTestId('audit-reference')).toHaveValue(baseline!.slice('model-'.length));
  // photos carry their names, and the view says the ticks are the compare grid's
  const titles = JSON.parse(await readFile('public/photos/index.json', 'utf8')) as { id: string; title: string }[];
  await expect(page.locator('label:has([data-testid="audit-image-hibiscus"])')).toContainText(titles.find((p) => p.id === 'hibiscus')!.title);
  await expect(page.getByTestId('audit-photos-note')).toContainText('compare grid');
  await page.getByTestId('audit-image-raccoon').check();
  await page.getByTestId('audit-image-hibiscus').check();

  // cancel: the run stops, leaves no report, and says so
  await page.getByTestId('audit-run').click();
  await expect(page.getByTestId('audit-progress')).toBeVisible();
  await expect(page.getByRole('progressbar', { name: /^Audit of / })).toBeVisible();
  await page.getByTestId('audit-cancel').click();
  await expect(page.getByTestId('audit-note')).toContainText(/Cancelling|cancelled/);
  await expect(page.getByTestId('audit-progress')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('audit-note')).toContainText('Audit cancelled');
  await expect(page.getByTestId('audit-verdict')).toHaveCount(0);

  // the definitions are one click away, in the page
  await page.getByTestId('audit-definitions').locator('summary').click();
  await expect(page.getByTestId('audit-definitions-text')).toContainText('Deletion and insertion');

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
