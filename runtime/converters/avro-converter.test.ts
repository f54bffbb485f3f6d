import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { commonSourceFields, envelopeSchema, LogicalName, markdownTable, RetriableError, Schemas, TributaryError, type Schema } from '../../plugins/api/index.js';
import { toSinkRecord } from '../bus/kafka/kafka-record-codec.js';
import { AvroConverter, avroConverterPlugin, parseAvroConverterConfig, type AvroConverterConfig } from './avro-converter.js';
import { findConverterPlugin } from './converter-registry.js';
import { prepareIncoming, prepareOutgoing } from './connector-converters.js';
import { JsonConverter } from './json-converter.js';
import { RegistryError, type SchemaRegistryClient } from './schema-registry-client.js';

/**
 * The registry is an injected SchemaRegistryClient here (no HTTP): it keeps subjects and ids in
 * memory, as a registry would for these calls. The converter's behaviour against a real registry
 * is the acceptance tests' (integration-tests, Apicurio Registry).
 */
class MemoryRegistry implements SchemaRegistryClient {
  readonly ids = new Map<string, number>();
  readonly texts = new Map<number, string>();
  readonly subjects = new Map<string, number[]>();
  readonly calls: string[] = [];
  failNext = 0;
  incompatible = false;

  #maybeFail(call: string): void {
    this.calls.push(call);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new RegistryError('no answer from the schema registry: connect ECONNREFUSED', 599);
    }
  }

  async register(subject: string, schema: string): Promise<number> {
    this.#maybeFail(`register ${subject}`);
    const versions = this.subjects.get(subject) ?? [];
    if (this.incompatible && versions.length > 0) throw new RegistryError('Schema being registered is incompatible with an earlier schema; READER_FIELD_MISSING_DEFAULT_VALUE', 409);
    let id = this.ids.get(schema);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(schema, id);
      this.texts.set(id, schema);
    }
    if (!versions.includes(id)) versions.push(id);
    this.subjects.set(subject, versions);
    return id;
  }

  async lookup(subject: string, schema: string): Promise<{ id: number; version: number }> {
    this.#maybeFail(`lookup ${subject}`);
    const id = this.ids.get(schema);
    const version = id === undefined ? -1 : (this.subjects.get(subject) ?? []).indexOf(id) + 1;
    if (id === undefined || version <= 0) throw new RegistryError('Schema not found', 404);
    return { id, version };
  }

  async latest(subject: string): Promise<{ id: number; version: number; schema: string }> {
    this.#maybeFail(`latest ${subject}`);
    const versions = this.subjects.get(subject);
    if (!versions) throw new RegistryError(`Subject '${subject}' not found.`, 404);
    const id = versions[versions.length - 1];
    return { id, version: versions.length, schema: this.texts.get(id)! };
  }

  async schemaById(id: number): Promise<string> {
    this.#maybeFail(`schema ${id}`);
    const text = this.texts.get(id);
    if (text === undefined) throw new RegistryError('Schema 99 not found', 404);
    return text;
  }
}

const config = (extra: Record<string, string> = {}): AvroConverterConfig => parseAvroConverterConfig({ 'schema.registry.url': 'http://registry:8081', 'retries.wait.ms': '1', 'retries.max.wait.ms': '2', ...extra });

const connectDate: Schema = Object.freeze({ ...Schemas.int32({ name: LogicalName.ConnectDate }), version: 1 });
const connectTimestamp: Schema = Object.freeze({ ...Schemas.int64({ optional: true, name: LogicalName.ConnectTimestamp }), version: 1 });

