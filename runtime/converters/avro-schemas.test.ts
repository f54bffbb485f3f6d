import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonSourceFields, envelopeSchema, LogicalName, Schemas, type Schema } from '../../plugins/api/index.js';
import { avroSchemaText, fromConnectSchema, toConnectSchema, type AvroJson } from './avro-schemas.js';

/**
 * The expected Avro schemas are what Confluent's AvroData (confluentinc/schema-registry,
 * avro-data/src/main/java/io/confluent/connect/avro/AvroData.java) writes for the same Connect
 * schema: the shapes are those of its tests (AvroDataTest.java, cited per case), the property
 * order that of fromConnectSchema (connect.doc, connect.version, connect.parameters,
 * connect.default, connect.name, connect.type, then logicalType) and the text Avro's
 * Schema.toString() writes (a primitive without properties is its bare name, a nested record in
 * its parent's namespace has none, a named type is written once and then referred to by name).
 */
const text = (s: Schema) => avroSchemaText(fromConnectSchema(s));
const parse = (s: Schema) => JSON.parse(text(s)) as unknown;

describe('AvroData schema mapping, Connect → Avro', () => {
  it('maps every primitive (AvroDataTest testFromConnectComplex: int8/int16 as int with connect.type, defaults on field and type)', () => {
    const schema = Schemas.struct([
      Schemas.field('int8', Schemas.int8({ defaultValue: 2, doc: 'int8 field' })),
      Schemas.field('int16', Schemas.int16()),
      Schemas.field('int32', Schemas.int32()),
      Schemas.field('int64', Schemas.int64()),
      Schemas.field('float32', Schemas.float32()),
      Schemas.field('float64', Schemas.float64()),
      Schemas.field('boolean', Schemas.boolean()),
      Schemas.field('string', Schemas.string()),
      Schemas.field('bytes', Schemas.bytes()),
      Schemas.field('array', Schemas.array(Schemas.string())),
      Schemas.field('map', Schemas.map(Schemas.string(), Schemas.int32())),
      Schemas.field('mapNonStringKeys', Schemas.map(Schemas.int32(), Schemas.int32())),
    ]);
    assert.deepEqual(parse(schema), {
      type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro',
      fields: [
        { name: 'int8', type: { type: 'int', 'connect.doc': 'int8 field', 'connect.default': 2, 'connect.type': 'int8' }, default: 2 },
        { name: 'int16', type: { type: 'int', 'connect.type': 'int16' } },
        { name: 'int32', type: 'int' },
        { name: 'int64', type: 'long' },
        { name: 'float32', type: 'float' },
        { name: 'float64', type: 'double' },
        { name: 'boolean', type: 'boolean' },
        { name: 'string', type: 'string' },
        { name: 'bytes', type: 'bytes' },
        { name: 'array', type: { type: 'array', items: 'string' } },
        { name: 'map', type: { type: 'map', values: 'int' } },
        // AvroData: maps whose keys are not strings are arrays of io.confluent.connect.avro.MapEntry records
        { name: 'mapNonStringKeys', type: { type: 'array', items: { type: 'record', name: 'MapEntry', fields: [{ name: 'key', type: 'int' }, { name: 'value', type: 'int' }] } } },
      ],
    });
  });

  it('writes the property order of fromConnectSchema (doc, version, parameters, default, name)', () => {
    // AvroDataTest testFromConnectOptionalPrimitiveWithMetadata; an optional schema with a default puts it first in the union
    const schema = Schemas.string({ optional: true, doc: 'doc', defaultValue: 'foo', name: 'io.confluent.stringtype', version: 2, parameters: { foo: 'bar', baz: 'baz' } });
    assert.equal(text(schema), '[{"type":"string","connect.doc":"doc","connect.version":2,"connect.parameters":{"foo":"bar","baz":"baz"},"connect.default":"foo","connect.name":"io.confluent.stringtype"},"null"]');
    // AvroDataTest testFromConnectOptionalWithDefaultNull: ["null", T] with default null
    assert.equal(text(Schemas.struct([Schemas.field('optionalBool', Schemas.boolean({ optional: true }))])), '{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"optionalBool","type":["null","boolean"],"default":null}]}');
  });

  it('maps decimals with precision and scale, 64 when connect.decimal.precision is absent (CONNECT_AVRO_DECIMAL_PRECISION_DEFAULT)', () => {
    assert.equal(text(Schemas.decimal(10, 2)), '{"type":"bytes","scale":2,"precision":10,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}');
    assert.equal(text(Schemas.decimal(undefined, 3)), '{"type":"bytes","scale":3,"precision":64,"connect.parameters":{"scale":"3"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}');
    // a scale above the precision is not an Avro decimal; AvroData keeps the legacy logicalType property
    assert.equal(text(Schemas.decimal(2, 5)), '{"type":"bytes","scale":5,"precision":2,"connect.parameters":{"scale":"5","connect.decimal.precision":"2"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}');
    // AvroDataTest testFromConnectBytesFixed / testFromConnectLogicalDecimalFixedNew: connect.fixed.size makes a fixed
    const fixed: Schema = { ...Schemas.decimal(38, 9), parameters: { scale: '9', 'connect.decimal.precision': '38', 'connect.fixed.size': '16' } };
    assert.equal(text(fixed), '{"type":"fixed","name":"Decimal","namespace":"org.apache.kafka.connect.data","size":16,"scale":9,"precision":38,"connect.parameters":{"scale":"9","connect.decimal.precision":"38","connect.fixed.size":"16"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}');
  });

  it("maps Kafka Connect's Date, Time and Timestamp to Avro logical types (testFromConnectLogicalDateNew, …TimeNew, …TimestampNew)", () => {
    const v1 = (s: Schema): Schema => ({ ...s, version: 1 });
    assert.equal(text(v1(Schemas.int32({ name: LogicalName.ConnectDate }))), '{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"}');
    assert.equal(text(v1(Schemas.int32({ name: LogicalName.ConnectTime }))), '{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Time","logicalType":"time-millis"}');
    assert.equal(text(v1(Schemas.int64({ name: LogicalName.ConnectTimestamp }))), '{"type":"long","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}');
  });

  it("carries Debezium's semantic types as connect.name on the primitive, with no logical type", () => {
    assert.equal(text(Schemas.date()), '{"type":"int","connect.name":"io.debezium.time.Date"}');
    assert.equal(text(Schemas.microTimestamp({ optional: true })), '["null",{"type":"long","connect.name":"io.debezium.time.MicroTimestamp"}]');
    assert.equal(text(Schemas.zonedTimestamp()), '{"type":"string","connect.name":"io.debezium.time.ZonedTimestamp"}');
    assert.equal(text(Schemas.json()), '{"type":"string","connect.name":"io.debezium.data.Json"}');
    assert.equal(text(Schemas.uuid()), '{"type":"string","connect.name":"io.debezium.data.Uuid"}');
    assert.equal(text({ ...Schemas.string({ name: 'io.debezium.data.Enum', parameters: { allowed: 'a,b' } }), version: 1 }), '{"type":"string","connect.version":1,"connect.parameters":{"allowed":"a,b"},"connect.name":"io.debezium.data.Enum"}');
  });

  it("names Debezium's envelope records as AvroData splits them: namespace before the last dot, the row written once", () => {
    const source = Schemas.struct([...commonSourceFields, Schemas.field('lsn', Schemas.int64({ optional: true }))], { name: 'io.debezium.connector.postgresql.Source' });
    const envelope = envelopeSchema('shop.public.orders', [Schemas.field('id', Schemas.int32()), Schemas.field('note', Schemas.string({ optional: true }))], source);
    const key = Schemas.struct([Schemas.field('id', Schemas.int32())], { name: 'shop.public.orders.Key' });
    assert.equal(text(key), '{"type":"record","name":"Key","namespace":"shop.public.orders","fields":[{"name":"id","type":"int"}],"connect.name":"shop.public.orders.Key"}');
    assert.equal(
      text(envelope),
      '{"type":"record","name":"Envelope","namespace":"shop.public.orders","fields":[' +
        '{"name":"before","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"int"},{"name":"note","type":["null","string"],"default":null}],"connect.name":"shop.public.orders.Value"}],"default":null},' +
        '{"name":"after","type":["null","Value"],"default":null},' +
        '{"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.postgresql","fields":[' +
        '{"name":"version","type":"string"},{"name":"connector","type":"string"},{"name":"name","type":"string"},{"name":"ts_ms","type":"long"},' +
        '{"name":"snapshot","type":[{"type":"string","connect.default":"false"},"null"],"default":"false"},' +
        '{"name":"db","type":"string"},{"name":"schema","type":["null","string"],"default":null},{"name":"table","type":["null","string"],"default":null},' +
        '{"name":"lsn","type":["null","long"],"default":null}],"connect.name":"io.debezium.connector.postgresql.Source"}},' +
        '{"name":"op","type":"string"},{"name":"ts_ms","type":["null","long"],"default":null}],"connect.version":1,"connect.name":"shop.public.orders.Envelope"}',
    );
  });

  it('numbers unnamed structs ConnectDefault, ConnectDefault2, … (getNameOrDefault) and writes docs from the io.confluent.connect.avro.* parameters', () => {
    const schema = Schemas.struct([Schemas.field('inner', Schemas.struct([Schemas.field('x', Schemas.int32())]))], { parameters: { 'io.confluent.connect.avro.record.doc': 'a record', 'io.confluent.connect.avro.field.doc.inner': 'a field' } });
    assert.deepEqual(parse(schema), {
      type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro', doc: 'a record',
      fields: [{ name: 'inner', type: { type: 'record', name: 'ConnectDefault2', fields: [{ name: 'x', type: 'int' }] }, doc: 'a field' }],
      'connect.parameters': { 'io.confluent.connect.avro.record.doc': 'a record', 'io.confluent.connect.avro.field.doc.inner': 'a field' },
    });
  });

  it('writes int64 defaults beyond 2^53 exactly, and refuses two different structs of one name', () => {
    const big = Schemas.struct([Schemas.field('n', Schemas.int64({ defaultValue: 9223372036854775807n }))]);
    assert.match(text(big), /"connect.default":9223372036854775807\}?,?.*"default":9223372036854775807/);
    const a = Schemas.struct([Schemas.field('x', Schemas.int32())], { name: 'dup' });
    const b = Schemas.struct([Schemas.field('y', Schemas.int32())], { name: 'dup' });
    assert.throws(() => fromConnectSchema(Schemas.struct([Schemas.field('a', a), Schemas.field('b', b)])), /two different schemas are named dup/);
  });
});

