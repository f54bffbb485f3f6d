import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Schema, SinkRecord } from '../plugins/api/index.js';
import { JsonNumber, parseExactJson, type JsonNode } from '../runtime/converters/exact-json.js';
import { readParquet } from '../connectors/sink/files/test/read-back.js';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { TYPE_COLUMNS, typeInsertSql, typeTableSql } from '../connectors/source/mysql/test/type-cases.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { afterOf, landRecords, rowSchema, type Row } from './harness/lake-landing.js';
import { tempDir } from './harness/temp.js';

/**
 * Issue 12: every type the MySQL source maps lands exactly in every format of the files sink.
 * The type table (connectors/source/mysql/test/type-cases.ts: edge values and NULLs) is captured
 * from MariaDB, snapshot and stream, in two value-mode sets, and handed to the files sink in
 * Parquet, JSON and CSV with errors.tolerance=all: no record may be refused. DuckDB reads every
 * column of every Parquet and CSV file back; JSON holds the source values exactly; for the
 * default modes the Parquet types DuckDB sees (DECIMAL, TIMESTAMP WITH TIME ZONE, …) and every
 * value each format holds are pinned below.
 */
const MODE_SETS: Record<string, Record<string, string>> = {
  defaults: {},
  strings: { 'decimal.handling.mode': 'string', 'bigint.unsigned.handling.mode': 'precise', 'binary.handling.mode': 'hex', 'time.precision.mode': 'connect' },
};
const FORMATS = ['parquet', 'json', 'csv'] as const;
const ROWS = 3;
const COLUMNS = TYPE_COLUMNS.map((c) => c.column);

let server: MariaDbServer;
let duck: DuckDbReader;
before(async () => {
  server = await sharedMariaDb();
  duck = await DuckDbReader.open();
  // TIMESTAMPTZ values print in the session's zone
  await duck.rows(`SET TimeZone = 'UTC'`);
});
after(() => duck?.close());

/** The source's records: the type table's three rows from the snapshot, then the same three streamed. */
async function capture(modes: Record<string, string>): Promise<SinkRecord[]> {
  const db = await server.createDatabase('lake_types');
  await server.query(db, typeTableSql('types'));
  await server.query(db, typeInsertSql('types', 1));
  const driver = new MySqlTaskDriver(mysqlTestConfig(server.port, db, { ...modes, 'include.schema.changes': 'false' }));
  try {
    await driver.start();
    await driver.pollUntil((rs) => rs.filter((r) => r.value !== null).length >= ROWS, 30_000, 'snapshot');
    await server.query(db, typeInsertSql('types', 101));
    await driver.pollUntil((rs) => rs.filter((r) => r.value !== null).length >= 2 * ROWS, 30_000, 'stream');
  } finally {
    await driver.stop();
  }
  return driver.changes().map((r, offset) => ({ ...r, partition: 0, offset }));
}

/** Whether a JSON node holds a source value exactly (numbers as their text, decimals as their digits, bytes as base64, structs field by field). */
function jsonHolds(node: JsonNode, value: unknown, schema: Schema | undefined): boolean {
  if (value === null || value === undefined) return node === null;
  if (typeof value === 'number' || typeof value === 'bigint') return node instanceof JsonNumber && Number(node.text) === Number(value) && (typeof value === 'number' || node.text === String(value));
  if (schema?.name === 'org.apache.kafka.connect.data.Decimal') return node instanceof JsonNumber && node.text === value;
  if (value instanceof Uint8Array) return node === Buffer.from(value).toString('base64');
  if (typeof value === 'object') {
    if (typeof node !== 'object' || node === null || node instanceof JsonNumber || Array.isArray(node)) return false;
    return (schema?.fields ?? []).every((f) => jsonHolds((node as Record<string, JsonNode>)[f.name] ?? null, (value as Row)[f.name], f.schema));
  }
  return node === value;
}

/** every column as text: binary ones as hex, the spatial struct as its WKB's hex and its SRID */
const textColumns = (types: Record<string, string>) => ['id', ...COLUMNS.map((c) => (types[c] === 'BLOB' ? `hex(${c}) AS ${c}`
  : types[c]?.startsWith('STRUCT') ? `hex(${c}.wkb) AS ${c}, ${c}.srid::VARCHAR AS ${c}_srid` : `${c}::VARCHAR AS ${c}`))].join(', ');

