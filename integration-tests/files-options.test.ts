import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { Schemas, padPosition, type SinkRecord } from '../plugins/api/index.js';
import { filesSinkSpec, type FilesSinkConfig } from '../connectors/sink/files/files-sink-config.js';
import { FilesSinkTask } from '../connectors/sink/files/files-sink-task.js';
import { expectedRows, waitFor } from '../connectors/sink/files/test/lake-expectations.js';
import { listFiles, readJsonLines } from '../connectors/sink/files/test/read-back.js';
import { datagenOptions, sinkContext } from '../connectors/sink/files/test/sink-fixtures.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { tempDir } from './harness/temp.js';

/**
 * Acceptance for the options around the main path: every Parquet codec, gzipped JSON, the
 * envelope layout and nested types read by DuckDB, and dead letters of the files sink landed by
 * the dlq sink, all through an embedded worker.
 */
const N = 1000;
let db: DuckDbReader;
before(async () => {
  db = await DuckDbReader.open();
});
after(() => db?.close());

async function pipeline(topic: string, sink: Record<string, string>, done: () => Promise<boolean> | boolean, extra: Record<string, string>[] = []): Promise<void> {
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '500' },
    connectors: [
      { name: `gen-${topic}`, 'connector.class': 'datagen', topic, 'max.records': String(N), ops: 'cdc', keys: '200', seed: '42', 'rows.per.second': '0' },
      { name: `lake-${topic}`, 'connector.class': 'files', topics: topic, 'flush.size': String(N), ...sink },
      ...extra,
    ],
  });
  try {
    await waitFor(`${topic} landed`, async () => ((await done()) ? true : undefined), 60_000);
  } finally {
    await worker.stop();
  }
}

for (const codec of ['snappy', 'zstd', 'gzip', 'none'] as const) {
  test(`parquet.codec=${codec}: DuckDB reads every row`, async () => {
    const dir = tempDir(`files-codec-${codec}`);
    const topic = `codec_${codec}`;
    await pipeline(topic, { 'store.url': `file://${dir.path}`, 'parquet.codec': codec }, () => listFiles(dir.path).length === 1);
    const [file] = listFiles(dir.path);
    const [meta] = await db.rows(`SELECT DISTINCT compression FROM parquet_metadata('${join(dir.path, file)}')`);
    assert.equal(String(meta.compression).toLowerCase(), codec === 'none' ? 'uncompressed' : codec);
    const rows = await db.rows(`SELECT __source_pos, amount::VARCHAR AS amount, name FROM read_parquet('${join(dir.path, file)}') ORDER BY __source_pos`);
    const expected = expectedRows(1, N, datagenOptions(topic, { keys: 200, seed: 42 }));
    assert.deepEqual(rows, expected.map((r) => ({ __source_pos: r.__source_pos, amount: r.amount, name: r.name })));
    dir.remove();
  });
}

test('json.compression=gzip: a .json.gz file DuckDB reads', async () => {
  const dir = tempDir('files-json-gz');
  await pipeline('gz', { 'store.url': `file://${dir.path}`, format: 'json', 'json.compression': 'gzip' }, () => listFiles(dir.path).length === 1);
  const [file] = listFiles(dir.path);
  assert.match(file, /\.json\.gz$/);
  assert.equal(Number(await db.scalar(`SELECT count(DISTINCT __source_pos) FROM read_json('${join(dir.path, file)}', format='newline_delimited')`)), N);
  dir.remove();
});

