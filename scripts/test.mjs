#!/usr/bin/env node
// Runs every *.test.ts under the source folders with node's built-in test runner (through tsx),
// after a type check and lint. Node 20's `--test` does not search directories for .ts files, so the list
// is built here. `--unit` leaves out integration-tests/; `--only <substring>` narrows the list.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const root = new URL('..', import.meta.url).pathname;
const roots = ['plugins', 'connectors', 'runtime', 'rest', 'cli', 'docs', ...(unitOnly ? [] : ['integration-tests'])];

function collect(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

// The files that take two minutes or more, longest first (in the CI runs), start first: in the
// alphabetical order they came last and ran alone while the other slot idled. The rest follow
// alphabetically.
const SLOW_FIRST = [
  'integration-tests/worker-group-rolling-restart.test.ts',
  'integration-tests/postgres-kafka-kill.test.ts',
  'integration-tests/worker-group-failover.test.ts',
];
const rank = (f) => { const i = SLOW_FIRST.indexOf(f); return i < 0 ? SLOW_FIRST.length : i; };
const files = roots.flatMap((r) => collect(join(root, r), [])).filter((f) => !only || f.includes(only)).sort().sort((a, b) => rank(a) - rank(b));
if (!args.includes('--no-typecheck') && !args.includes('--fast')) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) { console.error('type check failed'); process.exit(tsc.status ?? 1); }
}
if (!args.includes('--no-lint') && !args.includes('--no-typecheck') && !args.includes('--fast')) {
  const lint = spawnSync(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.'], { cwd: root, stdio: 'inherit' });
  if (lint.status !== 0) { console.error('lint failed'); process.exit(lint.status ?? 1); }
}
const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/run-tests.mjs'), ...files], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
