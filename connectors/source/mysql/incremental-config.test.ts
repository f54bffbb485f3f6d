import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../plugins/api/index.js';
import { mysqlConfigSpec } from './mysql-config-spec.js';

const base = { 'topic.prefix': 'srv', 'database.hostname': 'localhost', 'database.user': 'u' };

test('incremental snapshot properties: Debezium\'s names and defaults; read.only and a signal table without a database refused', () => {
  const parsed = parseConfig(mysqlConfigSpec, base);
  assert.equal(parsed.ok, true);
  assert.equal(parsed.value['incremental.snapshot.chunk.size'], 1024);
  assert.deepEqual(parsed.value['signal.enabled.channels'], ['source']);
  assert.equal(parsed.value['read.only'], false);
  const readOnly = parseConfig(mysqlConfigSpec, { ...base, 'read.only': 'true' });
  assert.equal(readOnly.ok, false);
  assert.match(readOnly.errors['read.only']?.[0] ?? '', /not supported/);
  const bare = parseConfig(mysqlConfigSpec, { ...base, 'signal.data.collection': 'dbz_signal' });
  assert.match(bare.errors['signal.data.collection']?.[0] ?? '', /<database>\.<table>/);
  assert.equal(parseConfig(mysqlConfigSpec, { ...base, 'signal.data.collection': 'inventory.dbz_signal', 'signal.enabled.channels': 'source,kafka' }).ok, true);
});
