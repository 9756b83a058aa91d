import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules of eslint.config.js (docs/architecture.md, "Layers") fail on a deliberate
 * crossing and pass on an allowed import, so `npm run lint` enforces the architecture.
 */
const eslint = new ESLint();

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it.each([
    ['src/core/x.ts', "import { client } from '../client/workerClient';\nexport const c = client;"],
    ['src/core/steer/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;"],
    ['src/client/x.ts', "import { App } from '../ui/App';\nexport const a = App;"],
    ['src/state/x.ts', "import { drawHeatmapOverlay } from '../render/heatmap';\nexport const d = drawHeatmapOverlay;"],
    ['src/cli/x.ts', "import { Session } from '../worker/session';\nexport const s = Session;"],
    ['src/worker/x.ts', "import { useStore } from '../state/store';\nexport const u = useStore;"],
  ])('refuses a crossing in %s', async (file, code) => {
    expect(await restricted(file, code)).toEqual([expect.stringMatching(/may not import from|no Node built-ins/)]);
  });

  it('allows the imports the layers are built on', async () => {
    expect(await restricted('src/worker/x.ts', "import { Trainer } from '../core/trainer';\nexport const t = Trainer;")).toEqual([]);
    expect(await restricted('src/cli/x.ts', "import { readFileSync } from 'node:fs';\nimport { Trainer } from '../core/trainer';\nexport const t = [readFileSync, Trainer];")).toEqual([]);
    expect(await restricted('src/ui/x.ts', "import { client } from '../client/workerClient';\nexport const c = client;")).toEqual([]);
  });
});
