import type { CommandSpec, FlagSpec, ParsedArgs } from './args';
import { BACKEND_CHOICES, startBackend, type BackendChoice } from './backend';
import type * as tf from '@tensorflow/tfjs';
import { UsageError, type Io } from './io';
import { frozenCut } from '../core/graph';
import { FITS, type Fit } from './images';

/** A CLI command: its flags and help (spec) and what it does (returns the exit code). */
export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs, io: Io): Promise<number>;
}

export const BACKEND_FLAG: FlagSpec = {
  name: 'backend',
  type: 'string',
  meta: BACKEND_CHOICES.join('|'),
  choices: BACKEND_CHOICES,
  default: 'auto',
  help: 'tfjs backend: auto is wasm (with CamSteer training kernels), else cpu; webgpu runs on a GPU through node-webgpu (Dawn), or on SwiftShader where there is none.',
};

export const SHARPNESS_FLAG: FlagSpec = {
  name: 'sharpness',
  type: 'number',
  meta: 'P',
  min: 1,
  max: 64,
  help: "Sharpness of the CAM target at the layer's grid: (cell / max cell) ^ P of the mask's area means there (default 1: the area means). Larger P weights the cells the mask covers most; see docs/cli.md.",
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

/** The flags every command that writes and computes ends with. */
export const COMMON_FLAGS: readonly FlagSpec[] = [FORCE_FLAG, BACKEND_FLAG, QUIET_FLAG];

export async function backendOf(args: ParsedArgs): Promise<string> {
  return startBackend((args.string('backend') ?? 'auto') as BackendChoice);
}

export function fitOf(args: ParsedArgs): Fit {
  return (args.string('fit') ?? 'squash') as Fit;
}

export const FREEZE_FLAG: FlagSpec = {
  name: 'freeze-until',
  type: 'string',
  meta: 'LAYER|auto|none',
  default: 'auto',
  help: "Train only the layers after LAYER, on its activations computed once per image (fast for a large frozen backbone). auto: the end of the model's non-trainable prefix, if it has one (the shipped MobileNetV2); none: train every trainable layer.",
};

/** The frozen prefix's last layer for --freeze-until (null: none). */
export function cutOf(args: ParsedArgs, model: tf.LayersModel, layerName: string): string | null {
  const v = args.string('freeze-until') ?? 'auto';
  if (v === 'none') return null;
  if (v === 'auto') return frozenCut(model, layerName);
  if (!model.layers.some((l) => l.name === v)) throw new UsageError(`--freeze-until ${v}: the model has no such layer`, args.spec.name);
  return v;
}
