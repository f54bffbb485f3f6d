import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { parseConfig, type RawConfig } from '../../../plugins/api/index.js';
import { PluginRegistry } from '../../../plugins/registry.js';
import { builtinConnectors } from '../../index.js';
import { binlogServiceConfig } from './mysql-mode/binlog-service.js';
import { oceanbaseConfigSpec, type OceanBaseConfig } from './oceanbase-config-spec.js';
import { odpVersionOf, validateOceanBase, versionAtLeast } from './oceanbase-validator.js';
import type { SqlClient, SqlResult } from './sql-client.js';
import { oracleConfig, ordersShape, staticDeps } from './test/fake-setup.js';

const parse = (raw: RawConfig) => parseConfig(oceanbaseConfigSpec, raw);
const configOf = (raw: RawConfig) => {
  const p = parse(raw);
  assert.ok(p.ok, JSON.stringify(p.errors));
  return p.value as OceanBaseConfig;
};
const mysqlMode = (o: Record<string, string> = {}) => ({
  'topic.prefix': 'obm', 'database.compatibility.mode': 'mysql', 'database.hostname': 'odp.local', 'database.port': '2883', 'database.user': 'cdc',
  'database.password': 'pw', 'database.tenant': 'mysql_t', 'database.cluster': 'obcluster', 'database.dbname': 'shop', 'table.include.list': 'shop\\.orders', ...o,
});

/** a SqlClient answering by statement prefix */
function scripted(answers: Record<string, readonly Record<string, unknown>[] | Error>): SqlClient {
  return {
    async query(sql: string): Promise<SqlResult> {
      const key = Object.keys(answers).find((k) => sql.startsWith(k));
      const a = key === undefined ? [] : answers[key];
      if (a instanceof Error) throw a;
      return { rows: a, fields: [], affectedRows: 0 };
    },
    close: async () => undefined,
  };
}

describe('oceanbase connector', () => {
  test('is registered as connector.class=oceanbase', () => {
    const registry = new PluginRegistry(builtinConnectors);
    assert.equal(registry.resolve('oceanbase').name, 'oceanbase');
    assert.equal(registry.resolve('io.tributary.connector.oceanbase.OceanBaseConnector').name, 'oceanbase');
  });

  test('the spec refuses what cannot work, on the property that fixes it', () => {
    const missing = parse({});
    assert.ok(!missing.ok);
    for (const p of ['topic.prefix', 'database.compatibility.mode', 'database.hostname', 'database.user', 'database.tenant']) assert.ok(missing.errors[p], p);
    const e = (raw: RawConfig) => (parse(raw) as { errors: Record<string, string[]> }).errors;
    assert.match(e(oracleConfig())['capture.mode'][0], /logproxy, trigger or query/);
    assert.match(e(oracleConfig({ 'capture.mode': 'logproxy' }))['logproxy.host'][0], /Missing/);
    assert.match(e(oracleConfig({ 'capture.mode': 'logproxy', 'logproxy.host': 'h' }))['rootserver.list'][0], /rootserver.list or config.url/);
    assert.match(e(oracleConfig({ 'capture.mode': 'trigger' }))['table.include.list'][0], /explicit table.include.list/);
    assert.match(e(oracleConfig({ 'capture.mode': 'logproxy', 'logproxy.host': 'h', 'rootserver.list': 'r', 'snapshot.mode': 'initial' }))['snapshot.mode'][0], /not implemented/);
    assert.match(e(mysqlMode({ 'capture.mode': 'query' }))['capture.mode'][0], /Binlog Service/);
    assert.match(e(oracleConfig({ 'capture.mode': 'binlog' }))['capture.mode'][0], /no Binlog Service/);
    assert.match(e(oracleConfig({ 'capture.mode': 'query', 'table.include.list': 'A\\.B', 'query.cursor': 'timestamp_incrementing' }))['query.timestamp.column'][0], /needs/);
    assert.match(e(oracleConfig({ 'reconnect.backoff.max.ms': '60000' }))['reconnect.backoff.max.ms'][0], /at most 30000/);
    const c = configOf(oracleConfig({ 'capture.mode': 'query', 'table.include.list': 'A\\.B' }));
    assert.deepEqual([c['handoff.retry.attempts'], c['handoff.retry.interval.ms']], [3, 2000]);
  });

  test('MySQL mode is the mysql binlog source on the translated config: user@tenant#cluster through ODP', () => {
    const raw = binlogServiceConfig(configOf(mysqlMode()));
    assert.equal(raw['database.user'], 'cdc@mysql_t#obcluster');
    assert.equal(raw['database.hostname'], 'odp.local');
    assert.equal(raw['database.port'], '2883');
    assert.equal(raw['database.include.list'], 'shop');
    assert.equal(raw['table.include.list'], 'shop\\.orders');
    assert.equal(raw['snapshot.locking.mode'], 'none');
  });

  test('MySQL-mode validate: an OceanBase tenant, ODP new enough, Binlog Service on', async () => {
    const good = scripted({ 'SELECT VERSION()': [{ V: '5.7.25-OceanBase_CE-v4.2.1.0' }], 'SHOW PROXYINFO BINARY': [{ name: 'binary info', info: 'ObProxy 4.2.1.0 release' }], 'SHOW MASTER STATUS': [{ File: 'mysql-bin.000001', Position: 4 }] });
    assert.deepEqual(await validateOceanBase(configOf(mysqlMode()), staticDeps([], () => good)), {});
    const bad = scripted({ 'SELECT VERSION()': [{ V: '5.7.25-OceanBase_CE-v4.2.1.0' }], 'SHOW PROXYINFO BINARY': [{ info: 'ObProxy 3.2.3.5' }], 'SHOW MASTER STATUS': [] });
    const problems = await validateOceanBase(configOf(mysqlMode()), staticDeps([], () => bad));
    assert.match(problems['database.hostname'][0], /ODP 3\.2\.3\.5 is older than 4\.2\.1/);
    assert.match(problems['database.tenant'][0], /Binlog Service is not enabled/);
    const direct = scripted({ 'SELECT VERSION()': [{ V: '5.7.25-OceanBase_CE-v4.2.1.0' }], 'SHOW PROXYINFO BINARY': new Error('not supported'), 'SHOW MASTER STATUS': [{ File: 'f' }] });
    assert.match((await validateOceanBase(configOf(mysqlMode()), staticDeps([], () => direct)))['database.hostname'][0], /through ODP/);
    assert.equal(versionAtLeast('4.2.10', '4.2.9'), true);
    assert.equal(odpVersionOf([{ info: 'none' }]), null);
  });

  test('trigger-mode validate names the missing change table and triggers; Log Proxy validate the unreachable port', async () => {
    const empty = scripted({});
    const problems = await validateOceanBase(configOf(oracleConfig({ 'capture.mode': 'trigger', 'table.include.list': 'INVENTORY\\.ORDERS' })), staticDeps([ordersShape], () => empty));
    assert.match(problems['trigger.install'].join('\n'), /change table INVENTORY.TRIBUTARY_CHANGES does not exist/);
    assert.match(problems['trigger.install'].join('\n'), /INVENTORY.ORDERS lacks trigger\(s\) TRB_ORDERS/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const lp = await validateOceanBase(configOf(oracleConfig({ 'capture.mode': 'logproxy', 'logproxy.host': '127.0.0.1', 'logproxy.port': String(port), 'rootserver.list': 'x' })), staticDeps([], () => empty));
    assert.match(lp['logproxy.host'][0], /Cannot reach Log Proxy/);
  });
});
