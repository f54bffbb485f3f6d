import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { LogicalName, Schemas, type Schema } from '../plugins/api/index.js';
import { EncoderThreadClient, PARQUET_THREAD_LIMITS } from '../connectors/sink/files/format/offload/encoder-thread-client.js';
import { OffloadedParquetWriter } from '../connectors/sink/files/format/offload/offloaded-parquet-writer.js';
import { parquetWriterFactory, type ParquetCodec, type ParquetOptions } from '../connectors/sink/files/format/parquet-record-writer.js';
import { ColumnarRecordWriter, PAGE_BYTES } from '../connectors/sink/files/format/parquet/columnar-record-writer.js';
import type { RecordWriter } from '../connectors/sink/files/format/record-writer.js';
import { LocalStorage } from '../connectors/sink/files/storage/local-storage.js';
import type { OutputFile } from '../connectors/sink/files/storage/storage.js';
import { gunzipSync } from 'node:zlib';
import { Decompressor } from 'zstd-napi';
import { readParquet } from '../connectors/sink/files/test/read-back.js';
import { tempDir } from './harness/temp.js';

/**
 * Tributary's columnar Parquet encoder against hyparquet-writer, file for file: the same rows go
 * through both (`parquet.encoder=hyparquet` and `tributary`, on the task's thread and in the
 * encoder thread), and hyparquet and DuckDB must read the same values, the same column types and
 * the same footer schema from both — every scalar type the files sink writes, with nulls, empty
 * and long strings (pages of their own), extremes (±infinity timestamps, int64 limits), one and
 * many row groups, every codec.
 */
const named = (type: Schema['type'], name: string, optional = true): Schema => ({ type, name, optional });

const schema: Schema = Schemas.struct([
  Schemas.field('i8', Schemas.int8({ optional: true })),
  Schemas.field('i16', Schemas.int16({ optional: true })),
  Schemas.field('i32', Schemas.int32({ optional: true })),
  Schemas.field('i64', Schemas.int64()),
  Schemas.field('i64n', Schemas.int64({ optional: true })),
  Schemas.field('f32', Schemas.float32({ optional: true })),
  Schemas.field('f64', Schemas.float64({ optional: true })),
  Schemas.field('flag', Schemas.boolean({ optional: true })),
  Schemas.field('req_flag', Schemas.boolean()),
  Schemas.field('text', Schemas.string({ optional: true })),
  Schemas.field('req_text', Schemas.string()),
  Schemas.field('blob', Schemas.bytes({ optional: true })),
  Schemas.field('dec9', Schemas.decimal(9, 3, { optional: true })),
  Schemas.field('dec18', Schemas.decimal(18, 4)),
  Schemas.field('day', Schemas.date({ optional: true })),
  Schemas.field('cday', named('int32', LogicalName.ConnectDate)),
  Schemas.field('utime', Schemas.microTime({ optional: true })),
  Schemas.field('ntime', named('int64', 'io.debezium.time.NanoTime')),
  Schemas.field('mtime', named('int32', 'io.debezium.time.Time')),
  Schemas.field('ctime', named('int32', LogicalName.ConnectTime)),
  Schemas.field('uts', Schemas.microTimestamp({ optional: true })),
  Schemas.field('mts', named('int64', 'io.debezium.time.Timestamp')),
  Schemas.field('cts', named('int64', LogicalName.ConnectTimestamp)),
  Schemas.field('nts', named('int64', 'io.debezium.time.NanoTimestamp')),
  Schemas.field('zts', Schemas.zonedTimestamp({ optional: true })),
  Schemas.field('vsd', named('struct', 'io.debezium.data.VariableScaleDecimal')),
  Schemas.field('doc', Schemas.json({ optional: true })),
  Schemas.field('uid', Schemas.uuid({ optional: true })),
  Schemas.field('req_uid', Schemas.uuid({ optional: false })),
]);

const INT64_MAX = 9_223_372_036_854_775_807n;
const DEBEZIUM_INFINITY_MICROS = 9_223_372_036_825_200_000n;

