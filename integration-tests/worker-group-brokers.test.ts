import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FetchIsolationLevels } from '@platformatic/kafka';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { readTopic, type TopicRecord } from './harness/kafka-clients.js';
import { startKafkaCluster, uniqueName, type KafkaCluster } from './harness/kafka-cluster.js';
import { auditTopic, latestState, tableStateQuery } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { allTasks, assertLandedOnce, createPipeline, groupFailureReport, landed, rest, settled, sourceOwners, startGroup, type GroupWorker, type Pipeline } from './harness/worker-group.js';
import { eventually } from './harness/worker-process.js';

/**
 * Acceptance (issue 11, on a 3-broker cluster), part 1: three worker processes, three datagen sources
 * into a files sink, everything replicated three times. A broker is killed mid-stream and started
 * again, then the worker running a source is killed with `kill -9`: the workers keep going (the
 * group coordinator may move, a worker cut off from it for a moment fences itself and rejoins),
 * and the lake ends with every record exactly once. The cluster is private to this file.
 */
let kafka: KafkaCluster;
let pg: PostgresServer;
let duck: DuckDbReader;
before(async () => { [kafka, pg, duck] = await Promise.all([startKafkaCluster({ nodes: 3 }), sharedPostgres(), DuckDbReader.open()]); });
after(async () => {
  duck?.close();
  await kafka?.stop();
});

const replicated = { 'config.storage.replication.factor': '3', 'offset.storage.replication.factor': '3', 'status.storage.replication.factor': '3' };

const TOTAL = 9_000;

describe('a worker group on a 3-broker cluster', { timeout: 480_000 }, () => {
  const dir = tempDir('group-brokers');
  const lake = join(dir.path, 'lake');
  const group = uniqueName('group-brokers');
  let workers: GroupWorker[] = [];
  let pipeline: Pipeline;
  after(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    dir.remove();
  });

  it('a broker killed and restarted, then a worker killed: every record lands once', async (t) => {
    workers = await startGroup(kafka, group, dir.path, 3, replicated);
    let topics: string[] = [];
    try {
      await settled(workers);
      pipeline = await createPipeline(workers[0].url, lake, { total: TOTAL, replicationFactor: 3 });
      await allTasks(workers[0].url, pipeline.sink, 3);
      topics = pipeline.sources.map((s) => s.topic);
      await eventually(() => ([...landed(lake, topics).values()].every((seqs) => seqs.length >= 600) ? true : undefined), 90_000, 'a first part landed');

      const brokerKilledAt = Date.now();
      await kafka.kill(1);
      await new Promise((r) => setTimeout(r, 3_000));
      await kafka.startNode(1);
      t.diagnostic(`broker 2 of 3 killed and back after ${Date.now() - brokerKilledAt} ms`);
      await settled(workers, 90_000);

      const owners = await sourceOwners(workers[0].url, pipeline);
      const victimId = [...owners.values()][0];
      const victim = workers.find((w) => w.id === victimId)!;
      await victim.kill('SIGKILL');
      workers = workers.filter((w) => w !== victim);
      const killedAt = Date.now();
      await eventually(async () => {
        for (const s of pipeline.sources) if ((await allTasks(workers[0].url, s.name, 1)).tasks[0].worker_id === victimId) return undefined;
        return true;
      }, 60_000, 'the killed worker\'s sources running elsewhere');
      t.diagnostic(`kill -9 of a worker: its sources RUNNING elsewhere after ${Date.now() - killedAt} ms`);
      await assertLandedOnce(lake, topics, TOTAL);
    } catch (error) {
      process.stdout.write(`${groupFailureReport(workers, lake, topics, TOTAL)}\n`);
      throw error;
    }
  });
});

/**
 * Part 2: three worker processes with exactly-once sources, a PostgreSQL source and a files sink
 * under a steady write load, and `kill -9` of the worker running the source: the source runs on
 * another worker within 15 s (from the kill to the first record built elsewhere: the envelope's
 * `ts_ms` is the wall clock when it was built), the lake's latest state equals the table with no
 * position twice, and a read_committed reader of the topic sees every change exactly once.
 */
