import { commonSourceFields, envelopeSchema, Schemas, type Op, type Schema, type SourceRecord } from '../../../plugins/api/index.js';

/** A Postgres-like orders table: the envelope schema and records built on it, for transform tests. */
export const TOPIC = 'shop.public.orders';

export const rowFields = [
  Schemas.field('id', Schemas.int64()),
  Schemas.field('customer', Schemas.string({ optional: true })),
  Schemas.field('total', Schemas.decimal(10, 2, { optional: true })),
  Schemas.field('created_at', Schemas.microTimestamp({ optional: true })),
];

export const sourceSchema: Schema = Schemas.struct(
  [...commonSourceFields, Schemas.field('lsn', Schemas.int64({ optional: true })), Schemas.field('txId', Schemas.int64({ optional: true }))],
  { name: 'io.debezium.connector.postgresql.Source' },
);

export const orderEnvelope: Schema = envelopeSchema(TOPIC, rowFields, sourceSchema);

export const keySchema: Schema = Schemas.struct([Schemas.field('id', Schemas.int64())], { name: `${TOPIC}.Key` });

export type Row = { id: number; customer: string | null; total: string | null; created_at: number | null };

let sequence = 0;

export function changeRecord(op: Op, before: Row | null, after: Row | null, extra: Partial<SourceRecord> = {}): SourceRecord {
  sequence++;
  const id = (after ?? before)?.id ?? 0;
  return {
    topic: TOPIC,
    keySchema,
    key: { id },
    valueSchema: orderEnvelope,
    value: {
      before,
      after,
      source: { version: '0.1.0', connector: 'postgresql', name: 'shop', ts_ms: 1_700_000_000_000, snapshot: 'false', db: 'shop', schema: 'public', table: 'orders', lsn: 1234 + sequence, txId: 77 },
      op,
      ts_ms: 1_700_000_000_500,
    },
    timestamp: 1_700_000_000_000,
    headers: { trace: 'abc' },
    sourcePartition: { server: 'shop' },
    sourceOffset: { lsn: 1234 + sequence },
    position: String(sequence).padStart(20, '0'),
    id: `rec-${sequence}`,
    ...extra,
  };
}

export const row = (id: number, customer = 'ada'): Row => ({ id, customer, total: '12.50', created_at: 1_700_000_000_000_123 });

export function tombstone(id: number): SourceRecord {
  return { ...changeRecord('d', row(id), null), valueSchema: null, value: null };
}
