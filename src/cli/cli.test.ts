import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toArtifacts } from '../core/artifacts';
import { CAM_METHODS, computeCam } from '../core/cam';
import { splitModel } from '../core/graph';
import { zipModel } from '../core/modelZip';
import { loadModel } from './modelDir';
import { makeFixture, runCli, type Fixture } from './testFixtures';

let fx: Fixture;
const out = (name: string) => join(fx.dir, 'out', name);
/** Files in the output folder (temporary files included): what a failed command must not leave. */
const outputs = () => (existsSync(join(fx.dir, 'out')) ? readdirSync(join(fx.dir, 'out')) : []);

beforeAll(async () => {
  fx = await makeFixture();
  mkdirSync(join(fx.dir, 'out'));
});

afterAll(() => {
  // the fixture lives in the OS temp dir; leave it for inspection on failure
});

describe('camsteer score', () => {
  it('prints one line per image, and the same scores as JSON', async () => {
    const r = await runCli(['score', '--model', fx.modelDir, 'photos/a.png', 'photos/b.jpg'], fx.dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^photos\/a\.png\t-?\d+\.\d\d$/);
    const j = await runCli(['score', '--model', fx.modelDir, '--json', 'photos/a.png', 'photos/b.jpg'], fx.dir);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout) as { inputSize: number; scores: { image: string; score: number }[] };
    expect(doc.inputSize).toBe(32);
    expect(doc.scores.map((s) => s.image)).toEqual(['photos/a.png', 'photos/b.jpg']);
    expect(doc.scores[0].score.toFixed(2)).toBe(lines[0].split('\t')[1]);
  });

  it('reads a model zip exported by the app', async () => {
    const lm = await loadModel(fx.modelDir);
    const zip = zipModel(await toArtifacts(lm.model, lm.metadata));
    lm.model.dispose();
    writeFileSync(join(fx.dir, 'model.zip'), zip);
    const a = await runCli(['score', '--model', 'model.zip', 'photos/a.png'], fx.dir);
    const b = await runCli(['score', '--model', 'model', 'photos/a.png'], fx.dir);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('leaves no tensors behind', async () => {
    await runCli(['score', '--model', fx.modelDir, 'photos/a.png'], fx.dir);
    const before = tf.memory().numTensors;
    await runCli(['score', '--model', fx.modelDir, 'photos/a.png', 'photos/b.jpg'], fx.dir);
    await runCli(['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--method', 'gradcampp', '--out', out('leak.json'), '--force'], fx.dir);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('camsteer cam', () => {
  it('writes method, layer, score, featureShape, raw and normalized, equal to core computeCam on the dumped input', async () => {
    const r = await runCli(['cam', '--model', fx.modelDir, '--image', 'photos/b.jpg', '--method', 'hirescam', '--out', out('cam.json'), '--dump-input', out('input.json')], fx.dir);
    expect(r.code, r.stderr).toBe(0);
    const cam = JSON.parse(readFileSync(out('cam.json'), 'utf8')) as {
      method: string;
      layer: string;
      score: number;
      featureShape: [number, number];
      raw: number[];
      normalized: number[];
    };
    const input = JSON.parse(readFileSync(out('input.json'), 'utf8')) as { shape: number[]; data: number[] };
    expect(cam.method).toBe('hirescam');
    expect(cam.layer).toBe('cam_target');
    expect(cam.featureShape).toEqual([8, 8]);
    expect(cam.raw).toHaveLength(64);
    expect(cam.normalized).toHaveLength(32 * 32);
    expect(Math.max(...cam.normalized)).toBeCloseTo(1, 5);
    expect(Math.min(...cam.raw)).toBeGreaterThanOrEqual(0);
    expect(input.shape).toEqual([1, 32, 32, 3]);
    expect(input.data).toHaveLength(32 * 32 * 3);

    // What the app computes: core's splitModel + computeCam on the same input tensor.
    const lm = await loadModel(fx.modelDir);
    const x = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
    const { q, map } = computeCam(splitModel(lm.model, 'cam_target'), x, 'hirescam');
    const raw = Array.from(await map.data());
    const score = (await q.data())[0] * 100;
    tf.dispose([x, q, map]);
    lm.model.dispose();
    expect(cam.raw).toEqual(raw);
    expect(cam.score).toBe(score);
  });

  it('runs every CAM method', async () => {
    for (const m of CAM_METHODS) {
      const r = await runCli(['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--method', m, '--out', out(`m-${m}.json`)], fx.dir);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(out(`m-${m}.json`), 'utf8')).method).toBe(m);
    }
  });

  it('writes a PNG overlay, with a salient mask outline (FFT on the cpu backend)', async () => {
    const r = await runCli(['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--mask', 'salient', '--out', out('cam.png')], fx.dir);
    expect(r.code, r.stderr).toBe(0);
    const png = PNG.sync.read(readFileSync(out('cam.png')));
    expect([png.width, png.height]).toEqual([512, 384]);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('honours --layer and reports the alignment with --mask', async () => {
    const r = await runCli(['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--layer', 'conv2', '--mask', 'corners', '--out', out('conv2.json')], fx.dir);
    expect(r.code, r.stderr).toBe(0);
    const cam = JSON.parse(readFileSync(out('conv2.json'), 'utf8'));
    expect(cam.layer).toBe('conv2');
    expect(cam.alignment.energy).toBeGreaterThanOrEqual(0);
    expect(cam.alignment.energy).toBeLessThanOrEqual(1);
  });
});

describe('camsteer steer and eval', () => {
  it('steers on a folder of photos and writes a model tf.loadLayersModel reads, metadata inside', async () => {
    const r = await runCli(['steer', '--model', fx.modelDir, '--mask', 'corners', '--images', 'photos', '--steps', '3', '--batch', '4', '--out', out('steered')], fx.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out('steered')).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(out('steered/model.json'), 'utf8'));
    const w = readFileSync(out('steered/weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) }),
    );
    expect(model.outputs[0].shape).toEqual([null, 1]);
    model.dispose();
    expect(json.userDefinedMetadata.camsteer.layerName).toBe('cam_target');
    expect(json.userDefinedMetadata.camsteer.inputSize).toBe(32);
    expect(json.userDefinedMetadata.camsteer.steering.mask).toBe('corners');
    expect(json.userDefinedMetadata.camsteer.steering.settings.steps).toBe(3);
    const s = await runCli(['score', '--model', out('steered'), 'photos/a.png'], fx.dir);
    expect(s.code).toBe(0);
  }, 60_000);

  it('evaluates on a scored folder with alignment per CAM method (text and JSON)', async () => {
    const r = await runCli(['eval', '--model', fx.modelDir, '--data', 'scored', '--mask', 'text:VG', '--json'], fx.dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.data).toMatchObject({ kind: 'folder', n: 4 });
    expect(doc.quality.n).toBe(4);
    expect(Object.keys(doc.alignment.methods)).toEqual([...CAM_METHODS]);
    expect(doc.alignment.methods.gradcam.chance).toBeGreaterThan(0.05);
    // what the layer's grid allows: above chance, at most all of it, the best cell at least the exact fit here
    const g = doc.alignment.methods.gradcam;
    expect(g.exactFit).toBeGreaterThan(g.chance);
    expect(g.bestCell).toBeGreaterThanOrEqual(g.exactFit);
    expect(g.bestCell).toBeLessThanOrEqual(1);
    const t = await runCli(['eval', '--model', fx.modelDir, '--data', 'scored', '--mask', 'corners', '--methods', 'gradcam,layercam'], fx.dir);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/SRCC/);
    expect(t.stdout).toMatch(/LayerCAM/);
    expect(t.stdout).not.toMatch(/HiResCAM/);
    expect(t.stdout).toMatch(/grid allows: \d\.\d{3} for the mask resampled to it, \d\.\d{3} for the best single cell/);
  });

  it('evaluates on the test split of the bundled photos', async () => {
    const r = await runCli(['eval', '--model', fx.modelDir, '--json', '--quiet'], fx.dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.data.kind).toBe('test-split');
    expect(doc.quality.n).toBe(doc.data.n - 3); // distorted images only
    expect(Object.keys(doc.quality.groups).sort()).toEqual(['blur', 'jpeg', 'noise']);
  }, 60_000);
});

describe('bad usage', () => {
  const cases: { name: string; argv: () => string[]; code: number; message: RegExp }[] = [
    { name: 'no command', argv: () => [], code: 2, message: /Usage: camsteer <command>/ },
    { name: 'unknown command', argv: () => ['frobnicate'], code: 2, message: /unknown command "frobnicate"/ },
    { name: 'unknown option', argv: () => ['score', '--model', fx.modelDir, '--colour', 'red', 'photos/a.png'], code: 2, message: /unknown option --colour/ },
    { name: 'missing --model', argv: () => ['score', 'photos/a.png'], code: 2, message: /--model is required/ },
    { name: 'no images', argv: () => ['score', '--model', fx.modelDir], code: 2, message: /missing IMAGE/ },
    {
      name: 'unknown CAM method',
      argv: () => ['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--method', 'scorecam', '--out', out('bad.json')],
      code: 2,
      message: /--method must be one of gradcam, hirescam, gradcampp, xgradcam, layercam; got "scorecam"/,
    },
    { name: 'bad --out extension', argv: () => ['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--out', out('bad.txt')], code: 2, message: /--out must end in \.json or \.png/ },
    { name: 'unknown layer', argv: () => ['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--layer', 'nope', '--out', out('bad.json')], code: 2, message: /--layer nope is not a layer.*conv1, conv2, cam_target/ },
    { name: 'unknown mask preset', argv: () => ['steer', '--model', fx.modelDir, '--mask', 'diagonal', '--out', out('bad-steer')], code: 2, message: /--mask diagonal: not a preset/ },
    { name: 'bad number', argv: () => ['steer', '--model', fx.modelDir, '--mask', 'corners', '--steps', 'many', '--out', out('bad-steer')], code: 2, message: /--steps needs an integer, got "many"/ },
    { name: 'missing image file', argv: () => ['cam', '--model', fx.modelDir, '--image', 'photos/missing.png', '--out', out('bad.json')], code: 1, message: /photos\/missing\.png: no such file/ },
    { name: 'not an image', argv: () => ['score', '--model', fx.modelDir, 'notes.png'], code: 1, message: /notes\.png: This file is not an image/ },
    { name: 'image too small', argv: () => ['cam', '--model', fx.modelDir, '--image', 'tiny.png', '--out', out('bad.json')], code: 1, message: /tiny\.png: The image is 16x16 pixels/ },
    { name: 'model dir without model.json', argv: () => ['cam', '--model', 'empty', '--image', 'photos/a.png', '--out', out('bad.json')], code: 1, message: /empty: not a usable model: the directory has no model\.json/ },
    { name: 'a photo folder as model', argv: () => ['score', '--model', 'photos/a.png', 'photos/a.png'], code: 1, message: /not a usable model/ },
    { name: 'missing model dir', argv: () => ['score', '--model', 'nowhere', 'photos/a.png'], code: 1, message: /nowhere: not a usable model: no such file or directory/ },
    { name: 'missing mask file', argv: () => ['steer', '--model', fx.modelDir, '--mask', 'masks/m.png', '--out', out('bad-steer')], code: 1, message: /--mask masks\/m\.png: no such file/ },
    { name: 'empty mask image', argv: () => ['steer', '--model', fx.modelDir, '--mask', 'black.png', '--out', out('bad-steer')], code: 1, message: /--mask black\.png: the mask is empty/ },
    {
      name: 'a diverging run (learning rate 10)',
      argv: () => ['steer', '--model', fx.modelDir, '--mask', 'corners', '--images', 'photos', '--steps', '6', '--batch', '4', '--lr', '10', '--out', out('diverged')],
      code: 1,
      message: /training diverged by step \d+ .*nothing was written/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: exit ${c.code}, a clear message, nothing written`, async () => {
      const before = outputs();
      const r = await runCli(c.argv(), fx.dir);
      expect(r.code).toBe(c.code);
      expect(r.stderr).toMatch(c.message);
      expect(r.stdout).toBe('');
      expect(outputs()).toEqual(before);
    });
  }

  it('a model.json that is not a layers model fails with exit 1 and writes nothing', async () => {
    mkdirSync(join(fx.dir, 'graph'), { recursive: true });
    writeFileSync(join(fx.dir, 'graph', 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    const before = outputs();
    const r = await runCli(['cam', '--model', 'graph', '--image', 'photos/a.png', '--out', out('g.json')], fx.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/graph: not a usable model: model\.json is a tfjs "graph-model"/);
    expect(outputs()).toEqual(before);
  });

  it('refuses to overwrite outputs without --force', async () => {
    const r1 = await runCli(['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--out', out('keep.json')], fx.dir);
    expect(r1.code).toBe(0);
    const r2 = await runCli(['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--out', out('keep.json')], fx.dir);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/exists; pass --force/);
    const r3 = await runCli(['steer', '--model', fx.modelDir, '--mask', 'corners', '--images', 'photos', '--out', join(fx.dir, 'photos')], fx.dir);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/exists and is not empty/);
  });

  it('refuses, even with --force, an output that would replace or overwrite one of its inputs', async () => {
    const snapshot = () => ['photos', 'model', 'scored'].map((d) => readdirSync(join(fx.dir, d)).map((f) => readFileSync(join(fx.dir, d, f)).toString('base64')).join());
    const before = snapshot();
    const cases: [string[], RegExp][] = [
      [['steer', '--model', fx.modelDir, '--mask', 'corners', '--images', 'photos', '--out', 'photos'], /--out .*photos is also the --images input; choose another directory/],
      [['steer', '--model', fx.modelDir, '--mask', 'corners', '--images', 'photos', '--out', fx.dir], /--out .* contains the --model input/],
      [['steer', '--model', 'model', '--mask', 'corners', '--images', 'photos', '--out', 'model'], /is also the --model input/],
      [['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--out', 'photos/a.png'], /--out .*a\.png would overwrite the --image input/],
      [['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--out', join(fx.modelDir, 'model.json')], /would overwrite the --model input/],
      [['cam', '--model', fx.modelDir, '--image', 'photos/a.png', '--out', out('ok.json'), '--dump-input', join(fx.modelDir, 'x.json')], /--dump-input .* would overwrite the --model input/],
      [['eval', '--model', fx.modelDir, '--data', 'scored', '--out', 'scored/scores.csv'], /would overwrite the --data input/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli([...argv, '--force'], fx.dir);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(snapshot()).toEqual(before);
    expect(existsSync(out('ok.json'))).toBe(false);
    // an output beside an input is fine: a report inside the scored folder
    const ok = await runCli(['eval', '--model', fx.modelDir, '--data', 'scored', '--out', 'scored/report.json', '--json'], fx.dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(fx.dir, 'scored', 'report.json'))).toBe(true);
  }, 60_000);
});

describe('help', () => {
  it('every command has --help (exit 0)', async () => {
    for (const c of ['score', 'cam', 'steer', 'eval', 'reproduce']) {
      const r = await runCli([c, '--help'], fx.dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: camsteer ${c}`));
      expect(r.stdout).toMatch(/--backend/);
    }
  });

  it('the installed bin runs (spawned through tsx)', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, [join(root, 'bin/camsteer.mjs'), '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: camsteer <command>/);
    for (const c of ['score', 'cam', 'steer', 'eval', 'reproduce']) expect(r.stdout).toContain(`  ${c}`);
    const bad = spawnSync(process.execPath, [join(root, 'bin/camsteer.mjs'), 'cam', '--method', 'nope'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
  }, 60_000);
});
