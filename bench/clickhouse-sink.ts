import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { SinkRecord } from '../plugins/api/index.js';
import { datagenOptions, datagenRecords } from '../connectors/sink/files/test/sink-fixtures.js';
import { startSinkTask } from '../connectors/sink/clickhouse/test/task-driver.js';
import { parseType } from '../connectors/sink/clickhouse/clickhouse-types.js';
import { rowChangeOf } from '../connectors/sink/clickhouse/record-rows.js';
import { RowBinaryWriter } from '../connectors/sink/clickhouse/row-binary.js';
import { buildPlan } from '../connectors/sink/clickhouse/table-plan.js';
import { startClickHouse } from '../integration-tests/harness/clickhouse-server.js';
import { tempDir } from '../integration-tests/harness/temp.js';
import { daysToIsoDate, zonedTimestampToMicros } from '../connectors/sink/files/format/value-conversions.js';

/**
 * The ClickHouse sink against `clickhouse-client` on the same rows, same server, same run:
 *
 * 1. throughput: datagen insert events (Debezium envelopes, 10 columns) through one sink task in
 *    append mode (RowBinary; errors.tolerance=all, which keeps records for the dead-letter
 *    queue until ClickHouse acknowledged them, and none; with the record generator's garbage
 *    collected inside or outside the clock; with gzip), against `clickhouse-client --query
 *    "INSERT ... FORMAT RowBinary"` of the very bytes the sink encodes (encoded before the
 *    clock starts), and of the same rows as JSONEachRow (the text format, for the format
 *    choice); and datagen → in-memory bus → sink in one embedded worker;
 * 2. freshness: a steady 50 k rows/s for 10 s, each record stamped with its source commit time
 *    when it is handed to put; p50/p99 of source commit → insert acknowledged (the sink's
 *    histogram samples), after which a row is visible to queries.
 *
 * Run: node --import tsx bench/clickhouse-sink.ts [rows] [phases]
 * phases: a comma list of reference, sink, sink-none, sink-own, gzip, pipeline, steady (default:
 * all), so a profile (`node --cpu-prof --import tsx …`) can cover one path alone.
 */
const ROWS = Number(process.argv[2] ?? 1_000_000);
const PHASES = new Set((process.argv[3] ?? 'reference,sink,sink-none,sink-own,gzip,pipeline,steady').split(','));
// No young-generation setting here: v8.setFlagsFromString('--max-semi-space-size=32'), as
// bin/tributary.js does, has no effect once the heap is set up (the new space stays at Node's
// default, 16 MiB semi-spaces, measured), so a worker runs with the default too. To try another
// size, give the flag on the command line (NODE_OPTIONS=--max-semi-space-size=32).
const PUT = 5000;

const server = await startClickHouse();
const dir = tempDir('ch-bench');
const options = datagenOptions('t', { ops: 'insert' });
/** records seq `from` … `from + count - 1`, made when needed: holding a million in memory would make the collector the bottleneck */
const chunk = (from: number, count = PUT): SinkRecord[] => datagenRecords(from, Math.min(from + count - 1, ROWS), options, 1);
/** CPU seconds of this process's waited-for children (clickhouse-client via sh): /proc/self/stat cutime + cstime */
const childCpu = () => {
  const f = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
};
const ownCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
/** one line of figures; `cpu` is the client's (the sink's process or clickhouse-client) and the server's CPU seconds */
const figure = (label: string, rows: number, seconds: number, cpu: { client: number; server: number }, extra = '') =>
  console.log(`${label.padEnd(40)} ${Math.round(rows / seconds).toLocaleString('en-US').padStart(10)} rows/s wall  ${Math.round(rows / (cpu.client + cpu.server)).toLocaleString('en-US').padStart(10)} rows per CPU-second (client + server)  (${seconds.toFixed(2)} s; CPU-s: ${cpu.client.toFixed(2)} client, ${cpu.server.toFixed(2)} server${extra})`);
/** what one run measured: rows per wall second and per CPU-second (client + server) */
interface Rate { readonly wall: number; readonly cpu: number }
const rssMiB = () => Math.round(process.memoryUsage().rss / 1048576);
const peakMiB = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
/** starts a new peak RSS (VmHWM) for the next phase: writing 5 to clear_refs resets it */
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5');

