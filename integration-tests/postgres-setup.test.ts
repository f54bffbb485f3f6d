import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { parseConfig } from '../plugins/api/index.js';
import { postgresConfigSpec } from '../connectors/source/postgres/postgres-config-spec.js';
import { validatePostgres } from '../connectors/source/postgres/postgres-validator.js';
import { postgresConnector } from '../connectors/source/postgres/postgres-connector.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { sharedPostgres, startPostgres, type PostgresServer } from './harness/postgres-server.js';
import { freePort } from './harness/ports.js';

let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

async function validate(raw: Record<string, string>): Promise<Record<string, string[]>> {
  const parsed = parseConfig(postgresConfigSpec, raw);
  assert.ok(parsed.ok, JSON.stringify(parsed.errors));
  return validatePostgres(parsed.value);
}

test('the spec refuses missing and contradictory properties, each against its property', () => {
  const parsed = parseConfig(postgresConfigSpec, { 'table.include.list': 'a', 'table.exclude.list': 'b', 'snapshot.mode': 'sometimes' });
  assert.equal(parsed.ok, false);
  for (const name of ['topic.prefix', 'database.hostname', 'database.user', 'database.dbname', 'snapshot.mode']) assert.ok(parsed.errors[name], name);
  const refined = parseConfig(postgresConfigSpec, { ...testConfig(5432, 'x'), 'table.include.list': 'a', 'table.exclude.list': 'b', 'database.sslmode': 'verify-full' });
  assert.ok(refined.errors['table.exclude.list']);
  assert.ok(refined.errors['database.sslrootcert']);
  assert.ok(postgresConnector.aliases!.includes('io.debezium.connector.postgresql.PostgresConnector'));
  // Debezium's deprecated snapshot modes keep working
  for (const [old, current] of [['never', 'no_data'], ['EXPORTED', 'initial'], ['Initial_Only', 'initial_only']]) {
    const aliased = parseConfig(postgresConfigSpec, { ...testConfig(5432, 'x'), 'snapshot.mode': old });
    assert.ok(aliased.ok, JSON.stringify(aliased.ok ? null : aliased.errors));
    assert.equal(aliased.value['snapshot.mode'], current, old);
  }
});

test('validate reports each problem against the property that fixes it', async () => {
  const db = await server.createDatabase('validate');
  assert.deepEqual(await validate(testConfig(server.port, db)), {}, 'a good config has no problems');

  const unreachable = await validate(testConfig(await freePort(), db));
  assert.match(unreachable['database.hostname'][0], /Cannot connect/);
  const noDb = await validate(testConfig(server.port, 'no_such_db'));
  assert.match(noDb['database.dbname'][0], /does not exist/);

  await server.query(db, `DROP ROLE IF EXISTS password_user; CREATE ROLE password_user LOGIN PASSWORD 'right'`);
  const badPassword = await validate({ ...testConfig(server.port, db), 'database.user': 'password_user', 'database.password': 'wrong' });
  assert.match(badPassword['database.password']?.[0] ?? JSON.stringify(badPassword), /Password authentication failed/);
  const noReplication = await validate({ ...testConfig(server.port, db), 'database.user': 'password_user', 'database.password': 'right' });
  assert.match(noReplication['database.user'][0], /REPLICATION/);
  assert.match(noReplication['publication.autocreate.mode'][0], /superuser/);

  const noPublication = await validate({ ...testConfig(server.port, db), 'publication.autocreate.mode': 'disabled' });
  assert.match(noPublication['publication.name'][0], /does not exist/);
  await server.query(db, `SELECT pg_create_logical_replication_slot('other_plugin', 'test_decoding')`);
  const wrongSlot = await validate({ ...testConfig(server.port, db), 'slot.name': 'other_plugin' });
  assert.match(wrongSlot['slot.name'][0], /test_decoding/);
  await server.query(db, `SELECT pg_drop_replication_slot('other_plugin')`);
  const badRegex = await validate({ ...testConfig(server.port, db), 'table.include.list': 'public\\.(unclosed' });
  assert.match(badRegex['table.include.list'][0], /not a valid regular expression/);
});

