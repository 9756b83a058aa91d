import type { Page } from '@playwright/test';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/**
 * The first five minutes (issue 18): a photo the app does not show (e2e/fixtures/my-photo.jpg, a
 * copy of public/photos/roebling-bridge-night.jpg, public domain, a test-split photo outside the
 * app's twenty), uploaded; the base model's heatmap and quality before anything trains; a
 * rectangle over the top-left quarter drawn on the large before-image; Fine-tune with every
 * setting at its default but the number of steps (CI time); the heatmap moved into the region
 * and the quality verdict says the steered model's validation SRCC stayed within the guard.
 * Relations only, no exact numbers: the shipped models change.
 */
const STEPS = 40;

async function drag(page: Page, testId: string, from: [number, number], to: [number, number]): Promise<void> {
  const canvas = page.getByTestId(testId);
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + from[0] * box.width, box.y + from[1] * box.height);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + (from[0] + ((to[0] - from[0]) * i) / 8) * box.width, box.y + (from[1] + ((to[1] - from[1]) * i) / 8) * box.height);
  await page.mouse.up();
}

const chance = async (page: Page) => Number((await page.getByTestId('chance').textContent())!.replace('%', '')) / 100;

test('new user: upload a photo, see the base model, draw on the large view, fine-tune with the defaults', async ({ page }, testInfo) => {
  test.setTimeout(10 * 60_000);
  const app = new AppPage(page);
  await app.open('wasm');

  await page.getByTestId('upload-input').setInputFiles('e2e/fixtures/my-photo.jpg');
  const upload = page.locator('[data-testid^="photo-upload-"]');
  await expect(upload).toHaveCount(1);
  await expect(upload).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('base-select')).toHaveValue('shipped-tiny');

  // see before you train: nothing drawn yet, and the base model's heatmap, score and validation SRCC already show
  expect(await chance(page)).toBe(0);
  await expect(page.getByTestId('energy-before')).toHaveAttribute('data-score', /^\d/, { timeout: 120_000 });
  await expect(page.getByTestId('base-srcc')).toHaveAttribute('data-value', /^-?\d/, { timeout: 300_000 });
  const baseSrcc = Number(await page.getByTestId('base-srcc').getAttribute('data-value'));

  // the region, drawn on the large before-image: the top-left quarter
  await page.getByTestId('steer-mask-tool-rect').click();
  await drag(page, 'steer-mask-canvas', [0.005, 0.005], [0.5, 0.5]);
  const area = await chance(page);
  expect(area).toBeGreaterThan(0.2);
  expect(area).toBeLessThan(0.3);
  // one history with the studio: its Undo takes the rectangle back, the large view's Redo restores it
  await page.getByTestId('mask-undo').click();
  expect(await chance(page)).toBe(0);
  await page.getByTestId('steer-mask-redo').click();
  expect(await chance(page)).toBeCloseTo(area, 6);
  // the preview follows the mask: the base's energy in the new region
  await expect.poll(async () => app.energy('before'), { timeout: 60_000 }).toBeGreaterThan(0);
  const before = await app.energy('before');

  await app.setNumber('steerSteps', STEPS);
  await app.fineTune();
  await expect(page.getByRole('progressbar', { name: /^Fine-tune/ })).toBeVisible();
  await app.waitDone(8 * 60_000);
  await expect(page.getByTestId('error-banner')).toHaveCount(0);

  const after = await app.energy('after');
  const verdict = page.getByTestId('quality-verdict');
  await expect(verdict).toBeVisible();
  const change = Number(await verdict.getAttribute('data-change'));
  const tolerance = Number(await verdict.getAttribute('data-tolerance'));
  console.log(`[new user] energy in mask ${before.toFixed(4)} -> ${after.toFixed(4)} (chance ${area.toFixed(4)}); validation SRCC ${baseSrcc.toFixed(4)} ${change >= 0 ? '+' : ''}${change.toFixed(4)} (guard ${await verdict.getAttribute('data-guard')})`);
  expect(after).toBeGreaterThan(before);
  // the SRCC shown before training is the one the guard compared against, and the change stayed within it
  expect(Number(await verdict.getAttribute('data-base'))).toBeCloseTo(baseSrcc, 6);
  expect(tolerance).toBeGreaterThan(0);
  expect(change).toBeGreaterThanOrEqual(-tolerance);
  await expect(verdict).toHaveAttribute('data-kept', 'true');
  await expect(verdict).toContainText('Quality kept');

  await page.getByTestId('compare').screenshot({ path: testInfo.outputPath('new-user-steer.png') });
  expect(app.offOrigin).toEqual([]);
  expect(app.cspViolations).toEqual([]);
});
