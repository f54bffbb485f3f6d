/**
 * The seam between the connector and the database: every statement the connector sends goes
 * through one `SqlSession`. The real implementation runs over one dedicated oracledb connection
 * (`oracledb-session.ts`); tests use a fake that answers by meaning (`test/fake-logminer.ts`),
 * a recorder wraps either and writes the traffic as JSONL, and a replayer plays a recording back.
 *
 * Value conventions (the same for every implementation, so recorded traffic replays exactly):
 * NUMBER columns, and so every SCN, come back as strings (never through a double); DATE and
 * TIMESTAMP values come back as the strings the session's NLS formats give; RAW as upper-case
 * hex; NULL as null. Column names are upper case, as Oracle reports them.
 */
export type SqlValue = string | number | null;
export type SqlRow = Readonly<Record<string, SqlValue>>;
export type Binds = readonly (string | number | null)[] | Readonly<Record<string, string | number | null>>;

export interface ColumnMetadata {
  readonly name: string;
  /** the driver's type name (`DB_TYPE_NUMBER`, `DB_TYPE_VARCHAR`, ...) where known */
  readonly dbTypeName?: string;
}

export interface SqlResult {
  readonly rows: readonly SqlRow[];
  readonly metaData: readonly ColumnMetadata[];
  /** rows changed by DML; undefined for queries and PL/SQL blocks */
  readonly rowsAffected?: number;
}

export interface SqlSession {
  /** Runs one statement or PL/SQL block and returns every row (for small answers). */
  execute(sql: string, binds?: Binds): Promise<SqlResult>;
  /**
   * Runs a query and yields its rows as they are fetched, `fetchSize` at a time, so a mining
   * window or a snapshot chunk is never held whole in memory. Breaking out of the loop closes
   * the cursor.
   */
  stream(sql: string, binds?: Binds, fetchSize?: number): AsyncIterable<SqlRow>;
  close(): Promise<void>;
}

/** An error as the driver reports it: Oracle's `ORA-nnnnn` code (or the driver's `NJS-`/`DPY-`) and message. */
export interface OracleErrorInfo {
  readonly code: string | null;
  readonly errorNum: number | null;
  readonly message: string;
}

export function oracleErrorOf(error: unknown): OracleErrorInfo {
  const e = error as { code?: unknown; errorNum?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const code = typeof e?.code === 'string' ? e.code : (/\b((?:ORA|NJS|DPY)-\d+)/.exec(message)?.[1] ?? null);
  const errorNum = typeof e?.errorNum === 'number' ? e.errorNum : code?.startsWith('ORA-') ? Number(code.slice(4)) : null;
  return { code, errorNum, message };
}

/** An error carrying an Oracle code, as the fake and the replayer raise them. */
export class OracleDbError extends Error {
  readonly code: string;
  readonly errorNum: number;

  constructor(errorNum: number, message: string) {
    const code = `ORA-${String(errorNum).padStart(5, '0')}`;
    super(`${code}: ${message}`);
    this.name = 'OracleDbError';
    this.code = code;
    this.errorNum = errorNum;
  }
}
