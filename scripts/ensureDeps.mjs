#!/usr/bin/env node
/**
 * `npm start` and `npm test` install dependencies only when they changed: the SHA-256 of
 * package.json and package-lock.json is kept in node_modules/.camsteer-deps-sha256 after an
 * install, and an install runs only when node_modules is missing or the hash differs. So a second
 * `npm start` goes straight to Vite.
 *
 * `node scripts/ensureDeps.mjs --check` only says whether an install is due (exit 0: up to date,
 * 1: an install is due) and changes nothing.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';

const say = (line) => process.stdout.write(`${line}\n`);

const STAMP = 'node_modules/.camsteer-deps-sha256';
const FILES = ['package.json', 'package-lock.json'];

function depsHash() {
  const h = createHash('sha256');
  for (const f of FILES) h.update(existsSync(f) ? readFileSync(f) : `no ${f}`).update('\0');
  return h.digest('hex');
}

function installDue() {
  if (!existsSync('node_modules') || !existsSync(STAMP)) return 'node_modules was not installed by this script yet';
  return readFileSync(STAMP, 'utf8').trim() === depsHash() ? null : 'package.json or package-lock.json changed';
}

const why = installDue();
if (process.argv.includes('--check')) {
  say(why ? `install due: ${why}` : 'dependencies up to date');
  process.exit(why ? 1 : 0);
}
if (why) {
  say(`Installing dependencies (${why})…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // after the install: npm may have rewritten the lockfile
  writeFileSync(STAMP, `${depsHash()}\n`);
}
