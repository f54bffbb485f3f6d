import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { parseConfig } from '../plugins/api/index.js';
import files from '../connectors/sink/files/index.js';
import { filesSinkSpec } from '../connectors/sink/files/files-sink-config.js';
import { datagenOptions } from '../connectors/sink/files/test/sink-fixtures.js';
import { expectedRows, landedRowsQuery, readerFor, waitFor } from '../connectors/sink/files/test/lake-expectations.js';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { useLakeServices } from './harness/lake-services.js';
import { tempDir } from './harness/temp.js';

/**
 * Acceptance: datagen (cdc mix of inserts, updates and deletes) → files sink → every format on
 * local disk and on S3 (s3rver); DuckDB reads every file, the row count and every value equal
 * what datagen sent, and Parquet columns carry exact logical types.
 */
const N = 3000;
const FLUSH = 1000;
const formats = ['parquet', 'json', 'csv'] as const;

const lake = useLakeServices();

async function runPipeline(topic: string, sink: Record<string, string>): Promise<void> {
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '500' },
    connectors: [
      { name: `gen-${topic}`, 'connector.class': 'datagen', topic, 'max.records': String(N), ops: 'cdc', keys: '200', seed: '42', 'rows.per.second': '0' },
      { name: `lake-${topic}`, 'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: topic, 'flush.size': String(FLUSH), ...sink },
    ],
  });
  try {
    await waitFor('files to land', async () => ((await landedCount(sink, topic)) >= N / FLUSH ? true : undefined), 90_000);
  } finally {
    await worker.stop();
  }
}

async function landedCount(sink: Record<string, string>, topic: string): Promise<number> {
  if (sink['store.url'].startsWith('file://')) return listFiles(join(new URL(sink['store.url']).pathname, 'topics', topic)).length;
  const bucket = new URL(sink['store.url']).host;
  return (await lake.s3.list(bucket, `topics/${topic}/`)).length;
}

for (const where of ['local', 's3'] as const) {
  describe(`datagen → files sink → ${where}`, () => {
    for (const format of formats) {
      test(`${format}: DuckDB reads every file; every value equals what was sent`, async () => {
        const topic = `orders_${format}_${where}`;
        const dir = tempDir(`files-${format}-${where}`);
        let sink: Record<string, string>;
        let readDir: string;
        if (where === 'local') {
          sink = { 'store.url': `file://${dir.path}/lake`, format };
          readDir = join(dir.path, 'lake', 'topics');
        } else {
          const bucket = `lake-${format}`;
          await lake.s3.createBucket(bucket);
          sink = { ...lake.s3.sinkProperties(bucket), format, 's3.part.size': String(5 * 1024 * 1024) };
          readDir = join(dir.path, 'download');
        }
        await runPipeline(topic, sink);
        if (where === 's3') {
          const keys = await lake.s3.download(new URL(sink['store.url']).host, 'topics/', readDir);
          assert.equal(keys.length, N / FLUSH);
        } else {
          assert.ok(!existsSync(join(dir.path, 'lake', '.tributary-tmp')) || readdirSync(join(dir.path, 'lake', '.tributary-tmp', `lake-${topic}-0`)).length === 0);
        }
        const names = listFiles(readDir);
        assert.equal(names.length, N / FLUSH);
        assert.deepEqual(names.map((n) => n.split('/').pop()), [1, 1001, 2001].map((s) => `${topic}+0+${String(s).padStart(20, '0')}+${1767225600000 + s}.${format}`));

        const landed = await lake.db.rows(landedRowsQuery(format, readDir));
        const expected = expectedRows(1, N, datagenOptions(topic, { keys: 200, seed: 42 }));
        assert.equal(landed.length, N);
        assert.deepEqual(landed, expected);
        assert.ok(expected.some((r) => r.__op === 'd') && expected.some((r) => r.__op === 'u') && expected.some((r) => r.score === null));

        if (format === 'parquet') {
          const types = await lake.db.columnTypes(`SELECT * FROM ${readerFor('parquet', readDir)}`);
          assert.equal(types.amount, 'DECIMAL(12,2)');
          assert.equal(types.created_at, 'TIMESTAMP WITH TIME ZONE');
          assert.equal(types.day, 'DATE');
          assert.equal(types.uid, 'UUID');
          assert.equal(types.payload, 'JSON');
          assert.equal(types.seq, 'BIGINT');
          assert.equal(types.score, 'DOUBLE');
          assert.equal(types.__deleted, 'BOOLEAN');
          // the instant, not a wall-clock reading: the same whatever the session zone
          await lake.db.rows(`SET TimeZone = 'Asia/Tokyo'`);
          const first = await lake.db.rows(`SELECT epoch_ms(created_at)::VARCHAR ms, strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%g') utc FROM ${readerFor('parquet', readDir)} WHERE __source_pos = '00000000000000000001'`);
          assert.deepEqual(first, [{ ms: '1767225600001', utc: '2026-01-01T00:00:00.001' }]);
          await lake.db.rows(`SET TimeZone = 'UTC'`);
        }
        dir.remove();
      });
    }
  });
}

test('CSV: commas, quotes, newlines and unicode read back exactly in DuckDB', async () => {
  const dir = tempDir('files-csv-text');
  const topic = 'texts';
  await runPipeline(topic, { 'store.url': `file://${dir.path}/lake`, format: 'csv' });
  const rows = await lake.db.rows(`SELECT name, payload FROM read_csv('${dir.path}/lake/topics/**/*.csv', header=true, all_varchar=true, allow_quoted_nulls=false) ORDER BY __source_pos`);
  const expected = expectedRows(1, N, datagenOptions(topic, { keys: 200, seed: 42 })).map((r) => ({ name: r.name, payload: r.payload }));
  assert.deepEqual(rows, expected);
  for (const tricky of [',', '"', '\n', 'é', '日本語', '🚀']) assert.ok(expected.some((r) => r.name.includes(tricky)), `datagen sends ${JSON.stringify(tricky)}`);
  dir.remove();
});

test('validate: a missing bucket is refused, an existing one accepted', async () => {
  const config = (bucket: string) => parseConfig(filesSinkSpec, { topics: 't', ...lake.s3.sinkProperties(bucket) }).value as never;
  assert.match((await files.validate!(config('no-such-bucket'), {}))['store.url'][0], /does not exist/);
  await lake.s3.createBucket('validated');
  assert.deepEqual(await files.validate!(config('validated'), {}), {});
});
