import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { startEmbeddedDatabase } from '../cli/quickstart/embedded-database.js';
import { freePort } from './harness/ports.js';
import { tempDir } from './harness/temp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The acceptance runs the main job for 60 s before interrupting it; QUICKSTART_SECONDS shortens it locally.
const RUN_SECONDS = Number(process.env.QUICKSTART_SECONDS ?? 60);
const isRoot = process.getuid?.() === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tributary quickstart` in `cwd` (as `user` when given), interrupting it with SIGINT after `seconds`. */
function runQuickstart(cwd: string, args: string[], seconds: number, user?: { uid: number; gid: number }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tributary.js'), 'quickstart', ...args], {
      cwd,
      env: { ...process.env, TRIBUTARY_FROM_SOURCE: '1', HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = seconds > 0 ? setTimeout(() => child.kill('SIGINT'), seconds * 1000) : undefined;
    const hardStop = setTimeout(() => child.kill('SIGKILL'), (seconds + 90) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearTimeout(hardStop);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The DuckDB queries the summary printed, made to run from this process's working directory. */
function summaryQueries(stdout: string, cwd: string): string[] {
  return [...stdout.matchAll(/^duckdb -c "(.*)"$/gm)].map((m) => m[1].replace(/read_parquet\('([^']+)'/g, (_all, path: string) => `read_parquet('${join(cwd, path)}'`).replace(/\\"/g, '"'));
}

async function duckRows(query: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(query);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

/** Starts the quickstart's own (persistent) embedded database again, to read its final state. */
async function currentRows(dataDir: string): Promise<{ customers: Record<string, unknown>[]; orders: Record<string, unknown>[] }> {
  const db = await startEmbeddedDatabase(dataDir, await freePort());
  const client = new pg.Client(db.connection);
  await client.connect();
  try {
    const customers = (await client.query('SELECT id, name, email, external_id::text AS external_id FROM customers ORDER BY id')).rows;
    const orders = (await client.query('SELECT id::text AS id, customer_id, amount::text AS amount, status, order_ref::text AS order_ref FROM orders ORDER BY orders.id')).rows;
    return { customers, orders };
  } finally {
    await client.end();
    await db.stop();
  }
}

async function assertLakeMatchesDatabase(run: Run, cwd: string): Promise<void> {
  assert.equal(run.code, 0, `quickstart exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  assert.match(run.stdout, /Stopped\. \d+ Parquet file\(s\) under lake\//);
  const queries = summaryQueries(run.stdout, cwd);
  assert.equal(queries.length, 2, `one query per demo table:\n${run.stdout}`);
  const byTable = Object.fromEntries(await Promise.all(queries.map(async (q) => [q.includes('quickstart.public.orders') ? 'orders' : 'customers', await duckRows(q)] as const)));
  const database = await currentRows(join(cwd, '.tributary/quickstart/pgdata'));
  const customers = byTable.customers.map((r) => ({ id: r.id, name: r.name, email: r.email, external_id: r.external_id }));
  assert.deepEqual(customers, database.customers);
  const orders = byTable.orders.map((r) => ({ id: String(r.id), customer_id: r.customer_id, amount: String(r.amount), status: r.status, order_ref: r.order_ref }));
  assert.deepEqual(orders.map((o) => ({ ...o, amount: Number(o.amount).toFixed(2) })), database.orders);
}

describe('tributary quickstart', () => {
  const dirs: { remove(): void }[] = [];
  after(() => dirs.forEach((d) => d.remove()));

  test('--source with wal_level=replica: one line naming the setting and the fix, exit code 2', async () => {
    const dir = tempDir('qs-replica');
    dirs.push(dir);
    chmodSync(dir.path, 0o755);
    const port = await freePort();
    const db = await startEmbeddedDatabase(join(dir.path, 'data'), port, ['wal_level=replica']);
    try {
      const run = await runQuickstart(dir.path, ['--source', `postgres://postgres:quickstart@127.0.0.1:${port}/postgres`, '--port', String(await freePort())], 0);
      assert.equal(run.code, 2, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${run.stderr}`);
      assert.match(lines[0], /wal_level is "replica".*ALTER SYSTEM SET wal_level = logical.*restart/);
    } finally {
      await db.stop();
    }
  });

  test('--source with a user lacking REPLICATION: one line naming the privilege and the fix, exit code 2', async () => {
    const dir = tempDir('qs-norepl');
    dirs.push(dir);
    chmodSync(dir.path, 0o755);
    const db = await startEmbeddedDatabase(join(dir.path, 'data'), await freePort());
    try {
      const admin = new pg.Client(db.connection);
      await admin.connect();
      await admin.query("CREATE ROLE reader LOGIN PASSWORD 'reader'");
      await admin.end();
      const run = await runQuickstart(dir.path, ['--source', `postgres://reader:reader@127.0.0.1:${db.connection.port}/shop`, '--port', String(await freePort())], 0);
      assert.equal(run.code, 2, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${run.stderr}`);
      assert.match(lines[0], /user "reader" lacks the REPLICATION privilege: run ALTER ROLE "reader" WITH REPLICATION/);
    } finally {
      await db.stop();
    }
  });

  test(`the main job runs ${RUN_SECONDS} s, lands Parquet DuckDB reads, and the printed query returns the tables' current rows`, async () => {
    const dir = tempDir('qs-main');
    dirs.push(dir);
    chmodSync(dir.path, 0o755);
    const run = await runQuickstart(dir.path, ['--port', String(await freePort())], RUN_SECONDS);
    await assertLakeMatchesDatabase(run, dir.path);
  });

  // As root this runs the command as a dedicated non-root account; as a non-root user, as that user.
  test('as a user other than root', async () => {
    const dir = tempDir('qs-user');
    dirs.push(dir);
    const user = isRoot ? ensureTestUser() : undefined;
    chmodSync(dir.path, 0o755);
    mkdirSync(join(dir.path, 'home'), { recursive: true });
    if (user) chownSync(dir.path, user.uid, user.gid);
    const run = await runQuickstart(dir.path, ['--port', String(await freePort())], Math.min(RUN_SECONDS, 20), user);
    assert.equal(run.code, 0, `quickstart as uid ${user?.uid ?? process.getuid?.()} exited ${run.code}:\n${run.stderr.slice(-3000)}`);
    const queries = summaryQueries(run.stdout, dir.path);
    assert.equal(queries.length, 2);
    for (const q of queries) assert.ok((await duckRows(q)).length > 0, 'the lake holds rows');
  });
});

/** A non-root account for the quickstart (created once; as root only). */
function ensureTestUser(): { uid: number; gid: number } {
  const name = 'tributary-qs';
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  }
  return { uid: Number(execFileSync('id', ['-u', name]).toString().trim()), gid: Number(execFileSync('id', ['-g', name]).toString().trim()) };
}
