import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Schema, SourceRecord } from '../../../plugins/api/index.js';
import { TableFilter } from '../../../plugins/cdc/index.js';
import { BinlogDecoder, type BinlogEvent } from './binlog-decoder.js';
import { BinlogPosition } from './binlog-position.js';
import type { RecordSettings } from './record-settings.js';

const settings: RecordSettings = {
  flavour: 'mariadb', serverName: 'srv', heartbeatTopic: '__debezium-heartbeat.srv', partition: { server: 'srv' }, serverId: 5400, sourceServerId: 1,
  tombstones: true, includeQuery: false, includeSchemaChanges: true,
};
const mapping = { 'decimal.handling.mode': 'precise', 'time.precision.mode': 'adaptive_time_microseconds', 'bigint.unsigned.handling.mode': 'long', 'binary.handling.mode': 'bytes' } as const;
const logger = { debug() {}, info() {}, warn() {}, error() {} };

let at = 1000;
/** a zongji-like event of `size` bytes right after the previous one */
function event(name: string, fields: Partial<BinlogEvent> = {}): BinlogEvent {
  const size = 40;
  at += size + 23;
  return { getEventName: () => name, timestamp: 1_700_000_000_000, nextPosition: at, size, ...fields };
}

const tableMap = {
  7: { parentSchema: 'shop', tableName: 'items', columnSchemas: [{ COLUMN_NAME: 'id', COLUMN_TYPE: 'int' }, { COLUMN_NAME: 'name', COLUMN_TYPE: 'varchar(20)' }] },
};

/** The value conforms to the schema: the same fields in the same order, types that fit, no null where none is allowed. */
function conforms(schema: Schema, value: unknown, path: string): string[] {
  if (value === null || value === undefined) return schema.optional ? [] : [`${path}: null in a required ${schema.type}`];
  switch (schema.type) {
    case 'struct': {
      const keys = Object.keys(value as object);
      const names = schema.fields!.map((f) => f.name);
      if (JSON.stringify(keys) !== JSON.stringify(names)) return [`${path}: fields ${JSON.stringify(keys)}, schema ${JSON.stringify(names)}`];
      return schema.fields!.flatMap((f) => conforms(f.schema, (value as Record<string, unknown>)[f.name], `${path}.${f.name}`));
    }
    case 'int8': case 'int16': case 'int32':
      return Number.isInteger(value) ? [] : [`${path}: ${String(value)} is no ${schema.type}`];
    case 'int64':
      return Number.isInteger(value) || typeof value === 'bigint' ? [] : [`${path}: ${String(value)} is no int64`];
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: ${String(value)} is no string`];
    default:
      return [];
  }
}

test('every change the decoder emits (c, u, d, t) carries what its value schema declares: Debezium 3\'s transaction, ts_ms, ts_us and ts_ns', () => {
  const decoder = new BinlogDecoder({ settings, filter: new TableFilter({}), mapping, logger, catalogOf: () => ({ columns: [{ name: 'id', columnType: 'int', optional: false }, { name: 'name', columnType: 'varchar(20)', optional: true }], key: ['id'] }), completedGtids: () => '0-1-5' }, new BinlogPosition('binlog.000001', 4));
  const records: SourceRecord[] = [];
  const feed = (e: BinlogEvent) => records.push(...decoder.decode(e));
  feed(event('mariadbgtid', { gtid: '0-1-6' }));
  feed(event('tablemap', { tableId: 7, schemaName: 'shop', tableName: 'items', primaryKey: [0], tableMap }));
  feed(event('writerows', { tableId: 7, tableMap, rows: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }] }));
  feed(event('updaterows', { tableId: 7, tableMap, rows: [{ before: { id: 1, name: 'a' }, after: { id: 1, name: 'c' } }] }));
  feed(event('deleterows', { tableId: 7, tableMap, rows: [{ id: 2, name: 'b' }] }));
  feed(event('xid'));
  feed(event('mariadbgtid', { gtid: '0-1-7' }));
  feed(event('query', { query: 'TRUNCATE TABLE items', schema: 'shop' }));
  const changes = records.filter((r) => r.topic === 'srv.shop.items' && r.value !== null);
  assert.deepEqual(changes.map((r) => (r.value as { op: string }).op), ['c', 'c', 'u', 'd', 't']);
  for (const r of changes) {
    const value = r.value as Record<string, unknown>;
    assert.deepEqual(conforms(r.valueSchema!, value, 'value'), [], `${String(value.op)}: value and schema agree`);
    assert.equal(value.transaction, null);
    assert.equal(value.ts_us, (value.ts_ms as number) * 1000);
    assert.equal(value.ts_ns, BigInt(value.ts_ms as number) * 1_000_000n);
  }
  const ddl = records.find((r) => r.topic === 'srv')!;
  assert.deepEqual(conforms(ddl.valueSchema!, ddl.value, 'schema change'), []);
  assert.equal(ddl.valueSchema!.name, 'io.debezium.connector.mariadb.SchemaChangeValue');
  const schema = changes[0].valueSchema!;
  assert.equal(schema.name, 'srv.shop.items.Envelope');
  assert.equal(schema.version, 2);
  assert.deepEqual(schema.fields!.map((f) => f.name), ['before', 'after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us', 'ts_ns']);
  const transaction = schema.fields!.find((f) => f.name === 'transaction')!.schema;
  assert.deepEqual({ name: transaction.name, optional: transaction.optional, fields: transaction.fields!.map((f) => `${f.name}:${f.schema.type}`) },
    { name: 'event.block', optional: true, fields: ['id:string', 'total_order:int64', 'data_collection_order:int64'] });
});
