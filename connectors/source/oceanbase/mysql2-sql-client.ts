import mysql, { type FieldPacket, type ResultSetHeader, type RowDataPacket, type TypeCastField } from 'mysql2/promise';
import { loginUser, type OceanBaseConfig } from './oceanbase-config-spec.js';
import { castWireValue, isOceanBaseType, oracleSessionSetup, type SqlClient, type SqlResult } from './sql-client.js';

/**
 * A SqlClient over mysql2 (≥ 3.21, which sets capability bit 27, CLIENT_QUERY_ATTRIBUTES, without
 * which Oracle-mode tenants refuse the client). Every value arrives as text (`typeCast`): the
 * connector's converters are exact on text, and OceanBase's own type codes (0xc8–0xd1) are
 * unknown to mysql2. `user` is `user@tenant#cluster`; `mariadbUser` skips that for the
 * MySQL-dialect tests against MariaDB.
 */
export async function openMysql2Client(config: OceanBaseConfig, options: { plainUser?: boolean; database?: string } = {}): Promise<SqlClient> {
  const connection = await mysql.createConnection({
    host: config['database.hostname'], port: config['database.port'], user: options.plainUser ? config['database.user'] : loginUser(config),
    password: config['database.password'], database: options.database ?? config['database.dbname'], connectTimeout: config['connect.timeout.ms'],
    supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, decimalNumbers: false, jsonStrings: true,
    typeCast: (field: TypeCastField, _next: () => unknown) => {
      const code = (field as unknown as { columnType?: number }).columnType ?? 0;
      if (isOceanBaseType(code)) return castWireValue(code, field.string());
      if (field.type === 'BLOB' || field.type === 'TINY_BLOB' || field.type === 'MEDIUM_BLOB' || field.type === 'LONG_BLOB' || field.type === 'VAR_STRING' || field.type === 'STRING') {
        const b = field.buffer();
        return b === null ? null : b.toString('utf8');
      }
      const v = field.string();
      return v === null ? null : v;
    },
  });
  connection.on('error', () => undefined);
  if (config['database.compatibility.mode'] === 'oracle' && !options.plainUser) {
    for (const sql of oracleSessionSetup) await connection.query(sql);
  }
  return {
    async query(sql, params = []): Promise<SqlResult> {
      const [result, fields] = await connection.query(sql, params as unknown[]);
      if (!Array.isArray(result)) return { rows: [], fields: [], affectedRows: (result as ResultSetHeader).affectedRows ?? 0 };
      return {
        rows: result as RowDataPacket[],
        fields: ((fields ?? []) as FieldPacket[]).map((f) => ({ name: f.name, columnType: (f as unknown as { columnType?: number }).columnType ?? 0 })),
        affectedRows: 0,
      };
    },
    async close() {
      await connection.end().catch(() => connection.destroy());
    },
  };
}
