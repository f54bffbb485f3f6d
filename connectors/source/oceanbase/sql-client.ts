/**
 * The SQL the OceanBase source sends (catalog, trigger change table, incremental queries,
 * heartbeats) goes through this interface, so tests replay recorded result sets through a fake
 * and the trigger protocol runs against a real MariaDB with the same code.
 */
export interface SqlField {
  readonly name: string;
  /** the MySQL-protocol column type code (OceanBase adds 0xc8–0xd1 for Oracle-mode types) */
  readonly columnType: number;
}

export interface SqlResult {
  readonly rows: readonly Record<string, unknown>[];
  readonly fields: readonly SqlField[];
  readonly affectedRows: number;
}

export interface SqlClient {
  query(sql: string, params?: readonly unknown[]): Promise<SqlResult>;
  close(): Promise<void>;
}

/**
 * OceanBase's Oracle-mode column type codes on the MySQL wire protocol. mysql2 knows none of
 * them; 0xc8–0xca (TIMESTAMP WITH TIME ZONE, WITH LOCAL TIME ZONE, TIMESTAMP with nanoseconds)
 * are what a plain SELECT of a temporal column returns, so every such value is taken as the
 * text the server sent, in the session's NLS format (set in `oracleSessionSetup`).
 */
export const ObType = {
  TIMESTAMP_WITH_TIME_ZONE: 0xc8,
  TIMESTAMP_WITH_LOCAL_TIME_ZONE: 0xc9,
  TIMESTAMP_NANO: 0xca,
  RAW: 0xcb,
  INTERVAL_YM: 0xcc,
  INTERVAL_DS: 0xcd,
  NUMBER_FLOAT: 0xce,
  NVARCHAR2: 0xcf,
  NCHAR: 0xd0,
  UROWID: 0xd1,
} as const;

export function isOceanBaseType(columnType: number): boolean {
  return columnType >= 0xc8 && columnType <= 0xd1;
}

/**
 * A value as the text protocol carries it, turned into what the connector's converters take:
 * text stays text (numbers included: exactness is the converters' job), RAW as hex, NULL as null.
 */
export function castWireValue(columnType: number, raw: Buffer | string | null): string | null {
  if (raw === null) return null;
  if (columnType === ObType.RAW) return (typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw).toString('hex').toUpperCase();
  return typeof raw === 'string' ? raw : raw.toString('utf8');
}

/** The session statements every Oracle-mode connection runs first: the NLS forms the converters read, and UTC. */
export const oracleSessionSetup: readonly string[] = [
  "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'",
  "ALTER SESSION SET NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'",
  "ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'",
  "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'",
  "ALTER SESSION SET TIME_ZONE = '+00:00'",
];
