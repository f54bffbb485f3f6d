import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * DuckDB (npm, binary included) as the independent reader of what the sinks land. It reads
 * local paths only: its S3 support is the httpfs extension, which would need a download, so S3
 * objects are copied to a temp directory first (S3Server.download).
 */
export class DuckDbReader {
  readonly #connection: DuckDBConnection;
  readonly #instance: DuckDBInstance;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  static async open(): Promise<DuckDbReader> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    return new DuckDbReader(instance, await instance.connect());
  }

  /** Rows as JSON-safe objects (bigints and decimals as strings, timestamps as text). */
  async rows(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.#connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  async scalar(sql: string): Promise<unknown> {
    const rows = await this.rows(sql);
    return rows.length === 0 ? undefined : Object.values(rows[0])[0];
  }

  /** Column name → DuckDB type of a query's result. */
  async columnTypes(sql: string): Promise<Record<string, string>> {
    const rows = await this.rows(`DESCRIBE ${sql}`);
    return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]));
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
