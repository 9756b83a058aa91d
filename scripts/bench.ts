/**
 * `npm run bench`: times the real training step (core's Trainer.step: one-pass differentiable
 * GradCAM loss, Adam) per environment x model x batch, on Node (wasm, cpu, webgpu through
 * node-webgpu) and in headless Chromium (a worker per backend, on the app's production build),
 * with a PyTorch reference of the same model, batch and loss (CPU, or CUDA with
 * --torch-device cuda). Also the app's cold start on wasm and its bundle sizes. Prints tables,
 * writes bench/results.json (--out). `npm run bench -- --help` lists the options.
 *
 *   npm run bench -- --env node-wasm,chromium-wasm --model mobilenetv2,models/tiny --steps 10
 *   npm run bench -- --env node-webgpu --model models/tiny,mobilenetv2 --size 192,224,384 --batch 8,16
 *
 * It is a benchmark, not a test: nothing here asserts a time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BROWSER_ENVS, type BrowserEnv, type EnvName } from '../src/bench/config';
import type { BenchRow as Row } from '../src/bench/measure';
import { benchBrowser, benchDist, bundleSizes, cleanUp, closeBrowser, coldStart, distStale, launchChromium, probeAdapter, startPreview, SYSTEM_CHROMIUM, viteBuild, type Bundles, type ColdStart } from './bench/browser';
import { GpuMemorySampler } from './bench/gpuMemory';
import { resolveModel, type BenchModel } from './bench/models';
import { benchNode } from './bench/node';
import { BenchUsageError, isBrowserEnv, parseOptions, USAGE, type Options } from './bench/options';
import { fmt, printTables, ratios } from './bench/report';
import { benchTorch, type TorchRow } from './bench/torch';

/** The repo root (the GPU bundle sets CAMSTEER_ROOT: it runs from a pack folder). */
const ROOT = process.env.CAMSTEER_ROOT ? resolve(process.env.CAMSTEER_ROOT) : resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface BrowserSetup {
  base: string | null;
  chromiumVersion: string | null;
  bundles: Bundles | null;
  adapters: Partial<Record<BrowserEnv, { software: boolean; adapter: string }>>;
}

async function setUpBrowser(o: Options, notes: string[]): Promise<BrowserSetup> {
  const s: BrowserSetup = { base: null, chromiumVersion: null, bundles: null, adapters: {} };
  const browserEnvs = o.envs.filter(isBrowserEnv);
  if (!browserEnvs.length && o.coldStart === 0) return s;
  try {
    const why = o.build ? '--build' : distStale(ROOT, o.dist);
    if (why) {
      process.stdout.write(`vite build into ${relative(ROOT, o.dist)}/ (${why}) ... `);
      await viteBuild(ROOT, o.dist);
      console.log('done');
    }
    s.bundles = bundleSizes(o.dist);
    s.base = await startPreview(ROOT, o.dist);
    const b = await launchChromium();
    s.chromiumVersion = b.version();
    await closeBrowser(b);
    for (const env of browserEnvs) {
      const backend = BROWSER_ENVS[env];
      if (backend === 'webgpu' || backend === 'webgl') s.adapters[env] = await probeAdapter(s.base, backend);
    }
  } catch (e) {
    notes.push(`browser environments and cold start skipped: ${(e as Error).message}`);
    await cleanUp();
    s.base = null;
  }
  return s;
}

/** Why env x model is not run by default, or null. */
function skipReason(env: EnvName, m: BenchModel, o: Options, b: BrowserSetup, batchIndex: number): string | null {
  if (env === 'node-cpu' && m.large && !o.envsExplicit) return 'skipped by default (minutes per step); pass --env node-cpu to run it';
  if (!isBrowserEnv(env)) return null;
  if (!b.base) return 'no browser (see the note above)';
  if (batchIndex > 0) return 'browser envs run the first --batch only';
  if (!m.inBrowser) return 'the bench page loads built-in models at their own size and folders under public/models/ only';
  const adapter = b.adapters[env];
  const slow = env === 'chromium-cpu' ? 'the JavaScript cpu backend' : adapter?.software ? `a software adapter (${adapter.adapter})` : null;
  if (m.large && slow && !o.large) return `skipped by default: MobileNetV2-size model on ${slow}, tens of seconds per step or more; pass --large to run it`;
  return null;
}

