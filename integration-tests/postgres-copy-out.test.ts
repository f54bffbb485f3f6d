import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type pg from 'pg';
import { copyOut } from '../connectors/source/postgres/copy-out.js';
import { connect } from '../connectors/source/postgres/pg-connection.js';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { parseConfig } from '../plugins/api/index.js';
import { postgresConfigSpec } from '../connectors/source/postgres/postgres-config-spec.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';

// The snapshot's COPY reader takes the socket over from pg for the duration of a COPY: these
// tests check that rows arrive whole and in order whatever the chunking and waits, and that pg
// gets its connection back intact after success and after every kind of failure.

let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

async function client(db: string): Promise<pg.Client> {
  const parsed = parseConfig(postgresConfigSpec, testConfig(server.port, db));
  assert.ok(parsed.ok);
  return connect(parsed.value, 'copy-out-test', true);
}

async function collect(c: pg.Client, sql: string, wait: (n: number) => Promise<void> | undefined = () => undefined): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  const count = await copyOut(c, sql, (fields) => {
    rows.push([...fields]);
    return wait(rows.length);
  });
  assert.equal(count, rows.length);
  return rows;
}

/** Row by row, so that a failure names the first differing row rather than printing megabytes. */
function sameRows(actual: (string | null)[][], expected: (string | null)[][], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: row count`);
  for (let i = 0; i < expected.length; i++) {
    if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i])) assert.fail(`${label}: row ${i} differs: ${JSON.stringify(actual[i]).slice(0, 200)} vs ${JSON.stringify(expected[i]).slice(0, 200)}`);
  }
}

test('COPY rows arrive whole and in order through waits and frames cut across socket chunks', async () => {
  const db = await server.createDatabase('copy_out_rows');
  const c = await client(db);
  try {
    // wide rows (up to 300 kB, multi-byte characters) cross socket chunks at every offset
    await server.query(db, `CREATE TABLE t (id int PRIMARY KEY, body text, note text)`);
    await server.query(db, `INSERT INTO t SELECT g, repeat('é日' || g, (g * 7919) % 50000), CASE WHEN g % 3 = 0 THEN NULL ELSE E'tab\\there\\nline' END FROM generate_series(1, 400) g`);
    const expected = (await c.query<{ id: string; body: string; note: string | null }>('SELECT id::text, body, note FROM t ORDER BY t.id')).rows.map((r) => [r.id, r.body, r.note]);
    const sql = 'COPY (SELECT id, body, note FROM t ORDER BY id) TO STDOUT';
    sameRows(await collect(c, sql), expected, 'no waits');
    // the reader waits on every 7th row, sometimes long enough for the socket to fill
    const waits = (n: number) => (n % 7 === 0 ? new Promise<void>((r) => setTimeout(r, n % 49 === 0 ? 20 : 0)) : undefined);
    sameRows(await collect(c, sql, waits), expected, 'with waits');
    assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, '1', 'pg has its connection back');
  } finally {
    await c.end();
  }
});

test('notices sent between COPY rows are skipped, rows intact', async () => {
  const db = await server.createDatabase('copy_out_notice');
  const c = await client(db);
  try {
    await server.query(db, `CREATE FUNCTION noisy(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'row %', i; RETURN i; END $$`);
    const rows = await collect(c, 'COPY (SELECT noisy(g), g * 2 FROM generate_series(1, 500) g) TO STDOUT');
    assert.deepEqual(rows, Array.from({ length: 500 }, (_, i) => [String(i + 1), String((i + 1) * 2)]));
    assert.equal((await c.query('SELECT 2 AS two')).rows[0].two, '2');
  } finally {
    await c.end();
  }
});

test('a server error before or during COPY rejects the COPY and leaves the connection usable', async () => {
  const db = await server.createDatabase('copy_out_error');
  const c = await client(db);
  try {
    await assert.rejects(collect(c, 'COPY (SELECT * FROM no_such_table) TO STDOUT'), /no_such_table/);
    assert.equal((await c.query('SELECT 3 AS three')).rows[0].three, '3');
    // fails after 1000 rows have been sent
    const seen: number[] = [];
    await assert.rejects(
      copyOut(c, 'COPY (SELECT 1 / (1000 - g) FROM generate_series(1, 2000) g) TO STDOUT', () => { seen.push(1); }),
      /division by zero/,
    );
    assert.ok(seen.length <= 999, `rows before the failure only (${seen.length})`);
    assert.equal((await c.query('SELECT 4 AS four')).rows[0].four, '4');
  } finally {
    await c.end();
  }
});

test('a row handler that throws or rejects fails the COPY after it has ended; the connection stays usable', async () => {
  const db = await server.createDatabase('copy_out_handler');
  const c = await client(db);
  try {
    await assert.rejects(copyOut(c, 'COPY (SELECT g FROM generate_series(1, 5000) g) TO STDOUT', (f) => { if (f[0] === '10') throw new Error('bad row 10'); }), /bad row 10/);
    assert.equal((await c.query('SELECT 5 AS five')).rows[0].five, '5');
    await assert.rejects(copyOut(c, 'COPY (SELECT g FROM generate_series(1, 5000) g) TO STDOUT', (f) => (f[0] === '20' ? Promise.reject(new Error('queue closed')) : undefined)), /queue closed/);
    assert.equal((await c.query('SELECT 6 AS six')).rows[0].six, '6');
  } finally {
    await c.end();
  }
});

test('a 24 MB value crosses hundreds of socket chunks intact', async () => {
  const db = await server.createDatabase('copy_out_large');
  const c = await client(db);
  try {
    const rows = await collect(c, "COPY (SELECT 1, repeat('x日', 8 * 1024 * 1024), 2) TO STDOUT");
    assert.equal(rows.length, 1);
    assert.equal(rows[0][1]!.length, 16 * 1024 * 1024);
    assert.equal(rows[0][1], 'x日'.repeat(8 * 1024 * 1024));
    assert.deepEqual([rows[0][0], rows[0][2]], ['1', '2']);
  } finally {
    await c.end();
  }
});

test('a statement that is no COPY ends normally and gives pg its connection back', async () => {
  const db = await server.createDatabase('copy_out_not_copy');
  const c = await client(db);
  try {
    assert.equal(await copyOut(c, 'SELECT 1', () => assert.fail('no rows expected')), 0);
    assert.equal((await c.query('SELECT 7 AS seven')).rows[0].seven, '7');
  } finally {
    await c.end();
  }
});

test('an aborted COPY hands on no more rows; a connection lost while waiting hands on none after failing', async () => {
  const db = await server.createDatabase('copy_out_abort');
  const c = await client(db);
  try {
    const abort = new AbortController();
    let seen = 0;
    await copyOut(c, 'COPY (SELECT g FROM generate_series(1, 100000) g) TO STDOUT', () => {
      if (++seen === 10) abort.abort();
    }, abort.signal);
    assert.equal(seen, 10);
    assert.equal((await c.query('SELECT 8 AS eight')).rows[0].eight, '8');

    // the handler waits (the socket is paused); meanwhile the server ends the session; once the
    // wait is over the rows received before that are handed on, then the COPY fails, then nothing
    const pid = (await c.query<{ pid: string }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    let afterFailure = 0;
    let failed = false;
    let release!: () => void;
    const copy = copyOut(c, 'COPY (SELECT g, repeat(\'y\', 100) FROM generate_series(1, 100000) g) TO STDOUT', (f) => {
      if (failed) afterFailure++;
      if (f[0] === '5') return new Promise<void>((r) => { release = r; });
      return undefined;
    });
    await new Promise((r) => setTimeout(r, 200));
    await server.query(db, 'SELECT pg_terminate_backend($1)', [Number(pid)]);
    const failure = assert.rejects(copy.finally(() => { failed = true; }), /terminat/);
    release();
    await failure;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(afterFailure, 0, 'no row after the COPY failed');
  } finally {
    await c.end().catch(() => undefined);
  }
});
