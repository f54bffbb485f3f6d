import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import pg from 'pg';
import type { SourceRecord } from '../plugins/api/index.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';

let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

type Row = Record<string, unknown>;

/** Applies change events in position order, as a downstream consumer would, keyed by id. */
function replay(records: readonly SourceRecord[]): Map<number, Row> {
  const table = new Map<number, Row>();
  const sorted = [...records].filter((r) => r.value !== null).sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  for (const r of sorted) {
    const v = r.value as { op: string; before: Row | null; after: Row | null };
    if (v.op === 't') table.clear();
    else if (v.op === 'd') table.delete(Number(v.before!.id));
    else table.set(Number(v.after!.id), v.after!);
  }
  return table;
}

test('snapshot + stream with a concurrent writer reconstructs the table exactly, nothing lost or doubled', async () => {
  const db = await server.createDatabase('consistency');
  await server.query(db, `CREATE TABLE items (id int PRIMARY KEY, qty bigint NOT NULL, price numeric(18,6), label text, touched timestamptz)`);
  await server.query(db, `INSERT INTO items SELECT g, g * 3, g / 7.0, 'item ' || g, now() FROM generate_series(1, 20000) g`);
  const driver = new TaskDriver(testConfig(server.port, db, { 'snapshot.fetch.size': '500', 'max.queue.size': '1000' }));

  // the writer runs before, during and after the snapshot
  const writer = new pg.Client(server.connection(db));
  await writer.connect();
  let writing = true;
  let nextId = 20001;
  let statements = 0;
  const writes = (async () => {
    while (writing) {
      const pick = Math.floor(Math.random() * 20000) + 1;
      const kind = statements++ % 4;
      if (kind === 0) await writer.query('INSERT INTO items VALUES ($1, $2, $3, $4, now())', [nextId++, statements, '1.000001', `new ${statements}`]);
      else if (kind === 1) await writer.query('UPDATE items SET qty = qty + 1, price = price * 2, label = label || \'+\' WHERE id = $1', [pick]);
      else if (kind === 2) await writer.query('DELETE FROM items WHERE id = $1', [pick + 1]);
      else {
        await writer.query('BEGIN');
        await writer.query('UPDATE items SET label = NULL WHERE id = $1', [pick + 2]);
        await writer.query('INSERT INTO items VALUES ($1, 0, NULL, NULL, NULL)', [nextId++]);
        await writer.query('COMMIT');
      }
    }
  })();
  try {
    await new Promise((r) => setTimeout(r, 200));
    await driver.start();
    await driver.pollUntil((rs) => rs.some((r) => (r.value as { source?: { snapshot?: string } } | null)?.source?.snapshot === 'last'), 60_000, 'snapshot end');
    await new Promise((r) => setTimeout(r, 500));
    writing = false;
    await writes;
    await writer.query(`INSERT INTO items VALUES (-1, 0, NULL, 'end marker', NULL)`);
    await driver.pollUntil((rs) => rs.some((r) => (r.key as { id?: number } | null)?.id === -1), 30_000, 'end marker');
  } finally {
    writing = false;
    await writes.catch(() => undefined);
    await writer.end();
    await driver.stop();
  }
  assert.ok(statements > 50, `the writer ran (${statements} statements)`);
  const records = driver.records.filter((r) => r.topic.endsWith('.public.items'));
  assert.ok(records.some((r) => (r.value as { op?: string } | null)?.op === 'r'));
  assert.ok(records.some((r) => (r.value as { op?: string } | null)?.op === 'u'));

  // positions are unique and the ids too
  assert.equal(new Set(records.map((r) => r.position)).size, records.length);
  assert.equal(new Set(records.map((r) => r.id)).size, records.length);
  // delivered in position order
  for (let i = 1; i < driver.records.length; i++) assert.ok(driver.records[i - 1].position < driver.records[i].position, `order at ${i}`);
  // no change doubled: a key is never created twice without a delete in between
  const live = new Set<number>();
  for (const r of records) {
    const v = r.value as { op: string; before: Row | null; after: Row | null } | null;
    if (!v) continue;
    if (v.op === 'r' || v.op === 'c') {
      const id = Number(v.after!.id);
      assert.ok(!live.has(id), `key ${id} created twice (${v.op})`);
      live.add(id);
    } else if (v.op === 'd') live.delete(Number(v.before!.id));
  }

  const replayed = replay(records);
  const actual = await server.query<{ id: number; qty: string; price: string | null; label: string | null; touched: string | null }>(db,
    `SELECT id, qty::text AS qty, price::text AS price, label, to_char(touched AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS touched FROM items ORDER BY id`);
  assert.equal(replayed.size, actual.length, 'row count');
  for (const row of actual) {
    const got = replayed.get(row.id);
    assert.ok(got, `row ${row.id} missing`);
    assert.equal(String(got.qty), row.qty, `qty of ${row.id}`);
    assert.equal(got.price, row.price, `price of ${row.id}`);
    assert.equal(got.label, row.label, `label of ${row.id}`);
    const touched = got.touched as string | null;
    assert.equal(touched === null ? null : touched.replace(/Z$/, '').padEnd(26, '0').replace(/\.?0+$/, ''), row.touched === null ? null : row.touched.replace(/\.?0+$/, ''), `touched of ${row.id}`);
  }
});
