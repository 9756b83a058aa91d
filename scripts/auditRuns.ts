/**
 * npm run audit-runs -- --runs DIR,DIR,DIR [--photos id,id,...] [--out DIR]
 *
 * Issue 9's acceptance: audits the four models of several `camsteer reproduce` runs (one per
 * seed: `DIR/models/{baseline,salient,corners,vg}`) on the same photos with the same audit
 * settings, then asks, per steered model, CAM method and audit signal, whether the steered
 * model's values lie apart from the baseline's by more than the spread over the seeds
 * (src/core/audit/separation.ts). Default photos: the validation and test splits (never trained
 * on). Writes DIR/audit-runs.json and DIR/audit-runs.md (default DIR: the first run's folder).
 * Each run's audits are kept in RUN/audit-summary.json and reused for the same photos, so runs
 * can be audited in parallel processes first (one --runs folder each), then compared.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AuditReport } from '../src/core/audit/runAudit';
import { auditSeparation, type SignalSeparation } from '../src/core/audit/separation';
import type { AuditSummary } from '../src/core/audit/verdict';
import { CAM_METHOD_LABELS } from '../src/core/camMethods';
import { startBackend } from '../src/cli/backend';
import { auditModelDir } from '../src/cli/commands/audit';
import { loadReferences, loadSplits } from '../src/cli/data';
import { processIo } from '../src/cli/io';
import { formatDuration } from '../src/cli/progress';

const MODELS = ['baseline', 'salient', 'corners', 'vg'] as const;
type ModelId = (typeof MODELS)[number];
const STEERED = MODELS.filter((m) => m !== 'baseline');

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    photos: { type: 'string' },
    out: { type: 'string' },
  },
});

interface RunAudit {
  run: string;
  seed: number | null;
  photos: string[];
  summaries: Record<ModelId, AuditSummary>;
  seconds: Record<ModelId, number>;
  timingsMs: Record<ModelId, AuditReport['timingsMs']>;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');

function markdown(command: string, photos: string[], audits: RunAudit[], separations: Record<string, SignalSeparation[]>): string {
  const L: string[] = ['# Audit of the reproduction over seeds', '', '```sh', command, '```', ''];
  L.push(
    `Runs: ${audits.map((a) => `\`${a.run}\` (seed ${a.seed ?? '?'})`).join(', ')}. Photos audited: ${photos.join(', ')} (default audit settings, docs/audit.md).`,
    '',
    'Separated = the steered values over the seeds all lie on one side of the baseline\'s, and |margin| (difference of the means) exceeds the spread (the larger of the two models\' max - min over the seeds).',
    '',
    '## Best-separating signal per steered model',
    '',
    '| steered | CAM method | signal | baseline (per seed) | steered (per seed) | margin | spread | margin / spread | separated |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const id of STEERED) {
    const s = separations[id][0];
    if (!s) continue;
    L.push(`| ${id} | ${CAM_METHOD_LABELS[s.method]} | ${s.signal} | ${s.baseline.map(f3).join(', ')} | ${s.steered.map(f3).join(', ')} | ${f3(s.margin)} | ${f3(s.spread)} | ${s.ratio === Infinity ? '∞' : s.ratio.toFixed(1)} | ${s.separated ? 'yes' : 'no'} |`);
  }
  L.push('', '## GradCAM, every signal', '', '| steered | signal | baseline (per seed) | steered (per seed) | margin | spread | separated |', '|---|---|---|---|---|---|---|');
  for (const id of STEERED) {
    for (const s of separations[id].filter((x) => x.method === 'gradcam')) {
      L.push(`| ${id} | ${s.signal} | ${s.baseline.map(f3).join(', ')} | ${s.steered.map(f3).join(', ')} | ${f3(s.margin)} | ${f3(s.spread)} | ${s.separated ? 'yes' : 'no'} |`);
    }
  }
  L.push('', '## Signals separated, per steered model (all CAM methods)', '');
  for (const id of STEERED) {
    const sep = separations[id].filter((s) => s.separated);
    L.push(`- **${id}**: ${sep.length ? sep.map((s) => `${CAM_METHOD_LABELS[s.method]} ${s.signal} (${f3(s.margin)} vs spread ${f3(s.spread)})`).join('; ') : 'none'}`);
  }
  const secs = audits.flatMap((a) => MODELS.map((m) => a.seconds[m]));
  L.push('', `Audit time per model: ${formatDuration(Math.min(...secs))}–${formatDuration(Math.max(...secs))} (${photos.length} photos).`, '');
  return L.join('\n');
}

const auditCachePath = (run: string) => join(run, 'audit-summary.json');

async function main(): Promise<void> {
  const runs = (values.runs ?? '').split(',').filter(Boolean).map((r) => resolve(r));
  if (runs.length < 1) throw new Error('--runs needs reproduce output folders (one per seed, at least two to compare), comma-separated');
  for (const r of runs) for (const m of MODELS) if (!existsSync(join(r, 'models', m, 'model.json'))) throw new Error(`${r}: no models/${m}/model.json (not a camsteer reproduce output?)`);
  const splits = loadSplits();
  const photos = values.photos ? values.photos.split(',') : [...splits.val, ...splits.test];
  const refs = loadReferences(photos);
  const io = processIo();
  const backend = await startBackend();
  console.error(`backend ${backend}; ${runs.length} runs x ${MODELS.length} models on ${photos.length} photos`);
  const audits: RunAudit[] = [];
  for (const run of runs) {
    const cache = auditCachePath(run);
    if (existsSync(cache)) {
      const c = JSON.parse(readFileSync(cache, 'utf8')) as RunAudit;
      if (JSON.stringify(c.photos) === JSON.stringify(photos)) {
        console.error(`${run}: audits from ${cache}`);
        audits.push(c);
        continue;
      }
    }
    const report = join(run, 'report.json');
    const seed = existsSync(report) ? ((JSON.parse(readFileSync(report, 'utf8')) as { seed?: number }).seed ?? null) : null;
    const a: RunAudit = { run, seed, photos, summaries: {} as RunAudit['summaries'], seconds: {} as RunAudit['seconds'], timingsMs: {} as RunAudit['timingsMs'] };
    for (const m of MODELS) {
      const t0 = Date.now();
      const rep = await auditModelDir(io, join(run, 'models', m), refs.map((r) => r.image), { fit: 'squash', label: `${basename(run)}/${m}` });
      a.summaries[m] = rep.summary;
      a.seconds[m] = (Date.now() - t0) / 1000;
      a.timingsMs[m] = rep.timingsMs;
    }
    writeFileSync(cache, JSON.stringify(a, null, 2) + '\n');
    audits.push(a);
  }
  if (audits.length < 2) {
    console.error(`audited ${runs[0]} (${auditCachePath(runs[0])}); pass two or more runs to compare them`);
    return;
  }
  const separations = Object.fromEntries(
    STEERED.map((id) => [id, auditSeparation(audits.map((a) => a.summaries.baseline), audits.map((a) => a.summaries[id]))]),
  ) as Record<string, SignalSeparation[]>;
  const command = `npm run audit-runs -- ${process.argv.slice(2).join(' ')}`;
  const outDir = resolve(values.out ?? runs[0]);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'audit-runs.json'), JSON.stringify({ command, photos, audits, separations }, null, 2) + '\n');
  const md = markdown(command, photos, audits, separations);
  writeFileSync(join(outDir, 'audit-runs.md'), md);
  console.log(md);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
