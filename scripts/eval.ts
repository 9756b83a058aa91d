/**
 * npm run eval -- --model tiny|mobilenetv2 [--split test|val] [--dir path]
 *
 * Loads the shipped model from public/models/<model>/, rebuilds the evaluation split from the
 * photos with the data settings recorded in its metadata (deterministic), and prints SRCC,
 * PLCC and KRCC per distortion type and overall (distorted images only).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildEvalSplit, type IqaDataConfig } from '../src/core/iqa/data';
import { jpegJsCodec } from '../src/core/iqa/jpegCodec';
import type { Splits } from '../src/core/iqa/splits';
import { predictScores } from '../src/core/iqa/train';
import { setupBackend } from './lib/backend';
import { loadOrCreateSplits, loadReferences, ROOT } from './lib/data';
import { loadModelDir } from './lib/modelio';
import { formatReport, reportOf } from './lib/report';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'tiny' },
    split: { type: 'string', default: 'test' },
    dir: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
  },
});

interface Meta {
  camsteer?: {
    inputSize: number;
    training: { dataConfig: IqaDataConfig; splits: Splits };
    test?: { overall: { srcc: number; plcc: number } };
  };
}

async function main(): Promise<void> {
  const which = values.split === 'val' ? 'val' : 'test';
  const dir = values.dir ?? join(ROOT, 'public/models', values.model ?? 'tiny');
  const backend = await setupBackend(values.backend === 'cpu' ? 'cpu' : 'wasm');
  const model = await loadModelDir(dir);
  const meta = (model.getUserDefinedMetadata() ?? {}) as Meta;
  if (!meta.camsteer) throw new Error(`${dir}/model.json has no camsteer metadata`);
  const { dataConfig, splits: trained } = meta.camsteer.training;
  const splits = loadOrCreateSplits(trained.seed);
  if (JSON.stringify(splits[which]) !== JSON.stringify(trained[which])) {
    throw new Error(`public/data/splits.json ${which} differs from the split the model was trained with`);
  }
  const samples = await buildEvalSplit(loadReferences(), splits, which, dataConfig, jpegJsCodec);
  const pred = await predictScores(model, samples);
  const report = reportOf(samples, pred);
  console.log(`model ${values.model} (${dir}), backend ${backend}, input ${meta.camsteer.inputSize}`);
  console.log(formatReport(`${which} split (${splits[which].join(', ')}): ${report.overall.n} distorted images`, report));
  model.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
