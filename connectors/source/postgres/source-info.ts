import { Schemas, type Field, type Schema } from '../../../plugins/api/index.js';
import { changeEnvelopeSchema, debeziumSourceFields } from '../../../plugins/cdc/index.js';
import type { Lsn } from './lsn.js';

export const CONNECTOR_VERSION = '0.1.0';

/**
 * Debezium 3.6's PostgreSQL `source` block, field for field and in its order (measured against
 * Debezium on Kafka Connect: integration-tests/kafka-interop-postgres-source.test.ts), so that
 * JsonConverter writes the same schema JSON: the common Debezium fields (plugins/cdc), then
 * Postgres's own; `origin`/`origin_lsn` (a replication origin's, which Tributary never reads)
 * always null, as `xmin` is.
 */
export const sourceSchema = Schemas.struct(
  [
    ...debeziumSourceFields,
    Schemas.field('schema', Schemas.string()),
    Schemas.field('table', Schemas.string()),
    Schemas.field('txId', Schemas.int64({ optional: true })),
    Schemas.field('lsn', Schemas.int64({ optional: true })),
    Schemas.field('xmin', Schemas.int64({ optional: true })),
    Schemas.field('origin', Schemas.string({ optional: true })),
    Schemas.field('origin_lsn', Schemas.int64({ optional: true })),
  ],
  { name: 'io.debezium.connector.postgresql.Source', version: 1 },
);

/**
 * Debezium 3's envelope (version 2): before, after, source, `transaction` (null: Tributary has no
 * `provide.transaction.metadata`), op, and the processing time as ts_ms, ts_us and ts_ns.
 */
export function envelopeSchema(topic: string, rowFields: readonly Field[]): Schema {
  return changeEnvelopeSchema(topic, rowFields, sourceSchema);
}

/** Debezium 3's envelope (plugins/cdc): the postgres source builds its records with it */
export { envelope } from '../../../plugins/cdc/index.js';

export interface SourceInfoInput {
  serverName: string;
  db: string;
  schema: string;
  table: string;
  tsMs: number;
  /** Debezium's markers: 'first' | 'first_in_data_collection' | 'true' | 'last_in_data_collection' | 'last' | 'false' */
  snapshot: string;
  txId: number | null;
  lsn: Lsn;
  commitLsn: Lsn | null;
  xmin?: number | null;
}

/** A source block for snapshot rows (streamed changes build theirs in change-event-builder.ts). */
export function sourceInfo(input: SourceInfoInput): Record<string, unknown> {
  return {
    version: CONNECTOR_VERSION,
    connector: 'postgresql',
    name: input.serverName,
    ts_ms: input.tsMs,
    snapshot: input.snapshot,
    db: input.db,
    // Debezium's sequence: [last commit LSN, this event's LSN] as decimal strings
    sequence: `[${input.commitLsn ? `"${input.commitLsn.toOffset()}"` : 'null'},"${input.lsn.toOffset()}"]`,
    ts_us: input.tsMs * 1000,
    ts_ns: BigInt(input.tsMs) * 1_000_000n,
    schema: input.schema,
    table: input.table,
    txId: input.txId,
    lsn: input.lsn.number <= Number.MAX_SAFE_INTEGER ? input.lsn.number : input.lsn.value,
    xmin: input.xmin ?? null,
    origin: null,
    origin_lsn: null,
  };
}
