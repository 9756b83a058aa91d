import { test as base, expect, type Worker } from '@playwright/test';

/**
 * The browser suite's `test`: every test fails when the page throws an uncaught error or leaves
 * a promise rejection unhandled, in the page or in any of its workers. Import `test` and
 * `expect` from here, not from @playwright/test. A test that provokes such an error on purpose
 * lists it in `allowedErrors` (test.use).
 */

const TAG = '[e2e-guard] unhandled rejection:';

/** Installed in the page and in every worker: reports unhandled rejections on the console. */
function reportRejections(tag: string): void {
  const g = globalThis as unknown as { __e2eGuard?: boolean; addEventListener(type: string, f: (ev: PromiseRejectionEvent) => void): void };
  if (g.__e2eGuard) return;
  g.__e2eGuard = true;
  g.addEventListener('unhandledrejection', (ev) => {
    const r = ev.reason as { message?: unknown; stack?: unknown } | undefined;
    console.error(`${tag} ${String(r?.stack ?? r?.message ?? r)}`);
  });
}

export const test = base.extend<{ allowedErrors: RegExp[]; errorGuard: void }>({
  allowedErrors: [[], { option: true }],
  errorGuard: [
    async ({ page, allowedErrors }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.text().startsWith(TAG)) errors.push(`page ${m.text()}`);
      });
      await page.addInitScript(reportRejections, TAG);
      const watch = (w: Worker) => {
        w.on('console', (m) => {
          if (m.text().startsWith(TAG)) errors.push(`worker ${w.url()} ${m.text()}`);
        });
        w.evaluate(reportRejections, TAG).catch(() => undefined); // a worker may be gone already
      };
      page.on('worker', watch);
      await use();
      const unexpected = [...new Set(errors)].filter((e) => !allowedErrors.some((re) => re.test(e)));
      expect(unexpected, 'uncaught errors or unhandled promise rejections in the page or its workers').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
