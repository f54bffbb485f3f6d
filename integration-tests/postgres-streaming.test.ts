import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { SourceRecord } from '../plugins/api/index.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';

let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

type Envelope = { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown> };
const env = (r: SourceRecord) => r.value as Envelope;
const ops = (rs: SourceRecord[]) => rs.filter((r) => r.value !== null).map((r) => env(r).op);

async function withDriver(prefix: string, setup: string, extra: Record<string, string>, body: (d: TaskDriver, db: string) => Promise<void>): Promise<void> {
  const db = await server.createDatabase(prefix);
  if (setup) await server.query(db, setup);
  const driver = new TaskDriver(testConfig(server.port, db, extra));
  await driver.start();
  try {
    await body(driver, db);
  } finally {
    await driver.stop();
  }
}

test('REPLICA IDENTITY FULL sends whole before-images, DEFAULT only the key; deletes get tombstones', async () => {
  await withDriver('identity', `CREATE TABLE full_t (id int PRIMARY KEY, a text, b int); ALTER TABLE full_t REPLICA IDENTITY FULL;
    CREATE TABLE default_t (id int PRIMARY KEY, a text, b int)`, { 'snapshot.mode': 'no_data' }, async (d, db) => {
    await server.query(db, `INSERT INTO full_t VALUES (1, 'x', 10); INSERT INTO default_t VALUES (1, 'x', 10)`);
    await server.query(db, `UPDATE full_t SET b = 11; UPDATE default_t SET b = 11; DELETE FROM full_t; DELETE FROM default_t`);
    await d.pollUntil((rs) => rs.length >= 8, 20_000, '8 records');
    const full = d.records.filter((r) => r.topic.endsWith('.full_t'));
    const dflt = d.records.filter((r) => r.topic.endsWith('.default_t'));
    assert.deepEqual(ops(full), ['c', 'u', 'd']);
    assert.deepEqual(env(full[1]).before, { id: 1, a: 'x', b: 10 });
    assert.deepEqual(env(full[1]).after, { id: 1, a: 'x', b: 11 });
    assert.deepEqual(env(full[2]).before, { id: 1, a: 'x', b: 11 });
    assert.equal(env(dflt[1]).before, null, 'DEFAULT identity: no before-image for an update');
    assert.deepEqual(env(dflt[2]).before, { id: 1, a: null, b: null }, 'DEFAULT identity: delete carries the key');
    for (const rs of [full, dflt]) {
      assert.equal(rs[3].value, null, 'tombstone after delete');
      assert.deepEqual(rs[3].key, { id: 1 });
    }
    assert.equal(env(full[0]).source.connector, 'postgresql');
    assert.equal(typeof env(full[0]).source.txId, 'number');
    assert.equal(full[0].timestamp, env(full[0]).source.ts_ms, 'record timestamp is the commit time');
    // lag metrics: milliseconds behind the server (sampled every second), and WAL bytes behind it
    const deadline = Date.now() + 10_000;
    while ((!d.gauges.has('postgres_lag_bytes') || !d.gauges.has('postgres_lag_ms')) && Date.now() < deadline) await d.pollOnce();
    assert.ok((d.gauges.get('postgres_lag_ms') ?? -1) >= 0);
    assert.ok((d.gauges.get('postgres_lag_bytes') ?? -1) >= 0);
    assert.equal(d.gauges.get('postgres_records_total'), d.records.length);
  });
});

test('a primary key change is a delete of the old key and a create of the new one', async () => {
  await withDriver('pkchange', 'CREATE TABLE t (id int PRIMARY KEY, v text)', { 'snapshot.mode': 'no_data', 'tombstones.on.delete': 'false' }, async (d, db) => {
    await server.query(db, `INSERT INTO t VALUES (1, 'a'); UPDATE t SET id = 2 WHERE id = 1`);
    await d.pollUntil((rs) => rs.length >= 3, 20_000);
    assert.deepEqual(ops(d.records), ['c', 'd', 'c']);
    assert.deepEqual(d.records[1].key, { id: 1 });
    assert.deepEqual(d.records[2].key, { id: 2 });
    assert.deepEqual(env(d.records[2]).after, { id: 2, v: 'a' });
    assert.ok(d.records[1].position < d.records[2].position);
  });
});

