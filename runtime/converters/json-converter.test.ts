import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LogicalName, markdownTable, Schemas, schemaFingerprint, TributaryError, type Schema } from '../../plugins/api/index.js';
import { findConverterPlugin } from './converter-registry.js';
import { JsonConverter, jsonConverterPlugin } from './json-converter.js';

const connectDate: Schema = Object.freeze({ ...Schemas.int32({ name: LogicalName.ConnectDate }), version: 1 });
const connectTimestamp: Schema = Object.freeze({ ...Schemas.int64({ optional: true, name: LogicalName.ConnectTimestamp }), version: 1 });

const everyType = Schemas.struct(
  [
    Schemas.field('i8', Schemas.int8()),
    Schemas.field('i16', Schemas.int16()),
    Schemas.field('i32', Schemas.int32()),
    Schemas.field('i64', Schemas.int64()),
    Schemas.field('big', Schemas.int64()),
    Schemas.field('f32', Schemas.float32()),
    Schemas.field('f64', Schemas.float64()),
    Schemas.field('bool', Schemas.boolean()),
    Schemas.field('text', Schemas.string({ doc: 'free "text" with } and \\ ]' })),
    Schemas.field('raw', Schemas.bytes()),
    Schemas.field('price', Schemas.decimal(10, 2)),
    Schemas.field('negative', Schemas.decimal(undefined, 3)),
    Schemas.field('day', Schemas.date()),
    Schemas.field('clock', Schemas.microTime()),
    Schemas.field('at', Schemas.microTimestamp()),
    Schemas.field('zoned', Schemas.zonedTimestamp()),
    Schemas.field('zonedTime', Schemas.zonedTime()),
    Schemas.field('doc', Schemas.json()),
    Schemas.field('uuid', Schemas.uuid()),
    Schemas.field('cday', connectDate),
    Schemas.field('cts', connectTimestamp),
    Schemas.field('missing', Schemas.string({ optional: true })),
    Schemas.field('withDefault', Schemas.string({ optional: true, defaultValue: 'dflt' })),
    Schemas.field('tags', Schemas.array(Schemas.string({ optional: true }))),
    Schemas.field('attrs', Schemas.map(Schemas.string(), Schemas.int64())),
    Schemas.field('byId', Schemas.map(Schemas.int32(), Schemas.string())),
    Schemas.field('nested', Schemas.struct([Schemas.field('x', Schemas.float64()), Schemas.field('inner', Schemas.struct([Schemas.field('ok', Schemas.boolean())], { optional: true }))], { name: 'Nested', optional: true })),
    Schemas.field('points', Schemas.array(Schemas.struct([Schemas.field('p', Schemas.decimal(5, 1))]))),
  ],
  { name: 'shop.public.everything.Value', version: 3, parameters: { origin: 'test' } },
);

const value = {
  i8: -128, i16: 32767, i32: -2147483648, i64: 42, big: 9007199254740993n, f32: 1.5, f64: -0.000123, bool: true,
  text: 'snow ☃ "quoted"\n', raw: new Uint8Array([0, 255, 10]), price: '12.50', negative: '-0.001',
  day: 19675, clock: 3_723_000_001, at: 1_700_000_000_123_456, zoned: '2023-11-14T22:13:20.123456Z', zonedTime: '22:13:20Z',
  doc: '{"a":[1,2]}', uuid: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', cday: 19675, cts: null, missing: null, withDefault: 'set',
  tags: ['a', null, 'c'], attrs: { x: 1, huge: -9223372036854775808n }, byId: { '7': 'seven', '-1': 'minus one' },
  nested: { x: 2.25, inner: null }, points: [{ p: '1.5' }, { p: '-100.0' }],
};

