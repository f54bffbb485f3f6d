import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Schema, SinkRecord } from '../plugins/api/index.js';
import { JsonNumber, parseExactJson, type JsonNode } from '../runtime/converters/exact-json.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { EDGE_ARRAYS, EDGE_ROWS, edgeColumnNames, edgeInsertSql, edgeTableSql } from '../connectors/source/postgres/test/edge-value-cases.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { afterOf, landRecords, rowSchema } from './harness/lake-landing.js';
import { tempDir } from './harness/temp.js';

/**
 * Issue 9 item 1: every value the postgres source emits lands in every format. The edge table
 * (±infinity, years beyond 9999, BC, 24:00:00, NaN, huge intervals) is captured in each value
 * mode, snapshot and stream, and handed to the files sink in Parquet, JSON and CSV with
 * errors.tolerance=all: no record may be refused. DuckDB reads every column of every Parquet
 * and CSV file back; JSON holds the source values exactly; for the default modes every value
 * each format holds is pinned below (the files README's type tables say the same).
 */
const MODE_SETS: Record<string, Record<string, string>> = {
  defaults: {},
  connect_double_string: { 'time.precision.mode': 'connect', 'decimal.handling.mode': 'double', 'interval.handling.mode': 'string' },
  nanoseconds_string: { 'time.precision.mode': 'nanoseconds', 'decimal.handling.mode': 'string' },
  isostring: { 'time.precision.mode': 'isostring' },
  microseconds: { 'time.precision.mode': 'microseconds' },
};
const FORMATS = ['parquet', 'json', 'csv'] as const;
const TABLE = 'edge';

let server: PostgresServer;
let duck: DuckDbReader;
before(async () => {
  server = await sharedPostgres();
  duck = await DuckDbReader.open();
  // TIMESTAMPTZ values print in the session's zone
  await duck.rows(`SET TimeZone = 'UTC'`);
});
after(() => duck?.close());

/** The source's records: the edge table's eight rows from the snapshot, then the same eight streamed. */
async function capture(modes: Record<string, string>): Promise<SinkRecord[]> {
  const db = await server.createDatabase('lake_types');
  await server.query(db, `${edgeTableSql(TABLE)}; ${edgeInsertSql(TABLE, 1)}`);
  const driver = new TaskDriver(testConfig(server.port, db, { ...modes, 'slot.drop.on.stop': 'true' }));
  try {
    await driver.start();
    await driver.pollUntil((rs) => rs.filter((r) => r.value !== null).length >= EDGE_ROWS, 30_000, 'snapshot');
    await server.query(db, edgeInsertSql(TABLE, 101));
    await driver.pollUntil((rs) => rs.filter((r) => r.value !== null).length >= 2 * EDGE_ROWS, 30_000, 'stream');
  } finally {
    await driver.stop();
  }
  return driver.changes().map((r, offset) => ({ ...r, partition: 0, offset }));
}

/** The exact decimal text of a VariableScaleDecimal struct. */
function variableScaleText(v: { scale: number; value: Uint8Array }): string {
  const bytes = Buffer.from(v.value);
  let n = BigInt('0x' + (bytes.toString('hex') || '0'));
  if (bytes.length > 0 && bytes[0] >= 0x80) n -= 1n << BigInt(bytes.length * 8);
  const digits = (n < 0n ? -n : n).toString().padStart(v.scale + 1, '0');
  const text = v.scale === 0 ? digits : `${digits.slice(0, -v.scale)}.${digits.slice(-v.scale)}`;
  return (n < 0n ? '-' : '') + text;
}

/** Whether a JSON node holds a source value exactly (numbers as their text, VariableScaleDecimal as its decimal). */
function jsonHolds(node: JsonNode, value: unknown, schema: Schema | undefined): boolean {
  if (value === null || value === undefined) return node === null;
  if (schema?.name === 'io.debezium.data.VariableScaleDecimal') return node instanceof JsonNumber && node.text === variableScaleText(value as never);
  if (typeof value === 'number' && !Number.isFinite(value)) return node === String(value);
  if (typeof value === 'number' || typeof value === 'bigint') return node instanceof JsonNumber && node.text === String(value);
  if (schema?.name === 'org.apache.kafka.connect.data.Decimal') return node instanceof JsonNumber && node.text === value;
  if (Array.isArray(value)) return Array.isArray(node) && node.length === value.length && value.every((v, i) => jsonHolds(node[i], v, schema?.items));
  return node === value;
}

