import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { startEmbeddedDatabase } from '../cli/quickstart/embedded-database.js';
import { removeServerData, resolveDataDir } from '../cli/quickstart/embedded-placement.js';
import { LakeSession } from '../cli/lake-query/lake-session.js';
import { freePort } from './harness/ports.js';
import { postgresProcessesOn, runQuickstart } from './harness/quickstart-process.js';
import { tempDir } from './harness/temp.js';

/**
 * Stopping the quickstart the ways people do: its output piped into something that goes away
 * (`| head -3`, or a `tee` that Ctrl-C ended first), and Ctrl-C pressed twice. The embedded
 * PostgreSQL must be stopped every time, and the stop must still complete the files and commit.
 */
const dir = tempDir('qs-stop');
const pgdata = join(dir.path, '.tributary/quickstart/pgdata');
after(() => {
  removeServerData(pgdata);
  dir.remove();
});

function sourceOffset(): Record<string, unknown> | undefined {
  const file = join(dir.path, '.tributary/quickstart/worker/connect.offsets');
  if (!existsSync(file)) return undefined;
  const body = (JSON.parse(readFileSync(file, 'utf8')) as { body: { source: Record<string, Record<string, unknown>> } }).body;
  return body.source['["quickstart-postgres",{"server":"quickstart"}]'];
}

/** Parquet files still being written (the local store writes them under .tributary-tmp first). */
function unfinishedFiles(): string[] {
  const tmp = join(dir.path, 'lake/.tributary-tmp');
  if (!existsSync(tmp)) return [];
  return readdirSync(tmp, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

async function lakeRows(topic: string): Promise<number> {
  const session = await LakeSession.open(join(dir.path, 'lake'), 'topics');
  try {
    return Number((await session.query(`SELECT count(*) FROM ${LakeSession.viewName(topic)}`)).rows[0][0]);
  } finally {
    session.close();
  }
}

const capturingFor = (ms: number) => ({ whileCapturing: () => new Promise<void>((r) => setTimeout(r, ms)) });

test('stdout closed by its reader after the first line, then Ctrl-C: the drain completes, the summary goes to stderr, PostgreSQL stops', async () => {
  const run = await runQuickstart(dir.path, ['--port', String(await freePort()), '--rate', '50'], { ...capturingFor(9000), closeStdoutAfterLines: 1 });
  assert.equal(run.code, 0, `exit ${run.code}:\n${run.stderr.slice(-3000)}`);
  assert.deepEqual(postgresProcessesOn(resolveDataDir(pgdata)), [], 'PostgreSQL still runs');
  assert.ok(!existsSync(join(resolveDataDir(pgdata), 'postmaster.pid')), 'postmaster.pid left behind');
  assert.match(run.stderr, /Stopped\. \d+ Parquet file\(s\) under lake\//, 'the summary, on stderr once stdout is gone');
  assert.deepEqual(unfinishedFiles(), []);
  assert.ok(sourceOffset()?.lsn, 'the source offset is committed');
  // the whole drain: every change the workload made is in the lake
  const db = await startEmbeddedDatabase(pgdata, await freePort());
  try {
    const client = new pg.Client(db.connection);
    await client.connect();
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM orders');
    await client.end();
    assert.equal(await lakeRows('quickstart.public.orders'), Number(rows[0].n));
  } finally {
    await db.stop();
  }
});

test('Ctrl-C twice (with stdout closed too): the stop hurries but completes files, commits offsets and stops PostgreSQL', async () => {
  const before = sourceOffset();
  const run = await runQuickstart(dir.path, ['--port', String(await freePort()), '--rate', '50'], { ...capturingFor(7000), interrupts: 2, closeStdoutAfterLines: 1 });
  assert.equal(run.code, 0, `exit ${run.code}:\n${run.stderr.slice(-3000)}`);
  assert.match(run.stderr, /stopping sooner/);
  assert.deepEqual(postgresProcessesOn(resolveDataDir(pgdata)), [], 'PostgreSQL still runs');
  assert.ok(!existsSync(join(resolveDataDir(pgdata), 'postmaster.pid')), 'postmaster.pid left behind');
  assert.deepEqual(unfinishedFiles(), []);
  const offset = sourceOffset();
  assert.ok(offset?.lsn, 'the source offset is committed');
  assert.notDeepEqual(offset, before, 'this run committed its own offsets');
});

test('Ctrl-C three times: it exits at once, and PostgreSQL still stops', async () => {
  const run = await runQuickstart(dir.path, ['--port', String(await freePort())], { ...capturingFor(4000), interrupts: 3 });
  assert.equal(run.code, 130, run.stderr.slice(-3000));
  const deadline = Date.now() + 30_000;
  while (postgresProcessesOn(resolveDataDir(pgdata)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(postgresProcessesOn(resolveDataDir(pgdata)), [], 'PostgreSQL still runs');
});
