import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from './io';
import { checkNotInput, checkOutDir, commitFaults, Outputs, recoverOutput } from './outputs';

const clashes = (out: string, kind: 'dir' | 'file', path: string, wholeDir = false) => {
  try {
    checkNotInput(out, kind, [{ label: '--x', path, wholeDir }]);
    return false;
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return true;
  }
};

describe('checkNotInput', () => {
  it('an output directory may neither be nor contain an input', () => {
    expect(clashes('/a/out', 'dir', '/a/out')).toBe(true);
    expect(clashes('/a', 'dir', '/a/photos/x.png')).toBe(true);
    expect(clashes('/a', 'dir', '/a/..hidden')).toBe(true); // a name starting with two dots is inside
    expect(clashes('/a/out', 'dir', '/a')).toBe(false); // inside an input directory is fine
    expect(clashes('/a/out', 'dir', '/a/out2')).toBe(false);
    expect(clashes('/a/b', 'dir', '/a/b..x')).toBe(false);
  });

  it('an output file may not be an input, nor lie inside an input model directory', () => {
    expect(clashes('/a/p.png', 'file', '/a/p.png')).toBe(true);
    expect(clashes('/m/model.json', 'file', '/m', true)).toBe(true);
    expect(clashes('/d/report.json', 'file', '/d')).toBe(false);
    expect(clashes('/d/report.json', 'file', '/d/scores.csv')).toBe(false);
  });

  it('skips inputs that are not given', () => {
    expect(() => checkNotInput('/a', 'dir', [{ label: '--images', path: undefined }])).not.toThrow();
  });
});

describe('replacing an output directory (--force) never loses it', () => {
  const root = () => mkdtempSync(join(tmpdir(), 'camsteer-out-'));
  const leftovers = (dir: string) => readdirSync(dir).filter((n) => /\.(old|tmp)-/.test(n));
  const commitNew = (path: string) => {
    const o = new Outputs();
    o.dir(path, new Map([['new.txt', 'new']]));
    o.commit();
  };

  it('a failure between the two renames puts the old output back', () => {
    const dir = root();
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'old.txt'), 'old');
    commitFaults.afterMoveOld = () => {
      throw new Error('injected failure');
    };
    try {
      expect(() => commitNew(out)).toThrow(/could not write the output: injected failure/);
    } finally {
      commitFaults.afterMoveOld = undefined;
    }
    expect(readdirSync(out)).toEqual(['old.txt']);
    expect(leftovers(dir)).toEqual([]);
    commitNew(out);
    expect(readdirSync(out)).toEqual(['new.txt']);
  });

  it('a process killed between the two renames: the next run restores the old output and removes the rest', () => {
    const dir = root();
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'old.txt'), 'old');
    const here = fileURLToPath(new URL('.', import.meta.url));
    // a child process that commits and is killed (SIGKILL: no cleanup runs) right after moving the old output aside
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { register } from 'tsx/esm/api'; register();
         const { Outputs, commitFaults } = await import(${JSON.stringify(join(here, 'outputs.ts'))});
         commitFaults.afterMoveOld = () => process.kill(process.pid, 'SIGKILL');
         const o = new Outputs(); o.dir(${JSON.stringify(out)}, new Map([['new.txt', 'new']])); o.commit();`,
      ],
      { cwd: join(here, '../..'), encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false); // what the kill leaves: the old output aside, the new one unfinished
    expect(leftovers(dir).map((n) => n.replace(/-\d+-\w+$/, '')).sort()).toEqual(['out.old', 'out.tmp']);

    checkOutDir(out, true); // the next run's first check
    expect(readdirSync(out)).toEqual(['old.txt']);
    expect(readFileSync(join(out, 'old.txt'), 'utf8')).toBe('old');
    expect(leftovers(dir)).toEqual([]);
  });

  it('leftovers beside a complete output are removed; a running process\'s are kept', () => {
    const dir = root();
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'new.txt'), 'new');
    const dead = 2 ** 22 + 12345; // above the kernel's pid_max default: no such process
    mkdirSync(join(dir, `out.old-${dead}-abc123`));
    writeFileSync(join(dir, `out.tmp-${dead}-def456`), 'partial');
    mkdirSync(join(dir, `out.tmp-${process.ppid}-live01`));
    expect(recoverOutput(out)).toHaveLength(2);
    expect(readdirSync(out)).toEqual(['new.txt']);
    expect(leftovers(dir)).toEqual([`out.tmp-${process.ppid}-live01`]);
  });
});