/**
 * What DuckDB reads from the Parquet files (as VARCHAR) and the CSV files (as written) for the
 * default modes, rows 1..8. Arrays hold the same row's scalar.
 */
const PARQUET_DEFAULTS: Record<string, (string | null)[]> = {
  // row 4 (294276 AD) is clamped to 2^63 − 2 µs, 294247-01-10 04:00:54.775806 UTC; DuckDB 1.5's
  // TIMESTAMPTZ text shows that one instant 1 ms late (its epoch_us is exact, checked below)
  tstz: ['infinity', '-infinity', '21016-11-04 06:51:30.123456+00', '294247-01-10 04:00:54.776806+00', '4714-11-24 (BC) 00:00:00+00', '2024-01-02 03:04:05+00', '0001-06-01 (BC) 10:00:00+00', '10000-01-01 00:00:00.5+00'],
  tstz0: ['infinity', '-infinity', '21016-11-04 06:51:30+00', '294247-01-01 23:59:59+00', '4714-11-24 (BC) 00:00:00+00', '2024-01-02 03:04:05+00', '0002-06-01 (BC) 00:00:00+00', '9999-12-31 23:59:59+00'],
  ts: ['infinity', '-infinity', '21016-11-04 06:51:30.123456', '294247-01-10 04:00:54.775806', '4713-01-01 (BC) 00:00:00', '2024-01-02 03:04:05', '1969-12-31 23:59:59.9995', '10000-01-01 00:00:00'],
  ts3: ['infinity', '-infinity', '21016-11-04 06:51:30.123', '294247-01-10 04:00:54.775806', '4713-01-01 (BC) 00:00:00', '2024-01-02 03:04:05', '1969-12-31 23:59:59.999', '0001-01-01 (BC) 00:00:00'],
  d: ['infinity', '-infinity', '5874897-12-31', '4714-11-24 (BC)', '0001-12-31 (BC)', '2024-02-29', '0001-01-01', '10000-01-01'],
  t: ['24:00:00', '00:00:00', '23:59:59.999999', '00:00:00.000001', '12:34:56.5', '13:45:01.1', '00:00:00.123456', null],
  t3: ['24:00:00', '00:00:00', '23:59:59.999', '00:00:00.001', '12:34:56.5', '13:45:01.1', '00:00:00.123', null],
  ttz: ['24:00:00Z', '00:00:00Z', '23:59:59.999999Z', '08:15:30.25Z', '23:00:00.5Z', '06:30:00Z', '24:00:00Z', '19:00:00Z'],
  iv: ['9223372036854775807', '-9223372036854775808', '37091106500000', '-93600000000', '2629800000001', '0', '-1500000', '3969000000000'],
  n: [null, '-12345678.91', '12345678.90', '0.01', '-0.50', '1.00', null, '99999999.99'],
  nfree: [null, null, null, '-0.00000000000000000001', '1.5', '100', '123456789012345678901234567890.123456789', '0'],
  m: ['92233720368547758.07', '-92233720368547758.08', '1234.56', '0.00', '-0.01', '1.00', null, '0.50'],
};
const PARQUET_TYPES_DEFAULTS: Record<string, string> = {
  tstz: 'TIMESTAMP WITH TIME ZONE', tstz0: 'TIMESTAMP WITH TIME ZONE', ts: 'TIMESTAMP', ts3: 'TIMESTAMP', d: 'DATE', t: 'TIME', t3: 'TIME', ttz: 'VARCHAR',
  iv: 'BIGINT', n: 'DECIMAL(10,2)', nfree: 'VARCHAR', m: 'DECIMAL(38,2)', tstz_arr: 'TIMESTAMP WITH TIME ZONE[]', d_arr: 'DATE[]', t_arr: 'TIME[]',
};
const CSV_DEFAULTS: Record<string, (string | null)[]> = {
  tstz: ['infinity', '-infinity', '+21016-11-04T06:51:30.123456Z', '+294276-12-31T23:59:59.999999Z', '-4713-11-24T00:00:00.000000Z', '2024-01-02T03:04:05.000000Z', '0000-06-01T10:00:00.000000Z', '+10000-01-01T00:00:00.500000Z'],
  ts: ['9223372036825200000', '-9223372036832400000', '601060287090123456', '9223372036854775807', '-210863520000000000', '1704164645000000', '-500', '253402300800000000'],
  d: ['infinity', '-infinity', '+5874897-12-31', '-4713-11-24', '0000-12-31', '2024-02-29', '0001-01-01', '+10000-01-01'],
  t: ['86400000000', '0', '86399999999', '1', '45296500000', '49501100000', '123456', null],
  ttz: ['24:00:00Z', '00:00:00Z', '23:59:59.999999Z', '08:15:30.25Z', '23:00:00.5Z', '06:30:00Z', '24:00:00Z', '19:00:00Z'],
  n: [null, '-12345678.91', '12345678.90', '0.01', '-0.50', '1.00', null, '99999999.99'],
  nfree: [null, null, null, '-0.00000000000000000001', '1.5', '100', '123456789012345678901234567890.123456789', '0'],
  tstz_arr: ['["infinity"]', '["-infinity"]', '["+21016-11-04T06:51:30.123456Z"]', '["+294276-12-31T23:59:59.999999Z"]', '["-4713-11-24T00:00:00.000000Z"]', '["2024-01-02T03:04:05.000000Z"]', '["0000-06-01T10:00:00.000000Z"]', '["+10000-01-01T00:00:00.500000Z"]'],
  d_arr: ['[2147483647]', '[-2147483647]', '[2145042905]', '[-2440588]', '[-719163]', '[19782]', '[-719162]', '[2932897]'],
};

