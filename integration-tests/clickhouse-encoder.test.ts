import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { padPosition, Schemas, type Schema, type SinkRecord } from '../plugins/api/index.js';
import { putAll, startSinkTask } from '../connectors/sink/clickhouse/test/task-driver.js';
import { sharedClickHouse, type ClickHouseServer } from './harness/clickhouse-server.js';

/**
 * Every column type the sink writes, through the task's compiled row encoders, read back from
 * Debian's 18.16 exactly: integers at their limits, float bits, decimal text, day numbers,
 * timestamp counts, UUIDs, UTF-8 bytes of strings of every length class the encoder treats
 * apart, raw bytes, JSON text, arrays and nulls. Each value comes in its common representation
 * (the fast path) and in others the general encoders take (bigint, boolean, number for a
 * decimal, 7 fraction digits, …). DateTime64, Date32 and Bool do not exist on 18.16: their
 * bytes are unit-tested (connectors/sink/clickhouse/row-encoder.test.ts).
 */
let server: ClickHouseServer;
before(async () => {
  server = await sharedClickHouse();
});
after(() => server?.close());

interface Column {
  readonly name: string;
  readonly type: string;
  readonly schema: Schema;
  /** what the query reads: an expression of the column giving text */
  readonly read: string;
  /** the record values, and the text `read` must give for each */
  readonly values: readonly (readonly [unknown, string])[];
}

