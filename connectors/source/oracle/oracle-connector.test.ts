import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinConnectors } from '../../index.js';
import { PluginRegistry } from '../../../plugins/registry.js';
import oracle from './index.js';

test('the connector is registered under Debezium\'s class name and the alias oracle', () => {
  const registry = new PluginRegistry(builtinConnectors);
  assert.equal(registry.resolve('io.debezium.connector.oracle.OracleConnector'), oracle);
  assert.equal(registry.resolve('oracle'), oracle);
  assert.equal(oracle.kind, 'source');
});

test('one task: the redo is one ordered stream', async () => {
  const raw = { 'topic.prefix': 'ora', 'database.hostname': 'h', 'database.user': 'u', 'database.dbname': 'D' };
  assert.deepEqual(await oracle.taskConfigs({} as never, raw, 4), [raw]);
});
