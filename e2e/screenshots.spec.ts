import type { Page } from '@playwright/test';
import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/** Regenerates the README's screenshots in docs/: `SCREENSHOTS=1 npx playwright test e2e/screenshots.spec.ts`. */
test.skip(!process.env.SCREENSHOTS, 'set SCREENSHOTS=1 to regenerate docs/*.png');

async function drag(page: Page, testId: string, from: [number, number], to: [number, number]): Promise<void> {
  const box = (await page.getByTestId(testId).boundingBox())!;
  await page.mouse.move(box.x + from[0] * box.width, box.y + from[1] * box.height);
  await page.mouse.down();
  await page.mouse.move(box.x + to[0] * box.width, box.y + to[1] * box.height, { steps: 8 });
  await page.mouse.up();
}

/** The new-user flow: the shipped base previewed, a region drawn on the large view, every default setting. */
test('README screenshots', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  await page.setViewportSize({ width: 1400, height: 1000 });
  const app = new AppPage(page);
  await app.open('wasm');
  await page.getByTestId('photo-raccoon').click();
  await expect(page.getByTestId('base-srcc')).toHaveAttribute('data-value', /^-?\d/, { timeout: 300_000 });
  await page.getByTestId('steer-mask-tool-rect').click();
  await drag(page, 'steer-mask-canvas', [0.005, 0.005], [0.5, 0.5]);
  await app.fineTune();
  await app.waitDone();
  await expect(page.getByTestId('quality-verdict')).toBeVisible();
  await page.screenshot({ path: 'docs/steer.png', fullPage: true });
  await page.getByTestId('target-panel').screenshot({ path: 'docs/mask-editor.png' });
  await page.getByTestId('mask-preset-text').click();
  await app.fineTune();
  await app.waitDone();
  await page.getByTestId('tab-compare').click();
  for (const r of await page.locator('[data-testid^="model-"][data-kind]').all()) {
    const id = (await r.getAttribute('data-testid'))!;
    await r.getByTestId('model-compare').setChecked(id.startsWith('model-m-') || id === 'model-shipped-tiny');
  }
  await page.getByTestId('grid-image-raccoon').check();
  await page.getByTestId('grid-image-hibiscus').check();
  await expect(page.getByTestId('grid')).toHaveAttribute('data-cells', '6', { timeout: 300_000 });
  await expect(page.getByTestId('eval-progress')).toHaveCount(0, { timeout: 300_000 });
  await page.screenshot({ path: 'docs/compare.png', fullPage: true });
  // the audit starts on the newest steered model against the shipped model it came from
  await page.getByTestId('tab-audit').click();
  await expect(page.getByTestId('audit-reference')).toHaveValue('shipped-tiny');
  await page.getByTestId('audit-run-reference').click();
  await expect(page.getByTestId('audit-progress')).toHaveCount(0, { timeout: 300_000 });
  await page.getByTestId('audit-run').click();
  await expect(page.getByTestId('audit-verdict')).toBeVisible({ timeout: 300_000 });
  await page.getByTestId('audit-view').screenshot({ path: 'docs/audit.png' });
});
