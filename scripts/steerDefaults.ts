/**
 * npm run steer-defaults -- --photos DIR [--model tiny|mobilenetv2|DIR] [--out DIR] [--regions corner,centre,band]
 *
 * Does steering with the app's defaults deliver? For every photo of DIR (photos the app does not
 * ship) and every region — a corner quarter, the centre quarter, a thin horizontal band — it runs
 * `camsteer steer` with the app's default settings (core/config DEFAULT_SETTINGS, the base
 * model's own learning rate as the app takes it), then `camsteer eval`:
 * - on the photo and its distorted copies (the IQA pipeline's whole working images, all types and
 *   levels), GradCAM energy-in-mask before (the base) and after (the steered model), and chance;
 * - on the bundled test split, the steered model's SRCC beside the base's.
 * Writes OUT/steer-defaults.json and OUT/steer-defaults.md (the README's table) and keeps every
 * model, mask and log under OUT. It is a measurement, not a test.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { DEFAULT_SETTINGS } from '../src/core/config';
import { jpegJsCodec } from '../src/core/iqa/jpegCodec';
import { toRgba } from '../src/core/iqa/image';
import { buildFixedSet } from '../src/core/iqa/samples';
import { areaFraction, type Mask } from '../src/core/mask';
import { emptyMask, fillRect } from '../src/core/maskOps';
import { startBackend } from '../src/cli/backend';
import { modelArg } from '../src/cli/data';
import { readImage } from '../src/cli/images';
import { run } from '../src/cli/main';
import { loadModel } from '../src/cli/modelDir';
import { formatDuration } from '../src/cli/progress';
import type { EvalReport } from '../src/cli/commands/eval';

const { values } = parseArgs({
  options: {
    photos: { type: 'string' },
    model: { type: 'string', default: 'tiny' },
    out: { type: 'string', default: 'steer-defaults' },
    regions: { type: 'string', default: 'corner,centre,band' },
  },
});

/** The three regions of the issue: a corner quarter, the centre quarter, a thin horizontal band. */
const REGIONS: Record<string, (m: Mask) => Mask> = {
  corner: (m) => fillRect(m, { u: 0, v: 0 }, { u: 0.5, v: 0.5 }),
  centre: (m) => fillRect(m, { u: 0.25, v: 0.25 }, { u: 0.75, v: 0.75 }),
  band: (m) => fillRect(m, { u: 0, v: 0.4375 }, { u: 1, v: 0.5625 }),
};

function maskPng(m: Mask): Buffer {
  const png = new PNG({ width: m.width, height: m.height });
  for (let i = 0; i < m.data.length; i++) {
    const v = Math.round(m.data[i] * 255);
    png.data.set([v, v, v, 255], i * 4);
  }
  return PNG.sync.write(png);
}

function imagePng(img: { width: number; height: number; data: Uint8Array }): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data.set(toRgba(img));
  return PNG.sync.write(png);
}

/** Runs the CLI in-process, its stderr to a log file; throws on a non-zero exit. */
async function cli(argv: string[], log: string): Promise<string> {
  let out = '';
  let err = '';
  const code = await run(argv, { cwd: process.cwd(), stdout: (s) => (out += s), stderr: (s) => (err += s), stderrIsTTY: false });
  writeFileSync(log, `$ camsteer ${argv.join(' ')}\n${err}`);
  if (code !== 0) throw new Error(`camsteer ${argv[0]} exited ${code}: ${err.trim().split('\n').pop()}`);
  return out;
}

interface Row {
  photo: string;
  region: string;
  chance: number;
  energyBefore: number;
  energyAfter: number;
  baseSrcc: number;
  steeredSrcc: number;
  guard: string;
  seconds: number;
}

