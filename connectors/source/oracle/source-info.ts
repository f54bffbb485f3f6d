import { Schemas, type Schema } from '../../../plugins/api/index.js';
import { debeziumSourceFields, nanosOf } from '../../../plugins/cdc/index.js';

export const CONNECTOR_VERSION = '0.1.0';

/**
 * Debezium 3's Oracle `source` block (OracleSourceInfoStructMaker), field for field in its
 * order: the common fields, then schema, table, txId, scn, commit_scn, lcr_position, rs_id, ssn,
 * redo_thread, user_name, redo_sql, row_id.
 */
export const oracleSourceSchema: Schema = Schemas.struct(
  [
    ...debeziumSourceFields,
    Schemas.field('schema', Schemas.string()),
    Schemas.field('table', Schemas.string()),
    Schemas.field('txId', Schemas.string({ optional: true })),
    Schemas.field('scn', Schemas.string({ optional: true })),
    Schemas.field('commit_scn', Schemas.string({ optional: true })),
    Schemas.field('lcr_position', Schemas.string({ optional: true })),
    Schemas.field('rs_id', Schemas.string({ optional: true })),
    Schemas.field('ssn', Schemas.int32({ optional: true })),
    Schemas.field('redo_thread', Schemas.int32({ optional: true })),
    Schemas.field('user_name', Schemas.string({ optional: true })),
    Schemas.field('redo_sql', Schemas.string({ optional: true })),
    Schemas.field('row_id', Schemas.string({ optional: true })),
  ],
  { name: 'io.debezium.connector.oracle.Source', version: 1 },
);

export interface OracleSourceInput {
  readonly serverName: string;
  readonly tsMs: number;
  readonly snapshot: string;
  readonly db: string;
  readonly schema: string;
  readonly table: string;
  readonly txId: string | null;
  readonly scn: string | null;
  readonly commitScn: string | null;
  readonly rsId: string | null;
  readonly ssn: number | null;
  readonly thread: number | null;
  readonly userName: string | null;
  readonly rowId: string | null;
}

export function oracleSourceInfo(i: OracleSourceInput): Record<string, unknown> {
  return {
    version: CONNECTOR_VERSION, connector: 'oracle', name: i.serverName, ts_ms: i.tsMs, snapshot: i.snapshot, db: i.db, sequence: null,
    ts_us: i.tsMs * 1000, ts_ns: nanosOf(i.tsMs), schema: i.schema, table: i.table, txId: i.txId, scn: i.scn, commit_scn: i.commitScn,
    lcr_position: null, rs_id: i.rsId, ssn: i.ssn, redo_thread: i.thread, user_name: i.userName, redo_sql: null, row_id: i.rowId,
  };
}