function uuid(i: number): string {
  const hex = (i * 2654435761 >>> 0).toString(16).padStart(8, '0');
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(5, 8)}-${hex}${hex.slice(0, 4)}`;
}

/** row i; `long` puts a 300 kB string in every 97th row, so text spans pages of its own */
function row(i: number, long = false): unknown[] {
  const nul = (k: number) => i % k === 0;
  const sign = i % 2 === 0 ? 1 : -1;
  return [
    nul(7) ? null : sign * (i % 128 === 0 ? 127 : i % 100),
    nul(6) ? null : sign * ((i * 37) % 32768),
    nul(5) ? null : i % 50 === 1 ? -2147483648 : sign * i * 1009,
    i % 40 === 3 ? INT64_MAX : i % 40 === 4 ? -INT64_MAX - 1n : sign * i * 1_000_003,
    nul(4) ? null : i % 3 === 0 ? (1n << 60n) + BigInt(i) : sign * i,
    nul(9) ? null : i % 17 === 0 ? Number.NaN : sign * i * 0.25,
    nul(8) ? null : i % 19 === 0 ? -0 : i % 23 === 0 ? Number.POSITIVE_INFINITY : sign * i / 7,
    nul(3) ? null : i % 2 === 0,
    i % 5 < 2,
    nul(11) ? null : i % 10 === 0 ? '' : long && i % 97 === 0 ? 'ü'.repeat(150_000) : `text ${i} ü€𝄞`,
    i % 13 === 0 ? '' : `r${i}`,
    nul(12) ? null : i % 24 === 1 ? new Uint8Array(0) : new Uint8Array([i & 255, 0, 255, (i >> 8) & 255]),
    nul(10) ? null : `${sign < 0 ? '-' : ''}${i % 999_999}.${String(i % 1000).padStart(3, '0')}`,
    `${sign < 0 ? '-' : ''}${i * 12_345}.${String(i % 10_000).padStart(4, '0')}`,
    nul(14) ? null : i % 30 === 0 ? 2_147_483_647 : sign * i,
    i * 3,
    nul(15) ? null : i % 29 === 0 ? 86_400_000_000 : (i * 1_000_001) % 86_400_000_000,
    (i * 1_000_000_007) % 86_400_000_000_000,
    (i * 1_001) % 86_400_000,
    (i * 997) % 86_400_000,
    nul(16) ? null : i % 31 === 0 ? DEBEZIUM_INFINITY_MICROS : BigInt(sign * i) * 1_000_000_123n,
    1_767_225_600_000 + sign * i * 1000,
    1_767_225_600_000 + i,
    BigInt(1_767_225_600_000 + i) * 1_000_000n + BigInt(i),
    nul(18) ? null : i % 37 === 0 ? 'infinity' : i % 41 === 0 ? '-infinity' : new Date(1_767_225_600_000 + sign * i * 1001).toISOString().replace('Z', '123Z'),
    { scale: i % 5, value: new Uint8Array([sign < 0 ? 0xff : 0, i & 255, 7]) },
    nul(20) ? null : JSON.stringify({ i, s: 'x"y', a: [1, null] }),
    nul(21) ? null : uuid(i),
    uuid(i + 1),
  ];
}

async function writeFile(dir: string, name: string, open: (out: OutputFile) => RecordWriter, rows: number, long = false): Promise<string> {
  const storage = new LocalStorage(dir, 'test', { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 });
  await storage.start();
  const out = await storage.create(name);
  const writer = open(out);
  for (let i = 1; i <= rows; i++) {
    const pending = writer.write(row(i, long));
    if (pending) await pending;
  }
  await writer.finish();
  await out.commit();
  return join(dir, name);
}

/** hyparquet reads snappy itself; gzip and zstd through these */
const compressors = {
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
  ZSTD: (input: Uint8Array) => new Uint8Array(new Decompressor().decompress(Buffer.from(input))),
};

/** a hyparquet row with Dates as text ("Invalid Date" for the instants a JS Date cannot hold), so failures print */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? (Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()) : v;
  return out;
}

let db: DuckDBConnection;
let instance: DuckDBInstance;
before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
});
after(() => {
  db.closeSync();
  instance.closeSync();
});

async function duck(sql: string): Promise<unknown[]> {
  return (await db.runAndReadAll(sql)).getRowsJson();
}

/** what a reader sees of a file: hyparquet's rows and schema, DuckDB's rows and column types, the row groups */
async function readAll(path: string) {
  const meta = await parquetMetadataAsync(await asyncBufferFromFile(path));
  return {
    rows: (await readParquet(path, compressors)).map(plain),
    schema: meta.schema,
    kv: meta.key_value_metadata,
    rowGroups: meta.row_groups.map((g) => Number(g.num_rows)),
    duckRows: await duck(`SELECT * FROM '${path}'`),
    duckTypes: await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${path}')`),
  };
}

