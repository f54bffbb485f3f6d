import { Schemas, type Schema } from '../../../plugins/api/index.js';
import { debeziumSourceFields, nanosOf } from '../../../plugins/cdc/index.js';

export const CONNECTOR_VERSION = '0.1.0';

/**
 * The `source` block of the OceanBase source (Oracle mode): Debezium's common fields, then the
 * schema and table, the tenant, the transaction id where the capture mode knows it, how the
 * change was captured (`logproxy`, `trigger`, `query`), and `scn` (ORA_ROWSCN or the change
 * table's sequence) where there is one.
 */
export const oceanbaseSourceSchema: Schema = Schemas.struct(
  [
    ...debeziumSourceFields,
    Schemas.field('schema', Schemas.string()),
    Schemas.field('table', Schemas.string()),
    Schemas.field('tenant', Schemas.string({ optional: true })),
    Schemas.field('txId', Schemas.string({ optional: true })),
    Schemas.field('scn', Schemas.string({ optional: true })),
    Schemas.field('capture_mode', Schemas.string()),
  ],
  { name: 'io.tributary.connector.oceanbase.Source', version: 1 },
);

export interface SourceInput {
  readonly serverName: string;
  readonly tsMs: number;
  readonly snapshot: string;
  readonly db: string;
  readonly schema: string;
  readonly table: string;
  readonly tenant: string;
  readonly txId: string | null;
  readonly scn: string | null;
  readonly captureMode: string;
}

export function oceanbaseSourceInfo(i: SourceInput): Record<string, unknown> {
  return {
    version: CONNECTOR_VERSION, connector: 'oceanbase', name: i.serverName, ts_ms: i.tsMs, snapshot: i.snapshot, db: i.db, sequence: null,
    ts_us: i.tsMs * 1000, ts_ns: nanosOf(i.tsMs), schema: i.schema, table: i.table, tenant: i.tenant, txId: i.txId, scn: i.scn, capture_mode: i.captureMode,
  };
}
