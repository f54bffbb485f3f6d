import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readmeWithTable } from './test/readme-table.js';

test('README properties table matches the config spec', () => {
  const { current, expected } = readmeWithTable();
  assert.equal(current, expected, 'README drifted from the spec: run node --import tsx connectors/source/postgres/test/readme-table.ts');
});