async function assertSameFiles(reference: string, ours: string): Promise<void> {
  const [a, b] = [await readAll(reference), await readAll(ours)];
  assert.deepEqual(b.schema, a.schema, 'footer schema');
  assert.deepEqual(b.kv, a.kv, 'key-value metadata');
  assert.deepEqual(b.duckTypes, a.duckTypes, 'DuckDB column types');
  assert.deepEqual(b.rowGroups, a.rowGroups, 'row groups');
  assert.equal(b.rows.length, a.rows.length);
  for (let i = 0; i < a.rows.length; i++) assert.deepEqual(b.rows[i], a.rows[i], `hyparquet row ${i + 1}`);
  for (let i = 0; i < a.duckRows.length; i++) assert.deepEqual(b.duckRows[i], a.duckRows[i], `DuckDB row ${i + 1}`);
}

const base = (codec: ParquetCodec, rowGroupRows?: number): Omit<ParquetOptions, 'encoder'> => ({ codec, createdBy: 'test', ...(rowGroupRows ? { rowGroupRows } : {}) });

describe('columnar Parquet encoder: the same files as hyparquet-writer, read by hyparquet and DuckDB', () => {
  for (const codec of ['snappy', 'zstd', 'gzip', 'none'] as const) {
    test(`${codec}: every type, nulls, extremes, 3 row groups, on the task's thread and in the encoder thread`, async () => {
      const dir = tempDir(`columnar-${codec}`);
      const client = new EncoderThreadClient(PARQUET_THREAD_LIMITS);
      try {
        const options = base(codec, 1500);
        let ours: RecordWriter | undefined;
        const reference = await writeFile(dir.path, 'hyparquet.parquet', (out) => parquetWriterFactory({ ...options, encoder: 'hyparquet' }).open(out, schema, { keyFields: ['i64'] }), 4000);
        const columnar = await writeFile(dir.path, 'tributary.parquet', (out) => (ours = parquetWriterFactory({ ...options, encoder: 'tributary' }).open(out, schema, { keyFields: ['i64'] })), 4000);
        assert.ok(ours instanceof ColumnarRecordWriter, 'the columnar encoder wrote the file');
        await assertSameFiles(reference, columnar);
        const threaded = await writeFile(dir.path, 'thread.parquet', (out) => new OffloadedParquetWriter(client, out, schema, { ...options, encoder: 'tributary' }, { keyFields: ['i64'] }), 4000);
        await assertSameFiles(reference, threaded);
      } finally {
        await client.close();
        dir.remove();
      }
    });
  }

  test('many row groups (100 rows each) and long strings spanning pages; the encoder thread writes the same', async () => {
    const dir = tempDir('columnar-many');
    const client = new EncoderThreadClient(PARQUET_THREAD_LIMITS);
    try {
      const options = base('snappy', 100);
      const reference = await writeFile(dir.path, 'hyparquet.parquet', (out) => parquetWriterFactory({ ...options, encoder: 'hyparquet' }).open(out, schema), 5000);
      const columnar = await writeFile(dir.path, 'tributary.parquet', (out) => parquetWriterFactory({ ...options, encoder: 'tributary' }).open(out, schema), 5000);
      await assertSameFiles(reference, columnar);
      const threaded = await writeFile(dir.path, 'thread.parquet', (out) => new OffloadedParquetWriter(client, out, schema, { ...options, encoder: 'tributary' }), 5000);
      await assertSameFiles(reference, threaded);

      const long = base('snappy', 2000);
      const longRef = await writeFile(dir.path, 'long-h.parquet', (out) => parquetWriterFactory({ ...long, encoder: 'hyparquet' }).open(out, schema), 3000, true);
      const longOurs = await writeFile(dir.path, 'long-t.parquet', (out) => parquetWriterFactory({ ...long, encoder: 'tributary' }).open(out, schema), 3000, true);
      const longThread = await writeFile(dir.path, 'long-x.parquet', (out) => new OffloadedParquetWriter(client, out, schema, { ...long, encoder: 'tributary' }), 3000, true);
      await assertSameFiles(longRef, longOurs);
      await assertSameFiles(longRef, longThread);
      // the long text column's chunks hold several pages each (a page ends after about PAGE_BYTES of values)
      const [[largest]] = (await duck(`SELECT max(total_uncompressed_size) FROM parquet_metadata('${longOurs}') WHERE path_in_schema = 'text'`)) as [[string]];
      assert.ok(Number(largest) > 3 * PAGE_BYTES, `text chunk of ${largest} bytes`);
    } finally {
      await client.close();
      dir.remove();
    }
  });

  test('dictionary pages: kept for few distinct values, given up for distinct ones, PLAIN pages after an outgrown dictionary', async () => {
    const dir = tempDir('columnar-dictionary');
    const strings = Schemas.struct([
      Schemas.field('few', Schemas.string({ optional: true })),
      Schemas.field('grows', Schemas.string()),
      Schemas.field('unique', Schemas.string()),
    ]);
    // `grows` repeats 100 values on the first page, then every value is new: the dictionary passes
    // its 64 Ki entries within the row group and the chunk goes on PLAIN
    const stringRow = (i: number) => [i % 9 === 0 ? null : i % 7 === 0 ? '' : `few ${i % 10}`, i <= 8192 ? `g${i % 100}` : `g${i}`, `u${i}`];
    const write = async (name: string, encoder: 'tributary' | 'hyparquet') => {
      const storage = new LocalStorage(dir.path, 'test', { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 });
      await storage.start();
      const out = await storage.create(name);
      const writer = parquetWriterFactory({ ...base('snappy', 100_000), encoder }).open(out, strings);
      for (let i = 1; i <= 120_000; i++) {
        const pending = writer.write(stringRow(i));
        if (pending) await pending;
      }
      await writer.finish();
      await out.commit();
      return join(dir.path, name);
    };
    try {
      const ours = await write('tributary.parquet', 'tributary');
      const reference = await write('hyparquet.parquet', 'hyparquet');
      assert.deepEqual(await duck(`SELECT * FROM '${ours}'`), await duck(`SELECT * FROM '${reference}'`));
      assert.deepEqual((await readParquet(ours)).map(plain), (await readParquet(reference)).map(plain));
      const encodings = await duck(`SELECT row_group_id, path_in_schema, encodings FROM parquet_metadata('${ours}') ORDER BY 1, 2`);
      assert.deepEqual(encodings, [
        ['0', 'few', 'PLAIN, RLE, RLE_DICTIONARY'],
        ['0', 'grows', 'PLAIN, RLE, RLE_DICTIONARY'],
        ['0', 'unique', 'PLAIN'],
        ['1', 'few', 'PLAIN, RLE, RLE_DICTIONARY'],
        ['1', 'grows', 'PLAIN'],
        ['1', 'unique', 'PLAIN'],
      ]);
    } finally {
      dir.remove();
    }
  });

  test('statistics: DuckDB prunes with them and finds exactly the rows a full scan finds', async () => {
    const dir = tempDir('columnar-stats');
    try {
      const path = await writeFile(dir.path, 'tributary.parquet', (out) => parquetWriterFactory({ ...base('snappy', 500), encoder: 'tributary' }).open(out, schema), 4000);
      const reference = await writeFile(dir.path, 'hyparquet.parquet', (out) => parquetWriterFactory({ ...base('snappy', 500), encoder: 'hyparquet' }).open(out, schema), 4000);
      // every row group's min/max and null count of every numeric column are those of its rows
      const columns = ['i8', 'i16', 'i32', 'i64', 'i64n', 'flag', 'dec9', 'dec18', 'day', 'utime', 'ntime', 'mtime', 'uts', 'mts', 'cts', 'nts', 'zts'];
      for (const column of columns) {
        const stats = await duck(`SELECT row_group_id, stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata('${path}') WHERE path_in_schema = '${column}' ORDER BY row_group_id`);
        const expected = await duck(`SELECT (file_row_number // 500)::BIGINT AS g, min(${column})::VARCHAR, max(${column})::VARCHAR, count(*) - count(${column})
          FROM read_parquet('${path}', file_row_number = true) GROUP BY g ORDER BY g`);
        assert.deepEqual(stats, expected, column);
      }
      // floats (NaN, ±0, infinities): as hyparquet-writer states them (DuckDB shows an infinite bound as null)
      for (const column of ['f32', 'f64']) {
        const stats = (file: string) => duck(`SELECT row_group_id, stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata('${file}') WHERE path_in_schema = '${column}' ORDER BY row_group_id`);
        assert.deepEqual(await stats(path), await stats(reference), column);
      }
      // strings, UUIDs and JSON: the null count only
      assert.deepEqual(await duck(`SELECT DISTINCT stats_min_value, stats_max_value FROM parquet_metadata('${path}') WHERE path_in_schema IN ('text', 'uid', 'doc', 'blob')`), [[null, null]]);
      for (const where of ['i32 BETWEEN 1000 AND 5000', 'i64 < -3000000000', 'dec9 > 400', 'f64 < -100', 'flag', "uts > TIMESTAMP '1970-01-01'", "day > DATE '1970-02-01'", "zts < TIMESTAMPTZ '2025-12-31 23:00:00+00'"]) {
        const pruned = await duck(`SELECT count(*) FROM '${path}' WHERE ${where}`);
        const scanned = await duck(`SELECT count(*) FILTER (WHERE ${where}) FROM '${path}'`);
        assert.deepEqual(pruned, scanned, where);
      }
    } finally {
      dir.remove();
    }
  });

  test('an empty file is a valid Parquet file with no row group', async () => {
    const dir = tempDir('columnar-empty');
    try {
      const path = await writeFile(dir.path, 'empty.parquet', (out) => parquetWriterFactory({ ...base('snappy'), encoder: 'tributary' }).open(out, schema), 0);
      assert.deepEqual(await duck(`SELECT count(*) FROM '${path}'`), [['0']]);
      assert.equal((await readParquet(path)).length, 0);
    } finally {
      dir.remove();
    }
  });

  test('a file with a list or a wide decimal falls back to hyparquet-writer, chosen when it opens', () => {
    const nested = Schemas.struct([Schemas.field('id', Schemas.int64()), Schemas.field('tags', Schemas.array(Schemas.string()))]);
    const wide = Schemas.struct([Schemas.field('id', Schemas.int64()), Schemas.field('m', Schemas.decimal(38, 2))]);
    const out = { path: 'x', bytesWritten: 0, write: () => Promise.resolve(), commit: () => Promise.resolve(), abort: () => Promise.resolve() } satisfies OutputFile;
    const factory = parquetWriterFactory({ ...base('snappy'), encoder: 'tributary' });
    assert.ok(!(factory.open(out, nested) instanceof ColumnarRecordWriter));
    assert.ok(!(factory.open(out, wide) instanceof ColumnarRecordWriter));
    assert.ok(factory.open(out, Schemas.struct([Schemas.field('id', Schemas.int64())])) instanceof ColumnarRecordWriter);
  });
});
