import { Schemas, commonSourceFields } from '../../../plugins/api/index.js';
import type { Lsn } from './lsn.js';

export const CONNECTOR_VERSION = '0.1.0';

/** Debezium's PostgreSQL `source` block: the common fields plus sequence, txId, lsn and xmin. */
export const sourceSchema = Schemas.struct(
  [
    ...commonSourceFields,
    Schemas.field('sequence', Schemas.string({ optional: true })),
    Schemas.field('txId', Schemas.int64({ optional: true })),
    Schemas.field('lsn', Schemas.int64({ optional: true })),
    Schemas.field('xmin', Schemas.int64({ optional: true })),
  ],
  { name: 'io.debezium.connector.postgresql.Source' },
);

export interface SourceInfoInput {
  serverName: string;
  db: string;
  schema: string;
  table: string;
  tsMs: number;
  /** 'true' | 'last' | 'false' */
  snapshot: string;
  txId: number | null;
  lsn: Lsn;
  commitLsn: Lsn | null;
  xmin?: number | null;
}

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
    schema: input.schema,
    table: input.table,
    txId: input.txId,
    lsn: input.lsn.number <= Number.MAX_SAFE_INTEGER ? input.lsn.number : input.lsn.value,
    xmin: input.xmin ?? null,
  };
}
