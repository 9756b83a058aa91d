import type { CommandSpec, FlagSpec, ParsedArgs } from './args';
import { startBackend, type BackendChoice } from './backend';
import type { Io } from './io';
import { FITS, type Fit } from './images';

/** A CLI command: its flags and help (spec) and what it does (returns the exit code). */
export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs, io: Io): Promise<number>;
}

export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  type: 'string',
  meta: 'auto|wasm|cpu',
  choices: ['auto', 'wasm', 'cpu'],
  default: 'auto',
  help: 'tfjs backend: wasm (with CamSteer training kernels), else cpu.',
};

export const QUIET_FLAG: FlagSpec = { name: 'quiet', type: 'boolean', help: 'No progress bars or notes on stderr.' };

export const FIT_FLAG: FlagSpec = {
  name: 'fit',
  type: 'string',
  meta: 'squash|crop',
  choices: FITS,
  default: 'squash',
  help: 'How a photo becomes the square model input: squash the whole photo (as the app does) or take its centred square (as the IQA data pipeline does).',
};

export const LAYER_FLAG: FlagSpec = {
  name: 'layer',
  type: 'string',
  meta: 'NAME',
  help: "CAM target layer. Default: the one the model's metadata names (camsteer.layerName or targetLayer), else the last layer with a 4-D output.",
};

export const FORCE_FLAG: FlagSpec = { name: 'force', type: 'boolean', help: 'Replace existing output files or directories.' };

export async function backendOf(args: ParsedArgs): Promise<string> {
  return startBackend((args.string('backend') ?? 'auto') as BackendChoice);
}

export function fitOf(args: ParsedArgs): Fit {
  return (args.string('fit') ?? 'squash') as Fit;
}
