import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CliError, UsageError, type Io } from './io';

export type Bytes = string | Uint8Array;

/** Absolute path of a command-line path, relative to io.cwd. */
export function resolvePath(io: Io, p: string): string {
  return resolve(io.cwd, p);
}

const tag = () => `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Checks an output directory before any work: it must not be a file, and must be absent or
 * empty unless `force` (then it is replaced on commit). Exit 2 otherwise.
 */
export function checkOutDir(path: string, force: boolean, flag = '--out', command?: string): void {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a file, not a directory`, command);
  if (!force && readdirSync(path).length > 0) {
    throw new UsageError(`${flag} ${path} exists and is not empty; choose another directory or pass --force to replace it`, command);
  }
}

/** An input a command reads: what names it (its flag) and its absolute path (undefined when not given). */
export interface InputPath {
  label: string;
  path: string | undefined;
  /** A directory whose every file is an input (a model directory). */
  wholeDir?: boolean;
}

const within = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
};

/**
 * Refuses (exit 2) an output that would destroy an input, --force or not: an output directory
 * is replaced as a whole, so it may neither be nor contain an input; an output file may not be
 * an input nor lie inside an input model directory.
 */
export function checkNotInput(out: string, kind: 'dir' | 'file', inputs: readonly InputPath[], flag = '--out', command?: string): void {
  for (const input of inputs) {
    if (input.path === undefined) continue;
    const clash = kind === 'dir' ? within(input.path, out) : out === input.path || (input.wholeDir === true && within(out, input.path));
    if (clash) {
      const what = kind === 'dir' ? (out === input.path ? `is also the ${input.label} input` : `contains the ${input.label} input ${input.path}`) : `would overwrite the ${input.label} input`;
      throw new UsageError(`${flag} ${out} ${what}; choose another ${kind === 'dir' ? 'directory' : 'file'}`, command);
    }
  }
}

/** Checks an output file path before any work: not a directory; an existing file needs `force`. */
export function checkOutFile(path: string, force: boolean, flag = '--out', command?: string): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a directory, not a file`, command);
  if (!force) throw new UsageError(`${flag} ${path} exists; pass --force to overwrite it`, command);
}

/**
 * Everything a command writes, held in memory until `commit()`: each file is written to a
 * temporary name beside its target and renamed into place, each directory is built under a
 * temporary name and renamed as a whole. A command that fails before commit writes nothing.
 */
export class Outputs {
  private readonly files = new Map<string, Bytes>();
  private readonly dirs = new Map<string, Map<string, Bytes>>();

  file(path: string, data: Bytes): void {
    this.files.set(path, data);
  }

  /** A directory of files (relative paths, may contain '/'). */
  dir(path: string, files: Map<string, Bytes>): void {
    this.dirs.set(path, files);
  }

  get paths(): string[] {
    return [...this.files.keys(), ...this.dirs.keys()];
  }

  commit(): void {
    const done: (() => void)[] = [];
    const cleanups: string[] = [];
    try {
      // Write every temporary first; only when all are written, rename them into place.
      for (const [path, data] of this.files) {
        mkdirSync(dirname(path), { recursive: true });
        const tmp = `${path}.tmp-${tag()}`;
        cleanups.push(tmp);
        writeFileSync(tmp, data);
        done.push(() => renameSync(tmp, path));
      }
      for (const [path, files] of this.dirs) {
        mkdirSync(dirname(path), { recursive: true });
        const tmp = `${path}.tmp-${tag()}`;
        cleanups.push(tmp);
        for (const [rel, data] of files) {
          const f = join(tmp, rel);
          mkdirSync(dirname(f), { recursive: true });
          writeFileSync(f, data);
        }
        done.push(() => {
          let old: string | null = null;
          if (existsSync(path)) {
            old = `${path}.old-${tag()}`;
            renameSync(path, old);
          }
          renameSync(tmp, path);
          if (old) rmSync(old, { recursive: true, force: true });
        });
      }
      for (const f of done) f();
    } catch (e) {
      throw new CliError(`could not write the output: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      for (const t of cleanups) rmSync(t, { recursive: true, force: true });
    }
  }
}