/** int64 values come back as numbers when safe, bigints otherwise; bytes as Buffers. */
function normalise(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

describe('JsonConverter', () => {
  for (const decimalFormat of ['BASE64', 'NUMERIC'] as const) {
    it(`round-trips every type with schemas.enable=true, decimal.format=${decimalFormat}`, () => {
      const c = new JsonConverter({ 'decimal.format': decimalFormat });
      const bytes = c.fromConnectData('t', everyType, value)!;
      const back = c.toConnectData('t', bytes);
      assert.equal(schemaFingerprint(back.schema), schemaFingerprint(everyType));
      assert.equal(back.schema!.version, 3);
      assert.equal(back.schema!.fields![8].schema.doc, 'free "text" with } and \\ ]');
      assert.deepEqual(normalise(back.value), normalise(value));
      assert.equal(c.toConnectData('t', bytes).schema, back.schema, 'schemas read back are cached by their text');
      assert.equal(back.schema!.fields!.find((f) => f.name === 'withDefault')!.schema.defaultValue, 'dflt');
      const defaulted = c.toConnectData('t', c.fromConnectData('t', everyType, { ...value, withDefault: null })!);
      assert.equal((defaulted.value as { withDefault: string }).withDefault, 'dflt', 'null written as the default');
      const text = bytes.toString();
      assert.ok(text.includes('"big":9007199254740993'), 'int64 beyond 2^53 written exactly');
      assert.ok(text.includes(decimalFormat === 'NUMERIC' ? '"price":12.50' : '"price":"BOI="'), text);
    });
  }

  it('writes Kafka Connect JSON schema form', () => {
    const c = new JsonConverter();
    const schema = Schemas.struct([Schemas.field('id', Schemas.int32()), Schemas.field('f', Schemas.float32({ optional: true })), Schemas.field('d', Schemas.decimal(4, 2))], { name: 'n', version: 1 });
    const out = JSON.parse(c.fromConnectData('t', schema, { id: 1, f: null, d: '-1.00' })!.toString());
    assert.deepEqual(out, {
      schema: {
        type: 'struct',
        fields: [
          { type: 'int32', optional: false, field: 'id' },
          { type: 'float', optional: true, field: 'f' },
          { type: 'bytes', optional: false, name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '4' }, field: 'd' },
        ],
        optional: false,
        name: 'n',
        version: 1,
      },
      payload: { id: 1, f: null, d: 'nA==' },
    });
  });

  it('reads JSON written by Kafka Connect, including the decimal forms and map pairs', () => {
    const c = new JsonConverter();
    const text = '{"schema":{"type":"struct","optional":false,"fields":[{"field":"amount","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"optional":false},{"field":"n","type":"double","optional":false},{"field":"m","type":"map","keys":{"type":"int64","optional":false},"values":{"type":"string","optional":false},"optional":false}]},"payload":{"amount":"AIA=","n":3,"m":[[12345678901234567890,"x"]]}}';
    const { value: v } = c.toConnectData('t', Buffer.from(text));
    assert.deepEqual(v, { amount: '1.28', n: 3, m: { '12345678901234567890': 'x' } });
    const numeric = '{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"3"},"optional":false},"payload":1.5}';
    assert.equal(c.toConnectData('t', Buffer.from(numeric)).value, '1.500');
  });

  it('schemas.enable=false writes and reads the payload only, inferring types', () => {
    const c = new JsonConverter({ 'schemas.enable': false });
    const bytes = c.fromConnectData('t', null, { id: 12345678901234567890n, name: 'x', ok: false, list: [1.5, null], raw: new Uint8Array([1]) })!;
    assert.equal(bytes.toString(), '{"id":12345678901234567890,"name":"x","ok":false,"list":[1.5,null],"raw":"AQ=="}');
    assert.deepEqual(c.toConnectData('t', bytes), { schema: null, value: { id: 12345678901234567890n, name: 'x', ok: false, list: [1.5, null], raw: 'AQ==' } });
    assert.deepEqual(new JsonConverter().toConnectData('t', new JsonConverter().fromConnectData('t', null, { a: 1 })), { schema: null, value: { a: 1 } });
  });

  it('maps tombstones to null bytes and back', () => {
    const c = new JsonConverter();
    assert.equal(c.fromConnectData('t', everyType, null), null);
    assert.deepEqual(c.toConnectData('t', null), { schema: null, value: null });
    assert.deepEqual(c.toConnectData('t', new Uint8Array(0)), { schema: null, value: null });
  });

  it('fails with record.conversion_failed on bad data', () => {
    const c = new JsonConverter();
    const failsWith = (pattern: RegExp) => (e: unknown) => e instanceof TributaryError && e.code === 'record.conversion_failed' && pattern.test(e.message);
    const s = Schemas.struct([Schemas.field('id', Schemas.int32())]);
    assert.throws(() => c.fromConnectData('t', s, { id: null }), failsWith(/field "id".*required/));
    assert.throws(() => c.fromConnectData('t', s, { id: 'one' }), failsWith(/field "id"/));
    assert.throws(() => c.fromConnectData('t', Schemas.decimal(5, 1), '1.25'), failsWith(/decimal places/));
    assert.throws(() => c.toConnectData('t', Buffer.from('{"a":1}')), failsWith(/schemas\.enable=false/));
    assert.throws(() => c.toConnectData('t', Buffer.from('{"schema":null,"payload":')), failsWith(/end/));
    assert.throws(() => c.toConnectData('t', Buffer.from('{"schema":{"type":"int8","optional":false},"payload":300}')), failsWith(/out of range/));
  });

  it('is a registered plugin configured from strings', () => {
    assert.equal(findConverterPlugin('org.apache.kafka.connect.json.JsonConverter'), jsonConverterPlugin);
    const c = jsonConverterPlugin.create({ 'schemas.enable': 'false', 'decimal.format': 'numeric' }, false);
    assert.equal(c.fromConnectData('t', Schemas.decimal(4, 2), '3.1')!.toString(), '3.10');
    assert.throws(() => jsonConverterPlugin.create({ 'decimal.format': 'hex' }, false), (e: unknown) => e instanceof TributaryError && e.code === 'config.invalid');
  });
});

describe('runtime/converters/README.md', () => {
  it('has the JsonConverter properties table generated from its spec', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const block = /<!-- properties:JsonConverter -->\n([\s\S]*?)\n<!-- \/properties -->/.exec(readme);
    assert.equal(block?.[1], markdownTable(jsonConverterPlugin.configSpec));
  });
});
