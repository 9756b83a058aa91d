import { expect, type Page, type Request } from '@playwright/test';

/** Page object for the CamSteer main view. */
export class AppPage {
  readonly offOrigin: string[] = [];
  readonly cspViolations: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) this.cspViolations.push(m.text());
    });
    page.on('request', (req: Request) => {
      const url = new URL(req.url());
      if (['data:', 'blob:'].includes(url.protocol)) return;
      if (url.origin !== new URL(page.url() === 'about:blank' ? req.url() : page.url()).origin) this.offOrigin.push(req.url());
    });
  }

  /**
   * Opens the app on a backend. `from: 'newBaseline'` starts it as a returning user who chose to
   * steer from a new tiny baseline (a first visit only: reloads keep what the page saved), so no
   * shipped model is previewed while the test sets up its run.
   */
  async open(backend: string, opts: { from?: 'newBaseline' } = {}): Promise<void> {
    if (opts.from === 'newBaseline') {
      await this.page.addInitScript(() => {
        if (!localStorage.getItem('camsteer-ui')) localStorage.setItem('camsteer-ui', JSON.stringify({ state: { baseModelId: null, baseChosen: true }, version: 1 }));
      });
    }
    await this.page.goto(`/?backend=${backend}`);
    await expect(this.page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend, { timeout: 60_000 });
    await expect(this.page.getByTestId('photo-raccoon')).toBeVisible();
  }

  /** Steer from a new tiny baseline trained in the page (not a shipped model); its settings (image size, baseline steps) apply then. */
  async newBaseline(): Promise<void> {
    await expect(this.page.getByTestId('train-button')).toBeEnabled({ timeout: 60_000 });
    await this.page.getByTestId('base-select').selectOption('');
    await expect(this.page.getByTestId('setting-inputSize')).toBeEnabled();
  }

  /** Picks a mask preset in the studio (the mask starts empty). */
  async preset(name: 'corners' | 'center' | 'border' | 'text'): Promise<void> {
    await this.page.getByTestId(`mask-preset-${name}`).click();
  }

  async setNumber(key: string, value: number): Promise<void> {
    await this.page.getByTestId(`setting-${key}`).fill(String(value));
  }

  async tinySettings(s: Record<string, number>): Promise<void> {
    for (const [k, v] of Object.entries(s)) await this.setNumber(k, v);
  }

  async fineTune(): Promise<void> {
    await expect(this.page.getByTestId('train-button')).toBeEnabled({ timeout: 60_000 });
    await this.page.getByTestId('train-button').click();
  }

  async waitDone(timeout = 6 * 60_000): Promise<void> {
    await expect(this.page.getByTestId('run-done')).toBeVisible({ timeout });
  }

  async energy(which: 'before' | 'after'): Promise<number> {
    const v = await this.page.getByTestId(`energy-${which}`).getAttribute('data-value');
    return Number(v);
  }
}
