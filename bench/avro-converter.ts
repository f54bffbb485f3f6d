/**
 * Records per second through the AvroConverter vs the JsonConverter (schemas.enable=true, Kafka
 * Connect's default) on the same Debezium change events: fromConnectData then toConnectData of the
 * value, as a source writes a record and a sink reads it. 8-column rows (int64 id, text, decimal,
 * timestamp, date, boolean, double, nullable text) in an envelope with Postgres' source block;
 * inserts, updates and deletes from a pool of 10,000 events sharing one schema, as the events of
 * one table do. The Avro schema is registered before timing starts (an in-memory registry
 * client: the registry is asked once per schema and id, never per record), so this measures the
 * conversion alone. Not a pass/fail test: `node --import tsx bench/avro-converter.ts`.
 */
import { commonSourceFields, envelopeSchema, Schemas, type Op, type SourceRecord } from '../plugins/api/index.js';
import { AvroConverter, parseAvroConverterConfig } from '../runtime/converters/avro-converter.js';
import type { Converter } from '../runtime/converters/converter.js';
import { JsonConverter } from '../runtime/converters/json-converter.js';
import type { SchemaRegistryClient } from '../runtime/converters/schema-registry-client.js';

const TOTAL = 500_000;
const POOL = 10_000;
const topic = 'bench.public.orders';
const schema = envelopeSchema(
  topic,
  [
    Schemas.field('id', Schemas.int64()),
    Schemas.field('customer', Schemas.string({ optional: true })),
    Schemas.field('total', Schemas.decimal(10, 2, { optional: true })),
    Schemas.field('created_at', Schemas.microTimestamp({ optional: true })),
    Schemas.field('ship_date', Schemas.date({ optional: true })),
    Schemas.field('paid', Schemas.boolean({ optional: true })),
    Schemas.field('weight', Schemas.float64({ optional: true })),
    Schemas.field('note', Schemas.string({ optional: true })),
  ],
  Schemas.struct([...commonSourceFields, Schemas.field('lsn', Schemas.int64({ optional: true })), Schemas.field('txId', Schemas.int64({ optional: true }))], { name: 'io.debezium.connector.postgresql.Source' }),
);

function pool(): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (let i = 0; i < POOL; i++) {
    const op: Op = i % 10 === 9 ? 'd' : i % 3 === 0 ? 'u' : 'c';
    const row = { id: i, customer: `customer-${i % 97}`, total: `${i}.50`, created_at: 1_700_000_000_000_000 + i, ship_date: 19_700 + (i % 30), paid: i % 2 === 0, weight: i / 7, note: i % 5 === 0 ? null : `note ${i}` };
    out.push({
      topic, keySchema: null, key: { id: i }, valueSchema: schema,
      value: {
        before: op === 'c' ? null : row,
        after: op === 'd' ? null : { ...row, paid: true },
        source: { version: '0.1.0', connector: 'postgresql', name: 'bench', ts_ms: 1_700_000_000_000, snapshot: 'false', db: 'shop', schema: 'public', table: 'orders', lsn: 1000 + i, txId: 500 + i },
        op, ts_ms: 1_700_000_000_100,
      },
      timestamp: 1_700_000_000_000, sourcePartition: { server: 'bench' }, sourceOffset: { lsn: 1000 + i }, position: String(i).padStart(20, '0'), id: `bench-${i}`,
    });
  }
  return out;
}

/** Holds the one schema registered: the bench measures conversion, not a registry. */
class OneSchemaRegistry implements SchemaRegistryClient {
  #text = '';
  async register(_subject: string, schema: string): Promise<number> {
    this.#text = schema;
    return 1;
  }
  async lookup(): Promise<{ id: number; version: number }> {
    return { id: 1, version: 1 };
  }
  async latest(): Promise<{ id: number; version: number; schema: string }> {
    return { id: 1, version: 1, schema: this.#text };
  }
  async schemaById(): Promise<string> {
    return this.#text;
  }
}

function run(label: string, c: Converter, records: readonly SourceRecord[]): { rate: number; bytes: number } {
  let bytes = 0;
  const once = (r: SourceRecord) => {
    const b = c.fromConnectData(r.topic, r.valueSchema, r.value)!;
    bytes += b.length;
    return c.toConnectData(r.topic, b);
  };
  for (let i = 0; i < 100_000; i++) once(records[i % POOL]); // warm-up
  bytes = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < TOTAL; i++) once(records[i % POOL]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = Math.round(TOTAL / seconds);
  console.log(`${label.padEnd(44)} ${TOTAL.toLocaleString('en')} records in ${(seconds * 1000).toFixed(0)} ms = ${rate.toLocaleString('en')} records/s, ${Math.round(bytes / TOTAL)} bytes/record`);
  return { rate, bytes: bytes / TOTAL };
}

const records = pool();
const avro = new AvroConverter(parseAvroConverterConfig({ 'schema.registry.url': 'http://unused:8081' }), false, new OneSchemaRegistry());
await avro.prepareOutgoing(records);
await avro.prepareIncoming([{ topic, key: null, value: avro.fromConnectData(topic, schema, records[0].value) }]);
const json = run('JsonConverter (schemas.enable=true)', new JsonConverter(), records);
const jsonPayload = run('JsonConverter (schemas.enable=false)', new JsonConverter({ 'schemas.enable': false }), records);
const a = run('AvroConverter (schema id cached)', avro, records);
console.log(`Avro / JSON (schemas.enable=true): ${(a.rate / json.rate).toFixed(2)} x the records/s, ${(a.bytes / json.bytes).toFixed(2)} x the bytes`);
console.log(`Avro / JSON (schemas.enable=false): ${(a.rate / jsonPayload.rate).toFixed(2)} x the records/s, ${(a.bytes / jsonPayload.bytes).toFixed(2)} x the bytes`);
