#!/usr/bin/env node
// The `camsteer` command: runs the TypeScript CLI (src/cli/main.ts) through the installed tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main();
