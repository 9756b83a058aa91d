import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

test('a base that names its own learning rate sets it; a new baseline restores the default', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('wasm');
  const base = page.getByTestId('base-select');
  const lr = page.getByTestId('setting-learningRate');
  await expect(base.locator('option[value="shipped-mobilenetv2"]')).toHaveCount(1, { timeout: 60_000 });
  await expect(base).toHaveValue('shipped-tiny');
  await expect(lr).toHaveValue('0.0001'); // the shipped tiny's own rate
  await base.selectOption('');
  await expect(lr).toHaveValue('0.001'); // the default, for a new baseline
  await base.selectOption('shipped-mobilenetv2');
  await expect(lr).toHaveValue('0.0003');
  await base.selectOption('');
  await expect(lr).toHaveValue('0.001');
  expect(app.offOrigin).toEqual([]);
});
