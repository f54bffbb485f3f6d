import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { SinkRecord, SourceRecord } from '../../../plugins/api/index.js';
import { DuckDbReader, sqlString } from '../../../integration-tests/harness/duckdb-reader.js';
import { tempDir } from '../../../integration-tests/harness/temp.js';
import { filesSinkSpec, type FilesSinkConfig } from '../../sink/files/files-sink-config.js';
import { FilesSinkTask } from '../../sink/files/files-sink-task.js';
import { listFiles } from '../../sink/files/test/read-back.js';
import { sinkContext } from '../../sink/files/test/sink-fixtures.js';
import { ChangeRecords } from './change-records.js';
import { OceanBaseTable, type TableShape } from './oceanbase-table.js';
import { col } from './test/fake-setup.js';
import { TopicNamer } from '../../../plugins/cdc/index.js';

/** every Oracle-mode type the issue names, with a value that loses something if handled as a double or a Date */
const shape: TableShape = {
  owner: 'INVENTORY', name: 'TYPES', key: ['ID'],
  columns: [
    col('ID', 'NUMBER', 10, 0, false), col('BIG', 'NUMBER', 38, 10), col('ANYNUM', 'NUMBER'), col('V2', 'VARCHAR2'), col('NV2', 'NVARCHAR2'), col('C', 'CHAR'),
    col('D', 'DATE'), col('TS6', 'TIMESTAMP(6)'), col('TS9', 'TIMESTAMP(9)'), col('TSTZ', 'TIMESTAMP(6) WITH TIME ZONE'), col('TSLTZ', 'TIMESTAMP(6) WITH LOCAL TIME ZONE'),
    col('R', 'RAW'), col('BF', 'BINARY_FLOAT'), col('BD', 'BINARY_DOUBLE'), col('IYM', 'INTERVAL YEAR(2) TO MONTH'), col('IDS', 'INTERVAL DAY(2) TO SECOND(6)'),
  ],
};
const text = {
  ID: '1', BIG: '12345678901234567890.0123456789', ANYNUM: '-0.000000000000000000001', V2: 'naïve ☃', NV2: '日本', C: 'x  ', D: '2024-02-29 23:59:59',
  TS6: '1999-12-31 23:59:59.999999', TS9: '2024-05-06 01:02:03.123456789', TSTZ: '2024-05-06 07:08:09.123456000 +08:00', TSLTZ: '2024-05-06 01:02:03.000001000',
  R: '00FF10', BF: '3.4028235E+38', BD: '0.1', IYM: '+02-03', IDS: '+01 02:03:04.500000',
};

function records(): SinkRecord[] {
  const table = new OceanBaseTable(shape, 'ob', new TopicNamer(), { 'decimal.handling.mode': 'precise', 'time.precision.mode': 'adaptive' });
  const maker = new ChangeRecords({ serverName: 'ob', partition: { server: 'ob' }, db: 'INVENTORY', tenant: 't', tombstones: false, captureMode: 'query', heartbeatTopic: 'hb' });
  const out: SourceRecord[] = maker.records({ table, op: 'c', before: null, after: text, tsMs: Date.UTC(2024, 4, 6), txId: null, scn: '5', position: '00000000000000000001', offset: { mode: 'query' } });
  return out.map((r, i) => ({ ...r, partition: 0, offset: i }));
}

describe('Oracle-mode types are exact in every output format of the files sink', () => {
  for (const format of ['json', 'csv', 'parquet'] as const) {
    test(format, async () => {
      const dir = tempDir(`ob-types-${format}`);
      const context = sinkContext<FilesSinkConfig>(filesSinkSpec, { topics: 'ob.INVENTORY.TYPES', 'store.url': `file://${dir.path}`, format });
      const task = new FilesSinkTask({});
      await task.start(context);
      await task.put(records());
      await task.closeAll();
      await task.stop();
      const [file] = listFiles(dir.path);
      const path = join(dir.path, file);
      // read back exactly: JSON as text (a JSON.parse would round the decimal), Parquet through DuckDB with decimals as text
      const row = format === 'json' ? jsonRow(readFileSync(path, 'utf8')) : format === 'parquet' ? await parquetRow(path) : csvRow(readFileSync(path, 'utf8'));
      const s = (v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v));
      assert.equal(s(row.BIG), '12345678901234567890.0123456789');
      assert.equal(s(row.V2), 'naïve ☃');
      assert.equal(s(row.NV2), '日本');
      // Parquet keeps the instant (TIMESTAMP WITH TIME ZONE is UTC-normalised there); JSON and CSV keep the offset too
      if (format === 'parquet') {
        assert.equal(s(row.TSTZ), '2024-05-05 23:08:09.123456+00');
        assert.equal(s(row.TSLTZ), '2024-05-06 01:02:03.000001+00');
      } else {
        assert.equal(s(row.TSTZ), '2024-05-06T07:08:09.123456+08:00');
        assert.equal(s(row.TSLTZ), '2024-05-06T01:02:03.000001Z');
      }
      // nanoseconds and microseconds survive (a JS Date would keep milliseconds only)
      assert.match(s(row.TS9), /^(1714957323123456789|2024-05-06[T ]01:02:03\.123456789Z?)$/);
      assert.match(s(row.TS6), /^(946684799999999|1999-12-31[T ]23:59:59\.999999Z?)$/);
      assert.match(s(row.R), /^(00ff10|AP8Q|\\x00\\xFF\\x10)$/i, 'RAW bytes: hex (CSV), base64 (JSON) or DuckDB\'s blob text');
      assert.equal(Number(s(row.BD)), 0.1);
      dir.remove();
    });
  }
});

/** the first line's fields, with numbers kept as their text */
function jsonRow(content: string): Record<string, unknown> {
  const line = content.split('\n')[0].replace(/":(-?[0-9][0-9.eE+-]*)(?=[,}])/g, '":"$1"');
  return JSON.parse(line) as Record<string, unknown>;
}

async function parquetRow(path: string): Promise<Record<string, unknown>> {
  const duck = await DuckDbReader.open();
  try {
    const types = await duck.columnTypes(`SELECT * FROM read_parquet(${sqlString(path)})`);
    assert.equal(types.BIG, 'DECIMAL(38,10)');
    return (await duck.rows(`SELECT * FROM read_parquet(${sqlString(path)})`))[0];
  } finally {
    duck.close();
  }
}

function csvRow(content: string): Record<string, unknown> {
  const [header, line] = content.trim().split('\n');
  const split = (l: string) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"'));
  const names = split(header);
  const values = split(line);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}