/** rows/s (wall, and per CPU-second: the sink's own, all threads, plus the server's) of one task's put + flush */
/** a minor collection, outside the clock (sink-own) */
const minorGc = (() => {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  return () => gc({ type: 'minor' });
})();

/**
 * rows/s (wall, and per CPU-second: the sink's own, all threads, plus the server's) of one
 * task's put + flush. `generatorGarbage: 'before-put'` collects the young generation after each
 * chunk of records is made and before it is put, outside the clock: V8 runs the collections it
 * schedules at the next turn of the event loop, which put takes, so otherwise put pays for
 * copying the records the generator just made (a pipeline pays that wherever it falls).
 */
async function sinkRun(label: string, overrides: Record<string, string>, tolerance: 'all' | 'none' = 'all', generatorGarbage: 'in-put' | 'before-put' = 'in-put'): Promise<Rate> {
  resetPeak();
  const database = await server.createDatabase('bench');
  const { task, context } = await startSinkTask(server.url, database, { 'insert.mode': 'append', 'batch.size': '100000', 'linger.ms': '1000', ...overrides }, { tolerance });
  // the test kit's recorder copies its list per observation (quadratic in the freshness samples): a worker's histogram does not
  context.metrics.observe = () => {};
  await task.put(chunk(1, 1));
  await task.flush();
  // generating the records is not timed (the reference reads them ready-made from a file)
  let ms = 0;
  let cpu = 0;
  const server0 = server.cpuSeconds();
  for (let i = 2; i <= ROWS; i += PUT) {
    const batch = chunk(i);
    if (generatorGarbage === 'before-put') minorGc();
    const t = performance.now();
    const c = ownCpu();
    await task.put(batch);
    cpu += ownCpu() - c;
    ms += performance.now() - t;
  }
  const t = performance.now();
  const c = ownCpu();
  await task.flush();
  cpu += ownCpu() - c;
  const serverCpu = server.cpuSeconds() - server0;
  const seconds = (ms + performance.now() - t) / 1000;
  await task.stop();
  const [{ n }] = await server.query<{ n: string }>(`SELECT count() AS n FROM ${database}.t`);
  if (Number(n) !== ROWS) throw new Error(`${label}: ${n} rows landed, not ${ROWS}`);
  figure(label, ROWS - 1, seconds, { client: cpu, server: serverCpu }, `; RSS ${rssMiB()} MiB, peak ${peakMiB().toFixed(0)} MiB`);
  return { wall: (ROWS - 1) / seconds, cpu: (ROWS - 1) / (cpu + serverCpu) };
}

