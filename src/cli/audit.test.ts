import { beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, runCli, type Fixture } from './testFixtures';

let fx: Fixture;
beforeAll(async () => {
  fx = await makeFixture();
});

describe('camsteer audit', () => {
  it('prints a verdict per CAM method, and the full report as JSON with a reference', async () => {
    const r = await runCli(['audit', '--model', fx.modelDir, '--images', 'photos', '--quiet'], fx.dir);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n');
    for (const m of ['GradCAM', 'HiResCAM', 'GradCAM++', 'XGradCAM', 'LayerCAM']) {
      const row = rows.find((l) => l.startsWith(`${m} `));
      expect(row, m).toMatch(/\s(consistent|questionable|misleading)\s/);
    }
    const j = await runCli(['audit', '--model', fx.modelDir, '--reference', fx.modelDir, '--images', 'photos', '--json', '--quiet'], fx.dir);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout) as { model: { numImages: number; summary: object }; reference: { numImages: number }; verdict: Record<string, { level: string; faithfulness: { reference: number | null } }> };
    expect(doc.model.numImages).toBe(doc.reference.numImages);
    expect(doc.model.numImages).toBeGreaterThan(0);
    expect(Object.keys(doc.verdict)).toEqual(['gradcam', 'hirescam', 'gradcampp', 'xgradcam', 'layercam']);
  }, 120_000);

  it('bad usage exits 2, a missing model exits 1', async () => {
    expect((await runCli(['audit', '--images', 'photos'], fx.dir)).code).toBe(2);
    const r = await runCli(['audit', '--model', 'nope', '--images', 'photos'], fx.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/camsteer audit: error:/);
  });
});