const hexOf = (s: string | Uint8Array) => Buffer.from(typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('hex').toUpperCase();
const floatHex = (v: number, bits: 32 | 64) => {
  const b = Buffer.alloc(bits / 8);
  if (bits === 32) b.writeFloatLE(v);
  else b.writeDoubleLE(v);
  // reinterpretAsString drops the zero bytes at the end
  return b.toString('hex').toUpperCase().replace(/(00)+$/, '');
};
const ints = (name: string, type: string, lo: bigint, hi: bigint): Column => ({
  name, type, schema: Schemas.int64(), read: `toString(${name})`,
  values: [[Number(lo) === Number(lo) && Number.isSafeInteger(Number(lo)) ? Number(lo) : lo, String(lo)], [hi <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(hi) : hi, String(hi)], [0, '0'], [lo + 1n, String(lo + 1n)], [BigInt(hi) - 1n, String(hi - 1n)], [7, '7']],
});

const strings = ['', 'a', 'x'.repeat(16), 'x'.repeat(17), 'émilie', '日本語', 'zoë 🚀 606', 'x'.repeat(42) + 'é', '日'.repeat(43), 'x'.repeat(127), 'é'.repeat(64), 'x'.repeat(128), '日'.repeat(5461), 'x'.repeat(20_000), 'tab\tnew\nline\\ "q" \u0000'];

const COLUMNS: Column[] = [
  ints('i8', 'Int8', -128n, 127n),
  ints('i16', 'Int16', -32768n, 32767n),
  ints('i32', 'Int32', -(2n ** 31n), 2n ** 31n - 1n),
  ints('i64', 'Int64', -(2n ** 63n), 2n ** 63n - 1n),
  ints('u8', 'UInt8', 0n, 255n),
  ints('u16', 'UInt16', 0n, 65535n),
  ints('u32', 'UInt32', 0n, 2n ** 32n - 1n),
  ints('u64', 'UInt64', 0n, 2n ** 64n - 1n),
  { name: 'b', type: 'UInt8', schema: Schemas.boolean(), read: 'toString(b)', values: [[true, '1'], [false, '0'], [true, '1'], [false, '0'], [1, '1'], [0, '0']] },
  { name: 'f32', type: 'Float32', schema: Schemas.float32(), read: 'hex(reinterpretAsString(f32))', values: [1.5, -0, 3.4028234663852886e38, 1e-45, Math.PI, -2.5e-10].map((v) => [v, floatHex(v, 32)] as const) },
  { name: 'f64', type: 'Float64', schema: Schemas.float64(), read: 'hex(reinterpretAsString(f64))', values: [0.1, -0, Number.MAX_VALUE, 5e-324, Math.E, 1 / 3].map((v) => [v, floatHex(v, 64)] as const) },
  { name: 'nf', type: 'Nullable(Float64)', schema: Schemas.float64({ optional: true }), read: "ifNull(toString(nf), 'NULL')", values: [[null, 'NULL'], [2.5, '2.5'], [null, 'NULL'], [-1, '-1'], [0, '0'], [null, 'NULL']] },
  { name: 'd9', type: 'Decimal(9, 2)', schema: Schemas.decimal(9, 2), read: 'toString(d9)', values: [['-9999999.99', '-9999999.99'], ['9999999.99', '9999999.99'], ['0.05', '0.05'], ['-1.5', '-1.50'], [12, '12.00'], ['0', '0.00']] },
  { name: 'd18', type: 'Decimal(18, 4)', schema: Schemas.decimal(18, 4), read: 'toString(d18)', values: [['-99999999999999.9999', '-99999999999999.9999'], ['12345678901.2345', '12345678901.2345'], ['1.5', '1.5000'], ['-0.0001', '-0.0001'], [2.25, '2.2500'], ['100', '100.0000']] },
  // 18.16's toString of a Decimal128 beyond about 20 digits is wrong; its TabSeparated output is right
  { name: 'd38', type: 'Decimal(38, 10)', schema: Schemas.decimal(38, 10), read: 'd38', values: [['1234567890123456789012345678.9012345678', '1234567890123456789012345678.9012345678'], ['-0.0000000001', '-0.0000000001'], ['5', '5.0000000000'], ['-9999999999999999999999999999.9999999999', '-9999999999999999999999999999.9999999999'], ['0.5', '0.5000000000'], ['7.25', '7.2500000000']] },
  { name: 'day', type: 'Date', schema: Schemas.date(), read: 'toString(toUInt16(day))', values: [[1, '1'], [19_782, '19782'], [65_535, '65535'], [0, '0'], [new Date(86_400_000 * 20_000), '20000'], [10_000, '10000']] },
  { name: 'zts', type: 'Int64', schema: Schemas.zonedTimestamp(), read: 'toString(zts)', values: [['2024-01-02T08:04:05.123456Z', '1704182645123456'], ['1970-01-01T00:00:00Z', '0'], ['1969-12-31T23:59:59.999999Z', '-1'], ['2024-01-02T08:04:05.1Z', '1704182645100000'], ['2024-01-02T10:04:05.5+02:00', '1704182645500000'], ['2300-01-01T00:00:00Z', '10413792000000000']] },
  { name: 'mts', type: 'Int64', schema: Schemas.microTimestamp(), read: 'toString(mts)', values: [[1_704_182_645_123_456, '1704182645123456'], [-1, '-1'], [0, '0'], [2n ** 62n, String(2n ** 62n)], [5, '5'], [Number.MAX_SAFE_INTEGER, String(Number.MAX_SAFE_INTEGER)]] },
  { name: 'uid', type: 'UUID', schema: Schemas.uuid(), read: 'toString(uid)', values: ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', '01234567-89ab-cdef-0123-456789abcdef', '1fd0ff8e-7314-42a5-8032-efa2f6169fa2'].map((v) => [v, v.toLowerCase()] as const) },
  { name: 's', type: 'String', schema: Schemas.string(), read: 'hex(s)', values: strings.slice(0, 6).map((v) => [v, hexOf(v)] as const) },
  { name: 's2', type: 'String', schema: Schemas.string(), read: 'hex(s2)', values: strings.slice(6, 12).map((v) => [v, hexOf(v)] as const) },
  { name: 's3', type: 'Nullable(String)', schema: Schemas.string({ optional: true }), read: "ifNull(hex(s3), 'NULL')", values: [...strings.slice(12).map((v) => [v, hexOf(v)] as const), [null, 'NULL'], [null, 'NULL'], ['ok', hexOf('ok')]] },
  { name: 'j', type: 'String', schema: Schemas.json(), read: 'j', values: ['{"a":1}', '[]', '{"n":"é"}', 'null', '{"deep":{"x":[1,2]}}', '"s"'].map((v) => [v, v] as const) },
  { name: 'st', type: 'String', schema: Schemas.struct([Schemas.field('a', Schemas.int32())]), read: 'st', values: [[{ a: 1 }, '{"a":1}'], [{ a: -2 }, '{"a":-2}'], [{ a: 0 }, '{"a":0}'], [{ a: 3 }, '{"a":3}'], [{ a: 4 }, '{"a":4}'], [{ a: 5 }, '{"a":5}']] },
  { name: 'bin', type: 'String', schema: Schemas.bytes(), read: 'hex(bin)', values: [Buffer.from([0, 255, 10, 9]), new Uint8Array(0), Buffer.alloc(300, 7), 'AAE=', Buffer.from('é'), new Uint8Array([128])].map((v) => [v, hexOf(typeof v === 'string' ? Buffer.from(v, 'base64') : v)] as const) },
  { name: 'fs', type: 'FixedString(4)', schema: Schemas.bytes(), read: 'hex(fs)', values: [[Buffer.from([1, 2]), '01020000'], [Buffer.from([1, 2, 3, 4]), '01020304'], [new Uint8Array(0), '00000000'], ['AQID', '01020300'], [Buffer.from([255]), 'FF000000'], [Buffer.from('ab'), '61620000']] },
  { name: 'arr', type: 'Array(Int32)', schema: Schemas.array(Schemas.int32()), read: "arrayStringConcat(arrayMap(x -> toString(x), arr), ',')", values: [[[1, -2, 3], '1,-2,3'], [[], ''], [null, ''], [[2 ** 31 - 1], '2147483647'], [[0], '0'], [[5, 5], '5,5']] },
  { name: 'arrn', type: 'Array(Nullable(String))', schema: Schemas.array(Schemas.string({ optional: true })), read: "arrayStringConcat(arrayMap(x -> ifNull(x, 'NULL'), arrn), ',')", values: [[['a', null, 'é'], 'a,NULL,é'], [[], ''], [[null], 'NULL'], [['x'.repeat(50)], 'x'.repeat(50)], [['', ''], ','], [['z'], 'z']] },
];

test('every column type reads back exactly as written', async () => {
  const db = await server.createDatabase('ch_types');
  await server.command(`CREATE TABLE ${db}.t (${COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ')}, _id String, _source_ts_ms Int64) ENGINE = MergeTree ORDER BY _id`);
  const schema = Schemas.struct(COLUMNS.map((c) => Schemas.field(c.name, c.schema)));
  const rows = COLUMNS[0].values.map((_, i) => Object.fromEntries(COLUMNS.map((c) => [c.name, c.values[i][0]])));
  // the same rows many times over, so the compiled encoder runs optimized too
  const copies = 400;
  const records: SinkRecord[] = [];
  for (let n = 0; n < copies; n++) {
    rows.forEach((row, i) => {
      const seq = n * rows.length + i + 1;
      const position = padPosition(seq);
      records.push({ topic: 't', partition: 0, offset: seq, keySchema: null, key: null, valueSchema: schema, value: row, timestamp: 1_767_225_600_000 + seq, position, id: `t:${position}` });
    });
  }
  const { task, context } = await startSinkTask(server.url, db, { 'auto.create': 'false', 'insert.mode': 'append', 'batch.size': '997' });
  await putAll(task, records, 500);
  await task.stop();
  assert.deepEqual(context.errant.map((e) => String(e.error)), []);
  const text = await server.text(`SELECT ${COLUMNS.map((c) => c.read).join(', ')}, toString(_source_ts_ms) FROM ${db}.t ORDER BY _id`);
  const unescape = (field: string) => field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', '0': '\u0000', '\\': '\\', "'": "'" })[c] ?? c);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, copies * rows.length);
  lines.forEach((line, k) => {
    const fields = line.split('\t').map(unescape);
    const i = k % rows.length;
    COLUMNS.forEach((c, j) => assert.equal(fields[j], c.values[i][1], `row ${k}, column ${c.name} (${c.type})`));
    assert.equal(fields[COLUMNS.length], String(1_767_225_600_000 + k + 1));
  });
});
