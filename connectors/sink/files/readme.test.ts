import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filesSinkSpec } from './files-sink-config.js';
import { dlqSinkSpec } from '../dlq/dlq-sink-config.js';
import { readmeWithTable } from './test/readme-table.js';

for (const [name, spec] of [['files', filesSinkSpec], ['dlq', dlqSinkSpec]] as const) {
  test(`${name} README properties table matches the config spec`, () => {
    const path = new URL(`../${name}/README.md`, import.meta.url).pathname;
    const { current, expected } = readmeWithTable(path, spec);
    assert.equal(current, expected, `README drifted from the spec: run node --import tsx connectors/sink/files/test/readme-table.ts`);
  });
}
