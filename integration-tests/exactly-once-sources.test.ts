import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compatibilityPartitioner, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { endOffsets, errorMatching, readTopic, type TopicRecord } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { allTasks, groupFailureReport, rest, settled, startGroup, startGroupWorker, type GroupWorker } from './harness/worker-group.js';
import { eventually } from './harness/worker-process.js';

/**
 * Exactly-once sources (KIP-618, issue 11): with `exactly.once.source.support=enabled` each source
 * task writes its records and its offsets in Kafka transactions of its own. A PostgreSQL source
 * streams a snapshot, then a write load while the worker running it is killed with SIGKILL again
 * and again (its task moves to the other worker, whose producer fences the dead one's), and a
 * read_committed reader of the topic then sees every change exactly once: no position twice, as
 * many snapshot reads, inserts and updates as the database had. No replay filter helps here:
 * this is the topic as any Kafka consumer reads it.
 */
let kafka: KafkaEndpoint;
let pg: PostgresServer;
before(async () => { [kafka, pg] = await Promise.all([sharedKafka(), sharedPostgres()]); });

const INITIAL = 3_000;

describe('exactly-once sources in a worker group', { timeout: 420_000 }, () => {
  const dir = tempDir('eos-sources');
  let workers: GroupWorker[] = [];
  after(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    dir.remove();
  });

  it('kill -9 of the worker running a PostgreSQL source, three times under load: a read_committed reader sees every change once', async (t) => {
    const db = await pg.createDatabase('eos');
    await pg.query(db, `CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO t SELECT g, 0 FROM generate_series(1, ${INITIAL}) g`);
    const group = uniqueName('eos');
    const eos = { 'exactly.once.source.support': 'enabled' };
    workers = await startGroup(kafka, group, dir.path, 2, eos);
    const source: Record<string, string> = { 'connector.class': 'postgres', ...testConfig(pg.port, db), 'table.include.list': 'public\\.t', 'snapshot.fetch.size': '500', 'max.batch.size': '200', 'topic.creation.default.partitions': '2', 'topic.creation.default.replication.factor': '1' };
    const topic = `${source['topic.prefix']}.public.t`;
    try {
      await settled(workers);
      const created = await rest(`${workers[0].url}/connectors`, 'POST', { name: 'pg', config: source });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await allTasks(workers[0].url, 'pg', 1);

      let inserted = 0;
      let updated = 0;
      let nextId = INITIAL + 1;
      let writing = true;
      const killed: GroupWorker[] = [];
      const load = (async () => {
        while (writing) {
          await pg.query(db, `INSERT INTO t SELECT g, 0 FROM generate_series(${nextId}, ${nextId + 19}) g`);
          nextId += 20;
          inserted += 20;
          const rows = await pg.query<{ n: number }>(db, `WITH u AS (UPDATE t SET v = v + 1 WHERE id % 97 = ${nextId % 97} RETURNING 1) SELECT count(*)::int AS n FROM u`);
          updated += rows[0].n;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();

      // the kills land in the stream (a snapshot resumed after a kill reads the table as it is
      // then: rows inserted since its start would be reads as well as creates; docs/architecture.md)
      await eventually(async () => (countOps(await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED, timeoutMs: 60_000 })).r ?? 0) >= INITIAL ? true : undefined, 60_000, 'the snapshot committed');
      for (let kill = 1; kill <= 3; kill++) {
        await new Promise((r) => setTimeout(r, 1500 + Math.random() * 2500));
        const owner = (await allTasks(workers[0].url, 'pg', 1)).tasks[0].worker_id as string;
        const victim = workers.find((w) => w.id === owner)!;
        await victim.kill('SIGKILL');
        killed.push(victim);
        workers = workers.filter((w) => w !== victim);
        workers.push(await startGroupWorker(kafka, group, dir.path, eos));
        await eventually(async () => {
          const status = (await rest(`${workers[0].url}/connectors/pg/status`, 'GET')).body;
          return status?.tasks?.[0]?.state === 'RUNNING' && status.tasks[0].worker_id !== owner ? true : undefined;
        }, 60_000, `the source running again after kill ${kill}`);
        t.diagnostic(`kill ${kill}: the source ran on ${owner}; it runs elsewhere now`);
      }
      writing = false;
      await load;
      const expected = INITIAL + inserted + updated;

      // the source catches up on what was written around the kills (under a loaded CI a while);
      // a failure says how far it got
      let seen = 0;
      const committed = await eventually(async () => {
        const read = await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED, timeoutMs: 60_000 });
        seen = read.length;
        return read.length >= expected ? read : undefined;
      }, 180_000, `${expected} changes in the topic`).catch(async (error: Error) => {
        // stuck (the slot's confirmed position behind the WAL) or lost (confirmed past what the topic has)?
        const slot = await pg.query(db, `SELECT active, active_pid, confirmed_flush_lsn::text, restart_lsn::text, pg_current_wal_lsn()::text AS wal FROM pg_replication_slots WHERE slot_name = '${source['slot.name']}'`);
        const status = (await rest(`${workers[0].url}/connectors/pg/status`, 'GET').catch(() => ({ body: null }))).body;
        // a last stable offset below the high watermark for long: a transaction left open (hanging)
        const ends = { committed: await endOffsets(kafka, topic, FetchIsolationLevels.READ_COMMITTED), all: await endOffsets(kafka, topic) };
        throw new Error(`${error.message}: ${seen} there at the last read; end offsets read_committed ${ends.committed.join(',')}, read_uncommitted ${ends.all.join(',')}; slot ${JSON.stringify(slot)}; status ${JSON.stringify(status)}; worker logs in ${keepLogs([...killed, ...workers])}`, { cause: error });
      });
      const positions = committed.map(positionOf);
      const twice = positions.length - new Set(positions).size;
      const ops = countOps(committed);
      t.diagnostic(`read_committed: ${committed.length} records, ${twice} positions twice; expected ${INITIAL} reads, ${inserted} inserts, ${updated} updates`);
      const everything = await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED, timeoutMs: 60_000 });
      t.diagnostic(`read_uncommitted sees ${everything.length - committed.length} more (aborted transactions of the killed workers)`);
      if (twice > 0) {
        const counts = new Map<string, TopicRecord[]>();
        for (const m of committed) counts.set(positionOf(m), [...(counts.get(positionOf(m)) ?? []), m]);
        const twiceAt = [...counts].filter(([, ms]) => ms.length > 1).slice(0, 5).map(([p, ms]) => `${p} at ${ms.map((m) => `${m.partition}@${m.offset}`).join(', ')}`);
        t.diagnostic(`positions twice (first 5): ${twiceAt.join('; ')}`);
      }
      assert.equal(twice, 0, 'no change twice');
      assert.deepEqual(ops, { r: INITIAL, c: inserted, u: updated });
      assert.equal(committed.length, expected);
    } catch (error) {
      process.stdout.write(`${groupFailureReport(workers, dir.path, [], 0)}\n`);
      throw error;
    }
  });
});

