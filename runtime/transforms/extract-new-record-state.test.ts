import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldOf, rowSchemaOf, TributaryError, type ConnectRecord, type RawConfig, type SourceRecord } from '../../plugins/api/index.js';
import { extractNewRecordStatePlugin } from './extract-new-record-state.js';
import { changeRecord, orderEnvelope, row, tombstone } from './test/change-events.js';

const unwrap = (config: RawConfig = {}) => extractNewRecordStatePlugin.create(config);

function keepsRecordFields(out: ConnectRecord | null, input: SourceRecord): void {
  assert.ok(out);
  const o = out as SourceRecord;
  assert.equal(o.id, input.id);
  assert.equal(o.position, input.position);
  assert.deepEqual(o.sourceOffset, input.sourceOffset);
  assert.deepEqual(o.sourcePartition, input.sourcePartition);
  assert.equal(o.timestamp, input.timestamp);
  assert.deepEqual(o.key, input.key);
  assert.equal(o.keySchema, input.keySchema);
}

describe('ExtractNewRecordState', () => {
  it('flattens an insert to the after row with the row schema', () => {
    const input = changeRecord('c', null, row(1));
    const out = unwrap().apply(input);
    keepsRecordFields(out, input);
    assert.deepEqual(out!.value, row(1));
    assert.equal(out!.valueSchema, rowSchemaOf(orderEnvelope));
    assert.deepEqual(out!.headers, { trace: 'abc' });
  });

  it('with defaults drops deletes and tombstones (legacy delete.handling.mode=drop, drop.tombstones=true)', () => {
    const t = unwrap();
    assert.equal(t.apply(changeRecord('d', row(1), null)), null);
    assert.equal(t.apply(tombstone(1)), null);
  });

  it('rewrite mode turns a delete into its before row with __deleted=true and marks other rows false', () => {
    const t = unwrap({ 'delete.handling.mode': 'rewrite' });
    const del = changeRecord('d', row(2), null);
    const out = t.apply(del);
    keepsRecordFields(out, del);
    assert.deepEqual(out!.value, { ...row(2), __deleted: 'true' });
    const schema = out!.valueSchema!;
    assert.equal(schema.name, 'shop.public.orders.Value');
    assert.deepEqual(schema.fields!.map((f) => f.name), ['id', 'customer', 'total', 'created_at', '__deleted']);
    assert.equal(fieldOf(schema, '__deleted')!.schema.type, 'string');
    const upd = t.apply(changeRecord('u', row(2), row(2, 'bob')));
    assert.deepEqual(upd!.value, { ...row(2, 'bob'), __deleted: 'false' });
    assert.equal(upd!.valueSchema, schema, 'one derived schema per envelope schema');
  });

  it('delete.handling.mode=none keeps a delete as a null value; drop.tombstones=false keeps tombstones', () => {
    const t = unwrap({ 'delete.handling.mode': 'none', 'drop.tombstones': 'false' });
    const out = t.apply(changeRecord('d', row(3), null));
    assert.equal(out!.value, null);
    assert.equal(out!.valueSchema, rowSchemaOf(orderEnvelope));
    const ts = tombstone(3);
    assert.equal(t.apply(ts), ts);
  });

  it('delete.tombstone.handling.mode overrides the legacy properties', () => {
    const cases: [string, 'drop' | 'null' | 'rewrite', boolean][] = [
      ['drop', 'drop', false],
      ['tombstone', 'null', false],
      ['rewrite', 'rewrite', false],
      ['rewrite-with-tombstone', 'rewrite', true],
    ];
    for (const [mode, deletes, keepsTombstones] of cases) {
      const t = unwrap({ 'delete.tombstone.handling.mode': mode, 'delete.handling.mode': 'none', 'drop.tombstones': 'false' });
      const out = t.apply(changeRecord('d', row(4), null));
      if (deletes === 'drop') assert.equal(out, null, mode);
      else if (deletes === 'null') assert.equal(out!.value, null, mode);
      else assert.equal((out!.value as Record<string, unknown>).__deleted, 'true', mode);
      assert.equal(t.apply(tombstone(4)) !== null, keepsTombstones, mode);
    }
  });

  it('adds envelope and source metadata with add.fields, with matching optional schemas', () => {
    const t = unwrap({ 'add.fields': 'op,table,lsn,source.ts_ms,ts_ms', 'delete.tombstone.handling.mode': 'rewrite' });
    const input = changeRecord('u', row(5), row(5, 'eve'));
    const out = t.apply(input)!;
    const v = out.value as Record<string, unknown>;
    const source = (input.value as { source: { lsn: number } }).source;
    assert.deepEqual(v, { ...row(5, 'eve'), __deleted: 'false', __op: 'u', __table: 'orders', __lsn: source.lsn, __source_ts_ms: 1_700_000_000_000, __ts_ms: 1_700_000_000_500 });
    const names = out.valueSchema!.fields!.map((f) => f.name);
    assert.deepEqual(names, ['id', 'customer', 'total', 'created_at', '__deleted', '__op', '__table', '__lsn', '__source_ts_ms', '__ts_ms']);
    assert.equal(fieldOf(out.valueSchema!, '__lsn')!.schema.type, 'int64');
    assert.ok(out.valueSchema!.fields!.slice(4).every((f) => f.schema.optional));
    const del = t.apply(changeRecord('d', row(5), null))!;
    assert.equal((del.value as Record<string, unknown>).__op, 'd');
  });

  it('honours add.fields.prefix and add.headers', () => {
    const t = unwrap({ 'add.fields': 'op', 'add.fields.prefix': 'cdc_', 'add.headers': 'op,db,lsn', 'add.headers.prefix': 'x_' });
    const out = t.apply(changeRecord('c', null, row(6)))!;
    assert.equal((out.value as Record<string, unknown>).cdc_op, 'c');
    assert.equal(out.headers!.trace, 'abc');
    assert.equal(out.headers!.x_op, 'c');
    assert.equal(out.headers!.x_db, 'shop');
    assert.match(out.headers!.x_lsn, /^\d+$/);
  });

  it('fails with record.conversion_failed when add.fields names a missing field', () => {
    const t = unwrap({ 'add.fields': 'scn' });
    assert.throws(() => t.apply(changeRecord('c', null, row(7))), (e: unknown) => e instanceof TributaryError && e.code === 'record.conversion_failed' && /scn/.test(e.message));
  });

  it('passes non-envelope records through unchanged and drops truncates', () => {
    const t = unwrap();
    const flat = { ...changeRecord('c', null, row(8)), valueSchema: rowSchemaOf(orderEnvelope)!, value: row(8) };
    assert.equal(t.apply(flat), flat);
    const noSchema = { ...flat, valueSchema: null, value: 'plain text' };
    assert.equal(t.apply(noSchema), noSchema);
    assert.equal(t.apply(changeRecord('t', null, null)), null);
  });

  it('unwraps schemaless change events', () => {
    const t = unwrap({ 'add.fields': 'op,table', 'delete.handling.mode': 'rewrite' });
    const input = { ...changeRecord('r', null, row(9)), valueSchema: null };
    const out = t.apply(input)!;
    assert.equal(out.valueSchema, null);
    assert.deepEqual(out.value, { ...row(9), __deleted: 'false', __op: 'r', __table: 'orders' });
  });

  it('refuses bad config with every problem listed', () => {
    assert.throws(() => unwrap({ 'delete.handling.mode': 'explode', 'add.fields': 'a..b' }), /delete\.handling\.mode/);
    assert.throws(() => unwrap({ 'add.fields': 'source.ts.ms' }), /add\.fields/);
  });
});
