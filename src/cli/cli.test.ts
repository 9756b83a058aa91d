import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toArtifacts } from '../core/artifacts';
import { CAM_METHODS, computeCam } from '../core/cam';
import { DISTORTIONS } from '../core/distort';
import { splitModel } from '../core/graph';
import { zipModel } from '../core/modelZip';
import { loadModel } from './modelDir';
import { editLayer, pngHeaderOf, splitZipBomb } from '../core/hostileFixtures';
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
    expect([png.width, png.height]).toEqual([512, 464]); // a.png is 256 x 232, drawn at a long side of 512
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
  }, 180_000);

  it('evaluates on a scored folder with alignment per CAM method (text and JSON)', async () => {
    const r = await runCli(['eval', '--model', fx.modelDir, '--data', 'scored', '--mask', 'text:VG', '--json'], fx.dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.data).toMatchObject({ kind: 'folder', n: 4 });
    expect(doc.quality.overall).toMatchObject({ n: 4, references: 4 }); // no reference column: each image its own
    expect(doc.quality.oracle).toBeNull();
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
    const r = await runCli(['eval', '--model', fx.modelDir, '--limit', '2', '--json', '--quiet'], fx.dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.data).toEqual({ kind: 'test-split', split: 'test', n: 2 * 41 }); // per photo: the pristine image and 8 types x 5 levels
    expect(doc.quality.overall).toMatchObject({ n: 2 * 40, references: 2 }); // distorted images only
    expect(Object.keys(doc.quality.byType).sort()).toEqual(DISTORTIONS.map((d) => d.id).sort());
    expect(doc.quality.pristine.n).toBe(2);
    expect(doc.quality.oracle.n).toBe(2 * 40);
  }, 240_000);
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
      argv: () => ['steer', '--model', fx.modelDir, '--mask', 'corners', '--images', 'photos', '--steps', '6', '--batch', '4', '--lr', '10', '--no-replay', '--no-guard', '--out', out('diverged')],
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

