import { readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DuckDBValue } from '@duckdb/node-api';
import { padPosition, Schemas, type SinkRecord } from '../plugins/api/index.js';
import { datagenRow, type DatagenOptions } from '../connectors/source/datagen/datagen-rows.js';
import { filesSinkSpec, type FilesSinkConfig } from '../connectors/sink/files/files-sink-config.js';
import { FilesSinkTask, formatFactory } from '../connectors/sink/files/files-sink-task.js';
import { metadataFields } from '../connectors/sink/files/row-shaper.js';
import { LocalStorage } from '../connectors/sink/files/storage/local-storage.js';
import { decimalToUnscaled, zonedTimestampToMicros } from '../connectors/sink/files/format/value-conversions.js';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { sinkContext } from '../connectors/sink/files/test/sink-fixtures.js';

/**
 * The files sink against DuckDB on the same rows: datagen rows with 8 columns (id, seq, name,
 * amount, score, active, created_at, uid), already unwrapped, so the sink writes those plus its
 * `__source_pos` and `__topic`; DuckDB gets the same 10 columns through its appender from
 * JavaScript and writes them with COPY ... TO. Generating rows is not timed on either side (and
 * its garbage is collected before each timed batch); converting them (decimal text, timestamps,
 * UUIDs) is, on both.
 *
 * Run: node --import tsx bench/files-parquet.ts [rows]   (also files-json.ts, files-csv.ts);
 *   env SINK_CONFIG adds sink properties (JSON object)
 */
export type BenchFormat = 'parquet' | 'json' | 'csv';

/** env SINK_CONFIG: a JSON object of files sink properties to add, e.g. '{"format.encoder.thread":"false"}' */
const sinkExtra = JSON.parse(process.env.SINK_CONFIG ?? '{}') as Record<string, string>;

const BATCH = 10_000;
const CHUNK = 2048;
const WARM_UP = 30_000;
const options: DatagenOptions = { topic: 'bench', keys: 1, ops: 'insert', seed: 7, tsStartMs: 1767225600000, tsStepMs: 1 };
const rowSchema = Schemas.struct(
  [
    Schemas.field('id', Schemas.int64()),
    Schemas.field('seq', Schemas.int64()),
    Schemas.field('name', Schemas.string()),
    Schemas.field('amount', Schemas.decimal(12, 2)),
    Schemas.field('score', Schemas.float64({ optional: true })),
    Schemas.field('active', Schemas.boolean()),
    Schemas.field('created_at', Schemas.zonedTimestamp()),
    Schemas.field('uid', Schemas.uuid()),
  ],
  { name: 'bench.Value' },
);

interface Row { id: number; seq: number; name: string; amount: string; score: number | null; active: boolean; created_at: string; uid: string }

function rows(from: number, count: number): Row[] {
  const out: Row[] = [];
  for (let seq = from; seq < from + count; seq++) {
    const r = datagenRow(seq, seq, options);
    out.push({ id: r.id, seq: r.seq, name: r.name, amount: r.amount, score: r.score, active: r.active, created_at: r.created_at, uid: r.uid });
  }
  return out;
}

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

/**
 * Collects the garbage of generating a batch before the timed part starts, so that neither side
 * pays for the generator's allocations inside its measurement.
 */
function settle(): void {
  gc({ type: 'minor' });
}

function records(batch: Row[]): SinkRecord[] {
  return batch.map((value) => {
    const position = padPosition(value.seq);
    return { topic: 'bench', partition: 0, offset: value.seq - 1, keySchema: null, key: null, valueSchema: rowSchema, value, timestamp: options.tsStartMs + value.seq, position, id: `bench:${position}` };
  });
}

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

async function sinkRun(format: BenchFormat, total: number, dir: string): Promise<{ ms: number; bytes: number; files: number }> {
  const context = sinkContext<FilesSinkConfig>(filesSinkSpec, { topics: 'bench', 'store.url': `file://${dir}`, format, 'rotate.interval.ms': '0', ...sinkExtra }, 'bench');
  const task = new FilesSinkTask();
  await task.start(context);
  let ms = 0;
  for (let from = 1; from <= total; from += BATCH) {
    const batch = records(rows(from, Math.min(BATCH, total - from + 1)));
    settle();
    const t = performance.now();
    await task.put(batch);
    ms += performance.now() - t;
  }
  const t = performance.now();
  await task.closeAll();
  ms += performance.now() - t;
  await task.stop();
  const files = listFiles(dir);
  return { ms, bytes: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0), files: files.length };
}

