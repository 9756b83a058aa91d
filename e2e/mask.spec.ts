import { type Page } from '@playwright/test';
import { expect, test } from './guard';
import { PNG } from 'pngjs';
import { AppPage } from './pages/AppPage';

/** The stored mask of the selected image, read through the test handle on window. */
async function storedMask(page: Page): Promise<{ area: number; at: (u: number, v: number) => number; width: number; data: number[] }> {
  const m = await page.evaluate(() => {
    type S = { maskScope: string; selectedId: string; imageMasks: Record<string, { width: number; height: number; data: Float32Array }>; sharedMask: { width: number; height: number; data: Float32Array } };
    const s = (window as unknown as { __camsteer: { store: { getState(): S } } }).__camsteer.store.getState();
    const mask = (s.maskScope === 'perImage' && s.imageMasks[s.selectedId]) || s.sharedMask;
    return { width: mask.width, height: mask.height, data: Array.from(mask.data) };
  });
  const area = m.data.reduce((a, b) => a + b, 0) / m.data.length;
  return { area, width: m.width, data: m.data, at: (u, v) => m.data[Math.floor(v * m.height) * m.width + Math.floor(u * m.width)] };
}

async function dragOnMask(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await page.getByTestId('mask-canvas').scrollIntoViewIfNeeded();
  const box = (await page.getByTestId('mask-canvas').boundingBox())!;
  await page.mouse.move(box.x + from[0] * box.width, box.y + from[1] * box.height);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    await page.mouse.move(box.x + (from[0] + ((to[0] - from[0]) * i) / 8) * box.width, box.y + (from[1] + ((to[1] - from[1]) * i) / 8) * box.height);
  }
  await page.mouse.up();
}

test('mask studio: draw, undo/redo, invert, text, upload, per-image scope, reload', async ({ page }, testInfo) => {
  const app = new AppPage(page);
  await app.open('wasm');
  await page.getByTestId('photo-raccoon').click();

  await page.getByTestId('mask-clear').click();
  expect((await storedMask(page)).area).toBe(0);

  // an empty mask cannot start steering
  await app.fineTune();
  await expect(page.getByTestId('error-banner')).toHaveAttribute('data-code', 'empty-mask');
  await expect(page.getByTestId('error-banner')).toContainText('nothing for the model to look at');
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByTestId('error-banner')).toHaveCount(0);

  // rectangle with the mouse: 40% x 40% of the image
  await page.getByTestId('mask-tool-rect').click();
  await dragOnMask(page, [0.2, 0.2], [0.6, 0.6]);
  let m = await storedMask(page);
  expect(m.area).toBeGreaterThan(0.14);
  expect(m.area).toBeLessThan(0.18);
  expect(m.at(0.4, 0.4)).toBe(1);
  expect(m.at(0.8, 0.8)).toBe(0);

  await page.getByTestId('mask-undo').click();
  expect((await storedMask(page)).area).toBe(0);
  await page.getByTestId('mask-redo').click();
  expect((await storedMask(page)).area).toBeCloseTo(m.area, 6);
  await page.keyboard.press('Control+z');
  expect((await storedMask(page)).area).toBe(0);
  await page.keyboard.press('Control+Shift+z');
  expect((await storedMask(page)).area).toBeCloseTo(m.area, 6);

  await page.getByTestId('mask-invert').click();
  m = await storedMask(page);
  expect(m.area).toBeGreaterThan(0.82);
  expect(m.at(0.4, 0.4)).toBe(0);
  expect(m.at(0.9, 0.9)).toBe(1);

  // text pattern "VG"
  await page.getByTestId('mask-preset-text').click();
  m = await storedMask(page);
  expect(m.area).toBeGreaterThan(0.02);
  expect(m.area).toBeLessThan(0.5);
  expect(m.at(0.02, 0.02)).toBe(0);
  await expect(page.getByTestId('mask-text-input')).toHaveValue('VG');
  // what the layer's grid lets a heatmap put in the mask: more than chance, at most all of it
  const reach = page.getByTestId('mask-grid-reach');
  await expect(reach).toContainText('reachable at');
  for (const attr of ['data-exact-fit', 'data-best-cell']) {
    const v = Number(await reach.getAttribute(attr));
    expect(v).toBeGreaterThan(m.area);
    expect(v).toBeLessThanOrEqual(1);
  }
  await page.getByTestId('mask-area').screenshot();
  await page.getByTestId('target-panel').screenshot({ path: testInfo.outputPath('mask-editor.png') });

  // upload a mask image of another size: left half white -> left half in the mask
  const png = new PNG({ width: 50, height: 40 });
  for (let y = 0; y < 40; y++) for (let x = 0; x < 50; x++) {
    const i = (y * 50 + x) * 4;
    const v = x < 25 ? 255 : 0;
    png.data[i] = png.data[i + 1] = png.data[i + 2] = v;
    png.data[i + 3] = 255;
  }
  await page.getByTestId('mask-upload-input').setInputFiles({ name: 'half.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
  await expect.poll(async () => (await storedMask(page)).area).toBeCloseTo(0.5, 2);
  m = await storedMask(page);
  expect(m.at(0.1, 0.5)).toBe(1);
  expect(m.at(0.9, 0.5)).toBe(0);

  // a non-image mask file is refused and changes nothing
  await page.getByTestId('mask-upload-input').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('nope') });
  await expect(page.getByTestId('mask-upload-error')).toBeVisible();
  expect((await storedMask(page)).area).toBeCloseTo(m.area, 6);

  // per-image scope: a mask for the hibiscus photo only
  await page.getByTestId('scope-per-image').click();
  await page.getByTestId('photo-hibiscus').click();
  await page.getByTestId('mask-preset-center').click();
  await expect(page.getByTestId('has-mask-hibiscus')).toBeVisible();
  const hibiscusArea = (await storedMask(page)).area;
  await page.getByTestId('photo-raccoon').click();
  expect((await storedMask(page)).area).toBeCloseTo(0.5, 2);

  // everything survives a reload
  await page.waitForTimeout(600);
  await page.reload();
  await expect(page.getByTestId('photo-hibiscus')).toBeVisible();
  await expect(page.getByTestId('has-mask-hibiscus')).toBeVisible();
  await page.getByTestId('photo-hibiscus').click();
  expect((await storedMask(page)).area).toBeCloseTo(hibiscusArea, 6);
  expect(app.offOrigin).toEqual([]);
});
