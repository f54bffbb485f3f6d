import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { replicationFactorFor, sharedKafkaCluster, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { auditTopic } from './harness/lake-audit.js';
import { initPgbench, runPgbench } from './harness/pgbench.js';
import { assertPgbenchLandedOnce, pgbenchTopics } from './harness/pgbench-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { firstProduced, landedFiles, longestPause, type Pause } from './harness/production-times.js';
import { tempDir } from './harness/temp.js';
import { assertLandedOnce, createPipeline, groupFailureReport, landed, rest, settled, startGroup, startGroupWorker, taskPlacement, type GroupWorker } from './harness/worker-group.js';
import { eventually } from './harness/worker-process.js';

/**
 * Acceptance (issue 11, rolling restarts): three `tributary distributed` processes run a
 * PostgreSQL source under a pgbench load into Parquet files, and three datagen sources into JSON
 * files. Each worker in turn gets SIGTERM (it hands its work over and exits 0) and a new process
 * takes its place (same REST port, so the same worker id, as a restarted service would), and the
 * group settles before the next one. Then every change lands exactly once, and each table's
 * latest state in the lake equals the table.
 *
 * "Stops no connector for longer than one rebalance": for each restart the test measures the
 * longest pause in each source's production (from the first copy of each record in Kafka, its
 * envelope `ts_ms`) and in each sink's landing (the files' completion times, closed every second
 * by the wall clock), and prints them. What it asserts is the outcome: no pause as long as
 * `scheduled.rebalance.max.delay.ms` (8 s; for the files, 2 s more for their 1 s boundaries),
 * the wait a crashed worker's work has — a restart moves the work at once, it is never held back.
 */
let kafka: KafkaEndpoint;
let server: PostgresServer;
let duck: DuckDbReader;
before(async () => { [kafka, server, duck] = await Promise.all([sharedKafkaCluster(), sharedPostgres(), DuckDbReader.open()]); });
after(() => duck?.close());

/** datagen records/s per source; pgbench transactions/s (4 changes each) */
const RATE = 200;
const TPS = 100;
/** the Parquet sink needs schemas; the JSON lake reads the same rows with them */
const WORKER = { 'value.converter.schemas.enable': 'true' };
/** what a crashed worker's work waits for (the worker default), and so a bound no hand-over may reach */
const HELD_BACK_MS = 8_000;
/** files close at 1 s wall-clock boundaries: a landing pause is up to 2 s longer than the sink's stop */
const FILE_SLACK_MS = 2_000;

interface Restart {
  readonly worker: string;
  readonly termAt: number;
  /** SIGTERM → the process exited */
  readonly exitMs: number;
  /** SIGTERM → every task RUNNING on the two others */
  readonly handedOverMs: number;
  /** SIGTERM → the new process answered /health */
  readonly replacedMs: number;
  /** SIGTERM → the group settled with every task RUNNING and the new process running its share */
  readonly settledMs: number;
  /** the connectors of which a task changed hands (to the others, or then to the new process) */
  readonly moved: ReadonlySet<string>;
}

test('rolling restart of all 3 workers under load: no change lost, no duplicate, no connector held back', { timeout: 480_000 }, async (t) => {
  const db = await server.createDatabase('rolling');
  initPgbench(server, db, 1);
  const dir = tempDir('group-rolling');
  const lake = join(dir.path, 'lake');
  const group = uniqueName('group-rolling');
  const started: GroupWorker[] = [];
  let workers: GroupWorker[] = [];
  let load: ReturnType<typeof runPgbench> | undefined;
  let genTopics: string[] = [];
  try {
    workers = await startGroup(kafka, group, dir.path, 3, WORKER);
    started.push(...workers);
    await settled(workers);
    const url = workers[0].url;

    const source: Record<string, string> = { 'connector.class': 'postgres', ...testConfig(server.port, db), 'table.include.list': 'public\\.pgbench_.*', 'topic.creation.default.partitions': '2', 'topic.creation.default.replication.factor': String(replicationFactorFor(kafka)) };
    const prefix = source['topic.prefix'];
    const pgTopics = pgbenchTopics(prefix);
    const pg = uniqueName('pg');
    const pgLake = uniqueName('lake-pg');
    // files closed every second by the wall clock: their completion times show when a sink stopped
    const everySecond = { 'rotate.schedule.interval.ms': '1000' };
    const created = [
      await rest(`${url}/connectors`, 'POST', { name: pgLake, config: { 'connector.class': 'files', topics: pgTopics.join(','), 'tasks.max': '2', 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '2000', ...everySecond } }),
      await rest(`${url}/connectors`, 'POST', { name: pg, config: source }),
    ];
    for (const res of created) assert.equal(res.status, 201, JSON.stringify(res.body));
    const pipeline = await createPipeline(url, lake, { total: 0, rate: RATE, replicationFactor: replicationFactorFor(kafka), sinkConfig: { ...everySecond, 'flush.size': '5000' } });
    genTopics = pipeline.sources.map((s) => s.topic);
    const connectors = new Map<string, number>([[pgLake, 2], [pg, 1], [pipeline.sink, 3], ...pipeline.sources.map((s): [string, number] => [s.name, 1])]);
    const tasks = [...connectors.values()].reduce((a, b) => a + b, 0);
    let placement = await taskPlacement(url, connectors, workers.map((w) => w.id), 90_000);
    // the load begins once the source streams, so every transaction is streamed, none snapshotted
    load = runPgbench(server, db, { clients: 4, seconds: 600, rate: TPS });
    const loadEnded = load.done.catch(() => undefined);
    await eventually(async () => ((await auditTopic(duck, lake, pgTopics[0])).ops.r ?? 0) >= 100_000 ? true : undefined, 240_000, 'the pgbench_accounts snapshot landed');
    await eventually(() => ([...landed(lake, genTopics).values()].every((seqs) => seqs.length >= 2 * RATE) ? true : undefined), 60_000, 'a first part of every datagen topic landed');
    // caught up with the transactions of the snapshot's time, then steady for a while: the figures to compare with
    const historyRows = async () => Number((await server.query<{ n: string }>(db, 'SELECT count(*)::text AS n FROM pgbench_history'))[0].n);
    const committed = await historyRows();
    await eventually(async () => ((await auditTopic(duck, lake, pgTopics[3])).ops.c ?? 0) >= committed ? true : undefined, 60_000, 'the lake caught up with the load');
    await new Promise((r) => setTimeout(r, 5_000));

    const restarts: Restart[] = [];
    for (let i = 0; i < workers.length; i++) {
      const old = workers[i];
      const others = workers.filter((w) => w !== old);
      const termAt = Date.now();
      old.child.kill('SIGTERM');
      const code = await old.exited;
      const exitMs = Date.now() - termAt;
      assert.equal(code, 0, `SIGTERM: ${old.id} exits 0 after handing its work over`);
      const handedOver = await taskPlacement(others[0].url, connectors, others.map((w) => w.id));
      const handedOverMs = Date.now() - termAt;
      const fresh = await startGroupWorker(kafka, group, dir.path, { ...WORKER, 'rest.port': new URL(old.url).port });
      started.push(fresh);
      const replacedMs = Date.now() - termAt;
      workers = workers.map((w) => (w === old ? fresh : w));
      const balanced = await eventually(async () => {
        await settled(workers, 30_000);
        const now = await taskPlacement(fresh.url, connectors, workers.map((w) => w.id), 10_000);
        // balanced totals: the new process has taken its share
        return workers.every((w) => [...now.values()].filter((id) => id === w.id).length >= Math.floor(tasks / workers.length)) ? now : undefined;
      }, 90_000, `the group settled after the restart of ${old.id}, the new process running its share`);
      const moved = new Set([...placement.keys()].filter((k) => placement.get(k) !== handedOver.get(k) || handedOver.get(k) !== balanced.get(k)).map((k) => k.split('/')[0]));
      restarts.push({ worker: old.id, termAt, exitMs, handedOverMs, replacedMs, settledMs: Date.now() - termAt, moved });
      placement = balanced;
      // steady data between restarts
      await new Promise((r) => setTimeout(r, 4_000));
    }
    await new Promise((r) => setTimeout(r, 2_000));

    // end the load: pgbench stops (its committed transactions count), the datagen sources are
    // stopped (released with a commit, as on a rebalance)
    load.child.kill('SIGTERM');
    await loadEnded;
    for (const s of pipeline.sources) assert.equal((await rest(`${workers[0].url}/connectors/${s.name}/stop`, 'PUT')).status, 204);
    for (const s of pipeline.sources) {
      await eventually(async () => ((await rest(`${workers[0].url}/connectors/${s.name}/status`, 'GET')).body?.connector?.state === 'STOPPED' ? true : undefined), 30_000, `${s.name} STOPPED`);
    }
    await new Promise((r) => setTimeout(r, 2_000));

    // every datagen record produced (1..N without a hole in Kafka) landed once
    const produced = new Map(await Promise.all(genTopics.map(async (topic) => [topic, await firstProduced(kafka, topic)] as const)));
    const totals = new Map<string, number>();
    for (const [topic, records] of produced) {
      assert.equal(Number(records[records.length - 1].position), records.length, `${topic}: seqs 1..${records.length} in Kafka`);
      totals.set(topic, records.length);
    }
    await assertLandedOnce(lake, genTopics, totals);

    const transactions = await historyRows();
    await eventually(async () => {
      const [a, tl, b, h] = await Promise.all(pgTopics.map((topic) => auditTopic(duck, lake, topic)));
      return [a.ops.u, tl.ops.u, b.ops.u, h.ops.c].every((x) => (x ?? 0) >= transactions) ? true : undefined;
    }, 120_000, `${transactions} transactions to land in every topic`);
    await new Promise((r) => setTimeout(r, 3_000));
    await assertPgbenchLandedOnce(duck, lake, server, db, prefix, transactions);

    // how long each restart stopped each connector
    const history = await firstProduced(kafka, pgTopics[3]);
    const sources = new Map<string, number[]>([[pg, history.map((p) => p.at)], ...pipeline.sources.map((s): [string, number[]] => [s.name, produced.get(s.topic)!.map((p) => p.at)])]);
    const files = landedFiles(lake, [...pgTopics, ...genTopics]);
    const sinks = new Map([[pgLake, pgTopics], [pipeline.sink, genTopics]]);
    // names without their unique suffix
    const label = (name: string) => name.replace(/-\d+-[a-z0-9]+-\d+$/, '');
    const longest: { restart: number; connector: string; pause: Pause; boundMs: number }[] = [];
    // the same figures over 4 s of steady load ending 1 s before the first restart, for comparison
    const steady: Restart = { worker: 'none', termAt: restarts[0].termAt - 5_000, settledMs: 4_000, exitMs: 0, handedOverMs: 0, replacedMs: 0, moved: new Set() };
    for (const [i, r] of [steady, ...restarts].entries()) {
      const window = [r.termAt, r.termAt + r.settledMs] as const;
      const pauses: string[] = [];
      for (const [name, instants] of sources) {
        const pause = longestPause(instants, ...window);
        assert.ok(pause, `${name} produced after the restart of ${r.worker}`);
        longest.push({ restart: i, connector: name, pause, boundMs: HELD_BACK_MS });
        pauses.push(`${label(name)}${r.moved.has(name) ? ' (moved)' : ''} ${Math.round(pause.ms)}`);
      }
      for (const [name, topics] of sinks) {
        const each = [...files].filter(([key]) => topics.some((topic) => key.startsWith(`${topic}+`))).map(([, times]) => longestPause(times, ...window));
        assert.ok(each.every((p) => p !== undefined), `${name} landed files after the restart of ${r.worker}`);
        const pause = each.reduce((a, b) => (b!.ms > a!.ms ? b : a))!;
        longest.push({ restart: i, connector: name, pause, boundMs: HELD_BACK_MS + FILE_SLACK_MS });
        pauses.push(`${label(name)}${r.moved.has(name) ? ' (moved)' : ''} files ${Math.round(pause.ms)}`);
      }
      if (r === steady) t.diagnostic(`steady load before the restarts: longest pause (ms): ${pauses.join(', ')}`);
      else t.diagnostic(`restart ${i} (${r.worker}): exited ${r.exitMs} ms after SIGTERM, its work RUNNING on the others at ${r.handedOverMs} ms, the new process up at ${r.replacedMs} ms, settled at ${r.settledMs} ms; longest pause (ms): ${pauses.join(', ')}`);
    }
    t.diagnostic(`${transactions} pgbench transactions, ${[...totals.values()].join('/')} datagen records, ${started.length} worker processes in all; resent records: pg history ${history.filter((p) => p.copies > 1).length}, datagen ${[...produced.values()].map((r) => r.filter((p) => p.copies > 1).length).join('/')}`);
    const held = longest.filter((l) => l.restart > 0 && l.pause.ms >= l.boundMs);
    assert.deepEqual(held.map((l) => `restart ${l.restart}: ${l.connector} paused ${Math.round(l.pause.ms)} ms`), [], 'no connector stopped as long as a crashed worker\'s work is held back');
  } catch (error) {
    process.stdout.write(`${groupFailureReport(workers, lake, genTopics, [...landed(lake, genTopics).values()].flat().reduce((a, b) => Math.max(a, b), 0))}\n`);
    // with KEEP_TEST_DIRS every worker's whole log stays beside the lake
    started.forEach((w, i) => writeFileSync(join(dir.path, `worker-${i + 1}.log`), w.stderr()));
    process.stdout.write(`# the worker logs: ${dir.path}\n`);
    throw error;
  } finally {
    load?.child.kill('SIGKILL');
    await Promise.all(started.map((w) => w.kill('SIGKILL')));
    dir.remove();
  }
});
