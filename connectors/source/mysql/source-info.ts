import { Schemas, type Schema } from '../../../plugins/api/index.js';
import { debeziumSourceFields, nanosOf } from '../../../plugins/cdc/index.js';

export const CONNECTOR_VERSION = '0.1.0';

/**
 * Debezium 3's MySQL / MariaDB `source` block (BinlogSourceInfoStructMaker), field for field and
 * in its order: the common fields, then table, server_id, gtid, file, pos, row, thread, query.
 * Named `io.debezium.connector.<mysql|mariadb>.Source` after the connector.
 */
function sourceSchemaFor(flavour: ConnectorFlavour): Schema {
  return Schemas.struct(
    [
      ...debeziumSourceFields,
      Schemas.field('table', Schemas.string({ optional: true })),
      Schemas.field('server_id', Schemas.int64()),
      Schemas.field('gtid', Schemas.string({ optional: true })),
      Schemas.field('file', Schemas.string()),
      Schemas.field('pos', Schemas.int64()),
      Schemas.field('row', Schemas.int32()),
      Schemas.field('thread', Schemas.int64({ optional: true })),
      Schemas.field('query', Schemas.string({ optional: true })),
    ],
    { name: `io.debezium.connector.${flavour}.Source`, version: 1 },
  );
}

const sourceSchemas: Record<ConnectorFlavour, Schema> = { mysql: sourceSchemaFor('mysql'), mariadb: sourceSchemaFor('mariadb') };

export function sourceSchemaOf(flavour: ConnectorFlavour): Schema {
  return sourceSchemas[flavour];
}

/** `mysql` for MySqlConnector, `mariadb` for MariaDbConnector, as Debezium names its source */
export type ConnectorFlavour = 'mysql' | 'mariadb';

export interface SourceInfoInput {
  readonly flavour: ConnectorFlavour;
  readonly serverName: string;
  readonly tsMs: number;
  /** 'true' | 'last' | 'false' */
  readonly snapshot: string;
  readonly db: string;
  readonly table: string | null;
  readonly serverId: number;
  readonly gtid: string | null;
  readonly file: string;
  readonly pos: number;
  readonly row: number;
  readonly thread: number | null;
  readonly query: string | null;
}

export function sourceInfo(i: SourceInfoInput): Record<string, unknown> {
  return {
    version: CONNECTOR_VERSION, connector: i.flavour, name: i.serverName, ts_ms: i.tsMs, snapshot: i.snapshot,
    db: i.db, sequence: null, ts_us: i.tsMs * 1000, ts_ns: nanosOf(i.tsMs), table: i.table, server_id: i.serverId, gtid: i.gtid,
    file: i.file, pos: i.pos, row: i.row, thread: i.thread, query: i.query,
  };
}
