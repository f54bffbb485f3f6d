/**
 * PostgreSQL → Kafka, Tributary against Debezium 3.6.1 on Kafka Connect 4.3, in one run on one
 * broker and one server (issue 10 §5; goal: Tributary ≥ Debezium's throughput at under a third
 * of its memory).
 *
 * 1. Throughput: the workload (1 M inserts in transactions of 100 k rows, then one update of
 *    100 k rows; 8 columns) is written while neither connector runs, each having its own slot;
 *    then Debezium, and after it Tributary (`tributary distributed`, compiled), drains it into its
 *    topic alone. changes/s = records / (last append − first append), the topics having
 *    `message.timestamp.type=LogAppendTime`, so the broker stamps every record; "from start"
 *    also counts the connector's start-up.
 * 2. Latency: with both caught up and running, a paced live workload (inserts and updates in
 *    small transactions); per record, the broker's append time − the commit time in the event
 *    (`source.ts_ms`, same clock). p50 / p99.
 * 3. Peak RSS (VmHWM) of the Kafka Connect JVM (run with connect-distributed.sh's heap and GC
 *    options) and of the Tributary process, after both phases.
 *
 * Both write JSON without schemas (JsonConverter, schemas.enable=false), with their defaults
 * otherwise (Debezium: max.batch.size 2048, max.queue.size 8192; Kafka Connect's producer).
 *
 * usage: npx tsx bench/vs-debezium.ts [inserts=1000000] [updates=100000]
 *   env LATENCY_CHANGES (default 30000), LATENCY_RATE changes/s (default 3000),
 *   DEBEZIUM_CONFIG / TRIBUTARY_CONFIG: JSON objects of connector properties to add (e.g.
 *   '{"poll.interval.ms":"10"}'), BENCH_NO_BUILD=1 to skip `npm run build` (then a stale dist/
 *   means the sources through tsx, some 40 MB more RSS), KAFKA_BOOTSTRAP_SERVERS to use a running broker
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Admin } from '@platformatic/kafka';
import { endOffsets, readRange } from '../integration-tests/harness/kafka-clients.js';
import { externalKafka, startKafkaCluster, type KafkaEndpoint } from '../integration-tests/harness/kafka-cluster.js';
import { KAFKA_CONNECT_DEFAULT_JVM, startKafkaConnect, waitForTasksRunning } from '../integration-tests/harness/kafka-connect.js';
import { processMemory } from '../integration-tests/harness/process-memory.js';
import { startPostgres } from '../integration-tests/harness/postgres-server.js';
import { tempDir } from '../integration-tests/harness/temp.js';
import { startWorkerProcess } from '../integration-tests/harness/worker-process.js';

const inserts = Number(process.argv[2] ?? 1_000_000);
const updates = Math.min(inserts, Number(process.argv[3] ?? 100_000));
const total = inserts + updates;
const latencyChanges = Number(process.env.LATENCY_CHANGES ?? 30_000);
const latencyRate = Number(process.env.LATENCY_RATE ?? 3_000);
const TX_ROWS = 100_000;
const debeziumExtra = JSON.parse(process.env.DEBEZIUM_CONFIG ?? '{}') as Record<string, string>;
const tributaryExtra = JSON.parse(process.env.TRIBUTARY_CONFIG ?? '{}') as Record<string, string>;

// Tributary runs as users run it: bin/tributary.js on the compiled dist/, built here first
if (!process.env.BENCH_NO_BUILD) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const build = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}
const dir = tempDir('bench-vs-debezium');
const own = externalKafka() ? undefined : await startKafkaCluster();
const kafka: KafkaEndpoint = externalKafka() ?? own!;
const server = await startPostgres();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
try {
  const db = await server.createDatabase('bench_vs_dbz');
  const run = `${Date.now().toString(36)}`;
  const prefixes = { debezium: `dbz_${run}`, tributary: `trib_${run}` };
  const topics = { debezium: `${prefixes.debezium}.public.bench`, tributary: `${prefixes.tributary}.public.bench` };
  await server.query(db, `CREATE TABLE bench (id bigint PRIMARY KEY, qty int, price numeric(12,2), name text, flag boolean, created timestamptz, score double precision, tag uuid)`);
  await server.query(db, 'CREATE PUBLICATION bench_pub FOR TABLE bench');
  for (const slot of ['dbz_slot', 'trib_slot']) await server.query(db, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: [...kafka.brokers] });
  await admin.createTopics({ topics: Object.values(topics), partitions: 1, replicas: 1, configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] });
  await admin.close();

  const connect = await startKafkaConnect(kafka, { debezium: true, jvmOptions: KAFKA_CONNECT_DEFAULT_JVM });
  cleanups.push(() => connect.stop());

  console.log(`workload: ${inserts} inserts (transactions of ${TX_ROWS}) + ${updates} updates (one transaction) = ${total} changes`);
  const loadStarted = Date.now();
  for (let from = 1; from <= inserts; from += TX_ROWS) {
    await server.query(db, `INSERT INTO bench SELECT g, g % 1000, (g % 100000) / 100.0, 'name ' || g, g % 2 = 0, now(), g * 1.5, md5(g::text)::uuid
      FROM generate_series(${from}, ${Math.min(inserts, from + TX_ROWS - 1)}) g`);
  }
  if (updates > 0) await server.query(db, `UPDATE bench SET qty = qty + 1, name = name || '!' WHERE id <= ${updates}`);
  console.log(`written in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

  const { host, port, user, password } = server.connection(db);
  const schemaless = { 'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'false', 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false' };
  const database = { 'database.hostname': host, 'database.port': String(port), 'database.user': user, 'database.password': password, 'database.dbname': db };
  const common = { ...database, ...schemaless, 'plugin.name': 'pgoutput', 'publication.name': 'bench_pub', 'publication.autocreate.mode': 'disabled', 'snapshot.mode': 'no_data', 'table.include.list': 'public.bench' };

  // 1. throughput, one at a time
  const debeziumStart = Date.now();
  await connect.request('POST', '/connectors', { name: 'dbz', config: { 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', 'tasks.max': '1', 'topic.prefix': prefixes.debezium, 'slot.name': 'dbz_slot', ...common, ...debeziumExtra } });
  await waitForTasksRunning(connect, 'dbz');
  await waitForCount(topics.debezium, BigInt(total), 'Debezium');
  const debeziumDrain = await drainFigures(topics.debezium, debeziumStart);

  // `tributary distributed` with its own internal topics, the connector created over REST as Debezium's
  const group = `tributary-${run}`;
  const worker = await startWorkerProcess(dir.path, {
    'bootstrap.servers': kafka.bootstrapServers, 'group.id': group,
    'config.storage.topic': `${group}-configs`, 'offset.storage.topic': `${group}-offsets`, 'status.storage.topic': `${group}-status`,
    'config.storage.replication.factor': '1', 'offset.storage.replication.factor': '1', 'status.storage.replication.factor': '1',
    'offset.storage.partitions': '3', 'status.storage.partitions': '1', 'log.level': 'warn',
  }, [], { mode: 'distributed', compiled: true, timeoutMs: 120_000 });
  cleanups.push(() => worker.kill('SIGTERM'));
  const tributaryStart = Date.now();
  const created = await fetch(`${worker.url}/connectors`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'trib', config: { 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', 'topic.prefix': prefixes.tributary, 'slot.name': 'trib_slot', ...common, ...tributaryExtra } }),
  });
  if (created.status !== 201) throw new Error(`POST /connectors to Tributary: ${created.status} ${await created.text()}`);
  await waitForCount(topics.tributary, BigInt(total), 'Tributary', () => worker.stderr());
  const tributaryDrain = await drainFigures(topics.tributary, tributaryStart);

  // 2. latency, both running, a paced live workload
  const latencyStarted = Date.now();
  await pacedWorkload(server.connection(db), inserts, latencyChanges, latencyRate);
  const latencySeconds = (Date.now() - latencyStarted) / 1000;
  await waitForCount(topics.debezium, BigInt(total + latencyChanges), 'Debezium (live)');
  await waitForCount(topics.tributary, BigInt(total + latencyChanges), 'Tributary (live)', () => worker.stderr());
  const debeziumLatency = await latencies(topics.debezium, BigInt(total), BigInt(total + latencyChanges));
  const tributaryLatency = await latencies(topics.tributary, BigInt(total), BigInt(total + latencyChanges));

  // 3. memory
  const debeziumMemory = processMemory(connect.pid);
  const tributaryMemory = processMemory(worker.child.pid!);

  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  const rate = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;
  const rows: [string, string, string][] = [
    ['changes/s into Kafka (first → last append)', rate(debeziumDrain.steady), rate(tributaryDrain.steady)],
    ['changes/s from connector start', rate(debeziumDrain.fromStart), rate(tributaryDrain.fromStart)],
    [`latency p50, live ${latencyChanges} changes at ${latencyRate}/s`, `${debeziumLatency.p50} ms`, `${tributaryLatency.p50} ms`],
    ['latency p99', `${debeziumLatency.p99} ms`, `${tributaryLatency.p99} ms`],
    ['latency max', `${debeziumLatency.max} ms`, `${tributaryLatency.max} ms`],
    ['peak RSS (VmHWM), whole worker process', mb(debeziumMemory.peakRss), mb(tributaryMemory.peakRss)],
    ['RSS at the end', mb(debeziumMemory.rss), mb(tributaryMemory.rss)],
  ];
  if (Object.keys(debeziumExtra).length + Object.keys(tributaryExtra).length > 0) console.log(`\nextra connector config: Debezium ${JSON.stringify(debeziumExtra)}, Tributary ${JSON.stringify(tributaryExtra)}`);
  console.log(`\nPostgreSQL → Kafka, ${total} changes (8 columns); live phase ${latencySeconds.toFixed(1)} s; Tributary: tributary distributed${process.env.BENCH_NO_BUILD ? ' (not rebuilt)' : ', compiled'}`);
  const widths = [Math.max(...rows.map((r) => r[0].length)), 26, 16];
  console.log(`${''.padEnd(widths[0])}  ${'Debezium 3.6.1 / Connect 4.3'.padStart(widths[1])}  ${'Tributary'.padStart(widths[2])}`);
  for (const [label, a, b] of rows) console.log(`${label.padEnd(widths[0])}  ${a.padStart(widths[1])}  ${b.padStart(widths[2])}`);
  console.log(`\nratios (Tributary / Debezium): throughput ${(tributaryDrain.steady / debeziumDrain.steady).toFixed(2)} (goal ≥ 1), from start ${(tributaryDrain.fromStart / debeziumDrain.fromStart).toFixed(2)}, ` +
    `p50 ${(tributaryLatency.p50 / Math.max(1, debeziumLatency.p50)).toFixed(2)}, p99 ${(tributaryLatency.p99 / Math.max(1, debeziumLatency.p99)).toFixed(2)}, peak RSS ${(tributaryMemory.peakRss / debeziumMemory.peakRss).toFixed(2)} (goal < 0.33)`);
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((error) => console.error(error));
  server.remove();
  await own?.stop();
  dir.remove();
}

async function waitForCount(topic: string, count: bigint, who: string, diagnostics?: () => string): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  let last = -1n;
  let lastChange = Date.now();
  for (;;) {
    const [end = 0n] = await endOffsets(kafka, topic);
    if (end >= count) return;
    if (end !== last) { last = end; lastChange = Date.now(); }
    if (Date.now() > deadline || Date.now() - lastChange > 120_000) throw new Error(`${who}: ${end} of ${count} records in ${topic}, no progress for ${Math.round((Date.now() - lastChange) / 1000)} s\n${diagnostics?.().slice(-5000) ?? ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** rates from the broker's append times of the first and last record of the drain */
