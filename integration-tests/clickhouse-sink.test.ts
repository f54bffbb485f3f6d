import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { padPosition, Schemas, type SinkRecord } from '../plugins/api/index.js';
import { datagenOptions, datagenRecords } from '../connectors/sink/files/test/sink-fixtures.js';
import { daysToIsoDate } from '../connectors/sink/files/format/value-conversions.js';
import { putAll, startSinkTask } from '../connectors/sink/clickhouse/test/task-driver.js';
import { sharedClickHouse, type ClickHouseServer } from './harness/clickhouse-server.js';

/**
 * The ClickHouse sink task against a real server (Debian's 18.16): upsert latest state under
 * updates, deletes and replays; append deduplication; auto.create/auto.evolve; mismatch errors;
 * rejected rows to the dead-letter path.
 */
let server: ClickHouseServer;
before(async () => {
  server = await sharedClickHouse();
});
after(() => server?.close());

/** the latest after-image of every key that is not deleted, as datagen records say */
function expectedLatest(records: readonly SinkRecord[]): Map<number, Record<string, unknown>> {
  const out = new Map<number, Record<string, unknown>>();
  for (const r of records) {
    const v = r.value as { op: string; after: Record<string, unknown> | null; before: Record<string, unknown> | null };
    const id = Number((r.key as { id: number }).id);
    if (v.op === 'd') out.delete(id);
    else out.set(id, v.after!);
  }
  return out;
}

async function latestRows(db: string, table: string): Promise<Map<number, Record<string, string>>> {
  const rows = await server.query<Record<string, string>>(
    `SELECT id, seq, name, toString(amount) AS amount, score, active, created_at, day, toString(uid) AS uid, payload FROM ${db}.${table} FINAL WHERE _deleted = 0 ORDER BY id`,
  );
  return new Map(rows.map((r) => [Number(r.id), r]));
}

function assertSameState(actual: Map<number, Record<string, string>>, expected: Map<number, Record<string, unknown>>): void {
  assert.equal(actual.size, expected.size, 'row count');
  for (const [id, row] of expected) {
    const got = actual.get(id);
    assert.ok(got, `key ${id} missing`);
    assert.equal(String(got.seq), String(row.seq), `key ${id}: seq`);
    assert.equal(got.name, row.name, `key ${id}: name`);
    assert.equal(got.amount, row.amount, `key ${id}: amount`);
    assert.equal(got.uid, row.uid, `key ${id}: uid`);
    assert.equal(got.payload, row.payload, `key ${id}: payload`);
    assert.equal(got.day, daysToIsoDate(row.day as number), `key ${id}: day`);
  }
}