describe('a PostgreSQL source in a worker group on a 3-broker cluster', { timeout: 420_000 }, () => {
  const INITIAL = 5_000;
  const dir = tempDir('group-pg');
  const lake = join(dir.path, 'lake');
  let workers: GroupWorker[] = [];
  after(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    dir.remove();
  });

  it('kill -9 of the worker running the source: running elsewhere within 15 s, the lake equals the table, read_committed sees every change once', async (t) => {
    const db = await pg.createDatabase('grouppg');
    await pg.query(db, `CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL); INSERT INTO t SELECT g, 0, 'initial' FROM generate_series(1, ${INITIAL}) g`);
    workers = await startGroup(kafka, uniqueName('group-pg'), dir.path, 3, { ...replicated, 'exactly.once.source.support': 'enabled' });
    const source: Record<string, string> = {
      'connector.class': 'postgres', ...testConfig(pg.port, db), 'table.include.list': 'public\\.t', 'snapshot.fetch.size': '1000',
      'topic.creation.default.partitions': '3', 'topic.creation.default.replication.factor': '3',
    };
    const topic = `${source['topic.prefix']}.public.t`;
    try {
      await settled(workers);
      assert.equal((await rest(`${workers[0].url}/connectors`, 'POST', { name: uniqueName('lake'), config: { 'connector.class': 'files', topics: topic, 'tasks.max': '3', 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '500', 'rotate.interval.ms': '2000' } })).status, 201);
      assert.equal((await rest(`${workers[0].url}/connectors`, 'POST', { name: 'pg', config: source })).status, 201);
      await allTasks(workers[0].url, 'pg', 1);

      let inserted = 0;
      let updated = 0;
      let writing = true;
      const load = (async () => {
        for (let next = INITIAL + 1; writing; next += 10) {
          await pg.query(db, `INSERT INTO t SELECT g, 0, 'streamed' FROM generate_series(${next}, ${next + 9}) g`);
          inserted += 10;
          const [{ n }] = await pg.query<{ n: number }>(db, `WITH u AS (UPDATE t SET v = v + 1 WHERE id % 101 = ${next % 101} RETURNING 1) SELECT count(*)::int AS n FROM u`);
          updated += n;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await eventually(async () => ((await auditTopic(duck, lake, topic)).ops.r ?? 0) >= INITIAL || undefined, 120_000, 'the snapshot landed');
      await new Promise((r) => setTimeout(r, 2_000));

      const owner = (await allTasks(workers[0].url, 'pg', 1)).tasks[0].worker_id as string;
      const victim = workers.find((w) => w.id === owner)!;
      const killedAt = Date.now();
      await victim.kill('SIGKILL');
      workers = workers.filter((w) => w !== victim);
      const failover = await eventually(async () => {
        const built = (await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED, timeoutMs: 60_000 }))
          .filter((m) => m.value && m.value.length > 0).map((m) => (JSON.parse(m.value.toString()) as { ts_ms: number }).ts_ms).filter((ts) => ts > killedAt);
        return built.length > 0 ? Math.min(...built) - killedAt : undefined;
      }, 60_000, 'the source producing again elsewhere');
      t.diagnostic(`kill -9 of ${owner}: the PostgreSQL source produced again elsewhere after ${failover} ms`);
      assert.ok(failover < 15_000, `failover took ${failover} ms`);
      assert.notEqual((await allTasks(workers[0].url, 'pg', 1)).tasks[0].worker_id, owner);
      await new Promise((r) => setTimeout(r, 3_000));
      writing = false;
      await load;

      const expected = { r: INITIAL, c: inserted, u: updated };
      const total = INITIAL + inserted + updated;
      await eventually(async () => ((await auditTopic(duck, lake, topic)).events >= total ? true : undefined), 120_000, `${total} changes in the lake`);
      await new Promise((r) => setTimeout(r, 3_000));
      const audit = await auditTopic(duck, lake, topic);
      assert.deepEqual(audit.duplicated, [], 'no position twice in the lake');
      assert.deepEqual(audit.ops, expected, 'every change in the lake once');
      const fromLake = await latestState(duck, lake, topic, ['id'], ['v', 'note']);
      const fromTable = (await pg.query<Record<string, string>>(db, tableStateQuery('t', ['id'], ['v', 'note']))).map((r) => Object.values(r).map(String));
      assert.deepEqual(fromLake, fromTable, 'the lake\'s latest state equals the table');

      const committed = await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED, timeoutMs: 60_000 });
      const positions = committed.map(positionOf);
      assert.equal(positions.length - new Set(positions).size, 0, 'read_committed: no change twice');
      assert.equal(committed.filter((m) => m.value && m.value.length > 0).length, total, 'read_committed: every change');
    } catch (error) {
      process.stdout.write(`${groupFailureReport(workers, dir.path, [], 0)}\n`);
      throw error;
    }
  });
});

function positionOf(message: TopicRecord): string {
  for (const [key, value] of message.headers) if (String(key) === 'tributary.position') return String(value);
  throw new Error(`record at offset ${message.offset} has no tributary.position header`);
}
