import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, startWorkerProcess, writeProperties } from './harness/worker-process.js';

/**
 * The seed pipeline end to end in a real worker process: the OceanBase source in trigger mode
 * (MySQL dialect, on a real MariaDB; the connector's own mysql2 connection) → the files sink
 * (JSON). Insert, update and delete are in the lake within 5 s; the worker killed with SIGKILL and
 * started again loses nothing and lands nothing twice (a unique id per record).
 */
type Line = { __op: string; __deleted?: string | boolean; id: number; name: string | null; qty: number | string | null };

function lakeLines(root: string): Line[] {
  const out: Line[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) out.push(...readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line));
    }
  };
  try { walk(root); } catch { /* nothing landed yet */ }
  return out;
}

describe('OceanBase (trigger mode, on MariaDB) → files in a worker process', () => {
  let server: MariaDbServer;
  before(async () => {
    server = await sharedMariaDb();
  });

  test('changes land within 5 s; a kill -9 of the worker loses nothing and lands nothing twice', async () => {
    const db = await server.createDatabase('oblake');
    await server.query(db, 'CREATE TABLE orders (id INT PRIMARY KEY, name VARCHAR(40), qty DECIMAL(10,2))');
    const dir = tempDir('ob-lake');
    const lake = join(dir.path, 'lake');
    const c = server.connection(db);
    const source = writeProperties(join(dir.path, 'source.properties'), {
      name: 'ob', 'connector.class': 'oceanbase', 'database.compatibility.mode': 'mysql', 'capture.mode': 'trigger',
      'database.hostname': c.host, 'database.port': String(c.port), 'database.user': c.user, 'database.password': c.password, 'database.user.tenant.suffix': 'false',
      'database.tenant': 'mysql_t', 'database.dbname': db, 'topic.prefix': 'ob', 'table.include.list': `${db}\\.orders`, 'trigger.install': 'true',
      'snapshot.mode': 'no_data', 'poll.interval.ms': '200',
    });
    const sink = writeProperties(join(dir.path, 'sink.properties'), {
      name: 'lake', 'connector.class': 'files', 'topics.regex': 'ob\\..*', 'store.url': `file://${lake}`, format: 'json', 'flush.size': '1', 'rotate.interval.ms': '3600000',
    });
    const props = { 'offset.flush.interval.ms': '500' };
    let worker = await startWorkerProcess(dir.path, props, [sink, source], { timeoutMs: 60_000 });
    try {
      await eventually(async () => (Number((await server.query<{ n: number }>(null, 'SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [db]))[0].n) === 3 ? true : undefined), 30_000, 'the triggers installed');
      const started = Date.now();
      await server.query(db, "INSERT INTO orders VALUES (1, 'apple', 2.50), (2, 'pear', 1)");
      await server.query(db, 'UPDATE orders SET qty = 3.75 WHERE id = 1');
      await server.query(db, 'DELETE FROM orders WHERE id = 2');
      await eventually(() => (lakeLines(lake).length >= 4 ? true : undefined), 5_000, 'insert, update and delete in the lake');
      assert.ok(Date.now() - started < 5_000, 'within 5 s');
      assert.deepEqual(lakeLines(lake).map((l) => `${l.__op}${l.id}`), ['c1', 'c2', 'u1', 'd2']);
      assert.equal(Number(lakeLines(lake)[2].qty), 3.75);

      await new Promise((r) => setTimeout(r, 1_200)); // an offset commit or two
      await worker.kill('SIGKILL');
      await server.query(db, "INSERT INTO orders VALUES (3, 'plum', 4), (4, 'fig', 5)");
      worker = await startWorkerProcess(dir.path, props, [sink, source], { timeoutMs: 60_000 });
      await eventually(() => (lakeLines(lake).some((l) => l.id === 4) ? true : undefined), 30_000, 'the inserts made while the worker was down');
      await new Promise((r) => setTimeout(r, 1_000));
      const lines = lakeLines(lake);
      assert.deepEqual(lines.map((l) => `${l.__op}${l.id}`), ['c1', 'c2', 'u1', 'd2', 'c3', 'c4'], 'nothing lost, nothing twice');
    } catch (error) {
      throw new Error(`${(error as Error).message}\nworker log:\n${worker.stderr().split('\n').slice(-15).join('\n')}`);
    } finally {
      await worker.kill('SIGKILL');
      dir.remove();
    }
  });
});
