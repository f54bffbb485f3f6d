import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Schemas, TributaryError, type SinkRecord } from '../../plugins/api/index.js';
import { maskFieldValuePlugin } from './mask-field.js';

const schema = Schemas.struct([
  Schemas.field('i', Schemas.int32()),
  Schemas.field('l', Schemas.int64()),
  Schemas.field('f', Schemas.float64()),
  Schemas.field('b', Schemas.boolean()),
  Schemas.field('s', Schemas.string({ optional: true })),
  Schemas.field('d', Schemas.decimal(10, 2)),
  Schemas.field('raw', Schemas.bytes()),
  Schemas.field('tags', Schemas.array(Schemas.string())),
  Schemas.field('u', Schemas.uuid()),
  Schemas.field('keep', Schemas.string()),
]);
const value = { i: 5, l: 9n, f: 1.5, b: true, s: null, d: '12.50', raw: new Uint8Array([1, 2]), tags: ['x'], u: '6f1c0000-0000-4000-8000-000000000001', keep: 'yes' };
const record = (v: unknown = value, s: typeof schema | null = schema): SinkRecord =>
  ({ topic: 't', keySchema: null, key: null, valueSchema: s, value: v, timestamp: 0, partition: 0, offset: 0, position: 'p', id: 'r' });

describe('MaskField', () => {
  it('replaces fields by the empty value of their type and keeps the schema', () => {
    const out = maskFieldValuePlugin.create({ fields: 'i,l,f,b,s,d,raw,tags,u' }).apply(record())!;
    assert.deepEqual(out.value, { i: 0, l: 0, f: 0, b: false, s: null, d: '0.00', raw: new Uint8Array(0), tags: [], u: '00000000-0000-0000-0000-000000000000', keep: 'yes' });
    assert.equal(out.valueSchema, schema);
  });

  it('writes a replacement converted to the field type', () => {
    const out = maskFieldValuePlugin.create({ fields: 'i,f,keep,d', replacement: '7' }).apply(record())!;
    assert.deepEqual(out.value, { ...value, i: 7, f: 7, keep: '7', d: '7' });
    const isConversion = (e: unknown) => e instanceof TributaryError && e.code === 'record.conversion_failed';
    assert.throws(() => maskFieldValuePlugin.create({ fields: 'i', replacement: 'secret' }).apply(record()), isConversion);
    assert.throws(() => maskFieldValuePlugin.create({ fields: 'tags', replacement: 'x' }).apply(record()), isConversion);
    assert.throws(() => maskFieldValuePlugin.create({ fields: 'nope' }).apply(record()), isConversion);
  });

  it('masks schemaless maps by value type and passes tombstones', () => {
    const out = maskFieldValuePlugin.create({ fields: 'a,b,c,missing' }).apply(record({ a: 'x', b: 3, c: [1] }, null))!;
    assert.deepEqual(out.value, { a: '', b: 0, c: [] });
    const ts = record(null);
    assert.equal(maskFieldValuePlugin.create({ fields: 'a' }).apply(ts), ts);
    assert.throws(() => maskFieldValuePlugin.create({}), /fields/);
  });
});
