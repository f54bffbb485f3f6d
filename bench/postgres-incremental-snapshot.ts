/**
 * Incremental snapshot benchmark (issue 16): a 500 k-row table (8 mixed-type columns) read by an
 * incremental snapshot (REST-style signal, chunks of `incremental.snapshot.chunk.size` between
 * WAL watermarks) into a null sink, against `COPY (SELECT ...) TO STDOUT` into /dev/null through
 * psql on the same server, in the same run. Also the streaming latency during the snapshot: a
 * writer commits a row to another table every 20 ms, and each one's latency (commit → polled) is
 * compared with the same writer's latency while no snapshot runs.
 *
 * `snapshot.max.threads` readers per run (a list runs each in turn): chunk windows of that many
 * chunks, read at once on as many connections.
 *
 * With `queue` as fifth argument, each run also goes through the chunk queue
 * (`snapshot.queue.redis.url`, a private Redis): task 0 and `snapshot.max.threads` − 1 reader
 * tasks in this process, each range read by a reader and handed back through Redis. This
 * process runs every task, so the figure is the queue's overhead on one machine, not the gain
 * of readers on other machines.
 *
 * With `blocking` among the arguments, a last run takes a blocking snapshot (`"type":
 * "blocking"`: the stream stops while the table is read with `snapshot.fetch.size` rows per
 * chunk, then goes on), for its rows/s against the same COPY; its stream latency is the stop.
 *
 * usage: node --import tsx bench/postgres-incremental-snapshot.ts [rows=500000] [chunk.size=1024,8192] [snapshot.max.threads=1] [queue|-] [blocking]
 */
import pg from 'pg';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { startPostgres } from '../integration-tests/harness/postgres-server.js';
import { startRedis } from '../integration-tests/harness/redis-server.js';
import { copyTableSeconds } from './fixtures/psql-copy.js';

const rows = Number(process.argv[2] ?? 500_000);
const chunkSizes = (process.argv[3] ?? '1024,8192').split(',');
const threadCounts = (process.argv[4] ?? '1').split(',');
const redis = process.argv[5] === 'queue' ? await startRedis() : null;
const runs = [
  ...chunkSizes.flatMap((chunkSize) => threadCounts.flatMap((threads) => [{ chunkSize, threads, queue: false, blocking: false }, ...(redis && Number(threads) > 1 ? [{ chunkSize, threads, queue: true, blocking: false }] : [])])),
  ...(process.argv.includes('blocking') ? [{ chunkSize: '1024', threads: '1', queue: false, blocking: true }] : []),
];
const server = await startPostgres();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? NaN;
try {
  const db = await server.createDatabase('bench_incremental');
  await server.query(db, `CREATE TABLE bench (id bigint PRIMARY KEY, qty int, price numeric(12,2), name text, flag boolean, created timestamptz, score double precision, tag uuid);
    CREATE TABLE pulse (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  await server.query(db, `INSERT INTO bench SELECT g, g % 1000, (g % 100000) / 100.0, 'name ' || g, g % 2 = 0, now(), g * 1.5, md5(g::text)::uuid FROM generate_series(1, ${rows}) g`);
  await server.query(db, 'VACUUM ANALYZE bench');

  const copyOnce = (): number => copyTableSeconds(server, db, 'bench');
  copyOnce(); // warms the page cache
  const copySeconds = [copyOnce(), copyOnce(), copyOnce()];
  const bestCopy = Math.min(...copySeconds);
  console.log(`rows: ${rows}`);
  console.log(`COPY (SELECT ...) TO STDOUT → /dev/null: best ${bestCopy.toFixed(2)} s = ${Math.round(rows / bestCopy).toLocaleString('en')} rows/s`);

  for (const [run, { chunkSize, threads, queue, blocking }] of runs.entries()) {
    const config = testConfig(server.port, db, {
      'slot.name': `bench_incremental_${run}`, 'slot.drop.on.stop': 'true', 'snapshot.mode': 'no_data', 'incremental.snapshot.chunk.size': chunkSize, 'snapshot.max.threads': threads,
      ...(queue && redis ? { 'snapshot.queue.redis.url': redis.url } : {}),
    });
    const driver = new TaskDriver(config);
    // the reader tasks (task 0 reads too): as many readers as threads
    const readers = queue ? Array.from({ length: Number(threads) - 1 }, (_, i) => new TaskDriver(config, null, i + 1)) : [];
    for (const r of readers) await r.start();
    const writer = new pg.Client(server.connection(db));
    await writer.connect();
    let writing = true;
    const pulses = (async () => {
      while (writing) {
        await writer.query('INSERT INTO pulse DEFAULT VALUES');
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await driver.start();
    const latencies = { idle: [] as number[], snapshot: [] as number[] };
    let phase: 'idle' | 'snapshot' = 'idle';
    let reads = 0;
    const pollInto = async () => {
      for (const r of await driver.pollOnce()) {
        const value = r.value as { op?: string; after?: { at?: string | number }; source?: { table?: string; ts_ms?: number } } | null;
        if (value?.op === 'r') reads++;
        else if (value?.source?.table === 'pulse' && value.op === 'c') latencies[phase].push(Date.now() - Number(value.source.ts_ms));
      }
      driver.records.length = 0;
      await driver.commit();
    };
    const idleUntil = Date.now() + 3_000;
    while (Date.now() < idleUntil) await pollInto();
    phase = 'snapshot';
    const t0 = process.hrtime.bigint();
    await driver.task.signal({ id: `bench-${run}`, type: 'execute-snapshot', data: { 'data-collections': ['public.bench'], ...(blocking ? { type: 'blocking' } : {}) } });
    while (reads < rows) await pollInto();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    writing = false;
    await pulses;
    await writer.end();
    await driver.stop();
    for (const r of readers) await r.stop();
    console.log(`${blocking ? 'blocking snapshot (snapshot.fetch.size rows per chunk)' : `incremental snapshot, chunk.size=${chunkSize}, ${threads} reader(s)${queue ? ' through the Redis chunk queue' : ''}`} → null sink: ${seconds.toFixed(2)} s = ${Math.round(rows / seconds).toLocaleString('en')} rows/s; ratio to COPY ${(bestCopy / seconds).toFixed(2)} (goal ≥ 0.8)`);
    const during = blocking ? 'during the snapshot the stream waits (by design)' : `during the snapshot: p50 ${median(latencies.snapshot)} ms, p99 ${p99(latencies.snapshot)} ms (${latencies.snapshot.length} rows)`;
    console.log(`  stream latency (commit → polled) while idle: p50 ${median(latencies.idle)} ms, p99 ${p99(latencies.idle)} ms (${latencies.idle.length} rows); ${during}`);
  }
} finally {
  server.remove();
  await redis?.close();
}
