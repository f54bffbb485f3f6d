import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { sharedKafkaCluster, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { auditTopic, latestState, topicGlob } from './harness/lake-audit.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { startRedis, type RedisServer } from './harness/redis-server.js';
import { tempDir } from './harness/temp.js';
import { allTasks, rest, startGroup, type GroupWorker } from './harness/worker-group.js';
import { eventually } from './harness/worker-process.js';
import { mysqlItemsWriter, type ItemsWriter } from './harness/items-writer.js';

/**
 * Acceptance (issue 16, parallel chunks spread over distributed workers), MySQL/MariaDB as
 * postgres-chunk-queue-distributed.test.ts does for PostgreSQL: three `tributary distributed`
 * processes on the shared 3-broker Kafka cluster, a MariaDB source with `tasks.max=3`,
 * `snapshot.max.threads=4` and `snapshot.queue.redis.url` (a private Redis): task 0 streams the
 * binlog, writes the watermark rows and coordinates, every task reads chunk ranges from the
 * connector's BullMQ queue. While a writer changes the
 * table, an execute-snapshot signal starts an incremental snapshot; the ranges are read by tasks
 * on several workers (the coordinator's metrics name each range's reader: host/pid/task). A
 * worker that hosts a reader task is frozen while it holds a range (SIGSTOP, so the kill is
 * surely mid-range) and killed with SIGKILL: its lease expires, another reader reads the range
 * again, and the lake (files sink, Parquet) ends equal to the table with every row read once.
 */
let server: MariaDbServer;
let kafka: KafkaEndpoint;
let redis: RedisServer;
let duck: DuckDbReader;
before(async () => { [server, kafka, redis, duck] = await Promise.all([sharedMariaDb(), sharedKafkaCluster(), startRedis(), DuckDbReader.open()]); });
after(async () => {
  await redis?.close();
  duck?.close();
});

const ROWS = 25_000;
const CONNECTOR = 'my';

/** The harness's concurrent writer on this test's `items` table. */
function startWriter(db: string): ItemsWriter {
  return mysqlItemsWriter(server.connection(db), ROWS, 5);
}

/** `reader` label → ranges, from the coordinator worker's /metrics */
async function rangesByReader(worker: GroupWorker): Promise<Map<string, number>> {
  const text = await fetch(`${worker.url}/metrics`).then((r) => r.text()).catch(() => '');
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^tributary_mysql_incremental_snapshot_queue_chunks_total\{[^}]*reader="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (m) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
  }
  return out;
}