describe('AvroData schema mapping, Avro → Connect', () => {
  it("reads back what it wrote: same names, parameters, defaults; Connect's logical types get version 1 as their builders give", () => {
    const schema = Schemas.struct(
      [
        Schemas.field('i8', Schemas.int8()),
        Schemas.field('i16', Schemas.int16({ optional: true })),
        Schemas.field('price', Schemas.decimal(10, 2)),
        Schemas.field('dflt', Schemas.decimal(undefined, 3, { optional: true, defaultValue: '-1.500' })),
        Schemas.field('day', Schemas.date({ optional: true })),
        Schemas.field('snapshot', Schemas.string({ optional: true, defaultValue: 'false' })),
        Schemas.field('byId', Schemas.map(Schemas.int64(), Schemas.string())),
        Schemas.field('raw', Schemas.bytes({ defaultValue: Buffer.from([0, 200]) })),
      ],
      { name: 'a.b.Row', version: 4, doc: 'the row' },
    );
    const back = toConnectSchema(fromConnectSchema(schema));
    const withV1 = (s: Schema): Schema => ({ ...s, version: 1 });
    assert.deepEqual(back, {
      ...schema,
      fields: schema.fields!.map((f) => (f.schema.name === LogicalName.Decimal ? { ...f, schema: withV1(f.schema) } : f)),
    });
    assert.deepEqual(back.fields![7].schema.defaultValue, Buffer.from([0, 200]));
  });

  it('gives the top level the registry version when it has no connect.version (AvroConverter passes it)', () => {
    assert.equal(toConnectSchema(fromConnectSchema(Schemas.struct([Schemas.field('id', Schemas.int32())], { name: 'k' })), 7).version, 7);
    assert.equal(toConnectSchema(fromConnectSchema(Schemas.struct([Schemas.field('id', Schemas.int32())], { name: 'k', version: 2 })), 7).version, 2);
  });

  it('reads schemas not written by Connect: enums as strings with io.confluent.connect.avro.Enum parameters, unions as io.confluent.connect.avro.Union, fixed, defaults', () => {
    const avro: AvroJson = {
      type: 'record', name: 'Foreign', namespace: 'x',
      fields: [
        { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
        { name: 'either', type: ['null', 'string', 'int'] },
        { name: 'md5', type: { type: 'fixed', name: 'Md5', size: 16 } },
        { name: 'count', type: 'int', default: 5 },
        { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
      ],
    };
    const s = toConnectSchema(avro);
    assert.equal(s.name, 'x.Foreign');
    assert.deepEqual(s.fields![0].schema, { type: 'string', optional: false, name: 'x.Color', parameters: { 'io.confluent.connect.avro.Enum': 'x.Color', 'io.confluent.connect.avro.Enum.RED': 'RED', 'io.confluent.connect.avro.Enum.GREEN': 'GREEN' } });
    assert.deepEqual(s.fields![1].schema, { type: 'struct', optional: true, name: 'io.confluent.connect.avro.Union', fields: [{ name: 'string', schema: { type: 'string', optional: true } }, { name: 'int', schema: { type: 'int32', optional: true } }] });
    assert.deepEqual(s.fields![2].schema, { type: 'bytes', optional: false, name: 'x.Md5', parameters: { 'connect.fixed.size': '16' } });
    // an Avro field default without connect.default: AvroData flags it (io.confluent.connect.avro.field.default)
    assert.deepEqual(s.fields![3].schema, { type: 'int32', optional: false, parameters: { 'io.confluent.connect.avro.field.default': 'true' }, defaultValue: 5 });
    assert.deepEqual(s.fields![4].schema, { type: 'int64', optional: false, name: LogicalName.ConnectTimestamp, version: 1 });
    // and writes the flagged default back as a field default only, no connect.default
    assert.equal(JSON.stringify((fromConnectSchema(s) as { fields: unknown[] }).fields[3]), '{"name":"count","type":"int","default":5}');
  });
});
