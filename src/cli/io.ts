/** Where a command writes, so tests can run the CLI in-process and read what it printed. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Progress bars redraw in place on a terminal and print a line per step otherwise. */
  stderrIsTTY: boolean;
  /** Relative paths resolve against this directory. */
  cwd: string;
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
  };
}

/** Exit codes: 0 success, 1 failure (bad input files, training failed...), 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong: unknown command, flag or value, a missing required flag. Exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage line is printed after the message. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command line is fine but the work failed: unreadable file, wrong model, ... Exit 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
