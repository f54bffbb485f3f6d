#!/usr/bin/env node
// Runs the compiled CLI when it is up to date (npm ci builds it), and the TypeScript sources
// through tsx otherwise, so a checkout works before and after `npm run build` and an edit is never
// silently ignored because dist/ is older than the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

// No V8 flags are set here: the young generation's size (`--max-semi-space-size`) is fixed when
// the heap is created, so setting it at run time has no effect (measured); operators who trade
// memory for GC time pass it in NODE_OPTIONS (docs/operations.md, "Memory and throughput").

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const fresh = existsSync(compiled) && ['cli', 'runtime', 'plugins', 'connectors', 'rest'].every((d) => newestSource(join(root, d)) <= statSync(compiled).mtimeMs);
if (fresh && !process.env.TRIBUTARY_FROM_SOURCE) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
}
