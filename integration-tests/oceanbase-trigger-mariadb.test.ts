import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConfig, type RawConfig, type SourceTask } from '../plugins/api/index.js';
import { SourceTaskDriver } from '../plugins/testing/index.js';
import { oceanbaseConfigSpec, type OceanBaseConfig } from '../connectors/source/oceanbase/oceanbase-config-spec.js';
import { oceanbaseConnectorWith } from '../connectors/source/oceanbase/oceanbase-connector.js';
import type { OceanBaseDeps } from '../connectors/source/oceanbase/oceanbase-source-task.js';
import { openMysql2Client } from '../connectors/source/oceanbase/mysql2-sql-client.js';
import { mysqlCatalog } from '../connectors/source/oceanbase/sql-catalog.js';
import type { SqlClient } from '../connectors/source/oceanbase/sql-client.js';
import mysql from 'mysql2/promise';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';

/**
 * The trigger protocol of the OceanBase source, end to end against a real MariaDB (the MySQL
 * dialect: what a MySQL-mode tenant runs; the Oracle-mode DDL is pinned as golden text in the
 * connector's unit tests). The connector installs the change table and triggers, reads the
 * change table in sequence order, and deletes rows once their offset is committed.
 */
type Envelope = { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown> };

describe('oceanbase source against MariaDB: trigger mode (MySQL dialect), and MySQL mode\'s binlog path', () => {
  let server: MariaDbServer;
  before(async () => {
    server = await sharedMariaDb();
  });

  /** mysql2 straight to MariaDB: no `user@tenant` login, the test database as schema */
  function deps(database: string, wrap: (c: SqlClient) => SqlClient = (c) => c): OceanBaseDeps {
    return {
      sql: async (config) => wrap(await openMysql2Client(config, { plainUser: true, database })),
      catalog: (_config, client) => mysqlCatalog(client, database),
    };
  }

  function rawConfig(database: string, overrides: Record<string, string> = {}): RawConfig {
    const c = server.connection(database);
    return {
      'topic.prefix': 'obt', 'database.compatibility.mode': 'mysql', 'capture.mode': 'trigger', 'database.hostname': c.host, 'database.port': String(c.port),
      'database.user': c.user, 'database.password': c.password, 'database.tenant': 'mysql_t', 'database.dbname': database,
      'table.include.list': `${database}\\.orders`, 'trigger.install': 'true', 'snapshot.mode': 'no_data', 'poll.interval.ms': '100',
      'reconnect.backoff.initial.ms': '100', 'reconnect.backoff.max.ms': '1000', ...overrides,
    };
  }

  const driver = (database: string, raw: RawConfig, d = deps(database), stored: Record<string, string | number | boolean | null> | null = null) =>
    new SourceTaskDriver({ task: oceanbaseConnectorWith(d).createTask() as SourceTask, spec: oceanbaseConfigSpec, raw, stored, partition: { server: 'obt' } });

  async function table(prefix: string): Promise<string> {
    const db = await server.createDatabase(prefix);
    await server.query(db, 'CREATE TABLE orders (id INT PRIMARY KEY, name VARCHAR(40), qty DECIMAL(10,2), updated DATETIME(6), tag VARBINARY(8))');
    return db;
  }
  const changeRows = async (db: string) => Number((await server.query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM TRIBUTARY_CHANGES'))[0].n);

  test('insert, update with before and after, delete: in the records within 5 s; committed rows leave the change table', async () => {
    const db = await table('obtrig');
    const d = driver(db, rawConfig(db));
    await d.start();
    try {
      const triggers = await server.query<{ TRIGGER_NAME: string }>(null, 'SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME', [db]);
      assert.deepEqual(triggers.map((t) => t.TRIGGER_NAME), ['TRB_orders_D', 'TRB_orders_I', 'TRB_orders_U']);
      const started = Date.now();
      await server.query(db, "INSERT INTO orders VALUES (1, 'apple', 2.50, '2024-05-06 07:08:09.123456', 0x0aff), (2, 'pear', 1, NULL, NULL)");
      await server.query(db, "UPDATE orders SET qty = 3.75, name = 'green apple' WHERE id = 1");
      await server.query(db, 'DELETE FROM orders WHERE id = 2');
      await d.pollUntil(() => d.changes().length >= 4, 5_000, 'insert, insert, update, delete');
      assert.ok(Date.now() - started < 5_000, 'within the 5 s budget');
      const [c1, c2, u, del] = d.changes().map((r) => r.value as Envelope);
      assert.deepEqual([c1.op, c2.op, u.op, del.op], ['c', 'c', 'u', 'd']);
      assert.deepEqual(c1.after, { id: 1, name: 'apple', qty: '2.50', updated: Date.UTC(2024, 4, 6, 7, 8, 9) * 1000 + 123456, tag: Buffer.from([0x0a, 0xff]) });
      assert.deepEqual([u.before!.name, u.before!.qty, u.after!.name, u.after!.qty], ['apple', '2.50', 'green apple', '3.75']);
      assert.equal(del.before!.id, 2);
      assert.equal(c1.source.capture_mode, 'trigger');
      const ids = new Set(d.records.map((r) => r.id));
      assert.equal(ids.size, d.records.length, 'a unique id per record');
      assert.equal(await changeRows(db), 4, 'nothing is deleted before the offset is committed');
      await d.commit();
      await d.pollUntil(() => false, 400, 'nothing').catch(() => undefined);
      assert.equal(await changeRows(db), 0, 'the committed rows were deleted');
    } finally {
      await d.stop();
    }
  });

  test('a restart from the committed offset sends nothing twice and removes what was committed', async () => {
    const db = await table('obtrigrs');
    const first = driver(db, rawConfig(db));
    await first.start();
    await server.query(db, "INSERT INTO orders (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2)");
    await first.pollUntil(() => first.changes().length >= 2, 5_000, 'two inserts');
    const stored = first.changes()[1].sourceOffset;
    await first.stop(); // stopped before its commit: the rows stay in the change table
    assert.equal(await changeRows(db), 2);
    await server.query(db, "INSERT INTO orders (id, name, qty) VALUES (3, 'c', 3)");
    const second = driver(db, rawConfig(db), deps(db), stored);
    await second.start();
    try {
      await second.pollUntil(() => second.changes().length >= 1, 5_000, 'the third insert');
      assert.deepEqual(second.changes().map((r) => (r.value as Envelope).after!.id), [3]);
      assert.ok(second.changes()[0].position > first.changes()[1].position);
      assert.equal(await changeRows(db), 1, 'the rows committed before the restart are gone');
    } finally {
      await second.stop();
    }
  });

  test('the connection killed on the server is re-established within 30 s and capture resumes', async () => {
    const db = await table('obtrigkill');
    const d = driver(db, rawConfig(db));
    await d.start();
    try {
      await server.query(db, "INSERT INTO orders (id, name, qty) VALUES (1, 'a', 1)");
      await d.pollUntil(() => d.changes().length >= 1, 5_000, 'first insert');
      const sessions = await server.query<{ ID: number }>(null, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", [db]);
      assert.ok(sessions.length > 0);
      const killed = Date.now();
      for (const s of sessions) await server.query(null, `KILL ${s.ID}`).catch(() => undefined);
      await server.query(db, "INSERT INTO orders (id, name, qty) VALUES (2, 'b', 2)");
      await d.pollUntil(() => d.changes().length >= 2, 30_000, 'the insert after the kill');
      assert.ok(Date.now() - killed < 30_000);
      assert.ok(d.gauges.get('oceanbase_reconnects_total{"what":"sql"}')! >= 1, 'the reconnect is counted');
      assert.deepEqual(d.changes().map((r) => (r.value as Envelope).after!.id), [1, 2]);
    } finally {
      await d.stop();
    }
  });

  test('a refused hand-off (the change-table delete) is retried 3 times 2 s apart, in the logs and the metrics', async () => {
    const db = await table('obtrigretry');
    let failures = 2;
    const flaky = (c: SqlClient): SqlClient => ({
      close: () => c.close(),
      query: async (sql, params) => {
        if (/^DELETE FROM/.test(sql) && failures > 0) {
          failures--;
          throw new Error('ER_LOCK_WAIT_TIMEOUT: Lock wait timeout exceeded (injected)');
        }
        return c.query(sql, params);
      },
    });
    const d = driver(db, rawConfig(db), deps(db, flaky));
    const parsed = parseConfig(oceanbaseConfigSpec, rawConfig(db));
    assert.ok(parsed.ok);
    const defaults = parsed.value as OceanBaseConfig;
    assert.deepEqual([defaults['handoff.retry.attempts'], defaults['handoff.retry.interval.ms']], [3, 2000], 'the seed\'s 3 × 2 s by default');
    await d.start();
    try {
      await server.query(db, "INSERT INTO orders (id, name, qty) VALUES (1, 'a', 1)");
      await d.pollUntil(() => d.changes().length >= 1, 5_000, 'the insert');
      await d.commit();
      const from = Date.now();
      const deadline = from + 15_000;
      while (await changeRows(db) > 0 && Date.now() < deadline) await d.pollOnce();
      const elapsed = Date.now() - from;
      assert.equal(await changeRows(db), 0, 'deleted on the third attempt');
      assert.ok(elapsed >= 3_900, `two waits of 2 s (took ${elapsed} ms)`);
      const retries = d.logs.filter((l) => /hand-off change-table-delete failed; retry \d of 3 in 2000 ms/.test(l));
      assert.equal(retries.length, 2);
      assert.equal(d.gauges.get('oceanbase_handoff_retries_total{"handoff":"change-table-delete"}'), 2);
    } finally {
      await d.stop();
    }
  });

  test('concurrent transactions: a row numbered before a committed one but committed later is not lost (a hole, then a late row)', async () => {
    const db = await table('obtriggap');
    const d = driver(db, rawConfig(db));
    await d.start();
    const open = await mysql.createConnection(server.connection(db));
    try {
      await open.query('BEGIN');
      await open.query("INSERT INTO orders (id, name, qty) VALUES (1, 'long tx', 1)"); // takes SEQ 1, not committed
      await server.query(db, "INSERT INTO orders (id, name, qty) VALUES (2, 'short tx', 2)"); // SEQ 2, committed
      await d.pollUntil(() => d.changes().length >= 1, 10_000, 'the committed row after the hole is waited for, then passed');
      assert.deepEqual(d.changes().map((r) => (r.value as Envelope).after!.id), [2]);
      await open.query('COMMIT');
      await d.pollUntil(() => d.changes().length >= 2, 5_000, 'the late row');
      assert.deepEqual(d.changes().map((r) => (r.value as Envelope).after!.id), [2, 1]);
      assert.ok(d.changes()[1].position > d.changes()[0].position, 'the late row sorts after what was handed on');
      assert.equal(d.gauges.get('oceanbase_trigger_late_rows_total'), 1);
    } finally {
      await open.end();
      await d.stop();
    }
  });

  test('MySQL mode runs the mysql binlog source on the translated config (MariaDB\'s binlog standing in for the Binlog Service)', async () => {
    const db = await table('obbinlog');
    const raw = { ...rawConfig(db), 'capture.mode': 'binlog', 'database.user.tenant.suffix': 'false', 'database.server.id': '5999' };
    delete (raw as Record<string, string>)['trigger.install'];
    const d = driver(db, raw);
    await d.start();
    try {
      await new Promise((r) => setTimeout(r, 500));
      await server.query(db, "INSERT INTO orders (id, name, qty) VALUES (7, 'binlog', 1.5)");
      await server.query(db, "UPDATE orders SET qty = 2 WHERE id = 7");
      await d.pollUntil(() => d.changes().length >= 2, 10_000, 'the binlog events');
      const [c, u] = d.changes().map((r) => r.value as Envelope);
      assert.deepEqual([c.op, u.op], ['c', 'u']);
      assert.equal(c.source.connector, 'mysql', 'the mysql source produced it');
      assert.equal(u.before!.qty, '1.50');
      assert.equal(d.changes()[0].topic, `obt.${db}.orders`);
    } finally {
      await d.stop();
    }
  });

  after(() => undefined);
});
