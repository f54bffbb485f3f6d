import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinConnectors } from '../../connectors/index.js';
import { PluginRegistry } from '../../plugins/registry.js';
import { validateConnector } from './connector-validator.js';

const registry = new PluginRegistry(builtinConnectors);

function warningsOf(report: { warnings: { name: string; suggestion?: string }[] }): Record<string, string | undefined> {
  return Object.fromEntries(report.warnings.map((w) => [w.name, w.suggestion]));
}

describe('validateConnector: unknown properties', () => {
  it('warns about the typos and Debezium 1.x names of a postgres config, with what to write instead', async () => {
    const { report } = await validateConnector(registry, {
      name: 'pg', 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': 'db', 'database.dbname': 'shop', 'topic.prefix': 'shop',
      // database.user left out: the connectivity check does not run, the warnings are still given
      'table.include.lst': 'public.orders', 'snapshot.mdoe': 'no_data',
      'database.server.name': 'shop', 'table.whitelist': 'public.orders', 'schema.blacklist': 'audit', 'column.whitelist': 'public.orders.id',
      'toasted.value.placeholder': '__toast',
    });
    assert.deepEqual(warningsOf(report), {
      'table.include.lst': 'table.include.list',
      'snapshot.mdoe': 'snapshot.mode',
      'database.server.name': 'topic.prefix',
      'table.whitelist': 'table.include.list',
      'schema.blacklist': 'schema.exclude.list',
      'column.whitelist': 'column.include.list',
      'toasted.value.placeholder': 'unavailable.value.placeholder',
    });
    assert.equal(report.error_count, 1, 'only the missing database.user is an error');
  });

  it('keeps a valid files sink config valid, warning about flush.szie', async () => {
    const { report, valid } = await validateConnector(registry, { name: 'lake', 'connector.class': 'files', topics: 'shop.public.orders', 'store.url': 'file:///tmp/lake', 'flush.szie': '1000' });
    assert.equal(report.error_count, 0, JSON.stringify(report.configs.filter((c) => c.value.errors.length > 0)));
    assert.ok(valid, 'a config with warnings still starts');
    assert.deepEqual(warningsOf(report), { 'flush.szie': 'flush.size' });
  });

  it('knows the properties of other Kafka Connect components and of the transforms actually listed', async () => {
    const { report } = await validateConnector(registry, {
      name: 'gen', 'connector.class': 'datagen', topic: 't',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false', 'header.converter.x': 'y',
      'producer.override.linger.ms': '5', 'consumer.override.max.poll.records': '10', 'admin.override.request.timeout.ms': '1000',
      'topic.creation.default.replication.factor': '3', 'topic.creation.default.partitions': '1',
      'config.action.reload': 'restart', 'exactly.once.support': 'requested', 'transaction.boundary': 'poll',
      'errors.tolerance': 'none', 'errors.log.enable': 'true',
      transforms: 'unwrap,route', 'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState', 'transforms.unwrap.add.fields': 'op',
      'transforms.route.type': 'com.example.NotInstalled', 'transforms.route.anything': 'x',
      'transforms.gone.type': 'org.apache.kafka.connect.transforms.RegexRouter', 'transforms.unwarp.drop.tombstones': 'false',
      'transforms.unwrap.add.feilds': 'op', 'errors.tolerence': 'all',
    });
    assert.deepEqual(warningsOf(report), {
      // not listed in transforms: nothing reads it; a near miss of a listed alias is suggested
      'transforms.gone.type': undefined,
      'transforms.unwarp.drop.tombstones': 'transforms.unwrap.drop.tombstones',
      'transforms.unwrap.add.feilds': 'transforms.unwrap.add.fields',
      'errors.tolerence': 'errors.tolerance',
    });
    assert.match(report.warnings.find((w) => w.name === 'transforms.gone.type')!.message, /"gone" is not listed in transforms \(transforms=unwrap,route\)/);
    assert.ok(report.configs.some((c) => c.definition.name === 'transforms.route.type' && c.value.errors.length > 0), 'the unknown transform type is the error; its properties are not warned about');
  });

  it('warns about nothing when the connector itself is unknown (its properties cannot be told apart)', async () => {
    const { report } = await validateConnector(registry, { name: 'x', 'connector.class': 'com.example.Nope', 'whatever.property': '1' });
    assert.deepEqual(report.warnings, []);
  });
});