describe('mysql types → files sink: every value lands in Parquet, JSON and CSV', () => {
  for (const [mode, props] of Object.entries(MODE_SETS)) {
    test(mode, async (t) => {
      const records = await capture(props);
      assert.equal(records.length, 2 * ROWS);
      const schemas = rowSchema(records[0]);
      const dir = tempDir(`mysql-lake-types-${mode}`);
      t.after(() => dir.remove());
      const files: Record<string, string[]> = {};
      for (const format of FORMATS) {
        files[format] = await landRecords(records, join(dir.path, format), format, ROWS, { 'errors.tolerance': 'all' });
        assert.equal(files[format].length, 2, `${format}: one file for the snapshot, one for the stream`);
      }
      // Parquet and CSV: DuckDB reads every column of every row (a value it cannot convert fails the query)
      const types = await duck.columnTypes(`SELECT * FROM read_parquet(${sqlString(files.parquet[0])})`);
      const parquet = await duck.rows(`SELECT ${textColumns(types)} FROM read_parquet([${files.parquet.map(sqlString).join(', ')}]) ORDER BY id`);
      // the sink writes an empty string "" and NULL as nothing: read them apart
      const csv = await duck.rows(`SELECT * FROM read_csv([${files.csv.map(sqlString).join(', ')}], header = true, all_varchar = true, allow_quoted_nulls = false) ORDER BY id::INT`);
      assert.equal(parquet.length, 2 * ROWS);
      assert.equal(csv.length, 2 * ROWS);
      // JSON: the source values, exactly
      const json = files.json.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').map((l) => parseExactJson(l) as Record<string, JsonNode>));
      const byId = new Map(records.map((r) => [Number(afterOf(r).id), afterOf(r)]));
      assert.equal(json.length, 2 * ROWS);
      for (const line of json) {
        const source = byId.get(Number((line.id as JsonNumber).text))!;
        for (const column of COLUMNS) assert.ok(jsonHolds(line[column], source[column], schemas.get(column)), `json ${mode} id ${String(source.id)} ${column}: ${JSON.stringify(line[column], (_k, v) => (v instanceof JsonNumber ? v.text : v))} for ${String(source[column])}`);
      }
      const expected = mode === 'defaults' ? DEFAULTS : OTHER_MODES[mode];
      const rawChecks: { column: string; id: number }[] = [];
      for (const [column, want] of Object.entries(expected)) {
        if (want.type) assert.equal(types[column], want.type, `${mode}: Parquet type of ${column}`);
        for (let i = 0; i < 2 * ROWS; i++) {
          // the streamed rows 101..103 hold what the snapshot's 1..3 do
          if (want.parquet?.[i % ROWS] === RAW_MICROS) rawChecks.push({ column, id: Number(parquet[i].id) });
          else if (want.parquet) assert.equal(parquet[i][column], want.parquet[i % ROWS], `${mode} parquet id ${String(parquet[i].id)} ${column}`);
          if (want.csv) assert.equal(csv[i][column], want.csv[i % ROWS], `${mode} csv id ${String(csv[i].id)} ${column}`);
        }
      }
      const fileRows = (await Promise.all(files.parquet.map((f) => readParquet(f)))).flat();
      for (const { column, id } of rawChecks) {
        const row = fileRows.find((r) => Number(r.id) === id)!;
        assert.equal(String(row[column]), String(byId.get(id)![column]), `${mode} parquet id ${id} ${column}: the file holds the source's microseconds`);
      }
      if (mode === 'defaults') assert.equal(rawChecks.length, 2, 'the TIME beyond a day, snapshot and stream');
    });
  }
});

interface Expected {
  /** the column's type as DuckDB reads it from the Parquet file */
  readonly type?: string;
  /** the values DuckDB reads from Parquet (as VARCHAR) and from CSV (as written), rows 1..3 */
  readonly parquet?: readonly (string | null | typeof RAW_MICROS)[];
  readonly csv?: readonly (string | null)[];
}

/**
 * A TIME beyond a day (MySQL's span ±838:59:59; MicroTime -3020399000000 µs here): the files sink
 * writes the exact microseconds to a Parquet TIME(MICROS) column, whose values Parquet bounds to
 * one day, and DuckDB prints garbage for it; the test reads the file's own number instead.
 */
