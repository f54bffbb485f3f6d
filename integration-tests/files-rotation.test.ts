import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { waitFor } from '../connectors/sink/files/test/lake-expectations.js';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { tempDir } from './harness/temp.js';

/**
 * Acceptance: rotation by record count, record time, size and wall clock each produce the
 * expected files, names sort in position order, and the time partition path is right in a
 * non-UTC zone. Each test runs datagen → files sink in an embedded worker on its own directory.
 */
let db: DuckDbReader;
before(async () => {
  db = await DuckDbReader.open();
});
after(() => db?.close());

interface Run {
  root: string;
  files: string[];
  remove(): void;
}

async function land(name: string, records: number, gen: Record<string, string>, sink: Record<string, string>, expectFiles: (files: string[]) => boolean): Promise<Run> {
  const dir = tempDir(`files-rot-${name}`);
  const root = join(dir.path, 'lake');
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '500' },
    connectors: [
      { name: `gen-${name}`, 'connector.class': 'datagen', topic: name, 'max.records': String(records), ops: 'insert', 'rows.per.second': '0', ...gen },
      { name: `lake-${name}`, 'connector.class': 'files', topics: name, 'store.url': `file://${root}`, 'rotate.interval.ms': '0', ...sink },
    ],
  });
  try {
    // every test's last file closes by a rule of its own; done when the rows are all there
    await waitFor(`${records} rows of ${name}`, async () => {
      const files = listFiles(root);
      if (files.length === 0 || !expectFiles(files)) return undefined;
      return (await count(root, sink.format ?? 'parquet')) === records ? true : undefined;
    }, 90_000);
  } finally {
    await worker.stop();
  }
  return { root, files: listFiles(root), remove: () => dir.remove() };
}

async function count(root: string, format: string): Promise<number> {
  const reader = format === 'json' ? `read_json('${root}/**/*.json', format='newline_delimited')` : `read_parquet('${root}/**/*.parquet')`;
  return Number(await db.scalar(`SELECT count(DISTINCT __source_pos) FROM ${reader}`));
}

async function rowsPerFile(root: string, format = 'parquet'): Promise<{ file: string; n: number; first: string; last: string }[]> {
  const reader = format === 'json' ? `read_json('${root}/**/*.json', format='newline_delimited', filename=true)` : `read_parquet('${root}/**/*.parquet', filename=true)`;
  const rows = await db.rows(`SELECT filename AS file, count(*)::INTEGER AS n, min(__source_pos) AS first, max(__source_pos) AS last FROM ${reader} GROUP BY filename ORDER BY filename`);
  return rows.map((r) => ({ file: String(r.file).slice(root.length + 1), n: Number(r.n), first: String(r.first), last: String(r.last) }));
}

function assertSortedAndDisjoint(perFile: { file: string; first: string; last: string }[]): void {
  const names = perFile.map((f) => f.file);
  assert.deepEqual([...names].sort(), names);
  for (let i = 1; i < perFile.length; i++) assert.ok(perFile[i - 1].last < perFile[i].first, `${perFile[i - 1].file} overlaps ${perFile[i].file}`);
  for (const f of perFile) assert.ok(f.file.includes(`+${f.first}+`), `${f.file} is named after its first position ${f.first}`);
}

test('flush.size: files of exactly that many records, named in position order', async () => {
  const run = await land('count', 2500, {}, { 'flush.size': '500', 'rotate.interval.ms': '60000' }, (f) => f.length >= 5);
  const perFile = await rowsPerFile(run.root);
  assert.deepEqual(perFile.map((f) => f.n), [500, 500, 500, 500, 500]);
  assertSortedAndDisjoint(perFile);
  run.remove();
});

test('rotate.interval.ms on record time: one file per interval of source time', async () => {
  // one record per source second: 60 records per minute-long file; the last closes when idle
  const run = await land('interval', 600, { 'ts.step.ms': '1000' }, { 'rotate.interval.ms': '60000' }, (f) => f.length >= 10);
  const perFile = await rowsPerFile(run.root);
  assert.deepEqual(perFile.map((f) => f.n), Array(10).fill(60));
  assert.deepEqual(perFile.map((f) => f.first), Array.from({ length: 10 }, (_, i) => String(i * 60 + 1).padStart(20, '0')));
  assert.match(perFile[1].file, /\+00000000000000000061\+1767225661000\.parquet$/);
  assertSortedAndDisjoint(perFile);
  run.remove();
});

test('rotate.size.bytes: each file closes once it passes the size', async () => {
  const limit = 1_000_000;
  const run = await land('size', 20_000, {}, { format: 'json', 'rotate.size.bytes': String(limit), 'rotate.interval.ms': '3600000' }, (f) => f.length >= 2);
  const perFile = await rowsPerFile(run.root, 'json');
  assert.ok(perFile.length >= 4, `${perFile.length} files`);
  for (const f of perFile.slice(0, -1)) {
    const size = statSync(join(run.root, f.file)).size;
    // the size is checked after each record, once the buffered text is counted: it overshoots by less than a chunk
    assert.ok(size >= limit && size < limit + (1 << 20) + 4096, `${f.file}: ${size} bytes`);
  }
  assert.equal(perFile.reduce((n, f) => n + f.n, 0), 20_000);
  assertSortedAndDisjoint(perFile);
  run.remove();
});

test('rotate.schedule.interval.ms: files close on wall-clock boundaries while data flows', async () => {
  const started = Date.now();
  const run = await land('schedule', 5000, { 'rows.per.second': '2000' }, { 'rotate.schedule.interval.ms': '1000' }, (f) => f.length >= 3);
  const perFile = await rowsPerFile(run.root);
  const seconds = (Date.now() - started) / 1000;
  assert.ok(perFile.length >= 3 && perFile.length <= Math.ceil(seconds) + 2, `${perFile.length} files in ${seconds} s`);
  assert.equal(perFile.reduce((n, f) => n + f.n, 0), 5000);
  assertSortedAndDisjoint(perFile);
  run.remove();
});

test('time partitioner: path.format in a non-UTC zone', async () => {
  // one record per source minute from 2026-01-01T00:01Z: 05:31 to 09:30 in India (UTC+05:30)
  const run = await land('zoned', 240, { 'ts.step.ms': '60000' }, {
    partitioner: 'time', 'path.format': "'dt'=YYYY-MM-DD/'hr'=HH", timezone: 'Asia/Kolkata', 'partition.duration.ms': '3600000', 'rotate.interval.ms': '3600000',
  }, (f) => f.length >= 5);
  assert.deepEqual([...new Set(run.files.map((f) => f.split('/').slice(2, 4).join('/')))], ['dt=2026-01-01/hr=05', 'dt=2026-01-01/hr=06', 'dt=2026-01-01/hr=07', 'dt=2026-01-01/hr=08', 'dt=2026-01-01/hr=09']);
  const mismatched = await db.scalar(`
    SELECT count(*) FROM read_parquet('${run.root}/**/*.parquet', filename=true)
    WHERE filename NOT LIKE '%/' || strftime(created_at AT TIME ZONE 'Asia/Kolkata', 'dt=%Y-%m-%d/hr=%H') || '/%'`);
  assert.equal(Number(mismatched), 0);
  assert.equal(await count(run.root, 'parquet'), 240);
  run.remove();
});