/** every column as text; arrays (one element each) as their element's text */
/** What DuckDB reads from the Parquet files in the other mode sets, for the columns those modes change. */
const PARQUET_OTHER_MODES: Record<string, Record<string, (string | null)[]>> = {
  connect_double_string: {
    ts: ['infinity', '-infinity', '21016-11-04 06:51:30.123+00', '294247-01-10 04:00:54.776806+00', '4713-01-01 (BC) 00:00:00+00', '2024-01-02 03:04:05+00', '1969-12-31 23:59:59.999+00', '10000-01-01 00:00:00+00'],
    t: ['24:00:00', '00:00:00', '23:59:59.999', '00:00:00', '12:34:56.5', '13:45:01.1', '00:00:00.123', null],
    n: ['nan', '-12345678.91', '12345678.9', '0.01', '-0.5', '1.0', null, '99999999.99'],
    nfree: ['nan', 'inf', '-inf', '-1e-20', '1.5', '100.0', '1.2345678901234568e+29', '0.0'],
    iv: ['P178000000Y0M0DT0H0M0S', 'P-178000000Y0M0DT0H0M0S', 'P1Y2M3DT4H5M6.5S', 'P0Y0M-1DT-2H0M0S', 'P0Y1M0DT0H0M0.000001S', 'P0Y0M0DT0H0M0S', 'P0Y0M0DT0H0M-1.5S', 'P0Y1M15DT12H0M0S'],
  },
  nanoseconds_string: {
    // outside 1677-2262 a NanoTimestamp is null, as in Debezium
    ts: ['infinity', '-infinity', null, null, null, '2024-01-02 03:04:05', '1969-12-31 23:59:59.9995', null],
    t: ['24:00:00', '00:00:00', '23:59:59.999999', '00:00:00.000001', '12:34:56.5', '13:45:01.1', '00:00:00.123456', null],
    nfree: ['NAN', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY', '-0.00000000000000000001', '1.50', '100', '123456789012345678901234567890.123456789', '0'],
  },
  isostring: {
    ts: ['+294247-01-10T04:00:25.2Z', '-290308-12-21T19:59:27.6Z', '+21016-11-04T06:51:30.123456Z', '+294276-12-31T23:59:59.999999Z', '-4712-01-01T00:00:00Z', '2024-01-02T03:04:05Z', '1969-12-31T23:59:59.9995Z', '+10000-01-01T00:00:00Z'],
    d: ['infinity', '-infinity', '+5874897-12-31Z', '-4713-11-24Z', '0000-12-31Z', '2024-02-29Z', '0001-01-01Z', '+10000-01-01Z'],
    t: ['24:00:00Z', '00:00:00Z', '23:59:59.999999Z', '00:00:00.000001Z', '12:34:56.5Z', '13:45:01.1Z', '00:00:00.123456Z', null],
  },
  microseconds: {
    ts3: ['infinity', '-infinity', '21016-11-04 06:51:30.123', '294247-01-10 04:00:54.775806', '4713-01-01 (BC) 00:00:00', '2024-01-02 03:04:05', '1969-12-31 23:59:59.999', '0001-01-01 (BC) 00:00:00'],
  },
};

const varcharColumns = () => ['id', ...edgeColumnNames().map((c) => (c in EDGE_ARRAYS ? `len(${c}) AS ${c}_len, ${c}[1]::VARCHAR AS ${c}` : `${c}::VARCHAR AS ${c}`))].join(', ');

describe('postgres edge values → files sink: every value lands in Parquet, JSON and CSV', () => {
  for (const [mode, props] of Object.entries(MODE_SETS)) {
    test(mode, async (t) => {
      const records = await capture(props);
      assert.equal(records.length, 2 * EDGE_ROWS);
      const schemas = rowSchema(records[0]);
      const dir = tempDir(`lake-types-${mode}`);
      t.after(() => dir.remove());
      const files: Record<string, string[]> = {};
      for (const format of FORMATS) {
        files[format] = await landRecords(records, join(dir.path, format), format, EDGE_ROWS);
        assert.equal(files[format].length, 2, `${format}: one file for the snapshot, one for the stream`);
      }

      // Parquet and CSV: DuckDB reads every column of every row (a value it cannot convert fails the query)
      const parquet = await duck.rows(`SELECT ${varcharColumns()} FROM read_parquet([${files.parquet.map(sqlString).join(', ')}]) ORDER BY id`);
      const csv = await duck.rows(`SELECT * FROM read_csv([${files.csv.map(sqlString).join(', ')}], header = true, all_varchar = true) ORDER BY id::INT`);
      assert.equal(parquet.length, 2 * EDGE_ROWS);
      assert.equal(csv.length, 2 * EDGE_ROWS);
      // JSON: the source values, exactly
      const json = files.json.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').map((l) => parseExactJson(l) as Record<string, JsonNode>));
      const byId = new Map(records.map((r) => [Number(afterOf(r).id), afterOf(r)]));
      for (const line of json) {
        const source = byId.get(Number((line.id as JsonNumber).text))!;
        for (const column of edgeColumnNames()) assert.ok(jsonHolds(line[column], source[column], schemas.get(column)), `json ${mode} id ${source.id} ${column}: ${JSON.stringify(line[column])} for ${String(source[column])}`);
      }

      if (mode !== 'defaults') {
        for (let i = 0; i < 2 * EDGE_ROWS; i++) {
          for (const [column, expected] of Object.entries(PARQUET_OTHER_MODES[mode])) assert.equal(parquet[i][column], expected[i % EDGE_ROWS], `parquet ${mode} id ${parquet[i].id} ${column}`);
        }
        return;
      }
      assert.deepEqual(await duck.rows(`SELECT epoch_us(tstz)::VARCHAR AS us FROM read_parquet([${files.parquet.map(sqlString).join(', ')}]) WHERE id IN (4, 104)`), [{ us: '9223372036854775806' }, { us: '9223372036854775806' }]);
      const types = await duck.columnTypes(`SELECT * FROM read_parquet(${sqlString(files.parquet[0])})`);
      for (const [column, type] of Object.entries(PARQUET_TYPES_DEFAULTS)) assert.equal(types[column], type, `Parquet type of ${column}`);
      for (let i = 0; i < 2 * EDGE_ROWS; i++) {
        const row = i % EDGE_ROWS;
        for (const [column, expected] of Object.entries(PARQUET_DEFAULTS)) assert.equal(parquet[i][column], expected[row], `parquet id ${parquet[i].id} ${column}`);
        for (const [array, scalar] of Object.entries(EDGE_ARRAYS)) {
          const element = PARQUET_DEFAULTS[scalar]?.[row];
          assert.equal(parquet[i][`${array}_len`], '1', `parquet id ${parquet[i].id} ${array} length`);
          if (element !== undefined) assert.equal(parquet[i][array], element, `parquet id ${parquet[i].id} ${array}`);
        }
        for (const [column, expected] of Object.entries(CSV_DEFAULTS)) assert.equal(csv[i][column], expected[row], `csv id ${csv[i].id} ${column}`);
      }
    });
  }
});
