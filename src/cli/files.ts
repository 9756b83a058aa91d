import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { weightPathProblem } from '../core/modelCheck';

/** A file-system error in one line of CamSteer's words (not Node's "ENOENT: ..., open '...'"). */
export function fsProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ELOOP':
      return 'a symbolic link loop (the link points back to itself)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  }
}

/**
 * statSync (following links) with its failure as an error of the caller's kind; `fail` may
 * return null to let a failure pass (undefined is returned then).
 */
export function statOr(path: string, fail: (detail: string) => Error): Stats;
export function statOr(path: string, fail: (detail: string) => Error | null): Stats | undefined;
export function statOr(path: string, fail: (detail: string) => Error | null): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const err = fail(fsProblem(e));
    if (err) throw err;
    return undefined;
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(n < 1e6 ? 2 : 0)} MB`;

export interface ReadLimits {
  /** Refuse a file larger than this, before reading it. */
  maxBytes: number;
  /** What the file is called in messages ("the model zip", "the image"). */
  what: string;
  fail: (detail: string) => Error;
}

/**
 * Reads a whole regular file of at most `maxBytes`, checked on the open descriptor before any
 * byte is read: a directory, a device (/dev/zero), a FIFO or a socket is refused, and so is a
 * file past the limit. The FIFO is opened non-blocking, so it cannot hang the open.
 */
export function readRegularFile(path: string, limits: ReadLimits): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw limits.fail(fsProblem(e));
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw limits.fail(`is a directory, not ${limits.what}`);
    if (!st.isFile()) throw limits.fail(`is not a regular file (a device, pipe or socket), so it is not read as ${limits.what}`);
    if (st.size > limits.maxBytes) throw limits.fail(`is ${mb(st.size)}; the limit for ${limits.what} is ${mb(limits.maxBytes)}`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== st.size) throw limits.fail('changed while it was read');
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Why `name` is not a plain relative file name (no absolute path, no "..", no backslash), or null. */
export function notPlainName(name: unknown): string | null {
  return weightPathProblem(name) ?? (isAbsolute(name as string) ? 'it is an absolute path' : null);
}

/** True when `child` is `parent` or lies inside it. */
export function isWithin(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/** The outcome of confining a name to a folder: its real path, or why it is refused or missing. */
export type Confined = { ok: true; path: string } | { ok: false; missing: boolean; why: string };

/**
 * Resolves a file name found inside a folder's own files (a manifest's weight path, a CSV's image
 * name) to a real path inside that folder: a plain relative name, and after following every
 * symbolic link still inside the folder.
 */
export function confineTo(root: string, name: unknown): Confined {
  const bad = notPlainName(name);
  if (bad) return { ok: false, missing: false, why: bad };
  let real: string;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(join(root, name as string));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', why: fsProblem(e) };
  }
  if (!isWithin(real, realRoot)) return { ok: false, missing: false, why: 'it is a symbolic link that leads out of the folder' };
  return { ok: true, path: real };
}
