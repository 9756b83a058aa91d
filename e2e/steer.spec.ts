import { expect, test } from './guard';
import { AppPage } from './pages/AppPage';

/** Tiny settings so a run fits CI on a software GPU adapter. */
const TINY = { inputSize: 32, baselineSteps: 20, steerSteps: 30, batchSize: 4, emitEvery: 5, lambda: 5, learningRate: 0.005 };

for (const backend of ['webgpu', 'wasm'] as const) {
  test(`steer toward the corners on ${backend}`, async ({ page }, testInfo) => {
    const app = new AppPage(page);
    await app.open(backend);
    await page.getByTestId('photo-astronaut').click();
    await page.getByTestId('mask-preset-corners').click();
    await app.tinySettings(TINY);
    await app.newBaseline();
    await app.fineTune();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-running', 'true');
    await app.waitDone();
    await expect(page.getByTestId('error-banner')).toHaveCount(0);

    const before = await app.energy('before');
    const after = await app.energy('after');
    const chance = Number((await page.getByTestId('chance').textContent())?.replace('%', '')) / 100;
    console.log(`[${backend}] energy-in-mask before ${before.toFixed(4)} after ${after.toFixed(4)} (chance ${chance.toFixed(4)})`);
    expect(after).toBeGreaterThan(before);

    const shot = await page.getByTestId('compare').screenshot({ path: testInfo.outputPath(`side-by-side-${backend}.png`) });
    await testInfo.attach(`side-by-side-${backend}`, { body: shot, contentType: 'image/png' });
    expect(app.offOrigin).toEqual([]);
    expect(app.cspViolations).toEqual([]);
  });
}