const RAW_MICROS = 'raw µs';

const DEFAULTS: Record<string, Expected> = {
  ti: { type: 'SMALLINT', parquet: ['-128', '127', null], csv: ['-128', '127', null] },
  tiu: { type: 'SMALLINT', parquet: ['255', '0', null], csv: ['255', '0', null] },
  si: { type: 'SMALLINT', parquet: ['-32768', '32767', null], csv: ['-32768', '32767', null] },
  siu: { type: 'INTEGER', parquet: ['65535', '1', null], csv: ['65535', '1', null] },
  mi: { type: 'INTEGER', parquet: ['-8388608', '8388607', null], csv: ['-8388608', '8388607', null] },
  miu: { type: 'INTEGER', parquet: ['16777215', '0', null], csv: ['16777215', '0', null] },
  i: { type: 'INTEGER', parquet: ['-2147483648', '2147483647', null], csv: ['-2147483648', '2147483647', null] },
  iu: { type: 'BIGINT', parquet: ['4294967295', '0', null], csv: ['4294967295', '0', null] },
  bi: { type: 'BIGINT', parquet: ['-9223372036854775808', '9223372036854775807', null], csv: ['-9223372036854775808', '9223372036854775807', null] },
  biu: { type: 'BIGINT', parquet: ['-1', '9007199254740993', null], csv: ['-1', '9007199254740993', null] },
  dc: { type: 'DECIMAL(30,10)', parquet: ['12345678901234567890.0123456789', '-0.0000000001', null], csv: ['12345678901234567890.0123456789', '-0.0000000001', null] },
  dc0: { type: 'DECIMAL(5,0)', parquet: ['-99999', '0', null], csv: ['-99999', '0', null] },
  f: { type: 'FLOAT', parquet: ['3.5', '-1.25', null], csv: ['3.5', '-1.25', null] },
  d: { type: 'DOUBLE', parquet: ['1.7976931348623157e+308', '-2.5e-300', null], csv: ['1.7976931348623157e+308', '-2.5e-300', null] },
  b1: { type: 'BOOLEAN', parquet: ['true', 'false', null], csv: ['true', 'false', null] },
  b10: { type: 'BLOB', parquet: ['AA02', '0100', null], csv: ['qgI=', 'AQA=', null] },
  b64: { type: 'BLOB', parquet: ['FFFFFFFFFFFFFFFF', '8000000000000000', null], csv: ['//////////8=', 'gAAAAAAAAAA=', null] },
  y: { type: 'INTEGER', parquet: ['2024', '1901', null], csv: ['2024', '1901', null] },
  dt: { type: 'DATE', parquet: ['2024-02-29', '1000-01-01', null], csv: ['2024-02-29', '1000-01-01', null] },
  tm: { type: 'TIME', parquet: [RAW_MICROS, '12:34:56.789012', null], csv: ['-3020399000000', '45296789012', null] },
  tm0: { type: 'TIME', parquet: ['23:59:59', '00:00:00', null], csv: ['86399000000', '0', null] },
  dtm0: { type: 'TIMESTAMP', parquet: ['2024-02-29 23:59:59', '1000-01-01 00:00:00', null], csv: ['1709251199000', '-30610224000000', null] },
  dtm3: { type: 'TIMESTAMP', parquet: ['2024-02-29 23:59:59.123', '1970-01-01 00:00:00.001', null], csv: ['1709251199123', '1', null] },
  dtm6: { type: 'TIMESTAMP', parquet: ['9999-12-31 23:59:59.999999', '1969-12-31 23:59:59.999999', null], csv: ['253402300799999999', '-1', null] },
  ts0: { type: 'TIMESTAMP WITH TIME ZONE', parquet: ['2038-01-19 03:14:07+00', '1970-01-01 00:00:01+00', null], csv: ['2038-01-19T03:14:07Z', '1970-01-01T00:00:01Z', null] },
  ts3: { type: 'TIMESTAMP WITH TIME ZONE', parquet: ['2024-02-29 23:59:59.654+00', '2000-01-01 00:00:00+00', null], csv: ['2024-02-29T23:59:59.654Z', '2000-01-01T00:00:00.000Z', null] },
  ts6: { type: 'TIMESTAMP WITH TIME ZONE', parquet: ['2024-02-29 23:59:59.123456+00', '1970-01-01 00:00:01.000001+00', null], csv: ['2024-02-29T23:59:59.123456Z', '1970-01-01T00:00:01.000001Z', null] },
  c: { type: 'VARCHAR', parquet: ['abc', '', null], csv: ['abc', '', null] },
  vc: { type: 'VARCHAR', parquet: ['héllo ☃ 😀', 'a,b;"c"\n', null], csv: ['héllo ☃ 😀', 'a,b;"c"\n', null] },
  vl: { type: 'VARCHAR', parquet: ['café', 'Ünïcödé ß', null], csv: ['café', 'Ünïcödé ß', null] },
  tx: { type: 'VARCHAR', parquet: ['line 1\nline 2', 'x', null], csv: ['line 1\nline 2', 'x', null] },
  bn: { type: 'BLOB', parquet: ['FF010000', '00000000', null], csv: ['/wEAAA==', 'AAAAAA==', null] },
  vb: { type: 'BLOB', parquet: ['FF00', '', null], csv: ['/wA=', '', null] },
  bl: { type: 'BLOB', parquet: ['DEADBEEF', '00', null], csv: ['3q2+7w==', 'AA==', null] },
  en: { type: 'VARCHAR', parquet: ['b', 'a', null], csv: ['b', 'a', null] },
  st: { type: 'VARCHAR', parquet: ['x,z', '', null], csv: ['x,z', '', null] },
  js: { type: 'VARCHAR', parquet: ['{"a": [1, 2.5, "x"], "b": null}', '[]', null], csv: ['{"a": [1, 2.5, "x"], "b": null}', '[]', null] },
  g: { type: 'STRUCT(wkb BLOB, srid INTEGER)', parquet: ['0101000000000000000000F03F0000000000000040', '01020000000200000000000000000000000000000000000000000000000000F03F000000000000F03F', null], csv: ['{"wkb":"AQEAAAAAAAAAAADwPwAAAAAAAABA","srid":null}', '{"wkb":"AQIAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPA/AAAAAAAA8D8=","srid":null}', null] },
  gen: { type: 'INTEGER', parquet: ['-1073741824', '1073741823', null], csv: ['-1073741824', '1073741823', null] },
  genv: { type: 'VARCHAR', parquet: ['abc!', '!', null], csv: ['abc!', '!', null] },
  g_srid: { parquet: [null, null, null] },
};

