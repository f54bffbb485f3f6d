import oracledb, { type Connection } from 'oracledb';
import type { OracleConfig } from './oracle-config-spec.js';
import { connectStringOf } from './oracle-config-spec.js';
import type { Binds, ColumnMetadata, SqlResult, SqlRow, SqlSession, SqlValue } from './sql-session.js';

/**
 * Types fetched as text: exact numbers (SCNs beyond 2^53), the NLS forms of temporal values, RAW
 * as hex (XID). oracledb defines these columns as VARCHAR2, so the server converts them with the
 * session's NLS formats. (It has no such conversion for INTERVAL columns; the snapshot selects
 * them through TO_CHAR.)
 */
const AS_STRING = new Set<unknown>([
  oracledb.DB_TYPE_NUMBER, oracledb.DB_TYPE_BINARY_FLOAT, oracledb.DB_TYPE_BINARY_DOUBLE, oracledb.DB_TYPE_DATE, oracledb.DB_TYPE_TIMESTAMP,
  oracledb.DB_TYPE_TIMESTAMP_TZ, oracledb.DB_TYPE_TIMESTAMP_LTZ, oracledb.DB_TYPE_RAW,
]);

const fetchTypeHandler = (metadata: { dbType?: unknown }) => (AS_STRING.has(metadata.dbType) ? { type: oracledb.STRING } : undefined);

/**
 * The real SqlSession: one dedicated oracledb connection in Thin mode (pure JavaScript, no
 * Instant Client; Oracle 12.1 and later). Every NUMBER, DATE, TIMESTAMP, INTERVAL and RAW
 * column is fetched as text (RAW as hex), so SCNs stay exact and values keep the session's NLS
 * forms; rows are objects keyed by the upper-case column names.
 */
export class OracleDbSession implements SqlSession {
  private constructor(readonly connection: Connection) {}

  static async connect(config: OracleConfig): Promise<OracleDbSession> {
    const seconds = Math.max(1, Math.ceil(config['connect.timeout.ms'] / 1000));
    const connection = await oracledb.getConnection({
      user: config['database.user'], password: config['database.password'], connectString: connectStringOf(config),
      connectTimeout: seconds, transportConnectTimeout: seconds, retryCount: 0,
    });
    return new OracleDbSession(connection);
  }

  async execute(sql: string, binds: Binds = []): Promise<SqlResult> {
    const result = await this.connection.execute(sql, binds, { outFormat: oracledb.OUT_FORMAT_OBJECT, fetchTypeHandler, autoCommit: false });
    return {
      rows: (result.rows ?? []).map(plainRow),
      metaData: (result.metaData ?? []).map((m): ColumnMetadata => ({ name: m.name, ...(m.dbTypeName ? { dbTypeName: m.dbTypeName } : {}) })),
      ...(result.rowsAffected !== undefined ? { rowsAffected: result.rowsAffected } : {}),
    };
  }

  async *stream(sql: string, binds: Binds = [], fetchSize = 10_000): AsyncIterable<SqlRow> {
    const stream = this.connection.queryStream(sql, binds, { outFormat: oracledb.OUT_FORMAT_OBJECT, fetchTypeHandler, fetchArraySize: fetchSize });
    try {
      for await (const row of stream) yield plainRow(row);
    } finally {
      stream.destroy();
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function plainRow(row: Record<string, unknown>): SqlRow {
  const out: Record<string, SqlValue> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = v === null || v === undefined ? null : typeof v === 'number' || typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('hex').toUpperCase() : String(v);
  }
  return out;
}