async function main(): Promise<number> {
  let o: Options | 'help';
  try {
    o = parseOptions(process.argv.slice(2), ROOT, benchDist(ROOT));
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    console.error(`bench: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    console.log(USAGE);
    return 0;
  }
  const t0 = performance.now();
  const loadStart = loadavg();
  // Models are built and probed on cpu before an env starts its backend (tf.ready() would start
  // wasm, whose .wasm files the GPU bundle does not carry).
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  const rows: Row[] = [];
  const torchRows: TorchRow[] = [];
  const notes: string[] = [];
  const gpu = o.gpuMemory ? new GpuMemorySampler() : undefined;
  gpu?.start();
  const b = await setUpBrowser(o, notes);
  let cold: ColdStart | null = null;
  /** Writes the results file: after every row (a run stopped by a time limit keeps what it measured) and at the end. */
  const write = (final: boolean) => {
    const extra: string[] = [];
    if (rows.some((r) => r.env.startsWith('node-'))) {
      extra.push(
        'streamingOverhead on node rows: emulation of the worker-side live view (computeCam on one image, readback and energy-in-mask ' +
          `every ${o.emitEvery} steps, as src/worker/session.ts does); excludes postMessage and canvas drawing.`,
      );
    }
    if (rows.some((r) => isBrowserEnv(r.env))) {
      extra.push(
        'chromium rows: bench.html of the production build (vite preview, same CSP and isolation headers as the app), one fresh headless Chromium per env x model, ' +
          'the step in a module worker on the app\'s initBackend (src/backends/browser.ts).',
      );
    }
    if (rows.some((r) => r.gpuMemoryPeakMiB !== undefined)) {
      extra.push('gpuMemoryPeakMiB: nvidia-smi memory.used sampled every 100 ms, the peak during the row minus the level before it (whole GPU, CUDA/Vulkan context included).');
    }
    for (const [env, a] of Object.entries(b.adapters)) extra.push(`${env} adapter: ${a.adapter}${a.software ? ' (software)' : ''}`);
    extra.push('tiny = buildTinyModel(size, 7, { nonNegativeScore: true }), the in-app baseline model; models/tiny and mobilenetv2 are the shipped folders with their trained weights (at another --size the same weights, input layer resized).');
    const results = {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        loadAverageStart: loadStart,
        loadAverageEnd: loadavg(),
        node: process.version,
        tfjs: tf.version.tfjs,
        chromium: b.chromiumVersion,
        chromiumPath: b.chromiumVersion ? (SYSTEM_CHROMIUM ?? "Playwright's bundled chromium") : null,
      },
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      options: { ...o, out: undefined, envsExplicit: undefined, dist: relative(ROOT, o.dist) },
      wallSeconds: (performance.now() - t0) / 1000,
      rows,
      torch: torchRows,
      ratios: ratios(rows, torchRows),
      /** Median ms from navigation to the app's ready badge on ?backend=wasm (null: not measured). */
      coldStartMs: cold ? cold.medianMs : null,
      /** The app's entry chunk (assets/index-*.js of the production build), gzip level 9 (null: not measured). */
      mainBundleGzipBytes: b.bundles ? b.bundles.main.gzipBytes : null,
      coldStart: cold,
      bundles: b.bundles,
      notes: [...notes, ...extra, ...(final ? [] : ['partial: the run did not finish (stopped by a time limit?)'])],
    };
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
    return results.notes;
  };
  const late = () => o.deadline > 0 && (performance.now() - t0) / 1000 > o.deadline;
  const sizes = o.sizes.length ? o.sizes : [undefined];
  for (const id of o.models) {
    for (const size of sizes) {
      let m: BenchModel;
      try {
        m = await resolveModel(ROOT, id, size);
      } catch (e) {
        notes.push(`model ${id}${size ? `@${size}` : ''} skipped: ${(e as Error).message}`);
        continue;
      }
      for (const [bi, batch] of o.batches.entries()) {
        for (const env of o.envs) {
          const skip = skipReason(env, m, o, b, bi);
          if (skip) {
            if (!(isBrowserEnv(env) && bi > 0)) notes.push(`${env} x ${m.id} b${batch}: ${skip}`);
            continue;
          }
          if (late()) {
            notes.push(`${env} x ${m.id} b${batch} not run: past --deadline ${o.deadline} s`);
            continue;
          }
          process.stdout.write(`${env} x ${m.id} (${m.inputSize} px, batch ${batch}) ... `);
          try {
            const row = isBrowserEnv(env) ? await benchBrowser(env, m, o, batch, b.base!) : await benchNode(env, m, o, batch, gpu);
            rows.push(row);
            write(false);
            console.log(`${fmt(row.medianMs)} ms/step`);
          } catch (e) {
            console.log('failed');
            notes.push(`${env} x ${m.id} b${batch} failed: ${(e as Error).message}`);
          }
        }
        const torchWanted = o.torchDevice === 'cuda' || (o.torchDevice === 'cpu' && o.torchThreads.length > 0);
        if (!torchWanted) continue;
        if (late()) {
          notes.push(`torch-${o.torchDevice} x ${m.id} b${batch} not run: past --deadline ${o.deadline} s`);
          continue;
        }
        process.stdout.write(`torch-${o.torchDevice} x ${m.id} (batch ${batch}) ... `);
        const tfjsLoss = rows.find((r) => r.model === m.id && r.batch === batch)?.firstLosses[0];
        try {
          const t = await benchTorch(m, { root: ROOT, device: o.torchDevice as 'cpu' | 'cuda', threads: o.torchThreads, batch, warmup: o.warmup, steps: o.steps, tfjsLoss, gpuMemory: gpu });
          torchRows.push(...t);
          write(false);
          console.log(t.map((r) => (r.skipped ? `skipped (${r.skipped})` : `${fmt(r.medianMs)} ms/step${r.device === 'cpu' ? ` (${r.threads} thr)` : ''}`)).join(', '));
        } catch (e) {
          console.log('failed');
          notes.push(`torch x ${m.id} b${batch} failed: ${(e as Error).message}`);
        }
      }
    }
  }
  if (b.base && o.coldStart > 0) {
    process.stdout.write(`cold start (?backend=wasm, ${o.coldStart} fresh contexts) ... `);
    try {
      cold = await coldStart(b.base, o.coldStart);
      console.log(`${fmt(cold.medianMs, 0)} ms`);
    } catch (e) {
      console.log('failed');
      notes.push(`cold start failed: ${(e as Error).message}`);
    }
  }
  await cleanUp();
  gpu?.stop();
  if (gpu?.error) notes.push(`GPU memory not sampled: ${gpu.error}`);

  const allNotes = write(true);

  console.log('');
  printTables(rows, torchRows);
  if (cold) console.log(`cold start (${cold.url}, median of ${cold.runsMs.length} fresh contexts): ${fmt(cold.medianMs, 0)} ms [${cold.runsMs.map((v) => fmt(v, 0)).join(', ')}]`);
  if (b.bundles) {
    const kb = (n: number) => `${fmt(n / 1024)} KiB`;
    console.log(`main bundle ${b.bundles.main.file}: ${kb(b.bundles.main.gzipBytes)} gzip; worker ${b.bundles.worker.file}: ${kb(b.bundles.worker.gzipBytes)} gzip`);
  }
  for (const n of allNotes) console.log(`note: ${n}`);
  console.log(`wrote ${o.out}`);
  return 0;
}

// Ctrl-C, `timeout` and the like: stop the preview server and browsers started here first.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(code));
  });
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => cleanUp())
  // Dawn's device (node-webgpu) keeps the event loop alive.
  .finally(() => setTimeout(() => process.exit(), 100).unref());