/** The table the sink created, as a fresh copy for the reference inserts. */
async function referenceTable(): Promise<{ database: string; columns: Map<string, string> }> {
  const database = await server.createDatabase('ref');
  const { task } = await startSinkTask(server.url, database, { 'insert.mode': 'append' });
  await task.put(chunk(1, 1));
  await task.flush();
  await task.stop();
  await server.command(`TRUNCATE TABLE ${database}.t`);
  const cols = await server.query<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = '${database}' AND table = 't'`);
  return { database, columns: new Map(cols.map((c) => [c.name, c.type])) };
}

/** rows/s (wall, and per CPU-second: clickhouse-client's plus the server's) of one INSERT from a file */
function clientInsert(label: string, query: string, file: string): Rate {
  const started = performance.now();
  const client0 = childCpu();
  const server0 = server.cpuSeconds();
  const r = spawnSync('sh', ['-c', `${server.clientBinary} ${server.clientArgs().join(' ')} --query "${query}" < ${file}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${label}: ${r.stderr.toString()}`);
  const seconds = (performance.now() - started) / 1000;
  const cpu = { client: childCpu() - client0, server: server.cpuSeconds() - server0 };
  figure(label, ROWS, seconds, cpu);
  return { wall: ROWS / seconds, cpu: ROWS / (cpu.client + cpu.server) };
}

async function references(): Promise<{ rowBinary: Rate; json: Rate }> {
  const { database, columns } = await referenceTable();
  const first = rowChangeOf(chunk(1, 1)[0]);
  if (first.kind !== 'row') throw new Error('datagen made no row');
  const plan = buildPlan({ mode: 'append', schema: first.schema, keys: [], table: new Map([...columns].map(([n, t]) => [n, parseType(t)])), features: { version: '18.16.1', dateTime64: false, date32: false, bool: false, isDeleted: false } });
  const binFile = join(dir.path, 'rows.bin');
  const jsonFile = join(dir.path, 'rows.json');
  const bin = openSync(binFile, 'w');
  const jsonOut = openSync(jsonFile, 'w');
  const w = new RowBinaryWriter(4 * 1024 * 1024);
  for (let i = 1; i <= ROWS; i += PUT) {
    const json: string[] = [];
    for (const r of chunk(i)) {
    const change = rowChangeOf(r);
    if (change.kind !== 'row') continue;
    plan.write(w, { row: change.row, deleted: false, sourceTsMs: change.sourceTsMs, record: r });
    const row = change.row as { day: number; amount: string; created_at: string; active: boolean };
    // JSONEachRow wants dates as text, decimals unquoted, booleans as numbers (18.16)
      json.push(JSON.stringify({ ...row, day: daysToIsoDate(row.day), amount: 0, created_at: String(zonedTimestampToMicros(row.created_at)), active: row.active ? 1 : 0, _id: r.id, _source_ts_ms: change.sourceTsMs }).replace('"amount":0', `"amount":${row.amount}`) + '\n');
    }
    writeSync(bin, w.take());
    writeSync(jsonOut, json.join(''));
  }
  closeSync(bin);
  closeSync(jsonOut);
  const list = plan.columns.map((c) => `\\\`${c}\\\``).join(', ');
  // three times, the median for the ratios: on a shared machine one run can land in a neighbour's burst
  const runs: Rate[] = [];
  for (let n = 1; n <= 3; n++) {
    runs.push(clientInsert(`clickhouse-client RowBinary (${n} of 3)`, `INSERT INTO ${database}.t (${list}) FORMAT RowBinary`, binFile));
    await server.command(`TRUNCATE TABLE ${database}.t`);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[1];
  const rowBinary = { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
  console.log(`clickhouse-client RowBinary, median      ${Math.round(rowBinary.wall).toLocaleString('en-US').padStart(10)} rows/s wall  ${Math.round(rowBinary.cpu).toLocaleString('en-US').padStart(10)} rows per CPU-second (client + server)`);
  const jsonRate = clientInsert('clickhouse-client JSONEachRow', `INSERT INTO ${database}.t FORMAT JSONEachRow`, jsonFile);
  return { rowBinary, json: jsonRate };
}

/** datagen → in-memory bus → the ClickHouse sink in one embedded worker: the whole path of one task */
async function pipeline(): Promise<Rate> {
  resetPeak();
  const database = await server.createDatabase('pipeline');
  const worker = await startEmbeddedWorker({ workerProps: { 'offset.flush.interval.ms': '1000' } });
  const own0 = ownCpu();
  const server0 = server.cpuSeconds();
  const started = performance.now();
  await worker.herder.putConnectorConfig('ch', { 'connector.class': 'clickhouse', topics: 't', hostname: '127.0.0.1', port: String(server.httpPort), database, 'auto.create': 'true', 'insert.mode': 'append', 'linger.ms': '500' }, false);
  await worker.herder.putConnectorConfig('gen', { 'connector.class': 'datagen', topic: 't', ops: 'insert', 'max.records': String(ROWS) }, false);
  const count = async () => Number((await server.query<{ n: string }>(`SELECT count() AS n FROM ${database}.t`).catch(() => [{ n: '0' }]))[0].n);
  while ((await count()) < ROWS) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - started) / 1000;
  const cpu = { client: ownCpu() - own0, server: server.cpuSeconds() - server0 };
  await worker.stop();
  figure('datagen → bus → sink (embedded worker)', ROWS, seconds, cpu, `; worker: datagen + runtime + sink; RSS ${rssMiB()} MiB, peak ${peakMiB().toFixed(0)} MiB`);
  return { wall: ROWS / seconds, cpu: ROWS / (cpu.client + cpu.server) };
}