test('upsert: latest state under updates and deletes; replays of older changes never win', async () => {
  const db = await server.createDatabase('ch_upsert');
  const options = datagenOptions('t', { keys: 300 });
  const records = datagenRecords(1, 6000, options);
  const { task } = await startSinkTask(server.url, db, { 'batch.size': '700' });
  await putAll(task, records, 500);
  const expected = expectedLatest(records);
  assertSameState(await latestRows(db, 't'), expected);
  // a replay from an older position, as after a crash, and one of changes long superseded
  await putAll(task, records.slice(2500), 900);
  await putAll(task, records.slice(0, 3000), 900);
  assertSameState(await latestRows(db, 't'), expected);
  await server.command(`OPTIMIZE TABLE ${db}.t FINAL`);
  const [{ rows, keys }] = await server.query<{ rows: string; keys: string }>(`SELECT count() AS rows, uniqExact(id) AS keys FROM ${db}.t`);
  assert.equal(rows, keys, 'one row per key after OPTIMIZE FINAL');
  // the documented view of the current rows
  const [{ n }] = await server.query<{ n: string }>(`SELECT count() AS n FROM ${db}.t_latest`);
  assert.equal(Number(n), expected.size);
  const created = await server.query<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = '${db}' AND name = 't'`);
  assert.match(created[0].engine_full, /^ReplacingMergeTree\(_version\) ORDER BY id/);
  await task.stop();
});

test('preCommit reports only what ClickHouse acknowledged', async () => {
  const db = await server.createDatabase('ch_precommit');
  const records = datagenRecords(1, 100, datagenOptions('t'));
  const { task } = await startSinkTask(server.url, db, { 'linger.ms': '600000' });
  await task.put(records);
  const current = [{ topic: 't', partition: 0, offset: 100 }];
  assert.deepEqual(await task.preCommit(current), [{ topic: 't', partition: 0, offset: 0, position: records[0].position }]);
  await task.flush();
  assert.deepEqual(await task.preCommit(current), current);
  await task.stop();
});

test('append: every event once after replays (ReplacingMergeTree on the record id), partitioned by day', async () => {
  const db = await server.createDatabase('ch_append');
  const options = datagenOptions('t', { ops: 'insert' });
  const records = datagenRecords(1, 20_000, options);
  const { task } = await startSinkTask(server.url, db, { 'insert.mode': 'append', 'batch.size': '3000', 'partition.by': 'created_at', 'order.by': 'seq' });
  await putAll(task, records, 2000);
  await putAll(task, records.slice(12_345), 2000);
  await server.command(`OPTIMIZE TABLE ${db}.t FINAL`);
  const [{ rows, ids }] = await server.query<{ rows: string; ids: string }>(`SELECT count() AS rows, uniqExact(_id) AS ids FROM ${db}.t`);
  assert.equal(Number(rows), 20_000);
  assert.equal(Number(ids), 20_000);
  const [{ engine_full: engine }] = await server.query<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = '${db}' AND name = 't'`);
  assert.match(engine, /^ReplacingMergeTree PARTITION BY toYYYYMMDD\(toDateTime\(intDiv\(created_at, 1000000\)\)\) ORDER BY \(seq, _id\)/);
  await task.stop();
});

const v1 = Schemas.struct([Schemas.field('id', Schemas.int32()), Schemas.field('n', Schemas.int16())]);
const v2 = Schemas.struct([Schemas.field('id', Schemas.int32()), Schemas.field('n', Schemas.int64()), Schemas.field('note', Schemas.string({ optional: true }))]);
const keySchema = Schemas.struct([Schemas.field('id', Schemas.int32())]);

function flatRecord(seq: number, schema: typeof v1, row: Record<string, unknown>, topic = 't'): SinkRecord {
  const position = padPosition(seq);
  return { topic, partition: 0, offset: seq, keySchema, key: { id: row.id }, valueSchema: schema, value: row, timestamp: 1_767_225_600_000 + seq, position, id: `${topic}:${position}` };
}

