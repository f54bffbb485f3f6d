import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';

let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

const ROWS = 1_000_000;

test('a 1 M-row single transaction streams with RSS under 300 MB (bounded queue, paused socket)', { timeout: 300_000 }, async () => {
  const db = await server.createDatabase('bigtxn');
  await server.query(db, 'CREATE TABLE big (id int PRIMARY KEY, a text, b numeric(12,2), c timestamptz)');
  const driver = new TaskDriver(testConfig(server.port, db, { 'snapshot.mode': 'no_data', 'max.queue.size': '4096', 'max.batch.size': '2048' }));
  await driver.start();
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  try {
    await server.query(db, `INSERT INTO big SELECT g, 'row ' || g, g / 100.0, now() FROM generate_series(1, ${ROWS}) g`);
    let count = 0;
    let last = 0;
    let ordered = true;
    let prev = '';
    const started = Date.now();
    while (count < ROWS) {
      if (Date.now() - started > 240_000) throw new Error(`only ${count} rows after 240 s`);
      const batch = await driver.pollOnce();
      for (const r of batch) {
        if (r.position <= prev) ordered = false;
        prev = r.position;
        last = (r.key as { id: number }).id;
      }
      count += batch.length;
      driver.records.length = 0;
      // a slow consumer now and then, so the reader has to wait on the full queue
      if (count % 200_000 < batch.length) await new Promise((r) => setTimeout(r, 300));
    }
    const seconds = (Date.now() - started) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(`# streamed ${count} changes of one transaction in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s), peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
    assert.equal(count, ROWS);
    assert.equal(last, ROWS);
    assert.ok(ordered, 'positions increase');
    assert.ok(peak < 300 * 2 ** 20, `peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
  } finally {
    clearInterval(sampler);
    await driver.stop();
  }
});
