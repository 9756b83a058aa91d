import { readFile } from 'node:fs/promises';
import { strToU8, zipSync } from 'fflate';
import { DISTORTIONS } from '../src/core/distort';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/** Tiny settings the quality guard lets run (at learning rate 0.005 it stops a run at its first check, step 20). */
const TINY = { inputSize: 32, baselineSteps: 100, steerSteps: 10, batchSize: 4, emitEvery: 2, lambda: 2, learningRate: 0.001 };

test('train two models, compare them, export, reload and find them again; pause and resume', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm', { from: 'newBaseline' });
  await page.getByTestId('photo-raccoon').click();
  await app.newBaseline();
  await app.tinySettings(TINY);

  // watch the hibiscus photo live while steering (photos ticked in the compare grid are watched)
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('grid-image-hibiscus').check();
  await page.getByTestId('tab-steer').click();

  // model 1: a new baseline, then steered toward the corners
  await page.getByTestId('mask-preset-corners').click();
  await app.fineTune();
  await app.waitDone();
  await expect(page.getByTestId('watch-hibiscus')).toHaveAttribute('data-energy', /^\d/);

  // model 2: steered toward the centre from the same baseline; pause and resume mid-run
  await page.getByTestId('mask-preset-center').click();
  await app.setNumber('steerSteps', 5000);
  await app.fineTune();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-phase', 'steering');
  await expect.poll(async () => Number(await status.getAttribute('data-step'))).toBeGreaterThanOrEqual(4);
  await page.getByTestId('pause-button').click();
  await expect(page.getByTestId('pause-button')).toHaveText('Resume');
  const pausedAt = Number(await status.getAttribute('data-step'));
  await page.waitForTimeout(1500);
  expect(Number(await status.getAttribute('data-step'))).toBeLessThanOrEqual(pausedAt + 2);
  const frozen = Number(await status.getAttribute('data-step'));
  await page.waitForTimeout(1000);
  expect(Number(await status.getAttribute('data-step'))).toBe(frozen);
  await page.getByTestId('pause-button').click();
  await expect.poll(async () => Number(await status.getAttribute('data-step'))).toBeGreaterThan(frozen);
  // validation SRCC is tracked while steering (the quality guard's measurements, every 20 steps)
  const valSrcc = () => page.evaluate(() => (window as unknown as { __camsteer: { store: { getState(): { valSrcc: { srcc: number }[] } } } }).__camsteer.store.getState().valSrcc);
  await expect.poll(async () => (await valSrcc()).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(4);
  for (const v of await valSrcc()) expect(Math.abs(v.srcc)).toBeLessThanOrEqual(1);
  await page.getByTestId('stop-button').click();
  await app.waitDone();
  await expect(page.getByTestId('run-done')).toContainText('Stopped after');

  // reset to baseline mid-run: no third model is kept, the steered heatmap is cleared
  await app.setNumber('steerSteps', 400);
  await app.fineTune();
  await expect.poll(async () => Number(await status.getAttribute('data-step'))).toBeGreaterThanOrEqual(4);
  await page.getByTestId('reset-button').click();
  await expect(status).toHaveAttribute('data-running', 'false');
  await expect(page.getByTestId('energy-after')).toHaveCount(0);

  // compare view: baseline + two steered models, two images
  await page.getByTestId('tab-compare').click();
  const rows = page.locator('[data-testid^="model-m-"]');
  await expect(rows).toHaveCount(3); // models made in the page; shipped ones have ids shipped-*
  await expect(page.locator('[data-kind="baseline"]')).toHaveCount(1);
  for (const r of await page.locator('[data-testid^="model-"][data-kind]').all()) {
    const box = r.getByTestId('model-compare');
    const mine = (await r.getAttribute('data-testid'))!.startsWith('model-m-');
    if (mine !== (await box.isChecked())) await box.setChecked(mine);
  }
  await page.getByTestId('grid-image-raccoon').check();
  await page.getByTestId('grid-image-hibiscus').check();
  const grid = page.getByTestId('grid');
  await expect(grid).toHaveAttribute('data-cells', '6', { timeout: 60_000 });

  await page.getByTestId('cam-method').selectOption('hirescam');
  await expect(grid).toHaveAttribute('data-method', 'hirescam');
  await expect(grid).toHaveAttribute('data-cells', '6', { timeout: 60_000 });
  await page.getByTestId('grid-colormap').selectOption('viridis');
  await expect(grid).toHaveAttribute('data-colormap', 'viridis');
  await expect(page.getByTestId('eval-progress')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.locator('[data-testid="srcc"]').first()).not.toHaveText('–');

  const [csvDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = (await readFile(await csvDl.path())).toString();
  const lines = csv.trim().split('\n');
  expect(lines[0]).toBe('model,kind,method,srcc,plcc,krcc,energy,chance,pointing,iou50,meanIou,auc');
  expect(lines).toHaveLength(1 + 3 * 5);
  expect(lines.filter((l) => l.includes(',HiResCAM,'))).toHaveLength(3);
  expect(lines[1].split(',')[3]).toMatch(/^-?\d/);

  const [pngDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
  const png = await readFile(await pngDl.path());
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(120 + 3 * 220);
  expect(png.readUInt32BE(20)).toBe(28 + 2 * 220);

  await page.getByTestId('cell-' + (await rows.first().getAttribute('data-testid'))!.slice(6) + '-raccoon').click();
  await expect(page.getByTestId('cell-modal')).toBeVisible();
  // the photo's pristine copy and its distorted copies, every type at every level: predicted score next to the label
  await expect(page.getByTestId('score-table').locator('tbody tr')).toHaveCount(1 + DISTORTIONS.length * 5);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('cell-modal')).toHaveCount(0);

  // reload: the library, its metrics and the view survive
  const names = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
  await page.reload();
  await expect(page.locator('[data-testid^="model-m-"]')).toHaveCount(3, { timeout: 60_000 });
  expect(await page.locator('[data-testid^="model-m-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(names);
  await expect(page.locator('[data-testid="srcc"]').first()).not.toHaveText('–');

  // export a model, import it back: its name, kind, settings and metrics come back, and it is ticked for the grid
  const exported = page.locator('[data-kind="steered"]').first();
  const exportedName = (await exported.getAttribute('data-name'))!;
  const exportedInfo = (await exported.getByTestId('model-info').textContent())!;
  const exportedSrcc = exportedInfo.match(/SRCC -?\d\.\d{3}/)![0];
  const [zipDl] = await Promise.all([page.waitForEvent('download'), exported.getByTestId('model-export').click()]);
  expect(zipDl.suggestedFilename()).toMatch(/\.zip$/);
  await page.getByTestId('import-input').setInputFiles({ name: zipDl.suggestedFilename(), mimeType: 'application/zip', buffer: await readFile(await zipDl.path()) });
  const same = page.locator(`[data-testid^="model-m-"][data-name="${exportedName}"]`);
  await expect(same).toHaveCount(2);
  const back = same.nth(1);
  await expect(back).toHaveAttribute('data-kind', 'steered');
  await expect(back.getByTestId('model-compare')).toBeChecked();
  await expect(back.getByTestId('model-info')).toContainText(exportedSrcc);
  await expect(back.getByTestId('model-when')).toContainText(`from ${zipDl.suggestedFilename()}`);
  const settingsOf = (name: string) =>
    page.evaluate((n) => {
      const s = (window as unknown as { __camsteer: { store: { getState(): { models: { name: string; createdAt: number; settings: unknown }[] } } } }).__camsteer.store.getState();
      return s.models.filter((m) => m.name === n).sort((a, b) => a.createdAt - b.createdAt).map((m) => m.settings);
    }, name);
  const [original, restored] = await settingsOf(exportedName);
  expect(original).toBeTruthy();
  expect(restored).toEqual(original);

  // a LayersModel from elsewhere (no CamSteer metadata) is named after its file, marked imported, and its explained layer can be chosen
  // (a small square-input model: the three-convolution tiny shipped until 2026-12-06. Choosing
  // another layer of an imported fully convolutional model, the current tiny, did not take in
  // this test: an open defect.)
  const json = JSON.parse(await readFile('e2e/fixtures/foreign-model/model.json', 'utf8')) as { userDefinedMetadata?: unknown };
  delete json.userDefinedMetadata;
  const foreignZip = zipSync({ 'model.json': strToU8(JSON.stringify(json)), 'weights.bin': new Uint8Array(await readFile('e2e/fixtures/foreign-model/weights.bin')) });
  await page.getByTestId('import-input').setInputFiles({ name: 'foreign.zip', mimeType: 'application/zip', buffer: Buffer.from(foreignZip) });
  const imported = page.locator('[data-kind="imported"]');
  await expect(imported).toHaveCount(1);
  await expect(imported).toHaveAttribute('data-name', 'foreign');
  const layer = imported.getByTestId('model-layer');
  const layers = await layer.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(layers.length).toBeGreaterThan(1);
  const current = await layer.inputValue();
  const pick = layers.find((l) => l !== current)!;
  await layer.selectOption(pick);
  await expect(layer).toHaveValue(pick);
  // a broken archive is refused and changes nothing
  await page.getByTestId('import-input').setInputFiles({ name: 'broken.zip', mimeType: 'application/zip', buffer: Buffer.from('PK not really') });
  await expect(page.getByTestId('error-banner')).toHaveAttribute('data-code', 'import');
  await expect(page.locator('[data-testid^="model-m-"]')).toHaveCount(5);
  expect(app.offOrigin).toEqual([]);
  expect(app.cspViolations).toEqual([]);
});
