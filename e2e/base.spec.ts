import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

test('choosing the shipped MobileNetV2 as base sets its learning rate; going back restores the default', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  const base = page.getByTestId('base-select');
  const lr = page.getByTestId('setting-learningRate');
  await expect(base.locator('option[value="shipped-mobilenetv2"]')).toHaveCount(1, { timeout: 60_000 });
  await expect(lr).toHaveValue('0.002');
  await base.selectOption('shipped-mobilenetv2');
  await expect(lr).toHaveValue('0.0003');
  await base.selectOption('shipped-tiny');
  await expect(lr).toHaveValue('0.002');
  expect(app.offOrigin).toEqual([]);
});
