import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldOf, LogicalName, Schemas, TributaryError, type SinkRecord, type SourceRecord } from '../../plugins/api/index.js';
import { insertFieldKeyPlugin, insertFieldValuePlugin } from './insert-field.js';
import { keySchema, row, rowFields } from './test/change-events.js';

const valueSchema = Schemas.struct(rowFields, { name: 'shop.public.orders.Value', version: 2 });

function sinkRecord(value: unknown = row(1), schema = valueSchema): SinkRecord {
  return { topic: 'orders', keySchema, key: { id: 1 }, valueSchema: schema, value, timestamp: 1_700_000_000_000, partition: 0, offset: 42, position: 'p1', id: 'r1' };
}

describe('InsertField', () => {
  it('inserts topic, partition, offset, timestamp and a static value into the value and its schema', () => {
    const t = insertFieldValuePlugin.create({
      'topic.field': 'src_topic!',
      'partition.field': 'src_partition',
      'offset.field': 'src_offset?',
      'timestamp.field': 'src_ts',
      'static.field': 'origin',
      'static.value': 'eu-1',
    });
    const input = sinkRecord();
    const out = t.apply(input)!;
    assert.deepEqual(out.value, { ...row(1), src_topic: 'orders', src_partition: 0, src_offset: 42, src_ts: 1_700_000_000_000, origin: 'eu-1' });
    const schema = out.valueSchema!;
    assert.equal(schema.name, 'shop.public.orders.Value');
    assert.equal(schema.version, 2);
    assert.equal(fieldOf(schema, 'src_topic')!.schema.optional, false, '! makes the field required');
    assert.equal(fieldOf(schema, 'src_offset')!.schema.optional, true);
    assert.equal(fieldOf(schema, 'src_offset')!.schema.type, 'int64');
    assert.equal(fieldOf(schema, 'src_ts')!.schema.name, LogicalName.ConnectTimestamp);
    assert.equal(out.id, 'r1');
    assert.equal(out.offset, 42);
    assert.equal(t.apply(sinkRecord(row(2)))!.valueSchema, schema, 'schema derived once');
  });

  it('works on keys, on schemaless maps, and passes tombstones through', () => {
    const k = insertFieldKeyPlugin.create({ 'topic.field': 't' });
    const out = k.apply(sinkRecord())!;
    assert.deepEqual(out.key, { id: 1, t: 'orders' });
    assert.deepEqual(out.keySchema!.fields!.map((f) => f.name), ['id', 't']);
    const v = insertFieldValuePlugin.create({ 'static.field': 's', 'static.value': 'x' });
    const schemaless = { ...sinkRecord(), valueSchema: null, value: { a: 1 } };
    assert.deepEqual(v.apply(schemaless)!.value, { a: 1, s: 'x' });
    const ts = { ...sinkRecord(), value: null };
    assert.equal(v.apply(ts), ts);
  });

  it('fails clearly for offsets on source records, required nulls and non-struct values', () => {
    const { partition: _p, offset: _o, ...rest } = sinkRecord();
    const source: SourceRecord = { ...rest, sourcePartition: {}, sourceOffset: {} };
    const isConversion = (e: unknown) => e instanceof TributaryError && e.code === 'record.conversion_failed';
    assert.throws(() => insertFieldValuePlugin.create({ 'offset.field': 'o' }).apply(source), isConversion);
    assert.throws(() => insertFieldValuePlugin.create({ 'partition.field': 'p!' }).apply(source), isConversion);
    assert.deepEqual(insertFieldValuePlugin.create({ 'partition.field': 'p' }).apply(source)!.value, { ...row(1), p: null });
    assert.throws(() => insertFieldValuePlugin.create({ 'topic.field': 't' }).apply(sinkRecord('text', Schemas.string())), isConversion);
  });
});