const everyType = Schemas.struct(
  [
    Schemas.field('i8', Schemas.int8()),
    Schemas.field('i16', Schemas.int16()),
    Schemas.field('i32', Schemas.int32()),
    Schemas.field('i64', Schemas.int64()),
    Schemas.field('max', Schemas.int64()),
    Schemas.field('min', Schemas.int64()),
    Schemas.field('f32', Schemas.float32()),
    Schemas.field('f64', Schemas.float64()),
    Schemas.field('bool', Schemas.boolean()),
    Schemas.field('text', Schemas.string({ doc: 'free "text"' })),
    Schemas.field('raw', Schemas.bytes()),
    Schemas.field('price', Schemas.decimal(10, 2)),
    Schemas.field('negative', Schemas.decimal(undefined, 3)),
    Schemas.field('huge', Schemas.decimal(40, 0)),
    Schemas.field('day', Schemas.date()),
    Schemas.field('clock', Schemas.microTime()),
    Schemas.field('at', Schemas.microTimestamp()),
    Schemas.field('zoned', Schemas.zonedTimestamp()),
    Schemas.field('doc', Schemas.json()),
    Schemas.field('uuid', Schemas.uuid()),
    Schemas.field('cday', connectDate),
    Schemas.field('cts', connectTimestamp),
    Schemas.field('missing', Schemas.string({ optional: true })),
    Schemas.field('tags', Schemas.array(Schemas.string({ optional: true }))),
    Schemas.field('attrs', Schemas.map(Schemas.string(), Schemas.int64())),
    Schemas.field('byId', Schemas.map(Schemas.int32(), Schemas.string())),
    Schemas.field('nested', Schemas.struct([Schemas.field('x', Schemas.float64()), Schemas.field('inner', Schemas.struct([Schemas.field('ok', Schemas.boolean())], { optional: true, name: 'Inner' }))], { name: 'Nested', optional: true })),
    Schemas.field('points', Schemas.array(Schemas.struct([Schemas.field('p', Schemas.decimal(5, 1))], { name: 'Point' }))),
  ],
  { name: 'shop.public.everything.Value', version: 3, parameters: { origin: 'test' } },
);

const value = {
  i8: -128, i16: 32767, i32: -2147483648, i64: 42, max: 9223372036854775807n, min: -9223372036854775808n, f32: 1.5, f64: -0.000123, bool: true,
  text: 'snow ☃ "quoted"\n', raw: Buffer.from([0, 255, 10]), price: '12.50', negative: '-0.001', huge: '-1234567890123456789012345678901234567890',
  day: 19675, clock: 3_723_000_001, at: 1_700_000_000_123_456, zoned: '2023-11-14T22:13:20.123456Z',
  doc: '{"a":[1,2]}', uuid: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', cday: 19675, cts: null, missing: null,
  tags: ['a', null, 'c'], attrs: { x: 1, huge: -9223372036854775808n }, byId: { '7': 'seven', '-1': 'minus one' },
  nested: { x: 2.25, inner: null }, points: [{ p: '1.5' }, { p: '-100.0' }],
};

async function roundTrip(c: AvroConverter, topic: string, schema: Schema, v: unknown) {
  const record = { topic, keySchema: null, key: null, valueSchema: schema, value: v };
  await c.prepareOutgoing([record]);
  const bytes = c.fromConnectData(topic, schema, v)!;
  await c.prepareIncoming([{ topic, key: null, value: bytes }]);
  return { bytes, back: c.toConnectData(topic, bytes) };
}

/** What the JSON converter gives back for the same record: the Avro converter must give the same. */
function viaJson(schema: Schema, v: unknown) {
  const json = new JsonConverter();
  return json.toConnectData('t', json.fromConnectData('t', schema, v));
}

