import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldOf, LogicalName, parseConfig, Schemas, TributaryError, type Schema, type SinkRecord } from '../../plugins/api/index.js';
import { timestampConverterKeyPlugin, timestampConverterSpec, timestampConverterValuePlugin } from './timestamp-converter.js';
import { TimestampFormat } from './timestamp-format.js';

// 2023-11-14T22:13:20.123456Z
const MICROS = 1_700_000_000_123_456;
const MILLIS = 1_700_000_000_123;

const record = (schema: Schema | null, value: unknown): SinkRecord =>
  ({ topic: 't', keySchema: null, key: null, valueSchema: schema, value, timestamp: 0, partition: 0, offset: 0, position: 'p', id: 'r' });
const struct = (s: Schema) => Schemas.struct([Schemas.field('id', Schemas.int32()), Schemas.field('at', s)], { name: 'row' });
const convert = (config: Record<string, string>, schema: Schema | null, at: unknown) => {
  const out = timestampConverterValuePlugin.create({ field: 'at', ...config }).apply(record(schema ? struct(schema) : null, { id: 1, at }))!;
  return { value: (out.value as { at: unknown }).at, schema: out.valueSchema ? fieldOf(out.valueSchema, 'at')!.schema : null, record: out };
};

describe('TimestampConverter', () => {
  it('converts a MicroTimestamp to every target type', () => {
    const mt = Schemas.microTimestamp({ optional: true });
    const s = convert({ 'target.type': 'string', format: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" }, mt, MICROS);
    assert.equal(s.value, '2023-11-14T22:13:20.123Z');
    assert.deepEqual([s.schema!.type, s.schema!.optional], ['string', true]);
    const u = convert({ 'target.type': 'unix' }, mt, MICROS);
    assert.equal(u.value, MILLIS);
    assert.equal(u.schema!.type, 'int64');
    assert.equal(convert({ 'target.type': 'unix', 'unix.precision': 'microseconds' }, mt, MICROS).value, MICROS);
    assert.equal(convert({ 'target.type': 'unix', 'unix.precision': 'nanoseconds' }, mt, BigInt(MICROS)).value, 1_700_000_000_123_456_000n);
    assert.equal(convert({ 'target.type': 'unix', 'unix.precision': 'seconds' }, mt, MICROS).value, 1_700_000_000);
    const d = convert({ 'target.type': 'Date' }, mt, MICROS);
    assert.equal(d.value, 19675);
    assert.equal(d.schema!.name, LogicalName.ConnectDate);
    const t = convert({ 'target.type': 'Time' }, mt, MICROS);
    assert.equal(t.value, (22 * 3600 + 13 * 60 + 20) * 1000 + 123);
    assert.equal(t.schema!.name, LogicalName.ConnectTime);
    const ts = convert({ 'target.type': 'Timestamp' }, mt, MICROS);
    assert.equal(ts.value, MILLIS);
    assert.equal(ts.schema!.name, LogicalName.ConnectTimestamp);
    assert.equal(ts.record.id, 'r');
  });

  it('reads strings, unix times, ZonedTimestamp and Debezium dates', () => {
    const fmt = { 'target.type': 'Timestamp', format: 'yyyy/MM/dd HH:mm:ss' };
    assert.equal(convert(fmt, Schemas.string(), '2023/11/14 22:13:20').value, 1_700_000_000_000);
    assert.equal(convert({ 'target.type': 'Timestamp' }, Schemas.zonedTimestamp(), '2023-11-14T23:13:20.123456+01:00').value, MILLIS);
    assert.equal(convert({ 'target.type': 'unix', 'unix.precision': 'microseconds' }, Schemas.zonedTimestamp(), '2023-11-14T22:13:20.123456Z').value, MICROS);
    assert.equal(convert({ 'target.type': 'Timestamp', 'unix.precision': 'seconds' }, Schemas.int64(), 1_700_000_000).value, 1_700_000_000_000);
    assert.equal(convert({ 'target.type': 'string', format: 'yyyy-MM-dd' }, Schemas.date(), 19675).value, '2023-11-14');
    assert.equal(convert({ 'target.type': 'string', format: 'HH:mm:ss' }, Schemas.microTime(), 3_723_000_000).value, '01:02:03');
    assert.equal(convert({ 'target.type': 'Timestamp' }, null, '2023-11-14T22:13:20.123Z').value, MILLIS, 'schemaless string read as ISO');
    assert.equal(convert({ 'target.type': 'Date' }, null, MILLIS).value, 19675, 'schemaless number read as unix millis');
  });

  it('converts the whole key or value when field is empty, and keeps nulls', () => {
    const out = timestampConverterKeyPlugin.create({ 'target.type': 'unix' }).apply({ ...record(null, null), keySchema: Schemas.microTimestamp(), key: MICROS })!;
    assert.equal(out.key, MILLIS);
    assert.equal(out.keySchema!.type, 'int64');
    assert.equal(convert({ 'target.type': 'unix' }, Schemas.microTimestamp({ optional: true }), null).value, null);
    const ts = record(struct(Schemas.int64()), null);
    assert.equal(timestampConverterValuePlugin.create({ field: 'at', 'target.type': 'unix' }).apply(ts)!.value, null);
  });

  it('fails clearly on unparseable input and non-time fields', () => {
    const isConversion = (e: unknown) => e instanceof TributaryError && e.code === 'record.conversion_failed';
    assert.throws(() => convert({ 'target.type': 'unix', format: 'yyyy-MM-dd' }, Schemas.string(), 'yesterday'), isConversion);
    assert.throws(() => convert({ 'target.type': 'unix' }, Schemas.boolean(), true), isConversion);
    assert.throws(() => timestampConverterValuePlugin.create({ field: 'nope', 'target.type': 'unix' }).apply(record(struct(Schemas.int64()), { id: 1, at: 1 })), isConversion);
  });

  it('validates its config', () => {
    assert.ok(parseConfig(timestampConverterSpec, { 'target.type': 'string' }).errors.format, 'format required for string');
    assert.ok(parseConfig(timestampConverterSpec, { 'target.type': 'unix', format: 'yyyy-QQ' }).errors.format);
    assert.ok(parseConfig(timestampConverterSpec, { 'target.type': 'Instant' }).errors['target.type']);
    assert.equal(parseConfig(timestampConverterSpec, { 'target.type': 'timestamp' }).ok, true, 'case-insensitive');
  });

  it('formats and parses the SimpleDateFormat subset', () => {
    const f = new TimestampFormat("yyyyMMdd'T'HHmmss.SSSZ 'o''clock'");
    const text = f.format(MILLIS);
    assert.equal(text, "20231114T221320.123+0000 o'clock");
    assert.equal(f.parse(text), MILLIS);
    assert.equal(new TimestampFormat('yyyy-MM-dd HH:mm:ssX').parse('2023-11-14 23:13:20+01:00'), 1_700_000_000_000);
    assert.equal(new TimestampFormat('yyyy-MM-dd').parse('2023-13-01'), null);
  });
});
