import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const SOURCE_DIRS = ['cli', 'runtime', 'plugins', 'connectors', 'rest'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure `dist/` holds the current sources compiled (`npm ci` builds it; an edited checkout
 * may not have), so that bin/tributary.js runs the compiled CLI as an installed one does — for
 * tests that measure the worker process itself (its memory), where tsx would add its own.
 */
export function ensureCompiledCli(): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(main) && SOURCE_DIRS.every((d) => newestSource(join(ROOT, d)) <= statSync(main).mtimeMs)) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the TypeScript build (tsconfig.build.json) failed');
}

/** The environment that lets bin/tributary.js pick dist/ (no TRIBUTARY_FROM_SOURCE). */
export function compiledCliEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { TRIBUTARY_FROM_SOURCE: _ignored, ...rest } = env;
  return rest;
}