describe('AvroConverter', () => {
  it('round-trips every type exactly, with the values the JsonConverter gives', async () => {
    const registry = new MemoryRegistry();
    const c = new AvroConverter(config(), false, registry);
    const { bytes, back } = await roundTrip(c, 'shop.public.everything', everyType, value);
    // Confluent wire format: magic byte 0, schema id 1 as 4 bytes big-endian
    assert.deepEqual([...bytes.subarray(0, 5)], [0, 0, 0, 0, 1]);
    assert.deepEqual(back.value, viaJson(everyType, value).value);
    assert.equal((back.value as { max: bigint }).max, 9223372036854775807n);
    assert.equal((back.value as { min: bigint }).min, -9223372036854775808n);
    assert.equal((back.value as { i64: number }).i64, 42, 'safe int64 values come back as numbers');
    assert.equal((back.value as { huge: string }).huge, value.huge);
    // the schema: the same but for Kafka Connect's logical-type versions (Decimal, Date: 1), as AvroData reads them
    const decimalsV1 = { ...everyType, fields: everyType.fields!.map((f) => (f.schema.name === LogicalName.Decimal ? { ...f, schema: { ...f.schema, version: 1 } } : f.name === 'points' ? { ...f, schema: { ...f.schema, items: { ...f.schema.items!, fields: [{ name: 'p', schema: { ...f.schema.items!.fields![0].schema, version: 1 } }] } } } : f)) };
    assert.deepEqual(back.schema, decimalsV1);
    assert.equal(c.toConnectData('shop.public.everything', bytes).schema, back.schema, 'the records of one schema share one Schema object');
  });

  it('asks the registry once per schema and topic, then converts from its cache', async () => {
    const registry = new MemoryRegistry();
    const c = new AvroConverter(config(), false, registry);
    const schema = Schemas.struct([Schemas.field('id', Schemas.int64())], { name: 'k.Value' });
    const records = Array.from({ length: 50 }, (_, i) => ({ topic: 't', keySchema: null, key: null, valueSchema: schema, value: { id: i } }));
    await c.prepareOutgoing(records);
    assert.equal(c.prepareOutgoing(records), undefined, 'nothing to do: no promise on the hot path');
    // an equal schema in another object shares the registered id without registering again
    const twin = Schemas.struct([Schemas.field('id', Schemas.int64())], { name: 'k.Value' });
    await c.prepareOutgoing([{ ...records[0], valueSchema: twin }]);
    assert.deepEqual(registry.calls, ['register t-value']);
    const bytes = records.map((r) => c.fromConnectData('t', r.valueSchema, r.value)!);
    await c.prepareIncoming(bytes.map((b) => ({ topic: 't', key: null, value: b })));
    assert.equal(c.prepareIncoming(bytes.map((b) => ({ topic: 't', key: null, value: b }))), undefined);
    assert.deepEqual(registry.calls, ['register t-value', 'schema 1', 'lookup t-value']);
    assert.deepEqual(bytes.map((b) => c.toConnectData('t', b).value), records.map((r) => r.value));
    assert.equal(c.toConnectData('t', bytes[0]).schema!.version, 1, 'no connect.version: the registry version, as AvroConverter reads it');
  });

  it('writes tombstones as null bytes and reads null and empty bytes as null', async () => {
    const c = new AvroConverter(config(), false, new MemoryRegistry());
    assert.equal(c.prepareOutgoing([{ topic: 't', keySchema: null, key: null, valueSchema: everyType, value: null }]), undefined);
    assert.equal(c.fromConnectData('t', everyType, null), null);
    assert.deepEqual(c.toConnectData('t', null), { schema: null, value: null });
    assert.deepEqual(c.toConnectData('t', new Uint8Array(0)), { schema: null, value: null });
  });

  it('converts keys under <topic>-key, and names subjects by RecordNameStrategy / TopicRecordNameStrategy (full and short class names)', async () => {
    const key = Schemas.struct([Schemas.field('id', Schemas.int32())], { name: 'shop.public.orders.Key' });
    const record = { topic: 'shop.public.orders', keySchema: key, key: { id: 1 }, valueSchema: null, value: null };
    for (const [strategy, subject] of [
      [undefined, 'shop.public.orders-key'],
      ['io.confluent.kafka.serializers.subject.RecordNameStrategy', 'shop.public.orders.Key'],
      ['TopicRecordNameStrategy', 'shop.public.orders-shop.public.orders.Key'],
    ] as const) {
      const registry = new MemoryRegistry();
      const c = new AvroConverter(config(strategy ? { 'key.subject.name.strategy': strategy } : {}), true, registry);
      await c.prepareOutgoing([record]);
      assert.deepEqual([...registry.subjects.keys()], [subject]);
      const bytes = c.fromConnectData(record.topic, key, record.key)!;
      await c.prepareIncoming([{ topic: record.topic, key: bytes, value: null }]);
      assert.deepEqual(c.toConnectData(record.topic, bytes).value, { id: 1 });
    }
    const c = new AvroConverter(config({ 'value.subject.name.strategy': 'RecordNameStrategy' }), false, new MemoryRegistry());
    await assert.rejects(c.prepareOutgoing([{ topic: 't', keySchema: null, key: null, valueSchema: Schemas.string(), value: 'x' }])!, /the message value must only be a record schema/);
  });

  it('retries a registry outage with backoff, then fails the publish with a RetriableError (schema.registry_unavailable)', async () => {
    const registry = new MemoryRegistry();
    const c = new AvroConverter(config({ 'max.retries': '2' }), false, registry);
    const record = { topic: 't', keySchema: null, key: null, valueSchema: everyType, value };
    registry.failNext = 2;
    await c.prepareOutgoing([record]);
    assert.equal(registry.calls.length, 3, 'two failures, then the answer');
    registry.failNext = 3;
    const other = Schemas.struct([Schemas.field('x', Schemas.int32())], { name: 'other' });
    await assert.rejects(c.prepareOutgoing([{ ...record, valueSchema: other, value: { x: 1 } }])!, (e: unknown) => e instanceof RetriableError && e.code === 'schema.registry_unavailable' && /ECONNREFUSED/.test(e.message));
    // the sink side: an outage rejects prepareIncoming (the task restarts), nothing is read as unreadable
    const bytes = c.fromConnectData('t', everyType, value)!;
    const reader = new AvroConverter(config({ 'max.retries': '0' }), false, registry);
    registry.failNext = 1;
    await assert.rejects(reader.prepareIncoming([{ topic: 't', key: null, value: bytes }])!, (e: unknown) => e instanceof RetriableError && e.code === 'schema.registry_unavailable');
  });

  it('fails with schema.incompatible naming the subject and quoting the registry (409)', async () => {
    const registry = new MemoryRegistry();
    const c = new AvroConverter(config(), false, registry);
    const v1 = Schemas.struct([Schemas.field('id', Schemas.int32())], { name: 'shop.public.orders.Value' });
    await c.prepareOutgoing([{ topic: 'shop.public.orders', keySchema: null, key: null, valueSchema: v1, value: { id: 1 } }]);
    registry.incompatible = true;
    const v2 = Schemas.struct([Schemas.field('id', Schemas.int32()), Schemas.field('required', Schemas.string())], { name: 'shop.public.orders.Value' });
    await assert.rejects(c.prepareOutgoing([{ topic: 'shop.public.orders', keySchema: null, key: null, valueSchema: v2, value: { id: 1, required: 'x' } }])!, (e: unknown) => {
      assert.ok(e instanceof TributaryError && !e.retriable);
      assert.equal(e.code, 'schema.incompatible');
      assert.match(e.message, /subject "shop\.public\.orders-value".*READER_FIELD_MISSING_DEFAULT_VALUE/);
      return true;
    });
  });

  it('with auto.register.schemas=false looks the schema up, or writes with the latest version (use.latest.version)', async () => {
    const registry = new MemoryRegistry();
    const v1 = Schemas.struct([Schemas.field('id', Schemas.int32()), Schemas.field('note', Schemas.string({ optional: true }))], { name: 'r' });
    await new AvroConverter(config(), false, registry).prepareOutgoing([{ topic: 't', keySchema: null, key: null, valueSchema: v1, value: { id: 1 } }]);
    const lookup = new AvroConverter(config({ 'auto.register.schemas': 'false' }), false, registry);
    await lookup.prepareOutgoing([{ topic: 't', keySchema: null, key: null, valueSchema: v1, value: { id: 1 } }]);
    assert.equal(registry.calls.at(-1), 'lookup t-value');
    const unknown = Schemas.struct([Schemas.field('other', Schemas.int32())], { name: 'r2' });
    await assert.rejects(lookup.prepareOutgoing([{ topic: 't', keySchema: null, key: null, valueSchema: unknown, value: { other: 1 } }])!, (e: unknown) => e instanceof TributaryError && e.code === 'schema.registry_refused' && /HTTP 404/.test(e.message));
    // use.latest.version: a record without the optional column is written with the latest schema (id 1)
    const latest = new AvroConverter(config({ 'auto.register.schemas': 'false', 'use.latest.version': 'true' }), false, registry);
    const narrow = Schemas.struct([Schemas.field('id', Schemas.int32())], { name: 'r' });
    await latest.prepareOutgoing([{ topic: 't', keySchema: null, key: null, valueSchema: narrow, value: { id: 5 } }]);
    const bytes = latest.fromConnectData('t', narrow, { id: 5 })!;
    assert.equal(bytes.readInt32BE(1), 1);
    await latest.prepareIncoming([{ topic: 't', key: null, value: bytes }]);
    assert.deepEqual(latest.toConnectData('t', bytes).value, { id: 5, note: null });
  });

  it('names the field of a value that does not fit its schema', async () => {
    const c = new AvroConverter(config(), false, new MemoryRegistry());
    const record = { topic: 't', keySchema: null, key: null, valueSchema: everyType, value: { ...value, nested: { x: 'not a number', inner: null } } };
    await c.prepareOutgoing([record]);
    assert.throws(() => c.fromConnectData('t', everyType, record.value), (e: unknown) => e instanceof TributaryError && e.code === 'record.conversion_failed' && /field "nested\.x": expected a number for float64/.test(e.message));
    assert.throws(() => c.fromConnectData('t', everyType, { ...value, i8: 128 }), /field "i8": expected an int8/);
    assert.throws(() => c.fromConnectData('t', everyType, { ...value, price: '1.234' }), /field "price": 1.234 has more than 2 decimal places/);
  });

  it('makes undecodable records UnreadableRecords through the converter stage (toSinkRecord)', async () => {
    const registry = new MemoryRegistry();
    const c = new AvroConverter(config(), false, registry);
    const json = new JsonConverter();
    const converters = { key: json, value: c };
    const fetched = (v: Buffer) => ({ topic: 't', partition: 0, offset: 7n, timestamp: 1n, key: null, value: v, headers: [] });
    const unknownId = Buffer.from([0, 0, 0, 0, 99, 2]);
    const notAvro = Buffer.from('{"plain":"json"}');
    await prepareIncoming(converters, [fetched(unknownId), fetched(notAvro)]);
    for (const [bytes, reason] of [[unknownId, /schema id 99.*no Avro schema with id 99/], [notAvro, /Unknown magic byte/]] as const) {
      const record = toSinkRecord(fetched(bytes), converters) as { unreadable?: { stage: string; error: unknown } };
      assert.equal(record.unreadable?.stage, 'VALUE_CONVERTER');
      assert.match((record.unreadable!.error as Error).message, reason);
    }
    // and a record that converts is read as usual after prepareOutgoing / prepareIncoming
    const schema = Schemas.struct([Schemas.field('id', Schemas.int32())], { name: 'ok' });
    await prepareOutgoing(converters, [{ topic: 't', keySchema: null, key: null, valueSchema: schema, value: { id: 3 } }]);
    const bytes = c.fromConnectData('t', schema, { id: 3 })!;
    await prepareIncoming(converters, [fetched(bytes)]);
    assert.deepEqual(toSinkRecord(fetched(bytes), converters).value, { id: 3 });
  });

  it('round-trips a Debezium envelope, keys and values, as the JsonConverter does', async () => {
    const source = Schemas.struct([...commonSourceFields, Schemas.field('lsn', Schemas.int64({ optional: true }))], { name: 'io.debezium.connector.postgresql.Source' });
    const envelope = envelopeSchema('shop.public.orders', [Schemas.field('id', Schemas.int64()), Schemas.field('amount', Schemas.decimal(12, 2, { optional: true }))], source);
    const row = { id: 9007199254740993n, amount: '-0.05' };
    const v = { before: null, after: row, source: { version: '3.6.1', connector: 'postgresql', name: 'shop', ts_ms: 1, snapshot: 'false', db: 'shop', schema: 'public', table: 'orders', lsn: 123 }, op: 'c', ts_ms: 2 };
    const c = new AvroConverter(config(), false, new MemoryRegistry());
    const { back } = await roundTrip(c, 'shop.public.orders', envelope, v);
    assert.deepEqual(back.value, viaJson(envelope, v).value);
    assert.equal(back.schema!.name, 'shop.public.orders.Envelope');
    assert.equal(back.schema!.fields![1].schema.name, 'shop.public.orders.Value');
    assert.equal(back.schema!.fields![2].schema.name, 'io.debezium.connector.postgresql.Source');
  });
});