describe('exactly-once sources: task ids that are gone', { timeout: 180_000 }, () => {
  const dir = tempDir('eos-removed');
  let workers: GroupWorker[] = [];
  after(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    dir.remove();
  });

  it('tasks.max lowered from 3 to 2: the leader fences task 2\'s transactional id, so a zombie of it commits nothing', async (t) => {
    const group = uniqueName('eos-removed');
    workers = await startGroup(kafka, group, dir.path, 1, { 'exactly.once.source.support': 'enabled' });
    const url = workers[0].url;
    await settled(workers);
    const topic = uniqueName('gen-removed');
    const config = { 'connector.class': 'datagen', topic, ops: 'insert', 'rows.per.second': '50', 'max.records': '0', 'tasks.max': '3', 'topic.creation.default.partitions': '1', 'topic.creation.default.replication.factor': '1' };
    assert.equal((await rest(`${url}/connectors`, 'POST', { name: 'gen', config })).status, 201);
    await allTasks(url, 'gen', 3);

    // task 2's id in the hands of a zombie (a worker cut off from the group) with a transaction open
    const zombie = new Producer({ clientId: 'zombie', bootstrapBrokers: [...kafka.brokers], idempotent: true, transactionalId: `${group}-gen-2`, partitioner: compatibilityPartitioner, producerId: -1n, producerEpoch: -1 });
    t.after(() => zombie.close().catch(() => undefined));
    const open = await zombie.beginTransaction();
    await open.send({ messages: [{ topic, key: Buffer.from('zombie'), value: Buffer.from('{"zombie":true}') }] });

    assert.equal((await rest(`${url}/connectors/gen/config`, 'PUT', { ...config, 'tasks.max': '2' })).status, 200);
    await allTasks(url, 'gen', 2);
    await eventually(async () => (workers[0].stderr().includes('fenced the transactional producers of removed tasks') ? true : undefined), 30_000, 'the fencing');
    await assert.rejects(open.commit(), errorMatching(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/));
    const committed = await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED, timeoutMs: 60_000 });
    assert.ok(committed.length > 0, 'the live tasks commit');
    assert.equal(committed.filter((m) => m.key?.toString() === 'zombie').length, 0, 'nothing of the zombie is committed');
  });
});

/** Every worker's whole log, kept after the test's folder is gone (a failure's tail is short). */
function keepLogs(workers: readonly GroupWorker[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-eos-logs-'));
  for (const w of workers) writeFileSync(join(dir, `${w.id.replace(/[^\w.-]/g, '_')}.log`), w.stderr());
  return dir;
}

function positionOf(message: TopicRecord): string {
  for (const [key, value] of message.headers) if (String(key) === 'tributary.position') return String(value);
  throw new Error(`record at offset ${message.offset} has no tributary.position header`);
}

function countOps(messages: readonly TopicRecord[]): Record<string, number> {
  const ops: Record<string, number> = {};
  for (const m of messages) {
    if (!m.value || m.value.length === 0) continue;
    const op = (JSON.parse(m.value.toString()) as { op?: string }).op ?? '?';
    ops[op] = (ops[op] ?? 0) + 1;
  }
  return ops;
}
