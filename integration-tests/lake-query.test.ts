import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { LakeSession } from '../cli/lake-query/lake-session.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from './harness/s3-server.js';
import { tempDir } from './harness/temp.js';

/**
 * `tributary lake query` against files the real pipeline landed (PostgreSQL 15 → postgres source →
 * files sink, Parquet on local disk and on s3rver): the current state it rebuilds equals the
 * tables, for a composite key that is not called `id` (with a key change), a keyless table with
 * duplicate rows (REPLICA IDENTITY FULL), and a table truncated mid-stream.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
let server: PostgresServer;
let s3: S3Server;
before(async () => {
  server = await sharedPostgres();
  s3 = await startS3Server();
});
after(async () => s3?.stop());

const TABLES = {
  accounts: 'SELECT region, no, balance, note FROM accounts ORDER BY region, no',
  events: 'SELECT kind, amount FROM events ORDER BY kind, amount',
  items: 'SELECT id, name FROM items ORDER BY id',
};

function lakeCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tributary.js'), 'lake', ...args], { env: { ...process.env, TRIBUTARY_FROM_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Rows as JSON text per column, so DuckDB's and PostgreSQL's renderings of the same values compare. */
function normalise(rows: Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
}

async function lakeState(root: string, topic: string): Promise<Record<string, unknown>[]> {
  const session = await LakeSession.open(root, 'topics');
  try {
    if (!session.topic(topic)) return [];
    const result = await session.query(`SELECT * FROM ${LakeSession.viewName(topic)}`);
    return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
  } finally {
    session.close();
  }
}

test('lake query rebuilds each table\'s current state from real landed files: composite keys, keyless tables, truncates; local folder and S3', async () => {
  const db = await server.createDatabase('lakeq');
  await server.query(db, `
    CREATE TABLE accounts (region text, no int, balance int NOT NULL, note text, PRIMARY KEY (region, no));
    CREATE TABLE events (kind text, amount int);
    ALTER TABLE events REPLICA IDENTITY FULL;
    CREATE TABLE items (id int PRIMARY KEY, name text);
    INSERT INTO accounts VALUES ('eu', 1, 10, 'first'), ('eu', 2, 20, NULL), ('us', 1, 30, 'third');
    INSERT INTO events VALUES ('a', 1), ('a', 1), ('b', 2);
    INSERT INTO items SELECT g, 'before ' || g FROM generate_series(1, 5) g;`);
  const lake = tempDir('lake-query');
  const bucket = 'lakeq';
  await s3.createBucket(bucket);
  const source: Record<string, string> = { name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, db) };
  const topic = (t: string) => `${source['topic.prefix']}.public.${t}`;
  const topics = Object.keys(TABLES).map(topic).join(',');
  const sink = { 'connector.class': 'files', topics, format: 'parquet', 'flush.size': '3', 'rotate.interval.ms': '1000' };
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '300' },
    connectors: [
      source,
      { ...sink, name: 'flat', 'store.url': `file://${lake.path}/flat` },
      { ...sink, name: 'envelope', 'store.url': `file://${lake.path}/envelope`, 'value.layout': 'envelope' },
      { ...sink, name: 's3', ...s3.sinkProperties(bucket, 'raw') },
    ],
  });
  try {
    await server.query(db, `
      UPDATE accounts SET balance = balance + 1 WHERE region = 'eu';
      UPDATE accounts SET no = 3 WHERE region = 'us' AND no = 1;
      DELETE FROM accounts WHERE region = 'eu' AND no = 2;
      INSERT INTO accounts VALUES ('ap', 7, 70, 'new');
      DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE kind = 'a' LIMIT 1);
      INSERT INTO events VALUES ('c', 3), ('c', 3);
      TRUNCATE items;
      INSERT INTO items VALUES (2, 'after 2'), (9, 'after 9');
      UPDATE items SET name = 'after 9 again' WHERE id = 9;`);
    const expected = Object.fromEntries(await Promise.all(Object.entries(TABLES).map(async ([t, sql]) => [t, normalise(await server.query(db, sql))] as const)));
    // the files close a second after their last record: wait until the flat lake shows every table as it is
    const deadline = Date.now() + 60_000;
    for (const t of Object.keys(TABLES)) {
      while (JSON.stringify(normalise(await lakeState(join(lake.path, 'flat'), topic(t)))) !== JSON.stringify(expected[t])) {
        assert.ok(Date.now() < deadline, `${t}: the lake's current state never matched the table: ${JSON.stringify(await lakeState(join(lake.path, 'flat'), topic(t)))} vs ${JSON.stringify(expected[t])}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // a keyless update: exact with the envelope layout (the before-image is kept), stated as inexact with flat
    await server.query(db, `UPDATE events SET amount = 5 WHERE kind = 'b'; INSERT INTO accounts VALUES ('zz', 0, 0, 'marker')`);
    expected.events = normalise(await server.query(db, TABLES.events));
    expected.accounts = normalise(await server.query(db, TABLES.accounts));
    const settled = Date.now() + 60_000;
    for (const root of ['flat', 'envelope']) {
      while (!(await lakeState(join(lake.path, root), topic('accounts'))).some((r) => r.region === 'zz')) {
        assert.ok(Date.now() < settled, `the marker never landed in ${root}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await worker.stop();

    for (const [t] of Object.entries(TABLES)) {
      const local = await lakeCli(['query', join(lake.path, 'envelope'), '--table', topic(t), '--format', 'json']);
      assert.equal(local.code, 0, local.stderr);
      assert.deepEqual(normalise(local.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)), expected[t], `envelope lake, ${t}`);
      if (t === 'events') continue;
      const flat = await lakeCli(['query', join(lake.path, 'flat'), '--table', topic(t), '--format', 'json']);
      assert.equal(flat.code, 0, flat.stderr);
      assert.deepEqual(normalise(flat.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)), expected[t], `flat lake, ${t}`);
    }
    const keyless = await lakeCli(['query', join(lake.path, 'flat'), `SELECT kind, amount FROM ${topic('events')} ORDER BY ALL`, '--format', 'csv']);
    assert.equal(keyless.code, 0, keyless.stderr);
    assert.equal(keyless.stdout, 'kind,amount\na,1\nb,2\nb,5\nc,3\nc,3\n', 'flat keyless: every current row plus the row the update replaced');
    assert.match(keyless.stderr, /events has no key and 1 update\(s\).*value\.layout=envelope/);

    const viaS3 = await lakeCli(['query', `s3://${bucket}/raw`, '--s3-endpoint', s3.endpoint, `SELECT region, no, balance, note FROM ${topic('accounts')} ORDER BY region, no`, '--format', 'json'],
      { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey });
    assert.equal(viaS3.code, 0, viaS3.stderr);
    assert.deepEqual(normalise(viaS3.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)), expected.accounts);

    const table = await lakeCli(['query', join(lake.path, 'flat'), '--table', topic('items')]);
    assert.equal(table.stdout, ['id | name', '---+--------------', ' 2 | after 2', ' 9 | after 9 again', '(2 rows)', ''].join('\n'));
    const tables = await lakeCli(['tables', join(lake.path, 'flat')]);
    assert.match(tables.stdout, /^srv_lakeq\w*\.public\.accounts \|\s+\d+ \| flat\s+\| region, no$/m);
    assert.match(tables.stdout, /\.public\.events\s+\|\s+\d+ \| flat\s+\| \(none: keyless\)$/m);
  } finally {
    await worker.stop().catch(() => undefined);
    lake.remove();
  }
});
