import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, Schemas, type SinkRecord } from '../../plugins/api/index.js';
import { replaceFieldKeyPlugin, replaceFieldSpec, replaceFieldValuePlugin } from './replace-field.js';
import { keySchema, row, rowFields } from './test/change-events.js';

const valueSchema = Schemas.struct(rowFields, { name: 'orders.Value' });
const record = (value: unknown = row(1), schema: typeof valueSchema | null = valueSchema): SinkRecord =>
  ({ topic: 'orders', keySchema, key: { id: 1 }, valueSchema: schema, value, timestamp: 0, partition: 0, offset: 0, position: 'p', id: 'r' });

describe('ReplaceField', () => {
  it('excludes, includes and renames fields in value and schema, keeping order', () => {
    const t = replaceFieldValuePlugin.create({ exclude: 'total', renames: 'id:order_id,created_at:created' });
    const out = t.apply(record())!;
    assert.deepEqual(out.value, { order_id: 1, customer: 'ada', created: row(1).created_at });
    assert.deepEqual(out.valueSchema!.fields!.map((f) => f.name), ['order_id', 'customer', 'created']);
    assert.equal(out.valueSchema!.name, 'orders.Value');
    assert.equal(out.valueSchema!.fields![0].schema.type, 'int64');
    const inc = replaceFieldValuePlugin.create({ include: 'id,customer' }).apply(record())!;
    assert.deepEqual(Object.keys(inc.value as object), ['id', 'customer']);
  });

  it('accepts the old whitelist/blacklist names, schemaless maps and keys', () => {
    assert.deepEqual(replaceFieldValuePlugin.create({ blacklist: 'total,created_at' }).apply(record(row(1), null))!.value, { id: 1, customer: 'ada' });
    assert.deepEqual(replaceFieldValuePlugin.create({ whitelist: 'id' }).apply(record())!.value, { id: 1 });
    const key = replaceFieldKeyPlugin.create({ renames: 'id:key_id' }).apply(record())!;
    assert.deepEqual(key.key, { key_id: 1 });
    assert.equal(key.keySchema!.fields![0].name, 'key_id');
  });

  it('passes tombstones and refuses malformed renames', () => {
    const ts = record(null);
    assert.equal(replaceFieldValuePlugin.create({ exclude: 'a' }).apply(ts), ts);
    const parsed = parseConfig(replaceFieldSpec, { renames: 'a:b,c' });
    assert.equal(parsed.ok, false);
    assert.match(parsed.errors.renames[0], /old:new/);
  });
});