test('validate reports wal_level on a server without logical decoding', async () => {
  const replica = await startPostgres({ wal_level: 'replica' });
  try {
    const problems = await validate(testConfig(replica.port, 'postgres'));
    assert.match(problems['database.hostname'].join('\n'), /wal_level is "replica"/);
  } finally {
    replica.remove();
  }
});

test('a snapshot interrupted by a crash resumes at the chunk it was in, with the same positions; progress is reported', async () => {
  const db = await server.createDatabase('resume');
  await server.query(db, `CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, v text); CREATE TABLE c (k text, v int);
    INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 3000) g; INSERT INTO b SELECT g, 'b' || g FROM generate_series(1, 3000) g;
    INSERT INTO c SELECT 'k' || g, g FROM generate_series(1, 500) g; ANALYZE`);
  const config = testConfig(server.port, db, { 'snapshot.fetch.size': '700', 'max.queue.size': '100', 'max.batch.size': '100' });
  const first = new TaskDriver(config);
  await first.start();
  // all of table a and part of b, then a crash after the offset commit
  await first.pollUntil((rs) => rs.some((r) => r.topic.endsWith('.b')), 20_000, 'table b started');
  await first.commit();
  const stored = first.storedOffset!;
  assert.equal(stored.snapshot, true);
  assert.equal(stored.snapshot_tables_done, 'public.a');
  const progress = first.progress as { snapshot: { tables: Record<string, { rows: number; estimated: number | null; done: boolean }> } };
  assert.deepEqual(progress.snapshot.tables['public.a'], { rows: 3000, estimated: 3000, done: true });
  assert.equal(progress.snapshot.tables['public.b'].estimated, 3000);
  assert.ok(first.gauges.get('postgres_snapshot_rows{"table":"public.a"}') === 3000);
  await first.stop();

  await server.query(db, `INSERT INTO a VALUES (3001, 'after crash'); UPDATE b SET v = 'changed' WHERE id = 1`);
  const second = new TaskDriver(config, stored);
  await second.start();
  await second.pollUntil((rs) => rs.some((r) => (r.key as { id?: number } | null)?.id === 3001), 20_000, 'streamed insert');
  await second.stop();
  const snapshotRows = second.records.filter((r) => (r.value as { op?: string } | null)?.op === 'r');
  assert.ok(!snapshotRows.some((r) => r.topic.endsWith('.a')), 'table a is not read again');
  // table b resumes at the start of the chunk the stored offset is in
  const rowsBefore = Number(stored.snapshot_rows_before);
  assert.equal(rowsBefore % 700, 0, 'a chunk boundary');
  const bRows = snapshotRows.filter((r) => r.topic.endsWith('.b'));
  assert.equal(bRows.length, 3000 - rowsBefore);
  assert.equal((bRows[0].key as { id: number }).id, rowsBefore + 1);
  assert.equal(snapshotRows.filter((r) => r.topic.endsWith('.c')).length, 500, 'keyless table read in one pass');
  assert.equal(snapshotRows.filter((r) => r.topic.endsWith('.c'))[0].key, null);
  const last = snapshotRows[snapshotRows.length - 1];
  assert.equal((last.value as { source: { snapshot: string } }).source.snapshot, 'last');
  assert.equal(last.sourceOffset.snapshot_completed, true);
  // a row read again has the position (and id and timestamp) it had: a sink that landed it skips it
  const firstById = new Map(first.records.filter((r) => r.topic.endsWith('.b')).map((r) => [(r.key as { id: number }).id, r]));
  const again = bRows.filter((r) => firstById.has((r.key as { id: number }).id));
  assert.ok(again.length > 0, 'part of the chunk is read again');
  for (const r of again) {
    const before = firstById.get((r.key as { id: number }).id)!;
    assert.deepEqual([r.position, r.id, r.timestamp], [before.position, before.id, before.timestamp]);
  }
  // the change to the finished table a still streams
  assert.ok(second.records.some((r) => (r.value as { op?: string } | null)?.op === 'c' && r.topic.endsWith('.a')));
});

