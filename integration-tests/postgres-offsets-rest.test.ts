import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess, type WorkerProcess } from './harness/worker-process.js';

/**
 * KIP-875 offsets of the postgres source (issue: PATCH accepts garbage): the connector checks
 * what it is given (wrong partitions, malformed LSNs → 400 offsets.invalid naming each problem,
 * nothing applied), and a malformed offset that reaches the task anyway (an edited offset file)
 * fails it at once with a trace saying what to fix, instead of restarting in a loop.
 */
let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

async function call(worker: WorkerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${worker.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test('PATCH of malformed postgres offsets: 400 offsets.invalid naming each problem, the stored offsets untouched', { timeout: 60_000 }, async () => {
  const db = await server.createDatabase('offsetpatch');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
  const dir = tempDir('pg-offsets-patch');
  const config = { 'connector.class': 'postgres', ...testConfig(server.port, db) } as Record<string, string>;
  const prefix = config['topic.prefix'];
  const worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '200' });
  try {
    assert.equal((await call(worker, 'POST', '/connectors', { name: 'lake', config: { 'connector.class': 'stdout', topics: `${prefix}.public.t`, transforms: 'drop', 'transforms.drop.type': 'org.apache.kafka.connect.transforms.Filter' } })).status, 201);
    assert.equal((await call(worker, 'POST', '/connectors', { name: 'pg', config })).status, 201);
    const committed = await eventually(async () => {
      const res = await call(worker, 'GET', '/connectors/pg/offsets');
      return res.body.offsets.length > 0 ? res.body.offsets : undefined;
    }, 30_000, 'a committed offset');
    assert.equal((await call(worker, 'PUT', '/connectors/pg/stop')).status, 204);
    await eventually(async () => ((await getJson<{ connector: { state: string } }>(`${worker.url}/connectors/pg/status`)).connector.state === 'STOPPED' ? true : undefined));
    const before = (await call(worker, 'GET', '/connectors/pg/offsets')).body;

    const garbage = await call(worker, 'PATCH', '/connectors/pg/offsets', { offsets: [
      { partition: { server: prefix }, offset: { lsn: 5 } },
      { partition: { server: 'garb' }, offset: { lsn: 'abc', lsn_commit: 'zzz' } },
    ] });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.code, 'offsets.invalid');
    assert.match(garbage.body.message, /offsets\[1\]\.partition must be \{"server": "/);
    assert.match(garbage.body.message, /offsets\[1\]\.offset\.lsn must be a WAL position/);
    assert.match(garbage.body.message, /offsets\[1\]\.offset\.lsn_commit must be a WAL position/);
    assert.deepEqual((await call(worker, 'GET', '/connectors/pg/offsets')).body, before, 'nothing applied, not even the valid first entry');

    const typo = await call(worker, 'PATCH', '/connectors/pg/offsets', { offsets: [{ partition: { server: prefix }, offset: { lsnn: 5 } }] });
    assert.equal(typo.status, 400);
    assert.match(typo.body.message, /offsets\[0\]\.offset\.lsnn is not a key/);
    assert.match(typo.body.message, /offsets\[0\]\.offset\.lsn is required/);

    const good = await call(worker, 'PATCH', '/connectors/pg/offsets', { offsets: [{ partition: { server: prefix }, offset: committed[0].offset }] });
    assert.equal(good.status, 200, JSON.stringify(good.body));
  } finally {
    await worker.kill('SIGKILL');
    dir.remove();
  }
});

test('a malformed stored offset fails the task at once with what to fix, not a restart loop', { timeout: 60_000 }, async () => {
  const db = await server.createDatabase('offsetbad');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY)');
  const dir = tempDir('pg-offsets-bad');
  const config = { name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, db) } as Record<string, string>;
  const offsetFile = join(dir.path, 'state', 'connect.offsets');
  // a first run stores a valid offset; then the file is edited by hand
  let worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '200' });
  try {
    assert.equal((await call(worker, 'POST', '/connectors', { name: 'lake', config: { 'connector.class': 'stdout', topics: `${config['topic.prefix']}.public.t` } })).status, 201);
    assert.equal((await call(worker, 'POST', '/connectors', { name: 'pg', config })).status, 201);
    await eventually(async () => ((await call(worker, 'GET', '/connectors/pg/offsets')).body.offsets.length > 0 ? true : undefined), 30_000, 'a committed offset');
    await worker.kill('SIGTERM');
    const file = JSON.parse(readFileSync(offsetFile, 'utf8'));
    for (const key of Object.keys(file.body.source)) file.body.source[key] = { lsn: 'abc', lsn_commit: 'zzz' };
    // the store refuses a generation whose checksum does not match: an edit comes with a fresh one
    const { createHash } = await import('node:crypto');
    file.checksum = createHash('sha256').update(JSON.stringify(file.body)).digest('hex');
    writeFileSync(offsetFile, JSON.stringify(file));
    worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '200' });
    const status = await eventually(async () => {
      const s = await getJson<{ tasks: { state: string; trace?: string }[] }>(`${worker.url}/connectors/pg/status`);
      return s.tasks[0]?.state === 'FAILED' ? s : undefined;
    }, 30_000, 'the task to fail');
    assert.match(status.tasks[0].trace!, /^offsets\.invalid: The stored offset of pg cannot be used: offset\.lsn must be a WAL position/);
    assert.match(status.tasks[0].trace!, /PATCH \/connectors\/pg\/offsets/);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/pg/status`)).tasks[0].state, 'FAILED', 'no restart loop');
  } finally {
    await worker.kill('SIGKILL');
    dir.remove();
  }
});