describe('hostile files and interrupted writes (docs/bad-input.md)', () => {
  const modelJson = () => JSON.parse(readFileSync(join(fx.modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
  const weights = () => readFileSync(join(fx.modelDir, 'weights.bin'));
  /** A model folder under fx.dir/hostile/NAME with this model.json and these files. */
  const modelWith = (name: string, json: Record<string, unknown>, files: Record<string, Uint8Array | string> = { 'weights.bin': weights() }) => {
    const dir = join(fx.dir, 'hostile', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    for (const [f, b] of Object.entries(files)) writeFileSync(join(dir, f), b);
    return dir;
  };
  const withPaths = (paths: string[]) => {
    const j = modelJson();
    (j.weightsManifest as { paths: string[] }[])[0].paths = paths;
    return j;
  };
  const oneLine = (stderr: string) => expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  beforeAll(() => mkdirSync(join(fx.dir, 'hostile'), { recursive: true }));

  it('a zip bomb split across entries is refused from the zip directory, before inflating', async () => {
    writeFileSync(join(fx.dir, 'bomb.zip'), splitZipBomb(JSON.stringify(modelJson()), weights()));
    const r = await runCli(['score', '--model', 'bomb.zip', 'photos/a.png'], fx.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bomb\.zip: not a usable model: the archive would unpack to 2280 MB; the limit is 232 MB/);
    oneLine(r.stderr);
  });

  it('weight paths that leave the model folder are refused: "..", absolute, symlinks out, devices, FIFOs', async () => {
    const elsewhere = join(fx.dir, 'hostile', 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(join(elsewhere, 'weights.bin'), weights());
    const cases: [string, RegExp][] = [
      [modelWith('dotdot', withPaths(['../elsewhere/weights.bin']), {}), /weight path "\.\.\/elsewhere\/weights\.bin" in model\.json is refused: it climbs out of the folder with "\.\."/],
      [modelWith('absolute', withPaths(['/etc/hostname']), {}), /weight path "\/etc\/hostname" in model\.json is refused: it is an absolute path/],
      [modelWith('backslash', withPaths(['..\\elsewhere\\weights.bin']), {}), /is refused: it contains a backslash/],
    ];
    const linkOut = modelWith('link-out', withPaths(['weights.bin']), {});
    symlinkSync(join(elsewhere, 'weights.bin'), join(linkOut, 'weights.bin'));
    cases.push([linkOut, /weight path "weights\.bin" in model\.json is refused: it is a symbolic link that leads out of the folder/]);
    const zero = modelWith('dev-zero', withPaths(['weights.bin']), {});
    symlinkSync('/dev/zero', join(zero, 'weights.bin'));
    cases.push([zero, /is refused: it is a symbolic link that leads out of the folder/]);
    const fifo = modelWith('fifo', withPaths(['weights.bin']), {});
    expect(spawnSync('mkfifo', [join(fifo, 'weights.bin')]).status).toBe(0);
    cases.push([fifo, /the weight file "weights\.bin" is not a regular file/]);
    for (const [dir, message] of cases) {
      const r = await runCli(['score', '--model', dir, 'photos/a.png'], fx.dir);
      expect(r.code, dir).toBe(1);
      expect(r.stderr).toMatch(message);
      oneLine(r.stderr);
    }
    // a symlink that stays inside the folder is fine
    const inside = modelWith('link-inside', withPaths(['w.bin']), { 'real.bin': weights() });
    symlinkSync('real.bin', join(inside, 'w.bin'));
    expect((await runCli(['score', '--model', inside, 'photos/a.png'], fx.dir)).code).toBe(0);
  });

  it('eval --data reads only images inside its folder', async () => {
    const data = join(fx.dir, 'hostile', 'data');
    mkdirSync(data, { recursive: true });
    for (const f of ['s0.png', 's1.png', 's2.png']) writeFileSync(join(data, f), readFileSync(join(fx.scored, f)));
    const rows = ['file,score', 's0.png,10', 's1.png,50', 's2.png,90'];
    for (const [bad, message] of [
      ['../../photos/a.png', /scores\.csv:5: the image "\.\.\/\.\.\/photos\/a\.png" is refused: it climbs out of the folder with "\.\."; scores\.csv may only name files inside its folder/],
      ['/etc/hostname', /scores\.csv:5: the image "\/etc\/hostname" is refused: it is an absolute path/],
    ] as const) {
      writeFileSync(join(data, 'scores.csv'), [...rows, `${bad},30`].join('\n'));
      const r = await runCli(['eval', '--model', fx.modelDir, '--data', data, '--quiet'], fx.dir);
      expect(r.code, bad).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('a model.json declaring a convolution with 1e6 filters is refused before any layer is built', async () => {
    const big = editLayer(modelJson(), 'cam_target', (l) => void (l.config.filters = 1e6));
    const r = await runCli(['score', '--model', modelWith('filters', big), 'photos/a.png'], fx.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a usable model: its layer "cam_target" declares filters 1000000, but its weight "cam_target\/kernel" in the manifest has the shape \[3,3,32,32\]/);
    oneLine(r.stderr);
    // with its weights renamed so no declared size can be compared, the build itself refuses the weight
    const renamed = JSON.parse(JSON.stringify(big).replaceAll('"cam_target/', '"renamed/'));
    const before = tf.memory().numBytes;
    const g = await runCli(['score', '--model', modelWith('filters-renamed', renamed), 'photos/a.png'], fx.dir);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/its layer "cam_target" needs a kernel of shape \[3,3,32,1000000\] \(288\.0 M values\), more than the weights manifest declares/);
    expect(tf.memory().numBytes).toBe(before);
  });

  it('NaN and infinite weights are refused, naming the first bad tensor; so is a non-finite score', async () => {
    const w = weights();
    const nan = new Float32Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
    nan[5] = NaN;
    const r = await runCli(['score', '--model', modelWith('nan', modelJson(), { 'weights.bin': new Uint8Array(nan.buffer) }), 'photos/a.png'], fx.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a usable model: its weight "conv1\/kernel" holds NaN \(value 5\); every weight must be a finite number/);
    const inf = new Float32Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
    inf[inf.length - 1] = -Infinity;
    const z = zipModel({ modelTopology: modelJson().modelTopology as object, weightSpecs: (modelJson().weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0].weights, weightData: inf.buffer });
    writeFileSync(join(fx.dir, 'hostile', 'inf.zip'), z);
    const i = await runCli(['score', '--model', join(fx.dir, 'hostile', 'inf.zip'), 'photos/a.png'], fx.dir);
    expect(i.code).toBe(1);
    expect(i.stderr).toMatch(/its weight "score\/bias" holds -Infinity/);
    // finite weights that overflow: every kernel value 1e30
    const huge = new Float32Array(w.byteLength / 4).fill(1e30);
    const o = await runCli(['score', '--model', modelWith('overflow', modelJson(), { 'weights.bin': new Uint8Array(huge.buffer) }), 'photos/a.png'], fx.dir);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/it scores a plain grey image as -?(NaN|Infinity): the output of its layer "conv2" is the first that is not finite/);
  });

  it('a 20000 x 20000 mask is refused from its header, with the photos\' limit', async () => {
    writeFileSync(join(fx.dir, 'hostile', 'huge-mask.png'), pngHeaderOf(20000, 20000));
    const r = await runCli(['steer', '--model', fx.modelDir, '--mask', 'hostile/huge-mask.png', '--images', 'photos', '--out', out('huge-mask')], fx.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--mask hostile\/huge-mask\.png: The image is 20000x20000 pixels \(400 MP\); at most 100 MP is accepted\./);
  });

  it('smaller messages: truncated PNG, symlink loop, unknown layer class, --mask "", a directory as mask', async () => {
    const coffee = readFileSync(join(fx.dir, 'photos', 'a.png'));
    writeFileSync(join(fx.dir, 'hostile', 'half.png'), coffee.subarray(0, Math.floor(coffee.length / 2)));
    const t = await runCli(['score', '--model', fx.modelDir, 'hostile/half.png'], fx.dir);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/hostile\/half\.png: The PNG file is truncated: it ends before its image data does\./);
    expect(t.stderr).not.toMatch(/waitng|stream/);

    symlinkSync('loop.png', join(fx.dir, 'hostile', 'loop.png'));
    const l = await runCli(['score', '--model', fx.modelDir, 'hostile/loop.png'], fx.dir);
    expect(l.code).toBe(1);
    expect(l.stderr).toMatch(/hostile\/loop\.png: a symbolic link loop/);
    symlinkSync('loopdir', join(fx.dir, 'hostile', 'loopdir'));
    const lm = await runCli(['score', '--model', 'hostile/loopdir', 'photos/a.png'], fx.dir);
    expect(lm.stderr).toMatch(/loopdir: not a usable model: a symbolic link loop/);

    const unknown = editLayer(modelJson(), 'conv2', (layer) => void (layer.class_name = 'FancyConv'));
    const u = await runCli(['score', '--model', modelWith('unknown-class', unknown), 'photos/a.png'], fx.dir);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/its layer "conv2" is a "FancyConv", a layer class tfjs does not know/);
    oneLine(u.stderr);

    const e = await runCli(['steer', '--model', fx.modelDir, '--mask', '', '--out', out('empty-mask')], fx.dir);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/--mask needs a value/);

    mkdirSync(join(fx.dir, 'hostile', 'mask.png'), { recursive: true });
    const d = await runCli(['steer', '--model', fx.modelDir, '--mask', 'hostile/mask.png', '--out', out('dir-mask')], fx.dir);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/--mask hostile\/mask\.png: is a directory, not a mask image \(PNG or JPEG\)/);
    expect(d.stderr).not.toMatch(/EISDIR/);
  });

  it('an unwritable --out is refused before any training', async () => {
    const before = outputs();
    for (const [target, message] of [
      ['/proc/camsteer-out', /--out \/proc\/camsteer-out: cannot write in \/proc/],
      [join(fx.dir, 'notes.png', 'out'), /notes\.png is a file, not a directory/],
    ] as const) {
      const r = await runCli(['steer', '--model', fx.modelDir, '--mask', 'corners', '--images', 'photos', '--steps', '3', '--out', target], fx.dir);
      expect(r.code, target).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/%|ETA/); // no progress: refused before the data and the training
    }
    expect(outputs()).toEqual(before);
  });
});