test('snapshot.mode always re-reads at every start; initial_only stops after the snapshot', async () => {
  const db = await server.createDatabase('modes');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)');
  const always = testConfig(server.port, db, { 'snapshot.mode': 'always' });
  const first = new TaskDriver(always);
  await first.start();
  await first.pollUntil((rs) => rs.length >= 2, 20_000);
  await server.query(db, 'INSERT INTO t VALUES (3)');
  await first.pollUntil((rs) => rs.length >= 3, 20_000);
  await first.commit();
  await first.stop();
  const second = new TaskDriver(always, first.storedOffset);
  await second.start();
  await second.pollUntil((rs) => rs.filter((r) => (r.value as { op: string }).op === 'r').length >= 3, 20_000, 'second snapshot');
  await second.stop();
  assert.ok(second.records[0].position > first.records[first.records.length - 1].position, 'a new snapshot sorts after what was delivered');

  const db2 = await server.createDatabase('initialonly');
  await server.query(db2, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
  const only = new TaskDriver(testConfig(server.port, db2, { 'snapshot.mode': 'initial_only' }));
  await only.start();
  await only.pollUntil((rs) => rs.length >= 1, 20_000);
  await server.query(db2, 'INSERT INTO t VALUES (2)');
  await new Promise((r) => setTimeout(r, 500));
  await only.pollOnce();
  await only.stop();
  assert.deepEqual(only.records.map((r) => (r.value as { op: string }).op), ['r']);
});

test('PK-chunked snapshot with a composite text key: every row once, in key order', async () => {
  const db = await server.createDatabase('chunks');
  await server.query(db, `CREATE TABLE k (a text, b int, v text, PRIMARY KEY (a, b));
    INSERT INTO k SELECT chr(65 + g % 5) || E'\\'q\\\\' || (g % 3), g, 'tab\there ' || g FROM generate_series(1, 37) g`);
  const driver = new TaskDriver(testConfig(server.port, db, { 'snapshot.fetch.size': '4', 'snapshot.mode': 'initial_only' }));
  await driver.start();
  await driver.pollUntil((rs) => rs.some((r) => (r.value as { source: { snapshot: string } }).source.snapshot === 'last'), 20_000);
  await driver.stop();
  const keys = driver.records.map((r) => r.key as { a: string; b: number });
  assert.equal(keys.length, 37);
  assert.equal(new Set(keys.map((k) => `${k.a}/${k.b}`)).size, 37);
  const expected = await server.query<{ a: string; b: number; v: string }>(db, 'SELECT a, b, v FROM k ORDER BY a, b');
  assert.deepEqual(keys, expected.map(({ a, b }) => ({ a, b })));
  assert.deepEqual(driver.records.map((r) => (r.value as { after: { v: string } }).after.v), expected.map((r) => r.v));
});

test('REST config/validate reports server problems against their properties (Kafka Connect shape)', async () => {
  const { startEmbeddedWorker } = await import('../cli/embedded-worker.js');
  const worker = await startEmbeddedWorker({ rest: true });
  try {
    const body = { ...testConfig(server.port, 'no_such_database'), 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', name: 'pg-validate', 'snapshot.mode': 'sometimes' };
    const res = await fetch(`${worker.url}/connector-plugins/postgres/config/validate`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    const report = (await res.json()) as { error_count: number; configs: { value: { name: string; errors: string[] } }[] };
    const errors = Object.fromEntries(report.configs.filter((c) => c.value.errors.length > 0).map((c) => [c.value.name, c.value.errors]));
    assert.ok(errors['snapshot.mode'], JSON.stringify(errors));
    assert.ok(report.error_count >= 1);
    // with the spec satisfied, the connectivity check runs and names the database
    const fixed = { ...body, 'snapshot.mode': 'initial' };
    const second = (await (await fetch(`${worker.url}/connector-plugins/postgres/config/validate`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixed) })).json()) as typeof report;
    const dbErrors = second.configs.find((c) => c.value.name === 'database.dbname')!.value.errors;
    assert.match(dbErrors.join('\n'), /does not exist/);
  } finally {
    await worker.stop();
  }
});