/** `rate` rows/s for `seconds`, each stamped with the time it is handed over; the sink's freshness samples. */
async function steady(rate: number, seconds: number): Promise<{ p50: number; p99: number; max: number; samples: number }> {
  resetPeak();
  const database = await server.createDatabase('steady');
  const { task, context } = await startSinkTask(server.url, database, { 'insert.mode': 'append', 'linger.ms': '200' });
  // the test kit's recorder copies its list per observation: collect freshness samples here instead
  const freshness: number[] = [];
  context.metrics.observe = (name, _help, value) => { if (name === 'clickhouse_sink_freshness_seconds') freshness.push(value); };
  const tickMs = 20;
  const perTick = Math.round((rate * tickMs) / 1000);
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < seconds * 1000) {
    const now = Date.now();
    const due = Math.floor(((now - started) / 1000) * rate);
    const batch: SinkRecord[] = [];
    const fresh = due > sent ? chunk(sent + 1, due - sent) : [];
    for (const r of fresh) {
      sent++;
      const v = r.value as { source: Record<string, unknown> };
      batch.push({ ...r, value: { ...(r.value as object), source: { ...v.source, ts_ms: now } } });
    }
    await task.put(batch);
    await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - now))));
  }
  await task.flush();
  await task.stop();
  void perTick;
  const samples = freshness.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] * 1000;
  return { p50: q(0.5), p99: q(0.99), max: samples[samples.length - 1] * 1000, samples: samples.length };
}

try {
  console.log(`ClickHouse ${(await server.query<{ v: string }>('SELECT version() AS v'))[0].v}, ${ROWS.toLocaleString('en-US')} datagen events (10 columns + _id, _source_ts_ms), node ${process.version}`);
  const ref = PHASES.has('reference') ? await references() : undefined;
  const plain = PHASES.has('sink') ? await sinkRun('sink, RowBinary, no compression', { compression: 'false' }) : undefined;
  const none = PHASES.has('sink-none') ? await sinkRun('sink, RowBinary, errors.tolerance=none', { compression: 'false' }, 'none') : undefined;
  const own = PHASES.has('sink-own') ? await sinkRun('sink, tolerance=none, generator GC apart', { compression: 'false' }, 'none', 'before-put') : undefined;
  const gzip = PHASES.has('gzip') ? await sinkRun('sink, RowBinary, gzip', { compression: 'true' }) : undefined;
  const whole = PHASES.has('pipeline') ? await pipeline() : undefined;
  // wall time says as much about the neighbours as about the sink on a shared machine; rows per
  // CPU-second much less
  const ratio = (label: string, a: Rate | undefined, b: Rate | undefined) => {
    if (a && b) console.log(`ratio ${label.padEnd(58)} ${(a.wall / b.wall).toFixed(2)} wall, ${(a.cpu / b.cpu).toFixed(2)} per CPU-second`);
  };
  ratio('sink, no compression / clickhouse-client RowBinary', plain, ref?.rowBinary);
  ratio('sink, errors.tolerance=none / clickhouse-client RowBinary', none, ref?.rowBinary);
  ratio('sink, generator GC apart / clickhouse-client RowBinary', own, ref?.rowBinary);
  ratio('sink, gzip / clickhouse-client RowBinary', gzip, ref?.rowBinary);
  ratio('datagen → sink pipeline / clickhouse-client RowBinary', whole, ref?.rowBinary);
  ratio('clickhouse-client JSONEachRow / RowBinary', ref?.json, ref?.rowBinary);
  console.log(`load average during the run: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${availableParallelism()} cores`);
  if (PHASES.has('steady')) {
    const s = await steady(50_000, 10);
    console.log(`steady 50 k rows/s for 10 s: source commit → insert acknowledged p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, max ${s.max.toFixed(0)} ms (${s.samples} samples), RSS ${rssMiB()} MiB, peak ${peakMiB().toFixed(0)} MiB`);
  }
} finally {
  await server.remove();
  dir.remove();
}
