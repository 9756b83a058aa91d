import { pathToFileURL } from 'node:url';
import { commandHelp, parseArgs, shortUsage } from './args';
import type { Command } from './command';
import { auditCommand } from './commands/audit';
import { camCommand } from './commands/cam';
import { evalCommand } from './commands/eval';
import { pretrainCommand } from './commands/pretrain';
import { reproduceCommand } from './commands/reproduce';
import { scoreCommand } from './commands/score';
import { steerCommand } from './commands/steer';
import { CutError } from '../core/graph';
import { ImageInputError } from '../core/iqa/image';
import { DivergenceError } from '../core/steer/run';
import { CliError, errorMessage, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, UsageError, type Io } from './io';

export const COMMANDS: readonly Command[] = [scoreCommand, camCommand, steerCommand, evalCommand, reproduceCommand, auditCommand, pretrainCommand];

export const VERSION = '0.1.0';

function globalHelp(): string {
  const rows = COMMANDS.map((c) => `  ${c.spec.name.padEnd(11)}${c.spec.summary}`);
  return [
    'Usage: camsteer <command> [options]',
    '',
    'See, steer and measure where an image-quality model looks (differentiable GradCAM), headless.',
    '',
    'Commands:',
    ...rows,
    '',
    'Run "camsteer <command> --help" for a command\'s options.',
    'Exit codes: 0 success, 1 failure (unreadable image or model, training failed), 2 bad usage.',
    'Models are tfjs LayersModel directories (model.json + weights.bin), as the app exports them.',
    '',
  ].join('\n');
}

/**
 * Runs the CLI in-process: `argv` without the node and script paths. Returns the exit code;
 * prints only through `io`. Never throws.
 */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(globalHelp());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const target = rest[0] && COMMANDS.find((c) => c.spec.name === rest[0]);
    io.stdout(target ? commandHelp(target.spec) : globalHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`camsteer ${VERSION}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    io.stderr(`camsteer: unknown command "${name}"\n\n${globalHelp()}`);
    return EXIT_USAGE;
  }
  const prefix = `camsteer ${name}`;
  try {
    const args = parseArgs(command.spec, rest);
    if (args.help) {
      io.stdout(commandHelp(command.spec));
      return EXIT_OK;
    }
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${prefix}: error: ${e.message}\n${shortUsage(command.spec)}`);
      return EXIT_USAGE;
    }
    if (e instanceof DivergenceError) {
      const lr = e.learningRate;
      io.stderr(`${prefix}: error: training diverged by step ${e.step} (the loss became NaN, infinite or exploded); nothing was written. Try a smaller --lr (now ${lr}; ${lr / 10} is a good next try)\n`);
      return EXIT_FAILURE;
    }
    if (e instanceof CliError || e instanceof ImageInputError || e instanceof CutError) {
      io.stderr(`${prefix}: error: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    io.stderr(`${prefix}: failed: ${errorMessage(e)}\n`);
    if (process.env.CAMSTEER_DEBUG && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    return EXIT_FAILURE;
  }
}

/** Entry point when run as a program (bin/camsteer.mjs imports this file). */
export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2));
}

const invoked = process.argv[1] ? pathToFileURL(process.argv[1]).href : '';
if (import.meta.url === invoked) void main();
