import { imageInputs } from '../../core/batch';
import { scoresOf } from '../../core/evaluation';
import { BACKEND_FLAG, backendOf, FIT_FLAG, fitOf, QUIET_FLAG, type Command } from '../command';
import { prepareInput, readImage } from '../images';
import type { Io } from '../io';
import { loadModel } from '../modelDir';
import { ProgressBar } from '../progress';
import { modelArg } from '../data';
import { resolvePath } from '../outputs';
import type { ParsedArgs } from '../args';

export const scoreCommand: Command = {
  spec: {
    name: 'score',
    summary: 'Predict the quality score (0-100, higher is better) of each image.',
    usage: 'score --model DIR [--json] IMAGE...',
    positionals: { meta: 'IMAGE...', help: 'PNG or JPEG files.', min: 1, max: Infinity },
    flags: [
      { name: 'model', type: 'string', meta: 'DIR', required: true, help: 'tfjs LayersModel directory (model.json + weights.bin), or a model .zip exported by the app.' },
      { name: 'json', type: 'boolean', help: 'Print JSON ({"model", "inputSize", "fit", "scores": [{"image", "score"}]}) instead of one "path<TAB>score" line per image.' },
      FIT_FLAG,
      BACKEND_FLAG,
      QUIET_FLAG,
    ],
    notes: ['Example:', '  camsteer score --model public/models/tiny photo1.jpg photo2.png'],
  },
  async run(args: ParsedArgs, io: Io): Promise<number> {
    const fit = fitOf(args);
    // Decode every image first: a bad file fails the command before anything is printed.
    const images = args.positionals.map((p) => ({ path: p, image: readImage(resolvePath(io, p)) }));
    await backendOf(args);
    const loaded = await loadModel(modelArg(io, args.requireString('model')).path);
    const { model, inputSize } = loaded;
    try {
      const inputs = images.map((x) => prepareInput(x.image, inputSize, fit, loaded.workingSize));
      const bar = new ProgressBar(io, 'score', inputs.length, args.bool('quiet') || inputs.length < 8);
      const scores = await scoresOf(model, imageInputs(inputs), { batchSize: 16 });
      bar.update(inputs.length);
      if (args.bool('json')) {
        const out = { model: loaded.path, inputSize, workingSize: inputSize === null ? loaded.workingSize : null, fit, scores: images.map((x, i) => ({ image: x.path, score: scores[i] })) };
        io.stdout(JSON.stringify(out, null, 2) + '\n');
      } else {
        io.stdout(images.map((x, i) => `${x.path}\t${scores[i].toFixed(2)}\n`).join(''));
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