async function main(): Promise<void> {
  if (!values.photos) throw new Error('--photos DIR is required (photos the app does not ship)');
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  await startBackend('wasm');
  const { path: modelDir } = modelArg({ cwd: process.cwd() }, values.model!);
  const base = await loadModel(modelDir);
  const lr = (base.metadata.camsteer as { fineTune?: { learningRate?: number } } | undefined)?.fineTune?.learningRate ?? DEFAULT_SETTINGS.learningRate;
  base.model.dispose();
  const s = DEFAULT_SETTINGS;
  const flags = ['--steps', String(s.steerSteps), '--batch', String(s.batchSize), '--lr', String(lr), '--lambda', String(s.lambda), '--seed', String(s.seed), '--quiet'];
  const regions = values.regions!.split(',');
  const photos = readdirSync(resolve(values.photos)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  const baseTest = JSON.parse(await cli(['eval', '--model', modelDir, '--json', '--quiet'], join(out, 'eval-base-test.log'))) as EvalReport;
  const rows: Row[] = [];
  for (const file of photos) {
    const id = basename(file, extname(file));
    const dir = join(out, 'photos', id);
    mkdirSync(dir, { recursive: true });
    const image = readImage(join(resolve(values.photos), file));
    writeFileSync(join(dir, `${id}.png`), imagePng(image));
    // the photo and its distorted copies, whole at the working size, with their MS-SSIM labels
    const copies = join(out, 'copies', id);
    mkdirSync(copies, { recursive: true });
    const set = await buildFixedSet([{ id, image }], { jpeg: jpegJsCodec, seed: 11 });
    set.forEach((x, i) => writeFileSync(join(copies, `${i}.png`), imagePng(x.image)));
    writeFileSync(join(copies, 'scores.csv'), ['file,score', ...set.map((x, i) => `${i}.png,${x.score}`)].join('\n') + '\n');
    for (const region of regions) {
      const mask = REGIONS[region](emptyMask());
      const maskFile = join(out, 'masks', `${region}.png`);
      mkdirSync(join(out, 'masks'), { recursive: true });
      writeFileSync(maskFile, maskPng(mask));
      const tag = `${id}-${region}`;
      const evalCopies = async (model: string, log: string) =>
        JSON.parse(await cli(['eval', '--model', model, '--data', copies, '--mask', maskFile, '--methods', 'gradcam', '--json', '--quiet'], log)) as EvalReport;
      const before = await evalCopies(modelDir, join(out, `${tag}-eval-base.log`));
      const steered = join(out, 'models', tag);
      const t0 = Date.now();
      await cli(['steer', '--model', modelDir, '--mask', maskFile, '--images', dir, '--out', steered, '--force', ...flags], join(out, `${tag}-steer.log`));
      const seconds = (Date.now() - t0) / 1000;
      const after = await evalCopies(steered, join(out, `${tag}-eval.log`));
      const test = JSON.parse(await cli(['eval', '--model', steered, '--json', '--quiet'], join(out, `${tag}-eval-test.log`))) as EvalReport;
      const meta = JSON.parse(readFileSync(join(steered, 'model.json'), 'utf8')).userDefinedMetadata.camsteer.steering as { guard: { step: number; rolledBackTo: number } | null };
      const row: Row = {
        photo: id,
        region,
        chance: areaFraction(mask),
        energyBefore: before.alignment!.methods.gradcam!.energy,
        energyAfter: after.alignment!.methods.gradcam!.energy,
        baseSrcc: baseTest.quality.overall.srcc.value,
        steeredSrcc: test.quality.overall.srcc.value,
        guard: meta.guard ? `stopped at ${meta.guard.step}, back to ${meta.guard.rolledBackTo}` : '-',
        seconds,
      };
      rows.push(row);
      console.log(`${tag}: energy ${row.energyBefore.toFixed(3)} -> ${row.energyAfter.toFixed(3)} (chance ${row.chance.toFixed(3)}), test SRCC ${row.baseSrcc.toFixed(3)} -> ${row.steeredSrcc.toFixed(3)}, ${formatDuration(seconds)}`);
      writeFileSync(join(out, 'steer-defaults.json'), JSON.stringify({ model: values.model, settings: { ...s, learningRate: lr }, rows }, null, 2) + '\n');
    }
  }
  const f3 = (v: number) => v.toFixed(3);
  const pass = (r: Row) => r.energyAfter >= 0.5 && r.energyAfter >= 2 * r.chance && r.steeredSrcc >= r.baseSrcc - 0.02 && r.seconds <= 120;
  const md = [
    `| photo | region (chance) | energy in mask: base → steered | test SRCC: base → steered (change) | guard | time | targets met |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.photo} | ${r.region} (${f3(r.chance)}) | ${f3(r.energyBefore)} → **${f3(r.energyAfter)}** | ${f3(r.baseSrcc)} → ${f3(r.steeredSrcc)} (${r.steeredSrcc - r.baseSrcc >= 0 ? '+' : ''}${f3(r.steeredSrcc - r.baseSrcc)}) | ${r.guard} | ${formatDuration(r.seconds)} | ${pass(r) ? 'yes' : 'no'} |`,
    ),
    '',
    `${rows.filter(pass).length} of ${rows.length} runs meet every target (energy ≥ 0.5 and ≥ 2× chance, test SRCC within 0.02 of the base's, at most 2:00).`,
  ].join('\n');
  writeFileSync(join(out, 'steer-defaults.md'), md + '\n');
  console.log(md);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
