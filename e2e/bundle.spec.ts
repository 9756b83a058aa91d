import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

/**
 * The production build (`npm run build`, dist/) carries no fault injection: the hooks the other
 * specs use exist only in the test build they run against (dist-e2e/, vite.config.ts).
 */
test('the production bundle contains no fault-injection code', () => {
  const assets = join('dist', 'assets');
  expect(existsSync(assets), 'run `npm run build` first (npm test does)').toBe(true);
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
  expect(scripts.length).toBeGreaterThan(0);
  for (const f of scripts) {
    const text = readFileSync(join(assets, f), 'utf8');
    for (const needle of ['simulateCrash', 'simulateDeviceLoss', 'simulateNoStorage', 'simulated worker crash', '__camsteer']) {
      expect(text.includes(needle), `${f} contains "${needle}"`).toBe(false);
    }
  }
  // and the test build does carry them, so the check above can fail
  const testAssets = join('dist-e2e', 'assets');
  const all = readdirSync(testAssets).map((f) => readFileSync(join(testAssets, f), 'utf8')).join('\n');
  expect(all).toContain('simulated worker crash');
});