test('auto.evolve adds columns and widens integers while streaming', async () => {
  const db = await server.createDatabase('ch_evolve');
  const { task } = await startSinkTask(server.url, db, { 'auto.evolve': 'true' });
  await putAll(task, [flatRecord(1, v1, { id: 1, n: 5 })]);
  await putAll(task, [flatRecord(2, v2, { id: 2, n: 2n ** 40n, note: 'wide' })]);
  const columns = await server.query<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 't' ORDER BY name`);
  assert.deepEqual(Object.fromEntries(columns.map((c) => [c.name, c.type])), { _deleted: 'UInt8', _source_ts_ms: 'Int64', _version: 'UInt64', id: 'Int32', n: 'Int64', note: 'Nullable(String)' });
  const rows = await server.query<Record<string, unknown>>(`SELECT id, toString(n) AS n, note FROM ${db}.t_latest ORDER BY id`);
  assert.deepEqual(rows, [{ id: 1, n: '5', note: null }, { id: 2, n: String(2n ** 40n), note: 'wide' }]);
  await task.stop();
});

test('an existing table that does not fit: one error naming every column and both types', async () => {
  const db = await server.createDatabase('ch_mismatch');
  await server.command(`CREATE TABLE ${db}.t (id String, n Float32, _version UInt64, _deleted UInt8) ENGINE = ReplacingMergeTree(_version) ORDER BY id`);
  const { task } = await startSinkTask(server.url, db, { 'auto.create': 'false' });
  await assert.rejects(task.put([flatRecord(1, v2, { id: 1, n: 5, note: 'x' })]), (error: Error & { details?: string[] }) => {
    assert.match(error.message, /does not fit the records of topic t \(2 problems\)/);
    assert.deepEqual(error.details, [
      'column n: the table has Float32, records have int64 (Int64)',
      'column note: the table has no such column, records have it (set auto.evolve=true to add it)',
    ]);
    return true;
  });
  await task.stop();
  const missing = await startSinkTask(server.url, db, { 'auto.create': 'false', topics: 'other' });
  await assert.rejects(missing.task.put([flatRecord(1, v1, { id: 1, n: 5 }, 'other')]), /Table ch_mismatch_\d+_\d+\.other \(for topic other\) does not exist. Create it, or set auto.create=true/);
  await missing.task.stop();
});

test('rows that do not fit go to the dead-letter path with the reason; the rest lands', async () => {
  const db = await server.createDatabase('ch_dlq');
  // n UInt8: 300 and -1 do not fit; the server rejects amounts over 1000 (a MATERIALIZED check)
  await server.command(`CREATE TABLE ${db}.t (id Int32, n UInt8, amount Int64, chk UInt8 MATERIALIZED throwIf(amount > 1000), _version UInt64, _deleted UInt8) ENGINE = ReplacingMergeTree(_version) ORDER BY id`);
  const schema = Schemas.struct([Schemas.field('id', Schemas.int32()), Schemas.field('n', Schemas.int32()), Schemas.field('amount', Schemas.int64())]);
  const records = Array.from({ length: 50 }, (_, i) => flatRecord(i + 1, schema as typeof v1, { id: i + 1, n: i === 10 ? 300 : i === 20 ? -1 : i, amount: i === 33 ? 5000 : i }));
  const { task, context } = await startSinkTask(server.url, db, { 'auto.create': 'false' });
  await putAll(task, records);
  assert.deepEqual(context.errant.map((e) => (e.record.value as { id: number }).id), [11, 21, 34]);
  assert.match((context.errant[0].error as Error).message, /300 is out of the range of UInt8/);
  assert.match((context.errant[2].error as Error).message, /ClickHouse rejected the row of record t:0+34 .*Value passed to 'throwIf' function is non zero/);
  const [{ n }] = await server.query<{ n: string }>(`SELECT count() AS n FROM ${db}.t FINAL`);
  assert.equal(Number(n), 47);
  await task.stop();
  // errors.tolerance=none: the first bad row fails the task with the reason
  const strict = await startSinkTask(server.url, db, { 'auto.create': 'false' }, { tolerance: 'none' });
  await assert.rejects(putAll(strict.task, records.slice(10, 11)), /300 is out of the range of UInt8/);
  await strict.task.stop();
  const rejecting = await startSinkTask(server.url, db, { 'auto.create': 'false' }, { tolerance: 'none' });
  await assert.rejects(putAll(rejecting.task, records.slice(30, 40)), /ClickHouse rejected an insert into t \(rows from position 0+31 to 0+40\): .*throwIf/);
  await rejecting.task.stop();
});

test('a truncate empties the table after every insert sent before it; later rows land', async () => {
  const db = await server.createDatabase('ch_truncate');
  const { task } = await startSinkTask(server.url, db, { 'linger.ms': '600000' });
  const envelope = (seq: number, op: string, row: Record<string, unknown> | null): SinkRecord => ({
    ...flatRecord(seq, v1, { id: row?.id ?? 0, n: 0 }),
    valueSchema: null,
    value: { op, before: null, after: row, source: { ts_ms: seq } },
  });
  await task.put([flatRecord(1, v1, { id: 1, n: 1 }), flatRecord(2, v1, { id: 2, n: 2 })]);
  await task.put([envelope(3, 't', null), flatRecord(4, v1, { id: 3, n: 3 })]);
  await task.flush();
  const rows = await server.query<{ id: number }>(`SELECT id FROM ${db}.t FINAL ORDER BY id`);
  assert.deepEqual(rows.map((r) => r.id), [3]);
  await task.stop();
  // a task whose first record is a truncate (a replay after a restart) truncates too
  const again = await startSinkTask(server.url, db);
  await putAll(again.task, [envelope(5, 't', null)]);
  assert.deepEqual(await server.query(`SELECT id FROM ${db}.t`), []);
  await again.task.stop();
});
