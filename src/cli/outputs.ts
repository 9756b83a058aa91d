import { accessSync, constants, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fsProblem } from './files';
import { CliError, UsageError, type Io } from './io';

export type Bytes = string | Uint8Array;

/** Absolute path of a command-line path, relative to io.cwd. */
export function resolvePath(io: Io, p: string): string {
  return resolve(io.cwd, p);
}

const tag = () => `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** A leftover of a commit of `path`: `<path>.old-<pid>-<x>` (the output it replaced) or `.tmp-` (a new one being written). */
const LEFTOVER = /^\.(old|tmp)-(\d+)-[a-z0-9]+$/;

/** True while process `pid` (other than this one) runs: its leftovers are still in use. */
function running(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repairs what an interrupted commit of `path` left (a killed process runs no cleanup): when
 * `path` is gone and the output it replaced waits under `<path>.old-*`, that is moved back;
 * every other leftover of a process no longer running (`.old-*`, `.tmp-*`) is removed.
 * Returns what was done, for a note.
 */
export function recoverOutput(path: string): string[] {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names
    .filter((n) => n.startsWith(base) && LEFTOVER.test(n.slice(base.length)))
    .map((n) => ({ path: join(dir, n), kind: LEFTOVER.exec(n.slice(base.length))![1], pid: Number(LEFTOVER.exec(n.slice(base.length))![2]) }))
    .filter((l) => !running(l.pid));
  const done: string[] = [];
  const olds = stale.filter((l) => l.kind === 'old').sort((a, b) => lstatSync(b.path).mtimeMs - lstatSync(a.path).mtimeMs);
  if (!existsSync(path) && olds.length) {
    renameSync(olds[0].path, path);
    done.push(`restored ${path} from an interrupted run`);
    olds.shift();
  }
  for (const l of [...olds, ...stale.filter((x) => x.kind === 'tmp')]) {
    rmSync(l.path, { recursive: true, force: true });
    done.push(`removed ${l.path}, left by an interrupted run`);
  }
  return done;
}

/**
 * Checks before any work that an output can be written: the nearest existing folder above it is
 * a directory in which this process can create files (tried, then removed). Exit 2 otherwise.
 */
export function checkWritable(path: string, flag = '--out', command?: string): void {
  let at = dirname(path);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  let st;
  try {
    st = statSync(at);
  } catch (e) {
    throw new UsageError(`${flag} ${path}: ${at}: ${fsProblem(e)}`, command);
  }
  if (!st.isDirectory()) throw new UsageError(`${flag} ${path}: ${at} is a file, not a directory`, command);
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
    rmdirSync(mkdtempSync(join(at, '.camsteer-probe-')));
  } catch (e) {
    throw new UsageError(`${flag} ${path}: cannot write in ${at} (${fsProblem(e)}); choose another place`, command);
  }
}

/**
 * Checks an output directory before any work: it must not be a file, and must be absent or
 * empty unless `force` (then it is replaced on commit), and it must be writable. Repairs what
 * an interrupted earlier run left first (recoverOutput). Exit 2 otherwise.
 */
export function checkOutDir(path: string, force: boolean, flag = '--out', command?: string): void {
  recoverOutput(path);
  checkWritable(path, flag, command);
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

/** Checks an output file path before any work: writable, not a directory; an existing file needs `force`. */
export function checkOutFile(path: string, force: boolean, flag = '--out', command?: string): void {
  recoverOutput(path);
  checkWritable(path, flag, command);
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
        done.push(() => swapDir(tmp, path));
      }
      for (const f of done) f();
    } catch (e) {
      throw new CliError(`could not write the output: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      for (const t of cleanups) rmSync(t, { recursive: true, force: true });
    }
  }
}

/** Test hook: runs between moving an old output directory aside and moving the new one in. */
export const commitFaults: { afterMoveOld?: (path: string) => void } = {};

/**
 * Puts the directory `tmp` in place of `path`. Directories cannot be swapped in one rename, so
 * the old one is moved to `<path>.old-*` first: if the second rename fails it is moved back, and
 * if the process dies in between, the next run's recoverOutput moves it back.
 */
function swapDir(tmp: string, path: string): void {
  let old: string | null = null;
  if (existsSync(path)) {
    old = `${path}.old-${tag()}`;
    renameSync(path, old);
  }
  try {
    if (old) commitFaults.afterMoveOld?.(path);
    renameSync(tmp, path);
  } catch (e) {
    if (old && !existsSync(path)) renameSync(old, path);
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}