async function metricSum(worker: GroupWorker, name: string): Promise<number> {
  const text = await fetch(`${worker.url}/metrics`).then((r) => r.text()).catch(() => '');
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

test('chunks spread over 3 distributed workers through Redis; a worker killed while it reads a range: the range is read again by another and lands once; the lake equals the table', { timeout: 300_000 }, async (t) => {
  const db = await server.createDatabase('chunkq');
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(100) NOT NULL)');
  await server.query(db, `INSERT INTO items SELECT seq, 0, REPEAT(MD5(seq), 2) FROM seq_1_to_${ROWS}`);
  await server.query(db, 'CREATE TABLE dbz_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))');
  const dir = tempDir('mysql-chunk-queue');
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = {
    'connector.class': 'mariadb', ...mysqlTestConfig(server.port, db), 'table.include.list': `${db}\\.items`, 'snapshot.mode': 'no_data',
    'signal.data.collection': `${db}.dbz_signal`, 'incremental.snapshot.chunk.size': '500', 'snapshot.max.threads': '4',
    'snapshot.queue.redis.url': redis.url, 'snapshot.queue.lease.ms': '3000', 'tasks.max': '3',
  };
  const topic = `${source['topic.prefix']}.${db}.items`;
  const group = uniqueName('chunkq');
  const workers = await startGroup(kafka, group, dir.path, 3);
  const queue = new Queue('chunks-my', { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'tributary' });
  const writer = startWriter(db);
  let frozen: GroupWorker | null = null;
  try {
    const created = [
      await rest(`${workers[0].url}/connectors`, 'POST', { name: uniqueName('lake'), config: { 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '2000', 'rotate.interval.ms': '1000' } }),
      await rest(`${workers[0].url}/connectors`, 'POST', { name: CONNECTOR, config: source }),
    ];
    for (const c of created) assert.equal(c.status, 201, JSON.stringify(c.body));
    const status = await allTasks(workers[0].url, CONNECTOR, 3, 'RUNNING', 90_000);
    const placement = new Map<number, string>(status.tasks.map((task: { id: number; worker_id: string }) => [task.id, task.worker_id]));
    const coordinator = workers.find((w) => w.id === placement.get(0))!;
    // a worker hosting a reader task and not task 0
    const victim = workers.find((w) => w !== coordinator && [...placement].some(([id, wid]) => id > 0 && wid === w.id));
    assert.ok(victim, `a reader task on a worker of its own: ${JSON.stringify([...placement])}`);
    await new Promise((r) => setTimeout(r, 1000));
    await server.query(db, `INSERT INTO dbz_signal VALUES ('sig-1', 'execute-snapshot', '{"data-collections": ["${db}.items"], "type": "incremental"}')`);
    await eventually(async () => ((await rangesByReader(coordinator)).size > 0 ? true : undefined), 60_000, 'the first ranges read through the queue');

    // freeze the victim while it holds a range (so the kill is surely mid-range), then kill it
    const victimPid = victim.child.pid!;
    const held = await eventually(async () => {
      victim.child.kill('SIGSTOP');
      const active = (await queue.getJobs(['active'])).find((job) => job.processedBy?.split('/')[1] === String(victimPid));
      if (active) return active.id!;
      victim.child.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      return undefined;
    }, 60_000, 'the victim worker holding a range');
    frozen = victim;
    await victim.kill('SIGKILL');
    frozen = null;
    t.diagnostic(`killed worker ${victim.id} (pid ${victimPid}) while it held range ${held}`);

    await eventually(async () => ((await rest(`${coordinator.url}/connectors/${CONNECTOR}/snapshots`, 'GET')).body?.snapshot === null ? true : undefined), 180_000, 'the snapshot complete');
    await writer.stop();
    const readers = await rangesByReader(coordinator);
    const pids = new Set([...readers.keys()].map((r) => r.split('/')[1]));
    t.diagnostic(`ranges by reader: ${JSON.stringify([...readers])}`);
    assert.ok(pids.size >= 2, `ranges read on at least 2 worker processes: ${[...pids].join(', ')}`);
    assert.ok(await metricSum(coordinator, 'tributary_mysql_incremental_snapshot_queue_retaken_total') >= 1, 'the range the killed reader held was read again by another');

    // the lake: every event once, every row read once, the latest state equal to the table
    await server.query(db, "INSERT INTO items VALUES (0, 0, 'the end')");
    await eventually(async () => ((await latestState(duck, lake, topic, ['id'], ['v'])).some((r) => r[0] === '0') ? true : undefined), 120_000, 'the last insert to land');
    await new Promise((r) => setTimeout(r, 3000));
    const audit = await auditTopic(duck, lake, topic);
    assert.deepEqual(audit.duplicated, [], 'no position twice');
    const from = `read_parquet(${sqlString(topicGlob(lake, topic))}, union_by_name=true)`;
    const [reads] = await duck.rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS keys FROM ${from} WHERE __op = 'r'`);
    assert.equal(Number(reads.n), Number(reads.keys), 'no row read twice');
    assert.ok(Number(reads.n) > ROWS / 2, `${reads.n} rows read by the incremental snapshot`);
    const fromLake = await latestState(duck, lake, topic, ['id'], ['v', 'note']);
    const fromTable = (await server.query<Record<string, unknown>>(db, 'SELECT CAST(id AS CHAR) AS id, CAST(v AS CHAR) AS v, note FROM items ORDER BY items.id')).map((r) => Object.values(r).map(String));
    // compared by key, the first differences named (a whole-table diff would take minutes to print)
    const inLake = new Map(fromLake.map((r) => [r[0], r.slice(1).join('|')]));
    const inTable = new Map(fromTable.map((r) => [r[0], r.slice(1).join('|')]));
    const differ = [...new Set([...inLake.keys(), ...inTable.keys()])].filter((k) => inLake.get(k) !== inTable.get(k)).slice(0, 8).map((k) => `${k}: lake ${inLake.get(k)} table ${inTable.get(k)}`);
    assert.deepEqual(differ, [], 'latest state');
    assert.equal(fromLake.length, fromTable.length, 'row count');
    assert.equal((await queue.getJobCounts('active', 'waiting', 'delayed', 'completed', 'failed')).completed ?? 0, 0, 'nothing left in the queue');
    t.diagnostic(`${reads.n} rows read; ops ${JSON.stringify(audit.ops)}`);
  } catch (error) {
    for (const w of workers) if (w !== frozen) process.stdout.write(`# log tail of ${w.url}:\n${w.stderr().slice(-3000).replace(/^/gm, '# ')}\n`);
    throw error;
  } finally {
    await writer.stop();
    await queue.close();
    for (const w of workers) await w.kill('SIGKILL');
    dir.remove();
  }
});