test('TRUNCATE, a table created after start (all_tables publication) and a keyless table', async () => {
  await withDriver('truncate', 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)', {}, async (d, db) => {
    await d.pollUntil((rs) => rs.length >= 2, 20_000, 'snapshot');
    await server.query(db, 'TRUNCATE t');
    await server.query(db, 'CREATE TABLE later (v text); INSERT INTO later VALUES (\'hello\')');
    await d.pollUntil((rs) => rs.some((r) => r.topic.endsWith('.later')), 20_000, 'new table');
    const truncate = d.records.find((r) => r.topic.endsWith('.public.t') && env(r)?.op === 't');
    assert.ok(truncate, 'truncate event');
    const later = d.records.find((r) => r.topic.endsWith('.later'))!;
    assert.equal(later.key, null, 'keyless table: null key');
    assert.equal(later.keySchema, null);
    assert.deepEqual(env(later).after, { v: 'hello' });
  });
});

test('unchanged TOAST values get the placeholder and are flagged; FULL identity fills them', async () => {
  const big = `repeat(md5(random()::text), 1000)`;
  await withDriver('toast', `CREATE TABLE t (id int PRIMARY KEY, doc text, n int); ALTER TABLE t ALTER COLUMN doc SET STORAGE EXTERNAL;
    CREATE TABLE f (id int PRIMARY KEY, doc text, n int); ALTER TABLE f ALTER COLUMN doc SET STORAGE EXTERNAL; ALTER TABLE f REPLICA IDENTITY FULL`, { 'snapshot.mode': 'no_data' }, async (d, db) => {
    await server.query(db, `INSERT INTO t VALUES (1, ${big}, 1); INSERT INTO f VALUES (1, ${big}, 1)`);
    await server.query(db, 'UPDATE t SET n = 2; UPDATE f SET n = 2');
    await d.pollUntil((rs) => rs.length >= 4, 20_000);
    const update = d.records.find((r) => r.topic.endsWith('.t') && env(r).op === 'u')!;
    assert.equal(env(update).after!.doc, '__debezium_unavailable_value');
    assert.equal(update.headers?.['tributary.unavailable.columns'], 'doc');
    const full = d.records.find((r) => r.topic.endsWith('.f') && env(r).op === 'u')!;
    assert.equal((env(full).after!.doc as string).length, 32_000);
    assert.equal(full.headers, undefined);
  });
});