/** the columns the other mode set changes */
const OTHER_MODES: Record<string, Record<string, Expected>> = {
  strings: {
    biu: { type: 'DECIMAL(20,0)', parquet: ['18446744073709551615', '9007199254740993', null], csv: ['18446744073709551615', '9007199254740993', null] },
    dc: { type: 'VARCHAR', parquet: ['12345678901234567890.0123456789', '-0.0000000001', null], csv: ['12345678901234567890.0123456789', '-0.0000000001', null] },
    dc0: { type: 'VARCHAR', parquet: ['-99999', '0', null], csv: ['-99999', '0', null] },
    tm: { type: 'TIME', parquet: [null, '12:34:56.789', null], csv: [null, '45296789', null] },
    tm0: { type: 'TIME', parquet: ['23:59:59', '00:00:00', null], csv: ['86399000', '0', null] },
    dtm0: { type: 'TIMESTAMP WITH TIME ZONE', parquet: ['2024-02-29 23:59:59+00', '1000-01-01 00:00:00+00', null], csv: ['1709251199000', '-30610224000000', null] },
    dtm3: { type: 'TIMESTAMP WITH TIME ZONE', parquet: ['2024-02-29 23:59:59.123+00', '1970-01-01 00:00:00.001+00', null], csv: ['1709251199123', '1', null] },
    dtm6: { type: 'TIMESTAMP WITH TIME ZONE', parquet: ['9999-12-31 23:59:59.999+00', '1969-12-31 23:59:59.999+00', null], csv: ['253402300799999', '-1', null] },
    bn: { type: 'VARCHAR', parquet: ['ff010000', '00000000', null], csv: ['ff010000', '00000000', null] },
    vb: { type: 'VARCHAR', parquet: ['ff00', '', null], csv: ['ff00', '', null] },
    bl: { type: 'VARCHAR', parquet: ['deadbeef', '00', null], csv: ['deadbeef', '00', null] },
  },
};