async function duckdbRun(format: BenchFormat, total: number, path: string): Promise<{ ms: number; bytes: number }> {
  // imported here so that the sink's peak RSS, measured before, does not include DuckDB's library
  const { BIGINT, BOOLEAN, DECIMAL, DOUBLE, DuckDBDataChunk, DuckDBInstance, TIMESTAMPTZ, UUID, VARCHAR, decimalValue, timestampTZValue, uuidValue } = await import('@duckdb/node-api');
  const TYPES = [BIGINT, BIGINT, VARCHAR, DECIMAL(12, 2), DOUBLE, BOOLEAN, TIMESTAMPTZ, UUID, VARCHAR, VARCHAR];
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(`CREATE TABLE bench (id BIGINT, seq BIGINT, name VARCHAR, amount DECIMAL(12,2), score DOUBLE, active BOOLEAN, created_at TIMESTAMPTZ, uid UUID, __source_pos VARCHAR, __topic VARCHAR)`);
  const appender = await db.createAppender('bench');
  let ms = 0;
  for (let from = 1; from <= total; from += BATCH) {
    const batch = rows(from, Math.min(BATCH, total - from + 1));
    settle();
    const t = performance.now();
    // DuckDB's fastest path from JavaScript: whole columns into data chunks of 2048 rows
    for (let start = 0; start < batch.length; start += CHUNK) {
      const part = batch.slice(start, start + CHUNK);
      const columns: DuckDBValue[][] = [
        part.map((r) => BigInt(r.id)),
        part.map((r) => BigInt(r.seq)),
        part.map((r) => r.name),
        part.map((r) => decimalValue(decimalToUnscaled(r.amount, 2), 12, 2)),
        part.map((r) => r.score),
        part.map((r) => r.active),
        part.map((r) => timestampTZValue(zonedTimestampToMicros(r.created_at))),
        part.map((r) => uuidValue(BigInt('0x' + r.uid.replace(/-/g, '')))),
        part.map((r) => padPosition(r.seq)),
        part.map(() => 'bench'),
      ];
      const chunk = DuckDBDataChunk.create(TYPES, part.length);
      chunk.setColumns(columns);
      appender.appendDataChunk(chunk);
    }
    ms += performance.now() - t;
  }
  const t = performance.now();
  appender.flushSync();
  appender.closeSync();
  const options = format === 'parquet' ? "FORMAT PARQUET, COMPRESSION 'snappy'" : format === 'json' ? 'FORMAT JSON' : 'FORMAT CSV, HEADER';
  await db.run(`COPY bench TO '${path}' (${options})`);
  ms += performance.now() - t;
  db.closeSync();
  instance.closeSync();
  return { ms, bytes: statSync(path).size };
}

/** The record writer alone (no task, shaper, partitioner or committer): the sink's own overhead is the difference. */
async function writerRun(format: BenchFormat, total: number, dir: string): Promise<{ ms: number }> {
  const context = sinkContext<FilesSinkConfig>(filesSinkSpec, { topics: 'bench', 'store.url': `file://${dir}`, format, ...sinkExtra }, 'bench');
  const storage = new LocalStorage(dir, 'bench', { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 });
  await storage.start();
  const out = await storage.create(`bare.${format}`);
  const schema = Schemas.struct([...rowSchema.fields!, metadataFields.position, metadataFields.topic]);
  const writer = formatFactory(context.config).open(out, schema);
  let ms = 0;
  for (let from = 1; from <= total; from += BATCH) {
    const batch = rows(from, Math.min(BATCH, total - from + 1));
    settle();
    const t = performance.now();
    for (const r of batch) {
      const pending = writer.write([r.id, r.seq, r.name, r.amount, r.score, r.active, r.created_at, r.uid, padPosition(r.seq), 'bench']);
      if (pending) await pending;
    }
    ms += performance.now() - t;
  }
  const t = performance.now();
  await writer.finish();
  await out.commit();
  ms += performance.now() - t;
  return { ms };
}

export async function runFilesBench(format: BenchFormat): Promise<void> {
  // the worker runs with this young generation (bin/tributary.js); measure the sink as it runs there
  if (!/max-semi-space-size/.test(process.env.NODE_OPTIONS ?? '')) v8.setFlagsFromString('--max-semi-space-size=32');
  const total = Number(process.argv[2] ?? 2_000_000);
  const dir = join(tmpdir(), `tributary-bench-${format}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  // warm-ups, so both sides are measured with their code compiled
  await sinkRun(format, WARM_UP, join(dir, 'warm-sink'));
  await writerRun(format, WARM_UP, join(dir, 'warm-bare'));
  const sink = await sinkRun(format, total, join(dir, 'sink'));
  const sinkRss = peakRssMiB();
  const bare = await writerRun(format, total, join(dir, 'bare'));
  await duckdbRun(format, WARM_UP, join(dir, `warm.${format}`));
  const duck = await duckdbRun(format, total, join(dir, `duckdb.${format}`));
  const sinkRate = total / (sink.ms / 1000);
  const duckRate = total / (duck.ms / 1000);
  const mb = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);
  console.log(`files sink → ${format}, ${total.toLocaleString('en-US')} rows × 8 columns (+ __source_pos, __topic), local disk`);
  console.log(`  sink:   ${Math.round(sinkRate).toLocaleString('en-US')} rows/s, ${mb(sink.bytes, sink.ms)} MB/s, ${(sink.bytes / 1e6).toFixed(1)} MB in ${sink.files} file(s), ${(sink.ms / 1000).toFixed(2)} s, peak RSS ${sinkRss.toFixed(0)} MiB (whole bench process so far, row generation included)`);
  console.log(`  duckdb: ${Math.round(duckRate).toLocaleString('en-US')} rows/s, ${mb(duck.bytes, duck.ms)} MB/s, ${(duck.bytes / 1e6).toFixed(1)} MB (appender + COPY ... (${format.toUpperCase()})), ${(duck.ms / 1000).toFixed(2)} s`);
  console.log(`  record writer alone: ${Math.round(total / (bare.ms / 1000)).toLocaleString('en-US')} rows/s (the sink's own layers cost ${(100 * (1 - bare.ms / sink.ms)).toFixed(0)}% of its time)`);
  console.log(`  ratio sink/duckdb: ${(sinkRate / duckRate).toFixed(2)} (goal ≥ 0.8, issue 17)`);
  rmSync(dir, { recursive: true, force: true });
}
