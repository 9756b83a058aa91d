import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts/ensureDeps.mjs');

/** A project folder with a stand-in `npm` on PATH that only records its calls. */
function project(): { dir: string; run(...args: string[]): { code: number | null; out: string }; installs(): number } {
  const dir = mkdtempSync(join(tmpdir(), 'camsteer-deps-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"x"}');
  writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'npm'), '#!/bin/sh\nmkdir -p node_modules\necho "$@" >> installs.log\n');
  chmodSync(join(dir, 'bin', 'npm'), 0o755);
  const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
  return {
    dir,
    run: (...args) => {
      const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: dir, env, encoding: 'utf8' });
      return { code: r.status, out: r.stdout };
    },
    installs: () => (existsSync(join(dir, 'installs.log')) ? readFileSync(join(dir, 'installs.log'), 'utf8').trim().split('\n').length : 0),
  };
}

describe.skipIf(process.platform === 'win32')('npm start installs only when the dependencies changed', () => {
  it('installs the first time, not the second, and again after the lockfile changes', () => {
    const p = project();
    expect(p.run('--check')).toMatchObject({ code: 1, out: expect.stringContaining('install due') });
    expect(p.run().code).toBe(0);
    expect(p.installs()).toBe(1);
    expect(p.run('--check')).toMatchObject({ code: 0, out: expect.stringContaining('up to date') });
    expect(p.run().code).toBe(0);
    expect(p.installs()).toBe(1);

    writeFileSync(join(p.dir, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    expect(p.run('--check').code).toBe(1);
    p.run();
    expect(p.installs()).toBe(2);

    writeFileSync(join(p.dir, 'package.json'), '{"name":"x","dependencies":{}}');
    p.run();
    expect(p.installs()).toBe(3);
    expect(p.run('--check').code).toBe(0);
  });

  it('a failed install leaves no stamp, so the next start tries again', () => {
    const p = project();
    writeFileSync(join(p.dir, 'bin', 'npm'), '#!/bin/sh\necho "$@" >> installs.log\nexit 3\n');
    expect(p.run().code).toBe(3);
    expect(p.run('--check').code).toBe(1);
  });
});
