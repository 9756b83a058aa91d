#!/usr/bin/env node
// The `camsteer` command: runs the TypeScript CLI (src/cli/main.ts) through the installed tsx.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
try {
  const { main } = await import('../src/cli/main.ts');
  await main();
} catch (e) {
  // main() reports its own errors; this is for a CLI that could not even start.
  process.stderr.write(`camsteer: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
