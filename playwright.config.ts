import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';
import { CHROMIUM_ARGS, SYSTEM_CHROMIUM_PATHS } from './src/bench/config';

/** Debian's chromium where present (Playwright's browser download does not work on our machines). */
const systemChromium = SYSTEM_CHROMIUM_PATHS.find((p) => existsSync(p));
/** The preview server's port: E2E_PORT, else 4173 (two suites can run side by side on two ports). */
const PORT = Number(process.env.E2E_PORT) || 4173;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 8 * 60_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: systemChromium,
      args: [...CHROMIUM_ARGS],
    },
  },
  webServer: {
    // A test build (fault injection on; vite.config.ts) of the app, served as production is.
    command: `npm run build:e2e && npx vite preview --outDir dist-e2e --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 300_000,
  },
});
