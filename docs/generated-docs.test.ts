import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { test } from 'node:test';
import { generatedDocs } from '../scripts/generate-docs.js';

test('generated docs (connector property tables, error codes, configuration) match the code', async () => {
  const stale: string[] = [];
  for (const [file, content] of await generatedDocs()) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (current !== content) stale.push(relative(process.cwd(), file));
  }
  assert.deepEqual(stale, [], 'run `npm run docs` and commit the result');
});