async function drainFigures(topic: string, startedMs: number): Promise<{ steady: number; fromStart: number }> {
  const stamps: number[] = [];
  await readRange(kafka, topic, 0, 0n, 1n, (r) => stamps.push(Number(r.timestamp)));
  await readRange(kafka, topic, 0, BigInt(total - 1), BigInt(total), (r) => stamps.push(Number(r.timestamp)));
  const [first, last] = stamps;
  return { steady: (total - 1) / ((last - first) / 1000), fromStart: total / ((last - startedMs) / 1000) };
}

/** append time − commit time of each record in [from, to) */
async function latencies(topic: string, from: bigint, to: bigint): Promise<{ p50: number; p99: number; max: number }> {
  const values: number[] = [];
  await readRange(kafka, topic, 0, from, to, (r) => {
    if (!r.value) return;
    const event = JSON.parse(r.value.toString('utf8')) as { source: { ts_ms: number } };
    values.push(Number(r.timestamp) - event.source.ts_ms);
  });
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
  return { p50: at(0.5), p99: at(0.99), max: values[values.length - 1] };
}

/**
 * `changes` changes at `rate` per second in transactions of about 1/100 s each: inserts of new
 * rows, and every 11th transaction an update of rows inserted before, as the workload's 10:1.
 */
async function pacedWorkload(connection: pg.ClientConfig, firstId: number, changes: number, rate: number): Promise<void> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    const perTx = Math.max(1, Math.round(rate / 100));
    const started = performance.now();
    let done = 0;
    let nextId = firstId + 1;
    let updated = 1;
    for (let tx = 0; done < changes; tx++) {
      const n = Math.min(perTx, changes - done);
      if (tx % 11 === 10) {
        await client.query(`UPDATE bench SET qty = qty + 1 WHERE id >= ${updated} AND id < ${updated + n}`);
        updated += n;
      } else {
        await client.query(`INSERT INTO bench SELECT g, g % 1000, (g % 100000) / 100.0, 'name ' || g, g % 2 = 0, now(), g * 1.5, md5(g::text)::uuid
          FROM generate_series(${nextId}, ${nextId + n - 1}) g`);
        nextId += n;
      }
      done += n;
      const due = started + (done / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    await client.end();
  }
}