describe('AvroConverter plugin', () => {
  it('resolves by class name and alias, and lists every config problem at once', () => {
    assert.equal(findConverterPlugin('io.confluent.connect.avro.AvroConverter'), avroConverterPlugin);
    assert.equal(findConverterPlugin('avro'), avroConverterPlugin);
    assert.throws(
      () => avroConverterPlugin.create({ 'schema.registry.url': 'ftp://x', 'basic.auth.credentials.source': 'USER_INFO', 'auto.register.schemas': 'maybe', 'value.subject.name.strategy': 'NoSuchStrategy' }, false),
      (e: unknown) => {
        assert.ok(e instanceof TributaryError && e.code === 'config.invalid');
        assert.deepEqual(e.details.map((d) => d.split(':')[0]), ['auto.register.schemas', 'value.subject.name.strategy', 'schema.registry.url', 'basic.auth.user.info']);
        return true;
      },
    );
    assert.throws(() => avroConverterPlugin.create({}, false), /schema.registry.url: Missing required configuration/);
    assert.ok(avroConverterPlugin.create({ 'schema.registry.url': 'http://u:p@localhost:1,http://localhost:2' }, false) instanceof AvroConverter);
  });

  it('has its properties table in runtime/converters/README.md generated from its spec', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const block = /<!-- properties:AvroConverter -->\n([\s\S]*?)\n<!-- \/properties -->/.exec(readme);
    assert.equal(block?.[1], markdownTable(avroConverterPlugin.configSpec));
  });
});
