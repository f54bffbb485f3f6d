import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from './harness/ports.js';
import { sharedPostgres, startPostgres, type PostgresServer } from './harness/postgres-server.js';
import { printedLakeCommands, runPrinted, runQuickstart } from './harness/quickstart-process.js';
import { tempDir } from './harness/temp.js';

/**
 * `tributary quickstart --source` against a real PostgreSQL 15: it must never break the
 * application's writes, must say what it leaves on the database (or drop it), must answer a
 * missing privilege or a busy port with one line that says the fix, and must respect the
 * topic.prefix of a config file.
 */
let server: PostgresServer;
const dirs: { remove(): void }[] = [];
before(async () => { server = await sharedPostgres(); });
after(() => dirs.forEach((d) => d.remove()));

function workDir(prefix: string): string {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir.path;
}

async function dropCaptureObjects(db: string, slot: string, publication: string): Promise<void> {
  await server.query(db, 'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot]).catch(() => undefined);
  await server.query(db, `DROP PUBLICATION IF EXISTS "${publication}"`).catch(() => undefined);
}

/** Rows as JSON text per column, so DuckDB's and PostgreSQL's renderings of the same values compare. */
function normalise(rows: Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
}

describe('tributary quickstart --source', () => {
  test('tables without a key stay writable: they are left out with the statement that would include them; the slot and publication are named at exit', async () => {
    const db = await server.createDatabase('qs_src');
    await server.query(db, `
      CREATE TABLE keyed (id int PRIMARY KEY, v text);
      CREATE TABLE nokey (a int, b text);
      CREATE TABLE logged (at int, note text);
      ALTER TABLE logged REPLICA IDENTITY FULL;
      INSERT INTO keyed VALUES (1, 'one'), (2, 'two');
      INSERT INTO nokey VALUES (1, 'x'), (2, 'y');
      INSERT INTO logged VALUES (1, 'a'), (1, 'a'), (2, 'b');`);
    const cwd = workDir('qs-src');
    let writeError: unknown;
    try {
      const run = await runQuickstart(cwd, ['--source', `postgres://postgres@127.0.0.1:${server.port}/${db}`, '--port', String(await freePort())], {
        whileCapturing: async () => {
          try {
            // what the application does meanwhile: every statement must keep working
            await server.query(db, `UPDATE nokey SET b = 'z' WHERE a = 1; DELETE FROM nokey WHERE a = 2;
              UPDATE keyed SET v = 'uno' WHERE id = 1; DELETE FROM keyed WHERE id = 2; INSERT INTO keyed VALUES (3, 'three');
              DELETE FROM logged WHERE ctid = (SELECT ctid FROM logged WHERE at = 1 LIMIT 1); INSERT INTO logged VALUES (3, 'c');`);
          } catch (error) {
            writeError = error;
          }
          await new Promise((r) => setTimeout(r, 3000));
        },
      });
      assert.equal(writeError, undefined, `the application's writes failed: ${(writeError as Error)?.message}`);
      assert.equal(run.code, 0, run.stderr.slice(-3000));
      assert.match(run.stderr, /left out "public"\."nokey": it has no primary key or replica identity, so UPDATE and DELETE on it would fail once it is published\. To capture it: ALTER TABLE "public"\."nokey" REPLICA IDENTITY FULL;/);
      const published = await server.query<{ tablename: string }>(db, "SELECT tablename FROM pg_publication_tables WHERE pubname = 'tributary_quickstart' ORDER BY 1");
      assert.deepEqual(published.map((r) => r.tablename), ['keyed', 'logged']);
      assert.match(run.stdout, /keeps replication slot "tributary_quickstart" and publication "tributary_quickstart".*\n.*run: SELECT pg_drop_replication_slot\('tributary_quickstart'\); DROP PUBLICATION "tributary_quickstart";.*--drop-on-exit/);
      assert.equal((await server.query(db, "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'tributary_quickstart'")).length, 1, 'the slot stays for the next run');
      const commands = printedLakeCommands(run.stdout);
      assert.equal(commands.length, 2, run.stdout);
      const lake = Object.fromEntries(commands.map((c) => [c.split('.').pop()!, normalise(runPrinted(c, cwd))]));
      assert.deepEqual(lake.keyed, normalise(await server.query(db, 'SELECT id, v FROM keyed ORDER BY id')));
      assert.deepEqual(lake.logged, normalise(await server.query(db, 'SELECT at, note FROM logged ORDER BY at, note')));
    } finally {
      await dropCaptureObjects(db, 'tributary_quickstart', 'tributary_quickstart');
    }
  });

  test('a config file: its topic.prefix is kept, the name it is run under is said, and --drop-on-exit leaves nothing on the database', async () => {
    const db = await server.createDatabase('qs_file');
    await server.query(db, "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'a')");
    const cwd = workDir('qs-file');
    const file = join(cwd, 'pg.properties');
    writeFileSync(file, [
      'name=my-capture', 'connector.class=io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname=127.0.0.1', `database.port=${server.port}`, 'database.user=postgres', 'database.password=${env:QS_PG_PASSWORD}',
      `database.dbname=${db}`, 'topic.prefix=shop', 'slot.name=qs_file_slot', 'publication.name=qs_file_pub',
    ].join('\n') + '\n');
    try {
      const run = await runQuickstart(cwd, ['--source', file, '--drop-on-exit', '--port', String(await freePort())], {
        env: { QS_PG_PASSWORD: 'unused-with-trust' },
        whileCapturing: async () => {
          await server.query(db, "INSERT INTO items VALUES (2, 'b')");
          await new Promise((r) => setTimeout(r, 3000));
        },
      });
      assert.equal(run.code, 0, run.stderr.slice(-3000));
      assert.match(run.stderr, /pg\.properties: the connector "my-capture" runs as "quickstart-postgres"/);
      assert.ok(existsSync(join(cwd, 'lake/topics/shop.public.items')), 'files under the file\'s topic.prefix');
      assert.ok(!existsSync(join(cwd, 'lake/topics/quickstart.public.items')));
      assert.match(run.stdout, /dropped replication slot "qs_file_slot", dropped publication "qs_file_pub"/);
      assert.deepEqual(await server.query(db, "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'qs_file_slot'"), []);
      assert.deepEqual(await server.query(db, "SELECT 1 FROM pg_publication WHERE pubname = 'qs_file_pub'"), []);
      assert.ok(!existsSync(join(cwd, '.tributary/quickstart/worker')), 'the worker state went with the slot');
      assert.deepEqual(normalise(runPrinted(printedLakeCommands(run.stdout)[0], cwd)), normalise(await server.query(db, 'SELECT id, name FROM items ORDER BY id')));
    } finally {
      await dropCaptureObjects(db, 'qs_file_slot', 'qs_file_pub');
    }
  });

  test('a user who is no superuser: one line with the grant it lacks, then it captures the tables it owns and names the others', async () => {
    const db = await server.createDatabase('qs_user');
    const role = `qs_app_${process.pid}`;
    await server.query(db, `CREATE ROLE ${role} LOGIN REPLICATION PASSWORD 'app'; CREATE SCHEMA app AUTHORIZATION ${role};
      SET ROLE ${role}; CREATE TABLE app.mine (id int PRIMARY KEY, v text); INSERT INTO app.mine VALUES (1, 'm'); RESET ROLE;
      CREATE TABLE app.theirs (id int PRIMARY KEY); GRANT SELECT ON app.theirs TO ${role};`);
    const cwd = workDir('qs-user');
    const url = `postgres://${role}:app@127.0.0.1:${server.port}/${db}`;
    try {
      const refused = await runQuickstart(cwd, ['--source', url, '--port', String(await freePort())]);
      assert.equal(refused.code, 2, refused.stderr);
      const lines = refused.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${refused.stderr}`);
      assert.match(lines[0], new RegExp(`user "${role}" may not create the publication "tributary_quickstart" in database "${db}": run GRANT CREATE ON DATABASE "${db}" TO "${role}";`));

      await server.query(db, `GRANT CREATE ON DATABASE ${db} TO ${role}`);
      const run = await runQuickstart(cwd, ['--source', url, '--port', String(await freePort())], { whileCapturing: () => new Promise((r) => setTimeout(r, 3000)) });
      assert.equal(run.code, 0, run.stderr.slice(-3000));
      assert.match(run.stderr, new RegExp(`left out "app"\\."theirs": it belongs to "postgres".*ALTER TABLE "app"\\."theirs" OWNER TO "${role}";`));
      assert.deepEqual(normalise(runPrinted(printedLakeCommands(run.stdout)[0], cwd)), normalise(await server.query(db, 'SELECT id, v FROM app.mine')));
    } finally {
      await dropCaptureObjects(db, 'tributary_quickstart', 'tributary_quickstart');
      await server.query(db, `DROP SCHEMA app CASCADE; REVOKE ALL ON DATABASE ${db} FROM ${role}; DROP ROLE ${role}`).catch(() => undefined);
    }
  });

  test('a user lacking REPLICATION: one line naming the privilege and the fix, exit code 2', async () => {
    const db = await server.createDatabase('qs_norepl');
    const role = `qs_reader_${process.pid}`;
    await server.query(db, `CREATE ROLE ${role} LOGIN PASSWORD 'reader'`);
    try {
      const run = await runQuickstart(workDir('qs-norepl'), ['--source', `postgres://${role}:reader@127.0.0.1:${server.port}/${db}`, '--port', String(await freePort())]);
      assert.equal(run.code, 2, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${run.stderr}`);
      assert.match(lines[0], new RegExp(`user "${role}" lacks the REPLICATION privilege: run ALTER ROLE "${role}" WITH REPLICATION`));
    } finally {
      await server.query(db, `DROP ROLE ${role}`).catch(() => undefined);
    }
  });

  test('wal_level=replica: one line naming the setting and the fix, exit code 2', async () => {
    const replica = await startPostgres({ wal_level: 'replica' });
    try {
      const run = await runQuickstart(workDir('qs-replica'), ['--source', `postgres://postgres@127.0.0.1:${replica.port}/postgres`, '--port', String(await freePort())]);
      assert.equal(run.code, 2, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${run.stderr}`);
      assert.match(lines[0], /wal_level is "replica".*ALTER SYSTEM SET wal_level = logical.*restart/);
    } finally {
      replica.remove();
    }
  });
});

test('a busy REST port: one line naming --port, before anything starts', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const port = (busy.address() as { port: number }).port;
  const cwd = workDir('qs-port');
  try {
    for (const args of [[], ['--source', `postgres://postgres@127.0.0.1:${server.port}/postgres`]]) {
      const run = await runQuickstart(cwd, [...args, '--port', String(port)]);
      assert.equal(run.code, 2, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${run.stderr}`);
      assert.match(lines[0], new RegExp(`port ${port} is in use .*--port <n>, or --port 0`));
    }
    assert.ok(!existsSync(join(cwd, '.tributary/quickstart/pgdata')), 'no embedded database was started');
  } finally {
    busy.close();
  }
});