test('table and column include/exclude lists follow Debezium regex semantics', async () => {
  await withDriver('filters', `CREATE SCHEMA s2; CREATE TABLE keep_me (id int PRIMARY KEY, secret text, ok text); CREATE TABLE keep_me_not (id int PRIMARY KEY);
    CREATE TABLE s2.keep_me (id int PRIMARY KEY)`,
  { 'table.include.list': 'public\\.keep_.*', 'table.exclude.list': '', 'column.exclude.list': 'public\\.keep_me\\.SECRET', 'publication.autocreate.mode': 'filtered' }, async (d, db) => {
    await server.query(db, `INSERT INTO keep_me VALUES (1, 's', 'o'); INSERT INTO keep_me_not VALUES (1); INSERT INTO s2.keep_me VALUES (1)`);
    await d.pollUntil((rs) => rs.filter((r) => r.value !== null && env(r).op === 'c').length >= 2, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    await d.pollOnce();
    const topics = new Set(d.records.map((r) => r.topic).filter((t) => !t.startsWith('__debezium-heartbeat')));
    assert.ok([...topics].every((t) => t.includes('.public.keep_me')), [...topics].join(','));
    assert.equal(topics.size, 2, 'keep_me and keep_me_not match public\\.keep_.* as a whole');
    const row = env(d.records.find((r) => r.topic.endsWith('.public.keep_me'))!).after!;
    assert.deepEqual(row, { id: 1, ok: 'o' });
    const pub = await server.query<{ tablename: string }>(db, 'SELECT tablename FROM pg_publication_tables ORDER BY 1');
    assert.deepEqual(pub.map((p) => p.tablename), ['keep_me', 'keep_me_not']);
  });
});

test('an idle database with heartbeat.interval.ms: confirmed_flush_lsn advances', async () => {
  await withDriver('heartbeat', 'CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE beat (id int PRIMARY KEY, at timestamptz)', {
    'snapshot.mode': 'no_data', 'heartbeat.interval.ms': '300', 'table.include.list': 'public\\.t',
    'heartbeat.action.query': 'INSERT INTO beat VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET at = now()',
  }, async (d, db) => {
    const slot = d.raw['slot.name'];
    const flushed = async () => (await server.query<{ lsn: string }>(db, `SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::text AS lsn FROM pg_replication_slots WHERE slot_name = $1`, [slot]))[0].lsn;
    const start = BigInt(await flushed());
    // other activity in the database, none in the captured table
    await server.query(db, 'INSERT INTO beat VALUES (2, now())');
    await d.pollUntil((rs) => rs.filter((r) => r.topic.startsWith('__debezium-heartbeat')).length >= 2, 20_000, 'heartbeats');
    await d.commit();
    const deadline = Date.now() + 10_000;
    while (BigInt(await flushed()) <= start && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(BigInt(await flushed()) > start, 'confirmed_flush_lsn moved');
    const hb = d.records.find((r) => r.topic.startsWith('__debezium-heartbeat'))!;
    assert.equal(hb.topic, `__debezium-heartbeat.${d.raw['topic.prefix']}`);
    assert.equal(hb.sourceOffset.heartbeat, true);
  });
});

test('a dropped slot fails the task with what to do', async () => {
  const db = await server.createDatabase('slotdrop');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY)');
  const driver = new TaskDriver(testConfig(server.port, db, { 'snapshot.mode': 'no_data' }));
  await driver.start();
  try {
    await server.query(db, 'INSERT INTO t VALUES (1)');
    await driver.pollUntil((rs) => rs.length >= 1, 20_000);
    const slot = driver.raw['slot.name'];
    // the walsender holds the slot: end it, then drop the slot before the task reconnects
    await server.query(db, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
    for (let i = 0; i < 50; i++) {
      try { await server.query(db, 'SELECT pg_drop_replication_slot($1)', [slot]); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
    }
    await assert.rejects(driver.pollUntil(() => false, 30_000), (e: Error & { code?: string; retriable?: boolean }) => {
      assert.equal(e.code, 'source.position_lost');
      assert.equal(e.retriable, false);
      assert.match(e.message, /snapshot\.mode=when_needed/);
      return true;
    });
  } finally {
    await driver.stop();
  }
  // restarting with the stored offset but no slot refuses too, unless when_needed re-snapshots
  const again = new TaskDriver(driver.raw, { lsn: 1, lsn_commit: 1, txId: 1 });
  await assert.rejects(again.start(), /does not exist but an offset is stored/);
  await again.stop();
  const recover = new TaskDriver({ ...driver.raw, 'snapshot.mode': 'when_needed' }, { lsn: 1, lsn_commit: 1, txId: 1 });
  await recover.start();
  await recover.pollUntil((rs) => rs.some((r) => env(r)?.op === 'r'), 20_000, 'new snapshot');
  await recover.stop();
});

test('a removed publication fails the task with what to do', async () => {
  await withDriver('pubdrop', 'CREATE TABLE t (id int PRIMARY KEY)', { 'snapshot.mode': 'no_data' }, async (d, db) => {
    await server.query(db, 'INSERT INTO t VALUES (1)');
    await d.pollUntil((rs) => rs.length >= 1, 20_000);
    await server.query(db, `DROP PUBLICATION ${d.raw['publication.name']}`);
    await server.query(db, 'INSERT INTO t VALUES (2)');
    await assert.rejects(d.pollUntil(() => false, 30_000), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'source.setup_required');
      assert.match(e.message, /CREATE PUBLICATION/);
      return true;
    });
  });
});

test('slot.drop.on.stop removes the slot when the task stops', async () => {
  const db = await server.createDatabase('dropslot');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY)');
  const driver = new TaskDriver(testConfig(server.port, db, { 'slot.drop.on.stop': 'true', 'snapshot.mode': 'no_data' }));
  await driver.start();
  await server.query(db, 'INSERT INTO t VALUES (1)');
  await driver.pollUntil((rs) => rs.length >= 1, 20_000);
  await driver.stop();
  const slots = await server.query(db, 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [driver.raw['slot.name']]);
  assert.equal(slots.length, 0);
});