test('value.layout=envelope: before, after and source as Parquet structs', async () => {
  const dir = tempDir('files-envelope');
  const topic = 'env';
  await pipeline(topic, { 'store.url': `file://${dir.path}`, 'value.layout': 'envelope' }, () => listFiles(dir.path).length === 1);
  const [file] = listFiles(dir.path);
  const path = join(dir.path, file);
  const types = await db.columnTypes(`SELECT * FROM read_parquet('${path}')`);
  assert.match(types.after, /^STRUCT\(id BIGINT, seq BIGINT, "name" VARCHAR, amount DECIMAL\(12,2\), .*uid UUID, payload JSON\)$/);
  assert.match(types.source, /^STRUCT\(/);
  const rows = await db.rows(`SELECT op, (before).seq::VARCHAR AS before_seq, (after).seq::VARCHAR AS after_seq, (after).amount::VARCHAR AS amount, (source).ts_ms::VARCHAR AS ts, __source_pos FROM read_parquet('${path}') ORDER BY __source_pos`);
  const expected = expectedRows(1, N, datagenOptions(topic, { keys: 200, seed: 42 }));
  assert.equal(rows.length, N);
  rows.forEach((r, i) => {
    const e = expected[i];
    assert.equal(r.op, e.__op);
    assert.equal(r.__source_pos, e.__source_pos);
    assert.equal(r.ts, e.__source_ts_ms);
    if (e.__op === 'd') assert.deepEqual([r.before_seq, r.after_seq], [e.seq, null]);
    else assert.deepEqual([r.after_seq, r.amount], [e.seq, e.amount]);
  });
  dir.remove();
});

test('nested types: LIST, MAP, struct, int8/int16/float32, bytes, MicroTimestamp, MicroTime in Parquet', async () => {
  const dir = tempDir('files-nested');
  const schema = Schemas.struct([
    Schemas.field('id', Schemas.int32()),
    Schemas.field('tags', Schemas.array(Schemas.string(), { optional: true })),
    Schemas.field('attrs', Schemas.map(Schemas.string(), Schemas.int64({ optional: true }), { optional: true })),
    Schemas.field('point', Schemas.struct([Schemas.field('x', Schemas.float64()), Schemas.field('y', Schemas.float64())], { optional: true })),
    Schemas.field('small', Schemas.int8()),
    Schemas.field('medium', Schemas.int16()),
    Schemas.field('ratio', Schemas.float32()),
    Schemas.field('blob', Schemas.bytes({ optional: true })),
    Schemas.field('local_ts', Schemas.microTimestamp()),
    Schemas.field('at', Schemas.microTime()),
    Schemas.field('big', Schemas.decimal(30, 4)),
  ], { name: 'nested.Value' });
  const value = (i: number) => ({
    id: i, tags: i % 3 === 0 ? null : ['a', `t${i}`], attrs: i % 2 === 0 ? { k: BigInt(i) * 10_000_000_000n, z: null } : null,
    point: i === 2 ? null : { x: i + 0.5, y: -i }, small: -i, medium: 300 * i, ratio: 0.25, blob: i === 1 ? null : Buffer.from([i, 255]),
    local_ts: 1767225600123456n + BigInt(i), at: 3_600_000_001n, big: `-12345678901234567890123456.${String(i).padStart(4, '0')}`,
  });
  const records: SinkRecord[] = [1, 2, 3, 4].map((i) => ({
    topic: 'nested', partition: 0, offset: i, keySchema: null, key: null, valueSchema: schema, value: value(i), timestamp: 1767225600000 + i, position: padPosition(i), id: `nested:${i}`,
  }));
  const context = sinkContext<FilesSinkConfig>(filesSinkSpec, { topics: 'nested', 'store.url': `file://${dir.path}` });
  const task = new FilesSinkTask();
  await task.start(context);
  await task.put(records);
  await task.closeAll();
  await task.stop();
  const [file] = listFiles(dir.path);
  const path = join(dir.path, file);
  const types = await db.columnTypes(`SELECT * FROM read_parquet('${path}')`);
  assert.deepEqual(
    [types.tags, types.attrs, types.point, types.small, types.medium, types.ratio, types.blob, types.local_ts, types.at, types.big],
    ['VARCHAR[]', 'MAP(VARCHAR, BIGINT)', 'STRUCT(x DOUBLE, y DOUBLE)', 'TINYINT', 'SMALLINT', 'FLOAT', 'BLOB', 'TIMESTAMP', 'TIME', 'DECIMAL(30,4)'],
  );
  const rows = await db.rows(`SELECT id, tags, attrs['k']::VARCHAR AS k, point, small, medium, ratio, hex(blob) AS blob, local_ts::VARCHAR AS local_ts, "at"::VARCHAR AS "at", big::VARCHAR AS big FROM read_parquet('${path}') ORDER BY id`);
  assert.deepEqual(rows[0], { id: 1, tags: ['a', 't1'], k: null, point: { x: 1.5, y: -1 }, small: -1, medium: 300, ratio: 0.25, blob: null, local_ts: '2026-01-01 00:00:00.123457', at: '01:00:00.000001', big: '-12345678901234567890123456.0001' });
  assert.deepEqual([rows[1].k, rows[1].point, rows[1].blob, rows[2].tags], ['20000000000', null, '02FF', null]);
  dir.remove();
});

test('dead letters of the files sink land through the dlq sink with their error context', async () => {
  const dir = tempDir('files-dlq');
  const topic = 'withnulls';
  // score is null in about one row in ten: as the partition time it fails those records
  await pipeline(topic, {
    'store.url': `file://${dir.path}/lake`, format: 'json', partitioner: 'time', 'path.format': "'dt'=YYYY-MM-dd", 'timestamp.extractor': 'RecordField', 'timestamp.field': 'score',
    'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'lake-dlq', 'flush.size': '100000', 'rotate.interval.ms': '1000',
  }, () => listFiles(join(dir.path, 'dead')).length > 0 && listFiles(join(dir.path, 'lake')).length > 0, [
    { name: 'dead-letters', 'connector.class': 'dlq', topics: 'lake-dlq', 'store.url': `file://${dir.path}/dead`, 'rotate.interval.ms': '1000' },
  ]);
  const expected = expectedRows(1, N, datagenOptions(topic, { keys: 200, seed: 42 }));
  const nulls = expected.filter((r) => r.score === null).map((r) => r.__source_pos);
  const dead = listFiles(join(dir.path, 'dead')).flatMap((f) => readJsonLines(join(dir.path, 'dead', f)));
  assert.deepEqual(dead.map((d) => d.position).sort(), nulls);
  assert.ok(dead.every((d) => d.errors_topic === topic && d.errors_stage === 'TASK_PUT' && /score/.test(String(d.errors_message)) && d.errors_connector === `lake-${topic}`));
  assert.equal((dead[0].value as { source: { table: string } }).source.table, topic);
  const landed = Number(await db.scalar(`SELECT count(*) FROM read_json('${dir.path}/lake/**/*.json', format='newline_delimited')`));
  assert.equal(landed + dead.length, N);
  dir.remove();
});

test('rows unwrapped by ExtractNewRecordState keep their columns and gain __source_pos and __topic', async () => {
  const dir = tempDir('files-unwrap');
  const topic = 'unwrapped';
  await pipeline(topic, {
    'store.url': `file://${dir.path}`, transforms: 'unwrap', 'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.delete.handling.mode': 'rewrite', 'transforms.unwrap.add.fields': 'op,source.ts_ms',
  }, () => listFiles(dir.path).length === 1);
  const [file] = listFiles(dir.path);
  const path = join(dir.path, file);
  const columns = Object.keys(await db.columnTypes(`SELECT * FROM read_parquet('${path}', hive_partitioning = false)`));
  assert.deepEqual(columns, ['id', 'seq', 'name', 'amount', 'score', 'active', 'created_at', 'day', 'uid', 'payload', '__deleted', '__op', '__source_ts_ms', '__source_pos', '__topic']);
  const rows = await db.rows(`SELECT seq::VARCHAR AS seq, __op, __deleted::VARCHAR AS deleted, __source_pos FROM read_parquet('${path}') ORDER BY __source_pos`);
  const expected = expectedRows(1, N, datagenOptions(topic, { keys: 200, seed: 42 }));
  assert.deepEqual(rows, expected.map((e) => ({ seq: e.seq, __op: e.__op, deleted: String(e.__deleted), __source_pos: e.__source_pos })));
  dir.remove();
});
