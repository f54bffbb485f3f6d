/**
 * End to end, issue 17: PostgreSQL → files sink in one standalone worker process (`tributary
 * standalone`, compiled, as installed), against `pg_recvlogical` draining the same WAL from a
 * slot of its own in the same run.
 *
 * Workload: 400 k inserts (transactions of 100 k rows) + 40 k updates (one transaction) of an
 * 8-column table = 440 k changes; variant `4tables` spreads the same 440 k changes over four
 * tables whose transactions interleave, so the sink writes four topics at once. Every run
 * (pg_recvlogical and each worker run) reads from a slot created before the load, so all of them
 * decode exactly the same WAL. A worker run is timed from the source connector's POST until the
 * last file is in place (flush.size divides the changes per topic, so the last record completes
 * the last file); its peak RSS is the process's VmHWM, its CPU time utime + stime of all threads.
 * Best and median of RUNS (3) runs each.
 *
 * usage: node --import tsx bench/postgres-to-parquet.ts [variants=parquet,4tables,json,csv]
 *   env RUNS (3), INSERTS (400000), UPDATES (40000), BENCH_NO_BUILD=1 (skip the build of dist/),
 *   CPU_PROF=<dir> (the worker runs with --cpu-prof into that folder; figures then mean little),
 *   SINK_CONFIG / SOURCE_CONFIG / WORKER_CONFIG: JSON objects of properties to add,
 *   NODE_ARGS: node flags for the worker process (e.g. --max-semi-space-size=32)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCompiledCli } from '../integration-tests/harness/compiled-cli.js';
import { processMemory } from '../integration-tests/harness/process-memory.js';
import { startPostgres, type PostgresServer } from '../integration-tests/harness/postgres-server.js';
import { tempDir } from '../integration-tests/harness/temp.js';
import { startWorkerProcess } from '../integration-tests/harness/worker-process.js';
import { listFiles } from '../connectors/sink/files/test/read-back.js';

type Variant = 'parquet' | '4tables' | 'json' | 'csv';
const variants = (process.argv[2] ?? 'parquet,4tables,json,csv').split(',') as Variant[];
const RUNS = Number(process.env.RUNS ?? 3);
const INSERTS = Number(process.env.INSERTS ?? 400_000);
const UPDATES = Number(process.env.UPDATES ?? 40_000);
const TOTAL = INSERTS + UPDATES;
const RECVLOGICAL = '/usr/lib/postgresql/15/bin/pg_recvlogical';
const sinkExtra = JSON.parse(process.env.SINK_CONFIG ?? '{}') as Record<string, string>;
const sourceExtra = JSON.parse(process.env.SOURCE_CONFIG ?? '{}') as Record<string, string>;
const workerExtra = JSON.parse(process.env.WORKER_CONFIG ?? '{}') as Record<string, string>;
const COLUMNS = 'id bigint PRIMARY KEY, qty int, price numeric(12,2), name text, flag boolean, created timestamptz, score double precision, tag uuid';

interface Workload { db: string; tables: string[]; endLsn: string; slots: string[] }

/** Creates the tables and one slot per later run, then writes the changes; returns the WAL end. */
async function load(server: PostgresServer, tableCount: number, slotCount: number): Promise<Workload> {
  const db = await server.createDatabase(`bench_e2e_${tableCount}`);
  const tables = Array.from({ length: tableCount }, (_, i) => (tableCount === 1 ? 'bench' : `bench_${i + 1}`));
  for (const t of tables) await server.query(db, `CREATE TABLE ${t} (${COLUMNS})`);
  await server.query(db, 'CREATE PUBLICATION bench_pub FOR ALL TABLES');
  const slots = Array.from({ length: slotCount }, (_, i) => `slot_${tableCount}_${i}`);
  for (const slot of slots) await server.query(db, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  const perTable = INSERTS / tableCount;
  // transactions of 100 k rows; with several tables they take turns, so their changes interleave
  const tx = Math.min(100_000, perTable) / (tableCount === 1 ? 1 : 4);
  for (let from = 1; from <= perTable; from += tx) {
    for (const t of tables) {
      await server.query(db, `INSERT INTO ${t} SELECT g, g % 1000, (g % 100000) / 100.0, 'name ' || g, g % 2 = 0, now(), g * 1.5, md5(g::text)::uuid
        FROM generate_series(${from}, ${Math.min(perTable, from + tx - 1)}) g`);
    }
  }
  for (const t of tables) await server.query(db, `UPDATE ${t} SET qty = qty + 1, name = name || '!' WHERE id <= ${UPDATES / tableCount}`);
  const [{ lsn }] = await server.query<{ lsn: string }>(db, 'SELECT pg_current_wal_lsn()::text AS lsn');
  return { db, tables, endLsn: lsn, slots };
}

function recvlogical(server: PostgresServer, w: Workload, slot: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(RECVLOGICAL, ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', w.db, '--slot', slot, '--start', '--endpos', w.endLsn,
    '-o', 'proto_version=1', '-o', 'publication_names=bench_pub', '-f', '/dev/null', '--no-loop'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`pg_recvlogical exited with ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** utime + stime of every thread of a live process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface RunResult { seconds: number; peakRss: number; cpu: number }

async function workerRun(server: PostgresServer, w: Workload, slot: string, format: 'parquet' | 'json' | 'csv', label: string): Promise<RunResult> {
  const dir = tempDir(`bench-e2e-${label}`);
  const lake = join(dir.path, 'lake');
  if (process.env.CPU_PROF) mkdirSync(process.env.CPU_PROF, { recursive: true });
  const nodeArgs = [...(process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : []), ...(process.env.NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '1000', 'log.level': 'warn', ...workerExtra }, [], { compiled: true, timeoutMs: 60_000, nodeArgs });
  try {
    const prefix = 'e2e';
    const topics = w.tables.map((t) => `${prefix}.public.${t}`);
    const post = async (name: string, config: Record<string, string>) => {
      const res = await fetch(`${worker.url}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, config }) });
      if (res.status !== 201) throw new Error(`POST /connectors ${name}: ${res.status} ${await res.text()}`);
    };
    const perTopic = TOTAL / w.tables.length;
    // flush.size divides the changes of every topic: the last change completes the last file
    const flush = perTopic % 110_000 === 0 ? 110_000 : perTopic;
    await post('lake', { 'connector.class': 'files', topics: topics.join(','), 'store.url': `file://${lake}`, format, 'flush.size': String(flush), 'rotate.interval.ms': '0', ...sinkExtra });
    const expectedFiles = w.tables.length * (perTopic / flush);
    const t0 = process.hrtime.bigint();
    await post('pg', {
      'connector.class': 'postgres', 'topic.prefix': prefix, 'database.hostname': '127.0.0.1', 'database.port': String(server.port), 'database.user': 'postgres',
      'database.password': '', 'database.dbname': w.db, 'slot.name': slot, 'publication.name': 'bench_pub', 'publication.autocreate.mode': 'disabled', 'snapshot.mode': 'no_data', ...sourceExtra,
    });
    let peak = 0;
    for (;;) {
      if (worker.child.exitCode !== null) throw new Error(`worker exited ${worker.child.exitCode}: ${worker.stderr()}`);
      peak = Math.max(peak, processMemory(worker.child.pid!).peakRss);
      if (listFiles(lake).length >= expectedFiles) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(worker.child.pid!);
    peak = Math.max(peak, processMemory(worker.child.pid!).peakRss);
    if (/"level":(50|60)/.test(worker.stderr())) console.log(`  worker errors: ${worker.stderr().slice(-2000)}`);
    return { seconds, peakRss: peak, cpu };
  } finally {
    await worker.kill('SIGTERM');
    dir.remove();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (s: number) => Math.round(TOTAL / s).toLocaleString('en-US');

if (!process.env.BENCH_NO_BUILD) ensureCompiledCli();
const server = await startPostgres({ max_wal_size: '4GB', checkpoint_timeout: '30min' });
try {
  const formats = variants.filter((v) => v !== '4tables');
  const workloads: { tables: number; variants: Variant[] }[] = [];
  if (formats.length > 0) workloads.push({ tables: 1, variants: formats });
  if (variants.includes('4tables')) workloads.push({ tables: 4, variants: ['4tables'] });
  for (const { tables, variants: these } of workloads) {
    // a warm-up slot and RUNS slots for pg_recvlogical, RUNS for each variant
    const w = await load(server, tables, 1 + RUNS * (1 + these.length));
    const slots = [...w.slots];
    recvlogical(server, w, slots.shift()!);
    const recv = Array.from({ length: RUNS }, () => recvlogical(server, w, slots.shift()!));
    const best = Math.min(...recv);
    console.log(`workload: ${tables} table(s), ${INSERTS} inserts + ${UPDATES} updates = ${TOTAL} changes, 8 columns`);
    console.log(`  pg_recvlogical → /dev/null: best ${rate(best)} changes/s (${best.toFixed(2)} s), median ${rate(median(recv))} changes/s`);
    for (const variant of these) {
      const format = variant === '4tables' ? 'parquet' : variant;
      const runs: RunResult[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await workerRun(server, w, slots.shift()!, format, variant));
      const s = runs.map((r) => r.seconds);
      const bestRun = runs.find((r) => r.seconds === Math.min(...s))!;
      console.log(`  worker → ${variant === '4tables' ? 'parquet, 4 topics' : format}: best ${rate(bestRun.seconds)} changes/s (${bestRun.seconds.toFixed(2)} s, CPU ${bestRun.cpu.toFixed(1)} s), median ${rate(median(s))} changes/s; peak RSS max ${(Math.max(...runs.map((r) => r.peakRss)) / 2 ** 20).toFixed(0)} MiB`);
      console.log(`    ratio to pg_recvlogical: best ${(best / bestRun.seconds).toFixed(2)}, median ${(median(recv) / median(s)).toFixed(2)} (goal ≥ 0.8, peak RSS < 300 MB)`);
    }
  }
} finally {
  server.remove();
}
